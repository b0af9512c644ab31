// SPDX-License-Identifier: Apache-2.0
// store/redis_history.cpp - the history in Redis (hiredis 0.14, Debian libhiredis-dev)
//
// DESCRIPTION
//   Implements store::history over the logical keys of store/history.hpp
//   (every key carries its own {hash tag}, so each command touches one slot
//   and the design stays Redis Cluster-compatible), in LAYOUT 2 (the compact
//   one, issue 13), plus keys of our own:
//     rg:{meta}    hash: layout (2), fpbits (the fingerprint bucket bits B)
//     rg:{doms}    set of every registrable domain seen (known_domains())
//     rg:{stats}   hash: messages threads correspondents (stats())
//     rg:{ids}     counter: the last message id handed out (INCRBY, 64 at a time)
//     rg:{mid:<id >> 7, hex>}    hash: id -> message key (128 ids a bucket)
//     rg:{fpb:<s >> (64-B), hex>} hash: s's low 64-B bits (decimal; s = the fingerprint's bits spread)
//                  -> the ids of the messages having it (LEB128 varints, at most
//                  k_fp_ids_kept = 16 of them: <= 64 bytes, so a bucket stays a
//                  listpack under Redis's default hash-max-listpack-value), or, once
//                  a 17th message has it, "\0" + the last id: boilerplate, never matched.
//   Message hashes use one-letter fields (i id, m message_id when it differs from
//   the key, t d f n s k o r c: thread date from from_name subject subject_key
//   sent recipients fingerprint-count). Why: layout 1 kept one Redis set per
//   fingerprint holding message keys, 8.3 KB of 9.9 KB per learnt message
//   (bench/README.md "Redis: bytes per learnt message").
//   A database with layout 1 (rg:{stats} without rg:{meta}) or a newer layout is
//   refused when opened, with what to do (learn again into an empty database).
//   URL: redis://HOST[:PORT][/DB][?ttl=SECONDS&timeout=MS&fpbits=B], or
//   redis+sentinel://[:PASSWORD@]HOST:PORT[,HOST:PORT...]/MASTERNAME[/DB][?...]
//   (store/redis_sentinel.hpp: each (re)connection asks the sentinels for
//   the master, and an error reply meaning "not the master" drops the
//   connection so that the next call finds the new one). `fpbits` (8..28,
//   default 16) is only read when the database is new: afterwards rg:{meta}'s
//   value is used. `ttl` ages the per-message keys (messages, id buckets,
//   threads, subject index, fingerprint buckets) with EXPIRE, refreshed by every
//   write to the key: a fingerprint bucket is shared by many messages, so it
//   lives while any of them is learnt; prune() (retention_policy) removes
//   entries by the date of their mail, key by key and field by field.
//   Correspondents, names, domains never expire by ttl.
//   Writing: put() queues its commands; outside a batch they are sent at the end
//   of put() as one pipeline, inside a batch when commit_batch() is called, a
//   read needs a key with queued writes (read-your-writes: find_message of a
//   queued message answers from the queue), or 20,000 commands are queued: one
//   round trip for many messages. Each message's commands are queued entity
//   keys first and rg:{msg:<key>} last, and one connection executes a pipeline
//   in order, so a put() cut anywhere leaves the message unwritten and a
//   retried import converges. The counts of new threads and correspondents
//   (answers of the queued touch scripts) go to rg:{stats}, and the new
//   threads to the subject index, in a second round trip of the same flush.
//   Inside a batch, the first time a flush writes a key
//   its previous value is journalled (DUMP/PTTL, in the same pipeline, before
//   the writes); rollback_batch() drops what is queued and restores the
//   journal (RESTORE ... REPLACE, or DEL for keys that did not exist).
//   While a batch is open, org_domains() is answered from what the batch read
//   first plus add_org_domain() calls (the learner asks it twice per message).
//   The same class keeps store::outbound_state (open_redis_outbound_state):
//     rg:{acct:<account>}:ips, rg:{acct:<account>}:sends (outbound_state.hpp),
//   both updated by one Lua script; one hash tag, so one slot.
//   A connection that broke is re-established before the next command; the
//   command that met the failure is reported as an error, never retried (it
//   may have been applied). With redis+sentinel://, one the server closed
//   while idle (the old master died) is noticed before a command is sent on
//   it (redis_peer_closed), and the master found again. While the server
//   stays away, reconnection is tried again after a back-off (0.1 s
//   doubling to 5 s); calls in between fail at once, so a scan during an
//   outage does not wait a connect timeout per call, and picks the server up
//   again when it returns. Each (re)connection of a history checks rg:{meta}.
//   read() (store::read_batch, the engine's per-message gather) sends the
//   whole batch as one pipeline (redisAppendCommandArgv, then the replies):
//   one round trip, plus two more when fingerprints matched (ids -> message
//   keys, then each message's id and fingerprint count: an id a crashed put()
//   left behind does not match its message's id and is ignored).
//   prune(): the rules of store/sqlite_prune.cpp. SCAN over threads first (a
//   thread is judged by its last message: one answered since message_days is
//   kept whole), then messages (those of the doomed threads go, a message
//   without a thread by its own date; postings go with them and with every
//   message older than fingerprint_days), fingerprint buckets, correspondents
//   and name sets, then profiles: "addr:" ones follow their correspondent,
//   "org:" ones the latest correspondent of that domain or a subdomain (none
//   left: gone). Undated (0) entries are never old. Thread, correspondent and
//   fingerprint removals are single-key (or single-tag) scripts that check the
//   date again, or a compare-and-set of a bucket field, so a learn running
//   beside it loses nothing it wrote there; message and profile keys are
//   deleted by DEL (a message answered into a doomed thread during the prune
//   may lose its older messages, and a profile learnt meanwhile its counts).
// LIMITS
//   No cross-key atomicity (Cluster forbids it): a crash inside a flush can
//   leave a message's entity keys written without its rg:{msg:} key; relearning
//   it then counts those entities twice (thread/correspondent counts only), and
//   its fingerprints keep the crashed attempt's id (counted against max_df,
//   never returned). A crash between the two round trips of a flush loses that
//   flush's new-thread and new-correspondent counts in rg:{stats}, and its new
//   threads' entries in the subject index (rg:{subj:<h>}:threads).
//   A kill of the master or a failover cuts put() the same way; and writes
//   the old master acknowledged but had not yet replicated are lost with it
//   (replication is asynchronous; learning the same mail again restores them).
//   When keys expire, rg:{stats} is not decremented (prune() does decrement it).
//   match_fingerprints() answers exactly for max_df < k_fp_ids_kept (16); a larger
//   max_df is answered as 15 (the engine and the learner ask 3).
//   Fingerprint buckets stay listpack-encoded up to 128 fingerprints each
//   (hash-max-listpack-entries): 2^B buckets hold about 2^B * 128 / 28 learnt
//   messages compactly (B = 16: 300k); choose fpbits for a larger history when it
//   is created (B = 21 for 10M), or raise hash-max-listpack-entries.
//   Single-item reads send one command at a time; read() pipelines. Key parts
//   containing braces or longer than 200 bytes are replaced by a SHA-256 prefix.
#include "core/digest.hpp"
#include "store/history.hpp"
#include "store/outbound_state.hpp"
#include "store/redis_sentinel.hpp"

#include <fmt/format.h>
#include <hiredis/hiredis.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <random>
#include <set>

