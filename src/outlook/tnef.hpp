// SPDX-License-Identifier: Apache-2.0
// outlook/tnef.hpp - winmail.dat (TNEF, MS-OXTNEF): the files and messages inside
//
// DESCRIPTION
//   Outlook/Exchange sends rich-text mail to clients it thinks are Outlook as an
//   application/ms-tnef part (winmail.dat) holding the attachments. read_tnef()
//   returns its attached files (name from PR_ATTACH_LONG_FILENAME, else the
//   TNEF title) and its attached messages (an ATTACH_EMBEDDED_MSG is a nested
//   TNEF stream behind a 16-byte IID; rebuilt as RFC 5322 through
//   outlook/mapi.hpp). Why this is our own reader and not libytnef: tnef.cpp.
// LIMITS
//   k_max_tnef_items files and messages; nested messages to k_max_embedded_depth.
// DIAGNOSTICS
//   No TNEF signature, or no readable attribute: an error. A stream cut short
//   yields what was read before the cut.
#pragma once

#include "core/result.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace replyguard::outlook {

inline constexpr std::size_t k_max_tnef_items = 256;

struct tnef_file {
    std::string name;
    std::string data;
};

struct tnef_content {
    std::vector<tnef_file> files;
    std::vector<std::string> messages;  ///< attached messages as RFC 5322 bytes
};

result<tnef_content> read_tnef(std::string_view data, int depth = 0);

}  // namespace replyguard::outlook
