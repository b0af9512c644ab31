// SPDX-License-Identifier: Apache-2.0
// store/redis_sentinel.cpp - master discovery through Redis Sentinel (hiredis 0.14)
//
// DESCRIPTION
//   See store/redis_sentinel.hpp. Debian's hiredis 0.14 has no Sentinel
//   support, so the discovery is the documented client protocol by hand:
//   ask the sentinels, connect, verify the role.
// LIMITS
//   A sentinel that answers with an error or an unknown master is skipped;
//   the error of the last one asked is the one reported when none helps.
#include "store/redis_sentinel.hpp"

#include <fmt/format.h>
#include <poll.h>

#include <algorithm>
#include <charconv>
#include <optional>
#include <utility>

namespace replyguard::store {
namespace {

struct reply {
    redisReply* r = nullptr;
    explicit reply(void* p) : r(static_cast<redisReply*>(p)) {}
    reply(const reply&) = delete;
    reply& operator=(const reply&) = delete;
    ~reply() {
        if (r) freeReplyObject(r);
    }
};

bool to_int(std::string_view s, int& out) {
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc{} && p == s.data() + s.size();
}

std::string text(const redisReply* r) { return r->str ? std::string(r->str, r->len) : std::string(); }

}  // namespace

result<sentinel_target> parse_sentinel_url(std::string_view url) {
    auto bad = [&](std::string_view why) {
        return fail(errc::parse, fmt::format("{}: {} (redis+sentinel://[:PASSWORD@]HOST:PORT[,HOST:PORT...]/"
                                             "MASTERNAME[/DB])",
                                             url, why));
    };
    if (!url.starts_with(k_sentinel_scheme)) return bad("not a redis+sentinel:// URL");
    std::string_view rest = url.substr(k_sentinel_scheme.size());
    sentinel_target t;
    auto slash = rest.find('/');
    if (slash == std::string_view::npos) return bad("no master name");
    std::string_view authority = rest.substr(0, slash), path = rest.substr(slash + 1);
    if (auto at = authority.rfind('@'); at != std::string_view::npos) {
        std::string_view cred = authority.substr(0, at);
        if (!cred.starts_with(':')) return bad("the credentials must be :PASSWORD@");
        t.password = std::string(cred.substr(1));
        authority = authority.substr(at + 1);
    }
    while (!authority.empty()) {
        auto comma = authority.find(',');
        std::string_view hp = authority.substr(0, comma);
        authority = comma == std::string_view::npos ? std::string_view{} : authority.substr(comma + 1);
        redis_endpoint e{std::string(hp), 26379};
        if (auto c = hp.rfind(':'); c != std::string_view::npos) {
            e.host = std::string(hp.substr(0, c));
            if (!to_int(hp.substr(c + 1), e.port) || e.port <= 0 || e.port > 65535)
                return bad(fmt::format("bad sentinel port in '{}'", hp));
        }
        if (e.host.empty()) return bad(fmt::format("empty sentinel host in '{}'", hp));
        t.sentinels.push_back(std::move(e));
    }
    if (t.sentinels.empty()) return bad("no sentinel address");
    std::string_view db;
    if (auto s = path.find('/'); s != std::string_view::npos) {
        db = path.substr(s + 1);
        path = path.substr(0, s);
    }
    if (path.empty()) return bad("no master name");
    t.master_name = std::string(path);
    if (!db.empty() && (!to_int(db, t.db) || t.db < 0)) return bad(fmt::format("bad database '{}'", db));
    return t;
}

bool redis_peer_closed(const redisContext* c) {
    // Between a reply and the next command nothing is due from the server:
    // readable (EOF), hung up or in error means it is gone.
    pollfd p{c->fd, POLLIN | POLLRDHUP, 0};
    return ::poll(&p, 1, 0) > 0 && (p.revents & (POLLIN | POLLRDHUP | POLLHUP | POLLERR | POLLNVAL)) != 0;
}

bool is_failover_reply(std::string_view e) {
    return e.starts_with("READONLY") || e.starts_with("LOADING") || e.starts_with("MASTERDOWN");
}

result<redisContext*> connect_sentinel_master(const sentinel_target& t, timeval timeout, redis_endpoint& found) {
    const long timeout_ms = timeout.tv_sec * 1000 + timeout.tv_usec / 1000;
    const long probe_ms = std::min(timeout_ms, 500L);
    const timeval probe{probe_ms / 1000, static_cast<decltype(timeval::tv_usec)>((probe_ms % 1000) * 1000)};
    std::string why = "no sentinel answered";
    std::optional<redis_endpoint> master;
    for (const auto& s : t.sentinels) {
        redisContext* c = redisConnectWithTimeout(s.host.c_str(), s.port, probe);
        if (!c || c->err) {
            why = fmt::format("sentinel {}:{}: {}", s.host, s.port, c ? c->errstr : "cannot allocate a connection");
            if (c) redisFree(c);
            continue;
        }
        redisSetTimeout(c, probe);
        const char* argv[] = {"SENTINEL", "get-master-addr-by-name", t.master_name.c_str()};
        reply r(redisCommandArgv(c, 3, argv, nullptr));
        if (!r.r)
            why = fmt::format("sentinel {}:{}: {}", s.host, s.port, c->errstr);
        else if (r.r->type == REDIS_REPLY_ERROR)
            why = fmt::format("sentinel {}:{}: {}", s.host, s.port, text(r.r));
        else if (r.r->type != REDIS_REPLY_ARRAY || r.r->elements != 2 || r.r->element[0]->type != REDIS_REPLY_STRING ||
                 r.r->element[1]->type != REDIS_REPLY_STRING)
            why = fmt::format("sentinel {}:{}: does not know master '{}'", s.host, s.port, t.master_name);
        else {
            redis_endpoint e{text(r.r->element[0]), 0};
            if (to_int(text(r.r->element[1]), e.port))
                master = std::move(e);
            else
                why = fmt::format("sentinel {}:{}: bad port in its answer", s.host, s.port);
        }
        redisFree(c);
        if (master) break;
    }
    if (!master) return fail(errc::store, fmt::format("redis master '{}': {}", t.master_name, why));

    const std::string where = fmt::format("redis master '{}' at {}:{}", t.master_name, master->host, master->port);
    redisContext* c = redisConnectWithTimeout(master->host.c_str(), master->port, timeout);
    if (!c || c->err) {
        std::string e = c ? c->errstr : "cannot allocate a connection";
        if (c) redisFree(c);
        return fail(errc::store, fmt::format("{}: {}", where, e));
    }
    redisSetTimeout(c, timeout);
    auto run = [&](std::vector<const char*> argv) -> result<void> {
        reply r(redisCommandArgv(c, static_cast<int>(argv.size()), argv.data(), nullptr));
        if (!r.r) return fail(errc::store, fmt::format("{}: {}", where, c->errstr));
        if (r.r->type == REDIS_REPLY_ERROR)
            return fail(errc::store, fmt::format("{}: {}: {}", where, argv.front(), text(r.r)));
        if (argv.front() == std::string_view("ROLE")) {
            // ROLE: ["master", offset, replicas] on a master; "slave"/"sentinel" first otherwise.
            std::string role = r.r->type == REDIS_REPLY_ARRAY && r.r->elements > 0 ? text(r.r->element[0]) : "";
            if (role != "master")
                return fail(errc::store, fmt::format("{}: is a {} now, not the master (a failover is under way)", where,
                                                     role.empty() ? "server of unknown role" : role));
        }
        return {};
    };
    result<void> ok;
    if (!t.password.empty()) ok = run({"AUTH", t.password.c_str()});
    if (ok) ok = run({"ROLE"});
    if (!ok) {
        redisFree(c);
        return std::unexpected(ok.error());
    }
    found = std::move(*master);
    return c;
}

}  // namespace replyguard::store
