// SPDX-License-Identifier: Apache-2.0
// core/finding.cpp - the finding sink: collects findings, applying configured scores in emit().
#include "core/finding.hpp"
#include "core/config.hpp"

namespace replyguard {

void finding_sink::emit(const symbol_info& sym, std::string detail, nlohmann::json evidence) {
    for (const auto& f : findings_)
        if (f.id == sym.id) return;  // one finding per symbol and message: the first has the evidence
    finding f;
    f.id = std::string(sym.id);
    f.group = std::string(sym.group);
    f.score = cfg_.score_for(sym.id, sym.score);
    f.detail = std::move(detail);
    f.evidence = std::move(evidence);
    findings_.push_back(std::move(f));
}

bool finding_sink::has(std::string_view id) const {
    for (const auto& f : findings_)
        if (f.id == id) return true;
    return false;
}

bool finding_sink::has_group(std::string_view group) const {
    for (const auto& f : findings_)
        if (f.group == group) return true;
    return false;
}

}  // namespace replyguard
