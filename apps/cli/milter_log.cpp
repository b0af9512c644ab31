// SPDX-License-Identifier: Apache-2.0
// apps/cli/milter_log.cpp - log lines of `replyguard milter` (see milter_log.hpp).
#include "cli/milter_log.hpp"

#include <fmt/format.h>

#include <atomic>
#include <iostream>
#include <mutex>
#include <string>

namespace replyguard::cli::milterd {

namespace {

enum log_target : int { k_log_stderr = 1, k_log_syslog = 2 };
std::atomic<int> g_log_target{k_log_stderr};
std::mutex g_log_mu;

}  // namespace

void set_log_target(std::string_view name) {
    int t = k_log_stderr;
    if (name == "syslog")
        t = k_log_syslog;
    else if (name == "both")
        t = k_log_stderr | k_log_syslog;
    g_log_target = t;
}

void open_log() { openlog("replyguard", LOG_PID, LOG_MAIL); }

void log_line(std::string_view qid, std::string_view text, int priority) {
    std::string_view q = qid.empty() ? "NOQUEUE" : qid;
    int target = g_log_target.load(std::memory_order_relaxed);
    std::lock_guard lock(g_log_mu);
    if (target & k_log_stderr) std::cerr << "replyguard milter: " << q << ": " << text << std::endl;
    if (target & k_log_syslog) {
        // "%s": text derived from mail is never a format string.
        std::string line = fmt::format("milter: {}: {}", q, text);
        syslog(LOG_MAIL | priority, "%s", line.c_str());
    }
}

}  // namespace replyguard::cli::milterd
