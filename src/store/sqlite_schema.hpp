// SPDX-License-Identifier: Apache-2.0
// store/sqlite_schema.hpp - versioned schemas for our SQLite files, one helper for every table set
//
// DESCRIPTION
//   A table set (the history, campaign/sqlite_detections.cpp's detections)
//   keeps its version in its own one-row table and an ordered list of
//   migrations: migrations[i] takes the set from version i to i+1. Never edit
//   a released entry: append. sqlite_migrate() brings a file opened for
//   writing to the newest version, one BEGIN IMMEDIATE transaction per step
//   (a second process migrating the same file meanwhile is noticed, not
//   repeated); a read-only connection only checks that the file is readable:
//   at least `min_readable` (a reader that needs only the first tables keeps
//   reading a file no writer has migrated yet) and not newer than this build.
// DIAGNOSTICS
//   errc::store naming the file: a newer schema ("newer than this build"), an
//   old one read-only ("needs migrating"), SQLite's own message otherwise.
#pragma once

#include "core/result.hpp"

#include <span>
#include <string>
#include <string_view>

struct sqlite3;

namespace replyguard::store {

struct sqlite_schema {
    std::string_view version_table;  ///< e.g. "schema_version"
    std::span<const std::string_view> migrations;
    int min_readable = 0;           ///< oldest version a read-only connection accepts
    std::string_view what;          ///< for messages: "history", "detections"
    std::string_view upgrade_hint;  ///< how a user migrates ("run learn")
};

/// The version stored in `s.version_table` (0 when the table does not exist).
result<int> sqlite_version(sqlite3* db, const std::string& path, const sqlite_schema& s);

/// Migrate (read_write) or check (read only) the file's table set; see DESCRIPTION.
result<void> sqlite_migrate(sqlite3* db, const std::string& path, const sqlite_schema& s, bool read_write);

/// The history's table set (store/sqlite_history.cpp), also migrated by the
/// outbound state (store/sqlite_outbound.cpp), whose tables are migration 2.
const sqlite_schema& sqlite_history_schema();

/// Process-wide SQLite settings, applied once, before the first connection opens
/// (every sqlite3_open_v2 of ours calls it first): SQLite's memory statistics off
/// (SQLITE_CONFIG_MEMSTATUS). With them on (Debian's default) every allocation
/// and free inside SQLite takes a global mutex and updates counters that nothing
/// of ours reads (no soft heap limit, no sqlite3_memory_used): 3.5% of `learn`'s
/// instructions, 1.3% of a scan against a 10k history (callgrind, 2026-12-06).
/// Too late (SQLite already initialised by another user of the library) it
/// changes nothing and is harmless.
void sqlite_setup();

/// Run SQL (several statements) on `db`; errc::store naming `path` and the statement on failure.
result<void> sqlite_exec(sqlite3* db, const std::string& path, std::string_view sql);

}  // namespace replyguard::store