namespace replyguard::store {
namespace {

std::string safe(std::string_view s) {
    if (s.size() > 200 || s.find_first_of("{}") != std::string_view::npos) return "h:" + sha256_hex(s, 32);
    return std::string(s);
}

std::string k_msg(std::string_view key) { return "rg:{msg:" + safe(key) + "}"; }
std::string k_meta(std::string_view id) { return "rg:{thread:" + safe(id) + "}:meta"; }
std::string k_parts(std::string_view id) { return "rg:{thread:" + safe(id) + "}:participants"; }
std::string k_subj(std::string_view subject_key) { return "rg:{subj:" + sha256_hex(subject_key, 32) + "}:threads"; }
std::string k_addr(std::string_view a) { return "rg:{addr:" + safe(a) + "}"; }
std::string k_addr_names(std::string_view a) { return k_addr(a) + ":names"; }
std::string k_addr_wrote(std::string_view a) { return k_addr(a) + ":wrote_to"; }
std::string k_name(std::string_view n) { return "rg:{name:" + safe(n) + "}:addresses"; }
std::string k_mid(std::uint64_t id) { return fmt::format("rg:{{mid:{:x}}}", id >> 7); }
std::string k_dom(std::string_view d) { return "rg:{dom:" + safe(d) + "}"; }
std::string k_prof(std::string_view p) { return "rg:{prof:" + safe(p) + "}"; }
std::string k_prof_seen(std::string_view p) { return k_prof(p) + ":seen"; }
std::string k_acct_ips(std::string_view a) { return "rg:{acct:" + safe(a) + "}:ips"; }
std::string k_acct_sends(std::string_view a) { return "rg:{acct:" + safe(a) + "}:sends"; }
const std::string k_org = "rg:{org}:domains";
const std::string k_doms = "rg:{doms}";
const std::string k_stats = "rg:{stats}";
const std::string k_meta_key = "rg:{meta}";
const std::string k_ids = "rg:{ids}";

/// The layout this build reads and writes (rg:{meta} field "layout"); 1 was the layout of
/// one Redis set of message keys per fingerprint (rg:{fp:<hash>}), before issue 13.
constexpr int k_layout = 2;
constexpr int k_default_fpbits = 16;
/// Message ids a fingerprint keeps; one more makes it boilerplate (see LIMITS).
constexpr std::size_t k_fp_ids_kept = 16;
/// Ids reserved per INCRBY of rg:{ids} (one round trip per 64 messages).
constexpr std::uint64_t k_id_range = 64;
/// Queued commands that make put() send them without waiting for the batch's end.
constexpr std::size_t k_max_queued = 20000;

void put_varint(std::string& out, std::uint64_t v) {
    while (v >= 0x80) {
        out += static_cast<char>((v & 0x7f) | 0x80);
        v >>= 7;
    }
    out += static_cast<char>(v);
}

/// A fingerprint's stored value: its message ids, or boilerplate (more than k_fp_ids_kept)
/// with the last id that was added (prune() drops it once that message is pruned).
struct fp_value {
    bool boilerplate = false;
    std::vector<std::uint64_t> ids;  ///< boilerplate: the last id only
};

fp_value decode_fp(std::string_view v) {
    fp_value out;
    if (!v.empty() && v[0] == '\0') {
        out.boilerplate = true;
        v.remove_prefix(1);
    }
    std::uint64_t cur = 0;
    int shift = 0;
    for (char c : v) {
        auto b = static_cast<unsigned char>(c);
        cur |= static_cast<std::uint64_t>(b & 0x7f) << shift;
        shift += 7;
        if (b < 0x80 || shift > 63) {
            out.ids.push_back(cur);
            cur = 0;
            shift = 0;
        }
    }
    return out;
}

std::string encode_fp(const fp_value& f) {
    std::string out;
    if (f.boilerplate) out += '\0';
    for (auto id : f.ids) put_varint(out, id);
    return out;
}

// One fingerprint posting: KEYS[1] bucket, ARGV: field, varint id, k_fp_ids_kept, "\0"..id.
// Ids end at a byte below 0x80, so counting those counts the ids.
constexpr const char* k_fp_add_lua = R"LUA(
local v = redis.call('HGET', KEYS[1], ARGV[1])
if not v then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) return 1 end
if string.byte(v, 1) == 0 then redis.call('HSET', KEYS[1], ARGV[1], ARGV[4]) return 0 end
local n = 0
for i = 1, #v do if string.byte(v, i) < 128 then n = n + 1 end end
if n >= tonumber(ARGV[3]) then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[4])
else
  redis.call('HSET', KEYS[1], ARGV[1], v .. ARGV[2])
end
return 1
)LUA";

// Compare-and-set of one hash field (prune): KEYS[1], ARGV: field, expected value, new value
// ("" deletes the field). Returns 1 when done, 0 when the value changed meanwhile.
constexpr const char* k_cas_lua = R"LUA(
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
if ARGV[3] == '' then redis.call('HDEL', KEYS[1], ARGV[1]) else redis.call('HSET', KEYS[1], ARGV[1], ARGV[3]) end
return 1
)LUA";

// Delete KEYS (one hash tag) when hash KEYS[1]'s field ARGV[1] is a date below ARGV[2]
// (and not 0: an unknown date is kept). Returns 1 when deleted.
constexpr const char* k_del_old_lua = R"LUA(
local d = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
if d == 0 or d >= tonumber(ARGV[2]) then return 0 end
redis.call('DEL', unpack(KEYS))
return 1
)LUA";

// One key: count one more event in field ARGV[1] and widen first/last seen by date ARGV[2];
// then (field, value) pairs set when absent (a thread's subject: the first message's).
constexpr const char* k_touch_lua = R"LUA(
local n = redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
local d = tonumber(ARGV[2])
if d ~= 0 then
  local f = tonumber(redis.call('HGET', KEYS[1], 'first_seen') or '0')
  if f == 0 or d < f then redis.call('HSET', KEYS[1], 'first_seen', d) end
  local l = tonumber(redis.call('HGET', KEYS[1], 'last_seen') or '0')
  if d > l then redis.call('HSET', KEYS[1], 'last_seen', d) end
end
local i = 3
while i + 1 <= #ARGV do
  redis.call('HSETNX', KEYS[1], ARGV[i], ARGV[i + 1])
  i = i + 2
end
return n
)LUA";

// One message into one sender profile (store/profile_merge.cpp's rule), atomically, idempotent
// by the message: KEYS: profile hash, its seen set. ARGV: seen member, k_profile_other, then
// (axis, value, cap) triples. Fields: "messages", "<axis>\t<value>" -> count, and
// "#<axis>" -> distinct values kept (k_profile_other not counted).
constexpr const char* k_profile_lua = R"LUA(
if redis.call('SADD', KEYS[2], ARGV[1]) == 0 then return 0 end
redis.call('HINCRBY', KEYS[1], 'messages', 1)
local i = 3
while i + 2 <= #ARGV do
  local axis, value, cap = ARGV[i], ARGV[i + 1], tonumber(ARGV[i + 2])
  local f = axis .. '\t' .. value
  if redis.call('HEXISTS', KEYS[1], f) == 1 then
    redis.call('HINCRBY', KEYS[1], f, 1)
  else
    local n = tonumber(redis.call('HGET', KEYS[1], '#' .. axis) or '0')
    if n < cap then
      redis.call('HSET', KEYS[1], f, 1)
      redis.call('HINCRBY', KEYS[1], '#' .. axis, 1)
    else
      redis.call('HINCRBY', KEYS[1], axis .. '\t' .. ARGV[2], 1)
    end
  end
  i = i + 3
end
return 1
)LUA";

// One submission of one account (store/outbound_state.hpp), atomically.
// KEYS: ips, sends. ARGV: ip suspicious(0/1) now window ip_ttl max_ips max_times member.
constexpr const char* k_outbound_lua = R"LUA(
local now = tonumber(ARGV[3])
local window = tonumber(ARGV[4])
local ip_ttl = tonumber(ARGV[5])
local new_ip = 0
if ARGV[1] ~= '' then
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - ip_ttl)
  local n = redis.call('ZCARD', KEYS[1])
  local known = redis.call('ZSCORE', KEYS[1], ARGV[1])
  if n > 0 and not known then new_ip = 1 end
  if known or n < tonumber(ARGV[6]) then redis.call('ZADD', KEYS[1], now, ARGV[1]) end
  if redis.call('ZCARD', KEYS[1]) > 0 then redis.call('EXPIRE', KEYS[1], ip_ttl) end
end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - window)
if ARGV[2] == '1' then
  redis.call('ZADD', KEYS[2], now, ARGV[8])
  redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -(tonumber(ARGV[7]) + 1))
end
local c = redis.call('ZCARD', KEYS[2])
if c > 0 then redis.call('EXPIRE', KEYS[2], window) end
return {new_ip, c}
)LUA";

struct reply_ptr {
    redisReply* r = nullptr;
    reply_ptr() = default;
    explicit reply_ptr(redisReply* p) : r(p) {}
    reply_ptr(reply_ptr&& o) noexcept : r(std::exchange(o.r, nullptr)) {}
    reply_ptr& operator=(reply_ptr&& o) noexcept {
        if (this != &o) {
            if (r) freeReplyObject(r);
            r = std::exchange(o.r, nullptr);
        }
        return *this;
    }
    ~reply_ptr() {
        if (r) freeReplyObject(r);
    }
    redisReply* operator->() const { return r; }
};

std::map<std::string, std::string> hash_of(const redisReply* r) {
    std::map<std::string, std::string> out;
    for (std::size_t i = 0; r->type == REDIS_REPLY_ARRAY && i + 1 < r->elements; i += 2)
        out.emplace(std::string(r->element[i]->str, r->element[i]->len),
                    std::string(r->element[i + 1]->str, r->element[i + 1]->len));
    return out;
}

std::vector<std::string> members_of(const redisReply* r) {
    std::vector<std::string> out;
    for (std::size_t i = 0; r->type == REDIS_REPLY_ARRAY && i < r->elements; ++i)
        out.emplace_back(r->element[i]->str, r->element[i]->len);
    std::sort(out.begin(), out.end());
    return out;
}

// addresses_for_name's answer: the set's members in address order, at most
// k_name_addresses_max + 1 of them (as SQLite's LIMIT; SMEMBERS reads them all).
std::vector<std::string> name_addresses_of(const redisReply* r) {
    auto out = members_of(r);
    if (out.size() > k_name_addresses_max + 1) out.resize(k_name_addresses_max + 1);
    return out;
}

std::int64_t to_i64(std::string_view s) {
    std::int64_t v = 0;
    std::from_chars(s.data(), s.data() + s.size(), v);
    return v;
}

/// A sender profile from its HGETALL (rg:{prof:KEY}); null when the hash is empty.
std::optional<profile_counts> profile_of(std::string_view key, const std::map<std::string, std::string>& h) {
    if (h.empty()) return std::nullopt;
    profile_counts out;
    out.key = std::string(key);
    for (const auto& [f, v] : h) {
        if (f == "messages") {
            out.messages = static_cast<std::uint64_t>(to_i64(v));
            continue;
        }
        auto tab = f.find('\t');
        if (f.starts_with('#') || tab == std::string::npos) continue;
        out.axes[f.substr(0, tab)][f.substr(tab + 1)] = static_cast<std::uint64_t>(to_i64(v));
    }
    return out;
}

