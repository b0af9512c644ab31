// SPDX-License-Identifier: Apache-2.0
// apps/cli/serve_cmd.cpp - `replyguard serve`: HTTP JSON API and the web dashboard
//
// DESCRIPTION
//   cpp-httplib (Debian libcpp-httplib-dev) serves, on 127.0.0.1:8025 by default:
//     POST /api/v1/scan          raw message bytes in the body -> the JSON record
//                                (also POST /checkv2, as rspamd's controller);
//                                ?source=NAME names it; non-clean results are kept
//     GET  /api/v1/detections    ?limit=N (default 200, max 10000) &since=UNIX
//     GET  /api/v1/detections/ID a detection, each finding with its description (en, ja)
//     GET  /api/v1/campaigns     ?lang=en|ja
//     GET  /api/v1/timeline      detections per day and finding group, ?days=N (default 30)
//     GET  /api/v1/symbols       every finding id with group, score, descriptions
//     GET  /health               liveness, no token needed
//     GET  /metrics              Prometheus text format
//     GET  /                     the dashboard (apps/cli/dashboard.cpp)
//   With a token (--token or $REPLYGUARD_TOKEN) /api/ and /metrics require
//   "Authorization: Bearer TOKEN". Binding anything but a loopback address
//   without a token is refused: the API accepts mail and shows mail metadata.
// DIAGNOSTICS
//   Every error is JSON {"error": CODE, "message": TEXT} with a 4xx/5xx status:
//   400 bad_request (empty body, bad parameter), 401 unauthorized, 404 not_found,
//   405 method_not_allowed, 413 too_large, 415 unsupported_media_type (a form
//   upload instead of the raw message), 500 internal.
// LIMITS
//   A request body larger than limits.message_bytes is refused with 413.
//   Clustering for /api/v1/campaigns reads every kept detection (retention-bounded).
#include "cli/commands.hpp"
#include "cli/dashboard.hpp"

#include "campaign/cluster.hpp"
#include "campaign/detections.hpp"
#include "campaign/report.hpp"
#include "core/config.hpp"
#include "detect/detector.hpp"
#include "output/record.hpp"
#include "scan/engine.hpp"
#include "store/history.hpp"

#include <fmt/format.h>
#include <httplib.h>
#include <openssl/crypto.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <iostream>
#include <map>
#include <mutex>
#include <thread>

