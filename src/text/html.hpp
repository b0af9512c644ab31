// SPDX-License-Identifier: Apache-2.0
// text/html.hpp - HTML to readable text, with links: a forward pass (text/html_fast.hpp), gumbo where it declines
//
// DESCRIPTION
//   Parses with gumbo (a real HTML5 parser: broken markup is handled as browsers
//   do), renders block elements as line breaks, drops script/style/head,
//   keeps <blockquote> as '> ' quoted lines so quote splitting sees them,
//   and collects every <a href> with its anchor text (and img/form/area targets).
#pragma once

#include "core/budget.hpp"
#include "text/urls.hpp"  // url_ref

#include <string>
#include <string_view>
#include <vector>

namespace replyguard::text {

struct html_text {
    std::string text;            ///< UTF-8
    std::vector<url_ref> links;  ///< href/src/action URLs with anchor text
};

/// `html` must be UTF-8. `max_text` bounds the output. One forward pass
/// (text/html_fast.hpp) for the documents whose tree it is sure of, gumbo
/// (html_to_text_gumbo) for the others: the same text and links either way.
html_text html_to_text(std::string_view html, std::size_t max_text, budget* bud = nullptr);

/// Always through gumbo. `strip`: hand gumbo the document without what it
/// would parse for nothing (text/html_strip.hpp); false only to compare
/// against gumbo on the whole document (the tests do, on every HTML part of
/// the corpus, and compare the fast pass with this).
html_text html_to_text_gumbo(std::string_view html, std::size_t max_text, budget* bud = nullptr, bool strip = true);

/// Only the links (a/area href with anchor text, img src, form action), by a
/// single forward scan of the tags instead of a gumbo tree. For HTML whose text
/// is not needed (the HTML half of a multipart/alternative whose plain half is
/// the body): gumbo was 30% of all scan CPU on the corpus (bench/profile.sh),
/// most of it on such parts. The same link filter as html_to_text applies.
std::vector<url_ref> html_links(std::string_view html, budget* bud = nullptr);

}  // namespace replyguard::text
