// SPDX-License-Identifier: Apache-2.0
// store/redis_history.cpp - the history in Redis (hiredis 0.14, Debian libhiredis-dev)
//
// DESCRIPTION
//   Implements store::history over the logical keys of store/history.hpp
//   (every key carries its own {hash tag}, so each command touches one slot
//   and the design stays Redis Cluster-compatible), plus two of our own:
//     rg:{doms}    set of every registrable domain seen (known_domains())
//     rg:{stats}   hash: messages threads correspondents (stats())
//   URL: redis://HOST[:PORT][/DB][?ttl=SECONDS&timeout=MS], or
//   redis+sentinel://[:PASSWORD@]HOST:PORT[,HOST:PORT...]/MASTERNAME[/DB][?...]
//   (store/redis_sentinel.hpp: each (re)connection asks the sentinels for
//   the master, and an error reply meaning "not the master" drops the
//   connection so that the next call finds the new one). `ttl` ages the
//   per-message data (messages, threads, subject index, fingerprints): every
//   write refreshes it; correspondents, names, domains never expire.
//   A put() checks rg:{msg:<key>} first and writes it last, so a retried
//   import converges. Inside a batch, the first time put() touches a key its
//   previous value is journalled (DUMP/PTTL); rollback_batch() restores them
//   (RESTORE ... REPLACE, or DEL for keys that did not exist).
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
//   again when it returns.
//   read() (store::read_batch, the engine's per-message gather) sends the
//   whole batch as one pipeline (redisAppendCommandArgv, then the replies):
//   one round trip, plus one more for the stored fingerprint counts of the
//   messages a fingerprint match found.
// LIMITS
//   No cross-key atomicity (Cluster forbids it): a crash inside put() can
//   leave a message's entity keys written without its rg:{msg:} key; relearning
//   it then counts those entities twice (thread/correspondent counts only).
//   A kill of the master or a failover cuts put() the same way; and writes
//   the old master acknowledged but had not yet replicated are lost with it
//   (replication is asynchronous; learning the same mail again restores them).
//   When keys expire, rg:{stats} is not decremented. Single-item reads and the
//   writes send one command at a time; read() pipelines. Key parts containing braces or longer than 200
//   bytes are replaced by a SHA-256 prefix.
#include "core/digest.hpp"
#include "store/history.hpp"
#include "store/outbound_state.hpp"
#include "store/redis_sentinel.hpp"

#include <fmt/format.h>
#include <hiredis/hiredis.h>

#include <algorithm>
#include <charconv>
#include <chrono>
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
std::string k_fp(std::uint64_t fp) { return fmt::format("rg:{{fp:{:016x}}}", fp); }
std::string k_dom(std::string_view d) { return "rg:{dom:" + safe(d) + "}"; }
std::string k_prof(std::string_view p) { return "rg:{prof:" + safe(p) + "}"; }
std::string k_prof_seen(std::string_view p) { return k_prof(p) + ":seen"; }
std::string k_acct_ips(std::string_view a) { return "rg:{acct:" + safe(a) + "}:ips"; }
std::string k_acct_sends(std::string_view a) { return "rg:{acct:" + safe(a) + "}:sends"; }
const std::string k_org = "rg:{org}:domains";
const std::string k_doms = "rg:{doms}";
const std::string k_stats = "rg:{stats}";

// One key: count one more event in field ARGV[1] and widen first/last seen by date ARGV[2].
constexpr const char* k_touch_lua = R"LUA(
local n = redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
local d = tonumber(ARGV[2])
if d ~= 0 then
  local f = tonumber(redis.call('HGET', KEYS[1], 'first_seen') or '0')
  if f == 0 or d < f then redis.call('HSET', KEYS[1], 'first_seen', d) end
  local l = tonumber(redis.call('HGET', KEYS[1], 'last_seen') or '0')
  if d > l then redis.call('HSET', KEYS[1], 'last_seen', d) end
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
    r.message_id = h["message_id"];
    r.thread_id = h["thread"];
    r.date = to_i64(h["date"]);
    r.from_address = h["from"];
    r.from_name = h["from_name"];
    r.subject = h["subject"];
    r.subject_key = h["subject_key"];
    r.sent = h["sent"] == "1";
    std::string_view rc = h["recipients"];
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
        else
            return fail(errc::parse, fmt::format("{}: unknown parameter '{}' (ttl, timeout)", url, k));
    }
    if (u.port <= 0 || u.port > 65535 || u.db < 0 || u.ttl < 0 || u.timeout_ms <= 0)
        return fail(errc::parse, fmt::format("{}: bad port, database, ttl or timeout", url));
    return u;
}

