// SPDX-License-Identifier: Apache-2.0
// store/sqlite_history.cpp - the history in one SQLite file (WAL)
//
// DESCRIPTION
//   One file, journal_mode=WAL (scans read while learn writes), a
//   schema_version table and an ordered list of migrations (k_migrations[i]
//   takes version i to i+1; applied by store/sqlite_schema.hpp, the helper the
//   campaign's detections table uses too). Every put() is one transaction, or part
//   of a batch's, so a crash never leaves half a message; relearning a
//   stored key changes nothing (the messages row is checked first, inside the
//   same transaction). Inside a batch put() writes the message's row and merges
//   the rest per key in memory (its thread and participants, which find_thread
//   and threads_by_subject read through, correspondents, names, domains, counts,
//   fingerprint postings, and the sender profiles of learn_profile()); the
//   batch's commit writes each of those rows once, and another read of them
//   inside the batch writes them first. The rows but the postings are written
//   sooner, still inside the batch, once they hold 1 MiB
//   (set_sqlite_batch_rows_kib): a batch's memory does not grow with its
//   messages. Prepared statements are cached per SQL text. One connection per
//   object; calls are serialised by a mutex, so parallel scan threads may share
//   it; a read batch is one read transaction. The milter's outbound state lives
//   in the tables of migration 2, kept by store/sqlite_outbound.cpp on its own
//   connection.
//   Quote lookups read a Bloom filter of the stored fingerprints first (migration 7,
//   fp_filter below: most of a scan's probes are of hashes never stored). Commits
//   insert postings into a small table merged into the large one now and then
//   (migration 8, store/fp_levels.hpp). A
//   read-only connection memoises what repeats from message to message (the
//   filter's rows, boilerplate hashes, find_thread and find_profile answers) until another
//   connection commits (PRAGMA data_version).
//   A read-only open (scan) never writes: no WAL switch, no schema table; a
//   file the user may only read, in a folder it may not write, is read as an
//   immutable snapshot when SQLite cannot set up its shared-memory index.
// DIAGNOSTICS
//   Every SQLite error becomes errc::store with the file name and SQLite's
//   message. A file written by a newer schema is refused rather than misread.
#include "store/fp_levels.hpp"
#include "store/history.hpp"
#include "store/outbound_state.hpp"
#include "store/posting_runs.hpp"
#include "store/sqlite_profiles.hpp"
#include "store/sqlite_prune.hpp"
#include "store/sqlite_schema.hpp"

#include <fmt/format.h>
#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <span>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace replyguard::store {
namespace {

// Each entry takes the schema from version i to i+1. Never edit a released entry: append.
constexpr std::array<std::string_view, 8> k_migrations{
    R"sql(
CREATE TABLE messages (
  key TEXT PRIMARY KEY, message_id TEXT NOT NULL, thread_id TEXT NOT NULL, date INTEGER NOT NULL,
  from_addr TEXT NOT NULL, from_name TEXT NOT NULL, recipients TEXT NOT NULL,
  subject TEXT NOT NULL, subject_key TEXT NOT NULL, sent INTEGER NOT NULL);
CREATE TABLE threads (
  id TEXT PRIMARY KEY, subject TEXT NOT NULL, subject_key TEXT NOT NULL,
  first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL, messages INTEGER NOT NULL);
CREATE INDEX threads_subject ON threads(subject_key);
CREATE TABLE thread_participants (
  thread_id TEXT NOT NULL, address TEXT NOT NULL, name TEXT NOT NULL,
  PRIMARY KEY (thread_id, address)) WITHOUT ROWID;
CREATE TABLE correspondents (
  address TEXT PRIMARY KEY, first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL, count INTEGER NOT NULL);
CREATE TABLE correspondent_names (address TEXT NOT NULL, name TEXT NOT NULL, PRIMARY KEY (address, name)) WITHOUT ROWID;
CREATE TABLE correspondent_wrote_to (address TEXT NOT NULL, ours TEXT NOT NULL, PRIMARY KEY (address, ours)) WITHOUT ROWID;
CREATE TABLE name_index (name_key TEXT NOT NULL, address TEXT NOT NULL, PRIMARY KEY (name_key, address)) WITHOUT ROWID;
CREATE TABLE fingerprints (hash INTEGER NOT NULL, message_key TEXT NOT NULL, PRIMARY KEY (hash, message_key)) WITHOUT ROWID;
CREATE TABLE message_fp_count (message_key TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE domains (domain TEXT PRIMARY KEY, count INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE org_domains (domain TEXT PRIMARY KEY) WITHOUT ROWID;
)sql",
    // 2: store/outbound_state.hpp (per-account submission state of the milter).
    R"sql(
CREATE TABLE outbound_ips (
  account TEXT NOT NULL, ip TEXT NOT NULL, last_seen INTEGER NOT NULL, PRIMARY KEY (account, ip)) WITHOUT ROWID;
CREATE INDEX outbound_ips_seen ON outbound_ips(last_seen);
CREATE TABLE outbound_sends (account TEXT NOT NULL, at INTEGER NOT NULL);
CREATE INDEX outbound_sends_account ON outbound_sends(account, at);
CREATE INDEX outbound_sends_at ON outbound_sends(at);
)sql",
    // 3: sender profiles (store/sqlite_profiles.hpp).
    k_profile_migration,
    // 4: the compact history (issue 13). Fingerprint postings name their message by an
    // integer id (messages.id) instead of repeating its text key in every row (48
    // fingerprints a message: most of the file); the per-message fingerprint count is a
    // column of messages; threads and correspondents are WITHOUT ROWID tables (their text
    // key was stored twice, in the table and in its primary-key index).
    R"sql(
CREATE TABLE messages_v4 (
  id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, message_id TEXT NOT NULL, thread_id TEXT NOT NULL,
  date INTEGER NOT NULL, from_addr TEXT NOT NULL, from_name TEXT NOT NULL, recipients TEXT NOT NULL,
  subject TEXT NOT NULL, subject_key TEXT NOT NULL, sent INTEGER NOT NULL, fp_n INTEGER NOT NULL);
INSERT INTO messages_v4(key, message_id, thread_id, date, from_addr, from_name, recipients, subject, subject_key,
                        sent, fp_n)
  SELECT m.key, m.message_id, m.thread_id, m.date, m.from_addr, m.from_name, m.recipients, m.subject,
         m.subject_key, m.sent, coalesce(c.n, 0)
  FROM messages m LEFT JOIN message_fp_count c ON c.message_key = m.key ORDER BY m.rowid;
CREATE TABLE fp_postings (hash INTEGER NOT NULL, msg INTEGER NOT NULL, PRIMARY KEY (hash, msg)) WITHOUT ROWID;
INSERT INTO fp_postings SELECT f.hash, m.id FROM fingerprints f JOIN messages_v4 m ON m.key = f.message_key;
DROP TABLE fingerprints;
DROP TABLE message_fp_count;
DROP TABLE messages;
ALTER TABLE messages_v4 RENAME TO messages;
CREATE TABLE threads_v4 (
  id TEXT PRIMARY KEY, subject TEXT NOT NULL, subject_key TEXT NOT NULL,
  first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL, messages INTEGER NOT NULL) WITHOUT ROWID;
INSERT INTO threads_v4 SELECT id, subject, subject_key, first_seen, last_seen, messages FROM threads;
DROP TABLE threads;
ALTER TABLE threads_v4 RENAME TO threads;
CREATE INDEX threads_subject ON threads(subject_key);
CREATE TABLE correspondents_v4 (
  address TEXT PRIMARY KEY, first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL, count INTEGER NOT NULL)
  WITHOUT ROWID;
INSERT INTO correspondents_v4 SELECT address, first_seen, last_seen, count FROM correspondents;
DROP TABLE correspondents;
ALTER TABLE correspondents_v4 RENAME TO correspondents;
)sql",
    // 5: stats() in constant time: the counts kept by put() (three count(*) per scanned
    // message were 50 ms at 327k messages).
    R"sql(
CREATE TABLE history_counts (messages INTEGER NOT NULL, threads INTEGER NOT NULL, correspondents INTEGER NOT NULL);
INSERT INTO history_counts SELECT (SELECT count(*) FROM messages), (SELECT count(*) FROM threads),
                                  (SELECT count(*) FROM correspondents);
)sql",
    // 6: retention (store/sqlite_prune.hpp): messages found by their date.
    k_prune_migration,
    // 7: the fingerprint filter (fp_filter below): which hashes have postings, in ~2 bytes
    // a distinct hash. Empty until the first learn batch of this schema builds it.
    R"sql(
CREATE TABLE fp_filter (seg INTEGER PRIMARY KEY, bits BLOB NOT NULL);
CREATE TABLE fp_filter_meta (word_bits INTEGER NOT NULL, keys INTEGER NOT NULL);
)sql",
    // 8: postings in two levels (store/fp_levels.hpp): a commit inserts into fp_recent,
    // merged into fp_postings when it holds an eighth as many; fp_levels counts both.
    R"sql(
CREATE TABLE fp_recent (hash INTEGER NOT NULL, msg INTEGER NOT NULL, PRIMARY KEY (hash, msg)) WITHOUT ROWID;
CREATE TABLE fp_levels (recent INTEGER NOT NULL, main INTEGER NOT NULL);
INSERT INTO fp_levels SELECT 0, count(*) FROM fp_postings;
)sql",
};
// A reader needs only the tables of this many migrations (the later ones are
// the milter's outbound state and the sender profiles, which read as "none" when their
// tables are missing), so scan keeps reading a file no learn has migrated yet.
constexpr int k_min_readable_version = 1;

}  // namespace

