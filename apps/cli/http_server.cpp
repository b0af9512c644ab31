// SPDX-License-Identifier: Apache-2.0
// apps/cli/http_server.cpp - libmicrohttpd under our request/response types (see http_server.hpp)
//
// DESCRIPTION
//   Three kinds of threads:
//     MHD's polling thread (MHD_USE_EPOLL_INTERNAL_THREAD): accepts, reads,
//       writes, calls on_request and the notifications; never runs a route;
//     the workers: pop a complete request, run handlers.handle, resume the
//       connection (on_request is then called again and queues the reply);
//     the reaper: every 250 ms, shuts down (shutdown(2)) a connection past
//       its head or request deadline. It only touches a descriptor still in
//       its table under the table's lock, and MHD removes it there (the
//       CLOSED notification) before it closes the descriptor, so it never
//       shuts down a reused one.
//   MHD's own rejects reach us only through its log (http_server.hpp says
//   why): log_cb() turns the two lines that mean a reject into
//   server_events and passes every other line on as a message.
#include "cli/http_server.hpp"

#include "cli/mhd_api.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <string_view>
#include <thread>
#include <vector>

namespace replyguard::cli::http {

namespace {

using clock_type = std::chrono::steady_clock;

/// What is read and dropped past the body limit before the connection is closed instead of answered.
constexpr std::uint64_t k_drain_extra = 1u << 20;

enum class phase { head, body, busy };

/// One request, from its head to the end of its connection (MHD's con_cls).
struct exchange {
    request req;
    response res;
    MHD_Connection* conn = nullptr;
    clock_type::time_point t0 = clock_type::now();
    bool refused = false;               ///< res holds a refusal; the body is read and dropped
    bool queued = false;                ///< a reply was queued
    bool ran = false;                   ///< handed to a worker
    std::atomic<bool> finished{false};  ///< the worker is done (res is the reply)
    std::uint64_t body_seen = 0;
};

struct tracked {
    int fd = -1;
    clock_type::time_point accepted;
    phase ph = phase::head;
    bool reaped = false;
};

MHD_Result collect(void* cls, MHD_ValueKind, const char* key, const char* value) {
    static_cast<fields*>(cls)->emplace_back(key ? key : "", value ? value : "");
    return MHD_YES;
}

std::string address_of(const mhd_api& mhd, MHD_Connection* conn) {
    const MHD_ConnectionInfo* ci = mhd.get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (!ci || !ci->client_addr) return "-";
    char buf[INET6_ADDRSTRLEN] = {};
    const sockaddr* sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr, buf, sizeof buf);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr, buf, sizeof buf);
    else
        return "-";
    return buf;
}

/// The start of the line MHD logs before each error reply of its own (connection.c,
/// transmit_error_response_len): "Error processing request (HTTP response code is %u ('%s')). ...".
constexpr std::string_view k_mhd_error_reply = "Error processing request (HTTP response code is ";
/// The line MHD logs when it closes a new connection over a limit (daemon.c, new_connection_prepare_).
constexpr std::string_view k_mhd_refused = "Server reached connection limit";

/// What MHD's log line `line` (formatted) means.
server_event classify(std::string_view line) {
    server_event e;
    if (line.starts_with(k_mhd_error_reply)) {
        int status = 0;
        for (char c : line.substr(k_mhd_error_reply.size())) {
            if (c < '0' || c > '9' || status > 999) break;
            status = status * 10 + (c - '0');
        }
        if (status >= 100 && status <= 599) {
            e.what = server_event::kind::library_reply;
            e.status = status;
            return e;
        }
    } else if (line.starts_with(k_mhd_refused)) {
        e.what = server_event::kind::refused;
        return e;
    }
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
    e.text = std::string(line);
    for (char& c : e.text)
        if (c == '\n' || c == '\r') c = ' ';
    return e;
}

response plain_error(int status, std::string text) {
    response r;
    r.status = status;
    r.set_content(std::move(text), "text/plain; charset=utf-8");
    return r;
}

}  // namespace

struct server::impl {
    const mhd_api* mhd = nullptr;  ///< libmicrohttpd (mhd_api.hpp), set by start()
    server_limits lim;
    handlers h;
    MHD_Daemon* daemon = nullptr;
    int listen_fd = -1;
    int port = 0;

