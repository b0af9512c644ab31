// SPDX-License-Identifier: Apache-2.0
// apps/cli/serve_cmd.cpp - `replyguard serve`: HTTP JSON API and the web dashboard (wiring)
//
// DESCRIPTION
//   cpp-httplib (Debian libcpp-httplib-dev) serves, on 127.0.0.1:8895 by default:
//     POST /api/v1/scan          raw message bytes in the body -> the JSON record
//                                ?source=NAME names it; non-clean results are kept
//     POST /checkv2              rspamd's protocol (rspamc; not the rspamd proxy yet):
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
//   500 internal. serve_guard.cpp says what each request passes first.
// LIMITS
//   A request body larger than limits.message_bytes is refused with 413.
//   Clustering for /api/v1/campaigns reads every kept detection (retention-bounded).
#include "cli/commands.hpp"
#include "cli/serve_http.hpp"
#include "cli/startup.hpp"
#include "cli/systemd_notify.hpp"

#include "campaign/detections.hpp"
#include "store/history.hpp"

#include <fmt/format.h>
#include <httplib.h>

#include <csignal>
#include <iostream>
#include <thread>

namespace replyguard::cli {

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

    httplib::Server svr;
    svr.set_payload_max_length(cfg.lim.message_bytes);
    svr.set_read_timeout(serve::k_read_timeout_s, 0);
    svr.new_task_queue = [] { return new httplib::ThreadPool(serve::k_workers); };
    // One request per connection: after a refused request (serve_guard.cpp)
    // nothing that follows on the connection is read as another request
    // (request smuggling); loopback connections are cheap.
    svr.set_keep_alive_max_count(1);

    svr.set_pre_routing_handler([&](const httplib::Request& req, httplib::Response& res) {
        serve::request_started();
        return serve::guard(c, req, res);
    });
    // After every reply (httplib's own refusals too): counted by route and status, one log line (serve_log.cpp).
    svr.set_logger(
        [&](const httplib::Request& req, const httplib::Response& res) { serve::request_done(c, req, res); });
    // Statuses httplib sets by itself (404, 413, 400 on a malformed request) get a JSON body too.
    svr.set_error_handler([&](const httplib::Request& req, httplib::Response& res) {
        if (res.status >= 400 && res.status < 500) m.client_errors.inc();
        if (!res.body.empty()) return;
        std::string msg = res.status == 404   ? fmt::format("no such endpoint: {} {}", req.method, req.path)
                          : res.status == 413 ? fmt::format("the body is larger than {} bytes", cfg.lim.message_bytes)
                                              : fmt::format("the request was refused (HTTP {})", res.status);
        serve::send_error(res, res.status, serve::status_code_name(res.status), msg);
    });
    svr.set_exception_handler([&](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
        std::string what = "internal error";
        try {
            if (ep) std::rethrow_exception(ep);
        } catch (const std::exception& e) {
            what = e.what();
        } catch (...) {}
        serve::send_error(res, 500, "internal", what);
    });

    using req_t = const httplib::Request&;
    using res_t = httplib::Response&;
    auto route = [&c](void (*fn)(serve::context&, req_t, res_t)) {
        return [&c, fn](req_t req, res_t res) { fn(c, req, res); };
    };
    auto scan = [&c](req_t req, res_t res, const httplib::ContentReader& reader) {
        serve::scan_message(c, req, res, reader);
    };
    svr.Post("/api/v1/scan", scan);
    svr.Post("/checkv2", [&c](req_t req, res_t res, const httplib::ContentReader& reader) {
        serve::check_rspamd(c, req, res, reader);
    });
    svr.Get("/api/v1/detections", route(serve::list_detections));
    svr.Get(R"(/api/v1/detections/([^/]+))", route(serve::get_detection));
    svr.Post(R"(/api/v1/detections/([^/]+)/feedback)", route(serve::detection_feedback));
    svr.Get("/api/v1/report", route(serve::export_report));
    svr.Get("/api/v1/campaigns", route(serve::list_campaigns));
    svr.Get("/api/v1/timeline", route(serve::timeline));
    svr.Get("/api/v1/symbols", route(serve::symbols));
    svr.Get("/health", route(serve::health));
    svr.Get("/metrics", route(serve::prometheus_metrics));
    svr.Get("/", route(serve::dashboard));
    // Known paths with another method: 405, not 404.
    auto not_allowed = [](const char* allow) {
        return [allow](req_t req, res_t res) {
            res.set_header("Allow", allow);
            serve::send_error(res, 405, "method_not_allowed",
                              fmt::format("{} does not accept {}", req.path, req.method));
        };
    };
    svr.Get("/api/v1/scan", not_allowed("POST"));
    svr.Get("/checkv2", not_allowed("POST"));
    for (const char* p : {"/api/v1/detections", "/api/v1/campaigns", "/api/v1/report", "/api/v1/timeline",
                          "/api/v1/symbols", "/health", "/metrics"}) {
        svr.Post(p, not_allowed("GET"));
        svr.Put(p, not_allowed("GET"));
        svr.Delete(p, not_allowed("GET"));
    }

    int port = a.port;
    if (port == 0) {
        port = svr.bind_to_any_port(a.listen);
        if (port <= 0) {
            std::cerr << "replyguard serve: cannot bind " << a.listen << "\n";
            return 2;
        }
    } else if (!svr.bind_to_port(a.listen, port)) {
        std::cerr << "replyguard serve: cannot bind " << a.listen << ":" << port << "\n";
        return 2;
    }

    // SIGINT/SIGTERM stop the server from a thread of ours (stop() is not async-signal-safe).
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, nullptr);
    std::jthread waiter([&] {
        int sig = 0;
        sigwait(&sigs, &sig);
        notify_stopping();
        svr.stop();
    });

    std::string shown = a.listen.find(':') != std::string::npos ? "[" + a.listen + "]" : a.listen;
    std::cout << "replyguard serve: listening on http://" << shown << ":" << port << "/"
              << (token.empty() ? " (no token)" : " (token required)") << std::endl;
    // Type=notify (debian/replyguard.replyguard-serve.service): bound and ready.
    notify_ready(fmt::format("listening on {}:{}", shown, port));
    bool ok = svr.listen_after_bind();
    if (waiter.joinable()) {
        pthread_kill(waiter.native_handle(), SIGTERM);  // wake it if the server stopped by itself
        waiter.join();
    }
    return ok ? 0 : 2;
}

}  // namespace replyguard::cli
