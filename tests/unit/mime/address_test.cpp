// SPDX-License-Identifier: Apache-2.0
// tests/unit/mime/address_test.cpp - address parsing (GMime) and comparison keys
#include "mime/address.hpp"

#include "core/strings.hpp"
#include "corpus_files.hpp"
#include "jp_corpus.hpp"
#include "mime/header_decode.hpp"

#include <gmime/gmime.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

using namespace replyguard::mime;
namespace t = replyguard::test;

namespace {

void gmime_once() {
    static bool done = [] {
        g_mime_init();
        return true;
    }();
    (void)done;
}

struct want_mailbox {
    const char* name;
    const char* address;
};

struct list_case {
    const char* what;
    std::string raw;
    std::vector<want_mailbox> want;
};

TEST(parse_address_list, table) {
    gmime_once();
    const list_case cases[] = {
        {"jis encoded name", "=?ISO-2022-JP?B?GyRCJUYlOSVIGyhC?= <t@a.jp>", {{"テスト", "t@a.jp"}}},
        {"two mailboxes", "\"Yamada, Taro\" <taro@a.jp>, b@c.jp", {{"Yamada, Taro", "taro@a.jp"}, {"", "b@c.jp"}}},
        {"group flattened", "team: a@b.jp, \"B\" <b@b.jp>;, c@c.jp", {{"", "a@b.jp"}, {"B", "b@b.jp"}, {"", "c@c.jp"}}},
        {"outlook single quotes", "\"'Taro Yamada'\" <taro@a.jp>", {{"Taro Yamada", "taro@a.jp"}}},
        {"outlook single quotes unquoted", "'Taro Yamada' <taro@a.jp>", {{"Taro Yamada", "taro@a.jp"}}},
        {"decoded comma cannot split", "=?utf-8?q?Yamada=2C_Taro?= <taro@a.jp>", {{"Yamada, Taro", "taro@a.jp"}}},
        {"decoded address in name cannot replace the real one",
         "=?utf-8?q?Boss_=3Cboss=40a.jp=3E?= <x@evil.example>",
         {{"Boss <boss@a.jp>", "x@evil.example"}}},
        {"name is an address", "\"taro@a.jp\" <evil@x.example>", {{"taro@a.jp", "evil@x.example"}}},
        {"raw sjis name", "\x8e\x52\x93\x63 <t@a.jp>", {{"山田", "t@a.jp"}}},
        {"empty", "", {}},
    };
    for (const auto& c : cases) {
        auto got = parse_address_list(c.raw);
        ASSERT_EQ(got.size(), c.want.size()) << c.what;
        for (std::size_t i = 0; i < got.size(); ++i) {
            EXPECT_EQ(got[i].name, c.want[i].name) << c.what;
            EXPECT_EQ(got[i].address, c.want[i].address) << c.what;
            EXPECT_EQ(got[i].address_key, address_key(c.want[i].address)) << c.what;
            EXPECT_EQ(got[i].name_key, name_key(c.want[i].name)) << c.what;
        }
    }
}

TEST(parse_address_list, broken_value_still_yields_the_visible_address) {
    gmime_once();
    auto got = parse_address_list("\"unterminated <taro@a.jp>");
    ASSERT_FALSE(got.empty());
    EXPECT_EQ(got[0].address_key, "taro@a.jp");
}

struct key_case {
    const char* in;
    const char* want;
};

TEST(name_key, table) {
    const key_case cases[] = {
        {"山田 太郎", "山田太郎"},
        {"山田　太郎", "山田太郎"},
        {"【山田太郎】", "山田太郎"},
        {"（山田太郎）", "山田太郎"},
        {"「山田 太郎」", "山田太郎"},
        {"【（山田）】", "山田"},
        {"[Taro]", "taro"},
        {"<Taro>", "taro"},
        {"'Taro Yamada'", "taroyamada"},
        {"\"TARO YAMADA\"", "taroyamada"},
        {"ＴＡＲＯ　ＹＡＭＡＤＡ", "taroyamada"},
        {"ﾔﾏﾀﾞ ﾀﾛｳ", "ヤマダタロウ"},
        {"山田太郎（ABC株式会社）", "山田太郎(abc株式会社)"},
        {"(株)山田商事", "(株)山田商事"},
        {"㈱山田商事", "(株)山田商事"},
        {"", ""},
    };
    for (const auto& c : cases) EXPECT_EQ(name_key(c.in), c.want) << c.in;
}

TEST(address_key, table) {
    const key_case cases[] = {
        {"Taro@A.JP", "taro@a.jp"},
        {"ＴＡＲＯ＠Ａ．ＪＰ", "taro@a.jp"},
        {"taro＠a.jp", "taro@a.jp"},
        {" <taro@a.jp> ", "taro@a.jp"},
        {"", ""},
    };
    for (const auto& c : cases) EXPECT_EQ(address_key(c.in), c.want) << c.in;
}

struct in_text_case {
    const char* text;
    std::vector<std::string> want;
};

TEST(addresses_in_text, table) {
    const in_text_case cases[] = {
        {"Taro <taro@a.jp>", {"taro@a.jp"}},
        {"山田太郎 taro＠a.jp", {"taro@a.jp"}},
        {"山田【TARO@A.JP】", {"taro@a.jp"}},
        {"山田（ｔａｒｏ＠ａ．ｊｐ）", {"taro@a.jp"}},
        {"a@b.jp; c.d@e.co.jp", {"a@b.jp", "c.d@e.co.jp"}},
        {"mail me at taro@a.jp.", {"taro@a.jp"}},
        {"山田太郎", {}},
        {"foo@bar", {}},
        {"@a.jp", {}},
    };
    for (const auto& c : cases) EXPECT_EQ(addresses_in_text(c.text), c.want) << c.text;
}

TEST(address_corpus, real_from_and_to) {
    gmime_once();
    struct corpus_case {
        const char* path;
        const char* field;
        const char* name;
        const char* address;
        const char* name_key;
    };
    const corpus_case cases[] = {
        {"benign/spamassassin-public-corpus/hard_ham/00039.b2b936a8501444b213f61f9ff193b480", "To",
         "アダム・ベンジャミン", "aebenjam@opentext.com", "アダム・ベンジャミン"},
        {"benign/spamassassin-public-corpus/hard_ham/00039.b2b936a8501444b213f61f9ff193b480", "From", "伊東　仁",
         "hito@opentext.com", "伊東仁"},
        {"benign/japanese/spamassassin-rule-fp/OBFUSCATING_COMMENT__fp-bug6188-1", "From", "＠ぴあ/シネマ",
         "mail_info@pia.co.jp", "@ぴあ/シネマ"},
        {"benign/japanese/spamassassin-rule-fp/FORGED_HOTMAIL_RCVD__fp-5874-1", "From", "中村 恵理",
         "eri.nakamura@live.jp", "中村恵理"},
        {"mime-edge/japanese/ruby-mail/japanese_iso_2022.eml", "To", "みける", "raasdnil@gmail.com", "みける"},
        {"mime-edge/japanese/jpmobile/iphone-cp932.eml", "From", "cp932@ezweb.ne.jp", "cp932@ezweb.ne.jp",
         "cp932@ezweb.ne.jp"},
    };
    for (const auto& c : cases) {
        std::string m = t::read_corpus(c.path);
        auto got = parse_address_list(t::raw_header(m, c.field));
        ASSERT_EQ(got.size(), 1u) << c.path;
        EXPECT_EQ(got[0].name, c.name) << c.path;
        EXPECT_EQ(got[0].address, c.address) << c.path;
        EXPECT_EQ(got[0].name_key, c.name_key) << c.path;
    }
    // The iPhone writes the address as the display name: it is found there.
    auto got =
        parse_address_list(t::raw_header(t::read_corpus("mime-edge/japanese/jpmobile/iphone-cp932.eml"), "From"));
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(addresses_in_text(got[0].name), std::vector<std::string>{"cp932@ezweb.ne.jp"});
}

// simple_mailbox reads the plainest mailboxes without GMime's address parser:
// wherever it answers, GMime reads the same one mailbox (the same display name
// and address) and raises no warning for the raw value, on every address field of
// the corpus and on generated values of names, quotes, dots and domains in every
// arrangement, including the ones it must refuse.
struct gmime_reading {
    std::vector<std::pair<std::string, std::string>> mailboxes;  // name ("" for none), address
    bool group = false;
    int warnings = 0;
};

gmime_reading read_with_gmime(const std::string& text, const std::string& raw) {
    gmime_reading r;
    if (InternetAddressList* l = internet_address_list_parse(nullptr, text.c_str())) {
        for (int i = 0; i < internet_address_list_length(l); ++i) {
            InternetAddress* ia = internet_address_list_get_address(l, i);
            if (!INTERNET_ADDRESS_IS_MAILBOX(ia)) {
                r.group = true;
                continue;
            }
            const char* name = internet_address_get_name(ia);
            const char* addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia));
            r.mailboxes.emplace_back(name ? name : "", std::string(replyguard::trim(addr ? addr : "")));
        }
        g_object_unref(l);
    }
    GMimeParserOptions* opts = g_mime_parser_options_new();
    g_mime_parser_options_set_warning_callback(
        opts, [](gint64, GMimeParserWarning, const gchar*, gpointer n) { ++*static_cast<int*>(n); }, &r.warnings);
    if (InternetAddressList* l = internet_address_list_parse(opts, raw.c_str())) g_object_unref(l);
    g_mime_parser_options_free(opts);
    return r;
}

