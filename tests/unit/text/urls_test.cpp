// SPDX-License-Identifier: Apache-2.0
// tests/unit/text/urls_test.cpp - URL extraction from plain text and hosts
//
// DESCRIPTION
//   Delimiting rules (Japanese punctuation, brackets, trailing punctuation),
//   host normalisation (userinfo, port, IPv6, IDN), and real bodies from talon
//   and easy_ham.
#include "text/urls.hpp"

#include "corpus_files.hpp"
#include "mail_body.hpp"
#include "mime/parser.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <random>

using replyguard::test::corpus;
using replyguard::test::slurp;
using replyguard::test::text_part;
using replyguard::text::extract_urls;
using replyguard::text::url_host;
using replyguard::text::url_ref;

namespace {
std::vector<std::string> urls_in(std::string_view text, std::size_t max = 100) {
    std::vector<url_ref> out;
    extract_urls(text, out, max);
    std::vector<std::string> u;
    for (auto& r : out) {
        EXPECT_FALSE(r.from_html);
        EXPECT_EQ(r.host, url_host(r.url));
        u.push_back(r.url);
    }
    return u;
}
using v = std::vector<std::string>;
}  // namespace

TEST(urls_extract, delimiters_in_prose) {
    EXPECT_EQ(urls_in("see http://example.com/a?b=1. Then"), v{"http://example.com/a?b=1"});
    EXPECT_EQ(urls_in("(see http://en.wikipedia.org/wiki/Foo_(bar))"), v{"http://en.wikipedia.org/wiki/Foo_(bar)"});
    EXPECT_EQ(urls_in("(http://example.com/x)."), v{"http://example.com/x"});
    EXPECT_EQ(urls_in("Loop<http://dev.example.com/loop?id=4>, ok"), v{"http://dev.example.com/loop?id=4"});
    EXPECT_EQ(urls_in("href=\"https://a.example/q\" x"), v{"https://a.example/q"});
    EXPECT_EQ(urls_in("Wow!https://a.example/!?"), v{"https://a.example/"});
    EXPECT_EQ(urls_in("HTTPS://EXAMPLE.org/Path and FTP://files.example/f.zip"),
              (v{"HTTPS://EXAMPLE.org/Path", "FTP://files.example/f.zip"}));
    EXPECT_EQ(urls_in("visit www.Example.COM/path! or xwww.no.example"), v{"www.Example.COM/path"});
    EXPECT_EQ(urls_in("http:// nothing"), v{});
    // Candidate bytes next to each other and at the end (the scan skips to them through a table).
    EXPECT_EQ(urls_in("hhhttp://a.example/ wwww.b.example fftp://c.example/"),
              (v{"http://a.example/", "ftp://c.example/"}));
    EXPECT_EQ(urls_in("ends with w"), v{});
    EXPECT_EQ(urls_in("H"), v{});
    EXPECT_EQ(urls_in(""), v{});
}

TEST(urls_extract, japanese_punctuation_ends_a_url) {
    EXPECT_EQ(urls_in("詳細はhttps://example.co.jp/path、または「https://x.example.jp/a」をご覧ください。"),
              (v{"https://example.co.jp/path", "https://x.example.jp/a"}));
    EXPECT_EQ(urls_in("（http://example.jp/dl）からダウンロード。http://b.example.jp/。"),
              (v{"http://example.jp/dl", "http://b.example.jp/"}));
    EXPECT_EQ(urls_in("URL：http://example.jp/a　パスワード：abc"), v{"http://example.jp/a"});
    // Non-ASCII path characters that are not punctuation stay in the URL.
    EXPECT_EQ(urls_in("http://example.jp/資料/見積.zip です"), v{"http://example.jp/資料/見積.zip"});
}

TEST(urls_extract, max_is_respected) {
    std::string t;
    for (int i = 0; i < 50; ++i) t += "http://h" + std::to_string(i) + ".example/ ";
    EXPECT_EQ(urls_in(t, 10).size(), 10u);
    std::vector<url_ref> out(5);
    extract_urls(t, out, 5);
    EXPECT_EQ(out.size(), 5u) << "max counts what is already in out";
}

