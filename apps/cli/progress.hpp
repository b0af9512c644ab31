// SPDX-License-Identifier: Apache-2.0
// apps/cli/progress.hpp - a progress bar on standard error, only on a terminal
//
// DESCRIPTION
//   Redrawn at most ten times a second: count, rate, ETA. While the total is
//   still growing (inputs listed as they are scanned) it reads "N/M+" and has
//   no ETA. Nothing is drawn
//   when standard error is not a terminal (CI logs, pipes) or when disabled.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

namespace replyguard::cli {

class progress {
public:
    /// `total_known` false: `total` is a count so far; set_total() raises it.
    progress(std::size_t total, std::string what, bool enabled, bool total_known = true);
    ~progress();
    void tick(std::size_t done);
    /// The total as listed so far, and whether the listing has ended.
    void set_total(std::size_t total, bool known);
    /// Erase the bar (if drawn) so that a line written to the same terminal
    /// does not land after it; the next tick draws it again below that line.
    void clear();
    void finish();

private:
    void draw(std::size_t done, bool final);
    std::size_t total_;
    std::string what_;
    bool enabled_;
    bool total_known_;
    bool drawn_ = false;
    std::chrono::steady_clock::time_point start_, last_;
};

}  // namespace replyguard::cli
