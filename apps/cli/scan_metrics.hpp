// SPDX-License-Identifier: Apache-2.0
// apps/cli/scan_metrics.hpp - what serve and the milter both count of a scan
//
// DESCRIPTION
//   One set of scan metrics for both daemons (core/metrics.hpp does the
//   counting and the text format), so `replyguard serve` and `replyguard
//   milter` expose the same names:
//     replyguard_build_info{version,compiler,cplusplus}   1
//     replyguard_scans_total{verdict}                    scans by verdict
//     replyguard_scan_errors_total                       scans whose message could not be read
//     replyguard_scans_incomplete_total                  analyses stopped by a limit or the time budget
//     replyguard_scan_duration_seconds                   the engine's time per message (histogram)
//     replyguard_store_errors_total{store}               history / detections / outbound store failures
//     replyguard_detections_kept_total                   detections written by this process
//   Each daemon adds its own families after these.
// LIMITS
//   Label values are fixed (three verdicts, three stores): no label comes from mail.
#pragma once

#include "core/metrics.hpp"
#include "scan/engine.hpp"

#include <string_view>

namespace replyguard::cli {

struct scan_metrics {
    metrics::counter_vec scans{"verdict", {"clean", "suspicious", "malicious"}};
    metrics::counter errors, incomplete, kept;
    metrics::counter_vec store_errors{"store", {"history", "detections", "outbound"}};
    metrics::histogram seconds{metrics::k_latency_buckets};

    /// One finished scan (`seconds`: the engine's time for it). A history that
    /// failed during the scan counts as a store error.
    void count(const scan::scan_result& r, double seconds_taken) noexcept;
    /// build_info and the families above.
    void expose(metrics::exposition& e) const;
};

}  // namespace replyguard::cli
