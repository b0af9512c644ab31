// SPDX-License-Identifier: Apache-2.0
// apps/cli/imap_common.hpp - what `learn imap://...` and `watch` share: credentials, TLS options, messages
//
// DESCRIPTION
//   Credentials never come from the command line: the user name is in the URL
//   (or $REPLYGUARD_IMAP_USER), the password in the first line of
//   --password-file or in $REPLYGUARD_IMAP_PASSWORD. The certificate is always
//   verified (system CAs, or --ca-file).
#pragma once

#include "core/result.hpp"
#include "imap/client.hpp"
#include "imap/url.hpp"

#include <string>
#include <vector>

namespace replyguard::cli {

struct imap_cli_args {
    std::string password_file;
    std::string ca_file;
    std::vector<std::string> folders;  ///< --folder, UTF-8
    std::string keyword = "$Replyguard";
    std::string marks;  ///< SQLite file of the read marks ("" : the --db file)
    bool verbose = false;
};

/// libcurl options for `url`: user, password, CA file, message size limit.
result<imap::client_options> imap_client_options(const imap::imap_url& url, const imap_cli_args& a,
                                                 std::size_t max_message_bytes);

/// UTF-8 folder names -> wire names (modified UTF-7).
result<std::vector<std::string>> encode_folders(const std::vector<std::string>& utf8);

/// "imaps://HOST:PORT/MAILBOX;UIDVALIDITY=V/;UID=N": a message's `source`.
std::string imap_source(const imap::imap_url& url, std::string_view mailbox, std::uint32_t uidvalidity,
                        std::uint32_t uid);

}  // namespace replyguard::cli
