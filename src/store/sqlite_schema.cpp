// SPDX-License-Identifier: Apache-2.0
// store/sqlite_schema.cpp - the migration helper of store/sqlite_schema.hpp.
#include "store/sqlite_schema.hpp"

#include <fmt/format.h>
#include <sqlite3.h>

#include <mutex>

namespace replyguard::store {

void sqlite_setup() {
    static std::once_flag once;
    std::call_once(once, [] { (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
}

result<void> sqlite_exec(sqlite3* db, const std::string& path, std::string_view sql) {
    char* msg = nullptr;
    std::string text(sql);
    if (sqlite3_exec(db, text.c_str(), nullptr, nullptr, &msg) != SQLITE_OK) {
        std::string m = msg ? msg : sqlite3_errmsg(db);
        sqlite3_free(msg);
        return fail(errc::store, fmt::format("{}: {} ({})", path, m, text.substr(0, 60)));
    }
    return {};
}

result<int> sqlite_version(sqlite3* db, const std::string& path, const sqlite_schema& s) {
    auto one = [&](const std::string& sql, bool bind_name) -> result<std::int64_t> {
        sqlite3_stmt* st = nullptr;
        if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK)
            return fail(errc::store, fmt::format("{}: {} (schema version)", path, sqlite3_errmsg(db)));
        if (bind_name)
            sqlite3_bind_text(st, 1, s.version_table.data(), static_cast<int>(s.version_table.size()), SQLITE_STATIC);
        const int rc = sqlite3_step(st);
        const std::int64_t v = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
        sqlite3_finalize(st);
        if (rc != SQLITE_ROW)
            return fail(errc::store, fmt::format("{}: {} (schema version)", path, sqlite3_errmsg(db)));
        return v;
    };
    auto has = one("SELECT count(*) FROM sqlite_master WHERE type='table' AND name=?1", true);
    if (!has) return std::unexpected(has.error());
    if (*has == 0) return 0;
    auto v = one(fmt::format("SELECT coalesce(max(version), 0) FROM {}", s.version_table), false);
    if (!v) return std::unexpected(v.error());
    return static_cast<int>(*v);
}

result<void> sqlite_migrate(sqlite3* db, const std::string& path, const sqlite_schema& s, bool read_write) {
    const int newest = static_cast<int>(s.migrations.size());
    if (read_write)
        if (auto r = sqlite_exec(
                db, path, fmt::format("CREATE TABLE IF NOT EXISTS {} (version INTEGER NOT NULL)", s.version_table));
            !r)
            return r;
    auto v = sqlite_version(db, path, s);
    if (!v) return std::unexpected(v.error());
    if (*v > newest)
        return fail(errc::store,
                    fmt::format("{}: {} schema version {} is newer than this build ({})", path, s.what, *v, newest));
    if (*v == newest) return {};
    if (!read_write) {
        if (*v >= s.min_readable) return {};
        return fail(errc::store,
                    fmt::format("{}: {} schema version {} needs migrating ({})", path, s.what, *v, s.upgrade_hint));
    }
    for (int i = *v; i < newest; ++i) {
        if (auto r = sqlite_exec(db, path, "BEGIN IMMEDIATE"); !r) return r;
        // Another process (a second milter on this file) may have migrated meanwhile.
        if (auto now = sqlite_version(db, path, s); !now || *now > i) {
            (void)sqlite_exec(db, path, now ? "COMMIT" : "ROLLBACK");
            if (!now) return std::unexpected(now.error());
            continue;
        }
        auto r = sqlite_exec(db, path, s.migrations[static_cast<std::size_t>(i)]);
        if (r)
            r = sqlite_exec(db, path,
                            fmt::format("DELETE FROM {0}; INSERT INTO {0} VALUES ({1})", s.version_table, i + 1));
        if (!r) {
            (void)sqlite_exec(db, path, "ROLLBACK");
            return r;
        }
        if (auto c = sqlite_exec(db, path, "COMMIT"); !c) return c;
    }
    return {};
}

}  // namespace replyguard::store
