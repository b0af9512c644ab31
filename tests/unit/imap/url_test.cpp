// SPDX-License-Identifier: Apache-2.0
// tests/unit/imap/url_test.cpp - IMAP URLs, modified UTF-7 mailbox names, quoting
#include "imap/url.hpp"

#include <gtest/gtest.h>

using namespace replyguard::imap;

TEST(ImapUrl, ImapsWithUserPortAndMailbox) {
    auto u = parse_url("imaps://sato%40sakura-shoji.example@mail.example.jp:1993/Sent%20Items");
    ASSERT_TRUE(u) << u.error().message;
    EXPECT_TRUE(u->implicit_tls);
    EXPECT_EQ(u->user, "sato@sakura-shoji.example");
    EXPECT_EQ(u->host, "mail.example.jp");
    EXPECT_EQ(u->port, 1993);
    EXPECT_EQ(u->mailbox, "Sent Items");
    EXPECT_EQ(u->base(), "imaps://mail.example.jp:1993");
    EXPECT_EQ(u->account(), "imaps://sato@sakura-shoji.example@mail.example.jp:1993");
}

TEST(ImapUrl, ImapDefaultsToPort143AndStartTls) {
    auto u = parse_url("IMAP://bob@host/");
    ASSERT_TRUE(u);
    EXPECT_FALSE(u->implicit_tls);
    EXPECT_EQ(u->port, 143);
    EXPECT_EQ(u->mailbox, "");
    auto s = parse_url("imaps://host");
    ASSERT_TRUE(s);
    EXPECT_EQ(s->port, 993);
    EXPECT_EQ(s->user, "");
}

TEST(ImapUrl, JapaneseMailboxPercentEncoded) {
    auto u = parse_url("imaps://u@h/%E9%80%81%E4%BF%A1%E6%B8%88%E3%81%BF");
    ASSERT_TRUE(u);
    EXPECT_EQ(u->mailbox, "送信済み");
}

TEST(ImapUrl, Ipv6Host) {
    auto u = parse_url("imaps://u@[::1]:9993/INBOX");
    ASSERT_TRUE(u);
    EXPECT_EQ(u->host, "::1");
    EXPECT_EQ(u->port, 9993);
    EXPECT_EQ(u->base(), "imaps://[::1]:9993");
}

TEST(ImapUrl, Refusals) {
    EXPECT_FALSE(parse_url("imaps://user:secret@host/"));  // no password on the command line
    EXPECT_FALSE(parse_url("https://host/"));
    EXPECT_FALSE(parse_url("imaps://host:0/"));
    EXPECT_FALSE(parse_url("imaps://host:99999/"));
    EXPECT_FALSE(parse_url("imaps://host/INBOX;UIDVALIDITY=5"));
    EXPECT_FALSE(parse_url("imaps://host/INBOX%2"));
    EXPECT_FALSE(parse_url("imaps:///INBOX"));
    EXPECT_TRUE(is_imap_url("imaps://h"));
    EXPECT_TRUE(is_imap_url("IMAP://h"));
    EXPECT_FALSE(is_imap_url("/var/mail/imap://"));
}

TEST(ImapMailbox, ModifiedUtf7Rfc3501Examples) {
    // RFC 3501 5.1.3: "~peter/mail/台北/日本語"
    auto e = encode_mailbox("~peter/mail/台北/日本語");
    ASSERT_TRUE(e);
    EXPECT_EQ(*e, "~peter/mail/&U,BTFw-/&ZeVnLIqe-");
    EXPECT_EQ(decode_mailbox(*e), "~peter/mail/台北/日本語");
    EXPECT_EQ(*encode_mailbox("Tom & Jerry"), "Tom &- Jerry");
    EXPECT_EQ(decode_mailbox("Tom &- Jerry"), "Tom & Jerry");
    EXPECT_EQ(*encode_mailbox("INBOX"), "INBOX");
}

TEST(ImapMailbox, OutlookJapaneseSentFolderRoundTrips) {
    auto e = encode_mailbox("送信済みアイテム");
    ASSERT_TRUE(e);
    EXPECT_EQ(*e, "&kAFP4W4IMH8wojCkMMYw4A-");
    EXPECT_EQ(decode_mailbox(*e), "送信済みアイテム");
    auto astral = encode_mailbox("📧");  // outside the BMP: a surrogate pair
    ASSERT_TRUE(astral);
    EXPECT_EQ(decode_mailbox(*astral), "📧");
}

TEST(ImapMailbox, InvalidUtf8IsAnError) {
    EXPECT_FALSE(encode_mailbox(std::string("\xff\xfe", 2)));
    EXPECT_FALSE(encode_mailbox(std::string("\xe6\x97", 2)));  // cut short
    EXPECT_FALSE(encode_mailbox("\xe0\x80\x80"));              // overlong NUL
    EXPECT_FALSE(encode_mailbox("\xed\xa0\x80"));              // a surrogate
    EXPECT_FALSE(encode_mailbox("\xf4\x90\x80\x80"));          // above U+10FFFF
    EXPECT_FALSE(encode_mailbox("\xf8\x88\x80\x80\x80"));      // 5-byte form
    EXPECT_EQ(decode_mailbox("&broken"), "&broken");           // malformed: as is
}

TEST(ImapMailbox, QuoteAndUrlPath) {
    EXPECT_EQ(quote("Sent Items"), "\"Sent Items\"");
    EXPECT_EQ(quote("a\"b\\c"), "\"a\\\"b\\\\c\"");
    EXPECT_EQ(url_path("Lists/notmuch"), "Lists/notmuch");
    EXPECT_EQ(url_path("Sent Items;x&y"), "Sent%20Items%3Bx%26y");
}
