// SPDX-License-Identifier: Apache-2.0
// store/fp_levels.cpp - the fingerprint postings' two levels (store/fp_levels.hpp)
#include "store/fp_levels.hpp"

#include "store/sqlite_schema.hpp"

#include <fmt/format.h>
#include <sqlite3.h>

namespace replyguard::store {

result<std::int64_t> merge_recent_postings(sqlite3* db, const std::string& path) {
    // fp_recent is read in its key order, so the inserts walk fp_postings' leaves
    // from first to last, each written once. OR IGNORE: a pair in both (not made by
    // learn, which gives each message a new id) is kept once.
    if (auto r = sqlite_exec(db, path,
                             "INSERT OR IGNORE INTO fp_postings SELECT hash, msg FROM fp_recent ORDER BY hash, msg");
        !r)
        return std::unexpected(r.error());
    const std::int64_t moved = sqlite3_changes64(db);
    // Without a WHERE: SQLite's truncate (its pages go to the free list, which the
    // next batches' inserts into fp_recent reuse).
    if (auto r = sqlite_exec(db, path, "DELETE FROM fp_recent"); !r) return std::unexpected(r.error());
    if (auto r = sqlite_exec(db, path, fmt::format("UPDATE fp_levels SET recent=0, main=main+{}", moved)); !r)
        return std::unexpected(r.error());
    return moved;
}

result<void> count_postings(sqlite3* db, const std::string& path, std::int64_t recent, std::int64_t main) {
    if (recent == 0 && main == 0) return {};
    return sqlite_exec(
        db, path, fmt::format("UPDATE fp_levels SET recent=max(0, recent+{}), main=max(0, main+{})", recent, main));
}

result<bool> has_recent_postings(sqlite3* db, const std::string& path) {
    sqlite3_stmt* s = nullptr;
    const char* sql = "SELECT 1 FROM sqlite_master WHERE type='table' AND name='fp_recent'";
    auto error = [&] { return fail(errc::store, fmt::format("{}: {} ({})", path, sqlite3_errmsg(db), sql)); };
    if (sqlite3_prepare_v2(db, sql, -1, &s, nullptr) != SQLITE_OK) return error();
    const int rc = sqlite3_step(s);
    sqlite3_finalize(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return error();
    return rc == SQLITE_ROW;
}

}  // namespace replyguard::store
