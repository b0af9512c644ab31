// SPDX-License-Identifier: Apache-2.0
// apps/cli/findings_cmd.cpp - `replyguard findings`: every finding id with its group, score and meaning
//
// DESCRIPTION
//   Lists what detectors and attachment analysers may emit (their declared
//   symbols), with the score in force (the configuration may override it), as
//   a Markdown table (docs/findings.md is this output) or JSON lines.
#include "cli/commands.hpp"

#include "core/config.hpp"
#include "detect/detector.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <iostream>
#include <set>

namespace replyguard::cli {

int run_findings(const findings_args& a) {
    config cfg;
    if (!a.config.empty()) {
        auto c = load_config(a.config);
        if (!c) {
            std::cerr << "replyguard findings: " << c.error().message << "\n";
            return 2;
        }
        cfg = std::move(*c);
    }
    auto syms = detect::all_symbols();
    std::stable_sort(syms.begin(), syms.end(), [](const auto& x, const auto& y) {
        return x.group != y.group ? x.group < y.group : x.id < y.id;
    });
    std::set<std::string_view> seen;
    if (a.format == "json") {
        for (const auto& s : syms) {
            if (!seen.insert(s.id).second) continue;
            nlohmann::json j{{"id", s.id}, {"group", s.group}, {"score", cfg.score_for(s.id, s.score)},
                             {"default_score", s.score}, {"en", s.description_en}, {"ja", s.description_ja}};
            std::cout << j.dump() << "\n";
        }
        return 0;
    }
    std::cout << "# Findings\n\nEvery finding replyguard may report (`replyguard findings` prints this table).\n"
                 "Scores are defaults; `[scores]` in the configuration overrides them.\n\n"
                 "| id | group | score | description | 説明 |\n|---|---|---|---|---|\n";
    for (const auto& s : syms) {
        if (!seen.insert(s.id).second) continue;
        std::cout << "| `" << s.id << "` | " << s.group << " | " << cfg.score_for(s.id, s.score) << " | "
                  << s.description_en << " | " << s.description_ja << " |\n";
    }
    return 0;
}

}  // namespace replyguard::cli