namespace replyguard::cli {

namespace {

using nlohmann::json;

std::int64_t now_s() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

bool is_loopback(std::string_view host) {
    return host == "localhost" || host == "::1" || host == "[::1]" || host.rfind("127.", 0) == 0;
}

void send_json(httplib::Response& res, int status, const json& j) {
    res.status = status;
    res.set_content(j.dump(-1, ' ', false, json::error_handler_t::replace), "application/json; charset=utf-8");
}

void send_error(httplib::Response& res, int status, std::string_view code, std::string_view message) {
    send_json(res, status, json{{"error", code}, {"message", message}});
}

std::string_view status_code_name(int s) {
    switch (s) {
    case 400: return "bad_request";
    case 401: return "unauthorized";
    case 404: return "not_found";
    case 405: return "method_not_allowed";
    case 413: return "too_large";
    case 414: return "uri_too_long";
    case 415: return "unsupported_media_type";
    default: return s >= 500 ? "internal" : "error";
    }
}

/// A non-negative integer query parameter; nullopt with an error sent when malformed.
std::optional<std::int64_t> int_param(const httplib::Request& req, httplib::Response& res, const char* name,
                                      std::int64_t fallback, std::int64_t max) {
    if (!req.has_param(name)) return fallback;
    std::string v = req.get_param_value(name);
    std::int64_t n = 0;
    bool ok = !v.empty() && v.size() <= 18;
    for (char c : v) {
        if (c < '0' || c > '9') {
            ok = false;
            break;
        }
        n = n * 10 + (c - '0');
    }
    if (!ok || n > max) {
        send_error(res, 400, "bad_request", fmt::format("parameter '{}' must be an integer from 0 to {}", name, max));
        return std::nullopt;
    }
    return n;
}

struct metrics {
    std::atomic<std::uint64_t> scans_clean{0}, scans_suspicious{0}, scans_malicious{0}, scan_errors{0};
    std::atomic<std::uint64_t> kept{0}, requests{0}, unauthorized{0}, client_errors{0};
    std::atomic<std::uint64_t> scan_micros{0};
};

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

int run_serve(const serve_args& a) {
    config cfg;
    if (!a.config.empty()) {
        auto c = load_config(a.config);
        if (!c) {
            std::cerr << "replyguard serve: " << c.error().message << "\n";
            return 2;
        }
        cfg = std::move(*c);
    }
    std::string token = a.token;
    if (token.empty())
        if (const char* env = std::getenv("REPLYGUARD_TOKEN"); env) token = env;
    if (!is_loopback(a.listen) && token.empty()) {
        std::cerr << "replyguard serve: refusing to listen on " << a.listen
                  << " without a token: set --token or REPLYGUARD_TOKEN (only loopback addresses may run open)\n";
        return 2;
    }

    const std::string db_path = a.db.empty() ? default_db_path() : a.db;
    std::error_code ec;
    if (a.keep_detections && !std::filesystem::exists(db_path, ec)) {
        auto h = store::open_history(db_path, store::open_mode::read_write);  // a valid empty history
        if (!h) {
            std::cerr << "replyguard serve: " << h.error().message << "\n";
            return 2;
        }
    }
    auto hist = store::open_history(db_path, store::open_mode::read_only);
    if (!hist) {
        std::cerr << "replyguard serve: " << hist.error().message << "\n";
        return 2;
    }
    auto kept = campaign::open_detections(db_path, a.keep_detections,
                                          campaign::retention{a.retention_days, a.retention_count});
    if (!kept) {
        std::cerr << "replyguard serve: " << kept.error().message << "\n";
        return 2;
    }
    std::vector<std::string> org = cfg.org_domains;
    if (org.empty())
        if (auto d = (*hist)->org_domains(); d) org = *d;
    campaign::detection_store& store = **kept;
    scan::engine eng(cfg, hist->get());
    if (auto loaded = eng.load_configured_iocs(); !loaded) {
        std::cerr << "replyguard serve: " << loaded.error().message << "\n";
        return 2;
    }
    metrics m;

    httplib::Server svr;
    svr.set_payload_max_length(cfg.lim.message_bytes);
    svr.set_read_timeout(30, 0);

    svr.set_pre_routing_handler([&](const httplib::Request& req, httplib::Response& res) {
        ++m.requests;
        res.set_header("X-Content-Type-Options", "nosniff");
        res.set_header("Cache-Control", "no-store");
        bool protected_path = req.path.rfind("/api/", 0) == 0 || req.path == "/metrics" || req.path == "/checkv2";
        if (!protected_path || token.empty()) return httplib::Server::HandlerResponse::Unhandled;
        std::string auth = req.get_header_value("Authorization");
        std::string want = "Bearer " + token;
        if (auth.size() == want.size() && CRYPTO_memcmp(auth.data(), want.data(), want.size()) == 0)
            return httplib::Server::HandlerResponse::Unhandled;
        ++m.unauthorized;
        res.set_header("WWW-Authenticate", "Bearer");
        send_error(res, 401, "unauthorized", "missing or wrong token: send 'Authorization: Bearer TOKEN'");
        return httplib::Server::HandlerResponse::Handled;
    });
    // Statuses httplib sets by itself (404, 413, 400 on a malformed request) get a JSON body too.
    svr.set_error_handler([&](const httplib::Request& req, httplib::Response& res) {
        if (res.status >= 400 && res.status < 500) ++m.client_errors;
        if (!res.body.empty()) return;
        std::string msg = res.status == 404   ? fmt::format("no such endpoint: {} {}", req.method, req.path)
                          : res.status == 413 ? fmt::format("the body is larger than {} bytes", cfg.lim.message_bytes)
                                              : fmt::format("the request was refused (HTTP {})", res.status);
        send_error(res, res.status, status_code_name(res.status), msg);
    });
    svr.set_exception_handler([&](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
        std::string what = "internal error";
        try {
            if (ep) std::rethrow_exception(ep);
        } catch (const std::exception& e) {
            what = e.what();
        } catch (...) {
        }
        send_error(res, 500, "internal", what);
    });

    // A content-reader handler: httplib then hands us the body as sent, whatever the
    // Content-Type. (With a plain handler, a body sent as
    // application/x-www-form-urlencoded - curl's default - is parsed as a form and
    // refused beyond 8 KiB by the library.)
    auto scan_handler = [&](const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) {
        if (req.is_multipart_form_data()) {
            send_error(res, 415, "unsupported_media_type",
                       "send the raw message as the body (Content-Type: message/rfc822), not a form");
            return;
        }
        std::string body;
        bool too_large = false;
        reader([&](const char* data, std::size_t n) {
            if (body.size() + n > cfg.lim.message_bytes) {
                too_large = true;
                return false;
            }
            body.append(data, n);
            return true;
        });
        if (too_large) {
            send_error(res, 413, "too_large", fmt::format("the body is larger than {} bytes", cfg.lim.message_bytes));
            return;
        }
        if (body.empty()) {
            send_error(res, 400, "bad_request", "POST the raw message (RFC 5322 bytes) as the request body");
            return;
        }
        std::string source = req.has_param("source") ? req.get_param_value("source") : "http";
        auto t0 = std::chrono::steady_clock::now();
        scan::scan_result r = eng.scan(body, source);
        m.scan_micros += static_cast<std::uint64_t>(
            std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0).count());
        if (r.error) ++m.scan_errors;
        switch (r.outcome.v) {
        case score::verdict::clean: ++m.scans_clean; break;
        case score::verdict::suspicious: ++m.scans_suspicious; break;
        case score::verdict::malicious: ++m.scans_malicious; break;
        }
        json j = output::to_json(r);
        j["detection_id"] = nullptr;
        if (a.keep_detections && campaign::worth_keeping(r)) {
            auto id = store.put(campaign::make_detection(r, now_s(), cfg));
            if (!id) {
                send_error(res, 500, "internal", "cannot keep the detection: " + id.error().message);
                return;
            }
            if (*id) {
                ++m.kept;
                j["detection_id"] = *id;
            }
        }
        send_json(res, 200, j);
    };
    svr.Post("/api/v1/scan", scan_handler);
    svr.Post("/checkv2", scan_handler);

