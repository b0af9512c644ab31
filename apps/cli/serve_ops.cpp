// SPDX-License-Identifier: Apache-2.0
// apps/cli/serve_ops.cpp - `serve`: liveness, Prometheus metrics and the dashboard page
//
// DESCRIPTION
//   GET /health   liveness and the number of kept detections (no token needed)
//   GET /metrics  Prometheus text format (this process's metrics: apps/cli/scan_metrics.hpp
//                 and the HTTP families below)
//   GET /         the dashboard (apps/cli/dashboard.cpp), under a strict CSP
#include "cli/serve_http.hpp"

#include "cli/dashboard.hpp"

#include <fmt/format.h>

namespace replyguard::cli::serve {

using nlohmann::json;

void health(context& c, const http::request&, http::response& res) {
    auto n = c.store.count();
    send_json(res, 200,
              json{{"status", "ok"}, {"version", REPLYGUARD_VERSION}, {"detections", n ? json(*n) : json(nullptr)}});
}

void prometheus_metrics(context& c, const http::request&, http::response& res) {
    auto n = c.store.count();
    replyguard::metrics::exposition e;
    c.m.scan.expose(e);
    e.gauge("replyguard_detections_stored", "Detections in the store.", n ? static_cast<double>(*n) : 0.0);
    e.counter("replyguard_http_requests_total", "HTTP requests answered, by route and status code.", c.m.http);
    e.histogram("replyguard_http_request_duration_seconds",
                "Time from routing a request to its reply being written (body read and scan included).",
                c.m.http_seconds);
    e.counter("replyguard_http_unauthorized_total", "Requests refused for a missing or wrong token.",
              c.m.unauthorized.value());
    e.counter("replyguard_http_client_errors_total", "Requests answered with a 4xx status.", c.m.client_errors.value());
    e.counter("replyguard_http_library_replies_total",
              "Replies libmicrohttpd sent by itself, by status (no route saw the request; not in "
              "replyguard_http_requests_total).",
              c.m.library_replies);
    e.counter("replyguard_http_refused_connections_total",
              "Connections libmicrohttpd closed at once without a reply (a connection limit).",
              c.m.refused_connections.value());
    e.counter("replyguard_http_deadline_closed_total",
              "Connections shut down because their head or request was not in by its deadline.",
              c.m.deadline_closed.value());
    res.status = 200;
    res.set_content(e.take(), std::string(replyguard::metrics::k_content_type));
}

void dashboard(context&, const http::request&, http::response& res) {
    res.set_header("Content-Security-Policy",
                   "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; "
                   "img-src data:");
    res.set_content(std::string(dashboard_html()), "text/html; charset=utf-8");
}

}  // namespace replyguard::cli::serve
