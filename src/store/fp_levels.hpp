// SPDX-License-Identifier: Apache-2.0
// store/fp_levels.hpp - the SQLite history's fingerprint postings in two levels
//
// DESCRIPTION
//   Postings are (hash, message id) pairs at random hashes: a learn commit of
//   480,000 of them (10,000 messages) lands on nearly every leaf of the table it
//   is inserted into, so when that table is the whole history each commit
//   rewrites all of it (at 496,000 learnt messages, 393,000 page writes a commit
//   with the WAL's copy: learn slowed from ~4,100 to ~1,000-2,700 msg/s per CPU s
//   as the history grew; bench/README.md, Round 17).
//   Since migration 8 a commit inserts into fp_recent, a small table; when it
//   holds at least k_recent_min postings and an eighth of fp_postings, it is
//   merged into fp_postings in key order (one pass over that table's leaves) and
//   emptied. fp_levels(recent, main) counts the rows of each, so the decision is
//   one read. A lookup reads both tables (UNION ALL: a hash's postings are in
//   either or both); the filter (fp_filter) covers both.
// LIMITS
//   fp_recent stays under max(k_recent_min, main / k_recent_ratio) rows plus one
//   batch: 1M-6M postings (20-100 MB) at 1M learnt messages.
// DIAGNOSTICS
//   errc::store naming the file and SQLite's message.
#pragma once

#include "core/result.hpp"

#include <cstdint>
#include <string>

struct sqlite3;

namespace replyguard::store {

/// fp_recent is merged once it holds this many postings (~21,000 messages')...
inline constexpr std::int64_t k_recent_min = std::int64_t{1} << 20;
/// ... and at least 1/k_recent_ratio of fp_postings' rows.
inline constexpr std::int64_t k_recent_ratio = 8;

/// Whether a merge is due for these counts.
constexpr bool recent_merge_due(std::int64_t recent, std::int64_t main) {
    return recent >= k_recent_min && recent * k_recent_ratio >= main;
}

/// Move every posting of fp_recent into fp_postings (in key order) and empty it;
/// fp_levels follows. Inside the caller's write transaction. Returns the postings moved.
result<std::int64_t> merge_recent_postings(sqlite3* db, const std::string& path);

/// Add to fp_levels' counts (postings inserted into fp_recent, or removed from fp_postings).
result<void> count_postings(sqlite3* db, const std::string& path, std::int64_t recent, std::int64_t main);

/// Whether the file has the two levels (schema 8 or later; a read-only open of an
/// older file has only fp_postings).
result<bool> has_recent_postings(sqlite3* db, const std::string& path);

}  // namespace replyguard::store
