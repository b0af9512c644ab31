// SPDX-License-Identifier: Apache-2.0
// store/imap_state.cpp - IMAP read marks in the SQLite history file, or in memory
//
// DESCRIPTION
//   See store/imap_state.hpp. The SQLite backend opens its own connection to
//   the history file and creates its one table when missing, so the history
//   schema (store/sqlite_history.cpp) is untouched.
// DIAGNOSTICS
//   Errors name the file and SQLite's message (errc::store).
#include "store/imap_state.hpp"
#include "store/history.hpp"
#include "store/sqlite_schema.hpp"

#include <fmt/format.h>
#include <sqlite3.h>

#include <map>
#include <tuple>

namespace replyguard::store {
namespace {

class memory_imap_state final : public imap_state {
public:
    result<std::optional<imap_mark>> get(std::string_view a, std::string_view m, std::string_view p) override {
        auto it = marks_.find(std::tuple{std::string(a), std::string(m), std::string(p)});
        if (it == marks_.end()) return std::optional<imap_mark>{};
        return std::optional<imap_mark>{it->second};
    }
    result<void> put(std::string_view a, std::string_view m, std::string_view p, const imap_mark& mark) override {
        marks_[std::tuple{std::string(a), std::string(m), std::string(p)}] = mark;
        return {};
    }

private:
    std::map<std::tuple<std::string, std::string, std::string>, imap_mark> marks_;
};

class sqlite_imap_state final : public imap_state {
public:
    sqlite_imap_state(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
    ~sqlite_imap_state() override {
        sqlite3_finalize(get_);
        sqlite3_finalize(put_);
        sqlite3_close_v2(db_);
    }

    result<void> init() {
        const char* sql =
            "PRAGMA busy_timeout=5000; PRAGMA journal_mode=WAL;"
            "CREATE TABLE IF NOT EXISTS imap_state (account TEXT NOT NULL, mailbox TEXT NOT NULL,"
            " purpose TEXT NOT NULL, uidvalidity INTEGER NOT NULL, last_uid INTEGER NOT NULL,"
            " PRIMARY KEY (account, mailbox, purpose)) WITHOUT ROWID";
        char* msg = nullptr;
        if (sqlite3_exec(db_, sql, nullptr, nullptr, &msg) != SQLITE_OK) {
            std::string m = msg ? msg : sqlite3_errmsg(db_);
            sqlite3_free(msg);
            return fail(errc::store, fmt::format("{}: cannot create the IMAP state table: {}", path_, m));
        }
        if (sqlite3_prepare_v2(
                db_, "SELECT uidvalidity, last_uid FROM imap_state WHERE account=? AND mailbox=? AND purpose=?", -1,
                &get_, nullptr) != SQLITE_OK ||
            sqlite3_prepare_v2(db_,
                               "INSERT INTO imap_state VALUES (?,?,?,?,?) ON CONFLICT (account, mailbox, purpose)"
                               " DO UPDATE SET uidvalidity=excluded.uidvalidity, last_uid=excluded.last_uid",
                               -1, &put_, nullptr) != SQLITE_OK)
            return err("prepare");
        return {};
    }

    result<std::optional<imap_mark>> get(std::string_view a, std::string_view m, std::string_view p) override {
        sqlite3_reset(get_);
        bind3(get_, a, m, p);
        int rc = sqlite3_step(get_);
        if (rc == SQLITE_DONE) return std::optional<imap_mark>{};
        if (rc != SQLITE_ROW) return err("read");
        imap_mark mark{static_cast<std::uint32_t>(sqlite3_column_int64(get_, 0)),
                       static_cast<std::uint32_t>(sqlite3_column_int64(get_, 1))};
        sqlite3_reset(get_);
        return std::optional<imap_mark>{mark};
    }

    result<void> put(std::string_view a, std::string_view m, std::string_view p, const imap_mark& mark) override {
        sqlite3_reset(put_);
        bind3(put_, a, m, p);
        sqlite3_bind_int64(put_, 4, mark.uidvalidity);
        sqlite3_bind_int64(put_, 5, mark.last_uid);
        if (sqlite3_step(put_) != SQLITE_DONE) return err("write");
        sqlite3_reset(put_);
        return {};
    }

private:
    static void bind3(sqlite3_stmt* s, std::string_view a, std::string_view m, std::string_view p) {
        sqlite3_bind_text(s, 1, a.data(), static_cast<int>(a.size()), SQLITE_TRANSIENT);
        sqlite3_bind_text(s, 2, m.data(), static_cast<int>(m.size()), SQLITE_TRANSIENT);
        sqlite3_bind_text(s, 3, p.data(), static_cast<int>(p.size()), SQLITE_TRANSIENT);
    }
    std::unexpected<error> err(std::string_view what) {
        return fail(errc::store, fmt::format("{}: IMAP state {}: {}", path_, what, sqlite3_errmsg(db_)));
    }

    sqlite3* db_;
    std::string path_;
    sqlite3_stmt* get_ = nullptr;
    sqlite3_stmt* put_ = nullptr;
};

}  // namespace

std::unique_ptr<imap_state> make_memory_imap_state() { return std::make_unique<memory_imap_state>(); }

result<std::unique_ptr<imap_state>> open_imap_state(const std::string& path) {
    if (is_redis_url(path))
        return fail(
            errc::unsupported,
            fmt::format("{}: IMAP read marks are kept in SQLite only (give an SQLite file with --marks)", path));
    sqlite3* db = nullptr;
    sqlite_setup();
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr) !=
        SQLITE_OK) {
        std::string m = db ? sqlite3_errmsg(db) : "out of memory";
        sqlite3_close_v2(db);
        return fail(errc::store, fmt::format("{}: {}", path, m));
    }
    auto s = std::make_unique<sqlite_imap_state>(db, path);
    if (auto r = s->init(); !r) return std::unexpected(r.error());
    return std::unique_ptr<imap_state>(std::move(s));
}

}  // namespace replyguard::store
