// SPDX-License-Identifier: Apache-2.0
// apps/cli/serve_feedback.cpp - `serve`: an admin's "genuine" / "hijack" word on a detection
//
// DESCRIPTION
//   POST /api/v1/detections/ID/feedback  {"feedback": "genuine" | "hijack" | ""}
//   (Content-Type: application/json). Only for an authenticated admin: the
//   server must run with a token (serve_guard.cpp has already checked the
//   Bearer token); without one the endpoint refuses (403) and the dashboard
//   offers no buttons.
//   What it changes: the kept detection (campaign/detections.hpp
//   set_feedback). "genuine" marks a false positive: campaigns and the
//   advisory leave it out; "hijack" confirms it; "" withdraws the word.
//   What it cannot change: the history. Learning a message as genuine
//   (history/learner.hpp) needs the message itself (its References, its
//   participants, its text's fingerprints); a kept detection holds its key
//   facts and the scan record, not the raw mail, and `serve` opens the
//   history read-only. The reply says so (history_updated: false) and names
//   the message (source, Message-ID) for `replyguard learn`.
// DIAGNOSTICS
//   400 bad body or id, 403 no token configured, 404 unknown detection,
//   409 conflict (detections are read-only: --no-keep-detections), 415 not
//   JSON, 500 store failure.
#include "cli/serve_http.hpp"

#include <fmt/format.h>

namespace replyguard::cli::serve {

using nlohmann::json;

void detection_feedback(context& c, const httplib::Request& req, httplib::Response& res) {
    if (c.token.empty())
        return send_error(res, 403, "forbidden",
                          "feedback needs an authenticated admin: start serve with --token (or REPLYGUARD_TOKEN)");
    const std::string& s = req.matches[1];
    std::int64_t id = 0;
    bool ok = !s.empty() && s.size() <= 18;
    for (char ch : s) {
        if (ch < '0' || ch > '9')
            ok = false;
        else
            id = id * 10 + (ch - '0');
    }
    if (!ok) return send_error(res, 400, "bad_request", "a detection id is a positive integer");
    std::string ct = req.get_header_value("Content-Type");
    if (ct.substr(0, ct.find(';')) != "application/json")
        return send_error(res, 415, "unsupported_media_type", "send {\"feedback\": ...} as application/json");
    auto body = json::parse(req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object() || !body.contains("feedback") || !body["feedback"].is_string())
        return send_error(res, 400, "bad_request", "the body is {\"feedback\": \"genuine\" | \"hijack\" | \"\"}");
    std::string fb = body["feedback"].get<std::string>();
    if (fb != "genuine" && fb != "hijack" && !fb.empty())
        return send_error(res, 400, "bad_request", "feedback must be 'genuine', 'hijack' or ''");
    if (!c.keep_detections)
        return send_error(res, 409, "conflict", "detections are read-only here (serve --no-keep-detections)");
    auto d = c.store.get(id);
    if (!d) return send_error(res, 500, "internal", d.error().message);
    if (!*d) return send_error(res, 404, "not_found", fmt::format("no detection {}", id));
    auto set = c.store.set_feedback(id, fb, now_s());
    if (!set) return send_error(res, 500, "internal", set.error().message);
    if (!*set) return send_error(res, 404, "not_found", fmt::format("no detection {}", id));
    std::string note =
        fb == "genuine"
            ? "marked as a false positive: left out of campaigns and the advisory. The history is unchanged: the "
              "raw message is not kept; to teach it, run `replyguard learn` on the message"
        : fb == "hijack" ? "confirmed as a hijack. The history is unchanged (a hijack is never learnt)"
                         : "feedback withdrawn";
    send_json(res, 200,
              json{{"id", id},
                   {"feedback", fb},
                   {"history_updated", false},
                   {"note", note},
                   {"source", (*d)->source},
                   {"message_id", (*d)->message_id}});
}

}  // namespace replyguard::cli::serve
