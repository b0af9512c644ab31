// SPDX-License-Identifier: Apache-2.0
// tests/unit/text/html_test.cpp - HTML rendering and link collection
//
// DESCRIPTION
//   Real HTML replies from talon's fixtures (Gmail, Outlook 2003/2007/2010,
//   Hotmail, Windows Mail, Thunderbird, mail.ru, yandex) and the HTML parts
//   of talon's .eml files, plus small documents for each rendering rule and
//   hostile inputs (deep nesting, huge output).
#include "text/html.hpp"

#include "mail_body.hpp"

#include <gtest/gtest.h>

using replyguard::test::corpus;
using replyguard::test::slurp;
using replyguard::test::text_part;
using replyguard::text::html_to_text;

namespace {

std::string talon_html(const char* name) { return slurp(corpus(std::string("mime-edge/talon/html_replies/") + name)); }

bool valid_utf8(std::string_view s) {
    for (std::size_t i = 0; i < s.size();) {
        auto b = static_cast<unsigned char>(s[i]);
        std::size_t n = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : (b >> 3) == 30 ? 4 : 0;
        if (n == 0 || i + n > s.size()) return false;
        for (std::size_t k = 1; k < n; ++k)
            if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
        i += n;
    }
    return true;
}

}  // namespace

TEST(html_talon, gmail_blockquote_becomes_angle_quotes) {
    auto t = html_to_text(talon_html("gmail.html"), 1 << 20);
    EXPECT_EQ(t.text,
              "Hi. I am fine.\n\nThanks,\nAlex\n\n"
              "On Thu, Jun 26, 2014 at 2:14 PM, Alexander L <a@example.com> wrote:\n"
              "> Hello! How are you?\n>\n> Thanks,\n> Sasha.");
    ASSERT_EQ(t.links.size(), 1u);
    EXPECT_EQ(t.links[0].url, "mailto:abc@example.com");
    EXPECT_EQ(t.links[0].anchor_text, "a@example.com");  // the anchor lies about the target
    EXPECT_EQ(t.links[0].host, "example.com");
    EXPECT_TRUE(t.links[0].from_html);
}

TEST(html_talon, outlook_header_box_gets_a_separator_line) {
    for (const char* f : {"ms_outlook_2003.html", "ms_outlook_2007.html"}) {
        auto t = html_to_text(talon_html(f), 1 << 20);
        EXPECT_NE(
            t.text.find("Alex\n________________________________\nFrom: Alexander L [mailto:abc@example.com]\nSent: "),
            std::string::npos)
            << f << "\n"
            << t.text;
        // Style sheets and conditional comments in <head> are dropped.
        EXPECT_EQ(t.text.find("font-family"), std::string::npos) << f;
        EXPECT_EQ(t.text.find("WordSection1"), std::string::npos) << f;
    }
    // Outlook 2010 without a border box: the bold field names are joined with their values.
    auto t = html_to_text(talon_html("ms_outlook_2010.html"), 1 << 20);
    EXPECT_NE(
        t.text.find("From: Foo [mailto:foo@bar.com] On Behalf Of baz@bar.com\nSent: Monday, January 01, 2000 12:00 AM\n"
                    "To: john@bar.com\nCc: jane@bar.io\nSubject: Conversation\n"),
        std::string::npos)
        << t.text;
}

TEST(html_talon, hotmail_hr_and_windows_mail_links) {
    auto h = html_to_text(talon_html("hotmail.html"), 1 << 20);
    EXPECT_NE(h.text.find("Alex\n\n________________________________\nDate: Thu, 26 Jun 2014 13:53:45 +0400\n"),
              std::string::npos)
        << h.text;
    auto w = html_to_text(talon_html("windows_mail.html"), 1 << 20);
    ASSERT_EQ(w.links.size(), 2u);
    EXPECT_EQ(w.links[0].url, "mailto:abc@example.com");
    EXPECT_EQ(w.links[0].anchor_text, "Alexander L");
    EXPECT_EQ(w.links[1].anchor_text, "Alex");
    // &nbsp; after "От:" renders as a plain space.
    EXPECT_NE(w.text.find("\nОт: Alexander L\n"), std::string::npos) << w.text;
}

TEST(html_talon, eml_html_parts) {
    auto raw = slurp(corpus("mime-edge/talon/standard_replies/outlook.eml"));
    auto t = html_to_text(text_part(raw, "html"), 1 << 20);
    EXPECT_TRUE(t.text.starts_with("Allo! Follow up MIME!\nFrom: xxx@xxx.mailgun.org [mailto:xxx@xxx.mailgun.org]\n"))
        << t.text;
    ASSERT_EQ(t.links.size(), 3u);
    EXPECT_EQ(t.links[1].anchor_text, "here");
    EXPECT_EQ(t.links[1].host, "dev.xxx.com");
    EXPECT_EQ(t.links[2].anchor_text, "Unsubscribe");

    // Sparrow: nested <blockquote type=cite> gives "> > ".
    auto sp = html_to_text(text_part(slurp(corpus("mime-edge/talon/standard_replies/sparrow.eml")), "html"), 1 << 20);
    EXPECT_NE(sp.text.find("> On Apr 3, 2012, at 4:19 PM, bob wrote:\n>\n> > Hi"), std::string::npos) << sp.text;

    // The share-block table soup: img src collected without anchor text.
    auto sb =
        html_to_text(text_part(slurp(corpus("mime-edge/talon/reply-quotations-share-block.eml")), "html"), 1 << 20);
    ASSERT_FALSE(sb.links.empty());
    EXPECT_EQ(sb.links.back().url, "http://example.com");
    EXPECT_EQ(sb.links.back().anchor_text, "");
    EXPECT_NE(sb.text.find("> Subject: You've got a new booking inquiry!"), std::string::npos);
}

