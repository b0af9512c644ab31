// SPDX-License-Identifier: Apache-2.0
// campaign/sqlite_detections.cpp - detections in SQLite, next to the history in the same file
//
// DESCRIPTION
//   One table, `detections`: the columns a query filters on (key, scan time,
//   message time, verdict) plus the whole detection as JSON (`data`). The
//   facts change shape with the detectors' evidence, so a document column
//   keeps the schema stable; the table carries its own version in
//   `detections_schema` and never touches the history's tables. Its
//   migrations run through the history's helper (store/sqlite_schema.hpp):
//   append to k_migrations, never edit a released entry.
// DIAGNOSTICS
//   Every SQLite failure is an errc::store error naming the file.
#include "campaign/detections.hpp"
#include "store/sqlite_schema.hpp"

#include <fmt/format.h>
#include <sqlite3.h>

#include <array>
#include <filesystem>
#include <mutex>
#include <optional>

namespace replyguard::campaign {

namespace {

// Each entry takes the detections table set from version i to i+1. Version 1
// was created before the helper existed, with these very statements, and its
// files already say version 1 in detections_schema.
// Version 2: the raw message beside a detection (NULL when not kept: larger
// than limits.kept_raw_bytes, or kept before this column existed).
constexpr std::array<std::string_view, 2> k_migrations{
    R"sql(
CREATE TABLE IF NOT EXISTS detections (
  id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, time INTEGER NOT NULL,
  at INTEGER NOT NULL, verdict TEXT NOT NULL, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS detections_at ON detections(at);
CREATE INDEX IF NOT EXISTS detections_time ON detections(time);
)sql",
    R"sql(
ALTER TABLE detections ADD COLUMN raw BLOB;
)sql",
};
// A reader copes with a file without the table (no detections yet): any version reads.
const store::sqlite_schema k_schema{"detections_schema", k_migrations, 0, "detections", "run scan --keep-detections"};
constexpr std::uint64_t k_prune_every = 256;

class sqlite_detections final : public detection_store {
public:
    sqlite_detections(sqlite3* db, std::string path, bool rw, retention keep)
        : db_(db), path_(std::move(path)), rw_(rw), keep_(keep) {}
    ~sqlite_detections() override { sqlite3_close_v2(db_); }

    result<void> init() {
        if (auto r = exec("PRAGMA busy_timeout=5000"); !r) return r;
        if (rw_)
            if (auto r = exec("PRAGMA journal_mode=WAL"); !r) return r;
        return store::sqlite_migrate(db_, path_, k_schema, rw_);
    }

    bool has_table() {
        sqlite3_stmt* s = nullptr;
        if (sqlite3_prepare_v2(db_, "SELECT 1 FROM sqlite_master WHERE type='table' AND name='detections'", -1, &s,
                               nullptr) != SQLITE_OK)
            return false;
        bool ok = sqlite3_step(s) == SQLITE_ROW;
        sqlite3_finalize(s);
        return ok;
    }

