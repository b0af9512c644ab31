// SPDX-License-Identifier: Apache-2.0
// tests/unit/text/normalize_test.cpp - NFKC, NFKC_Casefold, fold_key, collapse_space
#include "text/normalize.hpp"

#include <gtest/gtest.h>

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

}  // namespace