TEST(html_rules, dropped_elements_and_entities) {
    auto t = html_to_text(
        "<html><head><title>T</title><style>p{}</style><script>var x=1;</script></head>"
        "<body><template><p>hidden</p></template><p>A &amp; B &lt;tag&gt; &#x65E5;&#26412; caf&eacute;</p>"
        "<script>alert(1)</script><noscript>ns</noscript></body></html>",
        1 << 20);
    EXPECT_EQ(t.text, "A & B <tag> 日本 café");
}

TEST(html_rules, blocks_breaks_lists_tables_pre) {
    auto t = html_to_text(
        "<div>one<br>two</div><p>three</p>"
        "<ul><li>apple</li><li>pear</li></ul><ol><li>first</li><li>second</li></ol>"
        "<table><tr><td>a</td><td>b</td></tr><tr><th>c</th><td>d</td></tr></table>"
        "<pre>  keep   spaces\n  and lines</pre>"
        "<span>inline   \n  collapsed</span>",
        1 << 20);
    EXPECT_EQ(t.text,
              "one\ntwo\nthree\n- apple\n- pear\n1. first\n2. second\na\tb\nc\td\n"
              "  keep   spaces\n  and lines\ninline collapsed");
}

TEST(html_rules, nested_blockquotes) {
    auto t = html_to_text("new<blockquote>outer<blockquote>inner<br>line</blockquote>back</blockquote>after", 1 << 20);
    EXPECT_EQ(t.text, "new\n> outer\n> > inner\n> > line\n> back\nafter");
}

TEST(html_rules, outlook_div_rply_fwd_msg) {
    auto t = html_to_text(
        "<div>Please see the attachment.</div><hr style=\"display:inline-block;width:98%\">"
        "<div id=\"divRplyFwdMsg\" dir=\"ltr\"><font><b>差出人:</b> 山田 太郎 &lt;taro@example.co.jp&gt;<br>"
        "<b>送信日時:</b> 2019年12月3日 10:00<br><b>件名:</b> 見積書</font></div><div>本文</div>",
        1 << 20);
    EXPECT_EQ(t.text,
              "Please see the attachment.\n________________________________\n"
              "差出人: 山田 太郎 <taro@example.co.jp>\n送信日時: 2019年12月3日 10:00\n件名: 見積書\n本文");
}

TEST(html_rules, links_of_every_kind) {
    auto t = html_to_text(
        "<a href=\" https://Login.Example.COM/x \">Click\n   <b>here</b>  now</a>"
        "<a href=\"javascript:alert(1)\">js</a><a href=\"cid:image001\">c</a><a href=\"#top\">t</a>"
        "<a href=\"mailto:Boss@Example.JP\">boss</a><img src=\"http://img.example.net/p.gif\">"
        "<form action=\"https://phish.example/post\"><input></form>"
        "<map><area href=\"http://area.example/\"></map><a name=\"x\">no href</a>",
        1 << 20);
    ASSERT_EQ(t.links.size(), 5u);
    EXPECT_EQ(t.links[0].url, "https://Login.Example.COM/x");
    EXPECT_EQ(t.links[0].host, "login.example.com");
    EXPECT_EQ(t.links[0].anchor_text, "Click here now");
    EXPECT_EQ(t.links[1].url, "mailto:Boss@Example.JP");
    EXPECT_EQ(t.links[1].host, "example.jp");
    EXPECT_EQ(t.links[2].host, "img.example.net");
    EXPECT_EQ(t.links[3].host, "phish.example");
    EXPECT_EQ(t.links[4].host, "area.example");
    EXPECT_EQ(t.text, "Click here nowjsctboss\nno href");
}

TEST(html_limits, output_bounded_and_utf8_intact) {
    std::string html;
    for (int i = 0; i < 20000; ++i) html += "<p>日本語のテキスト</p>";
    auto t = html_to_text(html, 1001);
    EXPECT_LE(t.text.size(), 1001u);
    EXPECT_GT(t.text.size(), 990u);
    EXPECT_TRUE(valid_utf8(t.text));
    // Links are still collected after the text is full.
    html += "<a href=\"http://late.example/\">late</a>";
    EXPECT_EQ(html_to_text(html, 100).links.size(), 1u);
}

// A stall shows as the test's ctest timeout: no test asserts a time.
TEST(html_limits, deep_nesting_neither_crashes_nor_stalls) {
    for (const char* tag : {"div", "blockquote", "span", "b", "font", "x-custom"}) {
        std::string html;
        for (int i = 0; i < 100000; ++i) html += std::string("<") + tag + ">";
        html += "deep text";
        auto t = html_to_text(html, 1 << 20);
        EXPECT_NE(t.text.find("deep text"), std::string::npos) << tag;
    }
    std::string quotes;
    for (int i = 0; i < 50; ++i) quotes += "<blockquote>";
    quotes += "q";
    auto q = html_to_text(quotes, 1 << 20);
    EXPECT_EQ(q.text.size(), 32 * 2 + 1u) << "quote prefixes are capped at 32 levels";
}

TEST(html_limits, garbage_and_empty) {
    EXPECT_EQ(html_to_text("", 100).text, "");
    EXPECT_EQ(html_to_text("<<<>>>&&&;;<a href=", 100).links.size(), 0u);
    std::string bin;
    for (int i = 0; i < 4096; ++i) bin.push_back(static_cast<char>(i * 7));
    auto t = html_to_text(bin, 1 << 20);  // gumbo replaces invalid bytes; must not crash
    EXPECT_LE(t.text.size(), 1u << 20);
}
