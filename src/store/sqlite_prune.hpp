// SPDX-License-Identifier: Apache-2.0
// store/sqlite_prune.hpp - history retention for the SQLite history (internal to store/)
//
// DESCRIPTION
//   sqlite_prune() carries out store::history::prune() on an SQLite history
//   connection (sqlite_history.cpp calls it under its mutex, outside any batch).
//   What goes, against cut = now - days * 86400 of each kind (0 days: kept for ever):
//     fingerprints    postings of messages dated before the fingerprint cut
//                     (messages.fp_n is set to 0), and the postings of every
//                     message removed below;
//     messages        rows of threads whose last activity (threads.last_seen) is
//                     before the message cut: a thread still answered is kept
//                     whole; the thread, its participants and its subject index
//                     go with it; so do the profile_seen rows of those messages
//                     (a pruned message learnt again is new to the history);
//     correspondents  addresses last seen before the correspondent cut, with
//                     their names, wrote_to and name-index rows;
//     profiles        "addr:A" when correspondent A goes (or is gone), "org:R"
//                     when no correspondent of R (or a subdomain) was seen since
//                     the cut; with their values and profile_seen rows.
//   A date of 0 is unknown: never judged old (a thread or correspondent whose
//   every message is undated is kept).
//
//   First one read decides everything (temporary tables: what goes, by id or
//   key); a dry run counts from them and stops. Then the removal runs in small
//   write transactions (BEGIN IMMEDIATE, k_prune_rows entries or
//   k_prune_postings postings each), so a milter learning into the same file
//   waits at most one of them; history_counts is kept in each. A crash leaves
//   a consistent store, and the next prune finishes the work. Each write
//   checks its entry again, so mail learnt meanwhile (a dead thread answered
//   during the prune) is kept; the counts then differ from the dry run's.
// LIMITS
//   The fingerprint postings are found by a pass over the whole postings
//   table (its key is (hash, msg): an index by message would double the
//   bytes it saves); the pass is skipped when no message loses its postings.
//   Messages are found by their date (index messages_date of schema 6),
//   threads, correspondents, names and profiles by a pass over each table.
#pragma once

#include "core/result.hpp"
#include "store/history.hpp"

#include <string>

struct sqlite3;

namespace replyguard::store {

/// Rows (messages, threads, correspondents, profiles, name-index rows) per write transaction.
inline constexpr int k_prune_rows = 2000;
/// Fingerprint postings examined per write transaction.
inline constexpr int k_prune_postings = 50000;

/// The index migration 6 adds: messages by date (and fp_n, so the candidates of the
/// fingerprint cut are read from the index alone).
inline constexpr std::string_view k_prune_migration = R"sql(
CREATE INDEX messages_date ON messages(date, fp_n);
)sql";

/// store::history::prune() on `db` (see DESCRIPTION). A dry run writes nothing to the
/// file (only temporary tables), so it works on a read-only connection too.
result<prune_report> sqlite_prune(sqlite3* db, const std::string& path, const retention_policy& p, std::int64_t now,
                                  bool dry_run);

}  // namespace replyguard::store
