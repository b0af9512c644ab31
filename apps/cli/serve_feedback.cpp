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
//   advisory leave it out, and the kept raw message (a detection keeps one
//   up to limits.kept_raw_bytes, 512 KiB by default) is learnt into the
//   history with the learner `replyguard learn` uses (history/learner.hpp):
//   its thread, participants, correspondents, fingerprints and sender
//   profile, so later replies in that thread or from that sender are known
//   (history_updated: true). Without a raw copy (the message was larger than
//   the limit, or kept before raw copies existed) nothing is learnt and the
//   reply says so (history_updated: false, with the source and Message-ID for
//   `replyguard learn`). "hijack" confirms it and learns nothing (a hijack
//   is never learnt; the history is left as it was); "" withdraws the word
//   (what was learnt stays learnt). The history is opened for writing only
//   when serve runs with a token (serve_cmd.cpp); SQLite's WAL and busy
//   timeout order this writer with a milter learning into the same file.
// DIAGNOSTICS
//   400 bad body or id, 403 no token configured, 404 unknown detection,
//   409 conflict (detections are read-only: --no-keep-detections), 415 not
//   JSON, 500 store failure.
#include "cli/serve_http.hpp"
#include "history/learner.hpp"
#include "mime/parser.hpp"

#include <fmt/format.h>

#include <mutex>

namespace replyguard::cli::serve {

using nlohmann::json;

namespace {
std::mutex g_learn_mu;  ///< one learner at a time (learn_message is one transaction)
}  // namespace

void detection_feedback(context& c, const http::request& req, http::response& res) {
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
    bool learnt = false;
    std::string note;
    if (fb == "genuine") {
        note = "marked as a false positive: left out of campaigns and the advisory. ";
        auto raw = c.store.raw(id);
        if (!raw) return send_error(res, 500, "internal", raw.error().message);
        if (!*raw) {
            note += fmt::format(
                "The history is unchanged: the raw message was not kept (larger than "
                "limits.kept_raw_bytes, {} bytes, or kept before raw copies existed); to teach it, run "
                "`replyguard learn` on the message",
                c.cfg.lim.kept_raw_bytes);
        } else if (!c.hist) {
            note += "The history is unchanged: it is open read-only here";
        } else {
            mime::message msg = mime::parse_message(**raw, c.cfg.lim);
            history::learn_options lo{.org_domains = c.org_domains};
            std::lock_guard lock(g_learn_mu);
            auto st = history::learn_message(*c.hist, msg, lo);
            if (!st) return send_error(res, 500, "internal", "learning the message failed: " + st.error().message);
            learnt = st->learnt > 0;
            note += st->learnt ? "The message was learnt into the history: its thread, participants and sender are "
                                 "known from now on"
                               : "The message was in the history already";
        }
    } else if (fb == "hijack") {
        note =
            "confirmed as a hijack: kept in campaigns and the advisory. The history is unchanged (a hijack is "
            "never learnt)";
    } else {
        note = "feedback withdrawn (what was learnt stays learnt)";
    }
    send_json(res, 200,
              json{{"id", id},
                   {"feedback", fb},
                   {"history_updated", learnt},
                   {"note", note},
                   {"source", (*d)->source},
                   {"message_id", (*d)->message_id}});
}

}  // namespace replyguard::cli::serve
