// SPDX-License-Identifier: Apache-2.0
// store/redis_sentinel.hpp - finding the Redis master through Redis Sentinel
//
// DESCRIPTION
//   redis+sentinel://[:PASSWORD@]HOST:PORT[,HOST:PORT...]/MASTERNAME[/DB][?ttl=..&timeout=..]
//   names a set of sentinels and the master they watch instead of one server.
//   parse_sentinel_url() reads the part before '?' (the query options are
//   redis://'s, parsed by redis_history.cpp). connect_sentinel_master() asks
//   each sentinel in turn `SENTINEL get-master-addr-by-name MASTERNAME`
//   (connect and read bounded by a short probe timeout), connects to the
//   address the first one that knows the master gives, AUTHs when a password
//   is given, and checks with `ROLE` that the server is a master now: a
//   demoted master (answering `slave`) or one still loading is refused, and
//   the caller tries again after its back-off, which is when a failover has
//   had time to finish. is_failover_reply() names the error replies after
//   which the connection must be dropped and the master found again
//   (READONLY: a replica; LOADING; MASTERDOWN). redis_peer_closed() notices
//   a connection the server closed while it was idle (the old master died),
//   so that the first command after a quiet failover is not lost on it.
// LIMITS
//   The password is the master's (AUTH); the sentinels are asked without
//   one. IPv6 sentinel addresses are not accepted (HOST:PORT split at the
//   last ':'). Sentinels are asked in the order written, not the order that
//   answered last.
#pragma once

#include "core/result.hpp"

#include <hiredis/hiredis.h>

#include <string>
#include <string_view>
#include <vector>

namespace replyguard::store {

inline constexpr std::string_view k_sentinel_scheme = "redis+sentinel://";

struct redis_endpoint {
    std::string host;
    int port = 0;
};

struct sentinel_target {
    std::vector<redis_endpoint> sentinels;  ///< as written, at least one
    std::string master_name;
    std::string password;  ///< the master's; empty: no AUTH
    int db = 0;
};

/// `url` without its query: redis+sentinel://[:PASSWORD@]HOST:PORT[,...]/MASTERNAME[/DB].
result<sentinel_target> parse_sentinel_url(std::string_view url);

/// A connection to the current master (owned by the caller: redisFree), with
/// `timeout` as its read/write timeout, AUTHed, not yet SELECTed (t.db is the caller's). `found` receives the master's address.
/// The sentinels are asked with min(timeout, 500 ms) as connect and read timeout.
result<redisContext*> connect_sentinel_master(const sentinel_target& t, timeval timeout, redis_endpoint& found);

/// True when the server closed the idle connection `c` (it died, or a failover
/// closed its clients): nothing was sent on it yet, so the caller reconnects
/// before the next command instead of failing that command. One poll(2), no wait.
bool redis_peer_closed(const redisContext* c);

/// An error reply (its text) that means "not the master any more": drop the
/// connection and discover the master again.
bool is_failover_reply(std::string_view error_text);

}  // namespace replyguard::store