    // Workers.
    std::mutex q_mu;
    std::condition_variable q_cv;
    std::deque<exchange*> queue;
    bool stopping = false;
    std::vector<std::thread> workers;
    std::atomic<int> suspended{0};  ///< connections suspended for a worker (must be 0 before MHD_stop_daemon)

    // Deadlines.
    std::mutex t_mu;
    std::condition_variable t_cv;
    std::map<MHD_Connection*, tracked> conns;
    bool reaper_stop = false;
    std::thread reaper;

    bool stopped = false;

    void report(const server_event& e) {
        if (!h.event) return;
        try {
            h.event(e);
        } catch (...) {}
    }

    void set_phase(MHD_Connection* c, phase p) {
        std::lock_guard lock(t_mu);
        if (auto it = conns.find(c); it != conns.end()) it->second.ph = p;
    }

    /// Queue x->res (after handlers.finish) on its connection.
    MHD_Result answer(exchange* x) {
        if (h.finish) {
            try {
                h.finish(x->req, x->res);
            } catch (...) {}
        }
        const response& r = x->res;
        MHD_Response* mr =
            mhd->create_response_from_buffer(r.body.size(), const_cast<char*>(r.body.data()), MHD_RESPMEM_MUST_COPY);
        if (!mr) return MHD_NO;
        for (const auto& [k, v] : r.headers) mhd->add_response_header(mr, k.c_str(), v.c_str());
        if (!r.content_type.empty()) mhd->add_response_header(mr, MHD_HTTP_HEADER_CONTENT_TYPE, r.content_type.c_str());
        mhd->add_response_header(mr, MHD_HTTP_HEADER_CONNECTION, "close");
        MHD_Result ok = mhd->queue_response(x->conn, static_cast<unsigned>(r.status), mr);
        mhd->destroy_response(mr);
        x->queued = ok == MHD_YES;
        return ok;
    }

    MHD_Result on_request(MHD_Connection* conn, const char* url, const char* method, const char* upload_data,
                          std::size_t* upload_size, void** con_cls) {
        auto* x = static_cast<exchange*>(*con_cls);
        if (!x) {  // the head is in
            x = new exchange;
            *con_cls = x;
            x->conn = conn;
            x->req.method = method ? method : "";
            x->req.path = url ? url : "";
            x->req.matches = {x->req.path};
            mhd->get_connection_values(conn, MHD_HEADER_KIND, collect, &x->req.headers);
            mhd->get_connection_values(conn, MHD_GET_ARGUMENT_KIND, collect, &x->req.params);
            x->req.remote_addr = address_of(*mhd, conn);
            set_phase(conn, phase::body);
            std::optional<response> refusal;
            try {
                if (h.head) refusal = h.head(x->req);
            } catch (const std::exception& e) {
                refusal = plain_error(500, e.what());
            }
            if (refusal) {
                x->res = std::move(*refusal);
                const bool body_follows = x->req.has_header("Content-Length") || x->req.has_header("Transfer-Encoding");
                // 400 (ambiguous framing) and 413 must not read the body; others drain it (bounded) so the
                // client reads the reply rather than a reset.
                if (!body_follows || x->res.status == 400 || x->res.status == 413) return answer(x);
                x->refused = true;
            }
            return MHD_YES;
        }
        if (x->queued) {  // a reply is out; drop what still comes
            *upload_size = 0;
            return MHD_YES;
        }
        if (*upload_size) {
            const std::size_t n = *upload_size;
            *upload_size = 0;
            x->body_seen += n;
            if (!x->refused && x->body_seen > lim.body_bytes) {
                // A chunked body past the limit (a larger Content-Length was refused on the head).
                // MHD queues no reply mid-body: 413 once the body ends, the rest read and dropped.
                x->res = plain_error(413, "too large");
                x->refused = true;
                std::string().swap(x->req.body);
            }
            if (x->refused) return x->body_seen > 2 * lim.body_bytes + k_drain_extra ? MHD_NO : MHD_YES;
            x->req.body.append(upload_data, n);
            return MHD_YES;
        }
        // The request is complete (or resumed with its reply).
        if (x->refused || x->finished) {
            if (x->finished) suspended.fetch_sub(1);
            return answer(x);
        }
        if (x->ran) return MHD_YES;  // a spurious call while the worker runs
        set_phase(conn, phase::busy);
        {
            std::lock_guard lock(q_mu);
            if (stopping || queue.size() >= lim.queue) {
                x->res = plain_error(503, "busy");
                return answer(x);
            }
            x->ran = true;
            suspended.fetch_add(1);
            mhd->suspend_connection(conn);
            queue.push_back(x);
        }
        q_cv.notify_one();
        return MHD_YES;
    }