// --- The fingerprint filter (migration 7) ----------------------------------------
// A scan's quote lookup probes fp_postings once per distinct winnowed fingerprint of
// the quoted text (~100 a message in bench/history_gen.py's sample), but a message
// stores only its 48 smallest (a bottom-k sample: history/fingerprint.hpp), so ~77%
// of the probes find nothing (2,500 messages: 199,110 of 258,484 probes at 1M learnt
// messages, 202,319 at 10k). Each probe is a B-tree descent to a random leaf; at 1M
// the postings (846 MB) do not fit the page cache and 43% of the probes read a page
// (`pread`). The filter answers "absent" for most of those without the descent.
//
// A blocked Bloom filter: 2^word_bits 64-bit words, a hash's word chosen by its top
// word_bits bits, three bits in it by a multiplicative mix of the whole hash. Built
// with 32 bits a distinct hash, rebuilt twice as large past 16 (filter_capacity):
// on the 2,500-message sample 4.3% of the probes without postings pass at 32 bits a
// hash, 10.4% at 16 (stored hashes are bottom-k samples, so small hashes are denser
// and their words fuller than a uniform load's ~1-2%). Stored as 1 KB rows
// (k_filter_seg_words words) keyed by the word's top bits, so the sorted probes of a
// message read each row once and a rebuild writes the rows in key order from one
// pass over fp_postings (one row in memory). It only ever says "absent" for a hash
// without postings: the answers are those of probing every hash
// (tests/unit/store/fp_filter_test.cpp compares them). Prune leaves the bits of
// pruned postings set (still a superset). Built by the first learn batch of schema 7
// (two passes over fp_postings: 7.7 CPU s at 1M learnt messages), then kept by each
// flush_postings. Size: 2-8 bytes a distinct hash (16-64 bits: built with 32-64,
// grown past 16); 8 MB for the generated 1M history's 1.7M distinct hashes, 512 KB
// (+16% of the file) for 2,500 messages' 67,604 just after a growth; where every
// message's text is new, 48 hashes a message: ~100-400 bytes a message (~6-24% of
// the store). SQLite only: Redis answers the same without it.
constexpr int k_filter_seg_log2 = 7;  ///< 128 words (1 KB) a row
constexpr std::size_t k_filter_seg_words = std::size_t{1} << k_filter_seg_log2;
constexpr int k_filter_min_word_bits = 10;  ///< 8 KB for an empty or small history
/// Rows a read-only connection keeps in memory between messages (64 MB: a history
/// of ~30M distinct fingerprints; past it the cache is emptied and refilled).
constexpr std::size_t k_filter_cache_bytes = std::size_t{64} << 20;
/// Bounds of a read-only connection's memos (memo_check()): ~16 MB of hashes (node,
/// bucket and allocator overhead included), threads of a few hundred bytes each.
constexpr std::size_t k_memo_hashes = std::size_t{1} << 18;
constexpr std::size_t k_memo_threads = 4096;
/// Profiles: each at most ~170 (axis, value) counts (the caps of history/profile.cpp's
/// axes), ~17 KB in maps at worst, so 512 of them stay under ~9 MB.
constexpr std::size_t k_memo_profiles = 512;
/// Correspondents: kept only when they hold at most k_memo_list_max strings (a list
/// poster's hundreds of addresses are read each time): at worst ~2 KB an answer, ~4 MB
/// for the memo full of such answers. Name-index answers: always kept, at most
/// k_name_addresses_max + 1 addresses (store/history.hpp), ~4 KB at worst, ~8 MB full
/// (bench/history_gen.py's 1M-message history, which keeps the corpus's names on new
/// addresses, has 1,585 of its 1,587 name keys on more than 32 addresses, 140 on more
/// than 64: their answers, read again for every message, were 8% of a scan's
/// instructions against it with the LIMIT, 11% without).
constexpr std::size_t k_memo_people = 2048;
constexpr std::size_t k_memo_list_max = 32;
/// Whole posting lists (hashes in fewer postings than the LIMIT that read them):
/// 16k hashes of a few ids each, ~1.5 MB.
constexpr std::size_t k_memo_postings = std::size_t{1} << 14;

std::uint64_t filter_mask(std::uint64_t h) {
    const std::uint64_t m = h * 0x9E3779B97F4A7C15ull;
    return (std::uint64_t{1} << (m >> 58)) | (std::uint64_t{1} << ((m >> 52) & 63)) |
           (std::uint64_t{1} << ((m >> 46) & 63));
}

/// word_bits for a filter of `hashes` distinct hashes: 32 bits a hash (at most 2 a word).
int filter_word_bits(std::uint64_t hashes) {
    int w = k_filter_min_word_bits;
    while (w < 40 && (std::uint64_t{1} << w) * 2 < hashes) ++w;
    return w;
}

/// A filter of 2^word_bits words is rebuilt twice as large past 4 hashes a word (16 bits a hash).
std::int64_t filter_capacity(int word_bits) { return std::int64_t{4} << word_bits; }

const sqlite_schema& sqlite_history_schema() {
    static const sqlite_schema s{"schema_version", k_migrations, k_min_readable_version, "history", "run learn"};
    return s;
}

namespace {

class stmt_ref {
public:
    explicit stmt_ref(sqlite3_stmt* s) : s_(s) {}
    ~stmt_ref() {
        if (s_) {
            sqlite3_reset(s_);
            sqlite3_clear_bindings(s_);
        }
    }
    stmt_ref(const stmt_ref&) = delete;
    stmt_ref& operator=(const stmt_ref&) = delete;
    sqlite3_stmt* get() const { return s_; }

    /// The text is not copied (SQLITE_STATIC): it must outlive this stmt_ref, whose
    /// destructor unbinds it (a copy of every bound key and address was 1% of
    /// `learn`'s instructions, callgrind). Bind named objects, never a temporary.
    stmt_ref& bind(int i, std::string_view v) {
        sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
        return *this;
    }
    stmt_ref& bind(int i, std::int64_t v) {
        sqlite3_bind_int64(s_, i, v);
        return *this;
    }
    std::string text(int col) const {
        auto p = reinterpret_cast<const char*>(sqlite3_column_text(s_, col));
        return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(s_, col))) : std::string();
    }
    std::int64_t i64(int col) const { return sqlite3_column_int64(s_, col); }

private:
    sqlite3_stmt* s_;
};

std::string join_lines(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) {
        if (!out.empty()) out += '\n';
        out += s;
    }
    return out;
}

std::vector<std::string> split_lines(const std::string& s) {
    std::vector<std::string> out;
    std::size_t b = 0;
    while (b < s.size()) {
        auto e = s.find('\n', b);
        if (e == std::string::npos) e = s.size();
        out.push_back(s.substr(b, e - b));
        b = e + 1;
    }
    return out;
}

// [history] cache_mb (store::set_sqlite_cache_mb): read by each open's init().
std::atomic<int> g_cache_mb{64};
// [history] mmap_mb (store::set_sqlite_mmap_mb): read by each open's init(); 0 maps nothing.
std::atomic<int> g_mmap_mb{0};
// store::set_sqlite_batch_rows_kib: read by each open's init().
std::atomic<std::size_t> g_batch_rows_bytes{k_sqlite_batch_rows_kib << 10};

class sqlite_history final : public history {
public:
    sqlite_history(sqlite3* db, std::string path, bool rw)
        : db_(db), path_(std::move(path)), rw_(rw), profiles_(db, path_) {}
    ~sqlite_history() override {
        for (auto& [sql, s] : cache_) sqlite3_finalize(s);
        // An open batch is not committed: closing rolls it back, as a crash would.
        sqlite3_close_v2(db_);
    }

    result<void> init() {
        if (auto r = exec("PRAGMA busy_timeout=5000"); !r) return r;
        if (rw_) {
            if (auto r = exec("PRAGMA journal_mode=WAL"); !r) return r;
            if (auto r = exec("PRAGMA synchronous=NORMAL"); !r) return r;
        }
        // 64 MB of page cache for readers too (SQLite's default is 2 MB): a scan's
        // lookups (fingerprint postings, threads, correspondents) touch pages all over
        // the file, and with 2 MB a 16 MB history (10k messages) was read again and
        // again, one pread(2) a page: `scan -j1` of 2,500 generated messages against
        // it took 1.8-2.5 CPU s, a third of it system time, and 1.2-1.9 s with this
        // (bench/README.md, "History at scale"). The cache fills only as pages are
        // read, so a small history costs no more memory than before.
        // The bound is [history] cache_mb (set_sqlite_cache_mb, default 64 MB).
        if (auto r = exec(fmt::format("PRAGMA cache_size=-{}", std::int64_t{g_cache_mb.load()} * 1024)); !r) return r;
        rows_in_memory_ = g_batch_rows_bytes.load();
        // Off by default: mapped pages count in the RSS and a read error on one is a
        // SIGBUS (store/history.hpp, set_sqlite_mmap_mb).
        if (const int mmap_mb = g_mmap_mb.load(); mmap_mb > 0)
            if (auto r = exec(fmt::format("PRAGMA mmap_size={}", std::int64_t{mmap_mb} << 20)); !r) return r;
        if (auto r = sqlite_migrate(db_, path_, sqlite_history_schema(), rw_); !r) return r;
        // A reader of a file no learn has migrated to 4 yet reads the fingerprints of
        // migration 1 (text keys, message_fp_count); everything else reads the same.
        auto legacy = strings("SELECT name FROM sqlite_master WHERE type='table' AND name='message_fp_count'");
        if (!legacy) return std::unexpected(legacy.error());
        legacy_fp_ = !legacy->empty();
        auto counts = strings("SELECT name FROM sqlite_master WHERE type='table' AND name='history_counts'");
        if (!counts) return std::unexpected(counts.error());
        counted_ = !counts->empty();
        auto recent = has_recent_postings(db_, path_);
        if (!recent) return std::unexpected(recent.error());
        recent_ = *recent;
        return {};
    }

