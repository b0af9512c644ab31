// SPDX-License-Identifier: Apache-2.0
// tests/unit/mime/header_decode_test.cpp - unfolding, RFC 2047 words, address quoting, corpus headers
#include "mime/header_decode.hpp"

#include "core/strings.hpp"
#include "corpus_files.hpp"
#include "jp_corpus.hpp"
#include "mime/charset.hpp"
#include "random_text.hpp"

#include <gmime/gmime.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <random>
#include <string>

using replyguard::mime::decode_address_header;
using replyguard::mime::decode_header_text;
using replyguard::mime::gmime_unfold;
using replyguard::mime::needs_header_decoding;
using replyguard::mime::unfold;
namespace t = replyguard::test;

namespace {

TEST(unfold, removes_line_breaks_keeps_whitespace) {
    EXPECT_EQ(unfold("a\r\n b"), "a b");
    EXPECT_EQ(unfold("a\n\tb"), "a\tb");
    EXPECT_EQ(unfold("a\r\n\r\n b"), "a b");
    EXPECT_EQ(unfold("plain"), "plain");
}

// unfold() finds line breaks sixteen bytes at a time: every place a CR or LF can stand.
TEST(unfold, stray_and_doubled_breaks_anywhere) {
    EXPECT_EQ(unfold(""), "");
    EXPECT_EQ(unfold("\r\n"), "");
    EXPECT_EQ(unfold("\r"), "");
    EXPECT_EQ(unfold("a\r"), "a");
    EXPECT_EQ(unfold("a\n"), "a");
    EXPECT_EQ(unfold("\na"), "a");
    EXPECT_EQ(unfold("a\rb\rc"), "abc");                // bare CRs
    EXPECT_EQ(unfold("a\r\r\n b\n\r c\r\n"), "a b c");  // doubled and reversed
    EXPECT_EQ(unfold(std::string_view("a\0b\r\n c", 7)), std::string("a\0b c", 5));
    // Long runs between breaks (the bulk copies).
    const std::string run(5000, 'x');
    EXPECT_EQ(unfold(run + "\r\n\t" + run + "\r" + run), run + "\t" + run + run);
    // Every length to 80 and breaks at random places (on both sides of each
    // sixteen-byte block's edge), against dropping every CR and LF byte by byte.
    std::mt19937 rng(20261206);
    const std::string alphabet("ab \t\r\n\x80\xFF\x0D\x0A\x0C\x8D\x8A", 13);
    for (int round = 0; round < 20000; ++round) {
        const std::string v = replyguard::test::sprinkled(rng, 81, 'x', alphabet, 4);
        std::string want;
        for (char c : v)
            if (c != '\r' && c != '\n') want.push_back(c);
        ASSERT_EQ(unfold(v), want) << testing::PrintToString(v);
        // A plain value's decoding unfolds the trimmed value: the same as trimming the unfolded one.
        if (!replyguard::mime::needs_header_decoding(v)) {
            ASSERT_EQ(replyguard::mime::decode_header_text(v), std::string(replyguard::trim(unfold(v))))
                << testing::PrintToString(v);
            ASSERT_EQ(replyguard::mime::decode_address_header(v), std::string(replyguard::trim(unfold(v))))
                << testing::PrintToString(v);
        }
    }
}

// gmime_unfold stands in for g_mime_utils_header_unfold in the parser's check of
// GMime's RFC 2047 warning: the same bytes for every header value of the corpus,
// as written (CRLF folding kept), with the line break that ends a field, and with
// white space around it.
TEST(gmime_unfold, equals_gmime_on_every_corpus_header_value) {
    const auto gmime = [](const std::string& v) {
        char* u = g_mime_utils_header_unfold(v.c_str());
        std::string r = u ? u : "";
        g_free(u);
        return r;
    };
    std::size_t values = 0;
    for (const auto& path : t::single_message_files(REPLYGUARD_CORPUS_DIR)) {
        const std::string m = t::read_bytes(path.string());
        for (const auto& f : t::raw_fields(m)) {
            if (f.value.find('\0') != std::string::npos) continue;  // the parser gives GMime no NUL
            for (const std::string& v : {f.value, f.value + "\r\n", " \t\r\n" + f.value + " \r\n\t \n"}) {
                ASSERT_EQ(gmime_unfold(v), gmime(v)) << path << " " << f.name;
                ++values;
            }
        }
    }
    EXPECT_GE(values, 300000u) << "three forms of every header value of the corpus";
    for (const std::string v :
         {"", " ", "\r\n", "\r", "\n \t", "a", " a ", "\ra\r", "a\r\n b", "a\rb\nc", "=?a?b?c?=\r\n"})
        EXPECT_EQ(gmime_unfold(v), gmime(v)) << ::testing::PrintToString(v);
}

// needs_header_decoding reads 16 and 8 bytes at a time: the same answer as the
// byte-by-byte definition for every byte value at every position of a value up
// to 40 bytes (the blocks and the tail), and for every header value of the corpus.
TEST(needs_header_decoding, blocks_equal_the_byte_definition) {
    const auto reference = [](std::string_view v) {
        for (char ch : v) {
            const auto c = static_cast<unsigned char>(ch);
            if (c >= 0x80 || c == 0x7f || (c < 0x20 && c != '\t' && c != '\r' && c != '\n')) return true;
        }
        return v.find("=?") != std::string_view::npos;
    };
    for (std::size_t len = 1; len <= 40; ++len)
        for (std::size_t pos = 0; pos < len; ++pos)
            for (int b = 0; b < 256; ++b) {
                std::string v(len, 'a');
                v[pos] = static_cast<char>(b);
                ASSERT_EQ(needs_header_decoding(v), reference(v)) << len << " " << pos << " " << b;
            }
    std::size_t values = 0, decoded = 0;
    for (const auto& path : t::single_message_files(REPLYGUARD_CORPUS_DIR)) {
        const std::string m = t::read_bytes(path.string());
        for (const auto& f : t::raw_fields(m)) {
            ASSERT_EQ(needs_header_decoding(f.value), reference(f.value)) << path << " " << f.name;
            ++values;
            decoded += reference(f.value);
        }
    }
    EXPECT_GE(values, 100000u);
    EXPECT_GE(decoded, 1000u);
}

// Control characters decoded from a word become spaces (sanitize reads eight bytes
// at a time), the value is trimmed; other control bytes stay.
TEST(decode_header_text, decoded_line_breaks_and_tabs_become_spaces) {
    EXPECT_EQ(decode_header_text("=?utf-8?Q?abcdefgh=09ijklmnop=0Aqr=0Bst=0Cuv=0Dwx=08yz_0123456789?="),
              "abcdefgh ijklmnop qr st uv wx\x08yz 0123456789");
    EXPECT_EQ(decode_header_text("=?utf-8?Q?=09=0D=0Aabcdefghijklmnop=0D=0A=09?="), "abcdefghijklmnop");
    EXPECT_EQ(decode_header_text("=?utf-8?Q?=09?="), "");
}

// decode_b is table-driven: junk inside the text is skipped, '=' ends it, every
// length of the last group decodes.
TEST(decode_b, lenient_base64_words) {
    using replyguard::mime::decode_header_text;
    EXPECT_EQ(decode_header_text("=?utf-8?B?5pel5pys?="), "日本");
    EXPECT_EQ(decode_header_text("=?utf-8?B?5p.el5-p!ys?="), "日本");  // junk skipped
    EXPECT_EQ(decode_header_text("=?utf-8?B?5pel=5pys?="), "日");      // '=' ends the text
    EXPECT_EQ(decode_header_text("=?us-ascii?B?YQ?="), "a");           // 2 chars: 1 byte
    EXPECT_EQ(decode_header_text("=?us-ascii?B?YWI?="), "ab");         // 3 chars: 2 bytes
    EXPECT_EQ(decode_header_text("=?us-ascii?B?YWJj?="), "abc");       // 4 chars: 3 bytes
    EXPECT_EQ(decode_header_text("=?iso-8859-1?B?+/+/?="), "ûÿ¿");     // '+' and '/': 0xFB 0xFF 0xBF
    // Nothing of the alphabet: not a word, left as it was.
    EXPECT_EQ(decode_header_text("=?utf-8?B?...?="), "=?utf-8?B?...?=");
}

// The same bytes as a Q word, every byte as =XX: decode_q is a plain loop, so
// it is the reference for decode_b's groups of four (the rest of the decoding,
// charset and clean-up, is the same for both).
std::string q_word(std::string_view charset, std::string_view b64) {
    static const std::string k_alpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string bytes;
    unsigned acc = 0;
    int bits = 0;
    for (char c : b64) {  // bit by bit, as RFC 4648 describes it
        if (c == '=') break;
        const auto v = k_alpha.find(c);
        if (v == std::string::npos) continue;
        acc = (acc << 6) | static_cast<unsigned>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            bytes.push_back(static_cast<char>((acc >> bits) & 0xFF));
        }
    }
    std::string q = "=?" + std::string(charset) + "?Q?";
    char buf[4];
    for (char c : bytes) {
        std::snprintf(buf, sizeof buf, "=%02X", static_cast<unsigned char>(c));
        q += buf;
    }
    return q + "?=";
}

