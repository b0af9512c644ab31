// SPDX-License-Identifier: Apache-2.0
// milter/outbound.hpp - notice an authenticated account of ours being abused
//
// DESCRIPTION
//   After an infection the organisation's own SMTP credentials send the
//   hijacked replies (DESIGN.md). outbound_tracker watches mail submitted by
//   authenticated accounts ({auth_authen}): a reply- or forward-prefixed
//   message with a payload (attachment or URL) to recipients the account never
//   wrote to counts against the account; too many within the window, or such
//   a message from a client address never seen for the account, yields an
//   OUTBOUND_ACCOUNT_ABUSE finding ("our account is being abused").
//   The state (client addresses, times of suspicious sends) lives behind
//   store::outbound_state (store/outbound_state.hpp): in memory for one
//   process, or in the SQLite or Redis history store, where every milter
//   process sharing the store counts one account's behaviour together.
// LIMITS
//   See store/outbound_state.hpp (addresses unused for 90 days are
//   forgotten; bounded per account). observe() hides a store failure (no
//   finding); the milter calls check(), which reports it.
#pragma once

#include "core/finding.hpp"
#include "milter/policy.hpp"
#include "store/outbound_state.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace replyguard::milter {

inline constexpr std::size_t k_outbound_accounts = store::k_outbound_accounts;
inline constexpr std::size_t k_outbound_ips = store::k_outbound_ips;

struct outbound_event {
    std::string account;  ///< {auth_authen}
    std::string client_ip;
    bool reply_like = false;             ///< Re:/Fw:/返信: subject prefix
    bool payload = false;                ///< attachments or URLs
    std::size_t unknown_recipients = 0;  ///< recipients the account never wrote to (from the history)
    std::int64_t now = 0;                ///< seconds
};

class outbound_tracker {
public:
    /// State in this process's memory.
    explicit outbound_tracker(outbound_config cfg);
    /// State in `state` (shared with other processes when it is SQLite or Redis).
    outbound_tracker(outbound_config cfg, std::unique_ptr<store::outbound_state> state);

    /// Record one submitted message; a finding when it looks like abuse, an
    /// error when the state store failed (nothing is known then).
    result<std::optional<finding>> check(const outbound_event& e);
    /// check() with a store failure taken as "no finding".
    std::optional<finding> observe(const outbound_event& e);

private:
    outbound_config cfg_;
    std::unique_ptr<store::outbound_state> state_;
};

}  // namespace replyguard::milter