class redis_history final : public history, public outbound_state {
public:
    redis_history(redis_url u, open_mode mode) : u_(std::move(u)), mode_(mode) {
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
        return {};
    }

    // --- writing -------------------------------------------------------------
    result<bool> put(const learnt_message& m) override {
        std::lock_guard lock(mu_);
        if (mode_ == open_mode::read_only) return fail(errc::store, "redis history opened read-only");
        if (m.rec.key.empty()) return fail(errc::internal, "message without a key");
        auto exists = integer({"EXISTS", k_msg(m.rec.key)});
        if (!exists) return std::unexpected(exists.error());
        if (*exists) return false;

        const auto& r = m.rec;
        const std::string date = std::to_string(r.date);
        if (batch_) {
            std::vector<std::string> keys{k_msg(r.key), k_meta(r.thread_id), k_parts(r.thread_id), k_stats, k_doms};
            if (!r.subject_key.empty()) keys.push_back(k_subj(r.subject_key));
            for (const auto& p : m.participants) {
                keys.push_back(k_addr(p.address));
                keys.push_back(k_addr_names(p.address));
            }
            if (!r.from_address.empty()) keys.push_back(k_addr_wrote(r.from_address));
            for (const auto& [n, a] : m.names) keys.push_back(k_name(n));
            for (const auto& d : m.domains) keys.push_back(k_dom(d));
            for (auto fp : m.fingerprints) keys.push_back(k_fp(fp));
            for (const auto& k : keys)
                if (auto j = journal(k); !j) return std::unexpected(j.error());
        }

        // Thread.
        auto n = integer({"EVAL", k_touch_lua, "1", k_meta(r.thread_id), "messages", date});
        if (!n) return std::unexpected(n.error());
        if (*n == 1) {
            if (auto e = ok({"HSET", k_meta(r.thread_id), "subject", m.thread_subject, "subject_key", r.subject_key});
                !e)
                return std::unexpected(e.error());
            if (auto e = ok({"HINCRBY", k_stats, "threads", "1"}); !e) return std::unexpected(e.error());
            if (!r.subject_key.empty()) {
                if (auto e = ok({"SADD", k_subj(r.subject_key), r.thread_id}); !e) return std::unexpected(e.error());
                if (auto e = expire(k_subj(r.subject_key)); !e) return std::unexpected(e.error());
            }
        }
        for (const auto& p : m.participants) {
            if (auto e = ok({p.name.empty() ? "HSETNX" : "HSET", k_parts(r.thread_id), p.address, p.name}); !e)
                return std::unexpected(e.error());
            auto c = integer({"EVAL", k_touch_lua, "1", k_addr(p.address), "count", date});
            if (!c) return std::unexpected(c.error());
            if (*c == 1)
                if (auto e = ok({"HINCRBY", k_stats, "correspondents", "1"}); !e) return std::unexpected(e.error());
            if (!p.name.empty())
                if (auto e = ok({"SADD", k_addr_names(p.address), p.name}); !e) return std::unexpected(e.error());
        }
        if (auto e = expire(k_meta(r.thread_id)); !e) return std::unexpected(e.error());
        if (auto e = expire(k_parts(r.thread_id)); !e) return std::unexpected(e.error());
        if (!r.from_address.empty())
            for (const auto& w : m.wrote_to)
                if (auto e = ok({"SADD", k_addr_wrote(r.from_address), w}); !e) return std::unexpected(e.error());
        for (const auto& [nk, a] : m.names)
            if (auto e = ok({"SADD", k_name(nk), a}); !e) return std::unexpected(e.error());
        for (const auto& d : m.domains) {
            if (auto e = ok({"INCR", k_dom(d)}); !e) return std::unexpected(e.error());
            if (auto e = ok({"SADD", k_doms, d}); !e) return std::unexpected(e.error());
        }
        for (auto fp : m.fingerprints) {
            if (auto e = ok({"SADD", k_fp(fp), r.key}); !e) return std::unexpected(e.error());
            if (auto e = expire(k_fp(fp)); !e) return std::unexpected(e.error());
        }
        // The message itself last: its presence means "everything above is written".
        std::string recipients;
        for (const auto& x : r.recipients) recipients += (recipients.empty() ? "" : "\n") + x;
        if (auto e = ok({"HSET",        k_msg(r.key),
                         "message_id",  r.message_id,
                         "thread",      r.thread_id,
                         "date",        date,
                         "from",        r.from_address,
                         "from_name",   r.from_name,
                         "subject",     r.subject,
                         "subject_key", r.subject_key,
                         "sent",        r.sent ? "1" : "0",
                         "recipients",  recipients,
                         "fps",         std::to_string(m.fingerprints.size())});
            !e)
            return std::unexpected(e.error());
        if (auto e = expire(k_msg(r.key)); !e) return std::unexpected(e.error());
        if (auto e = ok({"HINCRBY", k_stats, "messages", "1"}); !e) return std::unexpected(e.error());
        return true;
    }

