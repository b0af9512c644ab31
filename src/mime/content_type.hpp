// SPDX-License-Identifier: Apache-2.0
// mime/content_type.hpp - a Content-Type field value, parsed (RFC 2045 5.1)
//
// DESCRIPTION
//   The media type and the two parameters the rest of the code needs (charset
//   and boundary). The parser (mime/parser.hpp) fills message::content_type for
//   the top-level entity from GMime's own parse; parse_content_type() parses a
//   raw value the same way (GMime, after mime::init()) for code that walks the
//   parts of a body itself (the milter's banner, milter/banner.cpp).
// LIMITS
//   A missing or unparsable value gives the RFC 2045 default, text/plain.
#pragma once

#include <string>
#include <string_view>

namespace replyguard::mime {

struct content_type {
    std::string type = "text";      ///< lower case
    std::string subtype = "plain";  ///< lower case
    std::string charset;            ///< as written ("" when absent)
    std::string boundary;           ///< as written ("" when absent)
};

/// Parse a raw (possibly folded) Content-Type field value.
content_type parse_content_type(std::string_view raw);

}  // namespace replyguard::mime