    result<bool> put(const learnt_message& m) override {
        std::lock_guard lock(mu_);
        if (!rw_) return fail(errc::store, fmt::format("{}: opened read-only", path_));
        if (m.rec.key.empty()) return fail(errc::internal, "message without a key");
        // Inside a batch put_inner() writes one row (the message's; SQLite undoes a
        // statement that fails) and merges the rest into the batch's pending rows,
        // which cannot fail: a failed put leaves nothing, without a SAVEPOINT (the
        // SAVEPOINT and its release were 4.3% of `learn`'s instructions, callgrind).
        // When the pending rows have grown past their bound and writing them fails,
        // the batch is rolled back as a whole (flush_or_drop), as a crash would.
        if (batch_) return put_inner(m);
        if (auto r = exec("BEGIN IMMEDIATE"); !r) return std::unexpected(r.error());
        auto r = put_inner(m);
        if (!r || !*r) {
            (void)exec("ROLLBACK");
            // The rows its failed flush did not write go too.
            discard_pending();
            return r;
        }
        if (auto c = exec("COMMIT"); !c) {
            (void)exec("ROLLBACK");
            return std::unexpected(c.error());
        }
        return true;
    }

    result<void> add_org_domain(std::string_view d) override {
        std::lock_guard lock(mu_);
        return run("INSERT OR IGNORE INTO org_domains(domain) VALUES (?1)", {d});
    }
    result<void> begin_batch() override {
        std::lock_guard lock(mu_);
        if (batch_) return fail(errc::store, "a batch is already open");
        // A batch's statement journals (a statement of many rows that fails is undone;
        // each put() was a SAVEPOINT until round 15) are temporary files past 64 KB: 32
        // pwrite calls a message, 10% of learn's CPU (strace -c, 10k messages). In
        // memory they are freed at once. Only for the batch: prune's temporary tables
        // grow with the store and stay on disk.
        if (auto r = exec("PRAGMA temp_store=MEMORY"); !r) return r;
        if (auto r = exec("BEGIN IMMEDIATE"); !r) return r;
        batch_ = true;
        return {};
    }
    result<void> commit_batch() override {
        std::lock_guard lock(mu_);
        if (!batch_) return fail(errc::store, "no batch is open");
        batch_ = false;
        if (auto f = flush_pending(); !f) {
            discard_pending();
            (void)exec("ROLLBACK");  // the batch goes as a whole: a crash would lose it the same way
            (void)exec("PRAGMA temp_store=DEFAULT");
            return f;
        }
        if (auto c = exec("COMMIT"); !c) return c;
        return exec("PRAGMA temp_store=DEFAULT");
    }
    std::size_t batch_bytes() override {
        std::lock_guard lock(mu_);
        return batch_ ? pending_bytes_ + pending_fp_.memory_bytes() : 0;
    }
    result<void> rollback_batch() override {
        std::lock_guard lock(mu_);
        if (!batch_) return fail(errc::store, "no batch is open");
        batch_ = false;
        discard_pending();
        if (auto r = exec("ROLLBACK"); !r) return r;
        return exec("PRAGMA temp_store=DEFAULT");
    }

    result<std::optional<message_record>> find_message(std::string_view key) override {
        std::lock_guard lock(mu_);
        auto p = prepare(
            "SELECT key, message_id, thread_id, date, from_addr, from_name, recipients, subject, "
            "subject_key, sent FROM messages WHERE key=?1");
        if (!p) return std::unexpected(p.error());
        stmt_ref s(*p);
        s.bind(1, key);
        int rc = sqlite3_step(s.get());
        if (rc == SQLITE_DONE) return std::optional<message_record>{};
        if (rc != SQLITE_ROW) return err("find_message");
        message_record m;
        m.key = s.text(0);
        m.message_id = s.text(1);
        m.thread_id = s.text(2);
        m.date = s.i64(3);
        m.from_address = s.text(4);
        m.from_name = s.text(5);
        m.recipients = split_lines(s.text(6));
        m.subject = s.text(7);
        m.subject_key = s.text(8);
        m.sent = s.i64(9) != 0;
        return std::optional<message_record>{std::move(m)};
    }

    result<std::optional<thread_info>> find_thread(std::string_view id) override {
        std::lock_guard lock(mu_);
        // A subject key leads to the same up-to-20 threads for every message of a thread
        // (28,037 lookups, 2 statements each, for the 2,500-message sample at 1M).
        return memoised(thread_memo_, k_memo_threads, id, [&] { return read_thread(id); });
    }

    /// The stored thread with what the open batch has merged into it (a writer
    /// learning reads the threads of the messages before, flush_pending writes them
    /// at commit): what writing each message at once would have stored.
    result<std::optional<thread_info>> read_thread(std::string_view id) {
        auto stored = read_stored_thread(id);
        if (!stored || pending_thread_rows_.empty()) return stored;
        const auto it = pending_thread_rows_.find(id);
        if (it == pending_thread_rows_.end()) return stored;
        const thread_rows& p = it->second;
        thread_info t;
        if (*stored) {
            t = std::move(**stored);
            t.first_seen = merged_first(t.first_seen, p.first);
            t.last_seen = std::max(t.last_seen, p.last);
        } else {
            t.id = std::string(id);
            t.subject = p.subject;
            t.subject_key = p.subject_key;
            t.first_seen = p.first;
            t.last_seen = p.last;
        }
        t.messages += static_cast<std::uint64_t>(p.count);
        for (auto q = pending_participants_.lower_bound({std::string(id), std::string()});
             q != pending_participants_.end() && q->first.first == id; ++q) {
            const std::string& address = q->first.second;
            auto at = std::lower_bound(t.participants.begin(), t.participants.end(), address,
                                       [](const participant& a, const std::string& b) { return a.address < b; });
            if (at != t.participants.end() && at->address == address) {
                if (!q->second.empty()) at->name = q->second;
            } else {
                t.participants.insert(at, participant{address, q->second});
            }
        }
        return std::optional<thread_info>{std::move(t)};
    }

