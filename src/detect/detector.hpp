// SPDX-License-Identifier: Apache-2.0
// detect/detector.hpp - the detector interface and what a finding is
//
// DESCRIPTION
//   A detector reads the scan context (message model, attachment reports,
//   what the history says of this message) and emits findings. Each detector lives in its own file under
//   src/detect/ and declares, up front, every symbol it may emit: a stable
//   UPPER_SNAKE id, a group, a default score and a one-line description in
//   English and Japanese. Detectors are listed explicitly in registry.cpp
//   (no self-registering statics: the linker may drop them from a static
//   library). Scores can be overridden in the configuration; groups can cap
//   their total (score/score.hpp).
//
//   Detectors never throw on content and never do I/O: the engine gathers
//   what the history knows of the message once, before they run
//   (scan/gather.hpp), and they read that view (null: no history, or the
//   store failed - scan_result::history says which).
#pragma once

#include <nlohmann/json.hpp>

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace replyguard::mime { struct message; }
namespace replyguard::attach { struct attachment_report; }
namespace replyguard::history { struct view; }

namespace replyguard {
struct config;
}

namespace replyguard::detect {

/// What a detector may emit, declared up front.
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
    std::string detail;        ///< one readable line
    nlohmann::json evidence;   ///< structured evidence (object, may be null)
};

/// Everything a detector may read.
struct scan_context {
    const mime::message& msg;
    std::span<const attach::attachment_report> attachments;
    /// What the history knows of this message (history/view.hpp); null: no history available.
    const replyguard::history::view* history = nullptr;
    const config& cfg;
};

/// Collects findings; applies configured score overrides.
class finding_sink {
public:
    explicit finding_sink(const config& cfg) : cfg_(cfg) {}
    void emit(const symbol_info& sym, std::string detail, nlohmann::json evidence = nullptr);
    /// Add a finding produced elsewhere (e.g. an attachment analyser).
    void add(finding f) { findings_.push_back(std::move(f)); }
    const std::vector<finding>& findings() const { return findings_; }
    std::vector<finding> take() { return std::move(findings_); }
    bool has(std::string_view id) const;
    bool has_group(std::string_view group) const;

private:
    const config& cfg_;
    std::vector<finding> findings_;
};

class detector {
public:
    virtual ~detector() = default;
    virtual std::string_view name() const = 0;
    virtual std::span<const symbol_info> symbols() const = 0;
    /// Runs after all detectors of an earlier stage. Composite detectors run last.
    virtual int stage() const { return 0; }
    virtual void run(const scan_context& ctx, finding_sink& out) const = 0;
};

/// Every detector, in run order (registry.cpp).
std::vector<std::unique_ptr<detector>> make_detectors();

/// Every symbol any detector or analyser may emit (for docs, config validation, the dashboard).
std::vector<symbol_info> all_symbols();

}  // namespace replyguard::detect
