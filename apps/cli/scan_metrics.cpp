// SPDX-License-Identifier: Apache-2.0
// apps/cli/scan_metrics.cpp - the scan metrics serve and the milter share (see scan_metrics.hpp)
#include "cli/scan_metrics.hpp"

namespace replyguard::cli {

void scan_metrics::count(const scan::scan_result& r, double seconds_taken) noexcept {
    switch (r.outcome.v) {
    case score::verdict::clean: scans.inc("clean"); break;
    case score::verdict::suspicious: scans.inc("suspicious"); break;
    case score::verdict::malicious: scans.inc("malicious"); break;
    }
    if (r.error) errors.inc();
    if (r.incomplete) incomplete.inc();
    if (r.history.status == history::view_status::unavailable) store_errors.inc("history");
    seconds.observe(seconds_taken);
}

void scan_metrics::expose(metrics::exposition& e) const {
    e.build_info("replyguard", REPLYGUARD_VERSION);
    e.counter("replyguard_scans_total", "Messages scanned, by verdict.", scans);
    e.counter("replyguard_scan_errors_total", "Scans that returned an error for the message (it could not be read).",
              errors.value());
    e.counter("replyguard_scans_incomplete_total",
              "Scans stopped by a limit or the per-message time budget (scan_result incomplete).", incomplete.value());
    e.histogram("replyguard_scan_duration_seconds", "Time the engine took per message, parse to verdict.", seconds);
    e.counter("replyguard_store_errors_total",
              "Store failures: the history during a scan or learning, kept detections, the outbound state.",
              store_errors);
    e.counter("replyguard_detections_kept_total", "Detections written by this process.", kept.value());
}

}  // namespace replyguard::cli
