// SPDX-License-Identifier: Apache-2.0
// history/fingerprint.hpp - fingerprints of message text for quote attribution
//
// DESCRIPTION
//   The text is normalised so that a quoted copy looks like the original:
//   Outlook/Japanese quote header lines and separators are dropped, leading
//   quote markers ('>', '＞', '|') removed, then NFKC_Casefold (text::fold_key)
//   and only letters and digits kept - so re-wrapping, white space,
//   punctuation, full-width forms and an HTML-to-text rendering do not matter.
//   Over the remaining code points, every 8-code-point shingle is hashed
//   (64-bit FNV-1a) and winnowed (window 4: the minimum of each window), which
//   guarantees that any shared run of 11+ code points shares a fingerprint.
//   For storage the `keep` smallest winnowed hashes are kept (a bottom-k
//   sample): a partial quote then still shares a proportional part of them.
// LIMITS
//   Text shorter than 8 letters/digits has no fingerprint. At most
//   k_max_fingerprint_chars code points of a text are read.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace replyguard::history {

inline constexpr std::size_t k_shingle = 8;
inline constexpr std::size_t k_window = 4;
inline constexpr std::size_t k_stored_fingerprints = 48;
inline constexpr std::size_t k_max_fingerprint_chars = 200'000;

/// The normalised text (letters and digits only, folded), UTF-8.
std::string fingerprint_text(std::string_view text);

/// Winnowed fingerprints, sorted and unique; with keep > 0 only the `keep` smallest.
std::vector<std::uint64_t> text_fingerprints(std::string_view text, std::size_t keep = 0);

}  // namespace replyguard::history
