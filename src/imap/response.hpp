// SPDX-License-Identifier: Apache-2.0
// imap/response.hpp - the untagged IMAP responses replyguard reads
//
// DESCRIPTION
//   libcurl hands the untagged lines of a custom command ("* SEARCH 4 5",
//   "* STATUS ...", "* 3 FETCH (UID 7 FLAGS (\Seen))", "* LIST ...") to our
//   write callback as text; these pure functions read them. Lines they do
//   not recognise are skipped (servers add untagged EXISTS/RECENT/OK lines).
// LIMITS
//   A mailbox name sent as a literal ({N}) in LIST is not seen: libcurl does
//   not pass literals of custom commands on. Such a mailbox can still be
//   named with --folder.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace replyguard::imap {

struct mailbox_status {
    std::uint32_t uidvalidity = 0;
    std::uint32_t uidnext = 0;  ///< 0 when the server did not say
    std::uint32_t messages = 0;
};

struct list_entry {
    std::string name;                     ///< as on the wire (modified UTF-7)
    std::vector<std::string> attributes;  ///< e.g. "\Sent", "\Noselect"
};

struct uid_flags {
    std::uint32_t uid = 0;
    std::vector<std::string> flags;
};

/// The STATUS response among `text`; nullopt when there is none or it lacks UIDVALIDITY.
std::optional<mailbox_status> parse_status(std::string_view text);
/// Every UID of "* SEARCH ..." lines, sorted and unique.
std::vector<std::uint32_t> parse_search(std::string_view text);
/// UID and FLAGS of each "* N FETCH (...)" line that has both.
std::vector<uid_flags> parse_fetch_flags(std::string_view text);
std::vector<list_entry> parse_list(std::string_view text);

/// True when `flags` holds `flag` (IMAP flags compare case-insensitively).
bool has_flag(const std::vector<std::string>& flags, std::string_view flag);

}  // namespace replyguard::imap
