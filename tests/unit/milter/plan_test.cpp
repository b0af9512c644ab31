// SPDX-License-Identifier: Apache-2.0
// Tests of milter/plan.hpp: every decision the milter takes at the end of a message.
#include "milter/plan.hpp"

#include <gtest/gtest.h>

#include <algorithm>

using namespace replyguard;
using namespace replyguard::milter;

namespace {

std::string header(const plan& p, std::string_view name) {
    for (const auto& [n, v] : p.add_headers)
        if (n == name) return v;
    return "(absent)";
}

plan_input done(score::verdict v, double score, std::vector<finding> f = {}) {
    plan_input in;
    in.verdict = v;
    in.score = score;
    in.findings = std::move(f);
    return in;
}

finding abuse_finding() {
    return {.id = "OUTBOUND_ACCOUNT_ABUSE",
            .group = "composite",
            .score = 0.0,
            .detail = "account sato: 5 reply-like mails with a payload to unknown recipients",
            .evidence = {}};
}

bool any_note(const plan& p, std::string_view text, bool warning) {
    return std::any_of(p.notes.begin(), p.notes.end(), [&](const log_note& n) {
        return n.warning == warning && n.text.find(text) != std::string::npos;
    });
}

}  // namespace

TEST(MilterPlan, CleanMailIsTaggedAcceptedAndLearnt) {
    milter_config mc;
    plan p = make_plan(mc, done(score::verdict::clean, 0.5));
    EXPECT_EQ(p.disp, disposition::accept);
    EXPECT_FALSE(p.reply);
    EXPECT_FALSE(p.defaulted);
    EXPECT_TRUE(p.remove_forged);
    EXPECT_EQ(header(p, "X-Replyguard-Verdict"), "clean");
    EXPECT_EQ(header(p, "X-Replyguard-Score"), "0.50");
    EXPECT_EQ(header(p, "X-Replyguard-Findings"), "none");
    EXPECT_FALSE(p.tag_subject);
    EXPECT_FALSE(p.banner);
    EXPECT_TRUE(p.learn);
    mc.learn = false;
    EXPECT_FALSE(make_plan(mc, done(score::verdict::clean, 0.5)).learn);
}

TEST(MilterPlan, VerdictActionsFollowTheConfiguration) {
    milter_config mc;
    finding f{.id = "HIJACK_QUOTE_MISMATCH", .group = "hijack", .score = 6.0, .detail = "x", .evidence = {}};
    plan s = make_plan(mc, done(score::verdict::suspicious, 6.0, {f}));
    EXPECT_EQ(s.disp, disposition::accept);
    EXPECT_TRUE(s.tag_subject);
    EXPECT_TRUE(s.banner);
    EXPECT_FALSE(s.learn);  // only clean mail teaches the history
    EXPECT_EQ(header(s, "X-Replyguard-Findings"), "HIJACK_QUOTE_MISMATCH=6.00");

    plan m = make_plan(mc, done(score::verdict::malicious, 14.0, {f}));
    EXPECT_EQ(m.disp, disposition::reject);
    ASSERT_TRUE(m.reply);
    EXPECT_EQ(m.reply->code, "550");
    EXPECT_EQ(m.reply->xcode, "5.7.1");
    EXPECT_EQ(m.reply->text, mc.reject_reason);
    EXPECT_TRUE(m.add_headers.empty());  // a rejected message is not rewritten

    mc.malicious = {.headers = true, .disp = disposition::quarantine};
    plan q = make_plan(mc, done(score::verdict::malicious, 14.0, {f}));
    EXPECT_EQ(q.disp, disposition::quarantine);
    EXPECT_FALSE(q.reply);
    EXPECT_EQ(q.quarantine_reason, "replyguard: malicious (14.00)");
    EXPECT_FALSE(q.learn);

    mc.suspicious = {.headers = false, .disp = disposition::tempfail};
    plan t = make_plan(mc, done(score::verdict::suspicious, 6.0));
    ASSERT_TRUE(t.reply);
    EXPECT_EQ(t.reply->code, "451");
    EXPECT_EQ(t.disp, disposition::tempfail);

    mc.clean = {.headers = false};
    plan c = make_plan(mc, done(score::verdict::clean, 0.0));
    EXPECT_TRUE(c.add_headers.empty());
    EXPECT_TRUE(c.remove_forged);  // forged copies go even when we add none
}