// Every B word in the header fields of the corpus (Exchange's base64 fields,
// subjects, names), as written and with junk or '=' put at each position of
// its first group of four: decode_b's output equals the bit-by-bit decoding.
TEST(decode_b, corpus_words_match_bitwise_decoding) {
    std::size_t words = 0;
    for (const auto& path : t::single_message_files(REPLYGUARD_CORPUS_DIR)) {
        const std::string m = t::read_bytes(path.string());
        for (const auto& f : t::raw_fields(m)) {
            const std::string v = unfold(f.value);
            for (std::size_t p = v.find("=?"); p != std::string::npos; p = v.find("=?", p + 2)) {
                const std::size_t q1 = v.find('?', p + 2);
                if (q1 == std::string::npos || q1 + 3 >= v.size() || (v[q1 + 1] != 'B' && v[q1 + 1] != 'b') ||
                    v[q1 + 2] != '?')
                    continue;
                const std::size_t close = v.find("?=", q1 + 3);
                if (close == std::string::npos) continue;
                const std::string cs = v.substr(p + 2, q1 - p - 2), text = v.substr(q1 + 3, close - q1 - 3);
                if (text.empty() || text.find_first_of(" \t") != std::string::npos) continue;
                ++words;
                std::vector<std::string> variants{text};
                for (std::size_t k = 0; k < 5 && k <= text.size(); ++k) {
                    variants.push_back(text.substr(0, k) + "." + text.substr(k));
                    variants.push_back(text.substr(0, k) + "=" + text.substr(k));
                }
                for (const auto& tx : variants) {
                    const std::string b = "=?" + cs + "?B?" + tx + "?=";
                    if (tx.find_first_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/") >
                        tx.find('='))
                        continue;  // nothing of the alphabet before '=': not a word
                    ASSERT_EQ(decode_header_text(b), decode_header_text(q_word(cs, tx))) << path << " " << b;
                }
            }
        }
    }
    EXPECT_GE(words, 10000u) << "the corpus's header fields hold thousands of B words";
}

