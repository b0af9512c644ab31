// SPDX-License-Identifier: Apache-2.0
// apps/cli/systemd_notify.cpp - sd_notify(3) wrappers (see systemd_notify.hpp).
//
// libsystemd is not linked: it is opened (core/dynlib.hpp) by the first notice
// sent under systemd ($NOTIFY_SOCKET set), so no other command, nor a daemon
// outside systemd, maps it and the two more libraries it brings (libgcrypt,
// libcap): 1.6 M instructions of the loader at every start (bench/README.md,
// "Start-up").
#include "cli/systemd_notify.hpp"

#include "core/dynlib.hpp"

#include <systemd/sd-daemon.h>

#include <cstdlib>
#include <ctime>
#include <iostream>
#include <string>

namespace replyguard::cli {

namespace {

using sd_notify_fn = decltype(&::sd_notify);

/// libsystemd's sd_notify, opened once; null (and said once on stderr) when it cannot be.
sd_notify_fn notifier() {
    static const sd_notify_fn fn = [] {
        sd_notify_fn f = nullptr;
        auto lib = dynlib::open("libsystemd.so.0", "libsystemd0");
        auto bound = lib ? lib->bind(f, "sd_notify") : result<void>(std::unexpected(lib.error()));
        if (!bound) {
            std::cerr << "replyguard: cannot tell systemd where the daemon stands: " << bound.error().message << "\n";
            return static_cast<sd_notify_fn>(nullptr);
        }
        return f;
    }();
    return fn;
}

void send(const std::string& state) {
    // Not under systemd: nothing to say, and libsystemd is not opened.
    const char* socket = std::getenv("NOTIFY_SOCKET");
    if (!socket || !*socket) return;
    // sd_notify returns a negative errno when the socket cannot be written: that
    // does not stop a daemon.
    if (sd_notify_fn f = notifier()) (void)f(0, state.c_str());
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
