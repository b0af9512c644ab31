// SPDX-License-Identifier: Apache-2.0
// tests/unit/mime/content_type_test.cpp - Content-Type values, and the top-level type the parser keeps
#include "mime/content_type.hpp"
#include "mime/parser.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

using namespace replyguard::mime;

TEST(ContentType, ParsesTypeCharsetAndBoundary) {
    content_type c = parse_content_type(" Multipart/Alternative;\r\n\tboundary=\"=_b1 x\"; charset=ISO-2022-JP");
    EXPECT_EQ(c.type, "multipart");
    EXPECT_EQ(c.subtype, "alternative");
    EXPECT_EQ(c.boundary, "=_b1 x");
    EXPECT_EQ(c.charset, "ISO-2022-JP");
}

TEST(ContentType, MissingOrBrokenIsTextPlain) {
    content_type e = parse_content_type("");
    EXPECT_EQ(e.type, "text");
    EXPECT_EQ(e.subtype, "plain");
    EXPECT_TRUE(e.boundary.empty());
}

TEST(ContentType, TheParserKeepsTheTopLevelType) {
    message m = parse_message(
        "From: a@example.jp\r\nContent-Type: multipart/mixed; boundary=\"zz\"\r\n\r\n"
        "--zz\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nhi\r\n--zz--\r\n");
    EXPECT_EQ(m.body_type.type, "multipart");
    EXPECT_EQ(m.body_type.subtype, "mixed");
    EXPECT_EQ(m.body_type.boundary, "zz");
    message plain = parse_message("From: a@example.jp\r\nSubject: x\r\n\r\nhello\r\n");
    EXPECT_EQ(plain.body_type.type, "text");
    EXPECT_EQ(plain.body_type.subtype, "plain");
    message b64 = parse_message(
        "From: a@example.jp\r\nContent-Type: text/plain; charset=utf-8\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\n44GT44KT44Gr44Gh44Gv\r\n");
    EXPECT_EQ(b64.body_transfer_encoding, "base64");
    EXPECT_EQ(b64.body_type.charset, "utf-8");

    // A real Japanese multipart message: the same as parsing its field alone.
    std::ifstream in(std::string(REPLYGUARD_CORPUS_DIR) + "/benign/japanese/spamassassin-cjk/iso-2022-jp.1",
                     std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    std::string raw = ss.str();
    message real = parse_message(raw);
    // The field as written (folded over two lines in this message).
    std::size_t at = raw.find("\nContent-Type:");
    ASSERT_NE(at, std::string::npos);
    std::size_t end = at + 1;
    do end = raw.find('\n', end) + 1;
    while (raw[end] == ' ' || raw[end] == '\t');
    content_type alone = parse_content_type(raw.substr(at + 14, end - at - 14));
    EXPECT_EQ(real.body_type.type, alone.type);
    EXPECT_EQ(real.body_type.subtype, alone.subtype);
    EXPECT_EQ(real.body_type.boundary, alone.boundary);
    EXPECT_FALSE(alone.boundary.empty());
}