    result<void> add_org_domain(std::string_view d) override {
        std::lock_guard lock(mu_);
        if (mode_ == open_mode::read_only) return fail(errc::store, "redis history opened read-only");
        return ok({"SADD", k_org, std::string(d)});
    }
    result<void> begin_batch() override {
        std::lock_guard lock(mu_);
        if (batch_) return fail(errc::store, "a batch is already open");
        batch_ = true;
        journal_.clear();
        journalled_.clear();
        return {};
    }
    result<void> commit_batch() override {
        std::lock_guard lock(mu_);
        if (!batch_) return fail(errc::store, "no batch is open");
        batch_ = false;
        journal_.clear();
        journalled_.clear();
        return {};
    }
    result<void> rollback_batch() override {
        std::lock_guard lock(mu_);
        if (!batch_) return fail(errc::store, "no batch is open");
        batch_ = false;
        result<void> first_error;
        for (auto it = journal_.rbegin(); it != journal_.rend(); ++it) {
            result<void> e =
                it->dump ? ok({"RESTORE", it->key, std::to_string(it->pttl > 0 ? it->pttl : 0), *it->dump, "REPLACE"})
                         : ok({"DEL", it->key});
            if (!e && first_error) first_error = std::unexpected(e.error());
        }
        journal_.clear();
        journalled_.clear();
        return first_error;
    }

