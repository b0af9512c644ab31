// SPDX-License-Identifier: Apache-2.0
// mime/parser.hpp - raw bytes to the message model (GMime 3)
//
// DESCRIPTION
//   parse_message() never fails on content: it always returns a model, filled
//   as far as the bytes allow, with anomalies for what was wrong (GMime's own
//   parser warnings, 8-bit headers, NUL bytes, missing boundaries, limits
//   passed...). GMime does the MIME structure, transfer decodings (base64, QP,
//   uuencode) and address syntax; header and body charsets are ours
//   (mime/charset.hpp, mime/header_decode.hpp) because Japanese mail needs
//   sniffing that iconv-based decoding does not do.
// LIMITS
//   limits::message_bytes, header_bytes, header_field_bytes, mime_depth, mime_parts,
//   text_bytes, urls, message_millis (through the budget). A header block over
//   header_bytes is truncated, not dropped: identity and structure fields are
//   always kept (each cut at header_field_bytes), other fields while room is left.
#pragma once

#include "core/budget.hpp"
#include "core/limits.hpp"
#include "mime/message.hpp"

#include <string_view>

namespace replyguard::mime {

/// Initialise GMime once per process (idempotent, thread-safe).
void init();

/// Parse one message. With `bud`, the parse stops walking parts when the
/// message's time budget is spent, and every limit passed (header block or
/// field too long, message truncated, parts/depth) is recorded in it.
message parse_message(std::string_view bytes, const limits& lim = {}, budget* bud = nullptr);

/// True for the fields kept whatever the size of the header block: identity
/// (From, Sender, Reply-To, To, Cc, Subject, Date, Message-ID, In-Reply-To,
/// References) and MIME structure (MIME-Version, Content-Type,
/// Content-Transfer-Encoding, Content-Disposition). Case-insensitive.
bool is_kept_header(std::string_view name);

enum class parse_scope;  // mime/parse_scope.hpp

namespace detail {

/// For tests: parse_message() as it was before the top level was split here,
/// every header block through GMimeMessage's own header processing and every
/// body through GMime's parser (no simple_body path). The records of both must
/// be the same (tests/unit/mime/top_headers_test.cpp).
message parse_through_gmime_message(std::string_view bytes, const limits& lim, parse_scope scope);

/// For tests: true when parse_message() splits this input's top-level header
/// block itself (a block of plain fields), false when GMime does.
bool splits_header_block(std::string_view bytes, const limits& lim);

/// For tests: true when parse_message() reads this input's top-level part itself
/// as one simple text part or a multipart of them (mime/simple_body.hpp), without
/// GMime's parser.
bool reads_simple_body(std::string_view bytes, const limits& lim);

/// lower() (ASCII letters only), eight bytes at a time; parse_received's copy.
std::string lower_ascii(std::string_view s);

}  // namespace detail

}  // namespace replyguard::mime
