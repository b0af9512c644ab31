// SPDX-License-Identifier: Apache-2.0
// score/score.cpp - group caps and thresholds.
#include "score/score.hpp"

#include "core/config.hpp"

#include <cmath>
#include <map>
#include <string>

namespace replyguard::score {

std::string_view verdict_name(verdict v) noexcept {
    switch (v) {
    case verdict::clean: return "clean";
    case verdict::suspicious: return "suspicious";
    case verdict::malicious: return "malicious";
    }
    return "clean";
}

outcome evaluate(const std::vector<finding>& findings, const config& cfg) {
    std::map<std::string, double, std::less<>> groups;
    for (const auto& f : findings) groups[f.group] += f.score;
    double total = 0.0;
    for (auto& [g, sum] : groups) {
        auto cap = cfg.group_caps.find(g);
        if (cap != cfg.group_caps.end() && sum > cap->second) sum = cap->second;
        total += sum;
    }
    if (total < 0) total = 0;
    total = std::round(total * 100.0) / 100.0;
    outcome o;
    o.score = total;
    o.v = total >= cfg.malicious_threshold    ? verdict::malicious
          : total >= cfg.suspicious_threshold ? verdict::suspicious
                                              : verdict::clean;
    return o;
}

}  // namespace replyguard::score
