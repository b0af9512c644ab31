// SPDX-License-Identifier: Apache-2.0
// core/retention.hpp - the [history.retention] table: how long the history keeps each kind
//
// DESCRIPTION
//   [history.retention]  fingerprint_days = 400  message_days = 1825  correspondent_days = 3650
//   Days an entry is kept after it was last seen; 0 keeps that kind for ever.
//   `replyguard history prune` (apps/cli/history_cmd.cpp) reads it and turns it into
//   store::retention_policy, whose defaults these are: core cannot include store,
//   so the numbers are repeated here and history_cmd.cpp checks at compile time
//   that they agree. Read from the one parsed file (core/toml_file.hpp), as the
//   milter reads [milter]: the table stays out of `config`, which every detector
//   includes. config_from_toml() checks the table too, so every command and
//   `check-config` refuse a bad value with its file:line.
// DIAGNOSTICS
//   errc::parse naming file:line:column and the key: an unknown key, or a value
//   that is not a whole number of days from 0 to k_max_retention_days (30.0, "30",
//   true and -1 are refused).
#pragma once

#include "core/result.hpp"
#include "core/toml_file.hpp"

#include <cstdint>
#include <string>

namespace replyguard {

struct history_retention {
    std::int64_t fingerprint_days = 400;
    std::int64_t message_days = 1825;
    std::int64_t correspondent_days = 3650;
};

/// The largest number of days a retention key accepts (a century).
inline constexpr std::int64_t k_max_retention_days = 36500;

/// The [history] table of a file (only `retention`, and `cache_mb` and `learn_cache_mb`, read by
/// config_from_toml, may be in it);
/// defaults for what it does not say.
result<history_retention> read_history_table(const toml::table& history, const std::string& origin);

/// [history.retention] of a parsed file (defaults when it has none).
result<history_retention> retention_from_toml(const toml_document& doc);

}  // namespace replyguard
