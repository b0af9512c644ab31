// SPDX-License-Identifier: Apache-2.0
// imap/client.hpp - an IMAP session over libcurl (Debian libcurl4-openssl-dev)
//
// DESCRIPTION
//   mailbox_access (imap/sync.hpp) on one libcurl easy handle, so every
//   command reuses one connection (libcurl keeps it open, remembers the
//   selected mailbox and reconnects when a request meets a closed one).
//   Messages are fetched with libcurl's own `;UID=` URLs (UID FETCH BODY[],
//   literal handled by libcurl; `;UIDVALIDITY=` makes libcurl refuse a rebuilt
//   mailbox); everything else is a custom request (CURLOPT_CUSTOMREQUEST:
//   STATUS, UID FETCH (UID FLAGS), UID STORE, UID MOVE, CREATE, LIST) whose
//   untagged lines libcurl passes to us and imap/response.hpp reads.
//   TLS: imaps:// is TLS from the start, imap:// requires STARTTLS
//   (CURLUSESSL_ALL); the certificate and host name are always verified,
//   against the system CAs or `ca_file`. Only IMAP and IMAPS are allowed as
//   protocols, so a redirect-like trick cannot reach anything else.
//   libcurl is not linked: it is opened by the first client (curl_api.hpp),
//   so no other command maps it and the 21 more libraries it brings.
// LIMITS
//   libcurl cannot IDLE (its custom requests reject the "+ idling"
//   continuation), so `watch` polls: one UID FETCH <mark+1>:* (UID FLAGS) per
//   interval on the open connection; see docs/HACKING.md. A message larger
//   than `max_message_bytes` is not fetched (failure::too_large). A transfer
//   slower than 1 byte/s for `stall_seconds` is a dropped connection.
// DIAGNOSTICS
//   libcurl's error text, classified: authentication (LOGIN/AUTHENTICATE
//   refused), TLS (handshake, certificate, CA file), no such mailbox (SELECT or
//   STATUS refused), connection (refused, reset, timed out); libcurl.so.4
//   missing: failure::internal naming the Debian package (libcurl4).
#pragma once

#include "imap/sync.hpp"
#include "imap/url.hpp"

#include <memory>
#include <string>

namespace replyguard::imap {

struct client_options {
    std::string user;
    std::string password;
    std::string ca_file;  ///< "" : the system's CA certificates
    long connect_timeout_seconds = 30;
    long stall_seconds = 120;
    std::size_t max_message_bytes = 64u << 20;
    bool verbose = false;  ///< libcurl's protocol trace on stderr (passwords included!)
};

class client final : public mailbox_access {
public:
    client(imap_url url, client_options opt);
    ~client() override;
    client(const client&) = delete;
    client& operator=(const client&) = delete;

    imap_result<std::vector<list_entry>> list() override;
    imap_result<mailbox_status> status(std::string_view mailbox) override;
    imap_result<std::vector<uid_flags>> messages_after(std::string_view mailbox, std::uint32_t after) override;
    imap_result<std::string> fetch(std::string_view mailbox, std::uint32_t uidvalidity, std::uint32_t uid) override;
    imap_result<void> store_flags(std::string_view mailbox, std::uint32_t uid, bool add,
                                  std::string_view flags) override;
    imap_result<void> move(std::string_view mailbox, std::uint32_t uid, std::string_view target) override;
    imap_result<void> create(std::string_view mailbox) override;

    /// Close the connection (the next command opens a new one).
    void reset();

    const imap_url& url() const { return url_; }

    struct impl;  ///< libcurl handle and buffers (public for the C write callback only)

private:
    imap_result<std::string> perform(const std::string& url, const char* custom, std::string_view mailbox);
    imap_url url_;
    client_options opt_;
    std::unique_ptr<impl> p_;
};

/// Open libcurl and run curl_global_init, once per process (curl_api.hpp); a client
/// does it itself, and reports a missing libcurl at its first command.
void global_init();

}  // namespace replyguard::imap
