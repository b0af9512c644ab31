// SPDX-License-Identifier: Apache-2.0
// apps/cli/serve_rspamd.cpp - `serve`: /checkv2 speaks rspamd's protocol (rspamc, rspamd proxy)
//
// DESCRIPTION
//   rspamd's clients (rspamc 3.4 sends every scan command - symbols, check,
//   report - as POST /checkv2; the rspamd 3.4 proxy in milter mode sends
//   GET /checkv2 with the message as the body, and is served the same way)
//   read rspamd's reply: is_skipped, score, required_score, action,
//   symbols {ID: {name, score, metric_score, description, options}},
//   messages, message-id, time_real and milter {add_headers, remove_headers}.
//   The action comes from the milter's per-verdict actions ([milter.actions],
//   milter::make_plan, the same decision `replyguard milter` takes):
//     reject                            -> "reject" (messages.smtp_message: [milter] reject_reason)
//     tempfail                          -> "soft reject"
//     quarantine                        -> "reject" (rspamd has no hold; the
//                                          message must not be delivered)
//     accept, verdict clean or unchecked -> "no action"
//     accept, suspicious or malicious    -> "add header"
//   milter.add_headers are the X-Replyguard-* fields the milter adds, and
//   milter.remove_headers removes every copy of our own fields that arrived
//   with the message (0: all of them). The subject tag and the banner have no
//   counterpart in rspamd's reply and are left out. required_score is the
//   lowest threshold whose verdict is rejected or held (else the malicious
//   threshold). The native record (as POST /api/v1/scan) is kept whole under
//   "replyguard", with the envelope the request gave. The reply's Content-Type
//   is exactly "application/json", as rspamd's (its proxy reads no other).
//
//   Request headers (rspamd's names): From (envelope sender), Rcpt (repeated),
//   IP, Helo, Hostname, Queue-Id, User, Deliver-To, Pass / Flags. The engine
//   takes no envelope (the milter passes none either: the detectors read the
//   message's own header fields), so they are recorded in
//   replyguard.envelope, and Queue-Id names the message: source
//   "rspamd:QUEUEID" (else ?source=NAME, else "rspamd"), the source of a kept
//   detection. "Pass: all" / "Flags: pass_all" change nothing: every detector
//   always runs.
// LIMITS
//   Envelope values are cut at 998 bytes each and 1000 recipients; the
//   Queue-Id in a source keeps printable ASCII only (others become '?').
#include "cli/serve_http.hpp"
#include "core/strings.hpp"

#include "detect/detector.hpp"
#include "milter/plan.hpp"
#include "output/record.hpp"

#include <fmt/format.h>

#include <chrono>
#include <map>

