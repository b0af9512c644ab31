// SPDX-License-Identifier: Apache-2.0
// tests/unit/campaign/demo_detections.hpp - detections of the demo inbox, scanned for real
//
// The demo (demo/mailbox learnt as the organisation sakura-shoji.example's
// history, demo/inbox scanned against it; see scripts/demo.sh) gives real
// detections: a Japanese hijack with a password ZIP, an English hijack with a
// download link, a fake reply with a ZIP. Built once per test binary.
#pragma once

#include "campaign/detections.hpp"
#include "core/config.hpp"
#include "history/learner.hpp"
#include "mime/parser.hpp"
#include "scan/engine.hpp"
#include "store/history.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

namespace rg_test {

inline std::string read_all(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

inline std::vector<std::filesystem::path> sorted_files(const std::filesystem::path& dir) {
    std::vector<std::filesystem::path> v;
    for (const auto& e : std::filesystem::directory_iterator(dir))
        if (e.is_regular_file()) v.push_back(e.path());
    std::sort(v.begin(), v.end());
    return v;
}

inline replyguard::config demo_config() {
    replyguard::config cfg;
    cfg.org_domains = {"sakura-shoji.example"};
    cfg.trusted_authserv_ids = {"mx.sakura-shoji.example"};
    return cfg;
}

struct demo_scan {
    std::vector<replyguard::scan::scan_result> results;       // every inbox message, in name order
    std::vector<replyguard::campaign::detection> detections;  // the non-clean ones
};

inline const demo_scan& demo() {
    static const demo_scan d = [] {
        namespace fs = std::filesystem;
        const fs::path root = REPLYGUARD_SOURCE_DIR;
        auto hist = replyguard::store::make_memory_history();
        replyguard::history::learn_options lo{{"sakura-shoji.example"}};
        for (const auto& p : sorted_files(root / "demo" / "mailbox")) {
            auto m = replyguard::mime::parse_message(read_all(p));
            (void)replyguard::history::learn_message(*hist, m, lo);
        }
        auto cfg = demo_config();
        replyguard::scan::engine eng(cfg, hist.get());
        demo_scan out;
        std::int64_t now = 1776200000;  // 2026-04-14, just after the demo's last message
        for (const auto& p : sorted_files(root / "demo" / "inbox")) {
            out.results.push_back(eng.scan(read_all(p), p.filename().string()));
            if (replyguard::campaign::worth_keeping(out.results.back()))
                out.detections.push_back(replyguard::campaign::make_detection(out.results.back(), now, cfg));
        }
        return out;
    }();
    return d;
}

inline const replyguard::campaign::detection& by_source(std::string_view prefix) {
    for (const auto& d : demo().detections)
        if (d.source.rfind(prefix, 0) == 0) return d;
    static const replyguard::campaign::detection none;
    return none;
}

}  // namespace rg_test
