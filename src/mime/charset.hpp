// SPDX-License-Identifier: Apache-2.0
// mime/charset.hpp - bytes in any mail charset to UTF-8, trusting bytes over labels
//
// DESCRIPTION
//   Japanese mail is often labelled wrongly: ISO-2022-JP bodies that are really
//   Shift_JIS or EUC-JP, 7-bit JIS with no label at all, CP932 characters
//   (①, ㈱, ～) inside "ISO-2022-JP". to_utf8() sniffs before it trusts the label:
//   JIS escape sequences mean ISO-2022-JP whatever the label says; valid UTF-8
//   stays UTF-8; 8-bit bytes under a Japanese or missing label are judged between
//   CP932 and EUC-JP. Labels map to the supersets mailers really use
//   (Shift_JIS -> CP932, ISO-2022-JP -> CP50221 with NEC/IBM extensions,
//   ks_c_5601-1987 -> CP949, GB2312 -> GB18030, ISO-8859-1/US-ASCII with 8-bit
//   bytes -> windows-1252). Conversion is done with ICU.
//   The result never contains ESC or NUL bytes; undecodable bytes become U+FFFD
//   and set `lossy`.
#pragma once

#include "core/utf8.hpp"

#include <string>
#include <string_view>

namespace replyguard::mime {

struct decoded_text {
    std::string text;     ///< UTF-8
    std::string charset;  ///< canonical name of the charset used ("UTF-8", "CP932", "ISO-2022-JP", ...)
    bool lossy = false;   ///< some bytes could not be decoded (replaced by U+FFFD)
};

/// Decode `bytes` labelled `declared` ("" when unlabelled) to UTF-8.
decoded_text to_utf8(std::string_view bytes, std::string_view declared);

/// True when `s` is well-formed UTF-8 (core/utf8.hpp, here for the parser's callers).
using replyguard::is_valid_utf8;

}  // namespace replyguard::mime
