// SPDX-License-Identifier: Apache-2.0
// apps/cli/scan_cmd.cpp - `replyguard scan`
//
// DESCRIPTION
//   Expands the PATH arguments (io/input.hpp), analyses the messages on
//   --jobs threads and prints one record per message in input order, as a
//   table or as JSON lines. One unreadable message never stops the others:
//   it gets a record with `error` set, and the exit status becomes 2.
// LIMITS
//   At most `jobs * 32` results are held at once (a window), so a large
//   mailbox is streamed, not loaded.
#include "cli/commands.hpp"
#include "cli/progress.hpp"

#include "campaign/detections.hpp"
#include "core/config.hpp"
#include "io/input.hpp"
#include "output/record.hpp"
#include "output/table.hpp"
#include "scan/engine.hpp"
#include "store/history.hpp"

#include <fmt/format.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>
#include <thread>

namespace replyguard::cli {

std::string default_db_path() {
    if (const char* env = std::getenv("REPLYGUARD_DB"); env && *env) return env;
    return "replyguard.db";
}

namespace {

int terminal_width() {
    winsize ws{};
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
    return 120;
}

}  // namespace

int run_scan(const scan_args& a) {
    config cfg;
    if (!a.config.empty()) {
        auto c = load_config(a.config);
        if (!c) {
            std::cerr << "replyguard scan: " << c.error().message << "\n";
            return 2;
        }
        cfg = std::move(*c);
    }
    const std::string db_path = a.db.empty() ? default_db_path() : a.db;
    std::unique_ptr<campaign::detection_store> kept;
    if (a.keep_detections) {
        // Detections live in the history file: make it a valid (empty) history first,
        // so a later read-only scan does not refuse a file holding only detections.
        std::error_code ec;
        if (!std::filesystem::exists(db_path, ec)) {
            auto h = store::open_history(db_path, store::open_mode::read_write);
            if (!h) {
                std::cerr << "replyguard scan: " << h.error().message << "\n";
                return 2;
            }
        }
        auto d = campaign::open_detections(db_path, true,
                                           campaign::retention{a.retention_days, a.retention_count});
        if (!d) {
            std::cerr << "replyguard scan: " << d.error().message << "\n";
            return 2;
        }
        kept = std::move(*d);
    }
    // A missing file is an empty history; nothing is created (read-only).
    auto hist = store::open_history(db_path, store::open_mode::read_only);
    if (!hist) {
        std::cerr << "replyguard scan: " << hist.error().message << "\n";
        return 2;
    }
    scan::engine eng(cfg, hist->get());

    std::vector<io::input_item> items = io::expand_inputs(a.paths);
    unsigned jobs = a.jobs ? a.jobs : std::max(1u, std::thread::hardware_concurrency());
    if (jobs > items.size()) jobs = std::max<std::size_t>(1, items.size());

    const bool jsonl = a.format == "jsonl";
    bool color = a.color == 1 || (a.color == -1 && isatty(STDOUT_FILENO) && !std::getenv("NO_COLOR"));
    output::table_writer table(std::cout, color, isatty(STDOUT_FILENO) ? terminal_width() : 120);
    if (!jsonl) table.header();

    progress bar(items.size(), "messages", !a.no_progress);
    std::size_t n_clean = 0, n_susp = 0, n_mal = 0, n_err = 0;
    const std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                                 std::chrono::system_clock::now().time_since_epoch()).count();
    bool keep_failed = false;

    auto emit = [&](const scan::scan_result& r) {
        if (r.error && r.msg.headers.empty() && r.msg.body_text.empty()) ++n_err;
        else if (r.outcome.v == score::verdict::malicious) ++n_mal;
        else if (r.outcome.v == score::verdict::suspicious) ++n_susp;
        else ++n_clean;
        if (r.error && !(r.msg.headers.empty() && r.msg.body_text.empty())) ++n_err;  // analysed in part
        if (kept && campaign::worth_keeping(r) && !keep_failed) {
            if (auto k = kept->put(campaign::make_detection(r, now, cfg)); !k) {
                std::cerr << "replyguard scan: cannot keep the detection: " << k.error().message << "\n";
                keep_failed = true;  // said once; the scan itself goes on
            }
        }
        if (jsonl)
            std::cout << output::to_json(r).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
        else
            table.row(r);
    };

    auto analyse_one = [&](const io::input_item& it) {
        scan::scan_result r;
        auto bytes = io::load(it);
        if (!bytes) {
            r.source = it.source;
            r.error = bytes.error().message;
            return r;
        }
        return eng.scan(*bytes, it.source);
    };

    // Windowed parallel map with in-order output.
    const std::size_t window = static_cast<std::size_t>(jobs) * 32;
    std::vector<std::optional<scan::scan_result>> slots;
    for (std::size_t base = 0; base < items.size(); base += window) {
        std::size_t end = std::min(items.size(), base + window);
        slots.clear();
        slots.resize(end - base);
        std::atomic<std::size_t> next{base};
        auto worker = [&] {
            for (std::size_t i; (i = next.fetch_add(1)) < end;) slots[i - base] = analyse_one(items[i]);
        };
        if (jobs == 1) {
            for (std::size_t i = base; i < end; ++i) {
                slots[i - base] = analyse_one(items[i]);
                emit(*slots[i - base]);
                slots[i - base].reset();
                bar.tick(i + 1);
            }
            continue;
        }
        std::vector<std::jthread> pool;
        for (unsigned t = 0; t < jobs; ++t) pool.emplace_back(worker);
        pool.clear();  // join
        for (std::size_t i = base; i < end; ++i) {
            emit(*slots[i - base]);
            slots[i - base].reset();
        }
        bar.tick(end);
    }
    bar.finish();
    std::cout.flush();
    if (!jsonl) table.summary(n_clean, n_susp, n_mal, n_err);
    if (!std::cout) {
        std::cerr << "replyguard scan: cannot write the output\n";
        return 2;
    }
    if (kept && !keep_failed) (void)kept->prune(now);
    if (n_err || keep_failed) return 2;
    return n_susp + n_mal ? 1 : 0;
}

}  // namespace replyguard::cli
