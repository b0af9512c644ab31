// SPDX-License-Identifier: Apache-2.0
// Tests of milter/banner.hpp on corpus mail and on multipart structures.
#include "milter/banner.hpp"
#include "mime/charset.hpp"
#include "mime/parser.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

using namespace replyguard;
using namespace replyguard::milter;

namespace {

std::string read_file(const std::string& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

struct split_msg {
    std::string headers, body, content_type, cte;
};

// Split a message at its first empty line; pick the two top-level fields.
split_msg split(const std::string& m) {
    split_msg s;
    std::size_t a = m.find("\n\n"), b = m.find("\n\r\n");
    std::size_t e = std::min(a, b);
    s.headers = m.substr(0, e + 1);
    s.body = m.substr(e + (e == a ? 2 : 3));
    std::istringstream in(s.headers);
    std::string line, *cur = nullptr;
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (!line.empty() && (line[0] == ' ' || line[0] == '\t')) {
            if (cur) *cur += line;
            continue;
        }
        cur = nullptr;
        std::string low = line.substr(0, line.find(':'));
        for (char& c : low) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (low == "content-type")
            cur = &s.content_type;
        else if (low == "content-transfer-encoding")
            cur = &s.cte;
        if (cur) *cur = line.substr(line.find(':') + 1);
    }
    return s;
}

// The text the parser sees after the rewrite, by reassembling a message.
mime::message reparse(const split_msg& s, const banner_result& r) {
    std::string m;
    std::istringstream in(s.headers);
    std::string line;
    bool skipping = false;
    while (std::getline(in, line)) {
        std::string low = line.substr(0, line.find(':'));
        for (char& c : low) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (!line.empty() && (line[0] == ' ' || line[0] == '\t')) {
            if (!skipping) m += line + "\n";
            continue;
        }
        skipping =
            (r.content_type && low == "content-type") || (r.transfer_encoding && low == "content-transfer-encoding");
        if (!skipping) m += line + "\n";
    }
    if (r.content_type) m += "Content-Type: " + *r.content_type + "\n";
    if (r.transfer_encoding) m += "Content-Transfer-Encoding: " + *r.transfer_encoding + "\n";
    m += "\n" + *r.body;
    return mime::parse_message(m);
}

const banner_text k_banner = default_banner();

}  // namespace

TEST(Banner, SinglePartIso2022JpFromCorpus) {
    std::string raw = read_file(std::string(REPLYGUARD_CORPUS_DIR) + "/benign/japanese/spamassassin-cjk/iso-2022-jp.2");
    ASSERT_FALSE(raw.empty());
    split_msg s = split(raw);
    ASSERT_NE(s.content_type.find("iso-2022-jp"), std::string::npos);
    banner_result r = insert_banner(s.content_type, s.cte, s.body, k_banner);
    ASSERT_TRUE(r.body) << r.skipped;
    EXPECT_EQ(r.parts, 1);
    EXPECT_EQ(*r.content_type, "text/plain; charset=UTF-8");
    EXPECT_EQ(*r.transfer_encoding, "base64");
    mime::message m = reparse(s, r);
    ASSERT_FALSE(m.text_parts.empty());
    std::string original = mime::to_utf8(s.body, "iso-2022-jp").text;
    ASSERT_FALSE(original.empty());
    EXPECT_EQ(m.text_parts[0].charset, "UTF-8");
    EXPECT_TRUE(m.text_parts[0].text.starts_with("【注意】")) << m.text_parts[0].text.substr(0, 200);
    // Banner first, then the original text, unchanged, as Japanese.
    EXPECT_NE(m.text_parts[0].text.find("WARNING: replyguard"), std::string::npos);
    EXPECT_TRUE(m.text_parts[0].text.ends_with(original.substr(original.size() - 40)));
    EXPECT_NE(m.text_parts[0].text.find(original.substr(0, 60)), std::string::npos);
}

TEST(Banner, MultipartMixedRewritesOnlyTheMainPart) {
    std::string raw = read_file(std::string(REPLYGUARD_CORPUS_DIR) + "/benign/japanese/spamassassin-cjk/iso-2022-jp.1");
    split_msg s = split(raw);
    banner_result r = insert_banner(s.content_type, s.cte, s.body, k_banner);
    ASSERT_TRUE(r.body) << r.skipped;
    EXPECT_EQ(r.parts, 1);
    EXPECT_FALSE(r.content_type);  // the top-level multipart header stays
    // The Shift_JIS attachment part (and everything after the first part) is byte-identical.
    std::size_t att = s.body.find("Content-Type: text/plain; charset=SHIFT_JIS");
    ASSERT_NE(att, std::string::npos);
    std::size_t prev = s.body.rfind("\n--", att);
    EXPECT_TRUE(r.body->ends_with(s.body.substr(prev))) << "bytes after the first part changed";
    mime::message m = reparse(s, r);
    ASSERT_FALSE(m.text_parts.empty());
    EXPECT_TRUE(m.text_parts[0].text.starts_with("【注意】"));
    EXPECT_EQ(m.attachments.size(), mime::parse_message(raw).attachments.size());
}

