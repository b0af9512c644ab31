// SPDX-License-Identifier: Apache-2.0
// store/sqlite_prune.cpp - history retention for the SQLite history (store/sqlite_prune.hpp)
#include "store/sqlite_prune.hpp"

#include "store/fp_levels.hpp"
#include "store/sqlite_schema.hpp"

#include <fmt/format.h>
#include <sqlite3.h>

#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <vector>

namespace replyguard::store {
namespace {

constexpr std::int64_t k_day = 86400;

// The decision, made in one read into temporary tables (dropped at the end).
constexpr std::string_view k_temp_tables = R"sql(
DROP TABLE IF EXISTS temp.rg_prune_fp; DROP TABLE IF EXISTS temp.rg_prune_msg;
DROP TABLE IF EXISTS temp.rg_prune_thread; DROP TABLE IF EXISTS temp.rg_prune_corr;
DROP TABLE IF EXISTS temp.rg_prune_org; DROP TABLE IF EXISTS temp.rg_prune_prof;
CREATE TEMP TABLE rg_prune_fp (id INTEGER PRIMARY KEY);
CREATE TEMP TABLE rg_prune_msg (id INTEGER PRIMARY KEY);
CREATE TEMP TABLE rg_prune_thread (id TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TEMP TABLE rg_prune_corr (address TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TEMP TABLE rg_prune_org (org TEXT PRIMARY KEY, seen INTEGER NOT NULL) WITHOUT ROWID;
CREATE TEMP TABLE rg_prune_prof (profile TEXT PRIMARY KEY) WITHOUT ROWID;
)sql";

constexpr std::string_view k_drop_temp = R"sql(
DROP TABLE IF EXISTS temp.rg_prune_fp; DROP TABLE IF EXISTS temp.rg_prune_msg;
DROP TABLE IF EXISTS temp.rg_prune_thread; DROP TABLE IF EXISTS temp.rg_prune_corr;
DROP TABLE IF EXISTS temp.rg_prune_org; DROP TABLE IF EXISTS temp.rg_prune_prof;
)sql";

// A message goes when its thread's last activity is before the cut (?1); a message
// whose thread row is missing, by its own date.
constexpr const char* k_msg_doomed =
    "CASE WHEN t.id IS NULL THEN m.date > 0 AND m.date < ?1 ELSE t.last_seen > 0 AND t.last_seen < ?1 END";

/// One prepared statement, finalized when it goes out of scope (prune is rare: no cache).
class stmt {
public:
    stmt(sqlite3* db, const std::string& path, std::string_view sql) : db_(db), path_(path), sql_(sql) {
        if (sqlite3_prepare_v2(db, sql_.c_str(), static_cast<int>(sql_.size()), &s_, nullptr) != SQLITE_OK)
            err_ = sqlite3_errmsg(db);
    }
    ~stmt() { sqlite3_finalize(s_); }
    stmt(const stmt&) = delete;
    stmt& operator=(const stmt&) = delete;

    result<void> ok() const {
        if (err_.empty()) return {};
        return fail(errc::store, fmt::format("{}: {} ({})", path_, err_, sql_.substr(0, 80)));
    }
    stmt& bind(int i, std::int64_t v) {
        sqlite3_bind_int64(s_, i, v);
        return *this;
    }
    stmt& bind(int i, std::string_view v) {
        sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
        return *this;
    }
    stmt& bind_null(int i) {
        sqlite3_bind_null(s_, i);
        return *this;
    }
    /// SQLITE_ROW, SQLITE_DONE, or an error code.
    int step() { return sqlite3_step(s_); }
    void reset() {
        sqlite3_reset(s_);
        sqlite3_clear_bindings(s_);
    }
    std::int64_t i64(int c) const { return sqlite3_column_int64(s_, c); }
    bool null(int c) const { return sqlite3_column_type(s_, c) == SQLITE_NULL; }
    std::string text(int c) const {
        auto p = reinterpret_cast<const char*>(sqlite3_column_text(s_, c));
        return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(s_, c))) : std::string();
    }
    std::unexpected<error> error_here() const {
        return fail(errc::store, fmt::format("{}: {} ({})", path_, sqlite3_errmsg(db_), sql_.substr(0, 80)));
    }
    /// Run to the end (a write); the rows changed.
    result<std::int64_t> run() {
        int rc;
        while ((rc = step()) == SQLITE_ROW) {}
        if (rc != SQLITE_DONE) return error_here();
        const std::int64_t n = sqlite3_changes64(db_);
        reset();
        return n;
    }
    /// The first column of the first row (a count); `fallback` when there is no row.
    result<std::int64_t> scalar(std::int64_t fallback = 0) {
        int rc = step();
        std::int64_t v = fallback;
        if (rc == SQLITE_ROW)
            v = i64(0);
        else if (rc != SQLITE_DONE)
            return error_here();
        reset();
        return v;
    }

private:
    sqlite3* db_;
    const std::string& path_;
    std::string sql_;
    sqlite3_stmt* s_ = nullptr;
    std::string err_;
};

