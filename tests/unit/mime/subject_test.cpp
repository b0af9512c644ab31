// SPDX-License-Identifier: Apache-2.0
// tests/unit/mime/subject_test.cpp - reply/forward prefix chains and thread keys
#include "mime/subject.hpp"

#include "jp_corpus.hpp"
#include "mime/header_decode.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace replyguard::mime;
namespace t = replyguard::test;

namespace {

struct want_prefix {
    prefix_kind kind;
    const char* text;
    int counter;
};

struct subject_case {
    const char* in;
    std::vector<want_prefix> prefixes;
    const char* base;
    const char* key;
};

constexpr auto R = prefix_kind::reply;
constexpr auto F = prefix_kind::forward;

const subject_case k_cases[] = {
    {"Hello", {}, "Hello", "hello"},
    {"Re: Hello", {{R, "Re:", 0}}, "Hello", "hello"},
    {"RE: Hello", {{R, "RE:", 0}}, "Hello", "hello"},
    {"re:Hello", {{R, "re:", 0}}, "Hello", "hello"},
    {"Fw: a", {{F, "Fw:", 0}}, "a", "a"},
    {"FW: a", {{F, "FW:", 0}}, "a", "a"},
    {"Fwd: a", {{F, "Fwd:", 0}}, "a", "a"},
    {"AW: a", {{R, "AW:", 0}}, "a", "a"},
    {"SV: a", {{R, "SV:", 0}}, "a", "a"},
    {"VS: a", {{F, "VS:", 0}}, "a", "a"},
    {"WG: a", {{F, "WG:", 0}}, "a", "a"},
    {"RIF: a", {{R, "RIF:", 0}}, "a", "a"},
    {"Antw: a", {{R, "Antw:", 0}}, "a", "a"},
    {"返信: 会議", {{R, "返信:", 0}}, "会議", "会議"},
    {"転送：会議", {{F, "転送：", 0}}, "会議", "会議"},
    {"回复: 会议", {{R, "回复:", 0}}, "会议", "会议"},
    {"答复: 会议", {{R, "答复:", 0}}, "会议", "会议"},
    {"ＲＥ：会議の件", {{R, "ＲＥ：", 0}}, "会議の件", "会議の件"},
    {"Ｒｅ: 会議の件", {{R, "Ｒｅ:", 0}}, "会議の件", "会議の件"},
    {"ＦＷ：資料", {{F, "ＦＷ：", 0}}, "資料", "資料"},
    {"ＦＷＤ：資料", {{F, "ＦＷＤ：", 0}}, "資料", "資料"},
    {"Re[2]: a", {{R, "Re[2]:", 2}}, "a", "a"},
    {"Re^3: a", {{R, "Re^3:", 3}}, "a", "a"},
    {"Re(4): a", {{R, "Re(4):", 4}}, "a", "a"},
    {"RE : a", {{R, "RE :", 0}}, "a", "a"},
    {"Re: Re: RE：Fwd: a", {{R, "Re:", 0}, {R, "Re:", 0}, {R, "RE：", 0}, {F, "Fwd:", 0}}, "a", "a"},
    {"[ml:123] Re: [ml:123] a", {{R, "Re:", 0}}, "a", "a"},
    {"Re: [ml:1] Re: a", {{R, "Re:", 0}, {R, "Re:", 0}}, "a", "a"},
    {"[ml:1] a", {}, "a", "a"},
    {"  Re:   Hello   World  ", {{R, "Re:", 0}}, "Hello   World", "hello world"},
    {"Re:　会議　の件", {{R, "Re:", 0}}, "会議　の件", "会議 の件"},
    {"Rework: a", {}, "Rework: a", "rework: a"},
    {"Reply a", {}, "Reply a", "reply a"},
    {"Re a", {}, "Re a", "re a"},
    {"返信済み: a", {}, "返信済み: a", "返信済み: a"},
    {"Re: ", {{R, "Re:", 0}}, "", ""},
    {"Re: [重要]", {{R, "Re:", 0}}, "[重要]", "[重要]"},
    {"Re: ＭＥＥＴＩＮＧ", {{R, "Re:", 0}}, "ＭＥＥＴＩＮＧ", "meeting"},
    {"", {}, "", ""},
};

class subject_table : public ::testing::TestWithParam<subject_case> {};

TEST_P(subject_table, parses) {
    const auto& c = GetParam();
    auto s = parse_subject(c.in);
    EXPECT_EQ(s.decoded, c.in);
    ASSERT_EQ(s.prefixes.size(), c.prefixes.size()) << c.in;
    for (std::size_t i = 0; i < s.prefixes.size(); ++i) {
        EXPECT_EQ(s.prefixes[i].kind, c.prefixes[i].kind) << c.in;
        EXPECT_EQ(s.prefixes[i].text, c.prefixes[i].text) << c.in;
        EXPECT_EQ(s.prefixes[i].counter, c.prefixes[i].counter) << c.in;
    }
    EXPECT_EQ(s.base, c.base) << c.in;
    EXPECT_EQ(s.key, c.key) << c.in;
}

INSTANTIATE_TEST_SUITE_P(cases, subject_table, ::testing::ValuesIn(k_cases),
                         [](const auto& i) { return t::param_name(i.index, i.param.in); });

TEST(subject, same_thread_same_key) {
    auto a = parse_subject("会議の件");
    for (const char* s : {"Re: 会議の件", "RE：会議の件", "ＲＥ：　会議の件", "返信: Re: 会議の件", "Fwd: 会議の件"})
        EXPECT_EQ(parse_subject(s).key, a.key) << s;
}

TEST(subject_corpus, real_reply_subjects) {
    struct corpus_case {
        const char* path;
        std::vector<prefix_kind> kinds;
        const char* base;
    };
    const corpus_case cases[] = {
        {"benign/japanese/spamassassin-rule-fp/PLING_QUERY__fp_bug6149_thomas_att4496",
         {F, F},
         "コンドミニアム２４１０?２の矢野　８月の宿泊予約について"},
        {"benign/japanese/spamassassin-rule-fp/GAPPY_SUBJECT__fp_bug6149_thomas_att4495",
         {F},
         "web のＦＴＰ情報変更とご連絡願い"},
        {"mime-edge/japanese/jpmobile/iphone-cp932.eml", {R}, "【NKSC】test"},
        {"benign/japanese/spamassassin-cjk/iso-2022-jp.2", {R}, "ipv6 & ruby"},
        {"benign/spamassassin-public-corpus/hard_ham/00042.5b7f2a0e87c853e8c8e13d556c1320d2",
         {R},
         "三菱化学エンジニアリング様プロセスダウンについて  - ticket #55606OTC1 -"},
    };
    for (const auto& c : cases) {
        std::string m = t::read_corpus(c.path);
        auto s = parse_subject(decode_header_text(t::raw_header(m, "Subject")));
        ASSERT_EQ(s.prefixes.size(), c.kinds.size()) << c.path << ": " << s.decoded;
        for (std::size_t i = 0; i < c.kinds.size(); ++i) EXPECT_EQ(s.prefixes[i].kind, c.kinds[i]) << c.path;
        EXPECT_EQ(s.base, c.base) << c.path;
    }
}

}  // namespace
