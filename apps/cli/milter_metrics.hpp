// SPDX-License-Identifier: Apache-2.0
// apps/cli/milter_metrics.hpp - `replyguard milter`: its metrics, a loopback /metrics listener, a textfile
//
// DESCRIPTION
//   What the milter counts, on top of the scan metrics it shares with serve
//   (apps/cli/scan_metrics.hpp):
//     replyguard_milter_messages_total{state}          end of message, by what became of
//                                                      the analysis (done, too_large,
//                                                      timed_out, failed, store_failed)
//     replyguard_milter_actions_total{action}          accept, quarantine, reject, tempfail
//     replyguard_milter_analysis_duration_seconds      end of message to the answer (what the MTA waits)
//     replyguard_milter_outbound_abuse_total           authenticated submissions flagged
//     replyguard_milter_messages_in_progress           gauge
//   Exposed, per [milter] metrics / metrics_file (read at start; a reload
//   does not move them):
//     - a listener (the HTTP server of serve, apps/cli/http_server.hpp) answering
//       GET /metrics on a loopback address only (the configuration refuses any other);
//     - a node_exporter textfile, written to PATH.tmp and renamed over PATH
//       (a scrape never reads half a file) every metrics_interval seconds by
//       the main thread, and once more at a stop.
// LIMITS
//   The listener answers one path with two worker threads, 64 connections at
//   once, a request head within 5 s; it needs no token because it is bound to
//   loopback.
#pragma once

#include "cli/scan_metrics.hpp"
#include "core/result.hpp"
#include "milter/plan.hpp"

#include <memory>
#include <string>

namespace replyguard::cli::milterd {

struct milter_metrics {
    scan_metrics scan;
    metrics::counter_vec messages{"state", {"done", "too_large", "timed_out", "failed", "store_failed"}};
    metrics::counter_vec actions{"action", {"accept", "quarantine", "reject", "tempfail"}};
    metrics::histogram analysis_seconds{metrics::k_latency_buckets};
    metrics::counter outbound_abuse;
};

// Never destroyed: an analysis that outlived its time limit may still count
// into it while the process exits (as daemon_state, see milter_cmd.cpp).
inline milter_metrics& g_metrics = *new milter_metrics;

/// The whole exposition of this process.
std::string metrics_text();
/// Write the textfile atomically (PATH.tmp, then rename).
result<void> write_metrics_file(const std::string& path);

/// The /metrics listener on "HOST:PORT" (loopback), on its own thread; stopped when destroyed.
class metrics_listener {
public:
    static result<std::unique_ptr<metrics_listener>> start(const std::string& address);
    ~metrics_listener();
    int port() const noexcept { return port_; }

private:
    struct impl;
    std::unique_ptr<impl> impl_;
    int port_ = 0;
};

}  // namespace replyguard::cli::milterd
