// SPDX-License-Identifier: Apache-2.0
// apps/cli/report_cmd.cpp - `replyguard report`
//
// DESCRIPTION
//   Reads the detections kept by `scan --keep-detections` (or `serve`) from
//   --db, clusters them into campaigns (campaign/cluster.hpp) and prints the
//   campaign table (Markdown, CSV, JSON or one self-contained HTML file), or
//   with --advisory the partner warning for campaigns impersonating the
//   organisation named by the configuration's [org] domains.
// DIAGNOSTICS
//   Exit status 0 on success (also with no detections: an empty table),
//   2 when the store or the configuration cannot be read.
#include "cli/commands.hpp"
#include "cli/startup.hpp"

#include "campaign/cluster.hpp"
#include "campaign/detections.hpp"
#include "campaign/report.hpp"
#include "core/config.hpp"
#include "store/history.hpp"

#include <chrono>
#include <filesystem>
#include <iostream>

namespace replyguard::cli {

int run_report(const report_args& a) {
    config cfg;
    if (!a.config.empty()) {
        auto c = load_config(a.config);
        if (!c) {
            std::cerr << "replyguard report: " << c.error().message << "\n";
            return 2;
        }
        cfg = std::move(*c);
    }
    use_history_memory(cfg);  // [history] cache_mb, mmap_mb
    const std::string db_path = a.db.empty() ? default_db_path() : a.db;
    // A store that does not exist is a mistake (a typo, the wrong host), not an
    // empty report: report only reads what scan --keep-detections and the milter kept.
    std::error_code ec;
    if (!std::filesystem::exists(db_path, ec)) {
        std::cerr << "replyguard report: no such store: " << db_path
                  << " (detections are kept by `scan --keep-detections` and the milter)\n";
        return 2;
    }
    auto store = campaign::open_detections(db_path, false);
    if (!store) {
        std::cerr << "replyguard report: " << store.error().message << "\n";
        return 2;
    }
    campaign::detection_query q;
    if (a.since_days > 0) {
        auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
                       .count();
        q.since = now - static_cast<std::int64_t>(a.since_days) * 86400;
    }
    auto ds = (*store)->list(q);
    if (!ds) {
        std::cerr << "replyguard report: " << ds.error().message << "\n";
        return 2;
    }
    // Our organisation: the configuration, else what learn recorded in the history.
    std::vector<std::string> org = cfg.org_domains;
    if (org.empty()) {
        if (auto h = store::open_history(db_path, store::open_mode::read_only); h)
            if (auto d = (*h)->org_domains(); d) org = *d;
    }
    campaign::cluster_options co{a.window_days, org};
    auto cs = campaign::cluster(*ds, co);

    campaign::report_options ro;
    ro.lang = a.lang;
    ro.org_domains = org;
    ro.utc_offset = static_cast<std::int64_t>(a.utc_offset_hours * 3600.0);
    if (a.format == "csv")
        ro.format = campaign::report_format::csv;
    else if (a.format == "json")
        ro.format = campaign::report_format::json;
    else if (a.format == "html")
        ro.format = campaign::report_format::html;
    std::cout << (a.advisory ? campaign::advisory(cs, ro) : campaign::render(cs, ro));
    std::cout.flush();
    if (!std::cout) {
        std::cerr << "replyguard report: cannot write the output\n";
        return 2;
    }
    return 0;
}

}  // namespace replyguard::cli
