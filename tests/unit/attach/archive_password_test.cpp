// SPDX-License-Identifier: Apache-2.0
// Candidate passwords in mail bodies (attach/passwords.hpp): Japanese and English phrasing.
#include "attach/passwords.hpp"
#include "random_text.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>

using replyguard::attach::find_password_candidates;
using replyguard::attach::find_passwords;

namespace {

bool first_is(std::string_view body, std::string_view pw) {
    auto c = find_passwords(body);
    return !c.empty() && c.front() == pw;
}
bool contains(std::string_view body, std::string_view pw) {
    auto c = find_passwords(body);
    return std::ranges::find(c, std::string(pw)) != c.end();
}

}  // namespace

TEST(Passwords, JapaneseLabels) {
    struct {
        const char* body;
        const char* pw;
    } cases[] = {
        {"お世話になります。\nパスワード：Abc123xy\nよろしく", "Abc123xy"},
        {"パスワード: Abc123xy", "Abc123xy"},
        {"解凍パスワード：Qw9!rt", "Qw9!rt"},
        {"暗号化パスワード　Zx81pq", "Zx81pq"},
        {"パス:kp2020", "kp2020"},
        {"PW：hello2020", "hello2020"},
        {"pw：hello2020", "hello2020"},
        {"パスワードは「Tk3m9a」です。", "Tk3m9a"},
        {"パスワードはTk3m9aとなります。", "Tk3m9a"},
        {"添付ファイルのパスワード：【x7Yq2】", "x7Yq2"},
    };
    for (const auto& c : cases) EXPECT_TRUE(first_is(c.body, c.pw)) << c.body;
}

TEST(Passwords, EnglishLabels) {
    EXPECT_TRUE(first_is("Hi,\nPassword is Secr3tZip\nThanks", "Secr3tZip"));
    EXPECT_TRUE(first_is("password: 12345678", "12345678"));
    EXPECT_TRUE(first_is("pass: abc-def", "abc-def"));
    EXPECT_TRUE(first_is("The password for the attached file is: inv-2020-7731.", "inv-2020-7731"));
    EXPECT_TRUE(first_is("Archive password = \"k9 \"", "k9"));
    // "passport" is not a label.
    EXPECT_FALSE(contains("My passport: AB1234567", "AB1234567"));
}

TEST(Passwords, NextLineAfterAnnouncement) {
    EXPECT_TRUE(first_is("パスワードは以下の通りです。\n\nH4pp7Day\n\nよろしくお願いします。", "H4pp7Day"));
    EXPECT_TRUE(first_is("解凍パスワード：\n  mN8vq2\n", "mN8vq2"));
    EXPECT_TRUE(first_is("The password is below:\nZz-0099\n", "Zz-0099"));
    auto c = find_password_candidates("パスワードは下記になります\n「Rr55tt」\n");
    ASSERT_FALSE(c.empty());
    EXPECT_EQ(c.front().password, "Rr55tt");
    EXPECT_EQ(c.front().source_line, "「Rr55tt」");
}

TEST(Passwords, FullWidthIsFoldedAndRawKept) {
    auto c = find_passwords("パスワード：ＡＢＣ１２３");
    ASSERT_GE(c.size(), 2u);
    EXPECT_EQ(c[0], "ABC123");
    EXPECT_EQ(c[1], "ＡＢＣ１２３");
    // A full-width label and separator work too.
    EXPECT_TRUE(first_is("ＰＷ：ｐａｓｓ９９", "pass99"));
}

TEST(Passwords, SourceLineIsReported) {
    auto c = find_password_candidates("こんにちは\n  解凍パスワード：Kx7pQ2mZ  \n以上");
    ASSERT_FALSE(c.empty());
    EXPECT_EQ(c[0].password, "Kx7pQ2mZ");
    EXPECT_EQ(c[0].source_line, "解凍パスワード：Kx7pQ2mZ");
}

TEST(Passwords, NotPasswords) {
    // Seen in the benign corpus: a URL query parameter, prose after "password is",
    // and prose on the line after a sentence ending in "following".
    EXPECT_TRUE(find_passwords("https://h.example/rd.asp?ID=MTE4&PASS=TVRFNE9UTTBPU1k1\n").empty());
    EXPECT_TRUE(find_passwords("A message that promises secrets with a password is a variant of the scam.").empty());
    EXPECT_TRUE(find_passwords("Enter your password in the following\nyet? It seems to be bringing news.").empty());
    EXPECT_TRUE(find_passwords("Evidently, I have permission to pass this along. :-).").empty());
    EXPECT_TRUE(find_passwords("it's the default PW (not to mention the rest)").empty());
    EXPECT_TRUE(find_passwords("Your mailbox password is expiring!").empty());
    EXPECT_TRUE(find_passwords("Send the password as follows:\nNetherlands\n").empty());
    EXPECT_TRUE(find_passwords("Password: http://example.com/reset\n").empty());
    // The password comes in another mail: nothing here (the engine links the thread).
    EXPECT_TRUE(find_passwords("パスワードは別途お送りします。").empty());
    EXPECT_TRUE(find_passwords("Password will follow in a separate email.").empty());
    EXPECT_TRUE(find_passwords("").empty());
    EXPECT_TRUE(find_passwords("本日はありがとうございました。\n明日もよろしくお願いします。").empty());
}

