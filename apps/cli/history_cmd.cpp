// SPDX-License-Identifier: Apache-2.0
// apps/cli/history_cmd.cpp - `replyguard history prune|stats`: retention and size of the history store
//
// DESCRIPTION
//   prune: removes what [history.retention] (--config, core/retention.hpp; else the defaults of
//   store::retention_policy) no longer keeps, judged against --now (default: the
//   clock), through store::history::prune() (store/sqlite_prune.hpp says what goes
//   and how it is batched). Prints the policy, what was removed per kind (with
//   --dry-run: what would be, and nothing is written), and for an SQLite file its
//   size before and after (file bytes, and bytes in pages in use: freed pages stay
//   in the file for learn to reuse until --vacuum gives them back).
//   stats: messages, threads and correspondents of the history, and its size.
// DIAGNOSTICS
//   Exit status 0 done, 2 a usage error, a missing or unreadable store, a
//   configuration error, or a backend that cannot prune (said so on stderr).
#include "cli/commands.hpp"
#include "cli/startup.hpp"

#include "core/config.hpp"
#include "core/retention.hpp"
#include "core/toml_file.hpp"
#include "store/history.hpp"
#include "store/sqlite_admin.hpp"

#include <fmt/format.h>

#include <ctime>
#include <filesystem>
#include <iostream>
#include <optional>

