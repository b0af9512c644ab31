// SPDX-License-Identifier: Apache-2.0
// apps/cli/milter_metrics.cpp - the milter's exposition, its /metrics listener and textfile (see milter_metrics.hpp)
#include "cli/milter_metrics.hpp"

#include "cli/http_server.hpp"
#include "cli/milter_daemon.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

namespace replyguard::cli::milterd {

std::string metrics_text() {
    metrics::exposition e;
    g_metrics.scan.expose(e);
    e.counter("replyguard_milter_messages_total",
              "Messages at their end, by what became of the analysis (done, too_large, timed_out, failed, "
              "store_failed).",
              g_metrics.messages);
    e.counter("replyguard_milter_actions_total", "What the milter did with a message.", g_metrics.actions);
    e.histogram("replyguard_milter_analysis_duration_seconds",
                "Time from the end of a message to the milter's answer: analysis under the time limit, outbound "
                "check, changes sent (what the MTA waits).",
                g_metrics.analysis_seconds);
    e.counter("replyguard_milter_outbound_abuse_total",
              "Authenticated submissions flagged as abuse of one of our accounts.", g_metrics.outbound_abuse.value());
    e.gauge("replyguard_milter_messages_in_progress", "Messages between MAIL FROM and their end.",
            static_cast<double>(g_messages.load()));
    return e.take();
}

result<void> write_metrics_file(const std::string& path) {
    const std::string tmp = fmt::format("{}.tmp.{}", path, ::getpid());
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        out << metrics_text();
        out.flush();
        if (!out) {
            std::remove(tmp.c_str());
            return fail(errc::io, fmt::format("cannot write {}", tmp));
        }
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
        int e = errno;
        std::remove(tmp.c_str());
        return fail(errc::io, fmt::format("cannot rename {} to {}: {}", tmp, path, std::strerror(e)));
    }
    return {};
}

struct metrics_listener::impl {
    std::unique_ptr<http::server> svr;
};

result<std::unique_ptr<metrics_listener>> metrics_listener::start(const std::string& address) {
    // "HOST:PORT" or "[V6]:PORT"; the configuration checked it is loopback.
    std::size_t colon = address.rfind(':');
    if (colon == std::string::npos) return fail(errc::parse, "metrics address must be HOST:PORT: " + address);
    std::string host = address.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    int port = std::atoi(address.c_str() + colon + 1);
    // The server of `serve` (http_server.hpp), smaller: one path, two workers, no body.
    http::server_limits lim;
    lim.connections = 64;
    lim.per_ip = 64;
    lim.idle_timeout_s = 5;
    lim.head_deadline_s = 5;
    lim.request_deadline_s = 10;
    lim.body_bytes = 0;
    lim.workers = 2;
    lim.queue = 16;
    http::handlers h;
    h.handle = [](http::request& req, http::response& res) {
        if ((req.method == "GET" || req.method == "HEAD") && req.path == "/metrics") {
            res.set_content(metrics_text(), std::string(metrics::k_content_type));
            return;
        }
        res.status = 404;
        res.set_content("not found\n", "text/plain; charset=utf-8");
    };
    auto svr = http::server::start(host, port, lim, std::move(h));
    if (!svr) return fail(errc::io, "cannot start the metrics listener on " + address + ": " + svr.error().message);
    auto l = std::unique_ptr<metrics_listener>(new metrics_listener);
    l->impl_ = std::make_unique<impl>();
    l->port_ = (*svr)->port();
    l->impl_->svr = std::move(*svr);
    return l;
}

metrics_listener::~metrics_listener() {
    if (impl_ && impl_->svr) impl_->svr->stop();
}

}  // namespace replyguard::cli::milterd
