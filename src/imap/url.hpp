// SPDX-License-Identifier: Apache-2.0
// imap/url.hpp - imap:// and imaps:// URLs, and mailbox names as IMAP spells them
//
// DESCRIPTION
//   parse_url() reads `imap[s]://[USER@]HOST[:PORT][/MAILBOX]` (RFC 5092 in
//   spirit: the path names one mailbox, percent-encoded UTF-8; a user name
//   holding '@' is written %40). imaps:// is TLS from the first byte (port
//   993); imap:// is port 143 with STARTTLS required, never plain text.
//   Mailbox names travel as modified UTF-7 (RFC 3501 5.1.3): `送信済みアイテム`
//   becomes `&kAFP4W4IMH8wojCkMMYw4A-`. encode_mailbox()/decode_mailbox()
//   convert; quote() makes an IMAP quoted string for our custom commands;
//   url_path() percent-encodes a name for a libcurl URL path.
// LIMITS
//   No IMAP URL parameters (;UIDVALIDITY=, ;UID=, ?search) on the command
//   line: which messages to read is replyguard's business (src/imap/sync.hpp).
#pragma once

#include "core/result.hpp"

#include <string>
#include <string_view>

namespace replyguard::imap {

struct imap_url {
    bool implicit_tls = true;  ///< imaps://; imap:// means STARTTLS (required)
    std::string host;
    int port = 993;
    std::string user;     ///< decoded; "" when the URL has none
    std::string mailbox;  ///< decoded UTF-8; "" when the URL names none

    /// "imaps://HOST:PORT" (no user, no path): what libcurl is given.
    std::string base() const;
    /// "imaps://USER@HOST:PORT": the account key of the read marks.
    std::string account() const;
};

/// True when `s` starts with imap:// or imaps:// (case-insensitive).
bool is_imap_url(std::string_view s);

result<imap_url> parse_url(std::string_view s);

/// UTF-8 -> modified UTF-7. Invalid UTF-8 is an error (errc::parse).
result<std::string> encode_mailbox(std::string_view utf8);
/// Modified UTF-7 -> UTF-8; a malformed name is returned unchanged.
std::string decode_mailbox(std::string_view mutf7);
/// An IMAP quoted string ("..." with \ and " escaped).
std::string quote(std::string_view s);
/// Percent-encode for a URL path segment (unreserved characters kept).
std::string url_path(std::string_view s);

}  // namespace replyguard::imap
