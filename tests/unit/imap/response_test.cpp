// SPDX-License-Identifier: Apache-2.0
// tests/unit/imap/response_test.cpp - untagged IMAP responses as libcurl passes them on
//
// The texts are what Dovecot 2.3 answered in tests/cli/imap_dovecot.sh.
#include "imap/response.hpp"

#include <gtest/gtest.h>

using namespace replyguard::imap;

TEST(ImapResponse, Status) {
    auto st = parse_status("* STATUS INBOX (MESSAGES 4 UIDNEXT 5 UIDVALIDITY 1796428100)\r\n");
    ASSERT_TRUE(st);
    EXPECT_EQ(st->uidvalidity, 1796428100u);
    EXPECT_EQ(st->uidnext, 5u);
    EXPECT_EQ(st->messages, 4u);
    auto quoted = parse_status("* OK [x] y\r\n* STATUS \"Sent Items\" (UIDVALIDITY 7)\r\n");
    ASSERT_TRUE(quoted);
    EXPECT_EQ(quoted->uidvalidity, 7u);
    EXPECT_EQ(quoted->uidnext, 0u);
    EXPECT_FALSE(parse_status("* STATUS INBOX (MESSAGES 4)\r\n"));  // no UIDVALIDITY: useless
    EXPECT_FALSE(parse_status(""));
}

TEST(ImapResponse, Search) {
    EXPECT_EQ(parse_search("* SEARCH 4 2 3\r\n"), (std::vector<std::uint32_t>{2, 3, 4}));
    EXPECT_TRUE(parse_search("* SEARCH\r\n").empty());
    EXPECT_EQ(parse_search("* 3 EXISTS\r\n* SEARCH 9\r\n* SEARCH 9 10\r\n"), (std::vector<std::uint32_t>{9, 10}));
}

TEST(ImapResponse, FetchFlags) {
    auto f = parse_fetch_flags(
        "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Hijack)\r\n"
        "* OK [PERMANENTFLAGS (\\Answered \\*)] Flags permitted.\r\n"
        "* 1 FETCH (UID 2 FLAGS (\\Flagged $Hijack))\r\n"
        "* 2 FETCH (FLAGS (\\Seen) UID 3)\r\n"
        "* 3 FETCH (UID 4 FLAGS ())\r\n"
        "* 4 FETCH (FLAGS (\\Seen))\r\n");  // no UID: skipped
    ASSERT_EQ(f.size(), 3u);
    EXPECT_EQ(f[0].uid, 2u);
    EXPECT_EQ(f[0].flags, (std::vector<std::string>{"\\Flagged", "$Hijack"}));
    EXPECT_EQ(f[1].uid, 3u);
    EXPECT_TRUE(has_flag(f[1].flags, "\\seen"));
    EXPECT_EQ(f[2].uid, 4u);
    EXPECT_TRUE(f[2].flags.empty());
}

TEST(ImapResponse, List) {
    auto l = parse_list(
        "* LIST (\\HasNoChildren \\Junk) \"/\" Quarantine\r\n"
        "* LIST (\\HasNoChildren \\Sent) \"/\" \"Sent Items\"\r\n"
        "* LIST (\\Noselect \\HasChildren) \"/\" Lists\r\n"
        "* LIST (\\HasNoChildren) \"/\" INBOX\r\n"
        "* LIST () \"/\" {5}\r\n");
    ASSERT_EQ(l.size(), 4u);
    EXPECT_EQ(l[1].name, "Sent Items");
    EXPECT_TRUE(has_flag(l[1].attributes, "\\Sent"));
    EXPECT_TRUE(has_flag(l[2].attributes, "\\Noselect"));
}
