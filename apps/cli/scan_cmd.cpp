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
//   At most `jobs * 16` results are held at once (a window) and the inputs
//   are listed at most 1,024 messages and 1 MB of kept bytes ahead of the
//   scan, so a large mailbox or folder is streamed, not loaded: memory does
//   not grow with the input.
#include "cli/commands.hpp"
#include "cli/ordered_pool.hpp"
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

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <iostream>
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
    in_opt.keep_bytes = true;  // each listed item is freed once a worker has taken it (below)
    in_opt.notice = [](const std::string& line) { std::cerr << "replyguard scan: " << line << "\n"; };
    const unsigned jobs = a.jobs ? a.jobs : std::max(1u, std::thread::hardware_concurrency());
    std::size_t n_items = 0;  // listed in all (known at the end: the inputs are listed as they are scanned)

    const bool jsonl = a.format == "jsonl";
    // Not a terminal: a 64 KB buffer for standard output instead of stdio's 4 KB
    // (st_blksize), before anything is written to it. The records of the 3,877
    // corpus files (8.2 MB) took 1,401 write(2) calls, all on the thread
    // that holds the writer's role.
    static char out_buf[64u << 10];
    if (!isatty(STDOUT_FILENO)) std::setvbuf(stdout, out_buf, _IOFBF, sizeof out_buf);
    bool color = a.color == 1 || (a.color == -1 && isatty(STDOUT_FILENO) && !std::getenv("NO_COLOR"));
    output::table_writer table(std::cout, color, isatty(STDOUT_FILENO) ? terminal_width() : 120);
    if (!jsonl) table.header();

    progress bar(0, "messages", !a.no_progress, /*total_known=*/false);
    const bool out_is_tty = isatty(STDOUT_FILENO);
    std::size_t n_clean = 0, n_susp = 0, n_mal = 0, n_err = 0, n_no_history = 0;
    std::string history_error;  // the first store failure, for the one line on stderr
    const std::int64_t now =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    bool keep_failed = false;

    // Output, in input order. A message whose encrypted attachment no password
    // opened is held back (with everything after it) until a later mail of its
    // conversation offers a password or k_ppap_wait messages have passed.
    //
    // Threads (issue 13): what can be done per message is done on the worker
    // that analysed it (finished_one below): the passwords it offers, its JSON
    // line, its class for the counts, and, when nothing else needs it, the
    // whole result is freed there, keeping only what the ordered side reads.
    // The ordered side (this thread) then only links PPAP offers, writes lines
    // and keeps detections. Before, it also searched every body for passwords,
    // rendered every record and freed every result: about a fifth of all CPU
    // time, on one thread (perf; bench/scaling.sh).
    enum class klass : std::uint8_t { clean, suspicious, malicious, error };
    struct done {
        scan::scan_result r;  ///< whole, or slimmed to what the ordered side reads (see finished_one)
        std::string line;     ///< the JSON line, rendered on the worker; "" when rendered here
        klass k = klass::clean;
        bool partial_error = false;  ///< analysed in part, and an error: counted as both
        bool held = false;           ///< waits for a password from a later mail
    };
    auto classify = [](done& d) {
        const scan::scan_result& r = d.r;
        const bool nothing = r.msg.headers.empty() && r.msg.body_text.empty();
        if (r.error && nothing)
            d.k = klass::error;
        else if (r.outcome.v == score::verdict::malicious)
            d.k = klass::malicious;
        else if (r.outcome.v == score::verdict::suspicious)
            d.k = klass::suspicious;
        else
            d.k = klass::clean;
        d.partial_error = r.error && !nothing;
    };
    auto to_line = [](const scan::scan_result& r) {
        return output::record_line(r);  // the DOM's dump, byte for byte, without the DOM
    };
    auto render = [&](done& d) {
        const scan::scan_result& r = d.r;
        if (d.line.empty()) classify(d);  // a held result may have changed since the worker's pass
        switch (d.k) {
        case klass::error: ++n_err; break;
        case klass::malicious: ++n_mal; break;
        case klass::suspicious: ++n_susp; break;
        case klass::clean: ++n_clean; break;
        }
        if (d.partial_error) ++n_err;
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
        if (!d.line.empty())
            std::cout << d.line << '\n';
        else if (jsonl)
            std::cout << to_line(r) << '\n';
        else
            table.row(r);
        if (out_is_tty) std::cout.flush();
    };
    constexpr std::size_t k_ppap_wait = 500;
    scan::ppap_linker linker;
    struct pending {
        done d;
        std::size_t seq;
    };
    std::deque<pending> queue;
    std::size_t seq = 0;
    auto resolve = [&](pending& p) {
        scan::apply_offers(eng, p.d.r, linker.offers_for(p.d.r));
        p.d.held = false;
    };
    auto drain = [&](bool all) {
        while (!queue.empty()) {
            pending& front = queue.front();
            if (front.d.held) {
                if (!all && seq - front.seq < k_ppap_wait) return;
                resolve(front);
            }
            render(front.d);
            queue.pop_front();
        }
    };
    auto emit = [&](done&& d) {
        linker.note(d.r);
        queue.push_back(pending{std::move(d), seq++});
        drain(false);
    };

    // The per-message work after the analysis, on the thread that analysed it.
    auto finished_one = [&](scan::scan_result&& r) {
        done d;
        r.offered_passwords = scan::ppap_linker::offers_of(r);
        d.held = !r.error && scan::ppap_linker::needs_password(r);
        d.r = std::move(r);
        if (d.held || !jsonl || kept) return d;  // rendered (and kept) by the ordered side
        classify(d);
        d.line = to_line(d.r);
        // Only what render() and linker.note() read goes on; the rest is freed
        // here, by the thread (and malloc arena) that allocated it.
        scan::scan_result slim;
        slim.source = std::move(d.r.source);
        slim.error = std::move(d.r.error);
        slim.outcome.v = d.r.outcome.v;
        slim.history.status = d.r.history.status;
        slim.history.error = std::move(d.r.history.error);
        slim.offered_passwords = std::move(d.r.offered_passwords);
        if (!slim.offered_passwords.empty()) {
            slim.msg.from = std::move(d.r.msg.from);
            slim.msg.message_id = std::move(d.r.msg.message_id);
            slim.msg.subject.key = std::move(d.r.msg.subject.key);
            slim.msg.in_reply_to = std::move(d.r.msg.in_reply_to);
            slim.msg.references = std::move(d.r.msg.references);
        }
        d.r = std::move(slim);
        return d;
    };

    auto analyse_one = [&](io::input_item& it) {
        scan::scan_result r;
        // Moves out only the bytes the listing kept (input_item::bytes); source and
        // full_size stay for the record.
        auto bytes = io::load(std::move(it));
        if (!bytes) {
            r.source = it.source;
            r.error = bytes.error().message;
            return finished_one(std::move(r));
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
        return finished_one(std::move(r));
    };

    {
        // The inputs are listed (on a thread of their own from --jobs 2 on) at most
        // k_ahead items and k_ahead_bytes of kept bytes ahead of the workers, and
        // each item is freed by the worker that took it: memory stays flat whatever
        // the input's size (a listed item is ~220 bytes plus its path: 100k files
        // held 78 MB more before). Results are written in input order by whichever
        // worker holds the writer's role (cli/ordered_pool.hpp).
        //
        // The listing reads the start of each file to tell a message from an
        // mbox, and for a file of less than 64 KB that read is the whole file:
        // it keeps those bytes (input_options::keep_bytes), so the worker opens
        // and reads nothing. Before, each file was opened, read and closed twice
        // (7,900 openat, 7,900 read, 7,900 close for the 3,877 corpus files,
        // `strace -f -c`; the kernel's open/read/close ~6% of all CPU samples).
        // The bytes held ahead are bounded by k_ahead_bytes: with 8 MB the
        // process took 3,000 more page faults than without kept bytes (the
        // listing's allocations touch fresh pages), with 1 MB ~800 more.
        constexpr std::size_t k_ahead = 1024;
        constexpr std::size_t k_ahead_bytes = 1u << 20;
        const order_bounds bounds{static_cast<std::size_t>(jobs) * 16, k_ahead, k_ahead_bytes};
        std::size_t ticked = 0;
        run_in_order<io::input_item, done>(
            jobs, bounds,
            [&](const auto& put) {
                io::expand_inputs(a.paths, in_opt, [&](io::input_item&& it) {
                    ++n_items;
                    const std::size_t kept_bytes = it.bytes.size();
                    put(std::move(it), kept_bytes);
                });
            },
            [&](io::input_item&& it) { return analyse_one(it); },
            [&](delivery<done>& d) {
                bar.set_total(d.produced, d.producing_done);
                for (auto& r : d.ready) {
                    emit(std::move(r));
                    bar.tick(++ticked);
                }
                return true;
            });
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
            n_no_history, n_items, history_error);
    if (n_err || keep_failed || n_no_history) return 2;
    return n_susp + n_mal ? 1 : 0;
}

}  // namespace replyguard::cli
