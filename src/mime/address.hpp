// SPDX-License-Identifier: Apache-2.0
// mime/address.hpp - address lists into mailboxes, and comparison keys
//
// DESCRIPTION
//   parse_address_list() takes a raw (unfolded) From/To/Cc/... value, decodes it
//   (mime/header_decode.hpp) and parses it with GMime's address parser. Groups are
//   flattened. Each mailbox gets comparison keys: name_key (NFKC, case-folded,
//   without spaces, quotes and wrapping brackets like 【】（）「」) and
//   address_key (NFKC - so full-width ＠ and letters fold - and lower-case).
#pragma once

#include "mime/message.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace replyguard::mime {

std::vector<mailbox> parse_address_list(std::string_view raw_value);

/// Build a mailbox from a decoded name and address, filling the keys.
mailbox make_mailbox(std::string name, std::string address);

std::string name_key(std::string_view name);
std::string address_key(std::string_view address);

/// Addresses written inside a display name ("Taro <taro@a.jp>" as a name,
/// "taro＠a.jp", "【taro@a.jp】"): address keys, in order.
std::vector<std::string> addresses_in_text(std::string_view text);

}  // namespace replyguard::mime
