// SPDX-License-Identifier: Apache-2.0
// store/fp_levels.cpp - the fingerprint postings' two levels (store/fp_levels.hpp)
#include "store/fp_levels.hpp"

#include <fmt/format.h>
#include <sqlite3.h>

namespace replyguard::store {
namespace {

std::unexpected<error> sql_error(sqlite3* db, const std::string& path, const char* what) {
    return fail(errc::store, fmt::format("{}: {} ({})", path, sqlite3_errmsg(db), what));
}

result<void> exec(sqlite3* db, const std::string& path, const char* sql) {
    if (sqlite3_exec(db, sql, nullptr, nullptr, nullptr) != SQLITE_OK) return sql_error(db, path, sql);
    return {};
}

}  // namespace

result<std::int64_t> merge_recent_postings(sqlite3* db, const std::string& path) {
    // fp_recent is read in its key order, so the inserts walk fp_postings' leaves
    // from first to last, each written once. OR IGNORE: a pair in both (not made by
    // learn, which gives each message a new id) is kept once.
    if (auto r = exec(db, path, "INSERT OR IGNORE INTO fp_postings SELECT hash, msg FROM fp_recent ORDER BY hash, msg");
        !r)
        return std::unexpected(r.error());
    const std::int64_t moved = sqlite3_changes64(db);
    // Without a WHERE: SQLite's truncate (its pages go to the free list, which the
    // next batches' inserts into fp_recent reuse).
    if (auto r = exec(db, path, "DELETE FROM fp_recent"); !r) return std::unexpected(r.error());
    sqlite3_stmt* s = nullptr;
    const char* sql = "UPDATE fp_levels SET recent=0, main=main+?1";
    if (sqlite3_prepare_v2(db, sql, -1, &s, nullptr) != SQLITE_OK) return sql_error(db, path, sql);
    sqlite3_bind_int64(s, 1, moved);
    const int rc = sqlite3_step(s);
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) return sql_error(db, path, sql);
    return moved;
}

result<void> count_postings(sqlite3* db, const std::string& path, std::int64_t recent, std::int64_t main) {
    if (recent == 0 && main == 0) return {};
    sqlite3_stmt* s = nullptr;
    const char* sql = "UPDATE fp_levels SET recent=max(0, recent+?1), main=max(0, main+?2)";
    if (sqlite3_prepare_v2(db, sql, -1, &s, nullptr) != SQLITE_OK) return sql_error(db, path, sql);
    sqlite3_bind_int64(s, 1, recent);
    sqlite3_bind_int64(s, 2, main);
    const int rc = sqlite3_step(s);
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) return sql_error(db, path, sql);
    return {};
}

result<bool> has_recent_postings(sqlite3* db, const std::string& path) {
    sqlite3_stmt* s = nullptr;
    const char* sql = "SELECT 1 FROM sqlite_master WHERE type='table' AND name='fp_recent'";
    if (sqlite3_prepare_v2(db, sql, -1, &s, nullptr) != SQLITE_OK) return sql_error(db, path, sql);
    const int rc = sqlite3_step(s);
    sqlite3_finalize(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return sql_error(db, path, sql);
    return rc == SQLITE_ROW;
}

}  // namespace replyguard::store