void expect_as_gmime(const std::string& raw, std::size_t& taken) {
    const std::string text = decode_address_header(unfold(raw));
    const auto simple = detail::simple_mailbox(text);
    if (!simple) return;
    ++taken;
    const gmime_reading g = read_with_gmime(text, raw);
    ASSERT_FALSE(g.group) << raw;
    ASSERT_EQ(g.mailboxes.size(), 1u) << raw;
    EXPECT_EQ(g.mailboxes[0].first, simple->first) << raw;
    EXPECT_EQ(g.mailboxes[0].second, simple->second) << raw;
    EXPECT_EQ(g.warnings, 0) << raw;
}

}  // namespace

TEST(simple_mailbox, reads_every_corpus_address_value_it_takes_as_gmime_does) {
    gmime_once();
    std::size_t values = 0, taken = 0;
    for (const auto& path : t::single_message_files(REPLYGUARD_CORPUS_DIR)) {
        const std::string m = t::read_bytes(path.string());
        for (const auto& f : t::raw_fields(m)) {
            bool address = false;
            for (const char* n : {"From", "To", "Cc", "Bcc", "Reply-To", "Sender"})
                address = address || g_ascii_strcasecmp(f.name.c_str(), n) == 0;
            if (!address || f.value.find('\0') != std::string::npos) continue;
            ++values;
            expect_as_gmime(f.value, taken);
            if (HasFailure()) return;
        }
    }
    std::printf("%zu of %zu address values read without GMime's parser\n", taken, values);
    EXPECT_GT(values, 10000u);
    EXPECT_GT(taken * 100, values * 30);
}