    void work() {
        for (;;) {
            exchange* x = nullptr;
            {
                std::unique_lock lock(q_mu);
                q_cv.wait(lock, [&] { return stopping || !queue.empty(); });
                if (queue.empty()) return;
                x = queue.front();
                queue.pop_front();
            }
            try {
                if (h.handle) h.handle(x->req, x->res);
            } catch (const std::exception& e) {
                x->res = plain_error(500, e.what());
            } catch (...) {
                x->res = plain_error(500, "internal error");
            }
            x->finished = true;
            mhd->resume_connection(x->conn);
        }
    }

    void reap() {
        std::unique_lock lock(t_mu);
        while (!reaper_stop) {
            t_cv.wait_for(lock, std::chrono::milliseconds(250));
            const auto now = clock_type::now();
            for (auto& [c, t] : conns) {
                if (t.reaped || t.ph == phase::busy) continue;
                const auto age = now - t.accepted;
                if ((t.ph == phase::head && age > std::chrono::seconds(lim.head_deadline_s)) ||
                    age > std::chrono::seconds(lim.request_deadline_s)) {
                    ::shutdown(t.fd, SHUT_RDWR);  // MHD sees the end and closes it
                    t.reaped = true;
                    server_event e;
                    e.what = server_event::kind::deadline;
                    report(e);
                }
            }
        }
    }

    void on_connection(MHD_Connection* conn, MHD_ConnectionNotificationCode code) {
        std::lock_guard lock(t_mu);
        if (code == MHD_CONNECTION_NOTIFY_STARTED) {
            const MHD_ConnectionInfo* ci = mhd->get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
            conns[conn] = tracked{ci ? ci->connect_fd : -1, clock_type::now(), phase::head, false};
        } else {
            conns.erase(conn);
        }
    }

    void on_completed(MHD_Connection*, void** con_cls) {
        auto* x = static_cast<exchange*>(*con_cls);
        *con_cls = nullptr;
        if (!x) return;
        if (x->queued && h.done) {
            try {
                h.done(x->req, x->res, std::chrono::duration<double>(clock_type::now() - x->t0).count());
            } catch (...) {}
        }
        delete x;
    }

    /// MHD's log (MHD_OPTION_EXTERNAL_LOGGER): one formatted line, cut at 1 KiB (its error
    /// replies quote their HTML body; the status comes first).
    static void log_cb(void* cls, const char* fm, va_list ap) {
        char buf[1024];
        va_list aq;
        va_copy(aq, ap);
        const int n = std::vsnprintf(buf, sizeof buf, fm, aq);
        va_end(aq);
        if (n < 0) return;
        static_cast<impl*>(cls)->report(classify(std::string_view(buf, std::min<std::size_t>(n, sizeof buf - 1))));
    }
    static MHD_Result access_cb(void* cls, MHD_Connection* conn, const char* url, const char* method, const char*,
                                const char* upload_data, std::size_t* upload_size, void** con_cls) {
        return static_cast<impl*>(cls)->on_request(conn, url, method, upload_data, upload_size, con_cls);
    }
    static void completed_cb(void* cls, MHD_Connection* conn, void** con_cls, MHD_RequestTerminationCode) {
        static_cast<impl*>(cls)->on_completed(conn, con_cls);
    }
    static void connection_cb(void* cls, MHD_Connection* conn, void**, MHD_ConnectionNotificationCode code) {
        static_cast<impl*>(cls)->on_connection(conn, code);
    }
};

