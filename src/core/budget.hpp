// SPDX-License-Identifier: Apache-2.0
// core/budget.hpp - the one time and work budget of one message
//
// DESCRIPTION
//   A message is analysed under one budget: a deadline (limits::message_millis
//   from the start of the scan, parse included) and the limit hits recorded so
//   far. scan::engine makes one per message and hands it down: the MIME parser,
//   the header decoder, the HTML converter and every attachment analyser check
//   it in their loops (cheaply: the clock is read once every k_stride checks)
//   and stop the part they are in when it is spent. Whoever stops records the
//   hit here (id + detail); the engine turns the hits into scan_result's
//   `incomplete` flag, so that a front-end can apply its action for an
//   incomplete analysis, and what was found before the limit is kept: a
//   message that hit a limit is never reported cleaner than that.
//
//   Not thread-safe: one message is analysed on one thread.
// LIMITS
//   limits::message_millis (the deadline). Byte allowances stay with their
//   owners (analysis_state::bytes_budget for decompressed bytes, header_bytes
//   and text_bytes in the parser); passing one is recorded here too.
#pragma once

#include "core/limits.hpp"

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace replyguard {

struct limit_hit {
    std::string id;      ///< the finding/anomaly id: ANALYSIS_TIMEOUT, ANALYSIS_LIMIT, HEADER_TOO_LONG...
    std::string detail;  ///< what stopped, in words
};

class budget {
public:
    using clock = std::chrono::steady_clock;

    /// No deadline (tests, callers without a limit).
    budget() = default;
    explicit budget(const limits& lim, clock::time_point start = clock::now())
        : deadline_(lim.message_millis ? start + std::chrono::milliseconds(lim.message_millis)
                                       : clock::time_point::max()),
          millis_(lim.message_millis) {}

    /// The deadline has passed. Cheap enough for inner loops: reads the clock once
    /// every k_stride calls; once true it stays true.
    bool expired() {
        if (expired_) return true;
        if (++calls_ % k_stride != 0) return false;
        return expired_now();
    }
    /// The deadline has passed (reads the clock now).
    bool expired_now() {
        if (!expired_ && deadline_ != clock::time_point::max() && clock::now() > deadline_) expired_ = true;
        return expired_;
    }
    clock::time_point deadline() const { return deadline_; }
    std::uint32_t millis() const { return millis_; }
    /// Milliseconds left (0 when spent; a large number when there is no deadline).
    std::uint64_t millis_left() const {
        if (deadline_ == clock::time_point::max()) return UINT32_MAX;
        const auto now = clock::now();
        if (now >= deadline_) return 0;
        return static_cast<std::uint64_t>(
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - now).count());
    }

    /// Record that a limit stopped part of the analysis (one entry per id, the first detail).
    void hit(std::string_view id, std::string detail) {
        for (const auto& h : hits_)
            if (h.id == id) return;
        hits_.push_back({std::string(id), std::move(detail)});
    }
    /// Record the deadline as hit ("where" says what was stopped) and return true
    /// when it has passed; the usual check inside a loop.
    bool timed_out(std::string_view where) {
        if (!expired()) return false;
        hit("ANALYSIS_TIMEOUT", std::string(where) + " stopped at the per-message time limit");
        return true;
    }
    const std::vector<limit_hit>& hits() const { return hits_; }
    /// Some part of the message was not fully analysed.
    bool incomplete() const { return !hits_.empty(); }

private:
    static constexpr std::uint32_t k_stride = 256;
    clock::time_point deadline_ = clock::time_point::max();
    std::uint32_t millis_ = 0;
    std::uint32_t calls_ = 0;
    bool expired_ = false;
    std::vector<limit_hit> hits_;
};

}  // namespace replyguard
