// SPDX-License-Identifier: Apache-2.0
// store/history.hpp - what replyguard remembers of the organisation's own mail
//
// DESCRIPTION
//   A narrow interface over the history store, used by the learner
//   (history/learner.hpp) to write and to find threads, and by the engine's
//   per-message gather (scan/gather.hpp, through read()) for the detectors.
//   Backends: SQLite (sqlite_history.cpp, the embedded default), memory
//   (memory_history.cpp, unit tests); a Redis backend can implement the same
//   interface. Everything at the boundary returns result<T>.
//
//   Everything of one message is written by one put() call, which is one
//   transaction (or one savepoint inside a batch): a crash mid-import leaves
//   the store as it was after the last committed message or batch. A message
//   is keyed by its Message-ID, or "hdr:<sha256 of the raw header block>" when
//   it has none; putting a key that is already stored changes nothing.
//
//   LOGICAL KEYS (the Redis Cluster design; every key carries its own hash
//   tag `{...}`, so each one maps to one slot and per-entity updates are
//   single-slot; <h> is a hex SHA-256 prefix of long or free-text parts):
//     rg:{msg:<key>}                  hash: message_id thread date from from_name subject subject_key sent recipients (+ id)
//     rg:{thread:<id>}:meta           hash: subject subject_key first_seen last_seen messages
//     rg:{thread:<id>}:participants   hash: address -> display name
//     rg:{subj:<h>}:threads           set of thread ids with this subject key
//     rg:{addr:<address>}             hash: first_seen last_seen count
//     rg:{addr:<address>}:names       set of display names seen
//     rg:{addr:<address>}:wrote_to    set of addresses this correspondent wrote to
//     rg:{name:<name_key>}:addresses  set of addresses that used this name (also the reversed name)
//     rg:{fpb:<hash >> (64-B)>}       hash: rest of the hash -> ids of the messages whose new text has it (id -> key: rg:{mid:<id >> 7>})
//     rg:{dom:<registrable>}          counter: messages naming an address of this domain
//     rg:{org}:domains                set of our organisation's registrable domains
//     rg:{prof:<profile>}             hash: "messages" and "<axis>\t<value>" -> count (sender profile)
//     rg:{prof:<profile>}:seen        set of message keys (SHA-256 prefix) already counted in it
//   A Redis put() writes the entity keys first and rg:{msg:<key>} last (many messages per pipeline
//   in a batch), so a retried import after a crash converges (store/redis_history.cpp: layout 2).
// LIMITS
//   Threads are never merged after the fact: a message that joins two known
//   threads is put in the first one found (see history/learner.cpp).
#pragma once

#include "core/result.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace replyguard::store {

/// One learnt message, as stored.
struct message_record {
    std::string key;         ///< Message-ID (no brackets), or "hdr:<hex>"
    std::string message_id;  ///< "" when the message had none
    std::string thread_id;
    std::int64_t date = 0;                ///< seconds since the epoch, 0 when unknown
    std::string from_address;             ///< address key
    std::string from_name;                ///< display name as written
    std::vector<std::string> recipients;  ///< To + Cc address keys
    std::string subject;                  ///< decoded subject as written
    std::string subject_key;
    bool sent = false;  ///< from one of our organisation's domains
};

struct participant {
    std::string address;  ///< address key
    std::string name;     ///< display name as last written ("" if none)
};

struct thread_info {
    std::string id;
    std::string subject;  ///< subject of the first message learnt
    std::string subject_key;
    std::int64_t first_seen = 0;
    std::int64_t last_seen = 0;
    std::uint64_t messages = 0;
    std::vector<participant> participants;  ///< sorted by address
};

struct correspondent {
    std::string address;
    std::vector<std::string> names;  ///< display names seen, sorted
    std::int64_t first_seen = 0;
    std::int64_t last_seen = 0;
    std::uint64_t count = 0;            ///< messages this address took part in
    std::vector<std::string> wrote_to;  ///< addresses it wrote to (To/Cc of its mail), sorted
};

/// Messages whose stored fingerprints were found among the given ones.
struct fingerprint_hit {
    std::string message_key;
    std::size_t matched = 0;  ///< how many of its stored fingerprints matched
    std::size_t stored = 0;   ///< how many it has
};

