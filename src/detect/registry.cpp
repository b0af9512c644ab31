// SPDX-License-Identifier: Apache-2.0
// detect/registry.cpp - the explicit list of detectors, in run order
//
// DESCRIPTION
//   Adding a detector: write src/detect/<name>.cpp with a factory
//   `std::unique_ptr<detector> make_<name>()`, declare it below and add it to
//   the list. Composite detectors (stage() > 0) run after the others.
#include "attach/report.hpp"
#include "detect/detector.hpp"

#include <algorithm>

namespace replyguard::detect {

std::unique_ptr<detector> make_mime_anomalies();

std::vector<std::unique_ptr<detector>> make_detectors() {
    std::vector<std::unique_ptr<detector>> d;
    d.push_back(make_mime_anomalies());
    std::stable_sort(d.begin(), d.end(), [](const auto& a, const auto& b) { return a->stage() < b->stage(); });
    return d;
}

std::vector<symbol_info> all_symbols() {
    std::vector<symbol_info> out;
    for (const auto& d : make_detectors())
        for (const auto& s : d->symbols()) out.push_back(s);
    for (const auto& s : attach::symbols()) out.push_back(s);
    return out;
}

}  // namespace replyguard::detect
