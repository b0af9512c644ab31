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
//   library). finding, symbol_info and finding_sink live in core/finding.hpp
//   (attach/ analysers emit findings too). Scores can be overridden in the
//   configuration: finding_sink::emit() applies the override, add() keeps the
//   score it is given (scan::engine applies overrides to analyser findings
//   before adding them). Groups can cap their total (score/score.hpp).
//
//   Detectors never throw on content and never do I/O: the engine gathers
//   what the history knows of the message once, before they run
//   (scan/gather.hpp), and they read that view (null: no history, or the
//   store failed - scan_result::history says which).
#pragma once

#include "core/finding.hpp"

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace replyguard::mime {
struct message;
}
namespace replyguard::attach {
struct attachment_report;
}
namespace replyguard::history {
struct view;
}

namespace replyguard {
struct config;
}

namespace replyguard::detect {

/// Everything a detector may read.
struct scan_context {
    const mime::message& msg;
    std::span<const attach::attachment_report> attachments;
    /// What the history knows of this message (history/view.hpp); null: no history available.
    const replyguard::history::view* history = nullptr;
    const config& cfg;
    /// is_list_mail(msg) and is_automated(msg), remembered by list_mail() and
    /// automated() (hijack_common.hpp): most detectors ask, one after another on
    /// the engine's thread.
    mutable std::optional<bool> list_mail_memo = std::nullopt, automated_memo = std::nullopt;
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

/// OUTBOUND_ACCOUNT_ABUSE, the symbol of the milter's outbound tracking
/// (milter/outbound.cpp emits it; it is declared here, below the milter, so that
/// all_symbols() lists it).
const symbol_info& outbound_symbol();

/// Every symbol any detector or analyser may emit (for docs, config validation, the dashboard).
std::vector<symbol_info> all_symbols();

}  // namespace replyguard::detect
