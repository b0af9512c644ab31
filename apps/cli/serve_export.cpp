// SPDX-License-Identifier: Apache-2.0
// apps/cli/serve_export.cpp - `serve`: the campaign table and the advisory draft as files
//
// DESCRIPTION
//   GET /api/v1/report?kind=campaigns|advisory&format=csv|markdown&lang=en|ja&utc_offset=H
//   The same text `replyguard report [--advisory] --format F --lang L
//   --utc-offset H` prints (campaign/report.hpp renders both; nothing is
//   rendered here), over every kept detection, as a download
//   (Content-Disposition: attachment). The advisory exists as Markdown only.
// DIAGNOSTICS
//   400 for a bad parameter, 500 when the store fails.
// LIMITS
//   Reads every kept detection (retention-bounded), as /api/v1/campaigns.
#include "cli/serve_http.hpp"

#include "campaign/cluster.hpp"
#include "campaign/report.hpp"

#include <fmt/format.h>

namespace replyguard::cli::serve {

void export_report(context& c, const http::request& req, http::response& res) {
    auto param = [&](const char* k, const char* fallback) {
        return req.has_param(k) ? req.get_param_value(k) : std::string(fallback);
    };
    const std::string kind = param("kind", "campaigns"), format = param("format", "markdown"),
                      lang = param("lang", "en");
    if (kind != "campaigns" && kind != "advisory")
        return send_error(res, 400, "bad_request", "kind must be 'campaigns' or 'advisory'");
    if (format != "csv" && format != "markdown")
        return send_error(res, 400, "bad_request", "format must be 'csv' or 'markdown'");
    if (kind == "advisory" && format != "markdown")
        return send_error(res, 400, "bad_request", "the advisory is a Markdown draft only");
    if (lang != "en" && lang != "ja") return send_error(res, 400, "bad_request", "lang must be 'en' or 'ja'");
    auto hours = int_param(req, res, "utc_offset", 0, 14);
    if (!hours) return;

    auto ds = c.store.list({});
    if (!ds) return send_error(res, 500, "internal", ds.error().message);
    auto cs = campaign::cluster(*ds, {c.window_days, c.org_domains});
    campaign::report_options ro;
    ro.format = format == "csv" ? campaign::report_format::csv : campaign::report_format::markdown;
    ro.lang = lang;
    ro.org_domains = c.org_domains;
    ro.utc_offset = *hours * 3600;
    std::string body = kind == "advisory" ? campaign::advisory(cs, ro) : campaign::render(cs, ro);
    std::string name = fmt::format("replyguard-{}-{}.{}", kind, lang, format == "csv" ? "csv" : "md");
    res.status = 200;
    res.set_header("Content-Disposition", fmt::format("attachment; filename=\"{}\"", name));
    res.set_content(body, format == "csv" ? "text/csv; charset=utf-8" : "text/markdown; charset=utf-8");
}

}  // namespace replyguard::cli::serve
