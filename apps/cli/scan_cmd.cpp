// SPDX-License-Identifier: Apache-2.0
// apps/cli/scan_cmd.cpp - `replyguard scan`
//
// DESCRIPTION
//   Expands the PATH arguments (io/input.hpp), analyses the messages on
//   --jobs threads and prints one record per message in input order, as a
//   table or as JSON lines. One unreadable message never stops the others:
//   it gets a record with `error` set, and the exit status becomes 2.
//   A history store failure (Redis gone, a broken file) is not a message
//   error: the message is scored without history, its record says
//   "history": {"status": "unavailable", "error": ...}, one line on standard
//   error at the end says how many, and the exit status becomes 2 as well.
// LIMITS
//   At most `jobs * 16` results are held at once (a window), so a large
//   mailbox is streamed, not loaded.
#include "cli/commands.hpp"
#include "cli/progress.hpp"
#include "cli/startup.hpp"

#include "campaign/detections.hpp"
#include "core/config.hpp"
#include "io/input.hpp"
#include "output/record.hpp"
#include "output/table.hpp"
#include "scan/engine.hpp"
#include "scan/ppap.hpp"
#include "store/history.hpp"

#include <fmt/format.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <optional>
#include <thread>

namespace replyguard::cli {

namespace {

int terminal_width() {
    winsize ws{};
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
    return 120;
}

}  // namespace

int run_scan(const scan_args& a) {
    // A missing history file is an empty history; nothing is created (read-only),
    // unless detections are kept there: then it becomes a valid (empty) history
    // first, so a later read-only scan does not refuse a file holding only detections.
    auto st =
        start({.config = a.config, .db = a.db, .mode = store::open_mode::read_only, .create_empty = a.keep_detections});
    if (!st) {
        std::cerr << "replyguard scan: " << st.error().message << "\n";
        return 2;
    }
    const config& cfg = st->cfg;
    const std::string& db_path = st->db_path;
    scan::engine& eng = *st->eng;
    std::unique_ptr<campaign::detection_store> kept;
    if (a.keep_detections) {
        auto d = campaign::open_detections(db_path, true, campaign::retention{a.retention_days, a.retention_count});
        if (!d) {
            std::cerr << "replyguard scan: " << d.error().message << "\n";
            return 2;
        }
        kept = std::move(*d);
    }

    // Per-message size limit while reading: stdin and FIFOs are read in chunks up
    // to it (one byte more, so the parser sees the message is larger and says so).
    io::input_options in_opt;
    in_opt.max_bytes = cfg.lim.message_bytes ? cfg.lim.message_bytes + 1 : 0;
    in_opt.follow_symlinks = a.follow_symlinks;
    in_opt.notice = [](const std::string& line) { std::cerr << "replyguard scan: " << line << "\n"; };
    std::vector<io::input_item> items = io::expand_inputs(a.paths, in_opt);
    unsigned jobs = a.jobs ? a.jobs : std::max(1u, std::thread::hardware_concurrency());
    if (jobs > items.size()) jobs = std::max<std::size_t>(1, items.size());

    const bool jsonl = a.format == "jsonl";
    bool color = a.color == 1 || (a.color == -1 && isatty(STDOUT_FILENO) && !std::getenv("NO_COLOR"));
    output::table_writer table(std::cout, color, isatty(STDOUT_FILENO) ? terminal_width() : 120);
    if (!jsonl) table.header();

    progress bar(items.size(), "messages", !a.no_progress);
    const bool out_is_tty = isatty(STDOUT_FILENO);
    std::size_t n_clean = 0, n_susp = 0, n_mal = 0, n_err = 0, n_no_history = 0;
    std::string history_error;  // the first store failure, for the one line on stderr
    const std::int64_t now =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    bool keep_failed = false;

    // Output, in input order. A message whose encrypted attachment no password
    // opened is held back (with everything after it) until a later mail of its
    // conversation offers a password or k_ppap_wait messages have passed.
    auto render = [&](const scan::scan_result& r) {
        if (r.error && r.msg.headers.empty() && r.msg.body_text.empty())
            ++n_err;
        else if (r.outcome.v == score::verdict::malicious)
            ++n_mal;
        else if (r.outcome.v == score::verdict::suspicious)
            ++n_susp;
        else
            ++n_clean;
        if (r.error && !(r.msg.headers.empty() && r.msg.body_text.empty())) ++n_err;  // analysed in part
        if (r.history.status == history::view_status::unavailable && !n_no_history++) history_error = r.history.error;
        if (kept && campaign::worth_keeping(r) && !keep_failed) {
            if (auto k = kept->put(campaign::make_detection(r, now, cfg, r.raw)); !k) {
                std::cerr << "replyguard scan: cannot keep the detection: " << k.error().message << "\n";
                keep_failed = true;  // said once; the scan itself goes on
            }
        }
        // stdout and the bar (stderr) may share one terminal: erase the bar,
        // write the record, flush it, and let the next tick redraw the bar.
        bar.clear();
        if (jsonl)
            std::cout << output::to_json(r).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
        else
            table.row(r);
        if (out_is_tty) std::cout.flush();
    };
    constexpr std::size_t k_ppap_wait = 500;
    scan::ppap_linker linker;
    struct pending {
        scan::scan_result r;
        std::size_t seq;
        bool held;
    };
    std::deque<pending> queue;
    std::size_t seq = 0;
    auto resolve = [&](pending& p) {
        scan::apply_offers(eng, p.r, linker.offers_for(p.r));
        p.held = false;
    };
    auto drain = [&](bool all) {
        while (!queue.empty()) {
            pending& front = queue.front();
            if (front.held) {
                if (!all && seq - front.seq < k_ppap_wait) return;
                resolve(front);
            }
            render(front.r);
            queue.pop_front();
        }
    };
    auto emit = [&](scan::scan_result&& r) {
        linker.note(r);
        bool held = !r.error && scan::ppap_linker::needs_password(r);
        queue.push_back(pending{std::move(r), seq++, held});
        drain(false);
    };

    auto analyse_one = [&](const io::input_item& it) {
        scan::scan_result r;
        auto bytes = io::load(it);
        if (!bytes) {
            r.source = it.source;
            r.error = bytes.error().message;
            return r;
        }
        r = eng.scan(*bytes, it.source);
        if (it.full_size || r.msg.raw_size > cfg.lim.message_bytes) {
            // Analysed as far as the limit (MIME_SIZE_LIMIT, incomplete); the record says
            // the input was not read whole, and the exit status becomes 2.
            const std::uint64_t size = it.full_size ? *it.full_size : r.msg.raw_size;
            r.error = fmt::format(
                "input of {} bytes is larger than limits.message_bytes ({}): only the first {} "
                "bytes were analysed",
                size, cfg.lim.message_bytes, cfg.lim.message_bytes);
            r.incomplete = true;
        }
        // Kept with the detection (bounded by limits.kept_raw_bytes) so feedback can learn it.
        if (kept && campaign::worth_keeping(r) && cfg.lim.kept_raw_bytes && bytes->size() <= cfg.lim.kept_raw_bytes)
            r.raw = *bytes;
        return r;
    };

    if (jobs == 1) {
        for (std::size_t i = 0; i < items.size(); ++i) {
            emit(analyse_one(items[i]));
            bar.tick(i + 1);
        }
    } else {
        // A fixed pool; results land in a bounded window of slots and are
        // emitted in input order as soon as the next one is ready.
        const std::size_t window = static_cast<std::size_t>(jobs) * 16;
        std::vector<std::optional<scan::scan_result>> slots(window);
        std::mutex mu;
        std::condition_variable ready, room;
        std::size_t next = 0, emitted = 0;
        auto worker = [&] {
            for (;;) {
                std::size_t i;
                {
                    std::unique_lock lk(mu);
                    room.wait(lk, [&] { return next >= items.size() || next < emitted + window; });
                    if (next >= items.size()) return;
                    i = next++;
                }
                scan::scan_result r = analyse_one(items[i]);
                {
                    std::lock_guard lk(mu);
                    slots[i % window] = std::move(r);
                }
                ready.notify_one();
            }
        };
        std::vector<std::jthread> pool;
        for (unsigned t = 0; t < jobs; ++t) pool.emplace_back(worker);
        while (emitted < items.size()) {
            scan::scan_result r;
            {
                std::unique_lock lk(mu);
                ready.wait(lk, [&] { return slots[emitted % window].has_value(); });
                r = std::move(*slots[emitted % window]);
                slots[emitted % window].reset();
                ++emitted;
            }
            room.notify_all();
            emit(std::move(r));
            bar.tick(emitted);
        }
        pool.clear();
    }
    drain(true);
    bar.finish();
    std::cout.flush();
    if (!jsonl) table.summary(n_clean, n_susp, n_mal, n_err);
    if (!std::cout) {
        std::cerr << "replyguard scan: cannot write the output\n";
        return 2;
    }
    if (kept && !keep_failed) (void)kept->prune(now);
    if (n_no_history)
        std::cerr << fmt::format(
            "replyguard scan: the history store failed for {} of {} messages, scored without "
            "history (first error: {})\n",
            n_no_history, items.size(), history_error);
    if (n_err || keep_failed || n_no_history) return 2;
    return n_susp + n_mal ? 1 : 0;
}

}  // namespace replyguard::cli
