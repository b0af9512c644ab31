// SPDX-License-Identifier: Apache-2.0
// tests/support/old_history.hpp - a history file of an older schema, for migration tests
//
// DESCRIPTION
//   make_old_history(path, v) creates `path` as the build that wrote schema `v`
//   did: the schema_version table and migrations 1..v of store/sqlite_history.cpp
//   (released migrations are never edited, so their SQL is that build's SQL).
//   Rows are then written by the test with that schema's own statements.
#pragma once

#include "store/sqlite_schema.hpp"

#include <sqlite3.h>

#include <string>

namespace replyguard::test {

/// Create `path` (which must not exist) at history schema `version`. Returns "" or SQLite's error.
inline std::string make_old_history(const std::string& path, int version) {
    sqlite3* db = nullptr;
    if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) return "cannot open " + path;
    std::string sql = "CREATE TABLE schema_version (version INTEGER NOT NULL);";
    const auto& s = store::sqlite_history_schema();
    for (int i = 0; i < version; ++i) sql += std::string(s.migrations[static_cast<std::size_t>(i)]);
    sql += "INSERT INTO schema_version VALUES (" + std::to_string(version) + ");";
    char* msg = nullptr;
    std::string out;
    if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &msg) != SQLITE_OK) out = msg ? msg : "sqlite error";
    sqlite3_free(msg);
    sqlite3_close(db);
    return out;
}

}  // namespace replyguard::test