TEST(urls_host, normalisation) {
    EXPECT_EQ(url_host("http://user:pw@Host.Example:8080/x"), "host.example");
    EXPECT_EQ(url_host("https://a@b@evil.example/"), "evil.example");
    EXPECT_EQ(url_host("http://[2001:DB8::1]:443/"), "[2001:db8::1]");
    // Canonical ASCII (UTS #46): the form an IOC list or the history holds.
    EXPECT_EQ(url_host("http://Bücher.DE/"), "xn--bcher-kva.de");
    EXPECT_EQ(url_host("http://ＥＸＡＭＰＬＥ.jp/"), "example.jp");
    EXPECT_EQ(url_host("www.Example.COM/path"), "www.example.com");
    EXPECT_EQ(url_host("http://example.com.:80"), "example.com");
    EXPECT_EQ(url_host("http:\\\\evil.example\\x"), "evil.example");
    EXPECT_EQ(url_host("HTTP://EXAMPLE.COM?q"), "example.com");
    EXPECT_EQ(url_host("mailto:Boss@Example.JP?subject=x"), "example.jp");
    EXPECT_EQ(url_host("javascript:alert(1)"), "");
    EXPECT_EQ(url_host("cid:image001.png@01D5"), "");
    EXPECT_EQ(url_host(""), "");
}

TEST(urls_real, talon_outlook_and_easy_ham) {
    auto body = text_part(slurp(corpus("mime-edge/talon/standard_replies/outlook.eml")), "plain");
    auto u = urls_in(body);
    ASSERT_EQ(u.size(), 2u);
    EXPECT_EQ(u[0], "http://dev.xxx.com/loop/view/4f50f20e160839c95a000bb3?_uid=4f3541a7ac63e655040008e3");
    EXPECT_EQ(u[1], "http://dev.xxx.com/user/unsubscribe/dan.le@example.com?verify=4a400554148256338956101abdf06406");
    EXPECT_EQ(url_host(u[1]), "dev.xxx.com");

    auto ham = text_part(
        slurp(corpus("benign/spamassassin-public-corpus/easy_ham/00025.d685245bdc4444f44fa091e6620b20b3")), "plain");
    EXPECT_EQ(urls_in(ham), v{"http://www.linux.ie/mailman/listinfo/ilug"});
}

TEST(urls_limits, long_and_hostile_text_is_linear) {
    std::string t(1 << 20, ')');
    t.insert(0, "http://a.example/");
    std::string many;
    for (int i = 0; i < 100000; ++i) many += "http://www.";
    // Linear: a quadratic scan of these shows as the test's ctest timeout (no test
    // asserts a time, bench/ measures speed).
    auto a = urls_in(t);
    ASSERT_EQ(a.size(), 1u);
    EXPECT_LE(a[0].size(), 8192u);
    EXPECT_EQ(a[0], "http://a.example/");
    auto b = urls_in(many, 1000000);
    EXPECT_LE(b.size(), 100000u);
}

TEST(urls_host, idna_and_percent_decoding) {
    using replyguard::text::normalize_host;
    // The same host, however the attacker spells it.
    EXPECT_EQ(url_host("https://evil%2Eexample/x.doc"), "evil.example");
    EXPECT_EQ(url_host("https://evil%2eexample%2Ecom./x"), "evil.example.com");
    EXPECT_EQ(url_host("http://xn--bcher-kva.de/"), "xn--bcher-kva.de");
    EXPECT_EQ(url_host("http://XN--BCHER-KVA.DE/"), "xn--bcher-kva.de");
    EXPECT_EQ(url_host("http://例え.テスト/"), "xn--r8jz45g.xn--zckzah");
    EXPECT_EQ(url_host("http://例え%2Eテスト/"), "xn--r8jz45g.xn--zckzah");
    EXPECT_EQ(url_host("http://example。jp/"), "example.jp");  // ideographic full stop
    EXPECT_EQ(normalize_host("ＥＸＡＭＰＬＥ．ＣＯＭ"), "example.com");
    EXPECT_EQ(normalize_host("faß.de"), "xn--fa-hia.de");  // non-transitional, as browsers resolve it
    EXPECT_EQ(normalize_host("[2001:DB8::1]"), "[2001:db8::1]");
    EXPECT_EQ(normalize_host(""), "");
    // IDNA rejects it (a label with a space): kept, lower-cased, never empty.
    EXPECT_EQ(normalize_host("A B.example"), "a b.example");
}