    // --- reading -------------------------------------------------------------
    result<std::optional<message_record>> find_message(std::string_view key) override {
        std::lock_guard lock(mu_);
        auto h = hash(k_msg(key));
        if (!h) return std::unexpected(h.error());
        if (h->empty()) return std::optional<message_record>{};
        return std::optional<message_record>{message_of(key, *h)};
    }
    result<std::optional<thread_info>> find_thread(std::string_view id) override {
        std::lock_guard lock(mu_);
        auto h = hash(k_meta(id));
        if (!h) return std::unexpected(h.error());
        if (h->empty()) return std::optional<thread_info>{};
        auto p = hash(k_parts(id));
        if (!p) return std::unexpected(p.error());
        return std::optional<thread_info>{thread_of(id, *h, *p)};
    }
    result<std::vector<std::string>> threads_by_subject(std::string_view key, std::size_t max) override {
        std::lock_guard lock(mu_);
        auto s = members(k_subj(key));
        if (s && s->size() > max) s->resize(max);
        return s;
    }
    result<std::optional<correspondent>> find_correspondent(std::string_view a) override {
        std::lock_guard lock(mu_);
        auto h = hash(k_addr(a));
        if (!h) return std::unexpected(h.error());
        if (h->empty()) return std::optional<correspondent>{};
        auto names = members(k_addr_names(a));
        if (!names) return std::unexpected(names.error());
        auto wrote = members(k_addr_wrote(a));
        if (!wrote) return std::unexpected(wrote.error());
        return std::optional<correspondent>{correspondent_of(a, *h, std::move(*names), std::move(*wrote))};
    }
    result<std::vector<std::string>> addresses_for_name(std::string_view k) override {
        std::lock_guard lock(mu_);
        return members(k_name(k));
    }
    result<std::vector<fingerprint_hit>> match_fingerprints(std::span<const std::uint64_t> fps,
                                                            std::size_t max_df) override {
        std::lock_guard lock(mu_);
        std::map<std::string, std::size_t> counts;
        std::set<std::uint64_t> seen;
        for (auto fp : fps) {
            if (!seen.insert(fp).second) continue;
            auto n = integer({"SCARD", k_fp(fp)});
            if (!n) return std::unexpected(n.error());
            if (*n == 0 || static_cast<std::size_t>(*n) > max_df) continue;
            auto m = members(k_fp(fp));
            if (!m) return std::unexpected(m.error());
            for (const auto& k : *m) ++counts[k];
        }
        std::vector<fingerprint_hit> out;
        for (const auto& [k, n] : counts) {
            auto s = command({"HGET", k_msg(k), "fps"});
            if (!s) return std::unexpected(s.error());
            std::size_t stored = (*s)->type == REDIS_REPLY_STRING ? static_cast<std::size_t>(to_i64((*s)->str)) : 0;
            out.push_back({k, n, stored});
        }
        std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.matched > b.matched; });
        return out;
    }
    result<std::vector<std::string>> org_domains() override {
        std::lock_guard lock(mu_);
        return members(k_org);
    }
    result<std::vector<std::string>> known_domains() override {
        std::lock_guard lock(mu_);
        return members(k_doms);
    }
    result<bool> is_known_domain(std::string_view d) override {
        std::lock_guard lock(mu_);
        auto n = integer({"EXISTS", k_dom(d)});
        if (!n) return std::unexpected(n.error());
        return *n != 0;
    }
    result<history_stats> stats() override {
        std::lock_guard lock(mu_);
        auto h = hash(k_stats);
        if (!h) return std::unexpected(h.error());
        return stats_of(*h);
    }

    result<read_answers> read(const read_batch& b) override {
        std::lock_guard lock(mu_);
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
        // SRANDMEMBER with a positive count returns min(count, size) distinct members:
        // the whole set when it is small, and max_df+1 of a boilerplate one (skipped),
        // like the SQLite backend's LIMIT, without reading a large set.
        std::vector<std::uint64_t> fps(b.fingerprints.begin(), b.fingerprints.end());
        std::sort(fps.begin(), fps.end());
        fps.erase(std::unique(fps.begin(), fps.end()), fps.end());
        for (auto fp : fps) cmds.push_back({"SRANDMEMBER", k_fp(fp), std::to_string(b.max_df + 1)});
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
        for (std::size_t n = 0; n < b.names.size(); ++n) a.names.push_back(members_of(next()));
        for (std::size_t n = 0; n < b.domains.size(); ++n) {
            const auto* r = next();
            a.domains.push_back(r->type == REDIS_REPLY_INTEGER && r->integer != 0);
        }
        if (b.subject_key) {
            a.subject_threads = members_of(next());
            if (a.subject_threads.size() > b.max_subject_threads) a.subject_threads.resize(b.max_subject_threads);
        }
        std::map<std::string, std::size_t> counts;
        for (std::size_t n = 0; n < fps.size(); ++n) {
            auto keys = members_of(next());
            if (keys.size() > b.max_df) continue;  // boilerplate
            for (auto& k : keys) ++counts[k];
        }
        if (b.stats) {
            auto h = hash_of(next());
            a.stats = stats_of(h);
        }
        if (b.org_domains) a.org_domains = members_of(next());
        if (b.known_domains) a.known_domains = members_of(next());
        for (const auto& k : b.profiles) a.profiles.push_back(profile_of(k, hash_of(next())));
        if (!counts.empty()) {
            // Second round trip: how many fingerprints each matched message has stored.
            std::vector<std::vector<std::string>> more;
            for (const auto& [k, n] : counts) more.push_back({"HGET", k_msg(k), "fps"});
            auto ss = pipeline(more);
            if (!ss) return std::unexpected(ss.error());
            std::size_t j = 0;
            for (const auto& [k, n] : counts) {
                const auto* s = (*ss)[j++].r;
                std::size_t stored = s->type == REDIS_REPLY_STRING ? static_cast<std::size_t>(to_i64(s->str)) : 0;
                a.fingerprint_hits.push_back({k, n, stored});
            }
            std::stable_sort(a.fingerprint_hits.begin(), a.fingerprint_hits.end(),
                             [](const auto& x, const auto& y) { return x.matched > y.matched; });
        }
        return a;
    }

    // --- sender profiles -------------------------------------------------------
    // Profiles never expire (like correspondents); the seen set holds a SHA-256 prefix
    // of each message key counted, so relearning a message changes nothing.
    result<bool> learn_profile(const profile_update& u) override {
        std::lock_guard lock(mu_);
        if (mode_ == open_mode::read_only) return fail(errc::store, "redis history opened read-only");
        if (u.message_key.empty()) return fail(errc::internal, "profile update without a message key");
        bool any = false;
        for (const auto& p : u.profiles) {
            if (batch_)
                for (const auto& k : {k_prof(p), k_prof_seen(p)})
                    if (auto j = journal(k); !j) return std::unexpected(j.error());
            std::vector<std::string> args{"EVAL",
                                          k_profile_lua,
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
            auto n = integer(args);
            if (!n) return std::unexpected(n.error());
            any = any || *n != 0;
        }
        return any;
    }
    result<std::optional<profile_counts>> find_profile(std::string_view key) override {
        std::lock_guard lock(mu_);
        auto h = hash(k_prof(key));
        if (!h) return std::unexpected(h.error());
        return profile_of(key, *h);
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

    /// Send every command, then read every reply (one round trip). A reply that
    /// is an error fails the lot, after all replies were read (the connection
    /// stays in step); a broken connection fails it too, and the next call reconnects.
    result<std::vector<reply_ptr>> pipeline(const std::vector<std::vector<std::string>>& cmds) {
        std::vector<reply_ptr> out;
        if (cmds.empty()) return out;
        if (auto c = ensure_connected(); !c) return std::unexpected(c.error());
        for (const auto& args : cmds) {
            std::vector<const char*> argv;
            std::vector<std::size_t> lens;
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
    /// failover) also drops the connection: the next call finds the master again.
    std::unexpected<error> failed_reply(std::string_view cmd, std::string_view text) {
        if (is_failover_reply(text) && ctx_) {
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
        std::vector<std::string> out;
        for (std::size_t i = 0; i < (*r)->elements; ++i) out.emplace_back((*r)->element[i]->str, (*r)->element[i]->len);
        std::sort(out.begin(), out.end());
        return out;
    }
    result<std::map<std::string, std::string>> hash(const std::string& key) {
        auto r = command({"HGETALL", key});
        if (!r) return std::unexpected(r.error());
        std::map<std::string, std::string> out;
        for (std::size_t i = 0; i + 1 < (*r)->elements; i += 2)
            out.emplace(std::string((*r)->element[i]->str, (*r)->element[i]->len),
                        std::string((*r)->element[i + 1]->str, (*r)->element[i + 1]->len));
        return out;
    }
    result<void> expire(const std::string& key) {
        if (u_.ttl <= 0) return {};
        return ok({"EXPIRE", key, std::to_string(u_.ttl)});
    }
    result<void> journal(const std::string& key) {
        if (!journalled_.insert(key).second) return {};
        auto d = command({"DUMP", key});
        if (!d) return std::unexpected(d.error());
        journal_entry e{key, std::nullopt, -1};
        if ((*d)->type == REDIS_REPLY_STRING) {
            e.dump = std::string((*d)->str, (*d)->len);
            auto t = integer({"PTTL", key});
            if (!t) return std::unexpected(t.error());
            e.pttl = *t;
        }
        journal_.push_back(std::move(e));
        return {};
    }

    redis_url u_;
    open_mode mode_;
    redisContext* ctx_ = nullptr;
    std::chrono::milliseconds backoff_{0};            ///< 0: the last connection attempt succeeded
    std::chrono::steady_clock::time_point retry_at_;  ///< no reconnection attempt before this
    std::string last_error_;
    std::mutex mu_;
    bool batch_ = false;
    std::vector<journal_entry> journal_;
    std::set<std::string> journalled_;
    std::string token_;
    std::uint64_t seq_ = 0;
};

}  // namespace

result<std::unique_ptr<outbound_state>> open_redis_outbound_state(const std::string& url) {
    auto u = parse_url(url);
    if (!u) return std::unexpected(u.error());
    auto h = std::make_unique<redis_history>(*u, open_mode::read_write);
    if (auto c = h->connect(); !c) return std::unexpected(c.error());
    return std::unique_ptr<outbound_state>(std::move(h));
}

result<std::unique_ptr<history>> open_redis_history(const std::string& url, open_mode mode) {
    auto u = parse_url(url);
    if (!u) return std::unexpected(u.error());
    auto h = std::make_unique<redis_history>(*u, mode);
    if (auto c = h->connect(); !c) return std::unexpected(c.error());
    return std::unique_ptr<history>(std::move(h));
}

}  // namespace replyguard::store
