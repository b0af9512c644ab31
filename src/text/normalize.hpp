// SPDX-License-Identifier: Apache-2.0
// text/normalize.hpp - Unicode normalisation for comparison (ICU)
#pragma once

#include <string>
#include <string_view>

namespace replyguard::text {

/// NFKC (full-width ASCII to ASCII, half-width kana to full-width...).
std::string nfkc(std::string_view utf8);

/// NFKC + case folding (ICU NFKC_Casefold).
std::string nfkc_casefold(std::string_view utf8);

/// A comparison key: NFKC_Casefold with all white space (incl. U+3000) removed.
std::string fold_key(std::string_view utf8);

/// Collapse runs of white space (incl. U+3000) to one ASCII space and trim.
std::string collapse_space(std::string_view utf8);

}  // namespace replyguard::text
