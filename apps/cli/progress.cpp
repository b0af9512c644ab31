// SPDX-License-Identifier: Apache-2.0
// apps/cli/progress.cpp - the progress bar.
#include "cli/progress.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>

namespace replyguard::cli {

progress::progress(std::size_t total, std::string what, bool enabled, bool total_known)
    : total_(total),
      what_(std::move(what)),
      enabled_(enabled && isatty(STDERR_FILENO) && (total > 1 || !total_known)),
      total_known_(total_known),
      start_(std::chrono::steady_clock::now()),
      last_(start_) {}

progress::~progress() { finish(); }

void progress::set_total(std::size_t total, bool known) {
    total_ = total;
    total_known_ = known;
    // One message in all: no bar, as when the total is known from the start.
    if (known && total <= 1) {
        clear();
        enabled_ = false;
    }
}

void progress::tick(std::size_t done) {
    if (!enabled_) return;
    auto now = std::chrono::steady_clock::now();
    if (now - last_ < std::chrono::milliseconds(100) && (done < total_ || !total_known_)) return;
    last_ = now;
    draw(done, false);
}

void progress::clear() {
    if (enabled_ && drawn_) {
        std::fputs("\r\x1b[K", stderr);
        std::fflush(stderr);
        drawn_ = false;
    }
}

void progress::finish() {
    if (enabled_ && drawn_) {
        std::fputs("\r\x1b[K", stderr);
        std::fflush(stderr);
    }
    enabled_ = false;
}

void progress::draw(std::size_t done, bool) {
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    double rate = secs > 0 ? static_cast<double>(done) / secs : 0;
    constexpr int width = 30;
    int filled = total_ ? static_cast<int>(width * done / total_) : 0;
    std::string bar(static_cast<std::size_t>(filled), '=');
    if (filled < width) bar += '>';
    bar.resize(width, ' ');
    std::string eta = rate > 0 && done < total_ && total_known_
                          ? fmt::format(" ETA {:.0f}s", static_cast<double>(total_ - done) / rate)
                          : "";
    fmt::print(stderr, "\r[{}] {}/{}{} {} {:.0f}/s{}\x1b[K", bar, done, total_, total_known_ ? "" : "+", what_, rate,
               eta);
    std::fflush(stderr);
    drawn_ = true;
}

}  // namespace replyguard::cli