message_record message_of(std::string_view key, std::map<std::string, std::string>& h) {
    message_record r;
    r.key = std::string(key);
    auto m = h.find("m");  // absent: the Message-ID is the key
    r.message_id = m == h.end() ? r.key : m->second;
    r.thread_id = h["t"];
    r.date = to_i64(h["d"]);
    r.from_address = h["f"];
    r.from_name = h["n"];
    r.subject = h["s"];
    r.subject_key = h["k"];
    r.sent = h["o"] == "1";
    std::string_view rc = h["r"];
    while (!rc.empty()) {
        auto nl = rc.find('\n');
        r.recipients.emplace_back(rc.substr(0, nl));
        rc = nl == std::string_view::npos ? std::string_view{} : rc.substr(nl + 1);
    }
    return r;
}

thread_info thread_of(std::string_view id, std::map<std::string, std::string>& meta,
                      const std::map<std::string, std::string>& parts) {
    thread_info t;
    t.id = std::string(id);
    t.subject = meta["subject"];
    t.subject_key = meta["subject_key"];
    t.first_seen = to_i64(meta["first_seen"]);
    t.last_seen = to_i64(meta["last_seen"]);
    t.messages = static_cast<std::uint64_t>(to_i64(meta["messages"]));
    for (const auto& [a, n] : parts) t.participants.push_back({a, n});  // std::map: sorted by address
    return t;
}

correspondent correspondent_of(std::string_view a, std::map<std::string, std::string>& h,
                               std::vector<std::string> names, std::vector<std::string> wrote) {
    correspondent c;
    c.address = std::string(a);
    c.first_seen = to_i64(h["first_seen"]);
    c.last_seen = to_i64(h["last_seen"]);
    c.count = static_cast<std::uint64_t>(to_i64(h["count"]));
    c.names = std::move(names);
    c.wrote_to = std::move(wrote);
    return c;
}

history_stats stats_of(std::map<std::string, std::string>& h) {
    return history_stats{static_cast<std::uint64_t>(to_i64(h["messages"])),
                         static_cast<std::uint64_t>(to_i64(h["threads"])),
                         static_cast<std::uint64_t>(to_i64(h["correspondents"]))};
}

struct redis_url {
    std::string host = "127.0.0.1";
    int port = 6379;
    int db = 0;
    std::int64_t ttl = 0;
    int timeout_ms = 2000;
    int fpbits = k_default_fpbits;            ///< for a new database only (rg:{meta} wins afterwards)
    std::optional<sentinel_target> sentinel;  ///< redis+sentinel://: host and port are the master found last
};

result<redis_url> parse_url(std::string_view url) {
    redis_url u;
    const bool sentinel = url.starts_with(k_sentinel_scheme);
    if (!sentinel && !url.starts_with("redis://"))
        return fail(errc::parse, fmt::format("{}: not a redis:// or redis+sentinel:// URL", url));
    std::string_view rest = sentinel ? std::string_view{} : url.substr(8);
    std::string_view query;
    if (auto q = url.find('?'); q != std::string_view::npos) {
        query = url.substr(q + 1);
        if (!sentinel) rest = rest.substr(0, rest.find('?'));
    }
    if (sentinel) {
        auto t = parse_sentinel_url(url.substr(0, url.find('?')));
        if (!t) return std::unexpected(t.error());
        u.db = t->db;
        u.host = fmt::format("(sentinels of '{}')", t->master_name);
        u.sentinel = std::move(*t);
    }
    std::string_view hostport = rest, path;
    if (auto s = rest.find('/'); s != std::string_view::npos) {
        hostport = rest.substr(0, s);
        path = rest.substr(s + 1);
    }
    if (auto c = hostport.rfind(':'); c != std::string_view::npos) {
        u.port = static_cast<int>(to_i64(hostport.substr(c + 1)));
        hostport = hostport.substr(0, c);
    }
    if (!hostport.empty()) u.host = std::string(hostport);
    if (!path.empty()) u.db = static_cast<int>(to_i64(path));
    while (!query.empty()) {
        auto amp = query.find('&');
        std::string_view kv = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
        auto eq = kv.find('=');
        std::string_view k = kv.substr(0, eq), v = eq == std::string_view::npos ? "" : kv.substr(eq + 1);
        if (k == "ttl")
            u.ttl = to_i64(v);
        else if (k == "timeout")
            u.timeout_ms = static_cast<int>(to_i64(v));
        else if (k == "fpbits")
            u.fpbits = static_cast<int>(to_i64(v));
        else
            return fail(errc::parse, fmt::format("{}: unknown parameter '{}' (ttl, timeout, fpbits)", url, k));
    }
    if (u.port <= 0 || u.port > 65535 || u.db < 0 || u.ttl < 0 || u.timeout_ms <= 0 || u.fpbits < 8 || u.fpbits > 28)
        return fail(errc::parse, fmt::format("{}: bad port, database, ttl, timeout or fpbits (8..28)", url));
    return u;
}

class redis_history final : public history, public outbound_state {
public:
    /// `history_mode`: check (and on a new read-write database write) the layout at
    /// each connection; the outbound state alone does not care about the history's layout.
    redis_history(redis_url u, open_mode mode, bool history_mode)
        : u_(std::move(u)), mode_(mode), history_mode_(history_mode), fpbits_(u_.fpbits) {
        // Members of the sends set must differ between processes writing in the same second.
        std::random_device rd;
        token_ = fmt::format("{:08x}{:08x}", rd(), rd());
    }
    ~redis_history() override {
        if (ctx_) redisFree(ctx_);
    }

    result<void> connect() {
        if (ctx_) {
            redisFree(ctx_);
            ctx_ = nullptr;
        }
        next_id_ = id_end_ = 0;  // ids are reserved again from the server reached now
        timeval tv{u_.timeout_ms / 1000, (u_.timeout_ms % 1000) * 1000};
        if (u_.sentinel) {  // the master the sentinels name now (host and port kept for the messages)
            redis_endpoint m;
            auto c = connect_sentinel_master(*u_.sentinel, tv, m);
            if (!c) return std::unexpected(c.error());
            ctx_ = *c;
            u_.host = std::move(m.host);
            u_.port = m.port;
        } else
            ctx_ = redisConnectWithTimeout(u_.host.c_str(), u_.port, tv);
        if (!ctx_ || ctx_->err) {
            std::string why = ctx_ ? ctx_->errstr : "cannot allocate a connection";
            if (ctx_) {
                redisFree(ctx_);
                ctx_ = nullptr;
            }
            return fail(errc::store, fmt::format("redis {}:{}: {}", u_.host, u_.port, why));
        }
        redisSetTimeout(ctx_, tv);
        if (u_.db != 0) {
            const char* argv[] = {"SELECT", nullptr};
            std::string db = std::to_string(u_.db);
            argv[1] = db.c_str();
            reply_ptr r(static_cast<redisReply*>(redisCommandArgv(ctx_, 2, argv, nullptr)));
            if (!r.r || r->type == REDIS_REPLY_ERROR)
                return fail(errc::store, fmt::format("redis {}:{}: SELECT {} failed", u_.host, u_.port, u_.db));
        }
        if (history_mode_) {
            if (auto l = check_layout(); !l) {
                // No answer (a server that does not answer, issue 12): a read-only history
                // opens anyway, like before the layout check, so scan marks each record; the
                // broken connection fails every call until one reconnects and checks again.
                if (mode_ == open_mode::read_only && ctx_ && ctx_->err) return {};
                redisFree(ctx_);
                ctx_ = nullptr;
                return l;
            }
        }
        return {};
    }

