// SPDX-License-Identifier: Apache-2.0
// text/html_strip.hpp - drop what gumbo would parse only for html_to_text to skip
//
// DESCRIPTION
//   The content of <style> elements and of comments never reaches html_to_text's
//   output (style is dropped, comments are skipped), yet gumbo tokenizes it byte
//   by byte: on the corpus it is 17% of the HTML bytes html_to_text parses
//   (style 11%, comments 6%). strip_for_gumbo() copies the document without it:
//   "<style ...>" + "</style>" with nothing between, "<!---->" for a comment.
//   Every tag and all other text stay, so gumbo builds the same tree minus
//   style text and comment text.
//
//   Attributes with a value that html_to_text never reads are dropped too
//   (name, '=' and value; the whitespace around them stays): everything but
//   href, src, action, and a <div>'s id and style. They were 27% of the HTML
//   bytes of the corpus (inline style, class, width... on table cells and
//   spans), and gumbo copies each of their bytes into the attribute's
//   strings. Not on elements whose attributes the tree builder compares or
//   reads (the formatting elements a, b, font... for the adoption agency's
//   "Noah's Ark" clause; input, html, body, isindex): theirs all stay.
//
//   The scan follows the HTML tokenizer's states closely enough to find those
//   ranges exactly where gumbo would (tags with attributes, quoted values,
//   bogus comments, RAWTEXT/RCDATA, script data with its escaped and
//   double-escaped states); where that is not certain it does nothing and
//   returns the input unchanged: foreign content (<svg>, <math>), <noscript>,
//   <frameset>, <select> and a comment without its end.
// LIMITS
//   Linear in the input; one copy at most.
#pragma once

#include <string>
#include <string_view>

namespace replyguard::text {

/// `html` without style and comment content and unread attributes, in `copy`; or `html` itself when
/// there is nothing to drop or the document is outside what the scan follows.
std::string_view strip_for_gumbo(std::string_view html, std::string& copy);

}  // namespace replyguard::text
