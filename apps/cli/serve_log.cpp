// SPDX-License-Identifier: Apache-2.0
// apps/cli/serve_log.cpp - `serve`: every request counted and logged, one line on standard error
//
// DESCRIPTION
//   The HTTP server (http_server.hpp, handlers.done) calls request_done()
//   after each reply it queued, the refusals of serve_guard.cpp and its own
//   (413 past the body limit, 503) included; replies libmicrohttpd makes by
//   itself (a malformed request line, a head too large) are not seen. It
//   counts the request under its route and status code
//   (replyguard_http_requests_total), its time (from the request head being
//   in to the reply being queued and sent) and, unless --quiet, writes:
//     replyguard serve: 127.0.0.1 "POST /checkv2" 200 1234 12.3ms
//   remote address, method, path, status, bytes of the reply body, time.
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

}  // namespace replyguard::cli::serve
