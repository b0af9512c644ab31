// SPDX-License-Identifier: Apache-2.0
// apps/cli/http_server.hpp - the event-driven HTTP/1.1 server of `serve` and the milter's /metrics
//
// DESCRIPTION
//   libmicrohttpd (Debian libmicrohttpd-dev, 0.9.75 in Debian 12) does the
//   I/O on one epoll thread: a connection that trickles its request costs a
//   file descriptor and a little memory, never a worker (issue 12 item 6; the
//   cpp-httplib 0.11 server before it gave each connection a worker thread,
//   so 64 slow connections blinded it). Routes run on a fixed pool of worker
//   threads: the connection is suspended (MHD_suspend_connection) while its
//   route runs and resumed with the reply, so a slow scan never stalls
//   another connection's I/O.
//   One request per connection ("Connection: close" on every reply): after a
//   refused request nothing that follows on the connection is read as the
//   next one (request smuggling).
//   The life of a request:
//     head in     -> handlers.head (polling thread): a refusal is sent at
//                    once; 400 and 413 before a byte of the body is read, any
//                    other after the body (bounded) is read and dropped
//     body        -> collected up to limits.body_bytes; a chunked body beyond
//                    it is read and dropped and answered 413 at its end (closed
//                    without a reply past twice the limit plus 1 MiB)
//     complete    -> handlers.handle on a worker (503 when the queue is full)
//     before sent -> handlers.finish (every reply, the server's own too)
//     after       -> handlers.done with the seconds since the head arrived
//   Why not Boost.Beast: libmicrohttpd is a C library in Debian main with its
//   own event loop, connection and per-IP limits and idle timeouts; Beast
//   would leave the loop, the limits and the deadlines for us to write.
//   libmicrohttpd is not linked: the first server::start opens it
//   (mhd_api.hpp), so the commands without a server never map it and what it
//   brings; a missing library is start()'s error, naming libmicrohttpd12.
// LIMITS
//   Every limit is in server_limits, stated there with its default.
//   MHD has no deadline for the request head itself (its timeout is an idle
//   timeout: one byte every few seconds keeps a connection), so a reaper
//   thread of ours shuts down a connection whose head is not complete
//   head_deadline_s after it was accepted, or whose request is not complete
//   request_deadline_s after.
//   Replies MHD sends by itself do not pass through the handlers (head,
//   handle, finish, done): they are reported as server_events instead (see
//   below), so they are counted and logged, but their bodies are MHD's.
// WHAT LIBMICROHTTPD 0.9.75 LETS US SEE OF ITS OWN REJECTS
//   Read in its source (src/microhttpd/connection.c and daemon.c, tag v0.9.75,
//   Debian 12's libmicrohttpd12 0.9.75-6):
//   - Its error replies are queued by transmit_error_response_len(): a
//     malformed request line or header line (400), an unsupported HTTP
//     version (505), a request line over the connection's memory (414), a
//     head over it (431; head_bytes below), a Content-Length or chunk size
//     that overflows (413), an internal error (500). The body is a
//     compile-time constant (REQUEST_TOO_BIG, REQUEST_MALFORMED...: HTML when
//     built with messages, as Debian's is; empty otherwise) and no option or
//     callback comes between choosing it and queueing it, so these replies
//     cannot be JSON. Each one is logged first through MHD_DLOG as
//     "Error processing request (HTTP response code is N ('BODY')). Closing
//     connection.": with MHD_USE_ERROR_LOG and MHD_OPTION_EXTERNAL_LOGGER
//     (installed first, so nothing reaches MHD's own stderr logger) that
//     line is our one sure sign of each of them, with its status.
//     A request line without a space ("GARBAGE") is closed without a reply
//     and without a log line (connection_close_error_check with no message):
//     nothing sees it, so it is not counted. Checked against the library
//     (tests/cli/serve_slowloris.sh (e)): 431, 414, 505, 400, 413.
//   - A connection over the per-address limit (or the total limit, in a
//     race) is closed at once without a reply, logged as "Server reached
//     connection limit. Closing inbound connection."; it never gets a
//     connection notification, so that line is the only sign of it. At
//     the total limit MHD stops accepting (the listen socket leaves the
//     epoll set): those clients wait in the kernel's backlog and are not
//     refused, so there is nothing to count.
//   - MHD_OPTION_NOTIFY_COMPLETED runs only for requests MHD made "client
//     aware" (the access handler, or MHD_OPTION_URI_LOG_CALLBACK, was
//     called), i.e. never for a reject before the request line is parsed;
//     MHD_CONNECTION_INFO_HTTP_STATUS is NULL once the reply is destroyed,
//     before MHD_CONNECTION_NOTIFY_CLOSED. Neither gives the status of every
//     reject, and the log line names no connection, so a reject is reported
//     without the client's address or path.
//   - Everything else MHD logs (a client gone mid-request, a failed send)
//     is passed on as a message.
#pragma once

