// SPDX-License-Identifier: Apache-2.0
// text/normalize.cpp - PLACEHOLDER (being replaced): identity.
#include "text/normalize.hpp"

namespace replyguard::text {
std::string nfkc(std::string_view s) { return std::string(s); }
std::string nfkc_casefold(std::string_view s) { return std::string(s); }
std::string fold_key(std::string_view s) { return std::string(s); }
std::string collapse_space(std::string_view s) { return std::string(s); }
}  // namespace replyguard::text