    result<std::optional<thread_info>> read_stored_thread(std::string_view id) {
        auto p = prepare("SELECT subject, subject_key, first_seen, last_seen, messages FROM threads WHERE id=?1");
        if (!p) return std::unexpected(p.error());
        thread_info t;
        {
            stmt_ref s(*p);
            s.bind(1, id);
            int rc = sqlite3_step(s.get());
            if (rc == SQLITE_DONE) return std::optional<thread_info>{};
            if (rc != SQLITE_ROW) return err("find_thread");
            t.id = std::string(id);
            t.subject = s.text(0);
            t.subject_key = s.text(1);
            t.first_seen = s.i64(2);
            t.last_seen = s.i64(3);
            t.messages = static_cast<std::uint64_t>(s.i64(4));
        }
        auto q = prepare("SELECT address, name FROM thread_participants WHERE thread_id=?1 ORDER BY address");
        if (!q) return std::unexpected(q.error());
        stmt_ref s(*q);
        s.bind(1, id);
        int rc;
        while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) t.participants.push_back({s.text(0), s.text(1)});
        if (rc != SQLITE_DONE) return err("find_thread participants");
        return std::optional<thread_info>{std::move(t)};
    }

    result<std::vector<std::string>> threads_by_subject(std::string_view key, std::size_t max) override {
        std::lock_guard lock(mu_);
        auto ids = strings("SELECT id FROM threads WHERE subject_key=?1 ORDER BY id LIMIT ?2", key,
                           static_cast<std::int64_t>(max));
        if (!ids || pending_thread_rows_.empty()) return ids;
        // The open batch's new threads of this subject key (a pending row of a stored
        // thread carries its first pending message's key, not the stored one's).
        for (auto it = pending_by_subject_.lower_bound({std::string(key), std::string()});
             it != pending_by_subject_.end() && it->first == key; ++it) {
            const std::string& id = it->second;
            auto stored = strings("SELECT id FROM threads WHERE id=?1", std::string_view(id));
            if (!stored) return std::unexpected(stored.error());
            if (stored->empty()) ids->push_back(id);
        }
        std::sort(ids->begin(), ids->end());
        ids->erase(std::unique(ids->begin(), ids->end()), ids->end());
        if (ids->size() > max) ids->resize(max);
        return ids;
    }

    result<std::optional<correspondent>> find_correspondent(std::string_view a) override {
        std::lock_guard lock(mu_);
        if (auto f = flush_for_read(); !f) return std::unexpected(f.error());
        // The same correspondents write message after message (three statements a
        // lookup: 3.4% of `scan -j1`'s instructions for 1,000 generated messages against
        // a 10k history, callgrind 2026-12-06).
        return memoised(
            correspondent_memo_, k_memo_people, a, [&] { return read_correspondent(a); },
            [](const std::optional<correspondent>& c) {
                return !c || c->names.size() + c->wrote_to.size() <= k_memo_list_max;
            });
    }

    result<std::optional<correspondent>> read_correspondent(std::string_view a) {
        auto p = prepare("SELECT first_seen, last_seen, count FROM correspondents WHERE address=?1");
        if (!p) return std::unexpected(p.error());
        correspondent c;
        {
            stmt_ref s(*p);
            s.bind(1, a);
            int rc = sqlite3_step(s.get());
            if (rc == SQLITE_DONE) return std::optional<correspondent>{};
            if (rc != SQLITE_ROW) return err("find_correspondent");
            c.address = std::string(a);
            c.first_seen = s.i64(0);
            c.last_seen = s.i64(1);
            c.count = static_cast<std::uint64_t>(s.i64(2));
        }
        auto n = strings("SELECT name FROM correspondent_names WHERE address=?1 ORDER BY name", a);
        if (!n) return std::unexpected(n.error());
        c.names = std::move(*n);
        auto w = strings("SELECT ours FROM correspondent_wrote_to WHERE address=?1 ORDER BY ours", a);
        if (!w) return std::unexpected(w.error());
        c.wrote_to = std::move(*w);
        return std::optional<correspondent>{std::move(c)};
    }

    result<std::vector<std::string>> addresses_for_name(std::string_view k) override {
        std::lock_guard lock(mu_);
        if (auto f = flush_for_read(); !f) return std::unexpected(f.error());
        return memoised(name_memo_, k_memo_people, k,
                        [&] {  // every answer kept: the LIMIT bounds it
                            return strings("SELECT address FROM name_index WHERE name_key=?1 ORDER BY address LIMIT ?2",
                                           k, static_cast<std::int64_t>(k_name_addresses_max + 1));
                        });
    }

    result<std::vector<fingerprint_hit>> match_fingerprints(std::span<const std::uint64_t> fps, std::size_t max_df,
                                                            std::size_t min_matched) override {
        std::lock_guard lock(mu_);
        // Inside a batch, its postings are still in memory (put()): write them first.
        if (auto f = flush_postings(); !f) return std::unexpected(f.error());
        std::map<std::string, std::size_t> counts;
        std::vector<std::uint64_t> uniq(fps.begin(), fps.end());
        std::sort(uniq.begin(), uniq.end());
        uniq.erase(std::unique(uniq.begin(), uniq.end()), uniq.end());
        std::vector<fingerprint_hit> out;
        if (legacy_fp_) {
            for (auto fp : uniq) {
                // LIMIT max_df+1: enough to tell boilerplate without reading every row.
                auto keys = strings("SELECT message_key FROM fingerprints WHERE hash=?1 LIMIT ?2",
                                    static_cast<std::int64_t>(fp), static_cast<std::int64_t>(max_df + 1));
                if (!keys) return std::unexpected(keys.error());
                if (keys->size() > max_df) continue;
                for (auto& k : *keys) ++counts[k];
            }
            for (const auto& [k, n] : counts) {
                if (n < min_matched) continue;
                auto c = strings("SELECT n FROM message_fp_count WHERE message_key=?1", k);
                if (!c) return std::unexpected(c.error());
                out.push_back({k, n, c->empty() ? 0 : static_cast<std::size_t>(std::stoull((*c)[0]))});
            }
        } else {
            std::map<std::int64_t, std::size_t> by_id;
            if (auto f = filter_refresh(); !f) return std::unexpected(f.error());
            // A hash's postings are in either level or both (store/fp_levels.hpp).
            auto p = prepare(recent_ ? "SELECT msg FROM fp_postings WHERE hash=?1 UNION ALL "
                                       "SELECT msg FROM fp_recent WHERE hash=?1 LIMIT ?2"
                                     : "SELECT msg FROM fp_postings WHERE hash=?1 LIMIT ?2");
            if (!p) return std::unexpected(p.error());
            // uniq is sorted (as unsigned): each filter row is read once for this message.
            std::int64_t row = -1;
            const std::uint64_t* words = nullptr;
            for (auto fp : uniq) {
                if (filter_.word_bits > 0) {
                    const std::uint64_t word = fp >> (64 - filter_.word_bits);
                    const auto seg = static_cast<std::int64_t>(word >> k_filter_seg_log2);
                    if (seg != row) {
                        auto w = filter_row(seg);
                        if (!w) return std::unexpected(w.error());
                        words = *w;
                        row = seg;
                    }
                    const std::uint64_t mask = filter_mask(fp);
                    if (words && (words[word & (k_filter_seg_words - 1)] & mask) != mask) continue;  // no postings
                }
                if (!rw_) {
                    if (auto it = common_.find(fp); it != common_.end() && it->second > max_df) continue;
                    // Quoted text recurs from message to message of a thread: a whole list
                    // read before answers for every max_df (over it: boilerplate here).
                    if (auto it = postings_memo_.find(fp); it != postings_memo_.end()) {
                        if (it->second.size() <= max_df)
                            for (auto id : it->second) ++by_id[id];
                        continue;
                    }
                }
                // LIMIT max_df+1: enough to tell boilerplate without reading every row.
                std::vector<std::int64_t> ids;
                stmt_ref s(*p);
                s.bind(1, static_cast<std::int64_t>(fp)).bind(2, static_cast<std::int64_t>(max_df + 1));
                int rc;
                while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) ids.push_back(s.i64(0));
                if (rc != SQLITE_DONE) return err("match_fingerprints");
                if (ids.size() > max_df) {
                    // Formulaic text recurs in most messages (greetings, signatures: 55,694
                    // of the 2,500-message sample's 81,701 probes at 1M learnt messages).
                    if (!rw_) {
                        if (common_.size() >= k_memo_hashes) common_.clear();
                        common_[fp] = static_cast<std::uint32_t>(ids.size());
                    }
                    continue;
                }
                for (auto id : ids) ++by_id[id];
                if (!rw_) {
                    if (postings_memo_.size() >= k_memo_postings) postings_memo_.clear();
                    postings_memo_.emplace(fp, std::move(ids));
                }
            }
            // Answers as migration 1 gave them: by message key (then best first, below).
            std::map<std::string, std::pair<std::size_t, std::size_t>> hits;
            auto q = prepare("SELECT key, fp_n FROM messages WHERE id=?1");
            if (!q) return std::unexpected(q.error());
            for (const auto& [id, n] : by_id) {
                // (An id is one message: its count is the message's. 30,754 of these reads
                // for the 2,500-message sample at 10k learnt messages, ~2,600 with 4.)
                if (n < min_matched) continue;
                stmt_ref s(*q);
                s.bind(1, id);
                int rc = sqlite3_step(s.get());
                if (rc == SQLITE_ROW)
                    hits[s.text(0)] = {n, static_cast<std::size_t>(s.i64(1))};
                else if (rc != SQLITE_DONE)
                    return err("match_fingerprints message");
            }
            for (const auto& [k, v] : hits) out.push_back({k, v.first, v.second});
        }
        std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.matched > b.matched; });
        return out;
    }

    // org_domains, is_known_domain and stats are asked once or more for every scanned
    // message (1.1% of a scan's instructions against a 10k history): a read-only
    // connection answers them from its memos (the first two under the key "": one
    // answer each).
    result<std::vector<std::string>> org_domains() override {
        std::lock_guard lock(mu_);
        return memoised(org_memo_, 1, "", [&] { return strings("SELECT domain FROM org_domains ORDER BY domain"); });
    }
    result<std::vector<std::string>> known_domains() override {
        std::lock_guard lock(mu_);
        if (auto f = flush_for_read(); !f) return std::unexpected(f.error());
        return strings("SELECT domain FROM domains ORDER BY domain");
    }
    result<bool> is_known_domain(std::string_view d) override {
        std::lock_guard lock(mu_);
        if (auto f = flush_for_read(); !f) return std::unexpected(f.error());
        return memoised(known_domain_memo_, k_memo_people, d, [&]() -> result<bool> {
            auto v = strings("SELECT domain FROM domains WHERE domain=?1", d);
            if (!v) return std::unexpected(v.error());
            return !v->empty();
        });
    }
    result<history_stats> stats() override {
        std::lock_guard lock(mu_);
        if (auto f = flush_for_read(); !f) return std::unexpected(f.error());
        return memoised(stats_memo_, 1, "", [&] { return read_stats(); });
    }
    result<history_stats> read_stats() {
        history_stats st;
        auto count = [&](const char* sql, std::uint64_t& out) -> result<void> {
            auto v = strings(sql);
            if (!v) return std::unexpected(v.error());
            out = v->empty() ? 0 : std::stoull((*v)[0]);
            return {};
        };
        if (counted_) {
            auto p = prepare("SELECT messages, threads, correspondents FROM history_counts");
            if (!p) return std::unexpected(p.error());
            stmt_ref s(*p);
            if (sqlite3_step(s.get()) != SQLITE_ROW) return err("stats");
            st.messages = static_cast<std::uint64_t>(s.i64(0));
            st.threads = static_cast<std::uint64_t>(s.i64(1));
            st.correspondents = static_cast<std::uint64_t>(s.i64(2));
            return st;
        }
        if (auto r = count("SELECT count(*) FROM messages", st.messages); !r) return std::unexpected(r.error());
        if (auto r = count("SELECT count(*) FROM threads", st.threads); !r) return std::unexpected(r.error());
        if (auto r = count("SELECT count(*) FROM correspondents", st.correspondents); !r)
            return std::unexpected(r.error());
        return st;
    }

    // One read transaction for a whole batch (issue 13). In autocommit mode
    // every statement took and dropped SQLite's shared lock and checked the
    // file: about 330 fcntl and 170 fstat calls per message scanned with a
    // history, 5x the CPU time of the analysis and most of its wall time.
    // The batch also reads one snapshot now. Inside a write batch (learn) the
    // open transaction already covers it.
    result<read_answers> read(const read_batch& b) override {
        std::lock_guard lock(mu_);
        if (batch_ || !sqlite3_get_autocommit(db_)) return history::read(b);
        // Prepared once (step), not compiled again by sqlite3_exec at every message: the
        // two statements were 1.8% of `scan -j1`'s instructions against a 10k history.
        if (auto r = step("BEGIN"); !r) return std::unexpected(r.error());
        // One snapshot: the memos are checked once for the whole batch.
        auto m = memo_check();
        in_read_ = m.has_value();
        auto a = m ? history::read(b) : result<read_answers>(std::unexpected(m.error()));
        in_read_ = false;
        // Only reads happened: ending the transaction releases the lock. Should
        // COMMIT fail, ROLLBACK does the same and keeps the connection usable.
        if (auto c = step("COMMIT"); !c) (void)exec("ROLLBACK");
        return a;
    }

    // --- sender profiles (store/sqlite_profiles.cpp) -----------------------
    result<bool> learn_profile(const profile_update& u) override {
        std::lock_guard lock(mu_);
        if (!rw_) return fail(errc::store, fmt::format("{}: opened read-only", path_));
        return profiles_.learn(u, batch_);
    }
    result<std::optional<profile_counts>> find_profile(std::string_view key) override {
        std::lock_guard lock(mu_);
        if (auto f = flush_for_read(); !f) return std::unexpected(f.error());
        // The same senders write message after message: their profile is read once per
        // memo_check() epoch (two statements and every (axis, value) row into maps: 4%
        // of `scan -j1`'s instructions against a 10k history, callgrind 2026-12-06).
        return memoised(profile_memo_, k_memo_profiles, key, [&] { return profiles_.find(key); });
    }

    // --- retention (store/sqlite_prune.cpp) ---------------------------------
    result<prune_report> prune(const retention_policy& p, std::int64_t now, bool dry_run) override {
        std::lock_guard lock(mu_);
        if (!rw_ && !dry_run) return fail(errc::store, fmt::format("{}: opened read-only", path_));
        if (batch_) return fail(errc::store, "prune inside a batch");
        if (legacy_fp_ || !counted_)
            return fail(errc::store, fmt::format("{}: history schema older than 5: run learn (or prune without "
                                                 "--dry-run) to migrate it first",
                                                 path_));
        return sqlite_prune(db_, path_, p, now, dry_run);
    }

