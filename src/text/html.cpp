// SPDX-License-Identifier: Apache-2.0
// text/html.cpp - PLACEHOLDER (being replaced): returns no text.
#include "text/html.hpp"

namespace replyguard::text {
html_text html_to_text(std::string_view, std::size_t) { return {}; }
}  // namespace replyguard::text