TEST(MilterPlan, WhatCouldNotBeCheckedGetsTheDefaultAction) {
    milter_config mc;                               // default_action = accept
    mc.on_incomplete = incomplete_action::verdict;  // a timeout, with no verdict, then gets the default action
    for (auto st : {analysis_state::timed_out, analysis_state::store_failed, analysis_state::failed}) {
        plan_input in;
        in.state = st;
        in.failure = "analysis failed: boom";
        plan p = make_plan(mc, in);
        EXPECT_TRUE(p.defaulted);
        EXPECT_EQ(p.disp, disposition::accept);
        EXPECT_EQ(header(p, "X-Replyguard-Verdict"), "unchecked");
        EXPECT_TRUE(p.remove_forged);
        EXPECT_FALSE(p.learn);
        EXPECT_TRUE(any_note(p, "default action accept", true));
    }
    plan_input timeout;
    timeout.state = analysis_state::timed_out;
    EXPECT_TRUE(any_note(make_plan(mc, timeout), "analysis took longer than 20 s", true));
    plan_input store;
    store.state = analysis_state::store_failed;
    EXPECT_TRUE(any_note(make_plan(mc, store), "the history store failed during the analysis", true));

    EXPECT_EQ(header(make_plan(mc, timeout), "X-Replyguard-Incomplete"), "ANALYSIS_TIMEOUT");
    EXPECT_EQ(header(make_plan(mc, store), "X-Replyguard-Incomplete"), "(absent)");

    mc.default_action = disposition::tempfail;
    plan t = make_plan(mc, timeout);
    EXPECT_EQ(t.disp, disposition::tempfail);
    ASSERT_TRUE(t.reply);
    EXPECT_EQ(t.reply->code, "451");
    EXPECT_EQ(t.reply->xcode, "4.7.1");
    EXPECT_TRUE(t.add_headers.empty());
}

TEST(MilterPlan, TimeoutIsHeldByDefaultNeverAcceptedSilently) {
    milter_config mc;  // on_incomplete = hold, default_action = accept
    plan_input timeout;
    timeout.state = analysis_state::timed_out;
    plan h = make_plan(mc, timeout);
    EXPECT_EQ(h.disp, disposition::quarantine);
    EXPECT_FALSE(h.reply);
    EXPECT_FALSE(h.learn);
    EXPECT_TRUE(h.remove_forged);
    EXPECT_EQ(header(h, "X-Replyguard-Verdict"), "unchecked");
    EXPECT_EQ(header(h, "X-Replyguard-Incomplete"), "ANALYSIS_TIMEOUT");
    EXPECT_EQ(h.quarantine_reason, "replyguard: analysis incomplete (ANALYSIS_TIMEOUT), unchecked");
    EXPECT_TRUE(any_note(h, "analysis took longer than 20 s; on_incomplete hold", true));

    mc.on_incomplete = incomplete_action::tempfail;
    plan t = make_plan(mc, timeout);
    EXPECT_EQ(t.disp, disposition::tempfail);
    ASSERT_TRUE(t.reply);
    EXPECT_EQ(t.reply->code, "451");
    EXPECT_EQ(t.reply->xcode, "4.7.1");
    EXPECT_TRUE(any_note(t, "on_incomplete tempfail", true));
}

