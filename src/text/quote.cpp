// SPDX-License-Identifier: Apache-2.0
// text/quote.cpp - PLACEHOLDER (being replaced): everything is new text.
#include "text/quote.hpp"

namespace replyguard::text {
split_body split_quotes(std::string_view body) { return split_body{std::string(body), {}}; }
}  // namespace replyguard::text
