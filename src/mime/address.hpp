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

#include <optional>
#include <string>
#include <string_view>
#include <utility>
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

namespace detail {
/// A mailbox written so plainly that GMime's address parser can read it only one
/// way: the display name (unquoted, "" when none) and the address; nullopt for
/// anything else. `text` is plain printable ASCII without "=?", trimmed, and one
/// of "local@domain", "<local@domain>", "Word Word <local@domain>" (letters,
/// digits, '_' and '-', one space between words and before '<') or
/// "\"quoted name\" <local@domain>" (no '"', '\\' or two spaces inside); local
/// parts of letters, digits and ._+-, domains of labels of letters, digits and
/// '-', neither with a dot first, last or twice, and no "xn--" in the domain
/// (GMime decodes IDNA labels to Unicode). tests/unit/mime/address_test.cpp
/// holds it to GMime on every corpus address value and on generated ones.
std::optional<std::pair<std::string, std::string>> simple_mailbox(std::string_view text);
}  // namespace detail

}  // namespace replyguard::mime
