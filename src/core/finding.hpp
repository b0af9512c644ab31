// SPDX-License-Identifier: Apache-2.0
// core/finding.hpp - what a finding is, what a symbol declares, and the sink
//
// DESCRIPTION
//   Every module that reports something about a message (attachment analysers
//   in attach/, detectors in detect/, the milter's outbound tracking) speaks in
//   findings: a stable UPPER_SNAKE id, a group, a score, a readable line and
//   structured evidence. Each id is declared up front as a symbol_info (id,
//   group, default score, en+ja description) by the module that emits it; the
//   id itself is a named constant in that module's header, so another module
//   that tests for it names the constant, not a string.
//
//   These types live in core/ (below attach/ and detect/) so that analysers and
//   detectors can share them without depending on each other.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace replyguard {

struct config;

/// What a detector or analyser may emit, declared up front.
struct symbol_info {
    std::string_view id;              ///< stable UPPER_SNAKE id
    std::string_view group;           ///< e.g. "hijack", "payload", "mime", "auth"
    double score = 0.0;               ///< default score (config may override)
    std::string_view description_en;  ///< one line, English
    std::string_view description_ja;  ///< one line, Japanese
};

/// One emitted finding. `evidence` holds what a person can check (which thread,
/// which past addresses, which quoted message, which macro keyword...).
struct finding {
    std::string id;
    std::string group;
    double score = 0.0;
    std::string detail;       ///< one readable line
    nlohmann::json evidence;  ///< structured evidence (object, may be null)
};

/// Collects the findings of one message.
class finding_sink {
public:
    explicit finding_sink(const config& cfg) : cfg_(cfg) {}
    /// Emit a declared symbol: the configured score override (config::score_for)
    /// replaces the symbol's default; a second emit of the same id is ignored.
    void emit(const symbol_info& sym, std::string detail, nlohmann::json evidence = nullptr);
    /// Add a finding produced elsewhere (e.g. an attachment analyser) as it is:
    /// no override is applied here, the caller has already applied it
    /// (scan::engine does for analyser findings).
    void add(finding f) { findings_.push_back(std::move(f)); }
    const std::vector<finding>& findings() const { return findings_; }
    std::vector<finding> take() { return std::move(findings_); }
    bool has(std::string_view id) const;
    bool has_group(std::string_view group) const;

private:
    const config& cfg_;
    std::vector<finding> findings_;
};

}  // namespace replyguard
