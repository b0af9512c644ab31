// SPDX-License-Identifier: Apache-2.0
// milter/plan.hpp - what the milter does with one message, decided without libmilter
//
// DESCRIPTION
//   make_plan() takes what became of a message's analysis (done, too large,
//   timed out, failed, the store failed), the verdict with its findings, and
//   the outcome of the outbound-abuse check, and decides everything the
//   libmilter glue (apps/cli/milter_session.cpp) then carries out, in order:
//     - the default action ([milter] default_action) for what could not be
//       checked: an analysis error, a store failure, and an outbound check
//       that failed on mail the verdict would accept when the default is
//       tempfail;
//     - the action for an incomplete analysis ([milter] on_incomplete) when a
//       limit cut the analysis short (plan_input::incomplete) or no result came
//       within [milter] timeout (timed_out): hold (quarantine, the default) or
//       tempfail, each never weaker than the verdict's own action (order:
//       accept < quarantine < tempfail < reject; a malicious result that was
//       cut short still rejects); or `verdict`, the verdict's action on what
//       was found before the limit (a timeout, with nothing found, then gets
//       the default action). Headers are on (the verdict stays the verdict;
//       X-Replyguard-Incomplete names the limits) and the message never
//       teaches the history;
//     - a message over max_message_size: accepted "unchecked", even with
//       default_action = tempfail (a limit, not a failure: a tempfail would
//       defer it forever);
//     - the verdict's configured actions ([milter.actions]);
//     - an outbound-abuse finding overriding them: headers on, and held
//       (quarantine) when [milter.outbound] response says so, even when the
//       verdict says reject (nothing leaves either way; the held copy is the
//       incident's evidence);
//     - the SMTP reply for reject and tempfail, the headers to add, the
//       quarantine reason, whether the message teaches the history, and the
//       log lines.
//   The subject tag and the banner are computed by the glue from the parsed
//   message (prefix_subject, insert_banner) when the plan asks for them.
// LIMITS
//   Pure: no I/O, no clock, no store. What a caller measured (time, store
//   failures) comes in as plan_input.
#pragma once

#include "detect/detector.hpp"
#include "milter/policy.hpp"
#include "score/score.hpp"

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace replyguard::milter {

/// What became of the analysis, as the glue saw it.
enum class analysis_state {
    done,          ///< scan_result available, no error
    too_large,     ///< over max_message_size: not analysed
    timed_out,     ///< no result within [milter] timeout
    failed,        ///< an analysis error or an internal one (plan_input::failure says which)
    store_failed,  ///< the history store failed during the analysis
};

/// The outbound-abuse check of an authenticated submission.
struct outbound_outcome {
    std::optional<finding> abuse;  ///< OUTBOUND_ACCOUNT_ABUSE, when flagged
    std::string failure;           ///< "" : checked (or nothing to check)
};

struct plan_input {
    analysis_state state = analysis_state::done;
    std::string failure;  ///< failed: why, as logged ("analysis failed: ...", "internal error: ...")
    score::verdict verdict = score::verdict::clean;
    double score = 0;
    std::vector<finding> findings;
    outbound_outcome outbound;
    /// done: a limit cut the analysis short (scan_result::incomplete); the
    /// verdict is what was found before it.
    bool incomplete = false;
    /// The ids of the limits hit (scan_result::limits_hit: ANALYSIS_TIMEOUT, ANALYSIS_LIMIT, ...).
    std::vector<std::string> limits_hit;
};

struct smtp_reply {
    std::string code, xcode, text;  ///< "550", "5.7.1", text (ASCII, no '%')
};

struct log_note {
    bool warning = false;  ///< LOG_WARNING rather than LOG_INFO
    std::string text;
};

struct plan {
    disposition disp = disposition::accept;
    /// The default action was applied (the analysis could not decide).
    bool defaulted = false;
    /// Set for reject and tempfail.
    std::optional<smtp_reply> reply;
    /// Remove the copies of our own headers that arrived with the message.
    bool remove_forged = false;
    /// Header fields to add, in order (name, value); values are ASCII.
    std::vector<std::pair<std::string, std::string>> add_headers;
    bool tag_subject = false;       ///< prefix the Subject ([milter] subject_prefix)
    bool banner = false;            ///< insert the warning banner in the body
    std::string quarantine_reason;  ///< set when disp == quarantine
    bool learn = false;             ///< the message may teach the history (the glue checks the store is writable)
    /// The findings the verdict line and the findings header show (with the abuse finding).
    std::vector<finding> findings;
    /// Log lines to write before the per-message summary.
    std::vector<log_note> notes;
};

/// The decision for one message under `mc`.
plan make_plan(const milter_config& mc, const plan_input& in);

/// Printable ASCII only (others become '?'): for header values and log lines
/// built from text that came with the mail.
std::string ascii_only(std::string_view s);

/// The per-message log line: "verdict=... score=... action=... findings=..."
/// (and " incomplete=ID,ID" when a limit cut the analysis short, " auth=ACCOUNT"
/// for an authenticated submission).
std::string summary_line(const plan_input& in, const plan& p, std::string_view account);

}  // namespace replyguard::milter