// extract_urls finds a start from the ':' of "://" and the 'w' of "www.", sixteen
// bytes at a time; the first scanner tried every h, f and w. The same URLs, in
// the same order, for random texts built from the pieces that make and break
// starts (schemes in any case, doubled letters, "www." after word bytes,
// delimiters, Japanese text, the sixteen-byte edges) and for every text and
// HTML part of the corpus, and the same cut at a limit.
namespace {
std::vector<std::string> urls_of(void (*fn)(std::string_view, std::vector<url_ref>&, std::size_t), std::string_view t,
                                 std::size_t max = 1000) {
    std::vector<url_ref> out;
    fn(t, out, max);
    std::vector<std::string> u;
    for (const auto& r : out) u.push_back(r.url + " " + r.host);
    return u;
}
}  // namespace

TEST(urls_extract, same_urls_as_the_bytewise_scanner) {
    using replyguard::text::detail::extract_urls_bytewise;
    const std::vector<std::string> pieces = {
        "http://",   "https://", "HTTPS://", "hTtP://", "ftp://",   "FTP://", "www.",   "WWW.",     "wWw.", "ww", "w",
        "W",         "h",        "hh",       "ttp://",  "https:/",  "http:",  "://",    ":",        "//",   "/",  ".",
        "a.example", "x",        "xyz",      " ",       "\n",       "\t",     "(",      ")",        "<",    ">",  "\"",
        "。",        "、",       "「",       "」",      "（",       "）",     "日本語", "ｗｗｗ．", "?q=1", "#f", "@",
        "user@",     ":8080",    "[::1]",    "%2E",     "\xE3\x81", "\xFF",   "s",      "p",        "f",    "t"};
    std::mt19937 rng(20261206);
    std::size_t found = 0;
    for (int round = 0; round < 30000; ++round) {
        std::string t;
        const int n = 1 + static_cast<int>(rng() % 24);
        for (int k = 0; k < n; ++k) t += pieces[rng() % pieces.size()];
        const auto want = urls_of(extract_urls_bytewise, t);
        ASSERT_EQ(urls_of(extract_urls, t), want) << testing::PrintToString(t);
        found += want.size();
        const std::size_t max = rng() % 3;
        ASSERT_EQ(urls_of(extract_urls, t, max), urls_of(extract_urls_bytewise, t, max)) << testing::PrintToString(t);
    }
    EXPECT_GT(found, 10000u) << "the random texts hold URLs";
    // A URL cut at its 8 KiB limit ends inside the next one's scheme: no start there.
    for (std::size_t k = 0; k < 12; ++k) {
        const std::string t =
            "http://a.example/" + std::string(8192 - 17 - k, 'x') + "https://b.example/ www.c.example";
        ASSERT_EQ(urls_of(extract_urls, t), urls_of(extract_urls_bytewise, t)) << k;
    }

    std::size_t texts = 0, urls = 0;
    for (const auto& path : replyguard::test::single_message_files(REPLYGUARD_CORPUS_DIR)) {
        std::ifstream in(path, std::ios::binary);
        const std::string raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        const auto m = replyguard::mime::parse_message(raw);
        std::vector<std::string_view> texts_of = {m.body_text};
        for (const auto& tp : m.text_parts) {
            texts_of.push_back(tp.text);
            texts_of.push_back(tp.html);
        }
        for (std::string_view t : texts_of) {
            const auto want = urls_of(extract_urls_bytewise, t, 100000);
            ASSERT_EQ(urls_of(extract_urls, t, 100000), want) << path;
            ++texts;
            urls += want.size();
        }
    }
    EXPECT_GT(texts, 10000u);
    EXPECT_GT(urls, 40000u);
}