TEST(Banner, AlternativeGetsBothPartsCrlfKept) {
    std::string body =
        "preamble\r\n"
        "--b1\r\n"
        "Content-Type: text/plain; charset=iso-2022-jp\r\n"
        "Content-Transfer-Encoding: 7bit\r\n"
        "\r\n"
        "\x1b$B$3$s$K$A$O\x1b(B\r\n"
        "--b1\r\n"
        "Content-Type: text/html; charset=utf-8\r\n"
        "Content-Transfer-Encoding: quoted-printable\r\n"
        "\r\n"
        "<html><body class=3D\"x\"><p>=E3=81=93=E3=82=93=E3=81=AB=E3=81=A1=E3=81=AF</p></body></html>\r\n"
        "--b1--\r\n"
        "epilogue\r\n";
    banner_result r = insert_banner(" multipart/alternative; boundary=\"b1\"", "", body, k_banner);
    ASSERT_TRUE(r.body) << r.skipped;
    EXPECT_EQ(r.parts, 2);
    EXPECT_TRUE(r.body->starts_with("preamble\r\n--b1\r\n"));
    EXPECT_TRUE(r.body->ends_with("\r\n--b1--\r\nepilogue\r\n"));
    // Only CRLF line endings in the output.
    for (std::size_t i = 0; i < r.body->size(); ++i)
        if ((*r.body)[i] == '\n') {
            ASSERT_TRUE(i > 0 && (*r.body)[i - 1] == '\r') << "bare LF at " << i;
        }
    std::string msg = "MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=\"b1\"\r\n\r\n" + *r.body;
    mime::message m = mime::parse_message(msg);
    ASSERT_EQ(m.text_parts.size(), 2u);
    EXPECT_TRUE(m.text_parts[0].text.starts_with("【注意】"));
    EXPECT_NE(m.text_parts[0].text.find("こんにちは"), std::string::npos);
    EXPECT_NE(m.text_parts[1].html.find("<body class=\"x\"><div"), std::string::npos) << m.text_parts[1].html;
    EXPECT_NE(m.text_parts[1].html.find("こんにちは"), std::string::npos);
}

TEST(Banner, SkipsWhatItCannotRewriteSafely) {
    const std::string signed_body =
        "--s\r\nContent-Type: text/plain\r\n\r\nhi\r\n--s\r\nContent-Type: application/pgp-signature\r\n\r\nsig\r\n--s--\r\n";
    auto r = insert_banner("multipart/signed; boundary=s; protocol=\"application/pgp-signature\"", "", signed_body,
                           k_banner);
    EXPECT_FALSE(r.body);
    EXPECT_NE(r.skipped.find("signed"), std::string::npos);

    auto u = insert_banner("multipart/mixed; boundary=zz", "", "--zz\r\nContent-Type: text/plain\r\n\r\nno end\r\n",
                           k_banner);
    EXPECT_FALSE(u.body);
    EXPECT_NE(u.skipped.find("closing boundary"), std::string::npos) << u.skipped;

    auto bad = insert_banner("text/plain; charset=utf-8", "8bit", "caf\xe9 \xff\xfe broken\r\n", k_banner);
    EXPECT_FALSE(bad.body);
    EXPECT_NE(bad.skipped.find("decode"), std::string::npos) << bad.skipped;

    auto att = insert_banner("application/pdf", "base64", "JVBERi0=\r\n", k_banner);
    EXPECT_FALSE(att.body);
    EXPECT_NE(att.skipped.find("application/pdf"), std::string::npos);

    auto enc = insert_banner("text/plain", "x-uuencode", "begin 644 x\r\n", k_banner);
    EXPECT_FALSE(enc.body);
}

TEST(Banner, UnlabelledAsciiMessage) {
    auto r = insert_banner("", "", "Hello,\r\nsee attached.\r\n", k_banner);
    ASSERT_TRUE(r.body) << r.skipped;
    EXPECT_EQ(*r.content_type, "text/plain; charset=UTF-8");
}

// The milter hands insert_banner the top-level type the engine parsed
// (message::body_type, body_transfer_encoding), not fields of its own reading:
// the result must be the same. One multipart, one 7-bit single part, one
// base64 single part (whose encoding the banner must know to decode it).
TEST(Banner, FromTheEnginesParsedMessageAsFromTheRawField) {
    for (const char* name :
         {"benign/japanese/spamassassin-cjk/iso-2022-jp.1", "benign/japanese/spamassassin-cjk/iso-2022-jp.2",
          "benign/spamassassin-testdata/rule-fp/MIME_BASE64_TEXT__fp-bug-5909"}) {
        std::string raw = read_file(std::string(REPLYGUARD_CORPUS_DIR) + "/" + name);
        ASSERT_FALSE(raw.empty()) << name;
        split_msg s = split(raw);
        mime::message m = mime::parse_message(raw);
        banner_result from_model = insert_banner(m.body_type, m.body_transfer_encoding, s.body, k_banner);
        banner_result from_raw = insert_banner(s.content_type, s.cte, s.body, k_banner);
        ASSERT_TRUE(from_model.body) << name << ": " << from_model.skipped;
        ASSERT_TRUE(from_raw.body) << name;
        EXPECT_EQ(*from_model.body, *from_raw.body) << name;
        EXPECT_EQ(from_model.content_type, from_raw.content_type) << name;
        EXPECT_EQ(from_model.parts, from_raw.parts) << name;
    }
}
