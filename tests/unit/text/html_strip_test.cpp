// SPDX-License-Identifier: Apache-2.0
// tests/unit/text/html_strip_test.cpp - style and comment text dropped before gumbo
//
// DESCRIPTION
//   strip_for_gumbo() drops exactly the text gumbo would put in <style> elements
//   and comments, leaves documents it does not follow unchanged, and
//   html_to_text renders the same text and links with or without it: on
//   small documents here, and on every HTML part of the shared corpus
//   (SameTextAndLinksAsGumboOnEveryCorpusHtmlPart; no accepted difference).
#include "text/html_strip.hpp"

#include "mime/parser.hpp"
#include "text/html.hpp"

#include "corpus_files.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

using replyguard::text::html_to_text;
using replyguard::text::html_to_text_gumbo;
using replyguard::text::strip_for_gumbo;

namespace {

std::string strip(std::string_view in) {
    std::string copy;
    return std::string(strip_for_gumbo(in, copy));
}

TEST(HtmlStrip, DropsStyleAndCommentText) {
    EXPECT_EQ(strip("<head><STYLE type=\"text/css\">p { color: red }</STYLE ></head><p>hi<!-- note -->!</p>"),
              "<head><STYLE ></STYLE ></head><p>hi<!---->!</p>");  // type= is an unread attribute
    // "--!>" ends a comment as well; "<!-->" and "<!--->" are empty already.
    EXPECT_EQ(strip("a<!-- x --!>b<!-->c<!--->d"), "a<!----!>b<!-->c<!--->d");
}

TEST(HtmlStrip, DropsAttributesNobodyReads) {
    EXPECT_EQ(strip("<td style=\"x\" width=5 nowrap>a</td>"), "<td   nowrap>a</td>");
    // Read: href, src, action, a <div>'s id and style; the whitespace around a dropped one stays.
    EXPECT_EQ(strip("<img class=c src=\"i.png\" alt='a'/><area href=h shape=rect>"),
              "<img  src=\"i.png\" /><area href=h >");
    EXPECT_EQ(strip("<DIV ID=divRplyFwdMsg Class=x STYLE='border-top:solid'><span style=\"a>b\">t</span></DIV>"),
              "<DIV ID=divRplyFwdMsg  STYLE='border-top:solid'><span >t</span></DIV>");
    // An unquoted value runs to whitespace or '>': "5/" is the value, no self-closing flag either way.
    EXPECT_EQ(strip("<td width=5/>x"), "<td >x");
    // Formatting elements (the adoption agency compares their attributes), input, html, body keep theirs.
    for (const char* doc : {"<font color=red size=2>x</font>", "<b class=k>x</b>", "<a href=u class=k>x</a>",
                            "<input type=hidden name=n>", "<body bgcolor=white>", "<html lang=ja>"}) {
        EXPECT_EQ(strip(std::string(doc) + "<!---->"), std::string(doc) + "<!---->") << doc;
    }
    // End tags and attributes inside raw text are left alone.
    EXPECT_EQ(strip("<textarea>x <td width=1> y</textarea></td width=2>"),
              "<textarea>x <td width=1> y</textarea></td width=2>");
}

TEST(HtmlStrip, FollowsTheTokenizer) {
    // Not a style element: in an attribute value, in a comment, in RCDATA, a longer tag name.
    for (const char* doc : {"<a title='<style>x</style>'>t</a><!-- -->", "<!-- <style> -->x</style><!-- -->",
                            "<title><style>x</style></title><!-- -->", "<style.x>y</style.x><!-- -->"}) {
        std::string out = strip(doc);
        EXPECT_NE(out.find('x'), std::string::npos) << doc;
    }
    // A quote inside an unquoted value does not open a quoted region.
    EXPECT_EQ(strip("<a href=it's>t</a><style>s</style>"), "<a href=it's>t</a><style></style>");
    // The end tag must be </style followed by space, '/' or '>'.
    EXPECT_EQ(strip("<style>a</styles>b</style>c"), "<style></style>c");
    // Script data: after "<!--" a "<script>" starts double-escaped data, where "</script>" does not
    // end the script (text/html_render.hpp's script_data_end).
    EXPECT_EQ(strip("<script><!-- <script></script> --></script><style>x</style>"),
              "<script><!-- <script></script> --></script><style></style>");
    EXPECT_EQ(strip("<script><!-- <script><style>x</style></script> --></script><style>y</style>"),
              "<script><!-- <script><style>x</style></script> --></script><style></style>");
    EXPECT_EQ(strip("<script><!-- a </script><style>x</style>"), "<script><!-- a </script><style></style>");
}

TEST(HtmlStrip, LeavesWhatItDoesNotFollow) {
    for (const char* doc :
         {"<svg><style>x</style></svg>", "<math><style>x</style></math>", "<select><style>x</style></select>",
          "<noscript><style>x</style></noscript>", "<!-- unterminated", "<p>no style, no comment</p>"}) {
        std::string copy;
        std::string_view in = doc;
        EXPECT_EQ(strip_for_gumbo(in, copy).data(), in.data()) << doc;
    }
}

TEST(HtmlStrip, SameRenderingAsGumboAlone) {
    // html_to_text_gumbo strips internally; an empty <svg> at the end (which renders
    // nothing) makes it leave the document to gumbo whole: both must agree.
    const std::string doc =
        "<html><head><style>.a{}</style><!--[if mso]><xml>o</xml><![endif]--></head>"
        "<body><p>Hello <a href=\"http://a.example/x\">there</a></p><style>b{}</style>"
        "<blockquote>quoted<!-- c --></blockquote><table><tr><td>1</td><td>2</td></tr></table><p>end</p>";
    ASSERT_NE(strip(doc + "</body></html>"), doc + "</body></html>");
    auto stripped = html_to_text_gumbo(doc + "</body></html>", 1 << 20);
    auto whole = html_to_text_gumbo(doc + "<svg></svg></body></html>", 1 << 20);
    EXPECT_EQ(stripped.text, whole.text);
    ASSERT_EQ(stripped.links.size(), whole.links.size());
    ASSERT_EQ(stripped.links.size(), 1u);
    EXPECT_EQ(stripped.links[0].url, whole.links[0].url);
    EXPECT_EQ(stripped.text.find("b{}"), std::string::npos);
    EXPECT_NE(stripped.text.find("> quoted"), std::string::npos);
}

// Every HTML part of the shared corpus (every single-message file, parsed as
// the scan parses it, plus the bare .html files of talon's fixtures): the
// stripped document renders the same text and the same links as the whole
// document through gumbo. No difference is accepted.
TEST(HtmlStrip, SameTextAndLinksAsGumboOnEveryCorpusHtmlPart) {
    namespace fs = std::filesystem;
    const fs::path root(REPLYGUARD_CORPUS_DIR);
    if (!fs::is_directory(root)) GTEST_SKIP() << root << " not present";
    replyguard::mime::init();
    const std::vector<fs::path> files = replyguard::test::single_message_files(root);
    std::size_t parts = 0, changed = 0;
    auto compare = [&](const std::string& html, const fs::path& where) {
        ++parts;
        std::string copy;
        if (strip_for_gumbo(html, copy).data() != html.data()) ++changed;
        const auto fast = html_to_text_gumbo(html, 4u << 20, nullptr, true);
        const auto whole = html_to_text_gumbo(html, 4u << 20, nullptr, false);
        ASSERT_EQ(fast.text, whole.text) << where;
        ASSERT_EQ(fast.links.size(), whole.links.size()) << where;
        for (std::size_t i = 0; i < fast.links.size(); ++i) {
            EXPECT_EQ(fast.links[i].url, whole.links[i].url) << where;
            EXPECT_EQ(fast.links[i].host, whole.links[i].host) << where;
            EXPECT_EQ(fast.links[i].anchor_text, whole.links[i].anchor_text) << where;
        }
    };
    for (const auto& p : files) {
        std::ifstream in(p, std::ios::binary);
        std::string bytes((std::istreambuf_iterator<char>(in)), {});
        if (p.extension() == ".html" || p.extension() == ".htm") {
            compare(bytes, p);
            continue;
        }
        const auto m = replyguard::mime::parse_message(bytes);
        for (const auto& tp : m.text_parts)
            if (!tp.html.empty()) compare(tp.html, p);
        if (HasFatalFailure()) return;
    }
    std::printf("%zu HTML parts compared, %zu of them stripped\n", parts, changed);
    // The corpus has ~1,100 HTML parts; most of them carry attributes to drop.
    EXPECT_GT(parts, 1000u);
    EXPECT_GT(changed, parts / 2);
}

}  // namespace