    // --- writing -------------------------------------------------------------
    result<bool> put(const learnt_message& m) override {
        std::lock_guard lock(mu_);
        if (mode_ == open_mode::read_only) return fail(errc::store, "redis history opened read-only");
        if (m.rec.key.empty()) return fail(errc::internal, "message without a key");
        const auto& r = m.rec;
        if (queued_msgs_.contains(r.key)) return false;
        if (!absent_.contains(r.key)) {  // find_message() just said so: no second round trip
            auto exists = integer({"EXISTS", k_msg(r.key)});
            if (!exists) return std::unexpected(exists.error());
            if (*exists) return false;
        }
        absent_.clear();
        if (next_id_ == id_end_) {
            auto top = integer({"INCRBY", k_ids, std::to_string(k_id_range)});
            if (!top) return std::unexpected(top.error());
            id_end_ = static_cast<std::uint64_t>(*top) + 1;
            next_id_ = id_end_ - k_id_range;
        }
        const std::uint64_t id = next_id_++;
        const std::string date = std::to_string(r.date);

        // Thread (its subject is the first message's: HSETNX in the script).
        // A new thread is indexed under its subject key after the flush (flush()), like layout 1
        // did for the first message of a thread only; the key is journalled with the others.
        queue(tag::new_thread, {"EVALSHA", sha_touch_, "1", k_meta(r.thread_id), "messages", date, "subject",
                                m.thread_subject, "subject_key", r.subject_key});
        queued_.back().thread_id = r.thread_id;
        queued_.back().subject_key = r.subject_key;
        if (!r.subject_key.empty()) pending_keys_.insert(k_subj(r.subject_key));
        for (const auto& p : m.participants) {
            queue(tag::plain, {p.name.empty() ? "HSETNX" : "HSET", k_parts(r.thread_id), p.address, p.name});
            queue(tag::new_correspondent, {"EVALSHA", sha_touch_, "1", k_addr(p.address), "count", date});
            if (!p.name.empty()) queue(tag::plain, {"SADD", k_addr_names(p.address), p.name});
        }
        expire(k_meta(r.thread_id));
        expire(k_parts(r.thread_id));
        if (!r.from_address.empty())
            for (const auto& w : m.wrote_to) queue(tag::plain, {"SADD", k_addr_wrote(r.from_address), w});
        for (const auto& [nk, a] : m.names) queue(tag::plain, {"SADD", k_name(nk), a});
        for (const auto& d : m.domains) {
            queue(tag::plain, {"INCR", k_dom(d)});
            queue(tag::plain, {"SADD", k_doms, d});
        }
        std::string vid;
        put_varint(vid, id);
        const std::string boiler = '\0' + vid;
        const std::string cap = std::to_string(k_fp_ids_kept);
        for (auto fp : m.fingerprints) {
            queue(tag::plain, {"EVALSHA", sha_fp_add_, "1", k_fpb(fp), fp_field(fp), vid, cap, boiler});
            expire(k_fpb(fp));
        }
        queue(tag::plain, {"HSET", k_mid(id), std::to_string(id), r.key});
        expire(k_mid(id));
        // The message itself last: its presence means "everything above is written".
        std::string recipients;
        for (const auto& x : r.recipients) recipients += (recipients.empty() ? "" : "\n") + x;
        std::vector<std::string> h{"HSET", k_msg(r.key), "i", std::to_string(id), "t", r.thread_id, "d", date};
        if (r.message_id != r.key) h.insert(h.end(), {"m", r.message_id});
        for (auto [f, v] : {std::pair<const char*, const std::string*>{"f", &r.from_address},
                            {"n", &r.from_name},
                            {"s", &r.subject},
                            {"k", &r.subject_key},
                            {"r", &recipients}})
            if (!v->empty()) h.insert(h.end(), {f, *v});
        if (r.sent) h.insert(h.end(), {"o", "1"});
        if (!m.fingerprints.empty()) h.insert(h.end(), {"c", std::to_string(m.fingerprints.size())});
        queue(tag::plain, std::move(h));
        expire(k_msg(r.key));
        queue(tag::plain, {"HINCRBY", k_stats, "messages", "1"});
        queued_msgs_.emplace(r.key, r);
        if (!batch_ || queued_.size() >= k_max_queued)
            if (auto f = flush(); !f) return std::unexpected(f.error());
        return true;
    }

    result<void> add_org_domain(std::string_view d) override {
        std::lock_guard lock(mu_);
        if (mode_ == open_mode::read_only) return fail(errc::store, "redis history opened read-only");
        if (org_cache_) {
            if (std::find(org_cache_->begin(), org_cache_->end(), d) != org_cache_->end()) return {};
            org_cache_->emplace_back(d);
            std::sort(org_cache_->begin(), org_cache_->end());
        }
        return ok({"SADD", k_org, std::string(d)});
    }
    result<void> begin_batch() override {
        std::lock_guard lock(mu_);
        if (batch_) return fail(errc::store, "a batch is already open");
        batch_ = true;
        journal_.clear();
        journalled_.clear();
        journal_bytes_ = 0;
        org_cache_.reset();
        return {};
    }
    result<void> commit_batch() override {
        std::lock_guard lock(mu_);
        if (!batch_) return fail(errc::store, "no batch is open");
        // A failed flush leaves the batch open: rollback_batch() restores what it journalled.
        if (auto f = flush(); !f) return f;
        batch_ = false;
        org_cache_.reset();
        journal_.clear();
        journalled_.clear();
        journal_bytes_ = 0;
        return {};
    }
    /// The journal of the open batch (what a rollback restores); the queue of writes
    /// not sent yet is bounded by k_max_queued commands.
    std::size_t batch_bytes() override {
        std::lock_guard lock(mu_);
        return batch_ ? journal_bytes_ : 0;
    }
    result<void> rollback_batch() override {
        std::lock_guard lock(mu_);
        if (!batch_) return fail(errc::store, "no batch is open");
        batch_ = false;
        org_cache_.reset();
        drop_queue();  // never sent: nothing to undo
        absent_.clear();
        result<void> first_error;
        for (auto it = journal_.rbegin(); it != journal_.rend(); ++it) {
            result<void> e =
                it->dump ? ok({"RESTORE", it->key, std::to_string(it->pttl > 0 ? it->pttl : 0), *it->dump, "REPLACE"})
                         : ok({"DEL", it->key});
            if (!e && first_error) first_error = std::unexpected(e.error());
        }
        journal_.clear();
        journalled_.clear();
        journal_bytes_ = 0;
        return first_error;
    }

    // --- reading -------------------------------------------------------------
    result<std::optional<message_record>> find_message(std::string_view key) override {
        std::lock_guard lock(mu_);
        if (auto q = queued_msgs_.find(std::string(key)); q != queued_msgs_.end())
            return std::optional<message_record>{q->second};
        auto h = hash(k_msg(key));
        if (!h) return std::unexpected(h.error());
        if (h->empty()) {
            if (absent_.size() < 64) absent_.insert(std::string(key));
            return std::optional<message_record>{};
        }
        return std::optional<message_record>{message_of(key, *h)};
    }
    result<std::optional<thread_info>> find_thread(std::string_view id) override {
        std::lock_guard lock(mu_);
        if (auto f = flush_if({k_meta(id), k_parts(id)}); !f) return std::unexpected(f.error());
        auto rs = pipeline({{"HGETALL", k_meta(id)}, {"HGETALL", k_parts(id)}});
        if (!rs) return std::unexpected(rs.error());
        auto meta = hash_of((*rs)[0].r);
        if (meta.empty()) return std::optional<thread_info>{};
        return std::optional<thread_info>{thread_of(id, meta, hash_of((*rs)[1].r))};
    }
    result<std::vector<std::string>> threads_by_subject(std::string_view key, std::size_t max) override {
        std::lock_guard lock(mu_);
        if (auto f = flush_if({k_subj(key)}); !f) return std::unexpected(f.error());
        auto s = members(k_subj(key));
        if (s && s->size() > max) s->resize(max);
        return s;
    }
    result<std::optional<correspondent>> find_correspondent(std::string_view a) override {
        std::lock_guard lock(mu_);
        if (auto f = flush_if({k_addr(a), k_addr_names(a), k_addr_wrote(a)}); !f) return std::unexpected(f.error());
        auto rs = pipeline({{"HGETALL", k_addr(a)}, {"SMEMBERS", k_addr_names(a)}, {"SMEMBERS", k_addr_wrote(a)}});
        if (!rs) return std::unexpected(rs.error());
        auto h = hash_of((*rs)[0].r);
        if (h.empty()) return std::optional<correspondent>{};
        return std::optional<correspondent>{correspondent_of(a, h, members_of((*rs)[1].r), members_of((*rs)[2].r))};
    }
    result<std::vector<std::string>> addresses_for_name(std::string_view k) override {
        std::lock_guard lock(mu_);
        if (auto f = flush_if({k_name(k)}); !f) return std::unexpected(f.error());
        auto r = command({"SMEMBERS", k_name(k)});
        if (!r) return std::unexpected(r.error());
        return name_addresses_of(r->r);
    }
    result<std::vector<fingerprint_hit>> match_fingerprints(std::span<const std::uint64_t> fps, std::size_t max_df,
                                                            std::size_t min_matched) override {
        read_batch b;
        b.fingerprints.assign(fps.begin(), fps.end());
        b.max_df = max_df;
        b.min_matched = min_matched;
        auto a = read(b);
        if (!a) return std::unexpected(a.error());
        return std::move(a->fingerprint_hits);
    }
    result<std::vector<std::string>> org_domains() override {
        std::lock_guard lock(mu_);
        if (org_cache_) return *org_cache_;
        auto m = members(k_org);
        if (m && batch_) org_cache_ = *m;
        return m;
    }
    result<std::vector<std::string>> known_domains() override {
        std::lock_guard lock(mu_);
        if (auto f = flush_if({k_doms}); !f) return std::unexpected(f.error());
        return members(k_doms);
    }
    result<bool> is_known_domain(std::string_view d) override {
        std::lock_guard lock(mu_);
        if (auto f = flush_if({k_dom(d)}); !f) return std::unexpected(f.error());
        auto n = integer({"EXISTS", k_dom(d)});
        if (!n) return std::unexpected(n.error());
        return *n != 0;
    }
    result<history_stats> stats() override {
        std::lock_guard lock(mu_);
        if (auto f = flush_if({k_stats}); !f) return std::unexpected(f.error());
        auto h = hash(k_stats);
        if (!h) return std::unexpected(h.error());
        return stats_of(*h);
    }

