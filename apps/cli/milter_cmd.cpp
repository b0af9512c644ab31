// SPDX-License-Identifier: Apache-2.0
// apps/cli/milter_cmd.cpp - `replyguard milter`: start-up, the main thread, graceful stop
//
// DESCRIPTION
//   Collects a message from the MTA (Postfix or Sendmail, libmilter), runs the
//   one analysis path (scan::engine, as `replyguard scan`) under a per-message
//   time limit, and carries out the plan of milter/plan.hpp: X-Replyguard-*
//   headers (forged copies from outside removed), subject tag, banner
//   (milter/banner.hpp), quarantine, reject (550 5.7.1) or tempfail. Clean mail
//   (authenticated submissions and delivered inbound mail) teaches the
//   history; authenticated submissions are watched for account abuse
//   (milter/outbound.hpp), in state shared through the store when the
//   history is Redis (several MTA hosts) or a writable SQLite file.
//   This file starts it (the CLI's shared start-up, apps/cli/startup.hpp),
//   runs smfi_main() on a second thread and keeps the main thread for the
//   signals; milter_daemon.hpp says where each other concern lives.
//   Signals: SIGHUP reloads the configuration file (a new scan::engine is
//   swapped in; analyses already running finish with the one they started
//   with; a bad file is logged and the running configuration kept). SIGTERM
//   and SIGINT turn new connections and messages away with a temporary
//   failure, let the messages in progress finish (bounded by the time limit),
//   stop libmilter and exit 0.
// DIAGNOSTICS
//   One line per message ("replyguard milter: QUEUEID: verdict=... score=...
//   action=... findings=ID=score, ..."), and one for every failure, reload and
//   signal, on standard error, syslog (facility mail) or both ([milter] log,
//   --log). An internal error, a store failure or the time limit gives the
//   configured default_action (accept or tempfail), logged with the queue id;
//   never a silent drop, never a half-rewritten message.
// LIMITS
//   A timed-out analysis keeps running on its own thread until the engine's
//   own limits stop it; its result is discarded. A message larger than
//   max_message_size (header block and body) is accepted unanalysed (tagged
//   "unchecked").
#include "cli/commands.hpp"

#include "cli/milter_daemon.hpp"
#include "cli/milter_log.hpp"
#include "cli/milter_metrics.hpp"
#include "cli/milter_pool.hpp"
#include "cli/startup.hpp"
#include "cli/systemd_notify.hpp"

#include <fmt/format.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <memory>
#include <thread>