/// Everything the learner writes for one message.
struct learnt_message {
    message_record rec;
    std::string thread_subject;             ///< subject for a new thread
    std::vector<participant> participants;  ///< From + To + Cc, unique by address
    /// name_key -> address pairs for the name index (the name as written and reversed).
    std::vector<std::pair<std::string, std::string>> names;
    /// Addresses the sender wrote to (To + Cc; ours are those in our registrable domains).
    std::vector<std::string> wrote_to;
    std::vector<std::string> domains;         ///< registrable domains of the participants, unique
    std::vector<std::uint64_t> fingerprints;  ///< of the message's new text, unique
};

/// One value of one axis of a sender profile, observed in one message (history/profile.hpp
/// says what the axes are). `cap` bounds the distinct values the axis keeps.
struct profile_value {
    std::string axis;
    std::string value;
    std::uint32_t cap = 16;
};

/// The value counted once an axis holds `cap` distinct values: "something else".
inline constexpr std::string_view k_profile_other = "~other";

/// A sender profile as stored: how many messages were counted, and per axis how
/// often each value was seen. Bounded: at most `cap` distinct values per axis,
/// further new values are counted under k_profile_other.
struct profile_counts {
    std::string key;  ///< "addr:<address>" or "org:<registrable domain>"
    std::uint64_t messages = 0;
    std::map<std::string, std::map<std::string, std::uint64_t>> axes;
};

/// Count one message into one or more profiles (its sender's address and organisation).
struct profile_update {
    std::string message_key;            ///< as message_record::key: counting it again changes nothing
    std::vector<std::string> profiles;  ///< profile keys
    std::vector<profile_value> values;  ///< unique (axis, value) pairs
};

/// The merge rule every backend implements (memory applies it directly; SQLite
/// and Redis in SQL and Lua): messages + 1; each value + 1, a value new to a
/// full axis counted as k_profile_other.
void apply_profile_update(profile_counts& p, const profile_update& u);

struct history_stats {
    std::uint64_t messages = 0;
    std::uint64_t threads = 0;
    std::uint64_t correspondents = 0;
};

/// addresses_for_name answers at most this many addresses and one more, which says "more".
/// A display name that more addresses used is a role name ("Support") or a crowd of
/// namesakes, not one person (detect/known_name.cpp, whose own role-name rule, more than
/// five organisations, needs no more). Reading every address cost each message from such
/// a name time that grew with the history: in bench/history_gen.py's 1M history the most
/// common name had 798 addresses; with 8,000 a scan took 1.5x the CPU (bench/README.md,
/// Round 20).
inline constexpr std::size_t k_name_addresses_max = 64;

/// Several independent reads asked at once (store::history::read). A backend
/// that can (Redis) sends them in one pipeline: one round trip for the lot.
/// Each vector's answer comes back at the same position in read_answers.
struct read_batch {
    std::vector<std::string> messages;        ///< find_message keys
    std::vector<std::string> threads;         ///< find_thread ids
    std::vector<std::string> correspondents;  ///< find_correspondent addresses
    std::vector<std::string> names;           ///< addresses_for_name name keys (its bound holds)
    std::vector<std::string> domains;         ///< is_known_domain registrable domains
    std::optional<std::string> subject_key;   ///< threads_by_subject(subject_key, max_subject_threads)
    std::size_t max_subject_threads = 50;
    std::vector<std::uint64_t> fingerprints;  ///< match_fingerprints(fingerprints, max_df) when non-empty
    std::size_t max_df = 20;
    std::size_t min_matched = 1;  ///< match_fingerprints(..., min_matched)
    bool stats = false;
    bool org_domains = false;
    bool known_domains = false;
    std::vector<std::string> profiles;  ///< find_profile keys (history/profile.hpp profile_keys)

    bool empty() const {
        return messages.empty() && threads.empty() && correspondents.empty() && names.empty() && domains.empty() &&
               !subject_key && fingerprints.empty() && !stats && !org_domains && !known_domains && profiles.empty();
    }
};

struct read_answers {
    std::vector<std::optional<message_record>> messages;
    std::vector<std::optional<thread_info>> threads;
    std::vector<std::optional<correspondent>> correspondents;
    std::vector<std::vector<std::string>> names;
    std::vector<bool> domains;
    std::vector<std::string> subject_threads;
    std::vector<fingerprint_hit> fingerprint_hits;
    history_stats stats;
    std::vector<std::string> org_domains;
    std::vector<std::string> known_domains;
    std::vector<std::optional<profile_counts>> profiles;
};

