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

/// accept < quarantine < tempfail < reject: what on_incomplete may raise a verdict's action to.
int strength(disposition d) {
    switch (d) {
    case disposition::accept: return 0;
    case disposition::quarantine: return 1;
    case disposition::tempfail: return 2;
    case disposition::reject: return 3;
    }
    return 0;
}

/// The X-Replyguard-Incomplete value: the ids of the limits hit.
std::string incomplete_header(const std::vector<std::string>& ids) {
    std::string out;
    for (const auto& id : ids) {
        std::string item = ascii_only(id);
        for (char& ch : item)
            if (ch == ' ' || ch == ',') ch = '_';
        if (out.size() + item.size() + 2 > k_findings_header_max) {
            out += ", ...";
            break;
        }
        if (!out.empty()) out += ", ";
        out += item;
    }
    return out.empty() ? "ANALYSIS_LIMIT" : out;
}

constexpr std::string_view k_incomplete_tempfail =
    "Message could not be fully checked by the mail filter, try again later";

/// No result within [milter] timeout: the analysis could not finish, and nothing
/// it found is known. on_incomplete decides; `verdict` has no verdict to act on,
/// so the default action applies.
plan timed_out_plan(const milter_config& mc) {
    const std::string why = fmt::format("analysis took longer than {} s", mc.timeout);
    if (mc.on_incomplete == incomplete_action::verdict) {
        plan p = default_plan(mc, why);
        if (!p.reply) p.add_headers.emplace_back("X-Replyguard-Incomplete", "ANALYSIS_TIMEOUT");
        return p;
    }
    plan p;
    if (mc.on_incomplete == incomplete_action::tempfail) {
        p.notes.push_back({true, why + "; on_incomplete tempfail"});
        p.disp = disposition::tempfail;
        p.reply = smtp_reply{"451", "4.7.1", std::string(k_incomplete_tempfail)};
        return p;
    }
    p.notes.push_back({true, why + "; on_incomplete hold: quarantined unchecked"});
    p.disp = disposition::quarantine;
    p.remove_forged = true;
    p.add_headers.emplace_back("X-Replyguard-Verdict", "unchecked");
    p.add_headers.emplace_back("X-Replyguard-Incomplete", "ANALYSIS_TIMEOUT");
    p.quarantine_reason = "replyguard: analysis incomplete (ANALYSIS_TIMEOUT), unchecked";
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
    case analysis_state::timed_out: return timed_out_plan(mc);
    case analysis_state::store_failed: return default_plan(mc, "the history store failed during the analysis");
    case analysis_state::failed: return default_plan(mc, in.failure);
    case analysis_state::done: break;
    }

    plan p;
    verdict_actions act = mc.for_verdict(in.verdict);
    p.findings = in.findings;
    const std::optional<finding>& abuse = in.outbound.abuse;
    // Cut short by a limit: what was found stands (never weaker than the verdict's
    // action), on_incomplete may only raise it, and the headers say so.
    bool raised = false;
    if (in.incomplete) {
        const disposition floor = mc.on_incomplete == incomplete_action::hold       ? disposition::quarantine
                                  : mc.on_incomplete == incomplete_action::tempfail ? disposition::tempfail
                                                                                    : disposition::accept;
        raised = strength(floor) > strength(act.disp);
        if (raised) act.disp = floor;
        act.headers = true;
        p.notes.push_back(
            {true, fmt::format("analysis incomplete ({}); on_incomplete {}: {}", incomplete_header(in.limits_hit),
                               incomplete_action_name(mc.on_incomplete), disposition_name(act.disp))});
    }
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
        p.reply = smtp_reply{
            "451", "4.7.1",
            raised ? std::string(k_incomplete_tempfail) : std::string("Message deferred by the mail filter")};
        return p;
    }
    p.remove_forged = true;
    if (act.headers) {
        p.add_headers.emplace_back("X-Replyguard-Verdict", std::string(score::verdict_name(in.verdict)));
        p.add_headers.emplace_back("X-Replyguard-Score", score_header(in.score));
        p.add_headers.emplace_back("X-Replyguard-Findings", findings_header(p.findings));
    }
    if (abuse) p.add_headers.emplace_back("X-Replyguard-Outbound", ascii_only(abuse->detail));
    if (in.incomplete) p.add_headers.emplace_back("X-Replyguard-Incomplete", incomplete_header(in.limits_hit));
    p.tag_subject = act.subject;
    p.banner = act.banner;
    if (act.disp == disposition::quarantine) {
        p.quarantine_reason = fmt::format(
            "replyguard: {} ({})", abuse ? std::string_view("outbound account abuse") : score::verdict_name(in.verdict),
            score_header(in.score));
        if (raised && !abuse)
            p.quarantine_reason =
                fmt::format("replyguard: analysis incomplete ({}), {} so far ({})", incomplete_header(in.limits_hit),
                            score::verdict_name(in.verdict), score_header(in.score));
        return p;
    }
    // Only clean mail that is delivered and fully analysed teaches the history; an
    // abused account's mail never does, whatever its verdict.
    p.learn = mc.learn && in.verdict == score::verdict::clean && !abuse && !in.incomplete;
    return p;
}

std::string summary_line(const plan_input& in, const plan& p, std::string_view account) {
    std::string s = fmt::format("verdict={} score={:.2f} action={} findings={}", score::verdict_name(in.verdict),
                                in.score, disposition_name(p.disp), findings_header(p.findings));
    if (in.incomplete) {
        std::string ids = incomplete_header(in.limits_hit);
        std::erase(ids, ' ');
        s += " incomplete=" + ids;
    }
    if (!account.empty()) s += " auth=" + ascii_only(account);
    return s;
}

}  // namespace replyguard::milter
