// SPDX-License-Identifier: Apache-2.0
// apps/cli/serve_read.cpp - `serve`: the read-only API over kept detections
//
// DESCRIPTION
//   GET /api/v1/detections    newest arrival first; filters (all optional, combined with AND):
//                             q (sender or subject), from (sender name or address), subject,
//                             verdict (suspicious|malicious), finding (an id, e.g. THREAD_HIJACK),
//                             feedback (none|genuine|hijack), day_from, day_to (YYYY-MM-DD,
//                             arrival day in UTC, inclusive); limit=N (default 200, max 10000),
//                             since=UNIX (by the campaign time, detection::when())
//   GET /api/v1/detections/ID a detection, each finding with its description (en, ja), and
//                             whether this server accepts feedback on it
//   GET /api/v1/campaigns     ?lang=en|ja (campaign/cluster.hpp over every kept detection)
//   GET /api/v1/timeline      detections per arrival day: by verdict, by finding group (a
//                             detection counts once per group), by feedback, by action (the
//                             milter's disposition, else "none"); ?days=N (default 30)
//   GET /api/v1/symbols       every finding id with group, score, descriptions
//   Times: `time` is when replyguard saw the mail (arrival) and orders and
//   dates everything here; the Date: header (`date`) is shown, never trusted:
//   one later than a day after arrival is flagged `date_future`.
// DIAGNOSTICS
//   400 for a bad parameter, 404 for an unknown detection, 500 when the store fails.
// LIMITS
//   Filtering reads every kept detection (retention-bounded, 100,000 by default);
//   text filters are byte substrings, ASCII letters case-insensitive.
#include "cli/serve_http.hpp"

#include "campaign/cluster.hpp"
#include "campaign/report.hpp"
#include "core/strings.hpp"
#include "detect/detector.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

