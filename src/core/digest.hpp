// SPDX-License-Identifier: Apache-2.0
// core/digest.hpp - SHA-256 as lower-case hex (OpenSSL)
//
// DESCRIPTION
//   Attachment hashes, header-block keys, thread ids and campaign ids are all
//   SHA-256 in lower-case hex, sometimes shortened; one helper for all of them.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace replyguard {

/// SHA-256 of `data` as lower-case hex, cut to the first `hex_chars` characters
/// (64 = the whole digest). "" only if OpenSSL fails.
std::string sha256_hex(std::string_view data, std::size_t hex_chars = 64);

}  // namespace replyguard
