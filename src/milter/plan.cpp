// SPDX-License-Identifier: Apache-2.0
// milter/plan.cpp - verdict, analysis state and outbound check -> the milter's plan.
#include "milter/plan.hpp"

#include <fmt/format.h>

namespace replyguard::milter {

namespace {

/// The configured default action, for a message that could not be checked.
plan default_plan(const milter_config& mc, std::string_view why) {
    plan p;
    p.defaulted = true;
    p.notes.push_back({true, fmt::format("{}; default action {}", why, disposition_name(mc.default_action))});
    if (mc.default_action == disposition::tempfail) {
        p.disp = disposition::tempfail;
        p.reply = smtp_reply{"451", "4.7.1", "Temporary failure in the mail filter, try again later"};
        return p;
    }
    p.remove_forged = true;
    p.add_headers.emplace_back("X-Replyguard-Verdict", "unchecked");
    return p;
}

}  // namespace

std::string ascii_only(std::string_view s) {
    std::string o;
    o.reserve(s.size());
    for (char c : s) o += (static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7f) ? c : '?';
    return o;
}

plan make_plan(const milter_config& mc, const plan_input& in) {
    switch (in.state) {
        case analysis_state::too_large: {
            plan p;
            p.notes.push_back({false, fmt::format("message larger than {} bytes, not analysed; accepted unchecked",
                                                  mc.max_message_size)});
            p.remove_forged = true;
            p.add_headers.emplace_back("X-Replyguard-Verdict", "unchecked");
            return p;
        }
        case analysis_state::timed_out:
            return default_plan(mc, fmt::format("analysis took longer than {} s", mc.timeout));
        case analysis_state::store_failed:
            return default_plan(mc, "the history store failed during the analysis");
        case analysis_state::failed: return default_plan(mc, in.failure);
        case analysis_state::done: break;
    }

    plan p;
    verdict_actions act = mc.for_verdict(in.verdict);
    p.findings = in.findings;
    const std::optional<finding>& abuse = in.outbound.abuse;
    if (!in.outbound.failure.empty()) {
        // The verdict is known; a failed outbound check only loses that check. The
        // verdict's own reject or hold stands; mail it would accept gets the default
        // action when that is tempfail (what could not be checked waits).
        if (mc.default_action == disposition::tempfail && act.disp == disposition::accept)
            return default_plan(mc, in.outbound.failure);
        p.notes.push_back({true, in.outbound.failure + "; outbound check skipped, the verdict's action stands"});
    } else if (abuse) {
        p.notes.push_back({true, "OUTBOUND_ACCOUNT_ABUSE: " + abuse->detail});
        p.findings.push_back(*abuse);
        act.headers = true;
        if (mc.outbound.response == disposition::quarantine) act.disp = disposition::quarantine;
    }
    p.disp = act.disp;
    if (act.disp == disposition::reject) {
        p.reply = smtp_reply{"550", "5.7.1", mc.reject_reason};
        return p;
    }
    if (act.disp == disposition::tempfail) {
        p.reply = smtp_reply{"451", "4.7.1", "Message deferred by the mail filter"};
        return p;
    }
    p.remove_forged = true;
    if (act.headers) {
        p.add_headers.emplace_back("X-Replyguard-Verdict", std::string(score::verdict_name(in.verdict)));
        p.add_headers.emplace_back("X-Replyguard-Score", score_header(in.score));
        p.add_headers.emplace_back("X-Replyguard-Findings", findings_header(p.findings));
    }
    if (abuse) p.add_headers.emplace_back("X-Replyguard-Outbound", ascii_only(abuse->detail));
    p.tag_subject = act.subject;
    p.banner = act.banner;
    if (act.disp == disposition::quarantine) {
        p.quarantine_reason = fmt::format("replyguard: {} ({})",
                                          abuse ? std::string_view("outbound account abuse") : score::verdict_name(in.verdict),
                                          score_header(in.score));
        return p;
    }
    // Only clean mail that is delivered teaches the history; an abused account's
    // mail never does, whatever its verdict.
    p.learn = mc.learn && in.verdict == score::verdict::clean && !abuse;
    return p;
}

std::string summary_line(const plan_input& in, const plan& p, std::string_view account) {
    std::string s = fmt::format("verdict={} score={:.2f} action={} findings={}", score::verdict_name(in.verdict),
                                in.score, disposition_name(p.disp), findings_header(p.findings));
    if (!account.empty()) s += " auth=" + ascii_only(account);
    return s;
}

}  // namespace replyguard::milter