TEST(simple_mailbox, generated_values_as_gmime_reads_them) {
    gmime_once();
    const std::vector<std::string> names = {"",
                                            "Taro",
                                            "Taro Yamada",
                                            "Taro  Yamada",
                                            " Taro",
                                            "J. Smith",
                                            "a_b x-y",
                                            "\"Taro Yamada\"",
                                            "\"Yamada, Taro\"",
                                            "\"\"",
                                            "\" x \"",
                                            "\"a\\\"b\"",
                                            "'Taro'",
                                            "Taro (work)",
                                            "Taro:",
                                            "O'Brien",
                                            "\"=?utf-8?b?44GC?=\"",
                                            "Taro\tYamada"};
    const std::vector<std::string> addrs = {
        "taro@example.co.jp", "t.yamada@example.com", "t+tag@x.example", ".t@x.example", "t.@x.example",
        "t..y@x.example", "t@x", "t@.x", "t@x..example", "t@x-.example", "T_Y@X.EXAMPLE", "t@-x.example",
        "t@x.example.", "t@@x", "t@x@y", "\"t y\"@x.example", "t y@x.example", "t@[1.2.3.4]",
        // IDNA labels, which GMime decodes to Unicode (fuzz_rfc2047 found
        // the fast path giving the ASCII form, 2026-12-06)
        "t@xn--ees.com", "t@XN--ees.com", "t@mail.xn--eckwd4c7c.xn--zckzah", "xn--t@x.example"};
    const std::vector<std::string> shapes = {
        "{n} <{a}>", "<{a}>",       "{a}",       "{n}<{a}>", "{n}  <{a}>", "{n} <{a}> ", "{n} <{a}>, x@y.example",
        "{a} ({n})", "{n} < {a} >", "{n} <{a}>>"};
    std::size_t taken = 0;
    for (const auto& shape : shapes)
        for (const auto& n : names)
            for (const auto& a : addrs) {
                std::string v = shape;
                if (const auto i = v.find("{n}"); i != std::string::npos) v.replace(i, 3, n);
                if (const auto i = v.find("{a}"); i != std::string::npos) v.replace(i, 3, a);
                expect_as_gmime(" " + v, taken);
                if (HasFailure()) return;
            }
    std::printf("%zu generated values read without GMime's parser\n", taken);
    EXPECT_GT(taken, 100u);
}
