// SPDX-License-Identifier: Apache-2.0
// store/sqlite_admin.hpp - the size of an SQLite history file, and giving free pages back
//
// DESCRIPTION
//   For `replyguard history prune|stats` (apps/cli/history_cmd.cpp). Rows a prune
//   deletes leave free pages in the file: learn reuses them, so the file stops
//   growing, but it only shrinks with a VACUUM, which rewrites the whole file
//   (as much free disk again while it runs) and holds the write lock throughout:
//   a milter learning into the file waits for it. So it is asked for, never implied.
// DIAGNOSTICS
//   errc::store naming the file and SQLite's message; errc::io when the file is missing.
#pragma once

#include "core/result.hpp"

#include <cstdint>
#include <string>

namespace replyguard::store {

struct sqlite_size {
    std::uint64_t file_bytes = 0;  ///< the database file and its WAL file
    std::uint64_t used_bytes = 0;  ///< pages in use (page_count - freelist_count) * page_size
};

/// The size of the SQLite history at `path`, read on a connection of its own.
result<sqlite_size> sqlite_history_size(const std::string& path);

/// Checkpoint the WAL into the file (and truncate it); with `vacuum`, rewrite the
/// file without its free pages first.
result<void> sqlite_history_compact(const std::string& path, bool vacuum);

}  // namespace replyguard::store
