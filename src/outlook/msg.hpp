// SPDX-License-Identifier: Apache-2.0
// outlook/msg.hpp - Outlook .msg files (one message in an OLE2 compound file)
//
// DESCRIPTION
//   A .msg file (MS-OXMSG) is an OLE2 compound file (read with libgsf): the
//   message's fixed-size properties in "__properties_version1.0", each
//   variable-size one in a "__substg1.0_IIIITTTT" stream, one storage per
//   recipient ("__recip_version1.0_#N") and per attachment
//   ("__attach_version1.0_#N"); an attached message is a nested storage
//   ("__substg1.0_3701000D") with the same layout. read_msg() fills a
//   mapi_message; msg_to_rfc822() rebuilds it as RFC 5322 bytes (outlook/mapi.hpp).
//   8-bit strings are decoded in the message's code page (PR_INTERNET_CPID,
//   else PR_MESSAGE_CODEPAGE, else Windows-1252).
// LIMITS
//   Streams are read whole up to limits::message_bytes in total; nested
//   attached messages to k_max_embedded_depth; at most k_max_msg_children
//   recipients and attachments each.
// DIAGNOSTICS
//   Not an OLE2 file, or an OLE2 file without message properties (a Word
//   document): an error. A stream that cannot be read is a warning of the message.
#pragma once

#include "core/result.hpp"
#include "outlook/mapi.hpp"

#include <string>
#include <string_view>

namespace replyguard::outlook {

inline constexpr std::size_t k_max_msg_children = 2048;

/// True when `data` is an OLE2 compound file holding a message (.msg). Cheap
/// for anything that is not OLE2; opens the directory otherwise.
bool looks_like_msg(std::string_view data);

result<mapi_message> read_msg(std::string_view data, std::size_t max_bytes = std::size_t(1) << 30);

result<std::string> msg_to_rfc822(std::string_view data, std::size_t max_bytes = std::size_t(1) << 30);

}  // namespace replyguard::outlook