class pruner {
public:
    pruner(sqlite3* db, const std::string& path, const retention_policy& p, std::int64_t now) : db_(db), path_(path) {
        auto cut = [&](std::int64_t days) { return days > 0 ? now - days * k_day : 0; };
        fp_cut_ = cut(p.fingerprint_days);
        msg_cut_ = cut(p.message_days);
        corr_cut_ = cut(p.correspondent_days);
    }

    result<prune_report> run(bool dry_run) {
        if (auto r = exec(k_temp_tables); !r) return std::unexpected(r.error());
        auto r = run_inner(dry_run);
        (void)exec(k_drop_temp);
        return r;
    }

private:
    result<prune_report> run_inner(bool dry_run) {
        if (auto r = decide(); !r) return std::unexpected(r.error());
        prune_report rep;
        auto count = [&](const char* table, std::uint64_t& out) -> result<void> {
            stmt s(db_, path_, fmt::format("SELECT count(*) FROM temp.{}", table));
            if (auto ok = s.ok(); !ok) return ok;
            auto n = s.scalar();
            if (!n) return std::unexpected(n.error());
            out = static_cast<std::uint64_t>(*n);
            return {};
        };
        if (dry_run) {
            for (auto [t, out] : {std::pair{"rg_prune_msg", &rep.messages},
                                  {"rg_prune_thread", &rep.threads},
                                  {"rg_prune_corr", &rep.correspondents},
                                  {"rg_prune_prof", &rep.profiles}})
                if (auto r = count(t, *out); !r) return std::unexpected(r.error());
            auto fp = postings(true);
            if (!fp) return std::unexpected(fp.error());
            rep.fingerprints = *fp;
            return rep;
        }
        auto fp = postings(false);
        if (!fp) return std::unexpected(fp.error());
        rep.fingerprints = *fp;
        if (auto r = clear_fp_n(); !r) return std::unexpected(r.error());
        auto m = messages();
        if (!m) return std::unexpected(m.error());
        rep.messages = *m;
        auto t = threads();
        if (!t) return std::unexpected(t.error());
        rep.threads = *t;
        auto c = correspondents();
        if (!c) return std::unexpected(c.error());
        rep.correspondents = *c;
        if (c && *c > 0)
            if (auto r = name_index(); !r) return std::unexpected(r.error());
        auto pr = profiles();
        if (!pr) return std::unexpected(pr.error());
        rep.profiles = *pr;
        return rep;
    }

    // One read: everything that goes, into the temporary tables.
    result<void> decide() {
        if (auto r = exec("BEGIN"); !r) return r;
        auto r = decide_inner();
        if (!r) {
            (void)exec("ROLLBACK");
            return r;
        }
        return exec("COMMIT");
    }

