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
// LIMITS
//   State is per milter process and in memory (lost on restart; not shared
//   between MTA hosts). At most k_outbound_accounts accounts and
//   k_outbound_ips addresses per account are remembered.
#pragma once

#include "detect/detector.hpp"
#include "milter/policy.hpp"

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>

namespace replyguard::milter {

inline constexpr std::size_t k_outbound_accounts = 100000;
inline constexpr std::size_t k_outbound_ips = 64;

struct outbound_event {
    std::string account;         ///< {auth_authen}
    std::string client_ip;
    bool reply_like = false;     ///< Re:/Fw:/返信: subject prefix
    bool payload = false;        ///< attachments or URLs
    std::size_t unknown_recipients = 0;  ///< recipients the account never wrote to (from the history)
    std::int64_t now = 0;        ///< seconds
};

class outbound_tracker {
public:
    explicit outbound_tracker(outbound_config cfg) : cfg_(cfg) {}

    /// Record one submitted message; a finding when it looks like abuse.
    std::optional<detect::finding> observe(const outbound_event& e);

private:
    struct account_state {
        std::set<std::string> ips;
        std::deque<std::int64_t> suspicious_times;
    };
    outbound_config cfg_;
    std::mutex mu_;
    std::map<std::string, account_state, std::less<>> accounts_;
};

}  // namespace replyguard::milter