    result<std::int64_t> put(const detection& d) override {
        std::lock_guard lock(mu_);
        if (!rw_) return fail(errc::store, fmt::format("{}: detections opened read-only", path_));
        sqlite3_stmt* s = nullptr;
        if (sqlite3_prepare_v2(
                db_, "INSERT OR IGNORE INTO detections(key, time, at, verdict, data, raw) VALUES (?,?,?,?,?,?)", -1, &s,
                nullptr) != SQLITE_OK)
            return err("insert");
        detection c = d;
        c.id = 0;
        c.raw.clear();
        std::string data = to_json(c).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        sqlite3_bind_text(s, 1, d.key.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(s, 2, d.time);
        sqlite3_bind_int64(s, 3, d.when());
        sqlite3_bind_text(s, 4, d.verdict.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(s, 5, data.c_str(), static_cast<int>(data.size()), SQLITE_TRANSIENT);
        if (d.raw_kept)
            sqlite3_bind_blob64(s, 6, d.raw.data(), d.raw.size(), SQLITE_TRANSIENT);
        else
            sqlite3_bind_null(s, 6);
        int rc = sqlite3_step(s);
        sqlite3_finalize(s);
        if (rc != SQLITE_DONE) return err("insert");
        if (sqlite3_changes(db_) == 0) return 0;
        std::int64_t id = sqlite3_last_insert_rowid(db_);
        if (++puts_ % k_prune_every == 0) {
            if (auto p = prune_locked(d.time); !p) return std::unexpected(p.error());
        }
        return id;
    }

    result<std::vector<detection>> list(const detection_query& q) override {
        std::lock_guard lock(mu_);
        std::vector<detection> out;
        if (!has_table()) return out;
        std::string sql =
            "SELECT id, data FROM detections WHERE (?1 = 0 OR at >= ?1) AND (?2 = 0 OR at < ?2)"
            " ORDER BY at DESC, id DESC";
        if (q.limit) sql += fmt::format(" LIMIT {}", q.limit);
        sqlite3_stmt* s = nullptr;
        if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &s, nullptr) != SQLITE_OK) return err("list");
        sqlite3_bind_int64(s, 1, q.since);
        sqlite3_bind_int64(s, 2, q.until);
        int rc;
        while ((rc = sqlite3_step(s)) == SQLITE_ROW) out.push_back(row(s));
        sqlite3_finalize(s);
        if (rc != SQLITE_DONE) return err("list");
        return out;
    }

    result<std::optional<detection>> get(std::int64_t id) override {
        std::lock_guard lock(mu_);
        if (!has_table()) return std::optional<detection>();
        sqlite3_stmt* s = nullptr;
        if (sqlite3_prepare_v2(db_, "SELECT id, data FROM detections WHERE id = ?", -1, &s, nullptr) != SQLITE_OK)
            return err("get");
        sqlite3_bind_int64(s, 1, id);
        std::optional<detection> out;
        int rc = sqlite3_step(s);
        if (rc == SQLITE_ROW) out = row(s);
        sqlite3_finalize(s);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE) return err("get");
        return out;
    }

    result<std::uint64_t> count() override {
        std::lock_guard lock(mu_);
        if (!has_table()) return 0;
        sqlite3_stmt* s = nullptr;
        if (sqlite3_prepare_v2(db_, "SELECT count(*) FROM detections", -1, &s, nullptr) != SQLITE_OK)
            return err("count");
        std::uint64_t n = 0;
        if (sqlite3_step(s) == SQLITE_ROW) n = static_cast<std::uint64_t>(sqlite3_column_int64(s, 0));
        sqlite3_finalize(s);
        return n;
    }

    result<std::uint64_t> prune(std::int64_t now) override {
        std::lock_guard lock(mu_);
        return prune_locked(now);
    }

    // The detection's JSON is rewritten whole: read, change, write back in one
    // statement pair under the mutex (one writer per process; SQLite's lock
    // orders writers of several processes).
    result<bool> set_feedback(std::int64_t id, std::string_view feedback, std::int64_t now) override {
        std::lock_guard lock(mu_);
        if (!rw_) return fail(errc::store, fmt::format("{}: detections opened read-only", path_));
        if (!has_table()) return false;
        sqlite3_stmt* s = nullptr;
        if (sqlite3_prepare_v2(db_, "SELECT id, data FROM detections WHERE id = ?", -1, &s, nullptr) != SQLITE_OK)
            return err("feedback");
        sqlite3_bind_int64(s, 1, id);
        std::optional<detection> d;
        int rc = sqlite3_step(s);
        if (rc == SQLITE_ROW) d = row(s);
        sqlite3_finalize(s);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE) return err("feedback");
        if (!d) return false;
        d->feedback = std::string(feedback);
        d->feedback_time = feedback.empty() ? 0 : now;
        d->id = 0;
        std::string data = to_json(*d).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        if (sqlite3_prepare_v2(db_, "UPDATE detections SET data = ? WHERE id = ?", -1, &s, nullptr) != SQLITE_OK)
            return err("feedback");
        sqlite3_bind_text(s, 1, data.c_str(), static_cast<int>(data.size()), SQLITE_TRANSIENT);
        sqlite3_bind_int64(s, 2, id);
        rc = sqlite3_step(s);
        sqlite3_finalize(s);
        if (rc != SQLITE_DONE) return err("feedback");
        return true;
    }

    result<std::optional<std::string>> raw(std::int64_t id) override {
        std::lock_guard lock(mu_);
        std::optional<std::string> out;
        if (!has_table()) return out;
        sqlite3_stmt* s = nullptr;
        if (sqlite3_prepare_v2(db_, "SELECT raw FROM detections WHERE id = ? AND raw IS NOT NULL", -1, &s, nullptr) !=
            SQLITE_OK)
            return err("raw");
        sqlite3_bind_int64(s, 1, id);
        int rc = sqlite3_step(s);
        if (rc == SQLITE_ROW) {
            const auto* p = static_cast<const char*>(sqlite3_column_blob(s, 0));
            out = std::string(p ? p : "", static_cast<std::size_t>(sqlite3_column_bytes(s, 0)));
        }
        sqlite3_finalize(s);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE) return err("raw");
        return out;
    }