struct text_case {
    const char* what;
    std::string raw;
    const char* want;
};

const text_case k_text_cases[] = {
    {"B word jis", "=?ISO-2022-JP?B?GyRCJUYlOSVIGyhC?=", "テスト"},
    {"b lower-case, charset mixed case", "=?Iso-2022-Jp?b?GyRCJUYlOSVIGyhC?=", "テスト"},
    {"Q word", "=?utf-8?Q?caf=C3=A9_bar?=", "café bar"},
    {"q lower-case", "=?UTF-8?q?caf=c3=a9?=", "café"},
    {"utf-8 char split across Q words", "=?UTF-8?Q?=E6=97?= =?UTF-8?Q?=A5?=", "日"},
    {"utf-8 char split across B words", "=?UTF-8?B?5pel5g==?=\r\n =?UTF-8?B?nKw=?=", "日本"},
    {"cp932 char split across words", "=?Shift_JIS?B?jlKT?= =?shift_jis?B?Yw==?=", "山田"},
    {"jis escape state carried across words", "=?ISO-2022-JP?B?GyRCJDM=?= =?ISO-2022-JP?B?JHMbKEI=?=", "こん"},
    {"words glued without whitespace", "=?ISO-2022-JP?B?GyRCJUYbKEI=?==?ISO-2022-JP?B?GyRCJTklSBsoQg==?=", "テスト"},
    {"whitespace between words dropped", "=?utf-8?q?a?= \t =?utf-8?q?b?=", "ab"},
    {"text between words kept", "=?utf-8?q?a?= x =?utf-8?q?b?=", "a x b"},
    {"different charsets adjacent", "=?iso-8859-1?q?caf=E9?= =?utf-8?q?_ok?=", "café ok"},
    {"word inside text", "abc=?utf-8?q?X?=def", "abcXdef"},
    {"prefix text then word", "Re: =?ISO-2022-JP?B?GyRCJUYlOSVIGyhC?=", "Re: テスト"},
    {"rfc 2231 language suffix", "=?ISO-2022-JP*ja?B?GyRCJUYlOSVIGyhC?=", "テスト"},
    {"rfc 2231 language suffix ascii", "=?us-ascii*en?q?Hello?=", "Hello"},
    {"base64 without padding", "=?utf-8?b?5pelYQ?=", "日a"},
    {"jis circled number in word", "=?iso-2022-jp?B?GyRCLSEbKEI=?=", "①"},
    {"mislabelled word: sjis under iso-2022-jp", "=?iso-2022-jp?B?jlKTYw==?=", "山田"},
    {"malformed: unknown encoding", "=?utf-8?x?abc?=", "=?utf-8?x?abc?="},
    {"malformed: unterminated", "=?utf-8?q?abc", "=?utf-8?q?abc"},
    {"malformed: empty charset", "=??q?a?=", "=??q?a?="},
    {"malformed: space inside", "=?utf-8?q?a b?=", "=?utf-8?q?a b?="},
    {"raw shift_jis header", "\x83\x65\x83\x58\x83\x67", "テスト"},
    {"raw euc-jp header", "\xa5\xc6\xa5\xb9\xa5\xc8", "テスト"},
    {"raw jis header", "\x1b$B%F%9%H\x1b(B", "テスト"},
    {"raw utf-8 header", "日本語", "日本語"},
    {"folded and trimmed", "  Hello\r\n World ", "Hello World"},
    {"decoded line break becomes space", "=?utf-8?q?a=0D=0Ab?=", "a  b"},
};