    result<read_answers> read(const read_batch& b) override {
        std::lock_guard lock(mu_);
        if (auto f = flush(); !f) return std::unexpected(f.error());  // the scan path: nothing queued, as a rule
        // One pipeline for the whole batch; the replies come back in the order sent.
        std::vector<std::vector<std::string>> cmds;
        for (const auto& k : b.messages) cmds.push_back({"HGETALL", k_msg(k)});
        for (const auto& id : b.threads) {
            cmds.push_back({"HGETALL", k_meta(id)});
            cmds.push_back({"HGETALL", k_parts(id)});
        }
        for (const auto& a : b.correspondents) {
            cmds.push_back({"HGETALL", k_addr(a)});
            cmds.push_back({"SMEMBERS", k_addr_names(a)});
            cmds.push_back({"SMEMBERS", k_addr_wrote(a)});
        }
        for (const auto& n : b.names) cmds.push_back({"SMEMBERS", k_name(n)});
        for (const auto& d : b.domains) cmds.push_back({"EXISTS", k_dom(d)});
        if (b.subject_key) cmds.push_back({"SMEMBERS", k_subj(*b.subject_key)});
        std::vector<std::uint64_t> fps(b.fingerprints.begin(), b.fingerprints.end());
        std::sort(fps.begin(), fps.end());
        fps.erase(std::unique(fps.begin(), fps.end()), fps.end());
        for (auto fp : fps) cmds.push_back({"HGET", k_fpb(fp), fp_field(fp)});
        if (b.stats) cmds.push_back({"HGETALL", k_stats});
        if (b.org_domains) cmds.push_back({"SMEMBERS", k_org});
        if (b.known_domains) cmds.push_back({"SMEMBERS", k_doms});
        for (const auto& k : b.profiles) cmds.push_back({"HGETALL", k_prof(k)});
        auto rs = pipeline(cmds);
        if (!rs) return std::unexpected(rs.error());

        read_answers a;
        std::size_t i = 0;
        auto next = [&]() -> const redisReply* { return (*rs)[i++].r; };
        for (const auto& k : b.messages) {
            auto h = hash_of(next());
            a.messages.push_back(h.empty() ? std::nullopt : std::optional<message_record>{message_of(k, h)});
        }
        for (const auto& id : b.threads) {
            auto meta = hash_of(next());
            auto parts = hash_of(next());
            a.threads.push_back(meta.empty() ? std::nullopt : std::optional<thread_info>{thread_of(id, meta, parts)});
        }
        for (const auto& addr : b.correspondents) {
            auto h = hash_of(next());
            auto names = members_of(next());
            auto wrote = members_of(next());
            a.correspondents.push_back(h.empty() ? std::nullopt
                                                 : std::optional<correspondent>{
                                                       correspondent_of(addr, h, std::move(names), std::move(wrote))});
        }
        for (std::size_t n = 0; n < b.names.size(); ++n) a.names.push_back(name_addresses_of(next()));
        for (std::size_t n = 0; n < b.domains.size(); ++n) {
            const auto* r = next();
            a.domains.push_back(r->type == REDIS_REPLY_INTEGER && r->integer != 0);
        }
        if (b.subject_key) {
            a.subject_threads = members_of(next());
            if (a.subject_threads.size() > b.max_subject_threads) a.subject_threads.resize(b.max_subject_threads);
        }
        // Each fingerprint's ids; more than max_df (or boilerplate) is skipped.
        const std::size_t max_df = std::min(b.max_df, k_fp_ids_kept - 1);
        std::vector<std::vector<std::uint64_t>> fp_ids;
        std::set<std::uint64_t> ids;
        for (std::size_t n = 0; n < fps.size(); ++n) {
            const auto* r = next();
            if (r->type != REDIS_REPLY_STRING) continue;
            auto v = decode_fp(std::string_view(r->str, r->len));
            if (v.boilerplate || v.ids.size() > max_df) continue;
            ids.insert(v.ids.begin(), v.ids.end());
            fp_ids.push_back(std::move(v.ids));
        }
        if (b.stats) {
            auto h = hash_of(next());
            a.stats = stats_of(h);
        }
        if (b.org_domains) a.org_domains = members_of(next());
        if (b.known_domains) a.known_domains = members_of(next());
        for (const auto& k : b.profiles) a.profiles.push_back(profile_of(k, hash_of(next())));
        if (!ids.empty()) {
            auto hits = resolve_ids(ids, fp_ids);
            if (!hits) return std::unexpected(hits.error());
            std::erase_if(*hits, [&](const fingerprint_hit& h) { return h.matched < b.min_matched; });
            a.fingerprint_hits = std::move(*hits);
        }
        return a;
    }

    // --- sender profiles -------------------------------------------------------
    // Profiles never expire (like correspondents); the seen set holds a SHA-256 prefix
    // of each message key counted, so relearning a message changes nothing. Inside a
    // batch the update is queued with the batch's writes and the answer is true
    // ("queued"): whether the message was counted before is known only when it is sent.
    result<bool> learn_profile(const profile_update& u) override {
        std::lock_guard lock(mu_);
        if (mode_ == open_mode::read_only) return fail(errc::store, "redis history opened read-only");
        if (u.message_key.empty()) return fail(errc::internal, "profile update without a message key");
        bool any = false;
        for (const auto& p : u.profiles) {
            std::vector<std::string> args{"EVALSHA",
                                          sha_profile_,
                                          "2",
                                          k_prof(p),
                                          k_prof_seen(p),
                                          sha256_hex(u.message_key, 24),
                                          std::string(k_profile_other)};
            for (const auto& v : u.values) {
                args.push_back(v.axis);
                args.push_back(v.value);
                args.push_back(std::to_string(v.cap));
            }
            if (batch_) {
                pending_keys_.insert(k_prof(p));
                pending_keys_.insert(k_prof_seen(p));
                queue(tag::plain, std::move(args));
                any = true;
                continue;
            }
            auto n = integer(args);
            if (!n) return std::unexpected(n.error());
            any = any || *n != 0;
        }
        if (batch_ && queued_.size() >= k_max_queued)
            if (auto f = flush(); !f) return std::unexpected(f.error());
        return any;
    }
    result<std::optional<profile_counts>> find_profile(std::string_view key) override {
        std::lock_guard lock(mu_);
        if (auto f = flush_if({k_prof(key)}); !f) return std::unexpected(f.error());
        auto h = hash(k_prof(key));
        if (!h) return std::unexpected(h.error());
        return profile_of(key, *h);
    }

