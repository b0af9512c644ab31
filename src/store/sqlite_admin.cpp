// SPDX-License-Identifier: Apache-2.0
// store/sqlite_admin.cpp - file size and VACUUM of an SQLite history (store/sqlite_admin.hpp)
#include "store/sqlite_admin.hpp"

#include "store/sqlite_schema.hpp"

#include <fmt/format.h>
#include <sqlite3.h>

#include <filesystem>

namespace replyguard::store {
namespace {

struct connection {
    sqlite3* db = nullptr;
    ~connection() { sqlite3_close_v2(db); }
};

result<std::int64_t> pragma(sqlite3* db, const std::string& path, const char* sql) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db, sql, -1, &s, nullptr) != SQLITE_OK)
        return fail(errc::store, fmt::format("{}: {} ({})", path, sqlite3_errmsg(db), sql));
    const int rc = sqlite3_step(s);
    const std::int64_t v = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    sqlite3_finalize(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return fail(errc::store, fmt::format("{}: {} ({})", path, sqlite3_errmsg(db), sql));
    return v;
}

result<void> open(connection& c, const std::string& path, int flags) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return fail(errc::io, fmt::format("{}: no such history file", path));
    sqlite_setup();
    if (sqlite3_open_v2(path.c_str(), &c.db, flags, nullptr) != SQLITE_OK)
        return fail(errc::store,
                    fmt::format("{}: cannot open history: {}", path, c.db ? sqlite3_errmsg(c.db) : "out of memory"));
    return sqlite_exec(c.db, path, "PRAGMA busy_timeout=5000");
}

}  // namespace

result<sqlite_size> sqlite_history_size(const std::string& path) {
    connection c;
    if (auto r = open(c, path, SQLITE_OPEN_READONLY); !r) return std::unexpected(r.error());
    auto pages = pragma(c.db, path, "PRAGMA page_count");
    if (!pages) return std::unexpected(pages.error());
    auto free_pages = pragma(c.db, path, "PRAGMA freelist_count");
    if (!free_pages) return std::unexpected(free_pages.error());
    auto page = pragma(c.db, path, "PRAGMA page_size");
    if (!page) return std::unexpected(page.error());
    sqlite_size out;
    out.used_bytes = static_cast<std::uint64_t>((*pages - *free_pages) * *page);
    std::error_code ec;
    for (const auto& f : {path, path + "-wal"})
        if (auto n = std::filesystem::file_size(f, ec); !ec) out.file_bytes += n;
    return out;
}

result<void> sqlite_history_compact(const std::string& path, bool vacuum) {
    connection c;
    if (auto r = open(c, path, SQLITE_OPEN_READWRITE); !r) return r;
    if (vacuum)
        if (auto r = sqlite_exec(c.db, path, "VACUUM"); !r) return r;
    return sqlite_exec(c.db, path, "PRAGMA wal_checkpoint(TRUNCATE)");
}

}  // namespace replyguard::store
