// SPDX-License-Identifier: Apache-2.0
// scan/engine.hpp - one message in, a verdict with its evidence out
//
// DESCRIPTION
//   The one analysis path shared by every front-end (scan, milter, serve):
//   parse (mime/parser.hpp) -> attachment analysis (attach/report.hpp) ->
//   the history gathered once (scan/gather.hpp) when there is a store ->
//   detectors (detect/registry.cpp) reading it -> score (score/score.hpp). The engine does no I/O policy: a front-end decides
//   what a failure means. It never throws on content; an internal failure of one
//   message is returned as scan_result::error. A history store failure is not
//   an error of the message: the detectors run as without a history and
//   scan_result::history says `unavailable` with the store's error.
#pragma once

#include "attach/report.hpp"
#include "core/budget.hpp"
#include "core/config.hpp"
#include "detect/detector.hpp"
#include "history/domain_index.hpp"
#include "history/view.hpp"
#include "mime/message.hpp"
#include "score/score.hpp"

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace replyguard::store {
class history;
}
namespace replyguard::attach {
struct ioc_set;
}

namespace replyguard::scan {

struct scan_result {
    std::string source;                ///< where the message came from (CLI contract)
    std::optional<std::string> error;  ///< why it could not be read/analysed; null when fine
    mime::message msg;
    std::vector<attach::attachment_report> attachments;
    std::vector<finding> findings;
    score::outcome outcome;
    /// Passwords this message offers to others of its thread (PPAP follow-ups).
    std::vector<std::string> offered_passwords;
    /// When attachments were re-analysed with a password from another message.
    nlohmann::json pairing;
    /// Messages attached to this one (message/rfc822, .msg, TNEF), each analysed
    /// as the message it is (scan/attached.cpp); source "OUTER>PART".
    std::vector<scan_result> attached;
    /// For a nested result: how it was attached ("rfc822", "msg", "tnef") and the attachment's index.
    std::string attached_kind;
    std::size_t attached_index = 0;
    /// What the history said of this message, gathered once (status none: no
    /// store; unavailable: the store failed, with its error, and the findings
    /// are those of a scan without history).
    replyguard::history::view history;
    /// A limit (time, bytes, memory, header size...) stopped part of the analysis:
    /// the findings are what was found before it, never fewer. Front-ends apply
    /// their action for an incomplete analysis (the milter's, e.g.) on this flag;
    /// `limits_hit` says which limits (core/budget.hpp).
    bool incomplete = false;
    std::vector<limit_hit> limits_hit;
    /// The message's bytes, left empty by the engine: a front-end that keeps
    /// detections sets it for campaign::make_detection (scan --keep-detections).
    std::string raw;
};

struct scan_options {
    /// Passwords from other messages of the same thread (PPAP).
    std::vector<std::string> extra_passwords;
    /// Nesting level of attached messages (0: the message itself).
    int depth = 0;
    /// Attached messages still allowed in this message's whole tree (scan/attached.cpp);
    /// null at the top, where the budget starts.
    std::size_t* attached_budget = nullptr;
};

class engine {
public:
    /// `history` may be null (no history); it must outlive the engine.
    explicit engine(config cfg, store::history* history = nullptr);
    ~engine();

    scan_result scan(std::string_view bytes, std::string source, const scan_options& opt = {}) const;

    /// Re-run attachment analysis and detectors of an already parsed message
    /// with more passwords (PPAP: the password arrived in another mail).
    void rescan_with_passwords(scan_result& r, const std::vector<std::string>& passwords) const;

    const config& cfg() const { return cfg_; }

    /// IOC lists and YARA rules to match (attach/ioc.hpp); null: none.
    void set_iocs(std::shared_ptr<const attach::ioc_set> iocs) { iocs_ = std::move(iocs); }

    /// Load the IOC lists and YARA rules the configuration names ([ioc]) and
    /// match them from now on; nothing to do when it names none. An unreadable
    /// list or a rule that does not compile is an error (nothing is loaded).
    result<void> load_configured_iocs();

private:
    void analyse(scan_result& r, const scan_options& opt, budget& bud) const;
    /// Analyse the messages attached to r.msg into r.attached; their verdicts
    /// raise r's through ATTACHED_MESSAGE_* findings (scan/attached.cpp).
    void scan_attached(scan_result& r, const scan_options& opt, finding_sink& sink, budget& bud) const;

    config cfg_;
    store::history* history_;
    /// The history's domains for the lookalike check, built once and shared by the threads.
    std::unique_ptr<history::domain_index_cache> domains_;
    std::shared_ptr<const attach::ioc_set> iocs_;
    std::vector<std::unique_ptr<detect::detector>> detectors_;
};

}  // namespace replyguard::scan