TEST(Passwords, QuotedElsewhereIsWeak) {
    auto c = find_password_candidates("「Plan2021」の件ですが、\nパスワード：Real55pw\n");
    ASSERT_GE(c.size(), 2u);
    EXPECT_EQ(c[0].password, "Real55pw");
    EXPECT_EQ(c.back().password, "Plan2021");
}

TEST(Passwords, NoDuplicates) {
    auto c = find_passwords("パスワード：dup123\nPassword: dup123\n");
    EXPECT_EQ(std::ranges::count(c, std::string("dup123")), 1);
}

// Plain-ASCII lines are searched only when they hold "pw" or "pass" in some case
// (issue 13): every ASCII label in any case, at the line's start, middle and end,
// beside lines with a 'p' and no label; an ASCII line announcing the password
// still reads the next line.
TEST(Passwords, AsciiLabelsInAnyCaseAmongPlainLines) {
    const char* lines[] = {"Please find the report attached, as promised.", "Kind regards, Pat"};
    struct {
        const char* line;
        const char* pw;
    } cases[] = {
        {"PASSWORD: Up8xq2", "Up8xq2"},     {"PassWord = Mx77aa", "Mx77aa"},
        {"The PASSCODE: 4411zz", "4411zz"}, {"passwd: Wq1-9e", "Wq1-9e"},
        {"PW: Jj0k2l", "Jj0k2l"},           {"Pw= Hh31ok", "Hh31ok"},
        {"pWd: Tt7y8u", "Tt7y8u"},          {"PASS: Rq5v6w", "Rq5v6w"},
        {"ZIP Password: Ab9c0d", "Ab9c0d"}, {"Your zip pAsSwOrD is: Ee4f5g", "Ee4f5g"},
    };
    for (const auto& c : cases) {
        const std::string body = std::string(lines[0]) + "\n" + c.line + "\n" + lines[1] + "\n";
        EXPECT_TRUE(contains(body, c.pw)) << c.line;
    }
    EXPECT_TRUE(first_is("Please note: the PASSWORD is below\nKk2m4n\nThanks, Pat", "Kk2m4n"));
    // Lines with 'p' and 'P' but no label: nothing.
    EXPECT_TRUE(find_passwords("Please pick up the spare parts.\nPP: Zz9 (page 2)\nPeople shipped papers.\n").empty());
    EXPECT_TRUE(find_passwords("Please pick up the spare parts.\nPeople happily shipped papers.\n").empty());
}

// The line filter reads sixteen bytes a compare: it answers as the byte rule does
// (false at any byte >= 0x80 or any "pw"/"pass" in any case) for lines of every
// length to 80 with the letters at every place, the sixteen-byte edges included.
TEST(passwords, line_filter_answers_as_the_byte_rule) {
    const auto byte_rule = [](std::string_view l) {
        for (std::size_t i = 0; i < l.size(); ++i) {
            const auto c = static_cast<unsigned char>(l[i]);
            if (c >= 0x80) return false;
            if ((c | 0x20) != 'p' || i + 1 == l.size()) continue;
            const auto d = static_cast<unsigned char>(l[i + 1] | 0x20);
            if (d == 'w') return false;
            if (d == 'a' && i + 3 < l.size() && (l[i + 2] | 0x20) == 's' && (l[i + 3] | 0x20) == 's') return false;
        }
        return true;
    };
    const std::string alphabet = "pPwWaAsSx :0\x80\xE3\xFF\x70\x50";
    std::mt19937 rng(20261206);
    std::size_t kept = 0;
    for (int round = 0; round < 50000; ++round) {
        const std::string l = replyguard::test::sprinkled(rng, 81, 'x', alphabet, 3);
        const bool want = byte_rule(l);
        ASSERT_EQ(replyguard::attach::detail::ascii_line_without_label(l), want) << testing::PrintToString(l);
        kept += want;
    }
    EXPECT_GT(kept, 5000u);
    EXPECT_LT(kept, 45000u);
}