#include "cli/http_message.hpp"
#include "core/result.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace replyguard::cli::http {

struct server_limits {
    /// Connections at once (MHD_OPTION_CONNECTION_LIMIT); further ones are accepted and closed
    /// at once. Lowered to the open-file limit less 64 when that is smaller.
    unsigned connections = 1000;
    /// Connections at once from one address (MHD_OPTION_PER_IP_CONNECTION_LIMIT). Above the
    /// number of trickling connections the slowloris test opens (200): on loopback every
    /// client, a monitoring probe included, shares 127.0.0.1.
    unsigned per_ip = 256;
    /// Seconds a connection may send nothing (MHD_OPTION_CONNECTION_TIMEOUT; idle, not total).
    unsigned idle_timeout_s = 10;
    /// Seconds from accept until the request head must be complete (the reaper).
    unsigned head_deadline_s = 10;
    /// Seconds from accept until the whole request (head and body) must be in (the reaper).
    unsigned request_deadline_s = 60;
    /// The largest body read (413 beyond; a larger Content-Length is refused before reading).
    std::uint64_t body_bytes = 32u << 20;
    /// Memory per connection for the head and I/O buffers (MHD_OPTION_CONNECTION_MEMORY_LIMIT);
    /// a larger head gets MHD's own 431. At most 32 KiB: MHD mmaps a larger pool for every
    /// connection, and each munmap in a threaded process costs a TLB shootdown on every CPU
    /// (64 KiB measured 3.7 times the server CPU per /health request of cpp-httplib).
    std::size_t head_bytes = 32u << 10;
    /// Worker threads running routes.
    unsigned workers = 8;
    /// Requests waiting for a worker; beyond, 503 at once.
    std::size_t queue = 256;
};

/// What happened outside the handlers: libmicrohttpd's own rejects (from its log) and our deadlines.
struct server_event {
    enum class kind {
        library_reply,    ///< MHD answered a request by itself with `status` (400, 413, 414, 431, 500, 505)
        refused,          ///< MHD closed a new connection at once: a connection limit
        deadline,         ///< the reaper shut down a connection past its head or request deadline
        library_message,  ///< anything else MHD logged (`text`)
    };
    kind what = kind::library_message;
    int status = 0;    ///< library_reply only
    std::string text;  ///< library_message: MHD's message, one line
};

struct handlers {
    /// The head is in (polling thread; keep it cheap): a refusal, or nullopt to go on.
    std::function<std::optional<response>(const request&)> head;
    /// The whole request is in (a worker thread): fill the reply.
    std::function<void(request&, response&)> handle;
    /// Every reply just before it is sent (either thread), the server's own (413, 503, 500) too.
    std::function<void(const request&, response&)> finish;
    /// After the reply went out (or the client left after it was queued): seconds since the head.
    std::function<void(const request&, const response&, double)> done;
    /// A server_event (MHD's polling thread or the reaper; keep it cheap). None set: nothing is reported.
    std::function<void(const server_event&)> event;
};

class server {
public:
    /// Bind HOST:PORT (PORT 0: any free port) and serve on threads of its own until stopped.
    static result<std::unique_ptr<server>> start(const std::string& host, int port, const server_limits& lim,
                                                 handlers h);
    ~server();
    server(const server&) = delete;
    server& operator=(const server&) = delete;
    int port() const noexcept;
    /// Finish the routes running, refuse the queued ones (503), close every connection.
    void stop();

private:
    server();
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace replyguard::cli::http
