// SPDX-License-Identifier: Apache-2.0
// store/sqlite_profiles.cpp - sender profiles in the SQLite history
//
// DESCRIPTION
//   The merge rule of store/profile_merge.cpp in SQL: per profile, the
//   profile_seen row is inserted first (OR IGNORE); when it already existed the
//   message was counted before and nothing changes. Otherwise messages + 1, and
//   each value + 1, or k_profile_other + 1 when the value is new and its axis
//   already holds `cap` distinct values. Inside a batch of the caller the
//   same rule (store/profile_merge.cpp) is applied in memory per profile and
//   the changed rows are written by flush() at the batch's commit.
#include "store/sqlite_profiles.hpp"

#include <fmt/format.h>
#include <sqlite3.h>

namespace replyguard::store {
namespace {

// Resets a cached statement when it goes out of scope.
struct stmt {
    sqlite3_stmt* s;
    explicit stmt(sqlite3_stmt* p) : s(p) {}
    ~stmt() {
        sqlite3_reset(s);
        sqlite3_clear_bindings(s);
    }
    stmt(const stmt&) = delete;
    stmt& operator=(const stmt&) = delete;
    /// Not copied (SQLITE_STATIC), as store/sqlite_history.cpp's stmt_ref: the text
    /// must outlive this stmt, whose destructor unbinds it.
    stmt& text(int i, std::string_view v) {
        sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
        return *this;
    }
    stmt& i64(int i, std::int64_t v) {
        sqlite3_bind_int64(s, i, v);
        return *this;
    }
    std::string col_text(int c) const {
        auto p = reinterpret_cast<const char*>(sqlite3_column_text(s, c));
        return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(s, c))) : std::string();
    }
};

}  // namespace

sqlite_profiles::~sqlite_profiles() {
    for (auto& [sql, s] : cache_) sqlite3_finalize(s);
}

result<sqlite3_stmt*> sqlite_profiles::prepare(std::string_view sql) {
    if (auto it = cache_.find(sql); it != cache_.end()) return it->second;
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &s, nullptr) !=
        SQLITE_OK)
        return err(sql);
    cache_.emplace(std::string(sql), s);
    return s;
}

result<void> sqlite_profiles::exec(const char* sql) {
    char* msg = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &msg) != SQLITE_OK) {
        std::string m = msg ? msg : sqlite3_errmsg(db_);
        sqlite3_free(msg);
        return fail(errc::store, fmt::format("{}: {} ({})", path_, m, sql));
    }
    return {};
}

std::unexpected<error> sqlite_profiles::err(std::string_view what) const {
    return fail(errc::store, fmt::format("{}: {} ({})", path_, sqlite3_errmsg(db_), what.substr(0, 80)));
}

result<bool> sqlite_profiles::learn(const profile_update& u, bool nested) {
    if (u.message_key.empty()) return fail(errc::internal, "profile update without a message key");
    if (nested) return learn_deferred(u);
    if (auto r = exec(nested ? "SAVEPOINT profile" : "BEGIN IMMEDIATE"); !r) return std::unexpected(r.error());
    auto r = learn_inner(u);
    if (!r || !*r) {
        (void)exec(nested ? "ROLLBACK TO profile; RELEASE profile" : "ROLLBACK");
        return r;
    }
    if (auto c = exec(nested ? "RELEASE profile" : "COMMIT"); !c) {
        if (!nested) (void)exec("ROLLBACK");
        return std::unexpected(c.error());
    }
    return true;
}

result<bool> sqlite_profiles::learn_inner(const profile_update& u) {
    auto step_done = [&](sqlite3_stmt* s, std::string_view what) -> result<void> {
        if (sqlite3_step(s) != SQLITE_DONE) return err(what);
        return {};
    };
    bool any = false;
    for (const auto& key : u.profiles) {
        {
            auto p = prepare("INSERT OR IGNORE INTO profile_seen VALUES (?1, ?2)");
            if (!p) return std::unexpected(p.error());
            stmt s(*p);
            s.text(1, key).text(2, u.message_key);
            if (auto r = step_done(s.s, "profile_seen"); !r) return std::unexpected(r.error());
            if (sqlite3_changes(db_) == 0) continue;  // counted before
        }
        any = true;
        {
            auto p =
                prepare("INSERT INTO profiles VALUES (?1, 1) ON CONFLICT(profile) DO UPDATE SET messages=messages+1");
            if (!p) return std::unexpected(p.error());
            stmt s(*p);
            s.text(1, key);
            if (auto r = step_done(s.s, "profiles"); !r) return std::unexpected(r.error());
        }
        for (const auto& v : u.values) {
            // Existing value: + 1. New value: inserted while the axis has fewer than cap
            // distinct values (k_profile_other not counted), else k_profile_other + 1.
            auto p = prepare("UPDATE profile_values SET count=count+1 WHERE profile=?1 AND axis=?2 AND value=?3");
            if (!p) return std::unexpected(p.error());
            {
                stmt s(*p);
                s.text(1, key).text(2, v.axis).text(3, v.value);
                if (auto r = step_done(s.s, "profile_values"); !r) return std::unexpected(r.error());
            }
            if (sqlite3_changes(db_) > 0) continue;
            auto q = prepare(
                "INSERT INTO profile_values SELECT ?1, ?2, CASE WHEN (SELECT count(*) FROM profile_values "
                "WHERE profile=?1 AND axis=?2 AND value<>?4) < ?5 THEN ?3 ELSE ?4 END, 1 "
                "WHERE true ON CONFLICT(profile, axis, value) DO UPDATE SET count=count+1");
            if (!q) return std::unexpected(q.error());
            stmt s(*q);
            s.text(1, key).text(2, v.axis).text(3, v.value).text(4, k_profile_other).i64(5, v.cap);
            if (auto r = step_done(s.s, "profile_values insert"); !r) return std::unexpected(r.error());
        }
    }
    return any;
}

