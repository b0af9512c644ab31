// SPDX-License-Identifier: Apache-2.0
// apps/cli/milter_state.cpp - the milter daemon's state: configuration, learning, kept detections
//
// DESCRIPTION
//   What outlives one message: the configuration with its engine (built here
//   at start-up and on SIGHUP, through the CLI's shared start-up), learning
//   clean mail into the history, keeping detections for `report` and `serve`,
//   and where the outbound-abuse state lives.
// DIAGNOSTICS
//   A failure to learn, keep or prune is logged with the queue id; the
//   message's verdict stands without it.
#include "cli/milter_daemon.hpp"

#include "cli/milter_log.hpp"
#include "cli/milter_metrics.hpp"
#include "cli/startup.hpp"
#include "history/learner.hpp"
#include "milter/plan.hpp"
#include "mime/address.hpp"
#include "store/history.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <ctime>

namespace replyguard::cli::milterd {

result<std::shared_ptr<live_config>> build_live(const std::string& path, store::history* hist) {
    auto live = std::make_shared<live_config>();
    auto file = load_config_file(path);
    if (!file) return std::unexpected(file.error());
    live->core = std::move(file->core);
    if (file->doc) {
        auto mc = milter::milter_config_from_toml(*file->doc);
        if (!mc) return std::unexpected(mc.error());
        live->mc = std::move(*mc);
    }
    // The analysis stops itself before the milter stops waiting for it, so no
    // worker outlives [milter] timeout by more than the margin (milter/policy.hpp).
    live->core.lim.message_millis = milter::analysis_millis(live->mc, live->core.lim.message_millis);
    auto eng = make_engine(live->core, hist);
    if (!eng) return std::unexpected(eng.error());
    live->eng = std::move(*eng);
    return live;
}

// The outbound state goes where the history is when that is shared (Redis:
// every milter on every MTA host counts together) or written anyway (SQLite
// with learning on: the milters of this host); a read-only SQLite history is
// not written, so its milter counts in memory.
result<std::unique_ptr<milter::outbound_tracker>> open_outbound(const milter::milter_config& mc,
                                                                const std::string& db) {
    std::unique_ptr<store::outbound_state> state;
    std::string where = "memory (this process)";
    if (mc.outbound.enabled && (store::is_redis_url(db) || mc.learn)) {
        auto s = store::open_outbound_state(db);
        if (!s) return std::unexpected(s.error());
        state = std::move(*s);
        where = db;
    } else {
        state = store::make_memory_outbound_state();
    }
    log_line("", "outbound state in " + where);
    return std::make_unique<milter::outbound_tracker>(mc.outbound, std::move(state));
}

// [milter] detections: "" is the history file when that is SQLite (nothing
// with Redis), "off" nothing, else an SQLite file of its own.
std::string detections_path(const milter::milter_config& mc, const std::string& db, bool db_writable) {
    if (mc.detections == "off") return {};
    if (!mc.detections.empty()) return mc.detections;
    // Not into a history opened read-only (learn = false): that file is not ours to write.
    return store::is_redis_url(db) || !db_writable ? std::string() : db;
}

void keep_detection(scan::scan_result& r, std::string_view raw, const std::optional<finding>& abuse,
                    std::string_view qid, milter::disposition disp, const config& core) {
    if (!g_state->kept || !(campaign::worth_keeping(r) || abuse)) return;
    const auto now = static_cast<std::int64_t>(std::time(nullptr));
    if (abuse) r.findings.push_back(*abuse);
    campaign::detection d = campaign::make_detection(r, now, core, raw);
    if (abuse) r.findings.pop_back();
    if (d.verdict == "clean") d.verdict = "suspicious";  // an event about our account, not about the author
    d.source = fmt::format("milter:{} ({})", qid.empty() ? "NOQUEUE" : qid, milter::disposition_name(disp));
    std::lock_guard lock(g_state->kept_mu);
    if (auto id = g_state->kept->put(d); !id) {
        g_metrics.scan.store_errors.inc("detections");
        log_line(qid, "keeping the detection failed: " + id.error().message, LOG_WARNING);
        return;
    } else if (*id == 0) {
        log_line(qid, "detection not kept: its message key " + milter::ascii_only(d.key) + " is stored already");
    } else {
        g_metrics.scan.kept.inc();
    }
    if (++g_state->kept_since_prune >= 1000) {  // retention, now and then rather than per message
        g_state->kept_since_prune = 0;
        if (auto p = g_state->kept->prune(now); !p)
            log_line(qid, "pruning detections failed: " + p.error().message, LOG_WARNING);
    }
}

void learn_clean(const live_config& live, const scan::scan_result& r, std::string_view qid) {
    if (!live.mc.learn || !g_state->store_writable || !g_state->hist) return;
    history::learn_options lo{.org_domains = live.core.org_domains};
    std::lock_guard lock(g_state->learn_mu);
    auto s = history::learn_message(*g_state->hist, r.msg, lo);
    if (!s) {
        g_metrics.scan.store_errors.inc("history");
        log_line(qid, "learning failed: " + s.error().message, LOG_WARNING);
    }
}

std::size_t unknown_recipients(const std::vector<std::string>& rcpts, const scan::scan_result& r) {
    // The sender's record as the engine gathered it (no second store read).
    if (!r.history.ok() || !r.msg.from) return rcpts.size();
    const auto& c = r.history.sender_record;
    if (!c) return rcpts.size();
    std::size_t n = 0;
    for (const auto& rc : rcpts) {
        std::string k = mime::address_key(rc);
        if (!std::binary_search(c->wrote_to.begin(), c->wrote_to.end(), k)) ++n;
    }
    return n;
}

}  // namespace replyguard::cli::milterd
