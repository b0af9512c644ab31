// SPDX-License-Identifier: Apache-2.0
// mime/header_decode.hpp - header values to UTF-8 (RFC 2047, raw 8-bit)
//
// DESCRIPTION
//   Unfolded raw header values in, UTF-8 out. Raw 8-bit bytes are sniffed with
//   mime/charset.hpp. RFC 2047 encoded words are decoded with our charset code,
//   not iconv, and adjacent words of the same charset are joined *before*
//   charset conversion, so a multi-byte character (or an ISO-2022-JP escape
//   state) split across two words survives. Whitespace between adjacent
//   encoded words is dropped (RFC 2047 6.2). Malformed words are left as text.
// STANDARDS
//   RFC 2047, RFC 2231 (parameters), RFC 6532 (UTF-8 headers).
#pragma once

#include <string>
#include <string_view>

namespace replyguard::mime {

/// Unfold a raw header value: CRLF/LF followed by WSP becomes the WSP.
std::string unfold(std::string_view raw);

/// GMime's linear white space (gmime-utils' is_lwsp): SP, TAB, CR, LF.
constexpr bool gmime_lwsp(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

/// What GMime's g_mime_utils_header_unfold makes of `raw` (no NUL in it): white
/// space (SP, TAB, CR, LF) trimmed at both ends, every CR and LF dropped. Ours
/// copies the runs between line breaks in bulk (see unfold); GMime's walks the
/// value byte by byte, which was 1.8% of `scan -j1`'s instructions over every 8th
/// corpus file (11.2 M, most of it Exchange's base64 fields; callgrind,
/// 2026-12-05). tests/unit/mime/header_decode_test.cpp compares the two on every
/// header value of the corpus.
std::string gmime_unfold(std::string_view raw);

/// Decode an unstructured value (Subject, Comments, a display name...).
std::string decode_header_text(std::string_view raw);

/// False when decode_header_text(raw) is trim(unfold(raw)): printable ASCII
/// (tab, CR and LF allowed) with no "=?". 98.5% of the corpus's header values.
bool needs_header_decoding(std::string_view raw);

/// Decode a structured address-list value so it can be parsed as UTF-8:
/// encoded words are replaced by their text inside a quoted-string, so
/// that decoded commas, '<' or '@' cannot change the structure.
std::string decode_address_header(std::string_view raw);

}  // namespace replyguard::mime
