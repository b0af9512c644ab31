// SPDX-License-Identifier: Apache-2.0
// score/score.hpp - findings to a score, a verdict and an action
//
// DESCRIPTION
//   The score is the sum of finding scores, each group's total capped by its
//   configured max_score (rspamd's groups). Negative findings (trust signals)
//   count too, but never below zero in total. The verdict follows the
//   configured thresholds: suspicious >= 5, malicious >= 10 by default.
#pragma once

#include "core/finding.hpp"

#include <string_view>
#include <vector>

namespace replyguard {
struct config;
}

namespace replyguard::score {

enum class verdict { clean, suspicious, malicious };

std::string_view verdict_name(verdict v) noexcept;

struct outcome {
    double score = 0.0;
    verdict v = verdict::clean;
};

outcome evaluate(const std::vector<finding>& findings, const config& cfg);

}  // namespace replyguard::score