namespace replyguard::cli::serve {

using nlohmann::json;

namespace {

constexpr std::size_t k_value_max = 998;
constexpr std::size_t k_rcpt_max = 1000;

std::string header(const http::request& req, const char* name) {
    const std::string v = req.get_header_value(name);  // by value: trim() views into it
    return std::string(trim(v).substr(0, k_value_max));
}

/// The envelope of rspamd's request headers; only the fields sent.
json envelope(const http::request& req) {
    json e = json::object();
    for (auto [key, name] : {std::pair{"from", "From"},
                             {"ip", "IP"},
                             {"helo", "Helo"},
                             {"hostname", "Hostname"},
                             {"queue_id", "Queue-Id"},
                             {"user", "User"},
                             {"deliver_to", "Deliver-To"}})
        if (req.has_header(name)) e[key] = header(req, name);
    std::size_t n = std::min(req.get_header_value_count("Rcpt"), k_rcpt_max);
    if (n) {
        json rc = json::array();
        for (std::size_t i = 0; i < n; ++i)
            rc.push_back(std::string(trim(req.get_header_value("Rcpt", i)).substr(0, k_value_max)));
        e["rcpt"] = std::move(rc);
    }
    std::string flags = lower(req.get_header_value("Flags"));
    if (ieq(trim(req.get_header_value("Pass")), "all") || flags.find("pass_all") != std::string::npos)
        e["pass_all"] = true;
    return e;
}

std::string_view rspamd_action(const milter::plan& p, score::verdict v) {
    switch (p.disp) {
    case milter::disposition::reject:
    case milter::disposition::quarantine: return "reject";
    case milter::disposition::tempfail: return "soft reject";
    case milter::disposition::accept: break;
    }
    if (p.defaulted || v == score::verdict::clean) return "no action";
    return "add header";
}

double required_score(const milter::milter_config& mc, const config& cfg) {
    auto stops = [](const milter::verdict_actions& a) {
        return a.disp == milter::disposition::reject || a.disp == milter::disposition::quarantine;
    };
    if (stops(mc.suspicious)) return cfg.suspicious_threshold;
    return cfg.malicious_threshold;
}

json symbols_of(const std::vector<finding>& findings) {
    static const std::map<std::string, std::string, std::less<>> descriptions = [] {
        std::map<std::string, std::string, std::less<>> m;
        for (const auto& s : detect::all_symbols()) m.emplace(std::string(s.id), std::string(s.description_en));
        return m;
    }();
    json syms = json::object();
    for (const auto& f : findings) {
        auto it = descriptions.find(f.id);
        json options = json::array();
        if (!f.detail.empty()) options.push_back(f.detail);
        if (!f.evidence.is_null()) options.push_back(f.evidence.dump(-1, ' ', false, json::error_handler_t::replace));
        syms[f.id] = {{"name", f.id},
                      {"score", f.score},
                      {"metric_score", f.score},
                      {"group", f.group},
                      {"description", it == descriptions.end() ? std::string() : it->second},
                      {"options", std::move(options)}};
    }
    return syms;
}

}  // namespace

void check_rspamd(context& c, const http::request& req, http::response& res) {
    auto body = read_body(c, req, res);
    if (!body) return;
    json env = envelope(req);
    std::string source = env.contains("queue_id") && !env["queue_id"].get<std::string>().empty()
                             ? "rspamd:" + milter::ascii_only(env["queue_id"].get<std::string>())
                         : req.has_param("source") ? req.get_param_value("source")
                                                   : "rspamd";
    auto t0 = std::chrono::steady_clock::now();
    auto scanned = scan_and_keep(c, *body, std::move(source), res);
    if (!scanned) return;
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const scan::scan_result& r = scanned->r;

    milter::plan_input in;
    if (r.history.status == history::view_status::unavailable)
        in.state = milter::analysis_state::store_failed;
    else if (r.error) {
        in.state = milter::analysis_state::failed;
        in.failure = "analysis failed: " + *r.error;
    }
    in.verdict = r.outcome.v;
    in.score = r.outcome.score;
    in.findings = r.findings;
    milter::plan p = milter::make_plan(c.actions, in);

    json add = json::object();
    for (const auto& [name, value] : p.add_headers) add[name] = value;
    json remove = json::object();
    if (p.remove_forged)
        for (std::string_view h : milter::k_owned_headers) remove[std::string(h)] = 0;
    json messages = json::object();
    if (p.reply) messages["smtp_message"] = p.reply->text;

    json record = std::move(scanned->record);
    record["envelope"] = std::move(env);
    json j{{"is_skipped", false},
           {"score", r.outcome.score},
           {"required_score", required_score(c.actions, c.cfg)},
           {"action", rspamd_action(p, r.outcome.v)},
           {"symbols", symbols_of(p.findings.empty() ? r.findings : p.findings)},
           {"messages", std::move(messages)},
           {"message-id", r.msg.message_id},
           {"time_real", seconds},
           {"milter", {{"add_headers", std::move(add)}, {"remove_headers", std::move(remove)}}},
           {"replyguard", std::move(record)}};
    send_json(res, 200, j);
    // rspamd's proxy parses the reply only when Content-Type is exactly "application/json"
    // (proxy_backend_parse_results, rspamd 3.4: a charset parameter makes it find no results
    // and tempfail the message); rspamd itself sends it so.
    res.content_type = "application/json";
}

}  // namespace replyguard::cli::serve
