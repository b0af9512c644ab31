// SPDX-License-Identifier: Apache-2.0
// tests/unit/text/html_strip_test.cpp - style and comment text dropped before gumbo
//
// DESCRIPTION
//   strip_for_gumbo() drops exactly the text gumbo would put in <style> elements
//   and comments, leaves documents it does not follow unchanged, and
//   html_to_text renders the same text and links with or without it (the
//   corpus-wide check is the byte-identical scan output, bench/README.md).
#include "text/html_strip.hpp"

#include "text/html.hpp"

#include <gtest/gtest.h>

using replyguard::text::html_to_text;
using replyguard::text::strip_for_gumbo;

namespace {

std::string strip(std::string_view in) {
    std::string copy;
    return std::string(strip_for_gumbo(in, copy));
}

TEST(HtmlStrip, DropsStyleAndCommentText) {
    EXPECT_EQ(strip("<head><STYLE type=\"text/css\">p { color: red }</STYLE ></head><p>hi<!-- note -->!</p>"),
              "<head><STYLE type=\"text/css\"></STYLE ></head><p>hi<!---->!</p>");
    // "--!>" ends a comment as well; "<!-->" and "<!--->" are empty already.
    EXPECT_EQ(strip("a<!-- x --!>b<!-->c<!--->d"), "a<!----!>b<!-->c<!--->d");
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
}

TEST(HtmlStrip, LeavesWhatItDoesNotFollow) {
    for (const char* doc :
         {"<svg><style>x</style></svg>", "<math><style>x</style></math>", "<select><style>x</style></select>",
          "<noscript><style>x</style></noscript>", "<script><!-- <script></script> --></script><style>x</style>",
          "<!-- unterminated", "<p>no style, no comment</p>"}) {
        std::string copy;
        std::string_view in = doc;
        EXPECT_EQ(strip_for_gumbo(in, copy).data(), in.data()) << doc;
    }
}

TEST(HtmlStrip, SameRenderingAsGumboAlone) {
    // html_to_text strips internally; an empty <svg> at the end (which renders
    // nothing) makes it leave the document to gumbo whole: both must agree.
    const std::string doc =
        "<html><head><style>.a{}</style><!--[if mso]><xml>o</xml><![endif]--></head>"
        "<body><p>Hello <a href=\"http://a.example/x\">there</a></p><style>b{}</style>"
        "<blockquote>quoted<!-- c --></blockquote><table><tr><td>1</td><td>2</td></tr></table><p>end</p>";
    ASSERT_NE(strip(doc + "</body></html>"), doc + "</body></html>");
    auto stripped = html_to_text(doc + "</body></html>", 1 << 20);
    auto whole = html_to_text(doc + "<svg></svg></body></html>", 1 << 20);
    EXPECT_EQ(stripped.text, whole.text);
    ASSERT_EQ(stripped.links.size(), whole.links.size());
    ASSERT_EQ(stripped.links.size(), 1u);
    EXPECT_EQ(stripped.links[0].url, whole.links[0].url);
    EXPECT_EQ(stripped.text.find("b{}"), std::string::npos);
    EXPECT_NE(stripped.text.find("> quoted"), std::string::npos);
}

}  // namespace