private:
    result<std::uint64_t> prune_locked(std::int64_t now) {
        if (!rw_) return fail(errc::store, fmt::format("{}: detections opened read-only", path_));
        std::uint64_t dropped = 0;
        if (keep_.days > 0) {
            if (auto r = exec(fmt::format("DELETE FROM detections WHERE time < {}",
                                          now - static_cast<std::int64_t>(keep_.days) * 86400));
                !r)
                return std::unexpected(r.error());
            dropped += static_cast<std::uint64_t>(sqlite3_changes(db_));
        }
        if (keep_.max_count) {
            if (auto r = exec(fmt::format("DELETE FROM detections WHERE id NOT IN "
                                          "(SELECT id FROM detections ORDER BY time DESC, id DESC LIMIT {})",
                                          keep_.max_count));
                !r)
                return std::unexpected(r.error());
            dropped += static_cast<std::uint64_t>(sqlite3_changes(db_));
        }
        return dropped;
    }

    detection row(sqlite3_stmt* s) {
        const auto* txt = reinterpret_cast<const char*>(sqlite3_column_text(s, 1));
        auto j = nlohmann::json::parse(txt ? txt : "{}", nullptr, false);
        detection d = j.is_discarded() ? detection{} : detection_from_json(j);
        d.id = sqlite3_column_int64(s, 0);
        return d;
    }

    result<void> exec(const std::string& sql) {
        char* msg = nullptr;
        if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &msg) != SQLITE_OK) {
            std::string m = msg ? msg : sqlite3_errmsg(db_);
            sqlite3_free(msg);
            return fail(errc::store, fmt::format("{}: {}", path_, m));
        }
        return {};
    }

    std::unexpected<error> err(std::string_view what) const {
        return fail(errc::store, fmt::format("{}: {} ({})", path_, sqlite3_errmsg(db_), what));
    }

    sqlite3* db_;
    std::string path_;
    bool rw_;
    retention keep_;
    std::uint64_t puts_ = 0;
    std::mutex mu_;
};

}  // namespace

result<std::unique_ptr<detection_store>> open_detections(const std::string& path, bool read_write, retention keep) {
    std::error_code ec;
    if (!read_write && !std::filesystem::exists(path, ec)) return make_memory_detections(keep);
    sqlite3* db = nullptr;
    int flags = read_write ? (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) : SQLITE_OPEN_READONLY;
    store::sqlite_setup();
    if (sqlite3_open_v2(path.c_str(), &db, flags | SQLITE_OPEN_FULLMUTEX, nullptr) != SQLITE_OK) {
        std::string m = db ? sqlite3_errmsg(db) : "out of memory";
        sqlite3_close_v2(db);
        return fail(errc::store, fmt::format("{}: cannot open detections: {}", path, m));
    }
    auto s = std::make_unique<sqlite_detections>(db, path, read_write, keep);
    if (auto r = s->init(); !r) return std::unexpected(r.error());
    return std::unique_ptr<detection_store>(std::move(s));
}

}  // namespace replyguard::campaign
