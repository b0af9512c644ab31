// SPDX-License-Identifier: Apache-2.0
// apps/cli/milter_signals.cpp - SIGHUP reloads, SIGTERM/SIGINT stop: the milter's signals
//
// DESCRIPTION
//   The main thread owns SIGHUP, SIGTERM and SIGINT (why, below). A handler
//   writes the signal's number to a pipe; the main thread reads events from it
//   (next_event) and reloads or stops. reload() builds a new live_config (its
//   own scan::engine) and swaps it in; analyses in flight keep the one they
//   started with. What was opened at start-up (socket, store, detections,
//   outbound tracker) stays, and a change to it is logged as needing a restart.
// DIAGNOSTICS
//   "configuration reloaded from ..." or "reload failed, the running
//   configuration stays in force: ..." (LOG_ERR); "reload: X changed; that
//   needs a restart, ignored" (LOG_WARNING).
#include "cli/milter_daemon.hpp"

#include "cli/milter_log.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>

namespace replyguard::cli::milterd {

namespace {

bool same_outbound(const milter::outbound_config& a, const milter::outbound_config& b) {
    return a.enabled == b.enabled && a.window == b.window && a.max_unknown_replies == b.max_unknown_replies &&
           a.flag_new_client_ip == b.flag_new_client_ip && a.response == b.response;
}

}  // namespace

void reload(daemon_state& st) {
    if (st.config_path.empty()) {
        log_line("", "SIGHUP: started without --config; nothing to reload");
        return;
    }
    auto built = build_live(st.config_path, st.hist.get());
    if (!built) {
        log_line("", "reload failed, the running configuration stays in force: " + built.error().message, LOG_ERR);
        return;
    }
    live_config& next = **built;
    std::shared_ptr<const live_config> cur = st.live();
    // What was opened at start-up stays; say so rather than pretend.
    auto ignored = [](std::string_view what) {
        log_line("", fmt::format("reload: {} changed; that needs a restart, ignored", what), LOG_WARNING);
    };
    if (next.mc.socket != cur->mc.socket) {
        if (!st.socket_from_cli) ignored("milter.socket");
        next.mc.socket = cur->mc.socket;
    }
    if (next.mc.db != cur->mc.db) {
        if (!st.db_from_cli) ignored("milter.db");
        next.mc.db = cur->mc.db;
    }
    if (next.mc.detections != cur->mc.detections) {
        ignored("milter.detections");
        next.mc.detections = cur->mc.detections;
    }
    if (next.mc.metrics != cur->mc.metrics || next.mc.metrics_file != cur->mc.metrics_file ||
        next.mc.metrics_interval != cur->mc.metrics_interval) {
        // The listener and the textfile loop are set up at start (milter_cmd.cpp).
        ignored("milter.metrics/metrics_file/metrics_interval");
        next.mc.metrics = cur->mc.metrics;
        next.mc.metrics_file = cur->mc.metrics_file;
        next.mc.metrics_interval = cur->mc.metrics_interval;
    }
    if (next.mc.learn && !st.store_writable) {
        ignored("milter.learn (the store was opened read-only)");
        next.mc.learn = false;
    }
    if (!same_outbound(next.mc.outbound, cur->mc.outbound)) {
        // The tracker's counts survive a reload; its settings are part of it.
        ignored("milter.outbound");
        next.mc.outbound = cur->mc.outbound;
    }
    if (st.log_from_cli) next.mc.log = cur->mc.log;
    set_log_target(next.mc.log);
    const auto& mc = next.mc;
    // The new engine's own first-use state (the lookalike check's domain index)
    // is built here, not inside the first message's time (milter_warm.cpp);
    // the threads keep theirs.
    warm_up(*next.eng, 0);
    st.set_live(std::move(*built));
    log_line("", fmt::format("configuration reloaded from {} (thresholds {:.2f}/{:.2f}, default action {}, "
                             "timeout {} s, log {})",
                             st.config_path, next.core.suspicious_threshold, next.core.malicious_threshold,
                             milter::disposition_name(mc.default_action), mc.timeout, mc.log));
}

namespace {

// Signals. libmilter's smfi_main starts a thread that sigwait()s on SIGHUP,
// SIGTERM and SIGINT and stops the milter on any of them (HUP and TERM:
// MILTER_STOP, INT: MILTER_ABRT, which also aborts the sessions; sendmail's
// libmilter/signal.c). We want HUP to reload, so the main thread takes these
// signals first: it installs handlers and keeps them unblocked, while every
// other thread (smfi_main's, libmilter's, the analyses) inherits a mask that
// blocks them. On Linux a process-directed signal goes to the thread-group
// leader (our main thread) whenever it can take it (complete_signal() in
// kernel/signal.c): when it does not block it and is running or has no
// other signal pending. libmilter's sigwait only gets one the leader cannot
// take. A handler rather than sigwait() in the main thread for that reason:
// while it reloads, a signal blocked outside sigwait() would go to
// libmilter's thread and stop the milter. What is left: a SIGTERM arriving
// while another of these signals is pending on a preempted main thread may
// still reach libmilter, which then stops at once instead of draining.
int g_signal_pipe[2] = {-1, -1};

void on_signal(int sig) {
    int saved = errno;
    char c = static_cast<char>(sig);
    [[maybe_unused]] auto n = write(g_signal_pipe[1], &c, 1);  // full pipe: a burst is one event anyway
    errno = saved;
}

}  // namespace

sigset_t control_signals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    return set;
}

bool install_signal_handlers() {
    if (pipe2(g_signal_pipe, O_CLOEXEC | O_NONBLOCK) != 0) return false;
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    // Nothing blocked while the handler runs, not even its own signal
    // (SA_NODEFER): a signal blocked in the main thread goes to libmilter's
    // thread instead (seen: a SIGHUP burst stopped the milter without it).
    // The handler is reentrant: it only writes one byte.
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_NODEFER;
    for (int s : {SIGHUP, SIGTERM, SIGINT})
        if (sigaction(s, &sa, nullptr) != 0) return false;
    return true;
}

void wake_main_smfi_returned() {
    char c = k_wake_smfi_returned;
    [[maybe_unused]] auto n = write(g_signal_pipe[1], &c, 1);
}

int next_event(int timeout_ms) {
    for (;;) {
        pollfd p{.fd = g_signal_pipe[0], .events = POLLIN, .revents = 0};
        int r = poll(&p, 1, timeout_ms);
        if (r < 0 && errno == EINTR) continue;
        if (r == 0) return k_no_event;
        char c;
        ssize_t n = read(g_signal_pipe[0], &c, 1);
        if (n == 1) return c;
        if (n < 0 && errno == EINTR) continue;
        return k_wake_smfi_returned;  // cannot happen with the write end open; stop rather than spin
    }
}

}  // namespace replyguard::cli::milterd
