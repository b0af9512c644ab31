// SPDX-License-Identifier: Apache-2.0
// apps/cli/serve_log.cpp - `serve`: every request counted and logged, one line on standard error
//
// DESCRIPTION
//   httplib calls request_done() (its logger) after each reply is written,
//   including the replies it makes itself (400 on a malformed request, 404,
//   413). It counts the request under its route and status code
//   (replyguard_http_requests_total), its time (from the pre-routing handler,
//   so a request httplib refused before routing has no time and is not
//   observed) and, unless --quiet, writes:
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

#include <chrono>
#include <cstdio>
#include <optional>

namespace replyguard::cli::serve {

namespace {

constexpr std::size_t k_max_logged_path = 256;

// Each request runs on one worker thread from routing to the logger
// (one request per connection: serve_cmd.cpp), so the start time is the thread's.
thread_local std::optional<std::chrono::steady_clock::time_point> t_started;

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

void request_started() { t_started = std::chrono::steady_clock::now(); }

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

void request_done(context& c, const httplib::Request& req, const httplib::Response& res) {
    std::optional<double> seconds;
    if (t_started) seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - *t_started).count();
    t_started.reset();
    c.m.http.inc(route_of(req.path), res.status);
    if (seconds) c.m.http_seconds.observe(*seconds);
    if (c.quiet) return;
    std::string line = fmt::format("replyguard serve: {} \"{} {}\" {} {} {}\n", printable(req.remote_addr, 64),
                                   printable(req.method, 16), printable(req.path, k_max_logged_path), res.status,
                                   res.body.size(), seconds ? fmt::format("{:.1f}ms", *seconds * 1e3) : "-");
    std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace replyguard::cli::serve
