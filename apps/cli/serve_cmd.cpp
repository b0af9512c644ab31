// SPDX-License-Identifier: Apache-2.0
// apps/cli/serve_cmd.cpp - `replyguard serve`: HTTP JSON API and the web dashboard (wiring)
//
// DESCRIPTION
//   The HTTP server of http_server.hpp (libmicrohttpd) serves, on 127.0.0.1:8895 by default:
//     POST /api/v1/scan          raw message bytes in the body -> the JSON record
//                                ?source=NAME names it; non-clean results are kept
//     POST /checkv2              rspamd's protocol (rspamc; the rspamd proxy sends
//                                GET /checkv2 with the message as body: the same):
//                                rspamd's reply with our record under "replyguard"
//                                (serve_rspamd.cpp); "Compression: zstd" bodies
//                                are decompressed (both routes, serve_body.cpp)
//     GET  /api/v1/detections    newest arrival first; filters q, from, subject, verdict,
//                                finding, feedback, day_from, day_to (serve_read.cpp);
//                                ?limit=N (default 200, max 10000) &since=UNIX
//     GET  /api/v1/detections/ID a detection, each finding with its description (en, ja)
//     POST /api/v1/detections/ID/feedback  {"feedback":"genuine"|"hijack"|""}: an admin's
//                                word (token required; serve_feedback.cpp)
//     GET  /api/v1/campaigns     ?lang=en|ja
//     GET  /api/v1/report        ?kind=campaigns|advisory &format=csv|markdown &lang=en|ja:
//                                what `replyguard report` prints, as a download
//     GET  /api/v1/timeline      detections per arrival day, by verdict and finding group,
//                                ?days=N (default 30)
//     GET  /api/v1/symbols       every finding id with group, score, descriptions
//     GET  /health               liveness, no token needed
//     GET  /metrics              Prometheus text format
//     GET  /                     the dashboard (apps/cli/dashboard.cpp)
//   With a token (--token or $REPLYGUARD_TOKEN) /api/ and /metrics require
//   "Authorization: Bearer TOKEN" (or rspamd's "Password: TOKEN", rspamc -P). Binding anything but a loopback address
//   without a token is refused: the API accepts mail and shows mail metadata.
// DIAGNOSTICS
//   Every error is JSON {"error": CODE, "message": TEXT} with a 4xx/5xx status:
//   400 bad_request (empty body, bad parameter, ambiguous framing), 401
//   unauthorized, 403 forbidden (a cross-origin write), 404 not_found, 405
//   method_not_allowed, 413 too_large, 415 unsupported_media_type (a form
//   upload instead of the raw message; without a token, a body a web page
//   could send), 421 misdirected_request (a Host not ours, without a token),
//   500 internal, 503 unavailable (every worker busy, the queue full:
//   http::server_limits). serve_guard.cpp says what each request passes first.
// LIMITS
//   A request body larger than limits.message_bytes is refused with 413.
//   Connections, per-address connections, idle time, the deadline for a
//   request head and for the whole request, workers and the queue:
//   http::server_limits (apps/cli/http_server.hpp), serve::k_limits.
//   Clustering for /api/v1/campaigns reads every kept detection (retention-bounded).
#include "cli/commands.hpp"
#include "cli/serve_http.hpp"
#include "cli/startup.hpp"
#include "cli/systemd_notify.hpp"

#include "campaign/detections.hpp"
#include "store/history.hpp"

#include <fmt/format.h>

#include <csignal>
#include <iostream>
#include <optional>
#include <utility>

