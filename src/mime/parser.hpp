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
//   limits::message_bytes, header_bytes, mime_depth, mime_parts, text_bytes, urls.
#pragma once

#include "core/limits.hpp"
#include "mime/message.hpp"

#include <string_view>

namespace replyguard::mime {

/// Initialise GMime once per process (idempotent, thread-safe).
void init();

/// Parse one message.
message parse_message(std::string_view bytes, const limits& lim = {});

}  // namespace replyguard::mime
