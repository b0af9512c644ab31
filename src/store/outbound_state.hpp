// SPDX-License-Identifier: Apache-2.0
// store/outbound_state.hpp - per-account submission state, shared between milter processes
//
// DESCRIPTION
//   What milter::outbound_tracker (milter/outbound.hpp) remembers of each
//   authenticated account: the client addresses it submitted from, and the
//   times of its suspicious submissions (reply-like, with a payload, to
//   recipients it never wrote to) within the counting window. Behind this
//   interface several milter processes, on one host or on several MTA hosts,
//   count one account's behaviour together when they share a store.
//
//   record() is one atomic step per submission: age out, compare, add, count.
//   Backends:
//     memory  (make_memory_outbound_state) one process only; at most
//             k_outbound_accounts accounts (beyond that everyone is forgotten).
//     SQLite  (open_sqlite_outbound_state) tables outbound_ips and
//             outbound_sends of the history file (schema migration 2); one
//             BEGIN IMMEDIATE transaction per record(), so processes on one
//             host sharing the file count together.
//     Redis   (open_redis_outbound_state) per account, two keys with one hash
//             tag, so the single Lua script that updates them is valid on a
//             Redis Cluster:
//               rg:{acct:<account>}:ips    sorted set: client address -> last seen (s);
//                                          TTL ip_ttl, refreshed by every submission
//               rg:{acct:<account>}:sends  sorted set: one member per suspicious
//                                          submission, scored by its time; trimmed
//                                          to the window; TTL window
//             (<account> is replaced by "h:<sha256 prefix>" when it holds
//             braces or is longer than 200 bytes, as in store/history.hpp).
// LIMITS
//   A client address unused for ip_ttl seconds is forgotten (every backend),
//   so an account back from a long absence is "new" from anywhere; at most
//   k_outbound_ips addresses and k_outbound_times suspicious times are kept
//   per account. `now` comes from the caller (the MTA hosts' clocks should
//   agree); Redis TTLs run on the server's clock.
#pragma once

#include "core/result.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace replyguard::store {

inline constexpr std::size_t k_outbound_accounts = 100000;  ///< memory backend only
inline constexpr std::size_t k_outbound_ips = 64;
inline constexpr std::size_t k_outbound_times = 1000;
inline constexpr std::int64_t k_outbound_ip_ttl = 90 * 86400;

/// One submission by an authenticated account.
struct outbound_submission {
    std::string_view account;                 ///< {auth_authen}; must not be empty
    std::string_view client_ip;               ///< "" when unknown (then addresses are not touched)
    bool suspicious = false;                  ///< counts against the account within the window
    std::int64_t now = 0;                     ///< seconds since the epoch
    std::int64_t window = 3600;               ///< seconds, > 0
    std::int64_t ip_ttl = k_outbound_ip_ttl;  ///< seconds, > 0
};

/// What the store knew, with this submission taken into account.
struct outbound_seen {
    /// The account had known client addresses, and this one was not among them.
    bool new_ip = false;
    /// Suspicious submissions with time in (now - window, now], this one included.
    std::size_t in_window = 0;
};

class outbound_state {
public:
    virtual ~outbound_state() = default;
    /// Age out, compare and record one submission, atomically for that account.
    virtual result<outbound_seen> record(const outbound_submission& s) = 0;
};

std::unique_ptr<outbound_state> make_memory_outbound_state();

/// The outbound tables of the SQLite history at `path` (created and migrated as by
/// open_sqlite_history in read_write mode).
result<std::unique_ptr<outbound_state>> open_sqlite_outbound_state(const std::string& path);

/// Redis at `url` (the URL syntax of open_redis_history; its ttl does not apply here).
/// Fails when the server cannot be reached now; later outages are errors of record().
result<std::unique_ptr<outbound_state>> open_redis_outbound_state(const std::string& url);

/// redis:// URL -> Redis, anything else -> the SQLite file.
result<std::unique_ptr<outbound_state>> open_outbound_state(const std::string& path);

}  // namespace replyguard::store