    // --- retention -------------------------------------------------------------
    result<prune_report> prune(const retention_policy& p, std::int64_t now, bool dry_run) override {
        std::lock_guard lock(mu_);
        if (batch_) return fail(errc::store, "prune inside an open batch");
        if (!dry_run && mode_ == open_mode::read_only) return fail(errc::store, "redis history opened read-only");
        if (p.fingerprint_days < 0 || p.message_days < 0 || p.correspondent_days < 0)
            return fail(errc::parse, "retention: negative days");
        auto cut = [&](std::int64_t days) { return days == 0 ? std::int64_t{0} : now - days * 86400; };
        const std::int64_t fp_cut = cut(p.fingerprint_days), msg_cut = cut(p.message_days),
                           corr_cut = cut(p.correspondent_days);
        auto old = [](std::int64_t date, std::int64_t c) { return c != 0 && date != 0 && date < c; };
        prune_report rep;
        // 1. Threads: a thread is judged by its last message; its messages go with it.
        struct thread_fate {
            bool doomed = false;
            std::string subject_key;
        };
        std::map<std::string, thread_fate> threads;  // by rg:{thread:<id>}:meta key
        auto s1 = scan("rg:{thread:*}:meta", [&](const std::vector<std::string>& keys) -> result<void> {
            std::vector<std::vector<std::string>> q;
            for (const auto& k : keys) q.push_back({"HMGET", k, "last_seen", "subject_key"});
            auto rs = pipeline(q);
            if (!rs) return std::unexpected(rs.error());
            for (std::size_t n = 0; n < keys.size(); ++n) {
                const auto* r = (*rs)[n].r;
                if (r->type != REDIS_REPLY_ARRAY || r->elements != 2) continue;
                std::int64_t d = r->element[0]->type == REDIS_REPLY_STRING ? to_i64(r->element[0]->str) : 0;
                threads[keys[n]] =
                    thread_fate{old(d, msg_cut), r->element[1]->type == REDIS_REPLY_STRING
                                                     ? std::string(r->element[1]->str, r->element[1]->len)
                                                     : std::string()};
            }
            return {};
        });
        if (!s1) return std::unexpected(s1.error());
        // 2. Messages of those threads go (one without a thread: by its own date); their ids,
        //    and those of messages older than fingerprint_days, are the postings to drop.
        auto top = command({"GET", k_ids});
        if (!top) return std::unexpected(top.error());
        const auto max_id = (*top)->type == REDIS_REPLY_STRING ? static_cast<std::uint64_t>(to_i64((*top)->str)) : 0;
        std::vector<bool> dead(max_id + 1, false);
        std::int64_t gone_msgs = 0, gone_threads = 0, gone_corrs = 0;
        auto s2 = scan("rg:{msg:*", [&](const std::vector<std::string>& keys) -> result<void> {
            std::vector<std::vector<std::string>> q;
            for (const auto& k : keys) q.push_back({"HMGET", k, "i", "d", "t"});
            auto rs = pipeline(q);
            if (!rs) return std::unexpected(rs.error());
            std::vector<std::vector<std::string>> del;
            for (std::size_t n = 0; n < keys.size(); ++n) {
                const auto* r = (*rs)[n].r;
                if (r->type != REDIS_REPLY_ARRAY || r->elements != 3 || r->element[0]->type != REDIS_REPLY_STRING)
                    continue;
                auto id = static_cast<std::uint64_t>(to_i64(r->element[0]->str));
                std::int64_t d = r->element[1]->type == REDIS_REPLY_STRING ? to_i64(r->element[1]->str) : 0;
                bool drop_msg = false;
                auto t = r->element[2]->type == REDIS_REPLY_STRING
                             ? threads.find(k_meta(std::string_view(r->element[2]->str, r->element[2]->len)))
                             : threads.end();
                if (t != threads.end())
                    drop_msg = t->second.doomed && msg_cut != 0 && d < msg_cut;
                else
                    drop_msg = old(d, msg_cut);
                if ((drop_msg || old(d, fp_cut)) && id <= max_id) dead[id] = true;
                if (!drop_msg) continue;
                ++rep.messages;
                if (dry_run) continue;
                del.push_back({"DEL", keys[n]});
                del.push_back({"HDEL", k_mid(id), std::to_string(id)});
            }
            auto ds = pipeline(del);
            if (!ds) return std::unexpected(ds.error());
            for (std::size_t n = 0; n < ds->size(); n += 2) gone_msgs += (*ds)[n]->integer;
            return {};
        });
        if (!s2) return std::unexpected(s2.error());
        // 3. Fingerprint postings of those ids (a boilerplate marker goes with its last id).
        auto s3 = scan("rg:{fpb:*", [&](const std::vector<std::string>& keys) -> result<void> {
            std::vector<std::vector<std::string>> q;
            for (const auto& k : keys) q.push_back({"HGETALL", k});
            auto rs = pipeline(q);
            if (!rs) return std::unexpected(rs.error());
            std::vector<std::vector<std::string>> cas;
            for (std::size_t n = 0; n < keys.size(); ++n) {
                const auto* r = (*rs)[n].r;
                for (std::size_t e = 0; r->type == REDIS_REPLY_ARRAY && e + 1 < r->elements; e += 2) {
                    std::string field(r->element[e]->str, r->element[e]->len);
                    std::string value(r->element[e + 1]->str, r->element[e + 1]->len);
                    auto v = decode_fp(value);
                    fp_value keep{v.boilerplate, {}};
                    std::uint64_t dropped = 0;
                    for (auto id : v.ids) {
                        if (id <= max_id && dead[id])
                            ++dropped;
                        else
                            keep.ids.push_back(id);
                    }
                    if (dropped == 0) continue;
                    rep.fingerprints += dropped;
                    std::string nv = keep.ids.empty() ? std::string() : encode_fp(keep);
                    if (!dry_run) cas.push_back({"EVALSHA", sha_cas_, "1", keys[n], field, value, nv});
                }
            }
            auto cs = pipeline(cas);
            if (!cs) return std::unexpected(cs.error());
            return {};
        });
        if (!s3) return std::unexpected(s3.error());
        // 4. The doomed threads (the script checks last_seen again), and their subject index entries.
        {
            std::vector<std::vector<std::string>> del;
            for (const auto& [meta, f] : threads) {
                if (!f.doomed) continue;
                ++rep.threads;
                if (dry_run) continue;
                // rg:{thread:<id>}:meta -> <id> and :participants (the same tag, so one script)
                const std::string base = meta.substr(0, meta.size() - 5);
                const std::string id = base.substr(11, base.size() - 12);
                del.push_back(
                    {"EVALSHA", sha_del_old_, "2", meta, base + ":participants", "last_seen", std::to_string(msg_cut)});
                del.push_back({"SREM", k_subj(f.subject_key), id});
            }
            auto ds = pipeline(del);
            if (!ds) return std::unexpected(ds.error());
            for (std::size_t n = 0; n < ds->size(); n += 2) gone_threads += (*ds)[n]->integer;
        }
        // 5. Correspondents last seen before correspondent_days: their keys and names; when each
        //    organisation (the domain of an address, or any suffix of it) was last seen.
        std::set<std::string> dead_addrs;
        std::map<std::string, std::int64_t> corr_seen, org_seen;
        auto s5 = scan("rg:{addr:*}", [&](const std::vector<std::string>& keys) -> result<void> {
            std::vector<std::vector<std::string>> q;
            for (const auto& k : keys) q.push_back({"HGET", k, "last_seen"});
            auto rs = pipeline(q);
            if (!rs) return std::unexpected(rs.error());
            std::vector<std::vector<std::string>> del;
            for (std::size_t n = 0; n < keys.size(); ++n) {
                const auto* r = (*rs)[n].r;
                std::int64_t d = r->type == REDIS_REPLY_STRING ? to_i64(r->str) : 0;
                const std::string a = keys[n].substr(9, keys[n].size() - 10);  // rg:{addr:<a>}
                corr_seen[a] = d;
                if (auto at = a.find('@'); at != std::string::npos) {
                    for (std::string_view s = std::string_view(a).substr(at + 1);;) {
                        auto [it, fresh] = org_seen.emplace(std::string(s), d);
                        if (!fresh) it->second = std::max(it->second, d);
                        auto dot = s.find('.');
                        if (dot == std::string_view::npos) break;
                        s.remove_prefix(dot + 1);
                    }
                }
                if (!old(d, corr_cut)) continue;
                ++rep.correspondents;
                dead_addrs.insert(a);
                if (dry_run) continue;
                del.push_back({"EVALSHA", sha_del_old_, "3", keys[n], keys[n] + ":names", keys[n] + ":wrote_to",
                               "last_seen", std::to_string(corr_cut)});
            }
            auto ds = pipeline(del);
            if (!ds) return std::unexpected(ds.error());
            for (std::size_t n = 0; n < ds->size(); ++n) gone_corrs += (*ds)[n]->integer;
            return {};
        });
        if (!s5) return std::unexpected(s5.error());
        if (!dry_run && !dead_addrs.empty()) {
            auto s6 = scan("rg:{name:*}:addresses", [&](const std::vector<std::string>& keys) -> result<void> {
                std::vector<std::vector<std::string>> q;
                for (const auto& k : keys) q.push_back({"SMEMBERS", k});
                auto rs = pipeline(q);
                if (!rs) return std::unexpected(rs.error());
                std::vector<std::vector<std::string>> rem;
                for (std::size_t n = 0; n < keys.size(); ++n)
                    for (const auto& a : members_of((*rs)[n].r))
                        if (dead_addrs.contains(a)) rem.push_back({"SREM", keys[n], a});
                auto ds = pipeline(rem);
                if (!ds) return std::unexpected(ds.error());
                return {};
            });
            if (!s6) return std::unexpected(s6.error());
        }
        // 6. Profiles: "addr:" ones follow their correspondent (none: gone), "org:" ones the
        //    latest correspondent of the domain or a subdomain (none: gone); undated ones stay.
        if (corr_cut != 0) {
            auto s7 = scan("rg:{prof:*}", [&](const std::vector<std::string>& keys) -> result<void> {
                std::vector<std::vector<std::string>> del;
                for (const auto& k : keys) {
                    const std::string prof = k.substr(9, k.size() - 10);  // rg:{prof:<p>}
                    const std::map<std::string, std::int64_t>* seen = nullptr;
                    std::string who;
                    if (prof.starts_with("addr:")) {
                        seen = &corr_seen;
                        who = prof.substr(5);
                    } else if (prof.starts_with("org:")) {
                        seen = &org_seen;
                        who = prof.substr(4);
                    } else {
                        continue;
                    }
                    auto it = seen->find(who);
                    if (it != seen->end() && !old(it->second, corr_cut)) continue;
                    if (dry_run) {
                        ++rep.profiles;
                        continue;
                    }
                    del.push_back({"DEL", k, k + ":seen"});
                }
                auto ds = pipeline(del);
                if (!ds) return std::unexpected(ds.error());
                for (std::size_t n = 0; n < ds->size(); ++n) rep.profiles += (*ds)[n]->integer != 0;
                return {};
            });
            if (!s7) return std::unexpected(s7.error());
        }
        if (!dry_run) {  // what was removed (a key SCAN returned twice, or changed meanwhile, counts once)
            rep.messages = static_cast<std::uint64_t>(gone_msgs);
            rep.threads = static_cast<std::uint64_t>(gone_threads);
            rep.correspondents = static_cast<std::uint64_t>(gone_corrs);
            std::vector<std::vector<std::string>> st;
            if (gone_msgs) st.push_back({"HINCRBY", k_stats, "messages", std::to_string(-gone_msgs)});
            if (gone_threads) st.push_back({"HINCRBY", k_stats, "threads", std::to_string(-gone_threads)});
            if (gone_corrs) st.push_back({"HINCRBY", k_stats, "correspondents", std::to_string(-gone_corrs)});
            auto ss = pipeline(st);
            if (!ss) return std::unexpected(ss.error());
        }
        return rep;
    }

    // --- outbound_state ------------------------------------------------------
    result<outbound_seen> record(const outbound_submission& sub) override {
        std::lock_guard lock(mu_);
        if (mode_ == open_mode::read_only) return fail(errc::store, "redis history opened read-only");
        if (sub.account.empty()) return fail(errc::internal, "outbound state: empty account");
        std::string member = fmt::format("{}:{}:{}", sub.now, token_, ++seq_);
        auto r = command({"EVAL", k_outbound_lua, "2", k_acct_ips(sub.account), k_acct_sends(sub.account),
                          std::string(sub.client_ip), sub.suspicious ? "1" : "0", std::to_string(sub.now),
                          std::to_string(sub.window), std::to_string(sub.ip_ttl), std::to_string(k_outbound_ips),
                          std::to_string(k_outbound_times), member});
        if (!r) return std::unexpected(r.error());
        if ((*r)->type != REDIS_REPLY_ARRAY || (*r)->elements != 2 || (*r)->element[0]->type != REDIS_REPLY_INTEGER ||
            (*r)->element[1]->type != REDIS_REPLY_INTEGER)
            return fail(errc::store, "redis EVAL (outbound): unexpected reply");
        return outbound_seen{(*r)->element[0]->integer != 0, static_cast<std::size_t>((*r)->element[1]->integer)};
    }

private:
    struct journal_entry {
        std::string key;
        std::optional<std::string> dump;
        long long pttl = -1;
    };
    /// What a queued command's integer answer counts (rg:{stats}, sent after the flush).
    enum class tag : std::uint8_t { plain, new_thread, new_correspondent };
    struct queued_cmd {
        tag t;
        std::vector<std::string> args;
        std::string thread_id, subject_key;  ///< tag::new_thread: indexed when the thread is new
    };