private:
    template <class... A>
    result<std::vector<std::string>> strings(const char* sql, A... args) {
        auto p = prepare(sql);
        if (!p) return std::unexpected(p.error());
        stmt_ref s(*p);
        int i = 1;
        (s.bind(i++, args), ...);
        std::vector<std::string> out;
        int rc;
        while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) out.push_back(s.text(0));
        if (rc != SQLITE_DONE) return err(sql);
        return out;
    }

    result<void> run(const char* sql, std::initializer_list<std::string_view> text_args,
                     std::initializer_list<std::int64_t> int_args = {}) {
        auto p = prepare(sql);
        if (!p) return std::unexpected(p.error());
        stmt_ref s(*p);
        int i = 1;
        for (auto t : text_args) s.bind(i++, t);
        for (auto v : int_args) s.bind(i++, v);
        if (sqlite3_step(s.get()) != SQLITE_DONE) return err(sql);
        return {};
    }

    result<bool> put_inner(const learnt_message& m) {
        {
            auto known = strings("SELECT key FROM messages WHERE key=?1", std::string_view(m.rec.key));
            if (!known) return std::unexpected(known.error());
            if (!known->empty()) return false;
        }
        const auto& r = m.rec;
        const std::string recips = join_lines(r.recipients);
        if (auto x =
                run("INSERT INTO messages(key, message_id, thread_id, from_addr, from_name, recipients, "
                    "subject, subject_key, date, sent, fp_n) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)",
                    {r.key, r.message_id, r.thread_id, r.from_address, r.from_name, recips, r.subject, r.subject_key},
                    {r.date, r.sent ? 1 : 0, static_cast<std::int64_t>(m.fingerprints.size())});
            !x)
            return std::unexpected(x.error());
        const std::int64_t id = sqlite3_last_insert_rowid(db_);
        // Everything else this message teaches is merged into the batch's rows in memory
        // and written at commit, one statement per row (flush_pending): nothing below
        // can fail, so a failed put leaves nothing behind here. The thread and its
        // participants too: learning the next message reads them, through the pending
        // rows (read_thread, threads_by_subject).
        {
            // The subject stays the first message's, as a stored row's stays its own.
            auto [it, fresh] = pending_thread_rows_.try_emplace(
                r.thread_id, thread_rows{{r.date, r.date, 1}, m.thread_subject, r.subject_key});
            if (fresh) {
                pending_by_subject_.emplace(r.subject_key, r.thread_id);
                pending_bytes_ +=
                    2 * k_row_bytes + 2 * r.thread_id.size() + m.thread_subject.size() + 2 * r.subject_key.size();
            } else {
                it->second.add(r.date);
            }
        }
        for (const auto& p : m.participants) {
            // The last name that is not empty wins, as the UPSERT's CASE does.
            auto [it, fresh] = pending_participants_.try_emplace({r.thread_id, p.address}, p.name);
            if (!fresh && !p.name.empty()) it->second = p.name;
            if (fresh) pending_bytes_ += k_row_bytes + r.thread_id.size() + p.address.size() + p.name.size();
        }
        auto pair_row = [this](auto& rows, const std::string& a, const std::string& b) {
            if (rows.emplace(a, b).second) pending_bytes_ += k_row_bytes + a.size() + b.size();
        };
        for (const auto& p : m.participants) {
            auto [it, fresh] = pending_corr_.try_emplace(p.address, seen_rows{r.date, r.date, 1});
            if (!fresh) it->second.add(r.date);
            if (fresh) pending_bytes_ += k_row_bytes + p.address.size();
            if (!p.name.empty()) pair_row(pending_names_, p.address, p.name);
        }
        if (!r.from_address.empty())
            for (const auto& w : m.wrote_to) pair_row(pending_wrote_, r.from_address, w);
        for (const auto& [name, address] : m.names) pair_row(pending_index_, name, address);
        for (const auto& d : m.domains)
            if (++pending_domains_[d] == 1) pending_bytes_ += k_row_bytes + d.size();
        pending_bytes_ += k_profile_bytes;
        for (auto fp : m.fingerprints) pending_fp_.add({static_cast<std::int64_t>(fp), id});
        ++pending_messages_;
        if (!batch_) {
            if (auto f = flush_pending(); !f) return std::unexpected(f.error());
        } else if (pending_bytes_ >= rows_in_memory_) {
            if (auto f = flush_rows_early(); !f) return std::unexpected(f.error());
        }
        return true;
    }

    /// threads/correspondents first_seen: 0 is "no date"; the earliest real date wins.
    static std::int64_t merged_first(std::int64_t first, std::int64_t date) {
        if (date == 0) return first;
        return first == 0 || date < first ? date : first;
    }

    /// Steps an UPSERT ending in RETURNING its count column: true when the count is
    /// `added`, the batch's own (the row is new).
    result<bool> step_counting(sqlite3_stmt* s, std::int64_t added, const char* what) {
        int rc = sqlite3_step(s);
        const bool fresh = rc == SQLITE_ROW && sqlite3_column_int64(s, 0) == added;
        while (rc == SQLITE_ROW) rc = sqlite3_step(s);
        if (rc != SQLITE_DONE) return err(what);
        return fresh;
    }

    // A batch's rows (issue 13): ~30 statements a message were most of learn's SQLite
    // time. Merged per key in memory, each row is written once per batch, in key
    // order (consecutive writes land on the same leaf pages). The tables hold what
    // writing them message by message gives (tests/unit/history/learn_parse_test.cpp).
    result<void> flush_pending() {
        if (auto f = flush_postings(); !f) return f;
        return flush_rows();
    }

    /// The batch's rows but its postings (flush_pending without flush_postings).
    result<void> flush_rows() {
        std::int64_t new_correspondents = 0;
        if (!pending_corr_.empty()) {
            // RETURNING count: equal to this batch's count when the address is new.
            auto q = prepare(
                "INSERT INTO correspondents VALUES (?1,?2,?3,?4) ON CONFLICT(address) DO UPDATE SET "
                "count=count+?4, "
                "first_seen=CASE WHEN ?2=0 THEN first_seen WHEN first_seen=0 OR ?2<first_seen THEN ?2 ELSE "
                "first_seen END, "
                "last_seen=max(last_seen, ?3) RETURNING count");
            if (!q) return std::unexpected(q.error());
            for (const auto& [addr, c] : pending_corr_) {
                stmt_ref s(*q);
                s.bind(1, std::string_view(addr)).bind(2, c.first).bind(3, c.last).bind(4, c.count);
                auto fresh = step_counting(s.get(), c.count, "correspondents");
                if (!fresh) return std::unexpected(fresh.error());
                new_correspondents += *fresh ? 1 : 0;
            }
        }
        auto pairs = [&](const char* sql, const std::set<std::pair<std::string, std::string>>& rows) -> result<void> {
            if (rows.empty()) return {};
            auto p = prepare(sql);
            if (!p) return std::unexpected(p.error());
            for (const auto& [a, b] : rows) {
                stmt_ref s(*p);
                s.bind(1, std::string_view(a)).bind(2, std::string_view(b));
                if (sqlite3_step(s.get()) != SQLITE_DONE) return err(sql);
            }
            return {};
        };
        if (auto x = pairs("INSERT OR IGNORE INTO correspondent_names VALUES (?1,?2)", pending_names_); !x) return x;
        if (auto x = pairs("INSERT OR IGNORE INTO correspondent_wrote_to VALUES (?1,?2)", pending_wrote_); !x) return x;
        if (auto x = pairs("INSERT OR IGNORE INTO name_index VALUES (?1,?2)", pending_index_); !x) return x;
        if (!pending_domains_.empty()) {
            auto p = prepare("INSERT INTO domains VALUES (?1,?2) ON CONFLICT(domain) DO UPDATE SET count=count+?2");
            if (!p) return std::unexpected(p.error());
            for (const auto& [d, n] : pending_domains_) {
                stmt_ref s(*p);
                s.bind(1, std::string_view(d)).bind(2, n);
                if (sqlite3_step(s.get()) != SQLITE_DONE) return err("domains");
            }
        }
        // RETURNING messages: equal to this batch's count when the thread is new.
        std::int64_t new_threads = 0;
        if (!pending_thread_rows_.empty()) {
            auto q = prepare(
                "INSERT INTO threads VALUES (?1,?2,?3,?4,?5,?6) ON CONFLICT(id) DO UPDATE SET messages=messages+?6, "
                "first_seen=CASE WHEN ?4=0 THEN first_seen WHEN first_seen=0 OR ?4<first_seen THEN ?4 ELSE first_seen END, "
                "last_seen=max(last_seen, ?5) RETURNING messages");
            if (!q) return std::unexpected(q.error());
            for (const auto& [id, t] : pending_thread_rows_) {
                stmt_ref s(*q);
                s.bind(1, std::string_view(id))
                    .bind(2, std::string_view(t.subject))
                    .bind(3, std::string_view(t.subject_key))
                    .bind(4, t.first)
                    .bind(5, t.last)
                    .bind(6, t.count);
                auto fresh = step_counting(s.get(), t.count, "threads");
                if (!fresh) return std::unexpected(fresh.error());
                new_threads += *fresh ? 1 : 0;
            }
        }
        if (!pending_participants_.empty()) {
            auto q = prepare(
                "INSERT INTO thread_participants VALUES (?1,?2,?3) ON CONFLICT(thread_id,address) DO "
                "UPDATE SET name=CASE WHEN excluded.name<>'' THEN excluded.name ELSE name END");
            if (!q) return std::unexpected(q.error());
            for (const auto& [key, name] : pending_participants_) {
                stmt_ref s(*q);
                s.bind(1, std::string_view(key.first))
                    .bind(2, std::string_view(key.second))
                    .bind(3, std::string_view(name));
                if (sqlite3_step(s.get()) != SQLITE_DONE) return err("thread_participants");
            }
        }
        if (pending_messages_ > 0)
            if (auto x = run("UPDATE history_counts SET messages=messages+?1, threads=threads+?2, "
                             "correspondents=correspondents+?3",
                             {}, {pending_messages_, new_threads, new_correspondents});
                !x)
                return std::unexpected(x.error());
        if (auto x = profiles_.flush(); !x) return x;
        discard_rows();
        return {};
    }

    void discard_pending() {
        pending_fp_.clear();
        discard_rows();
    }

    void discard_rows() {
        pending_bytes_ = 0;
        pending_corr_.clear();
        pending_names_.clear();
        pending_wrote_.clear();
        pending_index_.clear();
        pending_domains_.clear();
        pending_messages_ = 0;
        pending_thread_rows_.clear();
        pending_by_subject_.clear();
        pending_participants_.clear();
        profiles_.discard();
    }

    /// Reads of the tables put() fills at commit see the open batch's rows first.
    result<void> flush_for_read() {
        if (!batch_) return {};
        return flush_or_drop(flush_pending());
    }

    /// The open batch's rows written into their tables (not committed) once they hold
    /// rows_in_memory_; its postings wait for the commit.
    result<void> flush_rows_early() { return flush_or_drop(flush_rows()); }

    /// `f`, a flush inside the open batch; when it failed the batch is rolled back.
    result<void> flush_or_drop(result<void> f) {
        if (!f) {
            // Part of the rows may be written: the batch goes as a whole, as a crash would.
            discard_pending();
            (void)exec("ROLLBACK");
            (void)exec("PRAGMA temp_store=DEFAULT");
            batch_ = false;
        }
        return f;
    }

    // A batch's fingerprint postings, inserted in (hash, msg) order: 48 a message at
    // random hashes, one B-tree descent each to a random leaf; in key order
    // consecutive inserts land on the same or the next leaf page. They wait in
    // sorted runs (store/posting_runs.hpp: 1 MiB in memory, the rest in a temporary
    // file) and come back merged, a chunk at a time: rows, then the filter's bits.
    // The rows go to fp_recent, merged into fp_postings when it has grown enough
    // (store/fp_levels.hpp): a commit rewrites the small table's leaves, not the
    // whole history's.
    result<void> flush_postings() {
        // With nothing pending, a commit still builds a missing filter (a file just
        // migrated to 7); a read-only connection returns at once.
        if (pending_fp_.empty()) return batch_ || !rw_ ? result<void>{} : filter_add({});
        // k_rows postings a statement: one step, reset and bind round instead of k_rows
        // (the B-tree work is the same).
        constexpr std::size_t k_rows = 128;
        auto many_sql = [](const char* table) {
            std::string sql = fmt::format("INSERT OR IGNORE INTO {} VALUES (?,?)", table);
            for (std::size_t i = 1; i < k_rows; ++i) sql += ",(?,?)";
            return sql;
        };
        static const std::string many_recent = many_sql("fp_recent"), many_main = many_sql("fp_postings");
        const char* table = recent_ ? "fp_recent" : "fp_postings";
        // Looked up once a flush, not once a chunk (the cache's key is the SQL text).
        auto rows = prepare(recent_ ? many_recent : many_main);
        if (!rows) return std::unexpected(rows.error());
        auto one = prepare(recent_ ? "INSERT OR IGNORE INTO fp_recent VALUES (?1,?2)"
                                   : "INSERT OR IGNORE INTO fp_postings VALUES (?1,?2)");
        if (!one) return std::unexpected(one.error());
        auto drained = pending_fp_.drain([&](std::span<const posting> chunk) -> result<void> {
            std::int64_t added = 0;
            std::size_t i = 0;
            for (; i + k_rows <= chunk.size(); i += k_rows) {
                stmt_ref s(*rows);
                for (std::size_t k = 0; k < k_rows; ++k)
                    s.bind(static_cast<int>(2 * k + 1), chunk[i + k].first)
                        .bind(static_cast<int>(2 * k + 2), chunk[i + k].second);
                if (sqlite3_step(s.get()) != SQLITE_DONE) return err(table);
                added += sqlite3_changes(db_);
            }
            for (; i < chunk.size(); ++i) {
                stmt_ref s(*one);
                s.bind(1, chunk[i].first).bind(2, chunk[i].second);
                if (sqlite3_step(s.get()) != SQLITE_DONE) return err(table);
                added += sqlite3_changes(db_);
            }
            // Counted before filter_add, whose rebuild merges the levels.
            if (recent_ && added > 0)
                if (auto c = run("UPDATE fp_levels SET recent=recent+?1", {}, {added}); !c) return c;
            return filter_add(chunk);
        });
        if (!drained || !recent_) return drained;
        auto levels = prepare("SELECT recent, main FROM fp_levels");
        if (!levels) return std::unexpected(levels.error());
        std::int64_t recent = 0, main = 0;
        {
            stmt_ref s(*levels);
            const int rc = sqlite3_step(s.get());
            if (rc != SQLITE_ROW && rc != SQLITE_DONE) return err("fp_levels");
            if (rc == SQLITE_ROW) {
                recent = s.i64(0);
                main = s.i64(1);
            }
        }
        if (!recent_merge_due(recent, main)) return {};
        auto moved = merge_recent_postings(db_, path_);
        if (!moved) return std::unexpected(moved.error());
        return {};
    }

    // --- the fingerprint filter (k_filter_* above) ---------------------------------

    /// read() on a writer (its own batch changes the answers); on a read-only
    /// connection the answer for `key`: from `memo` when this memo_check() epoch read
    /// it already, else read() and remembered when keep(answer) (the memo emptied
    /// when it holds `bound` answers). Errors are not remembered.
    struct keep_all {
        template <class T>
        bool operator()(const T&) const {
            return true;
        }
    };
    template <class T, class Read, class Keep = keep_all>
    result<T> memoised(std::unordered_map<std::string, T>& memo, std::size_t bound, std::string_view key, Read read,
                       Keep keep = {}) {
        if (rw_) return read();
        if (auto m = memo_check(); !m) return std::unexpected(m.error());
        const std::string k(key);
        if (auto it = memo.find(k); it != memo.end()) return it->second;
        auto v = read();
        if (!v || !keep(*v)) return v;
        if (memo.size() >= bound) memo.clear();
        memo.emplace(k, *v);
        return v;
    }

    /// A read-only connection's memos (the filter's rows, boilerplate hashes, threads, profiles)
    /// hold until another connection commits: PRAGMA data_version tells (one statement).
    result<void> memo_check() {
        if (rw_ || in_read_) return {};
        auto v = strings("PRAGMA data_version");
        if (!v) return std::unexpected(v.error());
        const std::string version = v->empty() ? std::string() : (*v)[0];
        if (version == memo_version_) return {};
        memo_version_ = version;
        filter_.loaded = false;
        filter_.rows.clear();
        filter_.cached_bytes = 0;
        common_.clear();
        thread_memo_.clear();
        profile_memo_.clear();
        correspondent_memo_.clear();
        name_memo_.clear();
        postings_memo_.clear();
        org_memo_.clear();
        known_domain_memo_.clear();
        stats_memo_.clear();
        return {};
    }

    /// Before a lookup: whether the file has a built filter, and its size (read-only:
    /// once per memo_check() epoch).
    result<void> filter_refresh() {
        if (!rw_) {
            if (auto m = memo_check(); !m) return m;
            if (filter_.loaded) return {};
        }
        if (!filter_.checked || !rw_) {
            // (Read-only: again in each memo epoch, a learn may have migrated the file since.)
            // (And whether the postings are in two levels, migration 8: the same reason.)
            auto t = strings(
                "SELECT name FROM sqlite_master WHERE type='table' AND name IN ('fp_filter_meta', 'fp_recent')");
            if (!t) return std::unexpected(t.error());
            filter_.tables = std::find(t->begin(), t->end(), "fp_filter_meta") != t->end();
            recent_ = std::find(t->begin(), t->end(), "fp_recent") != t->end();
            filter_.checked = true;
        }
        filter_.loaded = true;
        filter_.word_bits = 0;
        if (!filter_.tables) return {};
        auto q = prepare("SELECT word_bits FROM fp_filter_meta");
        if (!q) return std::unexpected(q.error());
        stmt_ref s(*q);
        const int rc = sqlite3_step(s.get());
        if (rc != SQLITE_ROW && rc != SQLITE_DONE) return err("fp_filter_meta");
        const std::int64_t w = rc == SQLITE_ROW ? s.i64(0) : 0;
        filter_.word_bits = w >= k_filter_seg_log2 && w <= 40 ? static_cast<int>(w) : 0;
        return {};
    }

    /// The words of one filter row, or null when the row is missing or malformed
    /// (then the lookup probes, as without a filter).
    result<const std::uint64_t*> filter_row(std::int64_t seg) {
        if (!rw_)
            if (auto it = filter_.rows.find(seg); it != filter_.rows.end()) return it->second.data();
        auto q = prepare("SELECT bits FROM fp_filter WHERE seg=?1");
        if (!q) return std::unexpected(q.error());
        stmt_ref s(*q);
        s.bind(1, seg);
        const int rc = sqlite3_step(s.get());
        if (rc == SQLITE_DONE) return static_cast<const std::uint64_t*>(nullptr);
        if (rc != SQLITE_ROW) return err("fp_filter");
        if (sqlite3_column_bytes(s.get(), 0) != static_cast<int>(k_filter_seg_words * 8))
            return static_cast<const std::uint64_t*>(nullptr);
        std::vector<std::uint64_t> words(k_filter_seg_words);
        std::memcpy(words.data(), sqlite3_column_blob(s.get(), 0), k_filter_seg_words * 8);
        if (rw_) {
            // A writer's rows change with its own batches: read each time (SQLite's page cache).
            filter_.scratch = std::move(words);
            return filter_.scratch.data();
        }
        if (filter_.cached_bytes + k_filter_seg_words * 8 > k_filter_cache_bytes) {
            filter_.rows.clear();
            filter_.cached_bytes = 0;
        }
        filter_.cached_bytes += k_filter_seg_words * 8;
        return filter_.rows.emplace(seg, std::move(words)).first->second.data();
    }

    /// After a flush's postings are written (same transaction): their hashes (sorted)
    /// into the filter, building or growing it when it is missing or full.
    result<void> filter_add(std::span<const posting> added) {
        if (!rw_ || legacy_fp_) return {};
        auto q = prepare("SELECT word_bits, keys FROM fp_filter_meta");
        if (!q) return std::unexpected(q.error());
        int w = 0;
        std::int64_t keys = 0;
        {
            stmt_ref s(*q);
            const int rc = sqlite3_step(s.get());
            if (rc == SQLITE_ROW) {
                w = static_cast<int>(s.i64(0));
                keys = s.i64(1);
            } else if (rc != SQLITE_DONE) {
                return err("fp_filter_meta");
            }
        }
        if (w < k_filter_seg_log2 || w > 40) return filter_rebuild();
        const std::int64_t before = keys;
        auto get = prepare("SELECT bits FROM fp_filter WHERE seg=?1");
        if (!get) return std::unexpected(get.error());
        auto put = prepare("UPDATE fp_filter SET bits=?2 WHERE seg=?1");
        if (!put) return std::unexpected(put.error());
        std::vector<std::uint64_t> words(k_filter_seg_words);
        std::int64_t row = -1;
        bool dirty = false;
        auto write = [&]() -> result<void> {
            if (row < 0 || !dirty) return {};
            stmt_ref s(*put);
            s.bind(1, row);
            sqlite3_bind_blob(s.get(), 2, words.data(), static_cast<int>(k_filter_seg_words * 8), SQLITE_STATIC);
            if (sqlite3_step(s.get()) != SQLITE_DONE || sqlite3_changes(db_) != 1) return err("fp_filter update");
            return {};
        };
        // `added` is sorted by (signed) hash: a row's hashes are consecutive.
        for (const auto& [h, msg] : added) {
            const auto fp = static_cast<std::uint64_t>(h);
            const std::uint64_t word = fp >> (64 - w);
            const auto seg = static_cast<std::int64_t>(word >> k_filter_seg_log2);
            if (seg != row) {
                if (auto x = write(); !x) return x;
                bool found = false;
                {
                    stmt_ref s(*get);
                    s.bind(1, seg);
                    const int rc = sqlite3_step(s.get());
                    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return err("fp_filter");
                    found = rc == SQLITE_ROW &&
                            sqlite3_column_bytes(s.get(), 0) == static_cast<int>(k_filter_seg_words * 8);
                    if (found) std::memcpy(words.data(), sqlite3_column_blob(s.get(), 0), k_filter_seg_words * 8);
                }
                if (!found) return filter_rebuild();  // a row missing or malformed: build it again
                row = seg;
                dirty = false;
            }
            auto& x = words[word & (k_filter_seg_words - 1)];
            const std::uint64_t mask = filter_mask(fp);
            if ((x & mask) != mask) {
                x |= mask;
                ++keys;  // a new distinct hash (give or take a false positive)
                dirty = true;
            }
        }
        if (auto x = write(); !x) return x;
        if (keys > filter_capacity(w)) return filter_rebuild();
        if (keys == before) return {};
        return run("UPDATE fp_filter_meta SET keys=?1", {}, {keys});
    }

    /// The filter built again from every posting: one pass counts the distinct
    /// hashes (its size: 16 bits each), a second writes the rows in key order.
    /// Memory: one row and a bit per row.
    result<void> filter_rebuild() {
        // One table to read in key order: the levels merged first (a rebuild is rare:
        // the filter doubles, or a row was found missing).
        if (recent_)
            if (auto moved = merge_recent_postings(db_, path_); !moved) return std::unexpected(moved.error());
        auto scan = prepare("SELECT hash FROM fp_postings ORDER BY hash");
        if (!scan) return std::unexpected(scan.error());
        std::uint64_t distinct = 0;
        {
            stmt_ref s(*scan);
            std::int64_t prev = 0;
            int rc;
            while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) {
                const std::int64_t h = s.i64(0);
                if (distinct == 0 || h != prev) ++distinct;
                prev = h;
            }
            if (rc != SQLITE_DONE) return err("fp_filter build");
        }
        const int w = filter_word_bits(distinct);
        const std::int64_t rows = std::int64_t{1} << (w - k_filter_seg_log2);
        if (auto x = step("DELETE FROM fp_filter"); !x) return x;
        auto ins = prepare("INSERT INTO fp_filter(seg, bits) VALUES (?1, ?2)");
        if (!ins) return std::unexpected(ins.error());
        std::vector<std::uint64_t> words(k_filter_seg_words, 0);
        std::vector<bool> written(static_cast<std::size_t>(rows), false);
        std::int64_t row = -1;
        auto write = [&](std::int64_t seg) -> result<void> {
            stmt_ref s(*ins);
            s.bind(1, seg);
            sqlite3_bind_blob(s.get(), 2, words.data(), static_cast<int>(k_filter_seg_words * 8), SQLITE_STATIC);
            if (sqlite3_step(s.get()) != SQLITE_DONE) return err("fp_filter build");
            written[static_cast<std::size_t>(seg)] = true;
            std::fill(words.begin(), words.end(), 0);
            return {};
        };
        {
            // Signed order: the hashes with the top bit set come first, but each row's
            // hashes are still consecutive.
            stmt_ref s(*scan);
            int rc;
            while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) {
                const auto fp = static_cast<std::uint64_t>(s.i64(0));
                const std::uint64_t word = fp >> (64 - w);
                const auto seg = static_cast<std::int64_t>(word >> k_filter_seg_log2);
                if (seg != row) {
                    if (row >= 0)
                        if (auto x = write(row); !x) return x;
                    row = seg;
                }
                words[word & (k_filter_seg_words - 1)] |= filter_mask(fp);
            }
            if (rc != SQLITE_DONE) return err("fp_filter build");
        }
        if (row >= 0)
            if (auto x = write(row); !x) return x;
        for (std::int64_t seg = 0; seg < rows; ++seg)
            if (!written[static_cast<std::size_t>(seg)])
                if (auto x = write(seg); !x) return x;
        if (auto x = step("DELETE FROM fp_filter_meta"); !x) return x;
        return run("INSERT INTO fp_filter_meta(word_bits, keys) VALUES (?1, ?2)", {},
                   {w, static_cast<std::int64_t>(distinct)});
    }

    result<sqlite3_stmt*> prepare(std::string_view sql) {
        auto it = cache_.find(std::string(sql));
        if (it != cache_.end()) return it->second;
        sqlite3_stmt* s = nullptr;
        if (sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &s, nullptr) !=
            SQLITE_OK)
            return err(sql);
        cache_.emplace(std::string(sql), s);
        return s;
    }

    /// One statement without parameters or rows, prepared once (sqlite3_exec compiles
    /// its SQL each time: the two savepoint statements of every put were 3.4% of learn).
    result<void> step(std::string_view sql) {
        auto p = prepare(sql);
        if (!p) return std::unexpected(p.error());
        stmt_ref s(*p);
        if (sqlite3_step(s.get()) != SQLITE_DONE) return err(sql);
        return {};
    }

    result<void> exec(std::string_view sql) {
        char* msg = nullptr;
        std::string text(sql);
        if (sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &msg) != SQLITE_OK) {
            std::string m = msg ? msg : sqlite3_errmsg(db_);
            sqlite3_free(msg);
            return fail(errc::store, fmt::format("{}: {} ({})", path_, m, text.substr(0, 60)));
        }
        return {};
    }

    std::unexpected<error> err(std::string_view what) const {
        return fail(errc::store, fmt::format("{}: {} ({})", path_, sqlite3_errmsg(db_), what.substr(0, 80)));
    }

    sqlite3* db_;
    std::string path_;
    bool rw_;
    bool batch_ = false;
    bool legacy_fp_ = false;  ///< a read-only open of a file before migration 4
    bool recent_ = false;     ///< fp_recent exists (migration 8): postings in two levels
    bool counted_ = false;    ///< history_counts exists (migration 5)
    std::map<std::string, sqlite3_stmt*> cache_;
    // What the open batch writes at commit (flush_pending), merged per key.
    /// A correspondent's or a thread's dates and count of the batch's messages.
    struct seen_rows {
        std::int64_t first, last, count;
        /// One more message: the rule of the UPSERTs in flush_pending, applied in memory.
        void add(std::int64_t date) {
            first = merged_first(first, date);
            last = std::max(last, date);
            ++count;
        }
    };
    // batch_bytes(): the pending rows' estimated memory, counted as put_inner adds them
    // (a tree node, its key and value strings' heap parts: 96 bytes and their
    // lengths) plus a message's share of the profile counts, and the postings'
    // memory part (posting_runs::memory_bytes).
    static constexpr std::size_t k_row_bytes = 96;
    static constexpr std::size_t k_profile_bytes = 160;
    std::size_t pending_bytes_ = 0;
    /// pending_bytes_ past which put() writes the rows into their tables before the
    /// commit (set_sqlite_batch_rows_kib; see there).
    std::size_t rows_in_memory_ = k_sqlite_batch_rows_kib << 10;
    posting_runs pending_fp_;                                      ///< (hash, msg) of the open batch
    std::map<std::string, seen_rows> pending_corr_;                ///< correspondents by address
    std::set<std::pair<std::string, std::string>> pending_names_;  ///< correspondent_names
    std::set<std::pair<std::string, std::string>> pending_wrote_;  ///< correspondent_wrote_to
    std::set<std::pair<std::string, std::string>> pending_index_;  ///< name_index
    std::map<std::string, std::int64_t> pending_domains_;          ///< domains: count to add
    std::int64_t pending_messages_ = 0;                            ///< history_counts to add
    struct thread_rows : seen_rows {
        std::string subject, subject_key;  ///< the first pending message's (a new thread's row)
    };
    std::map<std::string, thread_rows, std::less<>> pending_thread_rows_;  ///< threads by id
    std::set<std::pair<std::string, std::string>> pending_by_subject_;     ///< (subject_key, id) of those
    /// thread_participants: (thread, address) -> name ("" keeps the stored one)
    std::map<std::pair<std::string, std::string>, std::string> pending_participants_;
    // One connection and statement cache, shared by scan threads. Recursive:
    // read() holds it across the per-kind lookups it makes (see there).
    std::recursive_mutex mu_;
    sqlite_profiles profiles_;
    struct filter_state {
        bool checked = false;  ///< looked for the tables of migration 7
        bool tables = false;
        bool loaded = false;  ///< read-only: word_bits and rows are of this memo_check() epoch
        int word_bits = 0;    ///< 0: no filter built (probe every hash)
        std::map<std::int64_t, std::vector<std::uint64_t>> rows;  ///< read-only cache, k_filter_cache_bytes at most
        std::size_t cached_bytes = 0;
        std::vector<std::uint64_t> scratch;  ///< read-write: the row last read
    } filter_;
    // Read-only connections (memo_check): answers that repeat from message to message.
    std::string memo_version_;  ///< PRAGMA data_version the memos below are of
    bool in_read_ = false;      ///< inside read()'s transaction, whose start checked the memos
    /// Hashes found in more than N postings (N: the LIMIT that found them): boilerplate
    /// for every max_df < N. At most k_memo_hashes.
    std::unordered_map<std::uint64_t, std::uint32_t> common_;
    /// find_thread answers (also "no such thread"), at most k_memo_threads.
    std::unordered_map<std::string, std::optional<thread_info>> thread_memo_;
    /// find_profile answers (also "no profile"), at most k_memo_profiles.
    std::unordered_map<std::string, std::optional<profile_counts>> profile_memo_;
    /// find_correspondent and addresses_for_name answers of at most k_memo_list_max
    /// strings, at most k_memo_people of each.
    std::unordered_map<std::string, std::optional<correspondent>> correspondent_memo_;
    std::unordered_map<std::string, std::vector<std::string>> name_memo_;
    /// Whole posting lists (fewer ids than the LIMIT that read them), at most
    /// k_memo_postings.
    std::unordered_map<std::uint64_t, std::vector<std::int64_t>> postings_memo_;
    /// org_domains() and stats() (one answer each, key ""), is_known_domain answers.
    std::unordered_map<std::string, std::vector<std::string>> org_memo_;
    std::unordered_map<std::string, bool> known_domain_memo_;
    std::unordered_map<std::string, history_stats> stats_memo_;
};

}  // namespace

