// SPDX-License-Identifier: Apache-2.0
// apps/cli/serve_ops.cpp - `serve`: liveness, Prometheus metrics and the dashboard page
//
// DESCRIPTION
//   GET /health   liveness and the number of kept detections (no token needed)
//   GET /metrics  Prometheus text format (counters of this process)
//   GET /         the dashboard (apps/cli/dashboard.cpp), under a strict CSP
#include "cli/serve_http.hpp"

#include "cli/dashboard.hpp"

#include <fmt/format.h>

namespace replyguard::cli::serve {

using nlohmann::json;

void health(context& c, const httplib::Request&, httplib::Response& res) {
    auto n = c.store.count();
    send_json(res, 200, json{{"status", "ok"}, {"version", REPLYGUARD_VERSION},
                             {"detections", n ? json(*n) : json(nullptr)}});
}

void prometheus_metrics(context& c, const httplib::Request&, httplib::Response& res) {
    auto n = c.store.count();
    std::string t;
    t += "# HELP replyguard_scans_total Messages scanned through the API, by verdict.\n"
         "# TYPE replyguard_scans_total counter\n";
    t += fmt::format("replyguard_scans_total{{verdict=\"clean\"}} {}\n", c.m.scans_clean.load());
    t += fmt::format("replyguard_scans_total{{verdict=\"suspicious\"}} {}\n", c.m.scans_suspicious.load());
    t += fmt::format("replyguard_scans_total{{verdict=\"malicious\"}} {}\n", c.m.scans_malicious.load());
    t += "# HELP replyguard_scan_errors_total Scans that returned an error for the message.\n"
         "# TYPE replyguard_scan_errors_total counter\n";
    t += fmt::format("replyguard_scan_errors_total {}\n", c.m.scan_errors.load());
    t += "# HELP replyguard_scan_seconds_total Time spent scanning.\n# TYPE replyguard_scan_seconds_total counter\n";
    t += fmt::format("replyguard_scan_seconds_total {:.6f}\n", c.m.scan_micros.load() / 1e6);
    t += "# HELP replyguard_detections_kept_total Detections written by this process.\n"
         "# TYPE replyguard_detections_kept_total counter\n";
    t += fmt::format("replyguard_detections_kept_total {}\n", c.m.kept.load());
    t += "# HELP replyguard_detections_stored Detections in the store.\n# TYPE replyguard_detections_stored gauge\n";
    t += fmt::format("replyguard_detections_stored {}\n", n ? *n : 0);
    t += "# HELP replyguard_http_requests_total HTTP requests received.\n"
         "# TYPE replyguard_http_requests_total counter\n";
    t += fmt::format("replyguard_http_requests_total {}\n", c.m.requests.load());
    t += "# HELP replyguard_http_unauthorized_total Requests refused for a missing or wrong token.\n"
         "# TYPE replyguard_http_unauthorized_total counter\n";
    t += fmt::format("replyguard_http_unauthorized_total {}\n", c.m.unauthorized.load());
    res.status = 200;
    res.set_content(t, "text/plain; version=0.0.4; charset=utf-8");
}

void dashboard(context&, const httplib::Request&, httplib::Response& res) {
    res.set_header("Content-Security-Policy",
                   "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; "
                   "img-src data:");
    res.set_content(std::string(dashboard_html()), "text/html; charset=utf-8");
}

}  // namespace replyguard::cli::serve