    /// The fingerprint's bits spread (MurmurHash3's fmix64, a bijection): the learner keeps
    /// each message's smallest winnowed hashes (history/fingerprint.cpp), so the top bits of
    /// a fingerprint are mostly 0 and would fill a few buckets. Bucket = top B bits, field =
    /// the rest: together the whole spread value, so the fingerprint itself.
    static std::uint64_t spread(std::uint64_t x) {
        x ^= x >> 33;
        x *= 0xff51afd7ed558ccdULL;
        x ^= x >> 33;
        x *= 0xc4ceb9fe1a85ec53ULL;
        x ^= x >> 33;
        return x;
    }
    std::string k_fpb(std::uint64_t fp) const { return fmt::format("rg:{{fpb:{:x}}}", spread(fp) >> (64 - fpbits_)); }
    std::string fp_field(std::uint64_t fp) const {
        return std::to_string(spread(fp) & ((std::uint64_t{1} << (64 - fpbits_)) - 1));
    }

    /// rg:{meta}: layout 2 (written with fpbits on a new read-write database), or a refusal
    /// saying what to do. Loads the scripts the writes send by EVALSHA.
    result<void> check_layout() {
        std::string where = fmt::format("redis {}:{}/{}", u_.host, u_.port, u_.db);
        auto raw = [&](std::vector<std::string> args) -> reply_ptr {
            std::vector<const char*> argv;
            std::vector<std::size_t> lens;
            for (const auto& a : args) {
                argv.push_back(a.data());
                lens.push_back(a.size());
            }
            return reply_ptr(static_cast<redisReply*>(
                redisCommandArgv(ctx_, static_cast<int>(argv.size()), argv.data(), lens.data())));
        };
        auto m = raw({"HGETALL", k_meta_key});
        if (!m.r || m->type == REDIS_REPLY_ERROR)
            return fail(errc::store, fmt::format("{}: cannot read {}", where, k_meta_key));
        auto meta = hash_of(m.r);
        if (meta.empty()) {
            auto old = raw({"EXISTS", k_stats});
            if (!old.r || old->type != REDIS_REPLY_INTEGER)
                return fail(errc::store, fmt::format("{}: cannot read {}", where, k_stats));
            if (old->integer != 0)
                return fail(errc::store,
                            fmt::format("{}: this database holds a replyguard history of layout 1 (one set per "
                                        "fingerprint, before the compact layout {}); this build neither reads nor "
                                        "converts it. Learn the mail again into an empty database: another database "
                                        "number in the URL, or empty this one (redis-cli -h {} -p {} -n {} FLUSHDB; "
                                        "it also holds the milter's outbound state), then replyguard learn --db URL",
                                        where, k_layout, u_.host, u_.port, u_.db));
            if (mode_ == open_mode::read_write) {
                // Both fields at once (a script runs atomically): written by two HSETNX, a
                // process that read the hash between them met a layout without fpbits and
                // refused to start (two milters started together on an empty database).
                auto w = raw({"EVAL",
                              "if redis.call('EXISTS', KEYS[1]) == 0 then "
                              "redis.call('HSET', KEYS[1], 'layout', ARGV[1], 'fpbits', ARGV[2]) end return 1",
                              "1", k_meta_key, std::to_string(k_layout), std::to_string(u_.fpbits)});
                if (!w.r || w->type == REDIS_REPLY_ERROR)
                    return fail(errc::store, fmt::format("{}: cannot write {}", where, k_meta_key));
                m = raw({"HGETALL", k_meta_key});  // another process may have written it first
                if (!m.r || m->type == REDIS_REPLY_ERROR)
                    return fail(errc::store, fmt::format("{}: cannot read {}", where, k_meta_key));
                meta = hash_of(m.r);
            }
        }
        if (!meta.empty()) {
            if (to_i64(meta["layout"]) != k_layout)
                return fail(errc::store,
                            fmt::format("{}: history layout '{}' (this build reads layout {}): use the replyguard "
                                        "that wrote it, or learn the mail again into an empty database",
                                        where, meta["layout"], k_layout));
            const auto bits = to_i64(meta["fpbits"]);
            if (bits < 8 || bits > 28) return fail(errc::store, fmt::format("{}: bad fpbits in {}", where, k_meta_key));
            fpbits_ = static_cast<int>(bits);
        }
        for (auto [text, sha] : {std::pair<const char*, std::string*>{k_touch_lua, &sha_touch_},
                                 {k_fp_add_lua, &sha_fp_add_},
                                 {k_profile_lua, &sha_profile_},
                                 {k_cas_lua, &sha_cas_},
                                 {k_del_old_lua, &sha_del_old_}}) {
            auto r = raw({"SCRIPT", "LOAD", text});
            if (!r.r || r->type != REDIS_REPLY_STRING)
                return fail(errc::store, fmt::format("{}: SCRIPT LOAD failed", where));
            *sha = std::string(r->str, r->len);
        }
        return {};
    }

    /// Queue one write; remember the key it writes (argument 1, or the script's KEYS).
    void queue(tag t, std::vector<std::string> args) {
        if (args[0] == "EVALSHA") {
            const auto nkeys = static_cast<std::size_t>(to_i64(args[2]));
            for (std::size_t k = 0; k < nkeys; ++k) pending_keys_.insert(args[3 + k]);
        } else
            pending_keys_.insert(args[1]);
        queued_.push_back({t, std::move(args), {}, {}});
    }
    void expire(const std::string& key) {
        if (u_.ttl > 0) queue(tag::plain, {"EXPIRE", key, std::to_string(u_.ttl)});
    }
    void drop_queue() {
        queued_.clear();
        queued_msgs_.clear();
        pending_keys_.clear();
    }
    result<void> flush_if(std::initializer_list<std::string> keys) {
        for (const auto& k : keys)
            if (pending_keys_.contains(k)) return flush();
        return {};
    }
    /// Send what is queued as one pipeline (inside a batch preceded by DUMP/PTTL of every key
    /// not journalled yet), then the new-thread and new-correspondent counts.
    result<void> flush() {
        if (queued_.empty()) return {};
        std::vector<std::vector<std::string>> cmds;
        std::vector<std::string> jkeys;
        if (batch_)
            for (const auto& k : pending_keys_)
                if (journalled_.insert(k).second) {
                    jkeys.push_back(k);
                    cmds.push_back({"DUMP", k});
                    cmds.push_back({"PTTL", k});
                }
        std::vector<tag> tags;
        std::vector<std::pair<std::string, std::string>> threads_of;  // (thread id, subject key) per command
        for (auto& q : queued_) {
            cmds.push_back(std::move(q.args));
            tags.push_back(q.t);
            threads_of.emplace_back(std::move(q.thread_id), std::move(q.subject_key));
        }
        drop_queue();
        std::vector<reply_ptr> rs;
        auto sent = pipeline_all(cmds, rs);
        // Journal what was read, even when a later command failed (a rollback restores it).
        for (std::size_t j = 0; j < jkeys.size() && 2 * j + 1 < rs.size(); ++j) {
            journal_entry e{jkeys[j], std::nullopt, -1};
            if (rs[2 * j]->type == REDIS_REPLY_STRING) {
                e.dump = std::string(rs[2 * j]->str, rs[2 * j]->len);
                e.pttl = rs[2 * j + 1]->type == REDIS_REPLY_INTEGER ? rs[2 * j + 1]->integer : -1;
            }
            // The entry and its key in journalled_: two strings, a tree node, the dump.
            journal_bytes_ += 128 + 2 * e.key.size() + (e.dump ? e.dump->size() : 0);
            journal_.push_back(std::move(e));
        }
        if (!sent) return sent;
        long long threads = 0, corrs = 0;
        std::vector<std::vector<std::string>> st;
        for (std::size_t n = 0; n < tags.size(); ++n) {
            const auto* r = rs[2 * jkeys.size() + n].r;
            if (tags[n] == tag::plain || r->type != REDIS_REPLY_INTEGER || r->integer != 1) continue;
            ++(tags[n] == tag::new_thread ? threads : corrs);
            if (tags[n] == tag::new_thread && !threads_of[n].second.empty()) {
                st.push_back({"SADD", k_subj(threads_of[n].second), threads_of[n].first});
                if (u_.ttl > 0) st.push_back({"EXPIRE", k_subj(threads_of[n].second), std::to_string(u_.ttl)});
            }
        }
        if (threads) st.push_back({"HINCRBY", k_stats, "threads", std::to_string(threads)});
        if (corrs) st.push_back({"HINCRBY", k_stats, "correspondents", std::to_string(corrs)});
        auto s = pipeline(st);
        if (!s) return std::unexpected(s.error());
        return {};
    }

