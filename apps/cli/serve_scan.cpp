// SPDX-License-Identifier: Apache-2.0
// apps/cli/serve_scan.cpp - `serve`: POST /api/v1/scan and /checkv2, a message in, its record out
//
// DESCRIPTION
//   The body is the raw message (any Content-Type but a multipart form); the
//   reply is the JSON record of `replyguard scan`, with "detection_id" when a
//   suspicious or malicious result was kept (unless --no-keep-detections).
//   ?source=NAME names the message in the record and the detection.
// DIAGNOSTICS
//   400 empty body, 413 larger than limits.message_bytes, 415 a form upload,
//   500 when the detection cannot be kept.
#include "cli/serve_http.hpp"

#include "output/record.hpp"

#include <fmt/format.h>

#include <chrono>

namespace replyguard::cli::serve {

using nlohmann::json;

// Registered as a content-reader handler: httplib then hands us the body as
// sent, whatever the Content-Type. (With a plain handler, a body sent as
// application/x-www-form-urlencoded - curl's default - is parsed as a form and
// refused beyond 8 KiB by the library.)
void scan_message(context& c, const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) {
    if (req.is_multipart_form_data()) {
        send_error(res, 415, "unsupported_media_type",
                   "send the raw message as the body (Content-Type: message/rfc822), not a form");
        return;
    }
    std::string body;
    bool too_large = false;
    reader([&](const char* data, std::size_t n) {
        if (body.size() + n > c.cfg.lim.message_bytes) {
            too_large = true;
            return false;
        }
        body.append(data, n);
        return true;
    });
    if (too_large) {
        send_error(res, 413, "too_large", fmt::format("the body is larger than {} bytes", c.cfg.lim.message_bytes));
        return;
    }
    if (body.empty()) {
        send_error(res, 400, "bad_request", "POST the raw message (RFC 5322 bytes) as the request body");
        return;
    }
    std::string source = req.has_param("source") ? req.get_param_value("source") : "http";
    auto t0 = std::chrono::steady_clock::now();
    scan::scan_result r = c.eng.scan(body, source);
    c.m.scan_micros += static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0).count());
    if (r.error) ++c.m.scan_errors;
    switch (r.outcome.v) {
    case score::verdict::clean: ++c.m.scans_clean; break;
    case score::verdict::suspicious: ++c.m.scans_suspicious; break;
    case score::verdict::malicious: ++c.m.scans_malicious; break;
    }
    json j = output::to_json(r);
    j["detection_id"] = nullptr;
    if (c.keep_detections && campaign::worth_keeping(r)) {
        auto id = c.store.put(campaign::make_detection(r, now_s(), c.cfg, body));
        if (!id) {
            send_error(res, 500, "internal", "cannot keep the detection: " + id.error().message);
            return;
        }
        if (*id) {
            ++c.m.kept;
            j["detection_id"] = *id;
        }
    }
    send_json(res, 200, j);
}

}  // namespace replyguard::cli::serve