int sqlite_schema_version() { return static_cast<int>(k_migrations.size()); }

namespace {

/// `path` as an SQLite URI filename with `query` ("file:" + percent-encoded path).
std::string sqlite_uri(const std::string& path, std::string_view query) {
    std::string out = "file:";
    for (unsigned char c : path) {
        if (c == '%' || c == '?' || c == '#')
            out += fmt::format("%{:02X}", c);
        else
            out += static_cast<char>(c);
    }
    return out + "?" + std::string(query);
}

result<std::unique_ptr<sqlite_history>> open_file(const std::string& path, const std::string& name, int flags, bool rw,
                                                  int* sqlite_code) {
    sqlite_setup();
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(name.c_str(), &db, flags | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
        std::string m = db ? sqlite3_errmsg(db) : "out of memory";
        *sqlite_code = db ? sqlite3_errcode(db) : SQLITE_NOMEM;
        sqlite3_close_v2(db);
        return fail(errc::store, fmt::format("{}: cannot open history: {}", path, m));
    }
    auto h = std::make_unique<sqlite_history>(db, path, rw);
    if (auto r = h->init(); !r) {
        *sqlite_code = sqlite3_errcode(db);
        return std::unexpected(r.error());
    }
    return h;
}

}  // namespace

void set_sqlite_cache_mb(int mb) { g_cache_mb.store(mb > 0 ? mb : 1); }
void set_sqlite_mmap_mb(int mb) { g_mmap_mb.store(mb > 0 ? mb : 0); }
void set_sqlite_batch_rows_kib(std::size_t kib) { g_batch_rows_bytes.store(kib << 10); }