namespace {

/// A listening socket on HOST:PORT, or why not.
result<int> listen_on(const std::string& host, int port) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    addrinfo* res = nullptr;
    const std::string service = std::to_string(port);
    if (int e = ::getaddrinfo(host.empty() ? nullptr : host.c_str(), service.c_str(), &hints, &res); e != 0)
        return fail(errc::io, fmt::format("cannot resolve {}: {}", host, ::gai_strerror(e)));
    std::string why = "no address";
    int fd = -1;
    for (addrinfo* ai = res; ai; ai = ai->ai_next) {
        fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) continue;
        int one = 1;
        ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (ai->ai_family == AF_INET6) ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
        if (::bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && ::listen(fd, 511) == 0) break;
        why = std::strerror(errno);
        ::close(fd);
        fd = -1;
    }
    ::freeaddrinfo(res);
    if (fd < 0) return fail(errc::io, fmt::format("cannot bind {}:{}: {}", host, port, why));
    return fd;
}

}  // namespace

server::server() : impl_(std::make_unique<impl>()) {}

server::~server() { stop(); }

int server::port() const noexcept { return impl_->port; }

result<std::unique_ptr<server>> server::start(const std::string& host, int port, const server_limits& lim, handlers h) {
    const auto& api = mhd();
    if (!api) return std::unexpected(api.error());
    auto fd = listen_on(host, port);
    if (!fd) return std::unexpected(fd.error());
    std::unique_ptr<server> s(new server);
    impl& m = *s->impl_;
    m.mhd = &*api;
    m.lim = lim;
    m.h = std::move(h);
    m.listen_fd = *fd;
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    if (::getsockname(*fd, reinterpret_cast<sockaddr*>(&ss), &len) == 0)
        m.port = ntohs(ss.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port
                                                : reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
    // The connection limit must leave descriptors for the store, the listener, epoll and MHD's pipe.
    unsigned connections = lim.connections;
    if (rlimit rl{}; ::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur > 128)
        connections = std::min<unsigned>(connections, static_cast<unsigned>(rl.rlim_cur - 64));
    // The logger first (MHD's advice: otherwise start-up lines may go to its own stderr logger).
    m.daemon = api->start_daemon(MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG, 0,
                                 nullptr, nullptr, impl::access_cb, &m, MHD_OPTION_EXTERNAL_LOGGER, impl::log_cb, &m,
                                 MHD_OPTION_LISTEN_SOCKET, static_cast<MHD_socket>(*fd), MHD_OPTION_CONNECTION_LIMIT,
                                 connections, MHD_OPTION_PER_IP_CONNECTION_LIMIT, lim.per_ip,
                                 MHD_OPTION_CONNECTION_TIMEOUT, lim.idle_timeout_s, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
                                 lim.head_bytes, MHD_OPTION_NOTIFY_COMPLETED, impl::completed_cb, &m,
                                 MHD_OPTION_NOTIFY_CONNECTION, impl::connection_cb, &m, MHD_OPTION_END);
    if (!m.daemon) {
        ::close(*fd);
        return fail(errc::io, fmt::format("cannot start the HTTP server on {}:{}", host, m.port));
    }
    for (unsigned i = 0; i < std::max(1u, lim.workers); ++i) m.workers.emplace_back([&m] { m.work(); });
    m.reaper = std::thread([&m] { m.reap(); });
    return s;
}

void server::stop() {
    impl& m = *impl_;
    if (m.stopped || !m.daemon) return;
    m.stopped = true;
    std::deque<exchange*> left;
    {
        std::lock_guard lock(m.q_mu);
        m.stopping = true;
        left.swap(m.queue);
    }
    m.q_cv.notify_all();
    for (auto& t : m.workers) t.join();
    // MHD must not stop with a suspended connection: the queued ones are answered 503.
    for (exchange* x : left) {
        x->res = plain_error(503, "shutting down");
        x->finished = true;
        m.mhd->resume_connection(x->conn);
    }
    for (int i = 0; i < 200 && m.suspended.load() > 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    {
        std::lock_guard lock(m.t_mu);
        m.reaper_stop = true;
    }
    m.t_cv.notify_all();
    m.reaper.join();
    m.mhd->stop_daemon(m.daemon);
    m.daemon = nullptr;
    ::close(m.listen_fd);
}

}  // namespace replyguard::cli::http
