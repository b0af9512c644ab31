// SPDX-License-Identifier: Apache-2.0
// text/html_fast.hpp - HTML to text in one forward pass, for the documents whose tree is certain
//
// DESCRIPTION
//   html_to_text_fast() renders the text and links html_to_text's gumbo walk
//   would render, without building a tree: one pass over the tags and text,
//   gumbo's tree-builder rules where nodes stay in document order (the stack
//   of open elements, the list of active formatting elements, implied and
//   ignored tags), the same renderer (text/html_render.hpp); where gumbo
//   moves a node whose rendering is known (a void element foster-parented
//   before its table, an <a> the adoption agency splits around a block) the
//   pass places its link where the walk would. Where gumbo would move
//   content (foster parenting of text or elements with content, cloning
//   around nested elements) or read the input otherwise (references outside
//   its table, invalid bytes), it declines, returning nullopt with the
//   reason: html_to_text then runs gumbo. Declining is
//   always correct; a wrong fast render is a bug. The lists: html_fast.cpp.
// LIMITS
//   Declines past 200 open elements; the renderer's limits (html.hpp) apply.
#pragma once

#include "core/budget.hpp"
#include "text/html.hpp"

#include <optional>
#include <string_view>

namespace replyguard::text {

/// The rendering of `html` as html_to_text's gumbo path would give it, or
/// nullopt when the document is outside what the pass follows (`why_not`,
/// when given, then names the first thing it met, a static string).
std::optional<html_text> html_to_text_fast(std::string_view html, std::size_t max_text, budget* bud = nullptr,
                                           std::string_view* why_not = nullptr);

namespace detail {
/// True when gumbo's input iterator would pass every byte of `html` through
/// unchanged but for CR LF (the pass declines otherwise); for the tests, with the
/// same check a character at a time, without the sixteen-byte skip.
bool html_input_clean(std::string_view html);
bool html_input_clean_bytewise(std::string_view html);
}  // namespace detail

}  // namespace replyguard::text