/// How long each kind of history is kept (issue 13 item 3; `[history.retention]`
/// in the configuration, `replyguard history prune`). Days since the entry was
/// last seen; 0 keeps that kind for ever. The defaults keep what the detectors
/// need: who wrote to whom and how (correspondents, names, profiles) for years,
/// threads and message rows for years (hijackers answer long-dead threads), quote
/// fingerprints for months (the bulk of the store's bytes).
struct retention_policy {
    std::int64_t fingerprint_days = 400;
    std::int64_t message_days = 1825;        ///< message rows, threads, subject index
    std::int64_t correspondent_days = 3650;  ///< addresses, names, wrote_to, profiles
};

/// What one prune() removed (or would remove, in a dry run).
struct prune_report {
    std::uint64_t fingerprints = 0;  ///< fingerprint postings
    std::uint64_t messages = 0;
    std::uint64_t threads = 0;
    std::uint64_t correspondents = 0;
    std::uint64_t profiles = 0;
};

class history {
public:
    virtual ~history() = default;

    // --- writing ---------------------------------------------------------
    /// Store one message and everything it teaches. Returns false (and changes
    /// nothing) when its key is already stored.
    virtual result<bool> put(const learnt_message& m) = 0;
    virtual result<void> add_org_domain(std::string_view registrable_domain) = 0;
    /// Group the following put() calls in one transaction (for speed). Inside a
    /// batch each put() still succeeds or fails as a whole.
    virtual result<void> begin_batch() = 0;
    virtual result<void> commit_batch() = 0;
    /// Drop everything put since begin_batch() (what a crash would do).
    virtual result<void> rollback_batch() = 0;
    /// Memory the open batch holds in this process until its commit, in bytes (an
    /// estimate, kept as put() adds; 0 outside a batch and for a backend that holds
    /// nothing a batch). history::learn_session commits early past its bound, so a
    /// learn's memory stays bounded whatever its input's size or its mail.
    virtual std::size_t batch_bytes() { return 0; }

    // --- reading ---------------------------------------------------------
    virtual result<std::optional<message_record>> find_message(std::string_view key) = 0;
    virtual result<std::optional<thread_info>> find_thread(std::string_view thread_id) = 0;
    /// Thread ids whose subject key is `subject_key` (at most `max`).
    virtual result<std::vector<std::string>> threads_by_subject(std::string_view subject_key, std::size_t max = 50) = 0;
    virtual result<std::optional<correspondent>> find_correspondent(std::string_view address) = 0;
    /// Addresses that used this name key (as written or reversed), in address order: all
    /// of them, or the first k_name_addresses_max + 1 when more did (a name that common
    /// identifies nobody, and its full list grows with the history: see the constant).
    virtual result<std::vector<std::string>> addresses_for_name(std::string_view name_key) = 0;
    /// Messages having any of `fps`, best first. Fingerprints stored for more
    /// than `max_df` messages are boilerplate (signatures, disclaimers) and ignored.
    /// Messages matching fewer than `min_matched` of them are left out (a caller that
    /// drops them anyway spares the store reading their rows).
    virtual result<std::vector<fingerprint_hit>> match_fingerprints(std::span<const std::uint64_t> fps,
                                                                    std::size_t max_df = 20,
                                                                    std::size_t min_matched = 1) = 0;
    virtual result<std::vector<std::string>> org_domains() = 0;
    /// Registrable domains of every address seen (for lookalike checks).
    virtual result<std::vector<std::string>> known_domains() = 0;
    virtual result<bool> is_known_domain(std::string_view registrable_domain) = 0;
    virtual result<history_stats> stats() = 0;
    /// True only when the store knows, without a read, that it holds no text
    /// fingerprints (an empty in-memory history: `scan` without a history file).
    /// A caller may then skip hashing text that could match nothing; false means
    /// "maybe", and is what every store with a file or a server answers.
    virtual bool surely_without_fingerprints() const { return false; }

