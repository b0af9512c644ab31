// SPDX-License-Identifier: Apache-2.0
// milter/banner.hpp - put a short warning at the top of a message's text bodies
//
// DESCRIPTION
//   insert_banner() rewrites the body of a message so that its main
//   text/plain and text/html parts start with a warning (Japanese and
//   English). A rewritten part is converted to UTF-8 (decoded from its
//   declared charset, mime/charset.hpp) and written base64-encoded, with its
//   Content-Type charset and Content-Transfer-Encoding changed to match; every
//   other byte of the message stays as it was (parts are spliced, never
//   re-serialised).
//   Rewritten: a single text/plain or text/html body; multipart/alternative
//   (every text child); multipart/mixed and multipart/related (their first
//   child, descending into alternative/related). Nested up to k_banner_depth.
// LIMITS
//   Skipped, with the reason in `skipped`: multipart/signed and
//   multipart/encrypted (a change breaks the signature), a missing or
//   unterminated boundary, a part whose text does not decode cleanly in its
//   charset (never mangle), an unknown transfer encoding, no text part.
// STANDARDS
//   RFC 2045, RFC 2046 (multipart), RFC 3676 (format=flowed is dropped with
//   the re-encoding: the flowed lines stay as written).
#pragma once

#include "mime/content_type.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace replyguard::milter {

inline constexpr int k_banner_depth = 4;

struct banner_text {
    std::string plain;  ///< UTF-8, lines separated by "\n" (written as the body's line ending)
    std::string html;   ///< UTF-8 HTML fragment
};

/// The default warning (Japanese, then English).
banner_text default_banner();

struct banner_result {
    /// The new body; unset when nothing was rewritten (see `skipped`).
    std::optional<std::string> body;
    /// New top-level Content-Type / Content-Transfer-Encoding values, when the
    /// top-level entity itself was rewritten (a single-part message).
    std::optional<std::string> content_type;
    std::optional<std::string> transfer_encoding;
    std::string skipped;  ///< why no banner was inserted ("" when it was)
    int parts = 0;        ///< text parts rewritten
};

/// `content_type` is the top-level type as the engine parsed it
/// (mime::message::body_type); `transfer_encoding` the raw top-level
/// Content-Transfer-Encoding value ("" when absent: 7bit). The parts inside a
/// multipart body are read here (their Content-Type through
/// mime::parse_content_type): the engine's model keeps no byte ranges to splice.
banner_result insert_banner(const mime::content_type& content_type, std::string_view transfer_encoding,
                            std::string_view body, const banner_text& banner);
/// The same with a raw top-level Content-Type value ("" when absent: text/plain).
banner_result insert_banner(std::string_view content_type, std::string_view transfer_encoding, std::string_view body,
                            const banner_text& banner);

}  // namespace replyguard::milter