result<std::unique_ptr<history>> open_sqlite_history(const std::string& path, open_mode mode) {
    const bool rw = mode == open_mode::read_write;
    int code = SQLITE_OK;
    auto h = open_file(path, path, rw ? (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) : SQLITE_OPEN_READONLY, rw, &code);
    if (!h && !rw && (code == SQLITE_READONLY || code == SQLITE_CANTOPEN)) {
        // A WAL file the user may only read, in a folder it may not write (issue 12):
        // SQLite cannot create the shared-memory index (-shm) a WAL reader needs. Read
        // the file as an immutable snapshot instead: no locks, no -shm, nothing written.
        // (A writer elsewhere that changes it meanwhile is not seen by this scan.)
        int again = SQLITE_OK;
        h = open_file(path, sqlite_uri(path, "immutable=1"), SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, false, &again);
    }
    if (!h) return std::unexpected(h.error());
    return std::unique_ptr<history>(std::move(*h));
}

result<std::unique_ptr<history>> open_history(const std::string& path, open_mode mode) {
    if (is_redis_url(path)) return open_redis_history(path, mode);
    std::error_code ec;
    if (mode == open_mode::read_only && !std::filesystem::exists(path, ec)) {
        if (ec) return fail(errc::io, fmt::format("{}: {}", path, ec.message()));
        return make_memory_history();  // no file yet: an empty history, and nothing is created
    }
    return open_sqlite_history(path, mode);
}

}  // namespace replyguard::store