TEST(MilterPlan, IncompleteAnalysisIsHeldTempfailedOrActedOn) {
    finding f{.id = "OFFICE_EXTERNAL_TEMPLATE", .group = "payload", .score = 2.0, .detail = "x", .evidence = {}};
    auto cut = [&](score::verdict v, double score) {
        plan_input in = done(v, score, {f});
        in.incomplete = true;
        in.limits_hit = {"ANALYSIS_TIMEOUT", "ANALYSIS_LIMIT"};
        return in;
    };
    milter_config mc;          // on_incomplete = hold
    mc.clean.headers = false;  // headers are forced on for what was cut short

    // hold: a clean-so-far result is quarantined, and the headers say why.
    plan h = make_plan(mc, cut(score::verdict::clean, 2.0));
    EXPECT_EQ(h.disp, disposition::quarantine);
    EXPECT_FALSE(h.reply);
    EXPECT_FALSE(h.learn);                                  // what was not fully read never teaches the history
    EXPECT_EQ(header(h, "X-Replyguard-Verdict"), "clean");  // the verdict stays the verdict
    EXPECT_EQ(header(h, "X-Replyguard-Score"), "2.00");
    EXPECT_EQ(header(h, "X-Replyguard-Incomplete"), "ANALYSIS_TIMEOUT, ANALYSIS_LIMIT");
    EXPECT_EQ(h.quarantine_reason,
              "replyguard: analysis incomplete (ANALYSIS_TIMEOUT, ANALYSIS_LIMIT), clean so far (2.00)");
    EXPECT_TRUE(
        any_note(h, "analysis incomplete (ANALYSIS_TIMEOUT, ANALYSIS_LIMIT); on_incomplete hold: quarantine", true));
    // suspicious: held, with the verdict's own subject tag and banner.
    plan hs = make_plan(mc, cut(score::verdict::suspicious, 6.0));
    EXPECT_EQ(hs.disp, disposition::quarantine);
    EXPECT_TRUE(hs.tag_subject);
    EXPECT_TRUE(hs.banner);
    // Never weaker than the verdict: malicious still rejects.
    plan hm = make_plan(mc, cut(score::verdict::malicious, 15.0));
    EXPECT_EQ(hm.disp, disposition::reject);
    ASSERT_TRUE(hm.reply);
    EXPECT_EQ(hm.reply->code, "550");

    // tempfail: 451 for what the verdict would accept or hold; reject stays reject.
    mc.on_incomplete = incomplete_action::tempfail;
    for (auto v : {score::verdict::clean, score::verdict::suspicious}) {
        plan t = make_plan(mc, cut(v, 1.0));
        EXPECT_EQ(t.disp, disposition::tempfail);
        ASSERT_TRUE(t.reply);
        EXPECT_EQ(t.reply->code, "451");
        EXPECT_EQ(t.reply->text, "Message could not be fully checked by the mail filter, try again later");
    }
    mc.suspicious.disp = disposition::quarantine;
    EXPECT_EQ(make_plan(mc, cut(score::verdict::suspicious, 6.0)).disp, disposition::tempfail);
    EXPECT_EQ(make_plan(mc, cut(score::verdict::malicious, 15.0)).disp, disposition::reject);
    mc.on_incomplete = incomplete_action::hold;
    mc.suspicious.disp = disposition::tempfail;  // a stronger verdict action stands under hold
    EXPECT_EQ(make_plan(mc, cut(score::verdict::suspicious, 6.0)).disp, disposition::tempfail);

    // verdict: act on what was found so far, headers still say it was cut short.
    mc = milter_config{};
    mc.on_incomplete = incomplete_action::verdict;
    plan a = make_plan(mc, cut(score::verdict::clean, 2.0));
    EXPECT_EQ(a.disp, disposition::accept);
    EXPECT_FALSE(a.learn);
    EXPECT_EQ(header(a, "X-Replyguard-Incomplete"), "ANALYSIS_TIMEOUT, ANALYSIS_LIMIT");
    EXPECT_EQ(make_plan(mc, cut(score::verdict::malicious, 15.0)).disp, disposition::reject);

    // A complete analysis is not touched by on_incomplete.
    mc.on_incomplete = incomplete_action::tempfail;
    plan full = make_plan(mc, done(score::verdict::clean, 0.0));
    EXPECT_EQ(full.disp, disposition::accept);
    EXPECT_EQ(header(full, "X-Replyguard-Incomplete"), "(absent)");
    EXPECT_TRUE(full.learn);
}

TEST(MilterPlan, IncompleteOutboundAbuseIsStillHeldAsEvidence) {
    milter_config mc;
    mc.on_incomplete = incomplete_action::tempfail;
    plan_input in = done(score::verdict::clean, 0.0);
    in.incomplete = true;
    in.limits_hit = {"ANALYSIS_TIMEOUT"};
    in.outbound.abuse = abuse_finding();
    plan p = make_plan(mc, in);
    EXPECT_EQ(p.disp, disposition::quarantine);
    EXPECT_EQ(p.quarantine_reason, "replyguard: outbound account abuse (0.00)");
    EXPECT_EQ(header(p, "X-Replyguard-Incomplete"), "ANALYSIS_TIMEOUT");
}

