// SPDX-License-Identifier: Apache-2.0
// imap/sync.hpp - reading a mailbox incrementally, by UIDVALIDITY and UID
//
// DESCRIPTION
//   sync_mailbox() is the one loop behind `learn imap://...` and `watch`:
//     1. STATUS the mailbox (UIDVALIDITY, UIDNEXT);
//     2. find the read mark of (account, mailbox, purpose) in store::imap_state;
//        no mark, or a mark of another UIDVALIDITY (the mailbox was rebuilt),
//        starts over: `learn` from the first message, `watch` from where
//        `learn` stopped or, never learnt, from UIDNEXT (only mail arriving
//        from now on; --scan-existing starts at the first message). A new
//        starting mark is stored at once, so mail arriving while we are down is
//        not skipped later;
//     3. UID FETCH <mark+1>:* (UID FLAGS): the new messages, oldest first;
//     4. for each: skip it when it carries our keyword (already judged);
//        fetch it (libcurl's UID FETCH BODY[] marks it \Seen: an unread message
//        is made unread again at once), hand it to the handler (scan, learn,
//        flag, move), then store the mark = its UID.
//   The mark advances only after the handler succeeded, so a dropped connection
//   or a crash resumes at the first message not yet handled: nothing is
//   missed, and at most the one message in flight is handled twice (its
//   actions are idempotent). Everything here runs against mailbox_access, so
//   tests drive it with a fake mailbox (tests/unit/imap/sync_test.cpp); the
//   libcurl client (imap/client.hpp) is the real one.
// LIMITS
//   Flags are read once per pass; a message the user reads between that read
//   and its own fetch may be made unread again. A message larger than the
//   configured limit, or gone before it was fetched, is passed to the handler
//   with `error` set and the mark moves past it.
#pragma once

#include "imap/response.hpp"
#include "store/imap_state.hpp"

#include <chrono>
#include <cstdint>
#include <expected>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace replyguard::imap {

enum class failure {
    auth,         ///< the server refused the user name or password
    tls,          ///< TLS could not be set up or the certificate did not verify
    no_mailbox,   ///< the mailbox does not exist (or cannot be selected)
    connection,   ///< could not connect, or the connection dropped: worth retrying
    uidvalidity,  ///< the mailbox's UIDVALIDITY changed under us: sync again
    gone,         ///< the message is no longer there
    too_large,    ///< the message exceeds the size limit
    refused,      ///< the server answered NO/BAD to one of our commands
    store,        ///< the history or the read marks could not be written
    internal,
};

struct imap_error {
    failure kind = failure::internal;
    std::string message;
    /// A dropped or refused connection; `watch` reconnects with backoff.
    bool retryable() const { return kind == failure::connection || kind == failure::uidvalidity; }
};

template <class T>
using imap_result = std::expected<T, imap_error>;

inline std::unexpected<imap_error> imap_fail(failure k, std::string msg) {
    return std::unexpected<imap_error>(imap_error{k, std::move(msg)});
}

/// What the sync loop needs from an IMAP session. Mailbox names are as on the
/// wire (modified UTF-7).
class mailbox_access {
public:
    virtual ~mailbox_access() = default;
    virtual imap_result<std::vector<list_entry>> list() = 0;
    virtual imap_result<mailbox_status> status(std::string_view mailbox) = 0;
    /// UID and flags of the messages with UID > `after`, ascending.
    virtual imap_result<std::vector<uid_flags>> messages_after(std::string_view mailbox, std::uint32_t after) = 0;
    /// The whole message (BODY[]). Fails with `uidvalidity` when the mailbox's differs.
    virtual imap_result<std::string> fetch(std::string_view mailbox, std::uint32_t uidvalidity, std::uint32_t uid) = 0;
    /// UID STORE uid +FLAGS.SILENT (flags) or -FLAGS.SILENT (flags); `flags` space-separated.
    virtual imap_result<void> store_flags(std::string_view mailbox, std::uint32_t uid, bool add,
                                          std::string_view flags) = 0;
    /// UID MOVE uid target (RFC 6851).
    virtual imap_result<void> move(std::string_view mailbox, std::uint32_t uid, std::string_view target) = 0;
    /// CREATE; a mailbox that already exists is success.
    virtual imap_result<void> create(std::string_view mailbox) = 0;
};

/// One new message, handed to the handler.
struct fetched_message {
    std::string_view mailbox;  ///< wire name
    std::uint32_t uidvalidity = 0;
    std::uint32_t uid = 0;
    std::vector<std::string> flags;  ///< as before we fetched it
    std::string bytes;
    std::optional<std::string> error;  ///< too large / gone: no bytes
};

struct sync_options {
    std::string account;        ///< imap_url::account()
    std::string purpose;        ///< "learn" or "watch"
    std::string skip_keyword;   ///< messages with this keyword are skipped ("" : none)
    bool from_first = true;     ///< no mark: start at the first message (learn) or at UIDNEXT (watch)
    std::string start_purpose;  ///< no mark of ours: start at this purpose's mark when it is current ("learn")
};

struct sync_report {
    std::uint32_t uidvalidity = 0;
    bool started_over = false;  ///< no mark, or UIDVALIDITY changed
    bool validity_changed = false;
    std::uint32_t from_uid = 0;  ///< the mark we started from
    std::size_t found = 0;       ///< new messages seen
    std::size_t handled = 0;     ///< given to the handler
    std::size_t skipped = 0;     ///< carried skip_keyword
};

using message_handler = std::function<imap_result<void>(fetched_message&)>;
using progress_fn = std::function<void(std::size_t done, std::size_t total)>;

imap_result<sync_report> sync_mailbox(mailbox_access& box, store::imap_state& marks, std::string_view mailbox,
                                      const sync_options& opt, const message_handler& handle,
                                      const progress_fn& progress = {});

/// The mailboxes `learn` reads when none is named: the one the server marks
/// \Sent (else one named Sent, Sent Items, Sent Messages, INBOX.Sent or
/// [Gmail]/Sent Mail), then INBOX. Wire names.
std::vector<std::string> default_mailboxes(const std::vector<list_entry>& listed);

/// Reconnect delays: 1 s, doubled after each failure, at most `cap`.
constexpr std::chrono::seconds next_backoff(std::chrono::seconds current, std::chrono::seconds cap) {
    if (current.count() <= 0) return std::chrono::seconds(1);
    return current * 2 > cap ? cap : current * 2;
}

}  // namespace replyguard::imap
