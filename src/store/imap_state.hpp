// SPDX-License-Identifier: Apache-2.0
// store/imap_state.hpp - how far each IMAP mailbox has been read (UIDVALIDITY, last UID)
//
// DESCRIPTION
//   `learn imap://...` and `watch imaps://...` (src/imap/sync.hpp) remember, per
//   account, mailbox and purpose ("learn" or "watch"), the mailbox's
//   UIDVALIDITY and the highest UID already handled, so a re-run fetches only
//   newer mail. The two purposes are kept apart on purpose: `learn` must not
//   move the mark past mail `watch` has not scanned yet (it would be learnt,
//   never scanned).
//   Backends (store/imap_state.cpp):
//     SQLite  table imap_state in the history file, created here with
//             CREATE TABLE IF NOT EXISTS (readers of the history never need it,
//             so no schema migration and no new minimum readable version);
//             its own connection, WAL, one autocommit statement per put().
//     memory  tests.
//   A redis:// history keeps no IMAP state yet (open_imap_state says so; the
//   CLI's --marks FILE puts the marks in a local SQLite file instead): the
//   Redis key would be rg:{imap:<sha256 of account, mailbox, purpose>}, a hash
//   of uidvalidity and last_uid, once redis_history.cpp exposes its connection.
// LIMITS
//   put() is the commit point of one handled message: a crash after the
//   message's action and before put() handles that message again (its actions
//   are idempotent: learning, setting a keyword; a moved message is gone).
#pragma once

#include "core/result.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace replyguard::store {

struct imap_mark {
    std::uint32_t uidvalidity = 0;
    std::uint32_t last_uid = 0;  ///< every UID <= last_uid has been handled
};

class imap_state {
public:
    virtual ~imap_state() = default;
    virtual result<std::optional<imap_mark>> get(std::string_view account, std::string_view mailbox,
                                                 std::string_view purpose) = 0;
    virtual result<void> put(std::string_view account, std::string_view mailbox, std::string_view purpose,
                             const imap_mark& m) = 0;
};

/// The IMAP state of the SQLite history at `path` (created when missing).
result<std::unique_ptr<imap_state>> open_imap_state(const std::string& path);

std::unique_ptr<imap_state> make_memory_imap_state();

}  // namespace replyguard::store