namespace replyguard::cli {

namespace serve {

namespace {

/// The variable segment of "PREFIX<segment>SUFFIX" (no '/' in it), or nullopt.
std::optional<std::string> segment(std::string_view path, std::string_view prefix, std::string_view suffix) {
    if (!path.starts_with(prefix) || !path.ends_with(suffix) || path.size() <= prefix.size() + suffix.size())
        return std::nullopt;
    std::string_view seg = path.substr(prefix.size(), path.size() - prefix.size() - suffix.size());
    if (seg.find('/') != std::string_view::npos) return std::nullopt;
    return std::string(seg);
}

void not_allowed(const http::request& req, http::response& res, const char* allow) {
    res.set_header("Allow", allow);
    send_error(res, 405, "method_not_allowed", fmt::format("{} does not accept {}", req.path, req.method));
}

}  // namespace

void route(context& c, http::request& req, http::response& res) {
    using fn = void (*)(context&, const http::request&, http::response&);
    static constexpr std::pair<std::string_view, fn> gets[] = {{"/api/v1/detections", list_detections},
                                                               {"/api/v1/report", export_report},
                                                               {"/api/v1/campaigns", list_campaigns},
                                                               {"/api/v1/timeline", timeline},
                                                               {"/api/v1/symbols", symbols},
                                                               {"/health", health},
                                                               {"/metrics", prometheus_metrics},
                                                               {"/", dashboard}};
    const std::string& m = req.method;
    const std::string& p = req.path;
    const bool get = m == "GET" || m == "HEAD";
    if (m == "POST" && p == "/api/v1/scan") return scan_message(c, req, res);
    // rspamd's proxy (milter mode, 3.4) sends GET /checkv2 with the message as the body.
    if (p == "/checkv2" && (m == "POST" || (get && !req.body.empty()))) return check_rspamd(c, req, res);
    if (get && (p == "/api/v1/scan" || p == "/checkv2")) return not_allowed(req, res, "POST");
    if (m == "POST")
        if (auto id = segment(p, "/api/v1/detections/", "/feedback")) {
            req.matches = {p, *id};
            return detection_feedback(c, req, res);
        }
    for (auto [path, f] : gets) {
        if (p != path) continue;
        if (get) return f(c, req, res);
        if (path != "/" && (m == "POST" || m == "PUT" || m == "DELETE")) return not_allowed(req, res, "GET");
        break;
    }
    if (get)
        if (auto id = segment(p, "/api/v1/detections/", "")) {
            req.matches = {p, *id};
            return get_detection(c, req, res);
        }
    send_error(res, 404, "not_found", fmt::format("no such endpoint: {} {}", m, p));
}

}  // namespace serve

int run_serve(const serve_args& a) {
    std::string token = a.token;
    if (token.empty())
        if (const char* env = std::getenv("REPLYGUARD_TOKEN"); env) token = env;
    if (!serve::is_loopback(a.listen) && token.empty()) {
        std::cerr << "replyguard serve: refusing to listen on " << a.listen
                  << " without a token: set --token or REPLYGUARD_TOKEN (only loopback addresses may run open)\n";
        return 2;
    }
    // Detections are kept in the history file: a missing one becomes a valid empty history.
    // With a token an admin may say a detection is genuine, which learns it
    // (serve_feedback.cpp): the history is opened for writing then, else read-only.
    auto st = start({.config = a.config,
                     .db = a.db,
                     .mode = token.empty() ? store::open_mode::read_only : store::open_mode::read_write,
                     .create_empty = a.keep_detections});
    if (!st) {
        std::cerr << "replyguard serve: " << st.error().message << "\n";
        return 2;
    }
    auto kept = campaign::open_detections(st->db_path, a.keep_detections,
                                          campaign::retention{a.retention_days, a.retention_count});
    if (!kept) {
        std::cerr << "replyguard serve: " << kept.error().message << "\n";
        return 2;
    }
    std::vector<std::string> org = st->cfg.org_domains;
    if (org.empty())
        if (auto d = st->hist->org_domains(); d) org = *d;
    // /checkv2 answers rspamd's action from the milter's per-verdict actions of the same file.
    milter::milter_config actions;
    if (st->doc) {
        auto mc = milter::milter_config_from_toml(*st->doc);
        if (!mc) {
            std::cerr << "replyguard serve: " << mc.error().message << "\n";
            return 2;
        }
        actions = std::move(*mc);
    }
    serve::metrics m;
    serve::context c{.cfg = st->cfg,
                     .actions = actions,
                     .eng = *st->eng,
                     .store = **kept,
                     .m = m,
                     .token = token,
                     .listen = a.listen,
                     .keep_detections = a.keep_detections,
                     .window_days = a.window_days,
                     .org_domains = org,
                     .quiet = a.quiet,
                     .hist = token.empty() ? nullptr : st->hist.get()};
    const config& cfg = st->cfg;

    // The server (http_server.cpp, libmicrohttpd): I/O on one epoll thread,
    // routes on k_limits.workers threads, every limit in http::server_limits.
    http::server_limits lim = serve::k_limits;
    lim.body_bytes = cfg.lim.message_bytes;
    http::handlers h{
        .head = [&c](const http::request& req) { return serve::guard(c, req); },
        .handle = [&c](http::request& req, http::response& res) { serve::route(c, req, res); },
        .finish = [&c](const http::request& req, http::response& res) { serve::finish(c, req, res); },
        .done = [&c](const http::request& req, const http::response& res,
                     double seconds) { serve::request_done(c, req, res, seconds); },
        .event = [&c](const http::server_event& e) { serve::server_event(c, e); },
    };
    // SIGINT/SIGTERM are taken by sigwait below (blocked before the server's threads start, so they inherit it).
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, nullptr);
    auto svr = http::server::start(a.listen, a.port, lim, std::move(h));
    if (!svr) {
        std::cerr << "replyguard serve: " << svr.error().message << "\n";
        return 2;
    }
    const int port = (*svr)->port();

    std::string shown = a.listen.find(':') != std::string::npos ? "[" + a.listen + "]" : a.listen;
    std::cout << "replyguard serve: listening on http://" << shown << ":" << port << "/"
              << (token.empty() ? " (no token)" : " (token required)") << std::endl;
    // Type=notify (debian/replyguard.replyguard-serve.service): bound and ready.
    notify_ready(fmt::format("listening on {}:{}", shown, port));
    int sig = 0;
    sigwait(&sigs, &sig);
    notify_stopping();
    (*svr)->stop();
    return 0;
}

}  // namespace replyguard::cli