class header_text_table : public ::testing::TestWithParam<text_case> {};

TEST_P(header_text_table, decodes) {
    const auto& c = GetParam();
    EXPECT_EQ(decode_header_text(c.raw), c.want) << c.what;
}

INSTANTIATE_TEST_SUITE_P(cases, header_text_table, ::testing::ValuesIn(k_text_cases),
                         [](const auto& i) { return t::param_name(i.index, i.param.what); });

const text_case k_address_cases[] = {
    {"comma in a decoded name stays inside quotes", "=?utf-8?q?Yamada=2C_Taro?= <taro@a.jp>",
     "\"Yamada, Taro\" <taro@a.jp>"},
    {"word inside a quoted string", "\"=?utf-8?q?Taro?= Yamada\" <t@a.jp>", "\"Taro Yamada\" <t@a.jp>"},
    {"quote and backslash escaped", "=?utf-8?b?YSJiXGM=?= <x@a.jp>", "\"a\\\"b\\\\c\" <x@a.jp>"},
    {"decoded angle brackets cannot make an address", "=?utf-8?q?evil_=3Cboss=40a.jp=3E?= <x@b.jp>",
     "\"evil <boss@a.jp>\" <x@b.jp>"},
    {"jis name", "=?ISO-2022-JP?B?GyRCJUYlOSVIGyhC?= <t@a.jp>", "\"テスト\" <t@a.jp>"},
    {"adjacent words one quoted run", "=?utf-8?q?a?= =?utf-8?q?b?= <t@a.jp>", "\"ab\" <t@a.jp>"},
    {"raw 8-bit name", "\x83\x65\x83\x58\x83\x67 <t@a.jp>", "テスト <t@a.jp>"},
    {"plain list unchanged", "a@b.jp, \"C D\" <c@d.jp>", "a@b.jp, \"C D\" <c@d.jp>"},
};

class address_header_table : public ::testing::TestWithParam<text_case> {};

TEST_P(address_header_table, decodes) {
    const auto& c = GetParam();
    EXPECT_EQ(decode_address_header(c.raw), c.want) << c.what;
}

INSTANTIATE_TEST_SUITE_P(cases, address_header_table, ::testing::ValuesIn(k_address_cases),
                         [](const auto& i) { return t::param_name(i.index, i.param.what); });

// Real headers from the corpus, decoded and checked by reading them.
struct corpus_header_case {
    const char* path;
    const char* field;
    const char* want;
};