// Inside a batch (issue 13): the per-message statements (profile_seen, profiles and one
// or two per value, ~26 a message for its two profiles) become one read of profile_seen
// per profile and message, one read of each touched profile per batch, and at flush one
// write per changed row. apply_profile_update() is the rule the SQL of learn_inner()
// implements, applied here in the same message order, so the rows are the same.
result<bool> sqlite_profiles::learn_deferred(const profile_update& u) {
    bool any = false;
    for (const auto& key : u.profiles) {
        if (batch_seen_.contains({key, u.message_key})) continue;
        {
            auto p = prepare("SELECT 1 FROM profile_seen WHERE profile=?1 AND message_key=?2");
            if (!p) return std::unexpected(p.error());
            stmt s(*p);
            s.text(1, key).text(2, u.message_key);
            const int rc = sqlite3_step(s.s);
            if (rc == SQLITE_ROW) continue;  // counted before
            if (rc != SQLITE_DONE) return err("profile_seen");
        }
        auto it = batch_profiles_.find(key);
        if (it == batch_profiles_.end()) {
            auto stored = find(key);
            if (!stored) return std::unexpected(stored.error());
            merged m;
            if (*stored) m.stored = std::move(**stored);
            m.stored.key = key;
            m.now = m.stored;
            it = batch_profiles_.emplace(key, std::move(m)).first;
        }
        apply_profile_update(it->second.now, u);
        batch_seen_.emplace(key, u.message_key);
        any = true;
    }
    return any;
}

result<void> sqlite_profiles::flush() {
    if (!batch_seen_.empty()) {
        auto p = prepare("INSERT OR IGNORE INTO profile_seen VALUES (?1, ?2)");
        if (!p) return std::unexpected(p.error());
        for (const auto& [key, msg] : batch_seen_) {
            stmt s(*p);
            s.text(1, key).text(2, msg);
            if (sqlite3_step(s.s) != SQLITE_DONE) return err("profile_seen");
        }
    }
    for (const auto& [key, m] : batch_profiles_) {
        if (m.now.messages != m.stored.messages) {
            auto p = prepare("INSERT INTO profiles VALUES (?1, ?2) ON CONFLICT(profile) DO UPDATE SET messages=?2");
            if (!p) return std::unexpected(p.error());
            stmt s(*p);
            s.text(1, key).i64(2, static_cast<std::int64_t>(m.now.messages));
            if (sqlite3_step(s.s) != SQLITE_DONE) return err("profiles");
        }
        for (const auto& [axis, values] : m.now.axes) {
            const auto was = m.stored.axes.find(axis);
            for (const auto& [value, n] : values) {
                if (was != m.stored.axes.end())
                    if (auto v = was->second.find(value); v != was->second.end() && v->second == n) continue;
                auto p = prepare(
                    "INSERT INTO profile_values VALUES (?1, ?2, ?3, ?4) ON CONFLICT(profile, axis, value) DO UPDATE "
                    "SET count=?4");
                if (!p) return std::unexpected(p.error());
                stmt s(*p);
                s.text(1, key).text(2, axis).text(3, value).i64(4, static_cast<std::int64_t>(n));
                if (sqlite3_step(s.s) != SQLITE_DONE) return err("profile_values");
            }
        }
    }
    discard();
    return {};
}

void sqlite_profiles::discard() {
    batch_profiles_.clear();
    batch_seen_.clear();
}

result<std::optional<profile_counts>> sqlite_profiles::find(std::string_view key) {
    if (!tables_) {
        auto p = prepare("SELECT count(*) FROM sqlite_master WHERE type='table' AND name='profiles'");
        if (!p) return std::unexpected(p.error());
        stmt s(*p);
        if (sqlite3_step(s.s) != SQLITE_ROW) return err("profile tables");
        if (sqlite3_column_int64(s.s, 0) == 0) return std::optional<profile_counts>{};  // not migrated yet
        tables_ = true;
    }
    profile_counts out;
    out.key = std::string(key);
    {
        auto p = prepare("SELECT messages FROM profiles WHERE profile=?1");
        if (!p) return std::unexpected(p.error());
        stmt s(*p);
        s.text(1, key);
        int rc = sqlite3_step(s.s);
        if (rc == SQLITE_DONE) return std::optional<profile_counts>{};
        if (rc != SQLITE_ROW) return err("find profile");
        out.messages = static_cast<std::uint64_t>(sqlite3_column_int64(s.s, 0));
    }
    auto p = prepare("SELECT axis, value, count FROM profile_values WHERE profile=?1");
    if (!p) return std::unexpected(p.error());
    stmt s(*p);
    s.text(1, key);
    int rc;
    while ((rc = sqlite3_step(s.s)) == SQLITE_ROW)
        out.axes[s.col_text(0)][s.col_text(1)] = static_cast<std::uint64_t>(sqlite3_column_int64(s.s, 2));
    if (rc != SQLITE_DONE) return err("find profile values");
    return std::optional<profile_counts>{std::move(out)};
}

}  // namespace replyguard::store
