// SPDX-License-Identifier: Apache-2.0
// core/utf8.hpp - is a byte string well-formed UTF-8?
//
// DESCRIPTION
//   One check for every layer: mime (decoded text, header values) and text
//   (text::nfkc and friends take ICU's UTF-8 path only for well-formed input).
//   Well-formed as Unicode defines it: no overlong forms, no surrogates, nothing
//   above U+10FFFF, no stray continuation bytes.
#pragma once

#include <string_view>

namespace replyguard {

/// True when `s` is well-formed UTF-8.
bool is_valid_utf8(std::string_view s) noexcept;

}  // namespace replyguard
