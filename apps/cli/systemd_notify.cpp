// SPDX-License-Identifier: Apache-2.0
// apps/cli/systemd_notify.cpp - sd_notify(3) wrappers (see systemd_notify.hpp).
#include "cli/systemd_notify.hpp"

#include <systemd/sd-daemon.h>

#include <ctime>
#include <string>

namespace replyguard::cli {

namespace {

void send(const std::string& state) {
    // sd_notify returns 0 when $NOTIFY_SOCKET is unset (not under systemd) and a
    // negative errno when the socket cannot be written: neither stops a daemon.
    (void)sd_notify(0, state.c_str());
}

}  // namespace

void notify_ready(std::string_view status) {
    std::string s = "READY=1";
    if (!status.empty()) s += "\nSTATUS=" + std::string(status);
    send(s);
}

void notify_reloading() {
    // systemd >= 253 wants MONOTONIC_USEC with RELOADING=1 (Type=notify-reload);
    // older ones ignore it.
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    long long usec = static_cast<long long>(ts.tv_sec) * 1000000LL + ts.tv_nsec / 1000;
    send("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(usec));
}

void notify_stopping() { send("STOPPING=1"); }

void notify_status(std::string_view status) { send("STATUS=" + std::string(status)); }

}  // namespace replyguard::cli