TEST(header_decode_corpus, subjects_and_names) {
    const corpus_header_case cases[] = {
        {"mime-edge/japanese/jpmobile/iphone-circled-numbers-in-jis.eml", "Subject", "テスト①"},
        {"mime-edge/japanese/jpmobile/docomo-jis.eml", "Subject", "テスト"},
        {"mime-edge/japanese/jpmobile/iphone-cp932.eml", "Subject", "Re: 【NKSC】test"},
        {"mime-edge/japanese/jpmobile/au-email.eml", "Subject", "※本文はこのままで送信してね"},
        {"mime-edge/japanese/jpmobile/pc-mail-multi.eml", "Subject",
         "タイトルの長いメールの場合の対処を実装するためのテストケースとしてのメールに含まれている件名であるサブジェクト部分"},
        {"mime-edge/japanese/mimekit/japanese.txt", "Subject", "日本語メールテスト (testing Japanese emails)"},
        {"mime-edge/japanese/ruby-mail/japanese_iso_2022.eml", "Subject", "まみむめも"},
        {"mime-edge/japanese/php-mime-mail-parser/issue116", "Subject", "ЖД№41 от 28.09.2016"},
        {"mime-edge/japanese/php-mime-mail-parser/issue212", "Subject",
         "Automatyczna odpowiedź: Piotrze, test z 6 miesięcy nauki ciągle na Ciebie czeka"},
        {"benign/japanese/spamassassin-rule-fp/OBFUSCATING_COMMENT__fp-bug6188-1", "Subject",
         "【＠ぴあ】インタビューあり！『スピード・レーサー』明日公開…etc.情報満載!!"},
        {"benign/japanese/spamassassin-rule-fp/PLING_QUERY__fp_bug6149_thomas_att4496", "Subject",
         "Fwd: FW: コンドミニアム２４１０?２の矢野　８月の宿泊予約について"},
        {"benign/japanese/spamassassin-rule-fp/GAPPY_SUBJECT__fp_bug6149_thomas_att4494", "Subject", "Ａｍａｚｏｎ"},
        {"benign/spamassassin-public-corpus/hard_ham/00039.b2b936a8501444b213f61f9ff193b480", "Subject",
         "日本語の件名（サブジェクト）　スパムメールではありません！"},
        {"benign/japanese/spamassassin-rule-fp/FORGED_HOTMAIL_RCVD__fp-5874-1", "From",
         "中村 恵理 <eri.nakamura@live.jp>"},
        {"benign/spamassassin-public-corpus/hard_ham/00039.b2b936a8501444b213f61f9ff193b480", "From",
         "\"伊東　仁\" <hito@opentext.com>"},
    };
    for (const auto& c : cases) {
        std::string m = t::read_corpus(c.path);
        ASSERT_FALSE(m.empty()) << c.path;
        std::string raw = t::raw_header(m, c.field);
        ASSERT_FALSE(raw.empty()) << c.path << " " << c.field;
        EXPECT_EQ(decode_header_text(raw), c.want) << c.path << " " << c.field;
    }
}

TEST(header_decode_corpus, address_headers_quote_decoded_names) {
    const corpus_header_case cases[] = {
        {"benign/japanese/spamassassin-rule-fp/OBFUSCATING_COMMENT__fp-bug6188-1", "From",
         "\"＠ぴあ/シネマ\" <mail_info@pia.co.jp>"},
        {"mime-edge/japanese/ruby-mail/japanese_iso_2022.eml", "To", "\"みける\" <raasdnil@gmail.com>"},
        {"benign/spamassassin-public-corpus/hard_ham/00039.b2b936a8501444b213f61f9ff193b480", "To",
         "\"'アダム・ベンジャミン'\" <aebenjam@opentext.com>"},
    };
    for (const auto& c : cases) {
        std::string m = t::read_corpus(c.path);
        EXPECT_EQ(decode_address_header(t::raw_header(m, c.field)), c.want) << c.path << " " << c.field;
    }
}

// Every header of every Japanese-tagged corpus mail decodes without ESC or U+FFFD.
// Explicit exceptions: header fields whose bytes are truly undecodable, with the reason.
const std::map<std::pair<std::string, std::string>, const char*> k_undecodable = {};

TEST(header_decode_corpus, every_japanese_header_is_clean) {
    auto files = t::manifest_with_tag("ja");
    ASSERT_GE(files.size(), 50u) << "MANIFEST.tsv lists the Japanese-tagged mail";
    std::size_t fields = 0;
    for (const auto& path : files) {
        std::string m = t::read_corpus(path);
        ASSERT_FALSE(m.empty()) << path;
        for (const auto& f : t::raw_fields(m)) {
            std::string d = decode_header_text(f.value);
            ++fields;
            EXPECT_FALSE(t::has_esc(d)) << path << " " << f.name;
            EXPECT_TRUE(replyguard::mime::is_valid_utf8(d)) << path << " " << f.name;
            if (k_undecodable.count({path, f.name})) continue;
            EXPECT_FALSE(t::has_fffd(d)) << path << " " << f.name << ": " << d;
        }
    }
    EXPECT_GT(fields, 700u);
}

}  // namespace
