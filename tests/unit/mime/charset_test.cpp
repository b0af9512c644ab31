// SPDX-License-Identifier: Apache-2.0
// tests/unit/mime/charset_test.cpp - to_utf8 sniffing and label mapping, is_valid_utf8
#include "mime/charset.hpp"

#include "jp_corpus.hpp"

#include <gtest/gtest.h>

#include <string>

using replyguard::mime::is_valid_utf8;
using replyguard::mime::to_utf8;
namespace t = replyguard::test;

namespace {

struct charset_case {
    const char* what;
    std::string bytes;
    const char* label;
    const char* text;     // expected UTF-8
    const char* charset;  // expected charset
    bool lossy;
};

const charset_case k_cases[] = {
    // ISO-2022-JP: escapes win over any label.
    {"jis unlabelled", "\x1b$B$3$s$K$A$O\x1b(B", "", "こんにちは", "ISO-2022-JP", false},
    {"jis under us-ascii", "abc \x1b$B$3$s$K$A$O\x1b(B def", "us-ascii", "abc こんにちは def", "ISO-2022-JP", false},
    {"jis under iso-8859-1", "\x1b$B$3$s\x1b(B", "iso-8859-1", "こん", "ISO-2022-JP", false},
    {"jis 1978 ESC $ @", "\x1b$@$3$s\x1b(B", "iso-2022-jp", "こん", "ISO-2022-JP", false},
    {"jis roman ESC ( J", "\x1b$B$3\x1b(Jabc", "iso-2022-jp", "こabc", "ISO-2022-JP", false},
    {"jis NEC row 13 circled/㈱", "\x1b$B-!-\"-j\x1b(B", "iso-2022-jp", "①②㈱", "ISO-2022-JP", false},
    {"jis NEC-selected IBM ext", "\x1b$By!|r\x1b(B", "iso-2022-jp", "纊ⅱ", "ISO-2022-JP", false},
    {"jis half-width kana ESC ( I", "\x1b(I1\x1b(B", "iso-2022-jp", "ｱ", "ISO-2022-JP", false},
    {"jis half-width kana SO/SI",
     "a\x0e"
     "12\x0f"
     "b\x1b$B\x1b(B",
     "iso-2022-jp", "aｱｲb", "ISO-2022-JP", false},
    {"jis x 0212", "\x1b$(D0!\x1b(B", "iso-2022-jp", "丂", "ISO-2022-JP", false},
    {"jis missing ESC ( B before newline", "\x1b$B$3\nabc", "iso-2022-jp", "こ\nabc", "ISO-2022-JP", false},
    {"jis wave dash", "\x1b$B!A\x1b(B", "iso-2022-jp", "～", "ISO-2022-JP", false},
    // 8-bit Japanese: CP932 vs EUC-JP decided by the bytes.
    {"sjis labelled Shift_JIS", "\x82\xb1\x82\xf1\x82\xc9\x82\xbf\x82\xcd", "Shift_JIS", "こんにちは", "CP932", false},
    {"sjis labelled x-sjis", "\x82\xb1\x82\xf1", "x-sjis", "こん", "CP932", false},
    {"sjis labelled MS932", "\x83\x65\x83\x58\x83\x67", "MS932", "テスト", "CP932", false},
    {"sjis unlabelled", "\x83\x65\x83\x58\x83\x67\x82\xc5\x82\xb7", "", "テストです", "CP932", false},
    {"sjis mislabelled iso-2022-jp", "\x93\xfa\x96\x7b\x8c\xea", "ISO-2022-JP", "日本語", "CP932", false},
    {"sjis CP932 extensions", "\x87\x40\x87\x8a\xfa\x40\xed\x40\x81\x60", "shift_jis", "①㈱ⅰ纊～", "CP932", false},
    {"sjis user-defined area to PUA", "\xf0\x40", "shift_jis", "\xee\x80\x80", "CP932", false},
    {"euc unlabelled", "\xa4\xb3\xa4\xf3\xa4\xcb\xa4\xc1\xa4\xcf", "", "こんにちは", "EUC-JP", false},
    {"euc mislabelled iso-2022-jp", "\xc6\xfc\xcb\xdc\xb8\xec", "iso-2022-jp", "日本語", "EUC-JP", false},
    {"euc labelled euc-jp", "\xa5\xc6\xa5\xb9\xa5\xc8", "EUC-JP", "テスト", "EUC-JP", false},
    {"euc labelled Shift_JIS", "\xa4\xb3\xa4\xf3\xa4\xcb\xa4\xc1\xa4\xcf", "Shift_JIS", "こんにちは", "EUC-JP", false},
    {"euc jis x 0212", "\x8f\xb0\xa1", "euc-jp", "丂", "EUC-JP", false},
    // UTF-8 stays UTF-8 whatever the label.
    {"utf8 under iso-2022-jp", "日本語", "iso-2022-jp", "日本語", "UTF-8", false},
    {"utf8 under iso-8859-1", "café", "iso-8859-1", "café", "UTF-8", false},
    {"utf8 bom removed", "\xef\xbb\xbf日本", "utf-8", "日本", "UTF-8", false},
    {"sjis under a lying utf-8 label", "\x83\x65\x83\x58\x83\x67", "utf-8", "テスト", "CP932", false},
    // Other charsets via their superset.
    {"ks_c_5601-1987", "\xbe\xc8\xb3\xe7", "ks_c_5601-1987", "안녕", "CP949", false},
    {"euc-kr", "\xbe\xc8\xb3\xe7", "euc-kr", "안녕", "CP949", false},
    {"cp949 extension under euc-kr", "\x81\x41", "euc-kr", "갂", "CP949", false},
    {"gb2312", "\xd6\xd0\xce\xc4", "gb2312", "中文", "GB18030", false},
    {"gbk char under gb2312", "\x81\x40", "GB2312", "丂", "GB18030", false},
    {"big5", "\xa4\xa4\xa4\xe5", "big5", "中文", "Big5", false},
    {"latin1 is windows-1252", "\x93quote\x94 caf\xe9", "iso-8859-1", "“quote” café", "windows-1252", false},
    {"us-ascii with 8-bit", "na\xefve", "us-ascii", "naïve", "windows-1252", false},
    {"bogus label fakescii", "caf\xe9", "fakescii", "café", "windows-1252", false},
    {"bogus label us-askey", "caf\xe9", "us-askey", "café", "windows-1252", false},
    {"decorated jis label (phishing_pot sample-423)", "<p>x</p>", "_iso-2022-jp$ESC", "<p>x</p>", "ISO-2022-JP", false},
    {"decorated sjis label", "\x82\xb1", "x-sjis-jp", "こ", "CP932", false},
    {"quoted label", "\x82\xb1", "\"Shift_JIS\"", "こ", "CP932", false},
    {"koi8-r via ICU", "\xf0\xd2\xc9\xd7\xc5\xd4", "koi8-r", "Привет", "koi8-r", false},
    {"utf-7", "Hi Mom -+Jjo--!", "utf-7", "Hi Mom -☺-!", "UTF-7", false},
    {"utf-7 japanese", "+ZeVnLIqe-", "UTF-7", "日本語", "UTF-7", false},
    {"utf-16 le bom",
     std::string("\xff\xfe"
                 "A\0B\0",
                 6),
     "utf-16", "AB", "UTF-16LE", false},
    {"utf-16 be bom", std::string("\xfe\xff\0A\0B", 6), "utf-16", "AB", "UTF-16BE", false},
    {"utf-16 le no bom", std::string("A\0B\0", 4), "utf-16", "AB", "UTF-16LE", false},
    {"utf-16 be no bom", std::string("\0A\0B", 4), "UTF-16", "AB", "UTF-16BE", false},
    {"utf-16le label", std::string("\xe5\x65\x2c\x67", 4), "utf-16le", "日本", "UTF-16LE", false},
    // One, two, three and four UTF-8 bytes per character, then NUL (replaced), ESC
    // (dropped) and a lone high surrogate (replaced) from the UTF-16 side.
    {"utf-16le widths and hygiene",
     std::string("A\0\xe9\0\xe5\x65\x3d\xd8\x00\xde\0\0\x1b\0\x00\xd8"
                 "B\0",
                 18),
     "utf-16le",
     "A\xc3\xa9\xe6\x97\xa5\xf0\x9f\x98\x80\xef\xbf\xbd\xef\xbf\xbd"
     "B",
     "UTF-16LE", true},
    // Output hygiene.
    {"ascii", "hello", "", "hello", "US-ASCII", false},
    {"empty", "", "", "", "US-ASCII", false},
    {"stray ESC dropped", "a\x1b[31mb", "", "a[31mb", "US-ASCII", true},
    {"NUL replaced", std::string("a\0b", 3), "",
     "a\xef\xbf\xbd"
     "b",
     "US-ASCII", true},
    {"broken utf-8", "ok \xff\xfe", "utf-8", "ok \xef\xbf\xbd\xef\xbf\xbd", "UTF-8", true},
    {"truncated jis pair", "\x1b$B$3$\x1b(B", "iso-2022-jp", "こ\xef\xbf\xbd", "ISO-2022-JP", true},
    {"unknown escape skipped", "a\x1b$B$3\x1b(Zb", "iso-2022-jp", "aこb", "ISO-2022-JP", true},
};

class charset_table : public ::testing::TestWithParam<charset_case> {};

TEST_P(charset_table, decodes) {
    const auto& c = GetParam();
    auto d = to_utf8(c.bytes, c.label);
    EXPECT_EQ(d.text, c.text) << c.what;
    EXPECT_EQ(d.charset, c.charset) << c.what;
    EXPECT_EQ(d.lossy, c.lossy) << c.what;
    EXPECT_FALSE(t::has_esc(d.text)) << c.what;
    EXPECT_EQ(d.text.find('\0'), std::string::npos) << c.what;
    EXPECT_TRUE(is_valid_utf8(d.text)) << c.what;
}

INSTANTIATE_TEST_SUITE_P(cases, charset_table, ::testing::ValuesIn(k_cases),
                         [](const auto& i) { return t::param_name(i.index, i.param.what); });

struct utf8_case {
    std::string bytes;
    bool valid;
};

TEST(is_valid_utf8, accepts_and_rejects) {
    const utf8_case cases[] = {
        {"", true},
        {"ascii", true},
        {"日本語", true},
        {"\xc2\x80", true},
        {"\xef\xbf\xbf", true},
        {"\xf0\x9f\x98\x80", true},
        {"\xf4\x8f\xbf\xbf", true},   // U+10FFFF
        {"\xc0\x80", false},          // overlong NUL
        {"\xc1\xbf", false},          // overlong
        {"\xe0\x80\x80", false},      // overlong 3-byte
        {"\xe0\x9f\xbf", false},      // overlong 3-byte
        {"\xf0\x80\x80\x80", false},  // overlong 4-byte
        {"\xf0\x8f\xbf\xbf", false},  // overlong 4-byte
        {"\xed\xa0\x80", false},      // U+D800 surrogate
        {"\xed\xbf\xbf", false},      // U+DFFF surrogate
        {"\xf4\x90\x80\x80", false},  // > U+10FFFF
        {"\xf5\x80\x80\x80", false},
        {"\xff", false},
        {"\x80", false},      // lone continuation
        {"\xe6\x97", false},  // truncated
        {"\xe6\x97\xa5\xe6", false},
        {"\x82\xb1\x82\xf1", false},  // Shift_JIS
        // Long ASCII runs (read eight bytes at a time) around the multi-byte ones.
        {"abcdefghijklmnopqrstuvwxyz 日本語 abcdefghijklmnopqrstuvwxyz", true},
        {"abcdefghijklmnop\xff", false},
        {"abcdefghijklmnop\xffqrstuvwxyz0123456789", false},
        {"abcdefgh\xe6\x97", false},
        {"abcdefg\xc3\xa9hijklmnopqrstuvw\xc3", false},
        {"abcdefg\xc3\xa9hijklmnopqrstuvw\xc3\xa9", true},
    };
    for (const auto& c : cases) EXPECT_EQ(is_valid_utf8(c.bytes), c.valid) << ::testing::PrintToString(c.bytes);
}

// UTF-16 to UTF-8 takes runs of eight ASCII units at once: NUL (replaced), ESC
// (dropped), a two-byte and a three-byte character at every position of texts of
// 1 to 40 units, against the definition written out here.
TEST(to_utf8, utf16_runs_and_their_exceptions_at_every_position) {
    struct special {
        char16_t unit;
        const char* utf8;
        bool lossy;
    };
    const special specials[] = {{0x0000, "\xef\xbf\xbd", true},
                                {0x001B, "", true},
                                {0x00E9, "\xc3\xa9", false},
                                {0x65E5, "\xe6\x97\xa5", false},
                                {0x007F, "\x7f", false}};
    for (std::size_t len = 1; len <= 40; ++len)
        for (std::size_t pos = 0; pos < len; ++pos)
            for (const auto& sp : specials) {
                std::string bytes = "\xff\xfe", want;  // "utf-16" with a BOM: always through ICU
                for (std::size_t k = 0; k < len; ++k) {
                    const char16_t c = k == pos ? sp.unit : static_cast<char16_t>('a' + k % 26);
                    bytes.push_back(static_cast<char>(c & 0xFF));
                    bytes.push_back(static_cast<char>(c >> 8));
                    if (k == pos)
                        want += sp.utf8;
                    else
                        want.push_back(static_cast<char>(c));
                }
                const auto d = to_utf8(bytes, "utf-16");
                ASSERT_EQ(d.text, want) << len << " " << pos << " " << static_cast<int>(sp.unit);
                ASSERT_EQ(d.lossy, sp.lossy) << len << " " << pos << " " << static_cast<int>(sp.unit);
            }
}

// Bodies of real corpus mail whose label lies (see corpus SOURCES.md).
struct corpus_body_case {
    const char* path;
    const char* label;
    const char* charset;
    const char* contains;
};

TEST(charset_corpus, mislabelled_bodies_are_sniffed) {
    const corpus_body_case cases[] = {
        {"benign/japanese/spamassassin-cjk/iso-2022-jp.2", "ISO-2022-JP", "EUC-JP",
         "ああ、心当たりがあります。たぶん、この前のsshと同じ問題です。"},
        {"benign/japanese/spamassassin-rule-fp/PLING_QUERY__fp_bug6149_thomas_4478", "ISO-2022-JP", "CP932",
         "麻生内閣メールマガジン第３６号"},
        {"benign/japanese/spamassassin-rule-fp/GAPPY_SUBJECT__fp_bug6149_thomas_4479", "ISO-2022-JP", "CP932",
         "てすと・ばい・いんたーうぇーぶ"},
        {"benign/japanese/spamassassin-rule-fp/OBSCURED_EMAIL__fp_bug6149_thomas_4481", "ISO-2022-JP", "CP932",
         "国民栄誉賞を受賞された森光子氏よりメッセージをいただきました。"},
        // 7-bit JIS with NEC row 13 (②) and a NEC-selected IBM character (ⅱ).
        {"mime-edge/japanese/jpmobile/iphone-circled-numbers-in-jis.eml", "iso-2022-jp", "ISO-2022-JP",
         "丸数字のテストです②ⅱ"},
        {"mime-edge/japanese/jpmobile/docomo-jis.eml", "iso-2022-jp", "ISO-2022-JP", "テスト本文"},
    };
    for (const auto& c : cases) {
        std::string m = t::read_corpus(c.path);
        ASSERT_FALSE(m.empty()) << c.path;
        auto d = to_utf8(t::body_of(m), c.label);
        EXPECT_EQ(d.charset, c.charset) << c.path;
        EXPECT_NE(d.text.find(c.contains), std::string::npos) << c.path << "\n" << d.text.substr(0, 400);
        EXPECT_FALSE(d.lossy) << c.path;
        EXPECT_FALSE(t::has_esc(d.text)) << c.path;
    }
}

TEST(charset_corpus, converter_cache_is_reusable) {
    // The same cached converter must not carry state from one call to the next.
    std::string jis = "\x1b$B$3\x1b(B";
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(to_utf8("\x82\xb1\x82", "shift_jis").text, "こ\xef\xbf\xbd");
        EXPECT_EQ(to_utf8("\x82\xb1", "shift_jis").text, "こ");
        EXPECT_EQ(to_utf8(jis, "").text, "こ");
    }
}

}  // namespace