    // --- sender profiles (history/profile.hpp) ----------------------------
    /// Count one message into the profiles of `u`. Idempotent by u.message_key
    /// (per profile): returns false and changes nothing when it was counted before.
    virtual result<bool> learn_profile(const profile_update& u) = 0;
    /// A stored profile, or nothing when no message was counted into it.
    virtual result<std::optional<profile_counts>> find_profile(std::string_view profile_key) = 0;
    /// Everything `b` asks, in one call. The default asks the single-item
    /// methods above one by one (an embedded store has no round trip to save);
    /// the Redis backend pipelines the whole batch. The first failure fails the batch.
    virtual result<read_answers> read(const read_batch& b);

    // --- retention -------------------------------------------------------
    /// Remove what `p` no longer keeps, judged against `now` (seconds since the
    /// epoch); with `dry_run` only count it. The default fails: a backend that
    /// cannot prune says so instead of pretending.
    virtual result<prune_report> prune(const retention_policy& p, std::int64_t now, bool dry_run);
};

enum class open_mode { read_only, read_write };

/// Open an SQLite history. A file that does not exist is an empty history in
/// read_only mode (nothing is created); read_write creates it.
/// A `redis://HOST[:PORT][/DB][?ttl=SECONDS&timeout=MS]` path opens the Redis backend,
/// and so does `redis+sentinel://[:PASSWORD@]HOST:PORT[,HOST:PORT...]/MASTERNAME[/DB][?...]`
/// (the master found through Redis Sentinel: store/redis_sentinel.hpp).
result<std::unique_ptr<history>> open_history(const std::string& path, open_mode mode);

/// A path naming the Redis backend (redis:// or redis+sentinel://), not an SQLite file.
inline bool is_redis_url(std::string_view path) {
    return path.starts_with("redis://") || path.starts_with("redis+sentinel://");
}

/// Redis backend (store/redis_history.cpp): the logical keys above, plus rg:{doms} (every domain seen),
/// rg:{stats} (counts), rg:{meta} (the layout; another one is refused, saying what to do), rg:{ids}.
/// Fails when the server cannot be reached now; later outages are errors of
/// the calls that meet them. Reconnection is tried by the next call, then
/// with a growing back-off (0.1 s doubling to 5 s) while the server stays
/// away: calls in between fail at once instead of each waiting for a timeout.
result<std::unique_ptr<history>> open_redis_history(const std::string& url, open_mode mode);

/// SQLite backend at `path` (created in read_write mode).
result<std::unique_ptr<history>> open_sqlite_history(const std::string& path, open_mode mode);

/// The page cache of every SQLite history opened after this call, in MiB (`[history]
/// cache_mb`, default 64; at least 1). Process-wide: the front-ends set it once from
/// the configuration before they open a store. The cache fills as pages are read, so it
/// bounds the memory that grows with the history's size.
void set_sqlite_cache_mb(int mb);

/// How much of each SQLite history file opened after this call SQLite maps and reads in
/// place, in MiB (`[history] mmap_mb`, default 0: none; PRAGMA mmap_size, capped by
/// SQLite's build). Process-wide, set as the cache is. Against a history far larger
/// than the cache a scan then copies no page out of the kernel (1M learnt messages:
/// 40 page reads a message; system time 0.31-0.92 -> 0.16-0.20 s for 3,000 messages),
/// but the mapped pages count in the process's RSS (131 MB -> 1.05 GB there).
void set_sqlite_mmap_mb(int mb);

/// set_sqlite_batch_rows_kib's default.
inline constexpr std::size_t k_sqlite_batch_rows_kib = 1024;

/// How much of an open batch's rows a SQLite history opened after this call holds in
/// memory, in KiB (default k_sqlite_batch_rows_kib; 0: none, every put() writes them). A batch merges
/// what its messages teach per row (a thread, a correspondent, a name, a sender's
/// profile) and writes each row once; past this bound put() writes the rows merged so
/// far into their tables, inside the batch, and starts again: the batch's memory stays
/// bounded by this however many messages it holds, and its fingerprint postings (the
/// rows whose writing the batch's size pays off: store/posting_runs.hpp) still wait
/// for the commit. Process-wide; for tests and benches (bench/README.md, Round 24).
void set_sqlite_batch_rows_kib(std::size_t kib);

/// An empty in-memory history (tests; also what a missing file means for scan).
std::unique_ptr<history> make_memory_history();

/// The SQLite schema version this build writes.
int sqlite_schema_version();

}  // namespace replyguard::store
