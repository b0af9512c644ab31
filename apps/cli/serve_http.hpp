// SPDX-License-Identifier: Apache-2.0
// apps/cli/serve_http.hpp - what the routes of `replyguard serve` share
//
// DESCRIPTION
//   `replyguard serve` is split like the milter: serve_cmd.cpp only wires
//   (start-up, server options, routes, signals); each route is one function:
//     serve_guard.cpp         before routing: the token
//     serve_body.cpp          the body of a scan request (size limit, zstd)
//     serve_scan.cpp          POST /api/v1/scan
//     serve_rspamd.cpp        POST /checkv2, GET /checkv2 with a body (rspamd's protocol)
//     serve_read.cpp          GET /api/v1/detections[/ID], campaigns, timeline, symbols
//     serve_export.cpp        GET /api/v1/report (campaign table, advisory as CSV/Markdown)
//     serve_feedback.cpp      POST /api/v1/detections/ID/feedback (admin, token only)
//     serve_ops.cpp           GET /health, /metrics, / (the dashboard)
//     serve_log.cpp           after every request: counted by route and status, one log line;
//                             the HTTP server's own rejects (libmicrohttpd's, deadlines) too
//   serve_http.cpp holds the JSON replies and parameter parsing they share.
#pragma once

#include "cli/http_message.hpp"
#include "cli/http_server.hpp"
#include "cli/scan_metrics.hpp"

#include "campaign/detections.hpp"
#include "core/config.hpp"
#include "milter/policy.hpp"
#include "scan/engine.hpp"
#include "store/history.hpp"

#include <nlohmann/json.hpp>

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace replyguard::cli::serve {

/// The HTTP server's limits (apps/cli/http_server.hpp states each); the body
/// limit is limits.message_bytes of the configuration (serve_cmd.cpp).
inline constexpr http::server_limits k_limits{};

/// The routes requests are counted under (bounded: anything else is "other").
inline constexpr std::string_view k_route_other = "other";

struct metrics {
    scan_metrics scan;  ///< scans, verdicts, time, store errors, kept detections (shared with the milter)
    replyguard::metrics::counter unauthorized, client_errors;
    replyguard::metrics::route_counter http{"/api/v1/scan",       "/checkv2",
                                            "/api/v1/detections", "/api/v1/detections/ID",
                                            "/api/v1/campaigns",  "/api/v1/timeline",
                                            "/api/v1/symbols",    "/health",
                                            "/metrics",           "/",
                                            k_route_other};
    replyguard::metrics::histogram http_seconds{replyguard::metrics::k_latency_buckets};
    /// What the HTTP server did outside the routes (http::server_event): libmicrohttpd's own
    /// replies by status, connections it refused, connections our deadlines closed.
    replyguard::metrics::counter_vec library_replies{"code", {"400", "413", "414", "431", "500", "505", "other"}};
    replyguard::metrics::counter refused_connections, deadline_closed;
};

/// Everything a route reads; built once by run_serve, shared by every worker thread.
struct context {
    const config& cfg;
    const milter::milter_config& actions;  ///< [milter] of the same file: /checkv2's action
    scan::engine& eng;
    campaign::detection_store& store;
    metrics& m;
    std::string token;   ///< "" : no token required
    std::string listen;  ///< --listen (an allowed Host without a token)
    bool keep_detections = true;
    int window_days = 14;
    std::vector<std::string> org_domains;  ///< for clustering
    bool quiet = false;                    ///< no request log lines
    /// The history opened for writing (with a token only; null otherwise):
    /// feedback "genuine" learns the kept raw message into it (one at a time).
    store::history* hist = nullptr;
};

std::int64_t now_s();
bool is_loopback(std::string_view host);
std::string_view status_code_name(int status);

void send_json(http::response& res, int status, const nlohmann::json& j);
/// {"error": CODE, "message": TEXT} with `status`.
void send_error(http::response& res, int status, std::string_view code, std::string_view message);

/// A non-negative integer query parameter; nullopt with an error sent when malformed.
std::optional<std::int64_t> int_param(const http::request& req, http::response& res, const char* name,
                                      std::int64_t fallback, std::int64_t max);

// serve_log.cpp
/// After the reply: count it (route, status, time since its head) and, unless quiet, log one line to stderr.
void request_done(context& c, const http::request& req, const http::response& res, double seconds);
/// What the server did outside the routes: counted and, unless quiet, one log line.
void server_event(context& c, const http::server_event& e);
/// The route a path is counted under (k_route_other when none).
std::string_view route_of(std::string_view path);

// serve_guard.cpp
/// On the request head: a refusal, or nullopt to route it.
std::optional<http::response> guard(const context& c, const http::request& req);
/// Every reply before it is sent: security headers; a 4xx/5xx without a body gets the JSON error;
/// 4xx counted (replyguard_http_client_errors_total).
void finish(context& c, const http::request& req, http::response& res);
/// The route of a complete request (404 / 405 when none).
void route(context& c, http::request& req, http::response& res);

// serve_body.cpp
/// The message bytes of a scan request (zstd decompressed); nullopt with the error sent.
std::optional<std::string> read_body(const context& c, const http::request& req, http::response& res);

// serve_scan.cpp
struct scanned {
    scan::scan_result r;
    nlohmann::json record;  ///< the native record, with detection_id
};
/// Scan, count, keep a detection worth keeping; nullopt with a 500 sent when it cannot be kept.
std::optional<scanned> scan_and_keep(context& c, std::string_view body, std::string source, http::response& res);
void scan_message(context& c, const http::request& req, http::response& res);

// serve_rspamd.cpp
void check_rspamd(context& c, const http::request& req, http::response& res);

// serve_read.cpp
void list_detections(context& c, const http::request& req, http::response& res);
void get_detection(context& c, const http::request& req, http::response& res);
void list_campaigns(context& c, const http::request& req, http::response& res);
void timeline(context& c, const http::request& req, http::response& res);
void symbols(context& c, const http::request& req, http::response& res);

// serve_export.cpp
void export_report(context& c, const http::request& req, http::response& res);

// serve_feedback.cpp
void detection_feedback(context& c, const http::request& req, http::response& res);

// serve_ops.cpp
void health(context& c, const http::request& req, http::response& res);
void prometheus_metrics(context& c, const http::request& req, http::response& res);
void dashboard(context& c, const http::request& req, http::response& res);

}  // namespace replyguard::cli::serve