TEST(MilterPlan, OversizedMessageIsAcceptedUncheckedEvenWithTempfail) {
    milter_config mc;
    mc.default_action = disposition::tempfail;
    mc.max_message_size = 2000;
    plan_input in;
    in.state = analysis_state::too_large;
    plan p = make_plan(mc, in);
    EXPECT_EQ(p.disp, disposition::accept);
    EXPECT_FALSE(p.reply);
    EXPECT_FALSE(p.defaulted);
    EXPECT_EQ(header(p, "X-Replyguard-Verdict"), "unchecked");
    EXPECT_TRUE(any_note(p, "message larger than 2000 bytes, not analysed; accepted unchecked", false));
}

TEST(MilterPlan, OutboundAbuseOverridesTheVerdict) {
    milter_config mc;  // outbound.response = quarantine
    plan_input in = done(score::verdict::clean, 0.0);
    in.outbound.abuse = abuse_finding();
    plan p = make_plan(mc, in);
    EXPECT_EQ(p.disp, disposition::quarantine);
    EXPECT_EQ(p.quarantine_reason, "replyguard: outbound account abuse (0.00)");
    EXPECT_FALSE(p.learn);  // an abused account's mail never teaches the history
    EXPECT_NE(header(p, "X-Replyguard-Outbound").find("account sato"), std::string::npos);
    EXPECT_NE(header(p, "X-Replyguard-Findings").find("OUTBOUND_ACCOUNT_ABUSE"), std::string::npos);
    EXPECT_TRUE(any_note(p, "OUTBOUND_ACCOUNT_ABUSE: account sato", true));

    // Held, not rejected, even when the verdict says reject: the held copy is the evidence.
    plan m = make_plan(mc, [&] {
        plan_input x = done(score::verdict::malicious, 12.0);
        x.outbound.abuse = abuse_finding();
        return x;
    }());
    EXPECT_EQ(m.disp, disposition::quarantine);
    EXPECT_FALSE(m.reply);

    // response = accept: headers forced on, delivered, still not learnt.
    mc.outbound.response = disposition::accept;
    mc.clean.headers = false;
    plan a = make_plan(mc, in);
    EXPECT_EQ(a.disp, disposition::accept);
    EXPECT_EQ(header(a, "X-Replyguard-Verdict"), "clean");
    EXPECT_FALSE(a.learn);
}

TEST(MilterPlan, FailedOutboundCheckWaitsOnlyWhenTheVerdictWouldAccept) {
    milter_config mc;
    plan_input in = done(score::verdict::clean, 0.0);
    in.outbound.failure = "the outbound state store failed: down";
    // default accept: the verdict's action stands, with a warning.
    plan p = make_plan(mc, in);
    EXPECT_FALSE(p.defaulted);
    EXPECT_EQ(p.disp, disposition::accept);
    EXPECT_TRUE(any_note(p, "outbound check skipped, the verdict's action stands", true));
    // default tempfail on mail the verdict would accept: it waits.
    mc.default_action = disposition::tempfail;
    plan t = make_plan(mc, in);
    EXPECT_TRUE(t.defaulted);
    EXPECT_EQ(t.disp, disposition::tempfail);
    EXPECT_TRUE(any_note(t, "the outbound state store failed: down; default action tempfail", true));
    // ...but a verdict that rejects still rejects.
    plan_input bad = done(score::verdict::malicious, 15.0);
    bad.outbound.failure = in.outbound.failure;
    plan r = make_plan(mc, bad);
    EXPECT_FALSE(r.defaulted);
    EXPECT_EQ(r.disp, disposition::reject);
}

TEST(MilterPlan, SummaryLine) {
    milter_config mc;
    finding f{.id = "THREAD_OUTSIDER", .group = "thread", .score = 5.5, .detail = "x", .evidence = {}};
    plan_input in = done(score::verdict::suspicious, 5.5, {f});
    plan p = make_plan(mc, in);
    EXPECT_EQ(summary_line(in, p, ""), "verdict=suspicious score=5.50 action=accept findings=THREAD_OUTSIDER=5.50");
    EXPECT_EQ(summary_line(in, p, "sat\xc5\x8d"), summary_line(in, p, "") + " auth=sat??");
    in.incomplete = true;
    in.limits_hit = {"ANALYSIS_TIMEOUT", "ANALYSIS_LIMIT"};
    plan q = make_plan(mc, in);
    EXPECT_EQ(summary_line(in, q, "sato"),
              "verdict=suspicious score=5.50 action=quarantine findings=THREAD_OUTSIDER=5.50 "
              "incomplete=ANALYSIS_TIMEOUT,ANALYSIS_LIMIT auth=sato");
}
