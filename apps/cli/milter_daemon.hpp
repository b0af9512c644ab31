// SPDX-License-Identifier: Apache-2.0
// apps/cli/milter_daemon.hpp - what the files of `replyguard milter` share
//
// DESCRIPTION
//   The milter front-end is split by concern, as Postfix splits milter.c from
//   milter8.c; what each decides lives in the pure core (milter/plan.hpp,
//   milter/policy.hpp, milter/banner.hpp, milter/outbound.hpp):
//     milter_cmd.cpp          start-up and the main thread (wiring, graceful stop)
//     milter_session.cpp      libmilter callbacks: collect a message, analyse it
//                             under the time limit, carry out the plan
//     milter_pool.cpp         the reused threads analyses run on
//     milter_warm.cpp         a made-up message analysed before the first real one
//     milter_state.cpp        the daemon's state: configuration built for a
//                             reload, learning, kept detections, outbound state
//     milter_signals.cpp      SIGHUP (reload), SIGTERM/SIGINT (stop), the wake-up pipe
//     milter_log.cpp          log lines (stderr, syslog)
//     milter_metrics.cpp      Prometheus: a loopback /metrics listener, a textfile
#pragma once

#include "campaign/detections.hpp"
#include "core/config.hpp"
#include "milter/outbound.hpp"
#include "milter/policy.hpp"
#include "scan/engine.hpp"
#include "store/history.hpp"

#include <libmilter/mfapi.h>
#include <signal.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace replyguard::cli::milterd {

// Everything a message is analysed with that SIGHUP may replace. It is
// swapped as a whole, so a message never sees half of an old and half of a
// new configuration; holders of the old one keep it alive until they finish.
struct live_config {
    config core;
    milter::milter_config mc;
    std::unique_ptr<scan::engine> eng;
};

struct daemon_state {
    std::string config_path;  ///< "" : defaults only, nothing to reload
    std::string db;           ///< the store as opened (a restart changes it)
    bool db_from_cli = false;
    bool socket_from_cli = false;
    bool log_from_cli = false;
    bool store_writable = false;
    std::unique_ptr<store::history> hist;
    std::unique_ptr<milter::outbound_tracker> outbound;
    std::mutex learn_mu;
    std::unique_ptr<campaign::detection_store> kept;  ///< null: detections not kept
    std::mutex kept_mu;
    std::uint64_t kept_since_prune = 0;

    std::shared_ptr<const live_config> live() const {
        std::lock_guard lock(live_mu_);
        return live_;
    }
    void set_live(std::shared_ptr<const live_config> l) {
        std::lock_guard lock(live_mu_);
        live_ = std::move(l);
    }

private:
    mutable std::mutex live_mu_;
    std::shared_ptr<const live_config> live_;
};

inline daemon_state* g_state = nullptr;      // libmilter callbacks take no user pointer
inline std::atomic<int> g_running{0};        // analyses still running (some may have outlived their time limit)
inline std::atomic<int> g_sessions{0};       // MTA connections with a session state
inline std::atomic<int> g_messages{0};       // messages between MAIL FROM and the end of EOM/abort/close
inline std::atomic<bool> g_stopping{false};  // SIGTERM/SIGINT: no new message, the ones in progress finish

// --- milter_state.cpp ---------------------------------------------------------

/// Read the configuration file (every table, one parse) and build an engine
/// for it, with its IOC lists and YARA rules. Any failure leaves nothing half-built.
result<std::shared_ptr<live_config>> build_live(const std::string& path, store::history* hist);
/// The outbound-abuse tracker, its state where the history is (see there).
result<std::unique_ptr<milter::outbound_tracker>> open_outbound(const milter::milter_config& mc, const std::string& db);
/// Where detections are kept ("" : not kept).
std::string detections_path(const milter::milter_config& mc, const std::string& db, bool db_writable);
/// Keep a suspicious or malicious result, or an outbound-abuse event; a failure is logged.
void keep_detection(scan::scan_result& r, std::string_view raw, const std::optional<finding>& abuse,
                    std::string_view qid, milter::disposition disp, const config& core);
/// Teach the history a clean message (when the store is writable).
void learn_clean(const live_config& live, const scan::scan_result& r, std::string_view qid);
/// Recipients the sender never wrote to, by the history (all of them when unknown).
std::size_t unknown_recipients(const std::vector<std::string>& rcpts, const scan::scan_result& r);

// --- milter_session.cpp -------------------------------------------------------

/// The filter: its name, flags and callbacks.
smfiDesc filter_description();
/// TCP_NODELAY on libmilter's listening socket (see there).
void disable_nagle_on_listener();

// --- milter_signals.cpp -------------------------------------------------------

inline constexpr int k_no_event = -1;
inline constexpr char k_wake_smfi_returned = 0;

/// The pipe and handlers for SIGHUP, SIGTERM and SIGINT; false on failure.
bool install_signal_handlers();
/// The set of those three signals.
sigset_t control_signals();
/// Wake the main thread: smfi_main returned.
void wake_main_smfi_returned();
/// The next event: a signal number, k_wake_smfi_returned, or k_no_event when
/// `timeout_ms` (-1: none) passes first.
int next_event(int timeout_ms = -1);
/// SIGHUP: a new configuration for the next messages, or none at all.
void reload(daemon_state& st);

/// Analyse a made-up message (milter_warm.cpp) with `eng` once on each of
/// `threads` pool threads (0: once on this thread), so the first real messages
/// do not pay for what a first analysis builds. The milliseconds it took.
double warm_up(const scan::engine& eng, std::size_t threads);

}  // namespace replyguard::cli::milterd