namespace replyguard::cli {

using namespace milterd;

int run_milter(const milter_args& a) {
    // Not a static object: a timed-out analysis may still use it while the
    // process exits; it is torn down below only when none is running. Owned
    // here until libmilter's thread starts (a start-up error frees it: no
    // callback runs before that), then handed to g_state under that rule.
    auto owned = std::make_unique<daemon_state>();
    daemon_state& st = *owned;
    st.config_path = a.config;
    st.db_from_cli = !a.db.empty();
    st.socket_from_cli = !a.socket.empty();
    st.log_from_cli = !a.log.empty();

    // The configuration (read once, every table), then the store its [milter]
    // table names (the engine keeps a pointer to it), then the engine.
    auto file = load_config_file(a.config);
    if (!file) {
        std::cerr << "replyguard milter: " << file.error().message << "\n";
        return 2;
    }
    auto built = std::make_shared<live_config>();
    built->core = std::move(file->core);
    if (file->doc) {
        auto mc = milter::milter_config_from_toml(*file->doc);
        if (!mc) {
            std::cerr << "replyguard milter: " << mc.error().message << "\n";
            return 2;
        }
        built->mc = std::move(*mc);
    }
    st.db = !a.db.empty() ? a.db : db_path_or_default(built->mc.db);
    st.store_writable = built->mc.learn;
    auto hist = open_store(st.db, st.store_writable ? store::open_mode::read_write : store::open_mode::read_only);
    if (!hist) {
        std::cerr << "replyguard milter: " << hist.error().message << "\n";
        return 2;
    }
    st.hist = std::move(*hist);
    // The analysis stops itself before the milter stops waiting (as build_live does).
    built->core.lim.message_millis = milter::analysis_millis(built->mc, built->core.lim.message_millis);
    auto eng = make_engine(built->core, st.hist.get());
    if (!eng) {
        std::cerr << "replyguard milter: " << eng.error().message << "\n";
        return 2;
    }
    built->eng = std::move(*eng);
    if (!a.socket.empty()) built->mc.socket = a.socket;
    if (!a.log.empty()) built->mc.log = a.log;
    set_log_target(built->mc.log);
    open_log();  // connects on the first line only (a reload may switch to syslog)
    const milter::milter_config& mc0 = built->mc;
    auto outbound = open_outbound(mc0, st.db);
    if (!outbound) {
        std::cerr << "replyguard milter: " << outbound.error().message << "\n";
        return 2;
    }
    st.outbound = std::move(*outbound);
    if (std::string kp = detections_path(mc0, st.db, st.store_writable); !kp.empty()) {
        auto k = campaign::open_detections(kp, true);
        if (k) {
            st.kept = std::move(*k);
            log_line("", "detections kept in " + kp);
        } else if (!mc0.detections.empty()) {  // asked for by name: a start-up error
            std::cerr << "replyguard milter: " << k.error().message << "\n";
            return 2;
        } else {
            log_line("", "detections not kept: " + k.error().message, LOG_WARNING);
        }
    } else {
        log_line(
            "",
            "detections not kept (set [milter] detections to an SQLite file, or learn = true with an SQLite history)");
    }
    std::string socket = mc0.socket;
    st.set_live(std::move(built));

    smfiDesc desc = filter_description();

    if (smfi_setconn(socket.data()) != MI_SUCCESS) {
        std::cerr << "replyguard milter: bad socket " << socket << "\n";
        return 2;
    }
    if (smfi_register(desc) != MI_SUCCESS) {
        std::cerr << "replyguard milter: smfi_register failed\n";
        return 2;
    }
    if (smfi_opensocket(1) != MI_SUCCESS) {  // 1: remove a stale unix socket
        std::cerr << "replyguard milter: cannot listen on " << socket << "\n";
        return 2;
    }
    disable_nagle_on_listener();
    if (!install_signal_handlers()) {
        std::cerr << "replyguard milter: cannot install signal handlers\n";
        return 2;
    }

    // smfi_main on its own thread, created with the control signals blocked
    // so it and every thread it starts inherit that mask (see above); the
    // metrics listener's threads too.
    sigset_t ctl = control_signals(), old;
    pthread_sigmask(SIG_BLOCK, &ctl, &old);
    // Prometheus ([milter] metrics, metrics_file): read at start, as the socket.
    std::unique_ptr<metrics_listener> scrape;
    if (!mc0.metrics.empty()) {
        auto l = metrics_listener::start(mc0.metrics);
        if (!l) {
            std::cerr << "replyguard milter: " << l.error().message << "\n";
            return 2;
        }
        scrape = std::move(*l);
        log_line("", fmt::format("metrics on http://{}/metrics (port {})", mc0.metrics, scrape->port()));
    }
    const std::string metrics_file = mc0.metrics_file;
    const int metrics_ms = mc0.metrics_interval * 1000;
    auto write_textfile = [&metrics_file] {
        if (metrics_file.empty()) return;
        if (auto w = write_metrics_file(metrics_file); !w)
            log_line("", "metrics file: " + w.error().message, LOG_WARNING);
    };
    write_textfile();
    // Listening (Postfix's connections wait in the backlog), not yet accepting:
    // the analysis threads are warmed first (milter_warm.cpp), one a core,
    // started here so they inherit the mask that blocks the control signals.
    {
        const std::size_t n = std::clamp<std::size_t>(std::thread::hardware_concurrency(), 1, k_keep_idle);
        const double ms = warm_up(*st.live()->eng, n);
        log_line("", fmt::format("warmed {} analysis thread(s) in {:.0f} ms", n, ms));
    }
    std::atomic<int> smfi_rc{MI_SUCCESS};
    g_state = owned.release();  // from here on deleted below, only when no analysis uses it
    std::thread smfi([&smfi_rc] {
        smfi_rc = smfi_main();
        wake_main_smfi_returned();
    });
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
    pthread_sigmask(SIG_UNBLOCK, &ctl, nullptr);

    log_line("", fmt::format("listening on {} (history {}, default action {}, timeout {} s, log {})", socket, st.db,
                             milter::disposition_name(mc0.default_action), mc0.timeout, mc0.log));
    // Type=notify (debian/replyguard.replyguard-milter.service): the socket is
    // open and the store is open, so Postfix can be started after us.
    notify_ready("listening on " + socket);
    int stop_signal = 0;
    auto next_write = std::chrono::steady_clock::now() + std::chrono::milliseconds(metrics_ms);
    for (;;) {
        int wait_ms = -1;
        if (!metrics_file.empty()) {
            auto left =
                std::chrono::duration_cast<std::chrono::milliseconds>(next_write - std::chrono::steady_clock::now());
            wait_ms = static_cast<int>(std::max<std::int64_t>(0, left.count()));
        }
        int ev = next_event(wait_ms);
        if (ev == k_no_event) {
            write_textfile();
            next_write = std::chrono::steady_clock::now() + std::chrono::milliseconds(metrics_ms);
            continue;
        }
        if (ev == SIGHUP) {
            notify_reloading();
            try {
                reload(st);
            } catch (const std::exception& e) {
                log_line("", fmt::format("reload failed: {}; the running configuration stays in force", e.what()),
                         LOG_ERR);
            }
            notify_ready("listening on " + socket);
            continue;
        }
        if (ev == SIGTERM || ev == SIGINT) stop_signal = ev;
        break;  // a stop, or smfi_main returned by itself
    }

    // Graceful stop. smfi_stop() is not enough: with libmilter's pool of
    // workers (Debian builds it with _FFR_WORKERS_POOL) the thread that reads
    // the MTA's next command ends at once, so a message whose end has not
    // been read yet would never be answered. So first drain: new connections
    // and new messages get a temporary failure while the messages in progress
    // finish (bounded by the time limit; a second signal cuts it short), and
    // only then stop libmilter.
    if (stop_signal) {
        g_stopping = true;
        notify_stopping();
        log_line("", fmt::format("{}: stopping; {} message(s) in progress",
                                 stop_signal == SIGTERM ? "SIGTERM" : "SIGINT", g_messages.load()));
        double limit = st.live()->mc.timeout + 5.0;
        auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(limit);
        bool cut = false;
        while (g_messages > 0 && std::chrono::steady_clock::now() < deadline && !cut) {
            int ev = next_event(20);
            if (ev == SIGTERM || ev == SIGINT || ev == k_wake_smfi_returned)
                cut = true;
            else if (ev == SIGHUP)
                log_line("", "SIGHUP while stopping: ignored");
        }
        // The answer to the end of a message is written just after our
        // callback returns, by the same libmilter thread.
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        smfi_stop();
    }
    smfi.join();
    write_textfile();  // the last counts, for the scrape after a stop
    scrape.reset();
    for (int i = 0; g_running > 0 && i < 50; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (g_messages > 0)
        log_line("", fmt::format("{} message(s) still in progress at exit", g_messages.load()), LOG_WARNING);
    if (g_running == 0 && g_sessions == 0) {
        g_state = nullptr;
        delete &st;  // closes the history store cleanly
    } else if (g_running > 0) {
        log_line("", fmt::format("{} analysis still running at exit; the store is left to the OS", g_running.load()),
                 LOG_WARNING);
    }
    log_line("", "stopped");
    if (stop_signal) return 0;
    return smfi_rc == MI_SUCCESS ? 0 : 1;
}

}  // namespace replyguard::cli