namespace replyguard::cli::serve {

using nlohmann::json;

namespace {

json explain_findings(const campaign::detection& d) {
    std::map<std::string, symbol_info, std::less<>> syms;
    for (const auto& s : detect::all_symbols()) syms.emplace(std::string(s.id), s);
    json out = json::array();
    for (const auto& f : d.findings) {
        json j{{"id", f.id}, {"group", f.group}, {"score", f.score}, {"detail", f.detail}};
        if (!f.evidence.is_null()) j["evidence"] = f.evidence;
        if (auto it = syms.find(f.id); it != syms.end()) {
            j["description_en"] = std::string(it->second.description_en);
            j["description_ja"] = std::string(it->second.description_ja);
        } else {
            j["description_en"] = "";
            j["description_ja"] = "";
        }
        out.push_back(std::move(j));
    }
    return out;
}

/// What was done with the mail: the milter's disposition, which it writes
/// into the source ("milter:QID (reject)"); "none" when nothing was recorded
/// (scan, serve and watch keep no action with the detection).
std::string action_of(const campaign::detection& d) {
    if (d.source.starts_with("milter:") && d.source.ends_with(")")) {
        std::size_t open = d.source.rfind('(');
        if (open != std::string::npos) return d.source.substr(open + 1, d.source.size() - open - 2);
    }
    return "none";
}

bool date_future(const campaign::detection& d) {
    return d.date && d.time && d.date > d.time + campaign::detection::k_date_slack_s;
}

json detection_brief(const campaign::detection& d) {
    std::vector<std::string> groups, ids;
    for (const auto& f : d.findings) {
        if (f.group != "trust" && std::find(groups.begin(), groups.end(), f.group) == groups.end())
            groups.push_back(f.group);
        if (std::find(ids.begin(), ids.end(), f.id) == ids.end()) ids.push_back(f.id);
    }
    return json{{"id", d.id},
                {"time", d.time},
                {"date", d.date},
                {"day", campaign::day(d.time)},
                {"date_day", campaign::day(d.date)},
                {"date_future", date_future(d)},
                {"source", d.source},
                {"message_id", d.message_id},
                {"from", json{{"name", d.from_name}, {"address", d.from_address}}},
                {"subject", d.subject},
                {"verdict", d.verdict},
                {"score", d.score},
                {"groups", groups},
                {"finding_ids", ids},
                {"findings", d.findings.size()},
                {"feedback", d.feedback},
                {"action", action_of(d)}};
}

bool contains_ci(std::string_view hay, std::string_view needle) {
    if (needle.empty()) return true;
    return lower(hay).find(lower(needle)) != std::string::npos;
}

/// A YYYY-MM-DD parameter (or absent: ""); false with an error sent when malformed.
bool day_param(const http::request& req, http::response& res, const char* name, std::string& out) {
    if (!req.has_param(name)) return true;
    out = req.get_param_value(name);
    bool ok = out.empty() || (out.size() == 10 && out[4] == '-' && out[7] == '-');
    for (std::size_t i = 0; ok && i < out.size(); ++i)
        if (i != 4 && i != 7 && (out[i] < '0' || out[i] > '9')) ok = false;
    if (!ok) send_error(res, 400, "bad_request", fmt::format("{} must be a day YYYY-MM-DD", name));
    return ok;
}

/// Newest arrival first (the store orders by when(), which trusts a sane Date:).
void by_arrival(std::vector<campaign::detection>& ds) {
    std::stable_sort(ds.begin(), ds.end(), [](const campaign::detection& a, const campaign::detection& b) {
        return a.time != b.time ? a.time > b.time : a.id > b.id;
    });
}

}  // namespace

void list_detections(context& c, const http::request& req, http::response& res) {
    auto limit = int_param(req, res, "limit", 200, 10000);
    if (!limit) return;
    auto since = int_param(req, res, "since", 0, 1LL << 40);
    if (!since) return;
    auto text = [&](const char* k) { return req.has_param(k) ? req.get_param_value(k) : std::string(); };
    const std::string q = text("q"), from = text("from"), subject = text("subject"), verdict = text("verdict"),
                      finding = text("finding"), feedback = text("feedback");
    if (!verdict.empty() && verdict != "suspicious" && verdict != "malicious")
        return send_error(res, 400, "bad_request", "verdict must be 'suspicious' or 'malicious'");
    if (!feedback.empty() && feedback != "none" && feedback != "genuine" && feedback != "hijack")
        return send_error(res, 400, "bad_request", "feedback must be 'none', 'genuine' or 'hijack'");
    std::string day_from, day_to;
    if (!day_param(req, res, "day_from", day_from) || !day_param(req, res, "day_to", day_to)) return;
    auto ds = c.store.list({*since, 0, 0});
    if (!ds) return send_error(res, 500, "internal", ds.error().message);
    by_arrival(*ds);
    json arr = json::array();
    std::size_t matched = 0;
    for (const auto& d : *ds) {
        std::string sender = d.from_name + " <" + d.from_address + ">";
        if (!contains_ci(sender, from) || !contains_ci(d.subject, subject)) continue;
        if (!q.empty() && !contains_ci(sender, q) && !contains_ci(d.subject, q)) continue;
        if (!verdict.empty() && d.verdict != verdict) continue;
        if (!finding.empty() &&
            std::none_of(d.findings.begin(), d.findings.end(), [&](const auto& f) { return ieq(f.id, finding); }))
            continue;
        if (!feedback.empty() && d.feedback != (feedback == "none" ? std::string() : feedback)) continue;
        std::string day = campaign::day(d.time);
        if ((!day_from.empty() && day < day_from) || (!day_to.empty() && day > day_to)) continue;
        if (matched++ < static_cast<std::size_t>(*limit)) arr.push_back(detection_brief(d));
    }
    send_json(res, 200, json{{"detections", arr}, {"matched", matched}, {"total", ds->size()}});
}

void get_detection(context& c, const http::request& req, http::response& res) {
    const std::string& s = req.matches[1];
    std::int64_t id = 0;
    bool ok = !s.empty() && s.size() <= 18;
    for (char c : s) {
        if (c < '0' || c > '9')
            ok = false;
        else
            id = id * 10 + (c - '0');
    }
    if (!ok) return send_error(res, 400, "bad_request", "a detection id is a positive integer");
    auto d = c.store.get(id);
    if (!d) return send_error(res, 500, "internal", d.error().message);
    if (!*d) return send_error(res, 404, "not_found", fmt::format("no detection {}", id));
    json j = campaign::to_json(**d);
    j["findings"] = explain_findings(**d);
    j["day"] = campaign::day((*d)->time);
    j["date_future"] = date_future(**d);
    j["feedback"] = (*d)->feedback;
    // Offered only to an authenticated admin (a token is set) on a writable store.
    j["feedback_allowed"] = !c.token.empty() && c.keep_detections;
    send_json(res, 200, j);
}

void list_campaigns(context& c, const http::request& req, http::response& res) {
    std::string lang = req.has_param("lang") ? req.get_param_value("lang") : "en";
    if (lang != "en" && lang != "ja") return send_error(res, 400, "bad_request", "lang must be 'en' or 'ja'");
    auto ds = c.store.list({});
    if (!ds) return send_error(res, 500, "internal", ds.error().message);
    auto cs = campaign::cluster(*ds, {c.window_days, c.org_domains});
    json arr = json::array();
    for (const auto& c : cs) arr.push_back(campaign::campaign_json(c, lang));
    send_json(res, 200, json{{"campaigns", arr}, {"org_domains", c.org_domains}});
}

void timeline(context& c, const http::request& req, http::response& res) {
    auto days = int_param(req, res, "days", 30, 3650);
    if (!days) return;
    // By arrival (detection::time), never by the Date: header. The window ends
    // at the newest arrival, so old data (a demo, an import) still shows.
    auto ds = c.store.list({});
    if (!ds) return send_error(res, 500, "internal", ds.error().message);
    by_arrival(*ds);
    struct tally {
        std::uint64_t total = 0;
        std::map<std::string, std::uint64_t> verdicts, groups, feedback, actions;
    };
    std::map<std::string, tally> per_day;
    std::string first_day =
        ds->empty() || !*days ? std::string() : campaign::day(ds->front().time - (*days - 1) * 86400LL);
    for (const auto& d : *ds) {
        std::string day = campaign::day(d.time);
        if (day < first_day) continue;
        auto& t = per_day[day];
        ++t.total;
        ++t.verdicts[d.verdict];
        ++t.actions[action_of(d)];
        if (!d.feedback.empty()) ++t.feedback[d.feedback];
        std::vector<std::string> seen;
        for (const auto& f : d.findings)
            if (f.group != "trust" && std::find(seen.begin(), seen.end(), f.group) == seen.end()) {
                seen.push_back(f.group);
                ++t.groups[f.group];
            }
    }
    json arr = json::array();
    for (const auto& [day, t] : per_day)
        arr.push_back(json{{"day", day},
                           {"detections", t.total},
                           {"verdicts", t.verdicts},
                           {"groups", t.groups},
                           {"feedback", t.feedback},
                           {"actions", t.actions}});
    send_json(res, 200,
              json{{"days", arr},
                   {"verdicts", {"malicious", "suspicious"}},
                   {"groups", {"hijack", "payload", "thread", "auth", "mime", "composite"}}});
}

void symbols(context& c, const http::request&, http::response& res) {
    json arr = json::array();
    for (const auto& s : detect::all_symbols())
        arr.push_back(json{{"id", s.id},
                           {"group", s.group},
                           {"score", c.cfg.score_for(s.id, s.score)},
                           {"description_en", s.description_en},
                           {"description_ja", s.description_ja}});
    send_json(res, 200, json{{"symbols", arr}});
}

}  // namespace replyguard::cli::serve
