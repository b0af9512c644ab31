// SPDX-License-Identifier: Apache-2.0
// store/sqlite_outbound.cpp - the milter's per-account outbound state in the history's SQLite file
//
// DESCRIPTION
//   store::outbound_state (outbound_state.hpp) over the tables outbound_ips
//   and outbound_sends, which are migration 2 of the history's schema
//   (store/sqlite_history.cpp; the file is migrated by the same helper,
//   store/sqlite_schema.hpp, whichever opens it first). One connection of its
//   own; one BEGIN IMMEDIATE transaction per record(), so milter processes on
//   one host sharing the file count an account together. Aging is global
//   (every account's stale rows go), so accounts never seen again do not
//   accumulate.
// DIAGNOSTICS
//   Every SQLite error becomes errc::store with the file name and SQLite's message.
#include "store/outbound_state.hpp"
#include "store/sqlite_schema.hpp"

#include <fmt/format.h>
#include <sqlite3.h>

#include <initializer_list>
#include <map>
#include <mutex>

namespace replyguard::store {
namespace {

class sqlite_outbound final : public outbound_state {
public:
    sqlite_outbound(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
    ~sqlite_outbound() override {
        for (auto& [sql, s] : cache_) sqlite3_finalize(s);
        sqlite3_close_v2(db_);
    }

    result<void> init() {
        if (auto r = sqlite_exec(db_, path_, "PRAGMA busy_timeout=5000"); !r) return r;
        if (auto r = sqlite_exec(db_, path_, "PRAGMA journal_mode=WAL"); !r) return r;
        if (auto r = sqlite_exec(db_, path_, "PRAGMA synchronous=NORMAL"); !r) return r;
        return sqlite_migrate(db_, path_, sqlite_history_schema(), true);
    }

    result<outbound_seen> record(const outbound_submission& sub) override {
        std::lock_guard lock(mu_);
        if (sub.account.empty()) return fail(errc::internal, "outbound state: empty account");
        if (auto r = sqlite_exec(db_, path_, "BEGIN IMMEDIATE"); !r) return std::unexpected(r.error());
        auto r = record_inner(sub);
        if (!r) {
            (void)sqlite_exec(db_, path_, "ROLLBACK");
            return r;
        }
        if (auto c = sqlite_exec(db_, path_, "COMMIT"); !c) {
            (void)sqlite_exec(db_, path_, "ROLLBACK");
            return std::unexpected(c.error());
        }
        return r;
    }

private:
    result<outbound_seen> record_inner(const outbound_submission& sub) {
        outbound_seen seen;
        if (!sub.client_ip.empty()) {
            if (auto x = run("DELETE FROM outbound_ips WHERE last_seen <= ?1", {}, {sub.now - sub.ip_ttl}); !x)
                return std::unexpected(x.error());
            auto n = count("SELECT count(*) FROM outbound_ips WHERE account=?1", {sub.account});
            if (!n) return std::unexpected(n.error());
            auto known =
                count("SELECT count(*) FROM outbound_ips WHERE account=?1 AND ip=?2", {sub.account, sub.client_ip});
            if (!known) return std::unexpected(known.error());
            seen.new_ip = *n > 0 && *known == 0;
            if (*known > 0 || *n < static_cast<std::int64_t>(k_outbound_ips))
                if (auto x = run("INSERT INTO outbound_ips VALUES (?1,?2,?3) "
                                 "ON CONFLICT(account, ip) DO UPDATE SET last_seen=excluded.last_seen",
                                 {sub.account, sub.client_ip}, {sub.now});
                    !x)
                    return std::unexpected(x.error());
        }
        if (auto x = run("DELETE FROM outbound_sends WHERE at <= ?1", {}, {sub.now - sub.window}); !x)
            return std::unexpected(x.error());
        if (sub.suspicious) {
            if (auto x = run("INSERT INTO outbound_sends VALUES (?1,?2)", {sub.account}, {sub.now}); !x)
                return std::unexpected(x.error());
            if (auto x = run("DELETE FROM outbound_sends WHERE rowid IN (SELECT rowid FROM outbound_sends "
                             "WHERE account=?1 ORDER BY at DESC LIMIT -1 OFFSET ?2)",
                             {sub.account}, {static_cast<std::int64_t>(k_outbound_times)});
                !x)
                return std::unexpected(x.error());
        }
        auto c = count("SELECT count(*) FROM outbound_sends WHERE account=?1 AND at > ?2", {sub.account},
                       {sub.now - sub.window});
        if (!c) return std::unexpected(c.error());
        seen.in_window = static_cast<std::size_t>(*c);
        return seen;
    }

    /// A cached statement with the text arguments bound first, then the integers.
    result<sqlite3_stmt*> bound(const char* sql, std::initializer_list<std::string_view> text_args,
                                std::initializer_list<std::int64_t> int_args) {
        sqlite3_stmt* s = nullptr;
        if (auto it = cache_.find(sql); it != cache_.end()) {
            s = it->second;
        } else {
            if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr) != SQLITE_OK) return err(sql);
            cache_.emplace(sql, s);
        }
        sqlite3_reset(s);
        sqlite3_clear_bindings(s);
        int i = 1;
        for (auto t : text_args) sqlite3_bind_text(s, i++, t.data(), static_cast<int>(t.size()), SQLITE_TRANSIENT);
        for (auto v : int_args) sqlite3_bind_int64(s, i++, v);
        return s;
    }
    result<void> run(const char* sql, std::initializer_list<std::string_view> text_args,
                     std::initializer_list<std::int64_t> int_args = {}) {
        auto s = bound(sql, text_args, int_args);
        if (!s) return std::unexpected(s.error());
        const int rc = sqlite3_step(*s);
        sqlite3_reset(*s);
        if (rc != SQLITE_DONE) return err(sql);
        return {};
    }
    result<std::int64_t> count(const char* sql, std::initializer_list<std::string_view> text_args,
                               std::initializer_list<std::int64_t> int_args = {}) {
        auto s = bound(sql, text_args, int_args);
        if (!s) return std::unexpected(s.error());
        if (sqlite3_step(*s) != SQLITE_ROW) {
            sqlite3_reset(*s);
            return err(sql);
        }
        const std::int64_t n = sqlite3_column_int64(*s, 0);
        sqlite3_reset(*s);
        return n;
    }
    std::unexpected<error> err(std::string_view what) const {
        return fail(errc::store, fmt::format("{}: {} ({})", path_, sqlite3_errmsg(db_), what.substr(0, 80)));
    }

    sqlite3* db_;
    std::string path_;
    std::map<std::string, sqlite3_stmt*, std::less<>> cache_;
    std::mutex mu_;
};

}  // namespace

result<std::unique_ptr<outbound_state>> open_sqlite_outbound_state(const std::string& path) {
    sqlite3* db = nullptr;
    sqlite_setup();
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr) !=
        SQLITE_OK) {
        std::string m = db ? sqlite3_errmsg(db) : "out of memory";
        sqlite3_close_v2(db);
        return fail(errc::store, fmt::format("{}: cannot open outbound state: {}", path, m));
    }
    auto h = std::make_unique<sqlite_outbound>(db, path);
    if (auto r = h->init(); !r) return std::unexpected(r.error());
    return std::unique_ptr<outbound_state>(std::move(h));
}

}  // namespace replyguard::store