    svr.Get("/api/v1/detections", [&](const httplib::Request& req, httplib::Response& res) {
        auto limit = int_param(req, res, "limit", 200, 10000);
        if (!limit) return;
        auto since = int_param(req, res, "since", 0, 1LL << 40);
        if (!since) return;
        auto ds = store.list({*since, 0, static_cast<std::size_t>(*limit)});
        if (!ds) return send_error(res, 500, "internal", ds.error().message);
        json arr = json::array();
        for (const auto& d : *ds) arr.push_back(detection_brief(d));
        send_json(res, 200, json{{"detections", arr}});
    });
    svr.Get(R"(/api/v1/detections/([^/]+))", [&](const httplib::Request& req, httplib::Response& res) {
        const std::string& s = req.matches[1];
        std::int64_t id = 0;
        bool ok = !s.empty() && s.size() <= 18;
        for (char c : s) {
            if (c < '0' || c > '9') ok = false;
            else id = id * 10 + (c - '0');
        }
        if (!ok) return send_error(res, 400, "bad_request", "a detection id is a positive integer");
        auto d = store.get(id);
        if (!d) return send_error(res, 500, "internal", d.error().message);
        if (!*d) return send_error(res, 404, "not_found", fmt::format("no detection {}", id));
        json j = campaign::to_json(**d);
        j["findings"] = explain_findings(**d);
        send_json(res, 200, j);
    });
    svr.Get("/api/v1/campaigns", [&](const httplib::Request& req, httplib::Response& res) {
        std::string lang = req.has_param("lang") ? req.get_param_value("lang") : "en";
        if (lang != "en" && lang != "ja") return send_error(res, 400, "bad_request", "lang must be 'en' or 'ja'");
        auto ds = store.list({});
        if (!ds) return send_error(res, 500, "internal", ds.error().message);
        auto cs = campaign::cluster(*ds, {a.window_days, org});
        json arr = json::array();
        for (const auto& c : cs) arr.push_back(campaign::campaign_json(c, lang));
        send_json(res, 200, json{{"campaigns", arr}, {"org_domains", org}});
    });
    svr.Get("/api/v1/timeline", [&](const httplib::Request& req, httplib::Response& res) {
        auto days = int_param(req, res, "days", 30, 3650);
        if (!days) return;
        // The window ends at the newest detection, so old data (a demo, an import) still shows.
        auto ds = store.list({});
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
    });
    svr.Get("/api/v1/symbols", [&](const httplib::Request&, httplib::Response& res) {
        json arr = json::array();
        for (const auto& s : detect::all_symbols())
            arr.push_back(json{{"id", s.id}, {"group", s.group}, {"score", cfg.score_for(s.id, s.score)},
                               {"description_en", s.description_en}, {"description_ja", s.description_ja}});
        send_json(res, 200, json{{"symbols", arr}});
    });
    svr.Get("/health", [&](const httplib::Request&, httplib::Response& res) {
        auto n = store.count();
        send_json(res, 200, json{{"status", "ok"}, {"version", REPLYGUARD_VERSION},
                                 {"detections", n ? json(*n) : json(nullptr)}});
    });
    svr.Get("/metrics", [&](const httplib::Request&, httplib::Response& res) {
        auto n = store.count();
        std::string t;
        t += "# HELP replyguard_scans_total Messages scanned through the API, by verdict.\n"
             "# TYPE replyguard_scans_total counter\n";
        t += fmt::format("replyguard_scans_total{{verdict=\"clean\"}} {}\n", m.scans_clean.load());
        t += fmt::format("replyguard_scans_total{{verdict=\"suspicious\"}} {}\n", m.scans_suspicious.load());
        t += fmt::format("replyguard_scans_total{{verdict=\"malicious\"}} {}\n", m.scans_malicious.load());
        t += "# HELP replyguard_scan_errors_total Scans that returned an error for the message.\n"
             "# TYPE replyguard_scan_errors_total counter\n";
        t += fmt::format("replyguard_scan_errors_total {}\n", m.scan_errors.load());
        t += "# HELP replyguard_scan_seconds_total Time spent scanning.\n# TYPE replyguard_scan_seconds_total counter\n";
        t += fmt::format("replyguard_scan_seconds_total {:.6f}\n", m.scan_micros.load() / 1e6);
        t += "# HELP replyguard_detections_kept_total Detections written by this process.\n"
             "# TYPE replyguard_detections_kept_total counter\n";
        t += fmt::format("replyguard_detections_kept_total {}\n", m.kept.load());
        t += "# HELP replyguard_detections_stored Detections in the store.\n# TYPE replyguard_detections_stored gauge\n";
        t += fmt::format("replyguard_detections_stored {}\n", n ? *n : 0);
        t += "# HELP replyguard_http_requests_total HTTP requests received.\n"
             "# TYPE replyguard_http_requests_total counter\n";
        t += fmt::format("replyguard_http_requests_total {}\n", m.requests.load());
        t += "# HELP replyguard_http_unauthorized_total Requests refused for a missing or wrong token.\n"
             "# TYPE replyguard_http_unauthorized_total counter\n";
        t += fmt::format("replyguard_http_unauthorized_total {}\n", m.unauthorized.load());
        res.status = 200;
        res.set_content(t, "text/plain; version=0.0.4; charset=utf-8");
    });
    svr.Get("/", [&](const httplib::Request&, httplib::Response& res) {
        res.set_header("Content-Security-Policy",
                       "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; "
                       "img-src data:");
        res.set_content(std::string(dashboard_html()), "text/html; charset=utf-8");
    });
    // Known paths with another method: 405, not 404.
    auto not_allowed = [](const char* allow) {
        return [allow](const httplib::Request& req, httplib::Response& res) {
            res.set_header("Allow", allow);
            send_error(res, 405, "method_not_allowed", fmt::format("{} does not accept {}", req.path, req.method));
        };
    };
    svr.Get("/api/v1/scan", not_allowed("POST"));
    svr.Get("/checkv2", not_allowed("POST"));
    for (const char* p : {"/api/v1/detections", "/api/v1/campaigns", "/api/v1/timeline", "/api/v1/symbols", "/health",
                          "/metrics"}) {
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
        svr.stop();
    });

    std::string shown = a.listen.find(':') != std::string::npos ? "[" + a.listen + "]" : a.listen;
    std::cout << "replyguard serve: listening on http://" << shown << ":" << port << "/"
              << (token.empty() ? " (no token)" : " (token required)") << std::endl;
    bool ok = svr.listen_after_bind();
    if (waiter.joinable()) {
        pthread_kill(waiter.native_handle(), SIGTERM);  // wake it if the server stopped by itself
        waiter.join();
    }
    return ok ? 0 : 2;
}

}  // namespace replyguard::cli
