// SPDX-License-Identifier: Apache-2.0
// apps/cli/serve_log.cpp - `serve`: every request counted and logged, one line on standard error
//
// DESCRIPTION
//   The HTTP server (http_server.hpp, handlers.done) calls request_done()
//   after each reply it queued, the refusals of serve_guard.cpp and its own
//   (413 past the body limit, 503) included. It counts the request under its
//   route and status code (replyguard_http_requests_total), its time (from
//   the request head being in to the reply being queued and sent) and,
//   unless --quiet, writes:
//     replyguard serve: 127.0.0.1 "POST /checkv2" 200 1234 12.3ms
//   remote address, method, path, status, bytes of the reply body, time.
//   Replies libmicrohttpd makes by itself never reach a route (a malformed
//   request line or header, a head over the server's memory limit: 431, a
//   Content-Length that overflows: 413; http_server.hpp says what MHD 0.9.75
//   lets us see). server_event() counts them by status
//   (replyguard_http_library_replies_total), the connections it closed at
//   once (replyguard_http_refused_connections_total) and those our head or
//   request deadline closed (replyguard_http_deadline_closed_total), and,
//   unless --quiet, writes one line each:
//     replyguard serve: libmicrohttpd replied 431 by itself (request_header_fields_too_large)
//     replyguard serve: libmicrohttpd refused a connection (connection limit)
//     replyguard serve: a connection closed by the head or request deadline
//     replyguard serve: libmicrohttpd: MESSAGE
//   MHD does not say which connection: these lines have no address or path.
// LIMITS
//   The path is logged without its query string (a ?source= name is the
//   client's; nothing else is secret there, but the query is not ours to
//   keep) and with control characters, spaces, quotes, backslashes and bytes
//   above 0x7e percent-encoded, cut at k_max_logged_path bytes; the method is
//   cut at 16. No header is logged: the Authorization token never is.
//   One write per line (lines of concurrent requests do not interleave).
#include "cli/serve_http.hpp"

#include <fmt/format.h>

#include <cstdio>

namespace replyguard::cli::serve {

namespace {

constexpr std::size_t k_max_logged_path = 256;

std::string printable(std::string_view s, std::size_t max) {
    std::string out;
    for (unsigned char ch : s) {
        if (out.size() >= max) {
            out += "...";
            break;
        }
        if (ch <= 0x20 || ch >= 0x7f || ch == '"' || ch == '\\' || ch == '%')
            out += fmt::format("%{:02X}", ch);
        else
            out += static_cast<char>(ch);
    }
    return out;
}

/// A log message kept readable: control characters become spaces, cut at `max` bytes.
std::string printable_text(std::string_view s, std::size_t max) {
    std::string out(s.substr(0, max));
    for (char& ch : out)
        if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) ch = ' ';
    if (s.size() > max) out += "...";
    return out;
}

/// The statuses libmicrohttpd 0.9.75 answers by itself, named for the log.
std::string_view library_status_name(int status) {
    switch (status) {
    case 400: return "bad_request";
    case 413: return "too_large";
    case 414: return "uri_too_long";
    case 431: return "request_header_fields_too_large";
    case 500: return "internal";
    case 505: return "http_version_not_supported";
    default: return "other";
    }
}

}  // namespace

std::string_view route_of(std::string_view path) {
    static constexpr std::string_view exact[] = {"/api/v1/scan",      "/checkv2",         "/api/v1/detections",
                                                 "/api/v1/campaigns", "/api/v1/timeline", "/api/v1/symbols",
                                                 "/health",           "/metrics",         "/"};
    for (std::string_view r : exact)
        if (path == r) return r;
    constexpr std::string_view detection = "/api/v1/detections/";
    if (path.size() > detection.size() && path.starts_with(detection) &&
        path.find('/', detection.size()) == std::string_view::npos)
        return "/api/v1/detections/ID";
    return k_route_other;
}

void request_done(context& c, const http::request& req, const http::response& res, double seconds) {
    c.m.http.inc(route_of(req.path), res.status);
    c.m.http_seconds.observe(seconds);
    if (c.quiet) return;
    std::string line = fmt::format("replyguard serve: {} \"{} {}\" {} {} {}\n", printable(req.remote_addr, 64),
                                   printable(req.method, 16), printable(req.path, k_max_logged_path), res.status,
                                   res.body.size(), fmt::format("{:.1f}ms", seconds * 1e3));
    std::fwrite(line.data(), 1, line.size(), stderr);
}

void server_event(context& c, const http::server_event& e) {
    using k = http::server_event::kind;
    std::string line;
    switch (e.what) {
    case k::library_reply: {
        const std::string code = std::to_string(e.status);
        c.m.library_replies.inc(code);
        if (e.status >= 400 && e.status < 500) c.m.client_errors.inc();
        line = fmt::format("replyguard serve: libmicrohttpd replied {} by itself ({})\n", e.status,
                           library_status_name(e.status));
        break;
    }
    case k::refused:
        c.m.refused_connections.inc();
        line = "replyguard serve: libmicrohttpd refused a connection (connection limit)\n";
        break;
    case k::deadline:
        c.m.deadline_closed.inc();
        line = "replyguard serve: a connection closed by the head or request deadline\n";
        break;
    case k::library_message:
        line = fmt::format("replyguard serve: libmicrohttpd: {}\n", printable_text(e.text, 512));
        break;
    }
    if (!c.quiet) std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace replyguard::cli::serve
