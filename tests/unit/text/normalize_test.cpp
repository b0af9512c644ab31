// SPDX-License-Identifier: Apache-2.0
// tests/unit/text/normalize_test.cpp - NFKC, NFKC_Casefold, fold_key, collapse_space
#include "text/normalize.hpp"

#include <gtest/gtest.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>

#include <cstdio>
#include <random>
#include <string>
#include <vector>

using namespace replyguard::text;

namespace {

struct norm_case {
    const char* in;
    const char* nfkc;
    const char* casefold;
    const char* key;
    const char* collapsed;
};

const norm_case k_cases[] = {
    {"ascii Text", "ascii Text", "ascii text", "asciitext", "ascii Text"},
    {"ＡＢＣ１２３", "ABC123", "abc123", "abc123", "ＡＢＣ１２３"},
    {"taro＠example．jp", "taro@example.jp", "taro@example.jp", "taro@example.jp", "taro＠example．jp"},
    {"ﾃｽﾄ", "テスト", "テスト", "テスト", "ﾃｽﾄ"},
    {"ｶﾞ", "ガ", "ガ", "ガ", "ｶﾞ"},
    {"山田　太郎", "山田 太郎", "山田 太郎", "山田太郎", "山田 太郎"},
    {"①㈱", "1(株)", "1(株)", "1(株)", "①㈱"},
    {"Straße", "Straße", "strasse", "strasse", "Straße"},
    {"  a \t\n b  ", "  a \t\n b  ", "  a \t\n b  ", "ab", "a b"},
    {"ＲＥ：", "RE:", "re:", "re:", "ＲＥ："},
    {"", "", "", "", ""},
};

class normalize_table : public ::testing::TestWithParam<norm_case> {};

TEST_P(normalize_table, all_functions) {
    const auto& c = GetParam();
    EXPECT_EQ(nfkc(c.in), c.nfkc) << c.in;
    EXPECT_EQ(nfkc_casefold(c.in), c.casefold) << c.in;
    EXPECT_EQ(fold_key(c.in), c.key) << c.in;
    EXPECT_EQ(collapse_space(c.in), c.collapsed) << c.in;
}

INSTANTIATE_TEST_SUITE_P(cases, normalize_table, ::testing::ValuesIn(k_cases));

TEST(normalize, invalid_utf8_is_replaced_not_fatal) {
    EXPECT_EQ(nfkc("a\xff"
                   "b"),
              "a\xef\xbf\xbd"
              "b");
    EXPECT_EQ(fold_key("A\xff"), "a\xef\xbf\xbd");
    EXPECT_EQ(collapse_space("a \xff"), "a \xef\xbf\xbd");
}

TEST(normalize, ideographic_space_collapses) {
    EXPECT_EQ(collapse_space("\u3000会議\u3000\u3000の件\u3000"), "会議 の件");
    EXPECT_EQ(fold_key("\u3000会議\u3000の件"), "会議の件");
}

// nfkc and nfkc_casefold normalise well-formed UTF-8 as UTF-8 (ICU's
// normalizeUTF8); what they must give is what the UTF-16 round trip gives, the
// path every stored key and fingerprint was made with. Held to it on every code
// point, on every combining mark after bases it composes with (and two marks in
// either order), on Hangul jamo runs, and on random mixes of all of these.
std::string utf16_path(const icu::Normalizer2* n, const std::string& s) {
    icu::UnicodeString u = icu::UnicodeString::fromUTF8(icu::StringPiece(s.data(), static_cast<int32_t>(s.size())));
    UErrorCode e = U_ZERO_ERROR;
    icu::UnicodeString out = n->normalize(u, e);
    EXPECT_TRUE(U_SUCCESS(e));
    std::string r;
    out.toUTF8String(r);
    return r;
}

void append_cp(std::string& s, UChar32 c) {
    char buf[4];
    int32_t len = 0;
    UBool err = false;
    U8_APPEND(buf, len, 4, c, err);
    ASSERT_FALSE(err) << c;
    s.append(buf, static_cast<std::size_t>(len));
}

struct utf16_reference {
    const icu::Normalizer2* nfkc_n = nullptr;
    const icu::Normalizer2* cf_n = nullptr;
    std::size_t checked = 0;
    utf16_reference() {
        UErrorCode e = U_ZERO_ERROR;
        nfkc_n = icu::Normalizer2::getNFKCInstance(e);
        cf_n = icu::Normalizer2::getNFKCCasefoldInstance(e);
        EXPECT_TRUE(U_SUCCESS(e));
    }
    void check(const std::string& s) {
        ++checked;
        ASSERT_EQ(nfkc(s), utf16_path(nfkc_n, s)) << "nfkc of " << ::testing::PrintToString(s);
        ASSERT_EQ(nfkc_casefold(s), utf16_path(cf_n, s)) << "nfkc_casefold of " << ::testing::PrintToString(s);
    }
};

TEST(normalize, utf8_path_gives_what_the_utf16_path_gives) {
    utf16_reference ref;
    // Every scalar value, 64 to a string, each run also after a letter and a kana.
    for (UChar32 base = 0; base <= 0x10FFFF; base += 64) {
        std::string run;
        for (UChar32 c = base; c < base + 64; ++c)
            if (c < 0xD800 || c > 0xDFFF) append_cp(run, c);
        ref.check(run);
        ref.check("A" + run + "\u30ab");
        if (HasFatalFailure()) return;
    }
    // Combining marks after bases they compose with, alone and two in either order.
    std::vector<UChar32> marks;
    for (UChar32 c = 0; c <= 0x10FFFF; ++c)
        if ((c < 0xD800 || c > 0xDFFF) && u_getCombiningClass(c) != 0) marks.push_back(c);
    ASSERT_GT(marks.size(), 500u);
    const UChar32 bases[] = {'a',    'A',    'e',    'O',    0x00DF, 0x0391, 0x0438,
                             0x30AB, 0xFF76, 0x1100, 0xAC00, 0x0915, 0x05D0};
    for (UChar32 b : bases)
        for (std::size_t i = 0; i < marks.size(); ++i) {
            std::string s;
            append_cp(s, b);
            append_cp(s, marks[i]);
            append_cp(s, marks[(i * 7 + 3) % marks.size()]);
            append_cp(s, marks[i]);
            ref.check(s);
            if (HasFatalFailure()) return;
        }
    // Hangul: leading, vowel and trailing jamo in runs that compose and that do not.
    for (UChar32 l = 0x1100; l < 0x1113; ++l)
        for (UChar32 v = 0x1161; v < 0x1176; v += 3) {
            std::string s;
            append_cp(s, l);
            append_cp(s, v);
            append_cp(s, 0x11A8 + (l + v) % 27);
            append_cp(s, v);
            ref.check(s);
        }
    // Random mixes: ASCII, full- and half-width forms, kana and their voicing marks,
    // CJK, compatibility characters, Latin with marks, Hangul, spaces and emoji.
    const std::vector<std::pair<UChar32, UChar32>> pools = {
        {0x20, 0x7E},     {0xA0, 0x24F},    {0x300, 0x36F},   {0x3000, 0x30FF}, {0x3099, 0x309C}, {0x4E00, 0x4E80},
        {0xFF01, 0xFFEE}, {0x2460, 0x24FF}, {0x3200, 0x33FF}, {0x1100, 0x11FF}, {0xAC00, 0xAC40}, {0x1F300, 0x1F64F},
        {0xFB00, 0xFB4F}, {0x2000, 0x206F}, {0x0E00, 0x0E7F}, {0x1E00, 0x1EFF}};
    std::mt19937 rng(20261206);
    for (int k = 0; k < 20000; ++k) {
        std::string s;
        const int len = 1 + static_cast<int>(rng() % 24);
        for (int j = 0; j < len; ++j) {
            const auto& [lo, hi] = pools[rng() % pools.size()];
            append_cp(s, lo + static_cast<UChar32>(rng() % static_cast<unsigned>(hi - lo + 1)));
        }
        ref.check(s);
        if (HasFatalFailure()) return;
    }
    std::printf("%zu strings: the UTF-8 path equals the UTF-16 one\n", ref.checked);
}

}  // namespace
