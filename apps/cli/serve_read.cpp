// SPDX-License-Identifier: Apache-2.0
// apps/cli/serve_read.cpp - `serve`: the read-only API over kept detections
//
// DESCRIPTION
//   GET /api/v1/detections    ?limit=N (default 200, max 10000) &since=UNIX
//   GET /api/v1/detections/ID a detection, each finding with its description (en, ja)
//   GET /api/v1/campaigns     ?lang=en|ja (campaign/cluster.hpp over every kept detection)
//   GET /api/v1/timeline      detections per day and finding group, ?days=N (default 30)
//   GET /api/v1/symbols       every finding id with group, score, descriptions
// DIAGNOSTICS
//   400 for a bad parameter, 404 for an unknown detection, 500 when the store fails.
#include "cli/serve_http.hpp"

#include "campaign/cluster.hpp"
#include "campaign/report.hpp"
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

json detection_brief(const campaign::detection& d) {
    std::vector<std::string> groups;
    for (const auto& f : d.findings)
        if (f.group != "trust" && std::find(groups.begin(), groups.end(), f.group) == groups.end()) groups.push_back(f.group);
    return json{{"id", d.id},           {"time", d.time},        {"date", d.date},
                {"day", campaign::day(d.when())},                {"source", d.source},
                {"message_id", d.message_id},
                {"from", json{{"name", d.from_name}, {"address", d.from_address}}},
                {"subject", d.subject}, {"verdict", d.verdict},  {"score", d.score},
                {"groups", groups},     {"findings", d.findings.size()}};
}

}  // namespace

void list_detections(context& c, const httplib::Request& req, httplib::Response& res) {
    auto limit = int_param(req, res, "limit", 200, 10000);
    if (!limit) return;
    auto since = int_param(req, res, "since", 0, 1LL << 40);
    if (!since) return;
    auto ds = c.store.list({*since, 0, static_cast<std::size_t>(*limit)});
    if (!ds) return send_error(res, 500, "internal", ds.error().message);
    json arr = json::array();
    for (const auto& d : *ds) arr.push_back(detection_brief(d));
    send_json(res, 200, json{{"detections", arr}});
}

void get_detection(context& c, const httplib::Request& req, httplib::Response& res) {
    const std::string& s = req.matches[1];
    std::int64_t id = 0;
    bool ok = !s.empty() && s.size() <= 18;
    for (char c : s) {
        if (c < '0' || c > '9') ok = false;
        else id = id * 10 + (c - '0');
    }
    if (!ok) return send_error(res, 400, "bad_request", "a detection id is a positive integer");
    auto d = c.store.get(id);
    if (!d) return send_error(res, 500, "internal", d.error().message);
    if (!*d) return send_error(res, 404, "not_found", fmt::format("no detection {}", id));
    json j = campaign::to_json(**d);
    j["findings"] = explain_findings(**d);
    send_json(res, 200, j);
}

void list_campaigns(context& c, const httplib::Request& req, httplib::Response& res) {
    std::string lang = req.has_param("lang") ? req.get_param_value("lang") : "en";
    if (lang != "en" && lang != "ja") return send_error(res, 400, "bad_request", "lang must be 'en' or 'ja'");
    auto ds = c.store.list({});
    if (!ds) return send_error(res, 500, "internal", ds.error().message);
    auto cs = campaign::cluster(*ds, {c.window_days, c.org_domains});
    json arr = json::array();
    for (const auto& c : cs) arr.push_back(campaign::campaign_json(c, lang));
    send_json(res, 200, json{{"campaigns", arr}, {"org_domains", c.org_domains}});
}

void timeline(context& c, const httplib::Request& req, httplib::Response& res) {
    auto days = int_param(req, res, "days", 30, 3650);
    if (!days) return;
    // The window ends at the newest detection, so old data (a demo, an import) still shows.
    auto ds = c.store.list({});
    if (!ds) return send_error(res, 500, "internal", ds.error().message);
    std::map<std::string, std::map<std::string, std::uint64_t>> per_day;
    std::int64_t newest = ds->empty() ? now_s() : ds->front().when();
    std::int64_t since = newest - (*days - 1) * 86400LL;
    for (const auto& d : *ds) {
        if (*days && d.when() < since - newest % 86400) continue;
        auto& g = per_day[campaign::day(d.when())];
        std::vector<std::string> seen;
        for (const auto& f : d.findings)
            if (f.group != "trust" && std::find(seen.begin(), seen.end(), f.group) == seen.end()) {
                seen.push_back(f.group);
                ++g[f.group];
            }
        ++g["_total"];
    }
    json arr = json::array();
    for (const auto& [day, g] : per_day) {
        json gj = json::object();
        for (const auto& [k, n] : g)
            if (k != "_total") gj[k] = n;
        arr.push_back(json{{"day", day}, {"detections", g.at("_total")}, {"groups", gj}});
    }
    send_json(res, 200, json{{"days", arr}, {"groups", {"hijack", "payload", "thread", "auth", "mime", "composite"}}});
}

void symbols(context& c, const httplib::Request&, httplib::Response& res) {
    json arr = json::array();
    for (const auto& s : detect::all_symbols())
        arr.push_back(json{{"id", s.id}, {"group", s.group}, {"score", c.cfg.score_for(s.id, s.score)},
                           {"description_en", s.description_en}, {"description_ja", s.description_ja}});
    send_json(res, 200, json{{"symbols", arr}});
}

}  // namespace replyguard::cli::serve