    /// The message keys of candidate ids, then each message's id and fingerprint count
    /// (an id that is not its message's current one is a crashed put()'s: ignored).
    result<std::vector<fingerprint_hit>> resolve_ids(const std::set<std::uint64_t>& ids,
                                                     const std::vector<std::vector<std::uint64_t>>& fp_ids) {
        std::vector<std::vector<std::string>> q;
        for (auto id : ids) q.push_back({"HGET", k_mid(id), std::to_string(id)});
        auto ks = pipeline(q);
        if (!ks) return std::unexpected(ks.error());
        std::map<std::uint64_t, std::string> key_of;
        std::size_t j = 0;
        for (auto id : ids) {
            const auto* r = (*ks)[j++].r;
            if (r->type == REDIS_REPLY_STRING) key_of.emplace(id, std::string(r->str, r->len));
        }
        q.clear();
        for (const auto& [id, k] : key_of) q.push_back({"HMGET", k_msg(k), "i", "c"});
        auto ms = pipeline(q);
        if (!ms) return std::unexpected(ms.error());
        std::map<std::uint64_t, std::size_t> stored;  // id -> fingerprint count, for live ids only
        j = 0;
        for (const auto& [id, k] : key_of) {
            const auto* r = (*ms)[j++].r;
            if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 || r->element[0]->type != REDIS_REPLY_STRING) continue;
            if (static_cast<std::uint64_t>(to_i64(r->element[0]->str)) != id) continue;
            stored[id] =
                r->element[1]->type == REDIS_REPLY_STRING ? static_cast<std::size_t>(to_i64(r->element[1]->str)) : 0;
        }
        std::map<std::string, std::pair<std::size_t, std::size_t>> by_key;  // key -> matched, stored
        for (const auto& f : fp_ids)
            for (auto id : f)
                if (auto s = stored.find(id); s != stored.end()) {
                    auto& h = by_key[key_of[id]];
                    ++h.first;
                    h.second = s->second;
                }
        std::vector<fingerprint_hit> out;
        for (const auto& [k, v] : by_key) out.push_back({k, v.first, v.second});
        std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.matched > b.matched; });
        return out;
    }

    /// SCAN every key matching `pattern`, handing each page to `page`.
    result<void> scan(const std::string& pattern,
                      const std::function<result<void>(const std::vector<std::string>&)>& page) {
        std::string cursor = "0";
        do {
            auto r = command({"SCAN", cursor, "MATCH", pattern, "COUNT", "1000"});
            if (!r) return std::unexpected(r.error());
            if ((*r)->type != REDIS_REPLY_ARRAY || (*r)->elements != 2)
                return fail(errc::store, "redis SCAN: bad reply");
            cursor.assign((*r)->element[0]->str, (*r)->element[0]->len);
            auto keys = members_of((*r)->element[1]);
            if (!keys.empty())
                if (auto p = page(keys); !p) return p;
        } while (cursor != "0");
        return {};
    }

    /// A live connection, reconnecting when the last one broke; after a failed
    /// attempt the next one waits a back-off (0.1 s doubling to 5 s), and calls
    /// before then fail at once with the last error.
    result<void> ensure_connected() {
        if (ctx_ && !ctx_->err && !(u_.sentinel && redis_peer_closed(ctx_))) return {};
        const auto now = std::chrono::steady_clock::now();
        if (now < retry_at_)
            return fail(errc::store,
                        fmt::format("{} (reconnecting in {} ms)", last_error_,
                                    std::chrono::duration_cast<std::chrono::milliseconds>(retry_at_ - now).count()));
        if (auto c = connect(); !c) {
            backoff_ = backoff_.count() == 0 ? std::chrono::milliseconds(100)
                                             : std::min(backoff_ * 2, std::chrono::milliseconds(5000));
            retry_at_ = std::chrono::steady_clock::now() + backoff_;
            last_error_ = c.error().message;
            return c;
        }
        backoff_ = std::chrono::milliseconds(0);
        return {};
    }

    /// Send every command, then read every reply (one round trip) into `out`. A reply that
    /// is an error fails the lot, after all replies were read (the connection
    /// stays in step); a broken connection fails it too, and the next call reconnects.
    result<void> pipeline_all(const std::vector<std::vector<std::string>>& cmds, std::vector<reply_ptr>& out) {
        if (cmds.empty()) return {};
        if (auto c = ensure_connected(); !c) return std::unexpected(c.error());
        std::vector<const char*> argv;
        std::vector<std::size_t> lens;
        for (const auto& args : cmds) {
            argv.clear();
            lens.clear();
            for (const auto& x : args) {
                argv.push_back(x.data());
                lens.push_back(x.size());
            }
            if (redisAppendCommandArgv(ctx_, static_cast<int>(argv.size()), argv.data(), lens.data()) != REDIS_OK)
                return fail(errc::store, fmt::format("redis {}:{}: {}", u_.host, u_.port, ctx_->errstr));
        }
        std::optional<std::pair<std::string, std::string>> first;  // command, error text
        for (std::size_t i = 0; i < cmds.size(); ++i) {
            void* raw = nullptr;
            if (redisGetReply(ctx_, &raw) != REDIS_OK || !raw)
                return fail(errc::store, fmt::format("redis {}:{}: {}", u_.host, u_.port, ctx_->errstr));
            out.emplace_back(static_cast<redisReply*>(raw));
            if (out.back()->type == REDIS_REPLY_ERROR && !first)
                first.emplace(cmds[i].front(), std::string(out.back()->str, out.back()->len));
        }
        if (first) return failed_reply(first->first, first->second);
        return {};
    }
    result<std::vector<reply_ptr>> pipeline(const std::vector<std::vector<std::string>>& cmds) {
        std::vector<reply_ptr> out;
        if (auto p = pipeline_all(cmds, out); !p) return std::unexpected(p.error());
        return out;
    }

    result<reply_ptr> command(const std::vector<std::string>& args) {
        if (auto c = ensure_connected(); !c) return std::unexpected(c.error());
        std::vector<const char*> argv;
        std::vector<std::size_t> lens;
        for (const auto& a : args) {
            argv.push_back(a.data());
            lens.push_back(a.size());
        }
        reply_ptr r(
            static_cast<redisReply*>(redisCommandArgv(ctx_, static_cast<int>(argv.size()), argv.data(), lens.data())));
        if (!r.r)  // the connection broke: the next command reconnects; this one is not retried
            return fail(errc::store, fmt::format("redis {}:{}: {}", u_.host, u_.port, ctx_->errstr));
        if (r->type == REDIS_REPLY_ERROR) return failed_reply(args.front(), std::string_view(r->str, r->len));
        return r;
    }
    /// An error reply. One that says the server is no longer the master (a
    /// failover), or that our scripts are gone (SCRIPT FLUSH), also drops the
    /// connection: the next call finds the master again and loads them again.
    std::unexpected<error> failed_reply(std::string_view cmd, std::string_view text) {
        if ((is_failover_reply(text) || text.starts_with("NOSCRIPT")) && ctx_) {
            redisFree(ctx_);
            ctx_ = nullptr;
        }
        return fail(errc::store, fmt::format("redis {}: {}", cmd, text));
    }
    result<void> ok(const std::vector<std::string>& args) {
        auto r = command(args);
        if (!r) return std::unexpected(r.error());
        return {};
    }
    result<long long> integer(const std::vector<std::string>& args) {
        auto r = command(args);
        if (!r) return std::unexpected(r.error());
        if ((*r)->type != REDIS_REPLY_INTEGER)
            return fail(errc::store, "redis " + args.front() + ": not an integer reply");
        return (*r)->integer;
    }
    result<std::vector<std::string>> members(const std::string& key) {
        auto r = command({"SMEMBERS", key});
        if (!r) return std::unexpected(r.error());
        return members_of(r->r);
    }
    result<std::map<std::string, std::string>> hash(const std::string& key) {
        auto r = command({"HGETALL", key});
        if (!r) return std::unexpected(r.error());
        return hash_of(r->r);
    }

    redis_url u_;
    open_mode mode_;
    bool history_mode_;
    int fpbits_;
    redisContext* ctx_ = nullptr;
    std::chrono::milliseconds backoff_{0};            ///< 0: the last connection attempt succeeded
    std::chrono::steady_clock::time_point retry_at_;  ///< no reconnection attempt before this
    std::string last_error_;
    std::mutex mu_;
    bool batch_ = false;
    std::vector<journal_entry> journal_;
    std::set<std::string> journalled_;
    std::size_t journal_bytes_ = 0;                      ///< batch_bytes(): the journal's estimated memory
    std::vector<queued_cmd> queued_;                     ///< writes not sent yet
    std::set<std::string> pending_keys_;                 ///< the keys they write
    std::map<std::string, message_record> queued_msgs_;  ///< messages put but not sent yet
    std::set<std::string> absent_;                       ///< keys find_message() found absent since the last put()
    std::optional<std::vector<std::string>> org_cache_;  ///< org_domains() while a batch is open
    std::uint64_t next_id_ = 0, id_end_ = 0;             ///< message ids reserved (INCRBY rg:{ids})
    std::string sha_touch_, sha_fp_add_, sha_profile_, sha_cas_, sha_del_old_;
    std::string token_;
    std::uint64_t seq_ = 0;
};

}  // namespace

result<std::unique_ptr<outbound_state>> open_redis_outbound_state(const std::string& url) {
    auto u = parse_url(url);
    if (!u) return std::unexpected(u.error());
    auto h = std::make_unique<redis_history>(*u, open_mode::read_write, false);
    if (auto c = h->connect(); !c) return std::unexpected(c.error());
    return std::unique_ptr<outbound_state>(std::move(h));
}

result<std::unique_ptr<history>> open_redis_history(const std::string& url, open_mode mode) {
    auto u = parse_url(url);
    if (!u) return std::unexpected(u.error());
    auto h = std::make_unique<redis_history>(*u, mode, true);
    if (auto c = h->connect(); !c) return std::unexpected(c.error());
    return std::unique_ptr<history>(std::move(h));
}

}  // namespace replyguard::store