    result<void> decide_inner() {
        auto fill = [&](std::string_view sql, std::int64_t cut) -> result<void> {
            stmt s(db_, path_, sql);
            if (auto ok = s.ok(); !ok) return ok;
            s.bind(1, cut);
            if (auto n = s.run(); !n) return std::unexpected(n.error());
            return {};
        };
        if (msg_cut_) {
            if (auto r = fill(fmt::format("INSERT INTO temp.rg_prune_msg SELECT m.id FROM messages m LEFT JOIN threads "
                                          "t ON t.id = m.thread_id WHERE m.date < ?1 AND {}",
                                          k_msg_doomed),
                              msg_cut_);
                !r)
                return r;
            if (auto r = fill("INSERT INTO temp.rg_prune_thread SELECT id FROM threads WHERE last_seen > 0 AND "
                              "last_seen < ?1",
                              msg_cut_);
                !r)
                return r;
            // Their postings go with them.
            if (auto r = fill("INSERT OR IGNORE INTO temp.rg_prune_fp SELECT m.id FROM temp.rg_prune_msg p JOIN "
                              "messages m ON m.id = p.id WHERE m.fp_n > 0",
                              msg_cut_);
                !r)
                return r;
        }
        if (fp_cut_)
            if (auto r = fill("INSERT OR IGNORE INTO temp.rg_prune_fp SELECT id FROM messages WHERE date > 0 AND "
                              "date < ?1 AND fp_n > 0",
                              fp_cut_);
                !r)
                return r;
        if (corr_cut_) {
            if (auto r = fill("INSERT INTO temp.rg_prune_corr SELECT address FROM correspondents WHERE last_seen > 0 "
                              "AND last_seen < ?1",
                              corr_cut_);
                !r)
                return r;
            // When each organisation (registrable domain, or any suffix of a domain: the
            // profile keys of history/profile.cpp are registrable domains) was last seen.
            if (auto r = fill(R"sql(
INSERT INTO temp.rg_prune_org
WITH RECURSIVE s(suffix, seen) AS (
  SELECT substr(address, instr(address, '@') + 1), max(last_seen) FROM correspondents
    WHERE instr(address, '@') > 0 GROUP BY 1
  UNION ALL
  SELECT substr(suffix, instr(suffix, '.') + 1), seen FROM s WHERE instr(suffix, '.') > 0)
SELECT suffix, max(seen) FROM s GROUP BY suffix)sql",
                              corr_cut_);
                !r)
                return r;
            if (auto r =
                    fill("INSERT INTO temp.rg_prune_prof SELECT p.profile FROM profiles p LEFT JOIN correspondents "
                         "c ON c.address = substr(p.profile, 6) WHERE substr(p.profile, 1, 5) = 'addr:' AND "
                         "(c.address IS NULL OR (c.last_seen > 0 AND c.last_seen < ?1))",
                         corr_cut_);
                !r)
                return r;
            if (auto r = fill("INSERT INTO temp.rg_prune_prof SELECT p.profile FROM profiles p LEFT JOIN "
                              "temp.rg_prune_org o ON o.org = substr(p.profile, 5) WHERE substr(p.profile, 1, 4) = "
                              "'org:' AND (o.org IS NULL OR (o.seen > 0 AND o.seen < ?1))",
                              corr_cut_);
                !r)
                return r;
        }
        return {};
    }

    // The postings of rg_prune_fp's messages: counted (dry run) or removed, one range
    // of k_prune_postings postings (by hash) per transaction. Postings in two levels
    // (store/fp_levels.hpp): the small one is merged into fp_postings first (a dry
    // run counts in both), so the ranges cover them all.
    result<std::uint64_t> postings(bool dry_run) {
        {
            stmt any(db_, path_, "SELECT count(*) FROM temp.rg_prune_fp");
            if (auto ok = any.ok(); !ok) return std::unexpected(ok.error());
            auto n = any.scalar();
            if (!n) return std::unexpected(n.error());
            if (*n == 0) return 0;  // no pass over the postings
        }
        auto two_levels = has_recent_postings(db_, path_);
        if (!two_levels) return std::unexpected(two_levels.error());
        std::uint64_t total = 0;
        if (*two_levels && dry_run) {
            stmt recent(db_, path_, "SELECT count(*) FROM fp_recent WHERE msg IN (SELECT id FROM temp.rg_prune_fp)");
            if (auto ok = recent.ok(); !ok) return std::unexpected(ok.error());
            auto n = recent.scalar();
            if (!n) return std::unexpected(n.error());
            total += static_cast<std::uint64_t>(*n);
        } else if (*two_levels) {
            if (auto m = in_transaction([&] { return merge_recent_postings(db_, path_); }); !m)
                return std::unexpected(m.error());
        }
        stmt edge(db_, path_, "SELECT hash FROM fp_postings WHERE hash >= ?1 ORDER BY hash LIMIT 1 OFFSET ?2");
        stmt work(db_, path_,
                  dry_run ? "SELECT count(*) FROM fp_postings WHERE hash BETWEEN ?1 AND ?2 AND msg IN "
                            "(SELECT id FROM temp.rg_prune_fp)"
                          : "DELETE FROM fp_postings WHERE hash BETWEEN ?1 AND ?2 AND msg IN "
                            "(SELECT id FROM temp.rg_prune_fp)");
        if (auto ok = edge.ok(); !ok) return std::unexpected(ok.error());
        if (auto ok = work.ok(); !ok) return std::unexpected(ok.error());
        std::int64_t lo = std::numeric_limits<std::int64_t>::min();
        for (;;) {
            // [lo, hi]: the next k_prune_postings postings; a hash's postings never split.
            edge.bind(1, lo).bind(2, k_prune_postings - 1);
            auto hi = edge.scalar(std::numeric_limits<std::int64_t>::max());
            if (!hi) return std::unexpected(hi.error());
            work.bind(1, lo).bind(2, *hi);
            if (dry_run) {
                auto n = work.scalar();
                if (!n) return std::unexpected(n.error());
                total += static_cast<std::uint64_t>(*n);
            } else {
                if (auto r = exec("BEGIN IMMEDIATE"); !r) return std::unexpected(r.error());
                auto n = work.run();
                if (n && *two_levels)
                    if (auto c = count_postings(db_, path_, 0, -*n); !c) n = std::unexpected(c.error());
                if (!n) {
                    (void)exec("ROLLBACK");
                    return std::unexpected(n.error());
                }
                if (auto c = exec("COMMIT"); !c) {
                    (void)exec("ROLLBACK");
                    return std::unexpected(c.error());
                }
                total += static_cast<std::uint64_t>(*n);
            }
            if (*hi == std::numeric_limits<std::int64_t>::max()) break;
            lo = *hi + 1;
        }
        return total;
    }

    /// Ids of a temporary table after `after`, at most k_prune_rows of them.
    result<std::vector<std::int64_t>> next_ids(const char* table, std::int64_t after) {
        stmt s(db_, path_, fmt::format("SELECT id FROM temp.{} WHERE id > ?1 ORDER BY id LIMIT ?2", table));
        if (auto ok = s.ok(); !ok) return std::unexpected(ok.error());
        s.bind(1, after).bind(2, k_prune_rows);
        std::vector<std::int64_t> out;
        int rc;
        while ((rc = s.step()) == SQLITE_ROW) out.push_back(s.i64(0));
        if (rc != SQLITE_DONE) return s.error_here();
        return out;
    }
    result<std::vector<std::string>> next_keys(const char* table, const char* col, const std::string& after,
                                               bool first) {
        stmt s(db_, path_,
               fmt::format("SELECT {1} FROM temp.{0} WHERE ?3 OR {1} > ?1 ORDER BY {1} LIMIT ?2", table, col));
        if (auto ok = s.ok(); !ok) return std::unexpected(ok.error());
        s.bind(1, after).bind(2, k_prune_rows).bind(3, first ? 1 : 0);
        std::vector<std::string> out;
        int rc;
        while ((rc = s.step()) == SQLITE_ROW) out.push_back(s.text(0));
        if (rc != SQLITE_DONE) return s.error_here();
        return out;
    }

    /// Run `body` in one write transaction; commit when it succeeds.
    template <class F>
    result<std::int64_t> in_transaction(F&& body) {
        if (auto r = exec("BEGIN IMMEDIATE"); !r) return std::unexpected(r.error());
        result<std::int64_t> n = body();
        if (!n) {
            (void)exec("ROLLBACK");
            return n;
        }
        if (auto c = exec("COMMIT"); !c) {
            (void)exec("ROLLBACK");
            return std::unexpected(c.error());
        }
        return n;
    }

    // Messages that keep their rows but lost their postings: fp_n = 0.
    result<void> clear_fp_n() {
        stmt up(db_, path_, "UPDATE messages SET fp_n = 0 WHERE id = ?1");
        if (auto ok = up.ok(); !ok) return ok;
        std::int64_t after = std::numeric_limits<std::int64_t>::min();
        for (;;) {
            auto ids = next_ids("rg_prune_fp", after);
            if (!ids) return std::unexpected(ids.error());
            if (ids->empty()) return {};
            auto r = in_transaction([&]() -> result<std::int64_t> {
                for (auto id : *ids) {
                    up.bind(1, id);
                    if (auto n = up.run(); !n) return n;
                }
                return 0;
            });
            if (!r) return std::unexpected(r.error());
            after = ids->back();
        }
    }

    result<std::uint64_t> messages() {
        stmt look(db_, path_,
                  fmt::format("SELECT m.key, m.from_addr FROM messages m LEFT JOIN threads t ON t.id = m.thread_id "
                              "WHERE m.id = ?2 AND {}",
                              k_msg_doomed));
        stmt del(db_, path_, "DELETE FROM messages WHERE id = ?1");
        stmt seen(db_, path_, "DELETE FROM profile_seen WHERE profile = ?1 AND message_key = ?2");
        stmt counts(db_, path_, "UPDATE history_counts SET messages = messages - ?1");
        for (auto* s : {&look, &del, &seen, &counts})
            if (auto ok = s->ok(); !ok) return std::unexpected(ok.error());
        std::uint64_t total = 0;
        std::int64_t after = std::numeric_limits<std::int64_t>::min();
        for (;;) {
            auto ids = next_ids("rg_prune_msg", after);
            if (!ids) return std::unexpected(ids.error());
            if (ids->empty()) return total;
            auto r = in_transaction([&]() -> result<std::int64_t> {
                std::int64_t n = 0;
                for (auto id : *ids) {
                    look.bind(1, msg_cut_).bind(2, id);
                    int rc = look.step();
                    if (rc == SQLITE_DONE) {  // gone meanwhile, or its thread was answered since
                        look.reset();
                        continue;
                    }
                    if (rc != SQLITE_ROW) return look.error_here();
                    const std::string key = look.text(0), from = look.text(1);
                    look.reset();
                    del.bind(1, id);
                    auto d = del.run();
                    if (!d) return d;
                    n += *d;
                    if (auto s = forget_profile_seen(seen, key, from); !s) return std::unexpected(s.error());
                }
                counts.bind(1, n);
                if (auto c = counts.run(); !c) return c;
                return n;
            });
            if (!r) return std::unexpected(r.error());
            total += static_cast<std::uint64_t>(*r);
            after = ids->back();
        }
    }

    // The profile_seen rows of one message: its sender's "addr:" profile and "org:" one.
    // The organisation is the registrable domain of the sender's domain, one of its
    // suffixes: each is tried (a key lookup), at most one holds the message.
    result<void> forget_profile_seen(stmt& seen, const std::string& key, const std::string& from) {
        auto at = from.find('@');
        if (at == std::string::npos) return {};
        std::vector<std::string> profiles{"addr:" + from};
        for (std::string_view d = std::string_view(from).substr(at + 1); !d.empty();) {
            profiles.push_back("org:" + std::string(d));
            auto dot = d.find('.');
            if (dot == std::string_view::npos) break;
            d.remove_prefix(dot + 1);
        }
        for (const auto& p : profiles) {
            seen.bind(1, p).bind(2, key);
            if (auto n = seen.run(); !n) return std::unexpected(n.error());
        }
        return {};
    }

    /// Remove the entries of a temporary text-keyed table, k_prune_rows per transaction:
    /// `one(key)` removes one and says how many rows of the kind went (0 or 1).
    template <class F>
    result<std::uint64_t> by_keys(const char* table, const char* col, const char* counts_sql, F&& one) {
        stmt counts(db_, path_, counts_sql ? counts_sql : "SELECT 1");
        if (auto ok = counts.ok(); !ok) return std::unexpected(ok.error());
        std::uint64_t total = 0;
        std::string after;
        bool first = true;
        for (;;) {
            auto keys = next_keys(table, col, after, first);
            if (!keys) return std::unexpected(keys.error());
            if (keys->empty()) return total;
            auto r = in_transaction([&]() -> result<std::int64_t> {
                std::int64_t n = 0;
                for (const auto& k : *keys) {
                    auto d = one(k);
                    if (!d) return d;
                    n += *d;
                }
                if (counts_sql) {
                    counts.bind(1, n);
                    if (auto c = counts.run(); !c) return c;
                }
                return n;
            });
            if (!r) return std::unexpected(r.error());
            total += static_cast<std::uint64_t>(*r);
            after = keys->back();
            first = false;
        }
    }

    result<std::uint64_t> threads() {
        stmt del(db_, path_, "DELETE FROM threads WHERE id = ?1 AND last_seen > 0 AND last_seen < ?2");
        stmt parts(db_, path_, "DELETE FROM thread_participants WHERE thread_id = ?1");
        for (auto* s : {&del, &parts})
            if (auto ok = s->ok(); !ok) return std::unexpected(ok.error());
        return by_keys("rg_prune_thread", "id", "UPDATE history_counts SET threads = threads - ?1",
                       [&](const std::string& id) -> result<std::int64_t> {
                           del.bind(1, id).bind(2, msg_cut_);
                           auto n = del.run();
                           if (!n || *n == 0) return n;  // answered since the decision: kept
                           parts.bind(1, id);
                           if (auto p = parts.run(); !p) return p;
                           return *n;
                       });
    }

    result<std::uint64_t> correspondents() {
        stmt del(db_, path_, "DELETE FROM correspondents WHERE address = ?1 AND last_seen > 0 AND last_seen < ?2");
        stmt names(db_, path_, "DELETE FROM correspondent_names WHERE address = ?1");
        stmt wrote(db_, path_, "DELETE FROM correspondent_wrote_to WHERE address = ?1");
        for (auto* s : {&del, &names, &wrote})
            if (auto ok = s->ok(); !ok) return std::unexpected(ok.error());
        return by_keys("rg_prune_corr", "address", "UPDATE history_counts SET correspondents = correspondents - ?1",
                       [&](const std::string& a) -> result<std::int64_t> {
                           del.bind(1, a).bind(2, corr_cut_);
                           auto n = del.run();
                           if (!n || *n == 0) return n;  // seen again since the decision: kept
                           for (auto* s : {&names, &wrote}) {
                               s->bind(1, a);
                               if (auto r = s->run(); !r) return r;
                           }
                           return *n;
                       });
    }

    // Name-index rows of the correspondents removed: the index is keyed by name, so
    // this is a pass over it, k_prune_rows rows per transaction. Any row whose address
    // is no correspondent goes (put() writes both, so such a row is what a prune
    // stopped by a crash left behind).
    result<void> name_index() {
        stmt next(db_, path_,
                  "SELECT name_key, address FROM name_index WHERE ?4 OR (name_key, address) > (?1, ?2) "
                  "ORDER BY name_key, address LIMIT ?3");
        stmt del(db_, path_,
                 "DELETE FROM name_index WHERE name_key = ?1 AND address = ?2 AND NOT EXISTS "
                 "(SELECT 1 FROM correspondents WHERE address = ?2)");
        for (auto* s : {&next, &del})
            if (auto ok = s->ok(); !ok) return ok;
        std::string k, a;
        bool first = true;
        for (;;) {
            std::vector<std::pair<std::string, std::string>> rows;
            next.bind(1, k).bind(2, a).bind(3, k_prune_rows).bind(4, first ? 1 : 0);
            int rc;
            while ((rc = next.step()) == SQLITE_ROW) rows.emplace_back(next.text(0), next.text(1));
            if (rc != SQLITE_DONE) return next.error_here();
            next.reset();
            if (rows.empty()) return {};
            auto r = in_transaction([&]() -> result<std::int64_t> {
                for (const auto& [nk, ad] : rows) {
                    del.bind(1, nk).bind(2, ad);
                    if (auto n = del.run(); !n) return n;
                }
                return 0;
            });
            if (!r) return std::unexpected(r.error());
            k = rows.back().first;
            a = rows.back().second;
            first = false;
        }
    }

    result<std::uint64_t> profiles() {
        // An "addr:" profile whose correspondent was seen again since the decision is kept.
        stmt del(
            db_, path_,
            "DELETE FROM profiles WHERE profile = ?1 AND NOT EXISTS (SELECT 1 FROM correspondents c WHERE "
            "substr(?1, 1, 5) = 'addr:' AND c.address = substr(?1, 6) AND (c.last_seen >= ?2 OR c.last_seen <= 0))");
        stmt values(db_, path_, "DELETE FROM profile_values WHERE profile = ?1");
        stmt seen(db_, path_, "DELETE FROM profile_seen WHERE profile = ?1");
        for (auto* s : {&del, &values, &seen})
            if (auto ok = s->ok(); !ok) return std::unexpected(ok.error());
        // history_counts has no profile count.
        return by_keys("rg_prune_prof", "profile", nullptr, [&](const std::string& p) -> result<std::int64_t> {
            del.bind(1, p).bind(2, corr_cut_);
            auto n = del.run();
            if (!n || *n == 0) return n;
            for (auto* s : {&values, &seen}) {
                s->bind(1, p);
                if (auto r = s->run(); !r) return r;
            }
            return *n;
        });
    }

    result<void> exec(std::string_view sql) { return sqlite_exec(db_, path_, sql); }

    sqlite3* db_;
    const std::string& path_;
    std::int64_t fp_cut_ = 0, msg_cut_ = 0, corr_cut_ = 0;  // 0: kept for ever
};

}  // namespace

result<prune_report> sqlite_prune(sqlite3* db, const std::string& path, const retention_policy& p, std::int64_t now,
                                  bool dry_run) {
    if (p.fingerprint_days < 0 || p.message_days < 0 || p.correspondent_days < 0)
        return fail(errc::parse, "retention days must not be negative");
    return pruner(db, path, p, now).run(dry_run);
}

}  // namespace replyguard::store
