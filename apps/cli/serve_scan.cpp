// SPDX-License-Identifier: Apache-2.0
// apps/cli/serve_scan.cpp - `serve`: POST /api/v1/scan, a message in, its record out
//
// DESCRIPTION
//   The body is the raw message (any Content-Type but a multipart form;
//   serve_body.cpp reads it, zstd included); the reply is the JSON record of
//   `replyguard scan`, with "detection_id" when a suspicious or malicious
//   result was kept (unless --no-keep-detections). ?source=NAME names the
//   message in the record and the detection. scan_and_keep() is shared with
//   /checkv2 (serve_rspamd.cpp), which wraps the same record in rspamd's reply.
// DIAGNOSTICS
//   400 empty body, 413 larger than limits.message_bytes, 415 a form upload,
//   500 when the detection cannot be kept.
#include "cli/serve_http.hpp"

#include "output/record.hpp"

#include <fmt/format.h>

#include <chrono>

namespace replyguard::cli::serve {

using nlohmann::json;

std::optional<scanned> scan_and_keep(context& c, std::string_view body, std::string source, http::response& res) {
    auto t0 = std::chrono::steady_clock::now();
    scanned s{c.eng.scan(body, std::move(source)), nullptr};
    const scan::scan_result& r = s.r;
    c.m.scan.count(r, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    s.record = output::to_json(r);
    s.record["detection_id"] = nullptr;
    if (c.keep_detections && campaign::worth_keeping(r)) {
        auto id = c.store.put(campaign::make_detection(r, now_s(), c.cfg, body));
        if (!id) {
            c.m.scan.store_errors.inc("detections");
            send_error(res, 500, "internal", "cannot keep the detection: " + id.error().message);
            return std::nullopt;
        }
        if (*id) {
            c.m.scan.kept.inc();
            s.record["detection_id"] = *id;
        }
    }
    return s;
}

// The body as sent, whatever the Content-Type (a form-encoded body, curl's
// default, is never parsed as a form).
void scan_message(context& c, const http::request& req, http::response& res) {
    auto body = read_body(c, req, res);
    if (!body) return;
    std::string source = req.has_param("source") ? req.get_param_value("source") : "http";
    auto s = scan_and_keep(c, *body, std::move(source), res);
    if (s) send_json(res, 200, s->record);
}

}  // namespace replyguard::cli::serve