namespace replyguard::cli {
namespace {

// core/retention.hpp repeats store::retention_policy's defaults (core cannot include store).
static_assert(history_retention{}.fingerprint_days == store::retention_policy{}.fingerprint_days &&
                  history_retention{}.message_days == store::retention_policy{}.message_days &&
                  history_retention{}.correspondent_days == store::retention_policy{}.correspondent_days,
              "[history.retention] defaults must be store::retention_policy's");

store::retention_policy policy_of(const history_retention& r) {
    return store::retention_policy{r.fingerprint_days, r.message_days, r.correspondent_days};
}

/// "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS][Z]" or "YYYY-MM-DD HH:MM[:SS]" (UTC), or "@SECONDS".
std::optional<std::int64_t> parse_date(const std::string& s) {
    if (s.starts_with("@")) {
        try {
            std::size_t used = 0;
            long long v = std::stoll(s.substr(1), &used);
            if (used + 1 != s.size()) return std::nullopt;
            return v;
        } catch (...) {
            return std::nullopt;
        }
    }
    std::tm tm{};
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0, used = 0;
    if (std::sscanf(s.c_str(), "%4d-%2d-%2d%n", &y, &mo, &d, &used) != 3 || used != 10) return std::nullopt;
    std::string rest = s.substr(10);
    if (!rest.empty()) {
        if (rest[0] != 'T' && rest[0] != ' ') return std::nullopt;
        if (rest.back() == 'Z') rest.pop_back();
        int n = 0;
        if (std::sscanf(rest.c_str() + 1, "%2d:%2d%n", &h, &mi, &n) != 2) return std::nullopt;
        std::string tail = rest.substr(1 + static_cast<std::size_t>(n));
        if (!tail.empty()) {
            int m = 0;
            if (std::sscanf(tail.c_str(), ":%2d%n", &sec, &m) != 1 || static_cast<std::size_t>(m) != tail.size())
                return std::nullopt;
        }
    }
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60 || y < 1970) return std::nullopt;
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    const std::time_t t = timegm(&tm);
    if (tm.tm_mday != d) return std::nullopt;  // 2026-02-30 normalised to March: not a date
    return static_cast<std::int64_t>(t);
}

std::string utc(std::int64_t t) {
    std::time_t tt = static_cast<std::time_t>(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

std::string days(std::int64_t d) { return d == 0 ? std::string("for ever") : fmt::format("{} days", d); }

std::optional<store::sqlite_size> size_of(const std::string& db) {
    if (store::is_redis_url(db)) return std::nullopt;
    auto s = store::sqlite_history_size(db);
    if (!s) return std::nullopt;
    return *s;
}

void print_size(const char* when, const std::optional<store::sqlite_size>& s) {
    if (s) std::cout << fmt::format("store {}: {} bytes (file), {} bytes in use\n", when, s->file_bytes, s->used_bytes);
}

int fail_with(const std::string& what) {
    std::cerr << "replyguard history: " << what << "\n";
    return 2;
}

int run_prune(const history_args& a, const std::string& db, const history_retention& ret) {
    std::int64_t now = static_cast<std::int64_t>(std::time(nullptr));
    if (!a.now.empty()) {
        auto t = parse_date(a.now);
        if (!t)
            return fail_with(fmt::format("--now {}: not a date (YYYY-MM-DD[THH:MM[:SS]], UTC, or @SECONDS)", a.now));
        now = *t;
    }
    if (!store::is_redis_url(db)) {
        std::error_code ec;
        if (!std::filesystem::exists(db, ec)) return fail_with(fmt::format("{}: no such history file", db));
    }
    // A dry run writes nothing: not even the schema migration a read-write open makes.
    auto h = store::open_history(db, a.dry_run ? store::open_mode::read_only : store::open_mode::read_write);
    if (!h) return fail_with(h.error().message);
    const auto before = size_of(db);
    const auto p = policy_of(ret);
    auto rep = (*h)->prune(p, now, a.dry_run);
    if (!rep) {
        if (rep.error().code == errc::unsupported) return fail_with(fmt::format("{}: {}", db, rep.error().message));
        return fail_with(rep.error().message);
    }
    h->reset();  // close before measuring and compacting
    std::cout << fmt::format("history {} as of {}{}\n", db, utc(now), a.dry_run ? " (dry run: nothing removed)" : "");
    std::cout << fmt::format("kept: fingerprints {}, messages {}, correspondents {}\n", days(p.fingerprint_days),
                             days(p.message_days), days(p.correspondent_days));
    const char* verb = a.dry_run ? "would remove" : "removed";
    std::cout << fmt::format("{} fingerprints {}\n", verb, rep->fingerprints)
              << fmt::format("{} messages {}\n", verb, rep->messages)
              << fmt::format("{} threads {}\n", verb, rep->threads)
              << fmt::format("{} correspondents {}\n", verb, rep->correspondents)
              << fmt::format("{} profiles {}\n", verb, rep->profiles);
    if (!a.dry_run && before) {
        if (auto c = store::sqlite_history_compact(db, a.vacuum); !c) return fail_with(c.error().message);
    }
    print_size("before", before);
    if (!a.dry_run) print_size("after", size_of(db));
    return 0;
}

int run_stats(const std::string& db) {
    if (!store::is_redis_url(db)) {
        std::error_code ec;
        if (!std::filesystem::exists(db, ec)) return fail_with(fmt::format("{}: no such history file", db));
    }
    auto h = store::open_history(db, store::open_mode::read_only);
    if (!h) return fail_with(h.error().message);
    auto st = (*h)->stats();
    if (!st) return fail_with(st.error().message);
    h->reset();
    std::cout << fmt::format("history {}\nmessages {}\nthreads {}\ncorrespondents {}\n", db, st->messages, st->threads,
                             st->correspondents);
    print_size("size", size_of(db));
    return 0;
}

}  // namespace

int run_history(const history_args& a) {
    history_retention ret;
    if (!a.config.empty()) {
        // The whole file is checked (a bad value anywhere is an error, as for every command).
        auto doc = read_toml(a.config);
        if (!doc) return fail_with(doc.error().message);
        auto c = config_from_toml(*doc);
        if (!c) return fail_with(c.error().message);
        use_history_memory(*c);  // [history] cache_mb, mmap_mb
        auto r = retention_from_toml(*doc);
        if (!r) return fail_with(r.error().message);
        ret = *r;
    }
    const std::string db = a.db.empty() ? default_db_path() : a.db;
    if (a.action == "prune") return run_prune(a, db, ret);
    if (a.action == "stats") return run_stats(db);
    return fail_with("no such action: " + a.action);
}

}  // namespace replyguard::cli
