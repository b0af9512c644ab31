// SPDX-License-Identifier: Apache-2.0
// apps/cli/progress.hpp - a progress bar on standard error, only on a terminal
//
// DESCRIPTION
//   Redrawn at most ten times a second: count, rate, ETA. Nothing is drawn
//   when standard error is not a terminal (CI logs, pipes) or when disabled.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

namespace replyguard::cli {

class progress {
public:
    progress(std::size_t total, std::string what, bool enabled);
    ~progress();
    void tick(std::size_t done);
    /// Erase the bar (if drawn) so that a line written to the same terminal
    /// does not land after it; the next tick draws it again below that line.
    void clear();
    void finish();

private:
    void draw(std::size_t done, bool final);
    std::size_t total_;
    std::string what_;
    bool enabled_;
    bool drawn_ = false;
    std::chrono::steady_clock::time_point start_, last_;
};

}  // namespace replyguard::cli
