// SPDX-License-Identifier: Apache-2.0
// apps/cli/milter_cmd.cpp - `replyguard milter`: the libmilter glue
//
// DESCRIPTION
//   Collects a message from the MTA (Postfix or Sendmail, libmilter), runs the
//   one analysis path (scan::engine, as `replyguard scan`) under a per-message
//   time limit, and carries out the plan of milter/policy.hpp: X-Replyguard-*
//   headers (forged copies from outside removed), subject tag, banner
//   (milter/banner.hpp), quarantine, reject (550 5.7.1) or tempfail. Clean mail
//   (authenticated submissions and delivered inbound mail) teaches the
//   history; authenticated submissions are watched for account abuse
//   (milter/outbound.hpp), in state shared through the store when the
//   history is Redis (several MTA hosts) or a writable SQLite file.
//   Signals: SIGHUP reloads the configuration file (a new scan::engine is
//   swapped in; analyses already running finish with the one they started
//   with; a bad file is logged and the running configuration kept). SIGTERM
//   and SIGINT turn new connections and messages away with a temporary
//   failure, let the messages in progress finish (bounded by the time limit),
//   stop libmilter and exit 0.
// DIAGNOSTICS
//   One line per message ("replyguard milter: QUEUEID: verdict=... score=...
//   action=... findings=ID=score, ..."), and one for every failure, reload and
//   signal, on standard error, syslog (facility mail) or both ([milter] log,
//   --log). An internal error, a store failure or the time limit gives the
//   configured default_action (accept or tempfail), logged with the queue id;
//   never a silent drop, never a half-rewritten message.
// LIMITS
//   A timed-out analysis keeps running on its own thread until the engine's
//   own limits stop it; its result is discarded. A message larger than
//   max_message_size is accepted unanalysed (tagged "unchecked").
#include "cli/commands.hpp"

#include "campaign/detections.hpp"
#include "core/config.hpp"
#include "history/learner.hpp"
#include "milter/banner.hpp"
#include "milter/outbound.hpp"
#include "milter/policy.hpp"
#include "mime/address.hpp"
#include "scan/engine.hpp"
#include "store/history.hpp"

#include <libmilter/mfapi.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <syslog.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <future>
#include <iostream>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

namespace replyguard::cli {

namespace {

// Detectors treat a failed history lookup as "nothing known" (the scan goes
// on); the milter must know, so it can apply default_action for a store
// outage. Every call through this wrapper that fails marks the analysing
// thread (each analysis runs on its own thread).
thread_local bool t_store_failed = false;

class watched_history final : public store::history {
public:
    explicit watched_history(std::unique_ptr<store::history> h) : h_(std::move(h)) {}
    template <class R>
    R w(R r) {
        if (!r) t_store_failed = true;
        return r;
    }
    result<bool> put(const store::learnt_message& m) override { return w(h_->put(m)); }
    result<void> add_org_domain(std::string_view d) override { return w(h_->add_org_domain(d)); }
    result<void> begin_batch() override { return w(h_->begin_batch()); }
    result<void> commit_batch() override { return w(h_->commit_batch()); }
    result<void> rollback_batch() override { return w(h_->rollback_batch()); }
    result<std::optional<store::message_record>> find_message(std::string_view k) override { return w(h_->find_message(k)); }
    result<std::optional<store::thread_info>> find_thread(std::string_view id) override { return w(h_->find_thread(id)); }
    result<std::vector<std::string>> threads_by_subject(std::string_view k, std::size_t max) override {
        return w(h_->threads_by_subject(k, max));
    }
    result<std::optional<store::correspondent>> find_correspondent(std::string_view a) override {
        return w(h_->find_correspondent(a));
    }
    result<std::vector<std::string>> addresses_for_name(std::string_view k) override { return w(h_->addresses_for_name(k)); }
    result<std::vector<store::fingerprint_hit>> match_fingerprints(std::span<const std::uint64_t> fps,
                                                                   std::size_t max_df) override {
        return w(h_->match_fingerprints(fps, max_df));
    }
    result<std::vector<std::string>> org_domains() override { return w(h_->org_domains()); }
    result<std::vector<std::string>> known_domains() override { return w(h_->known_domains()); }
    result<bool> is_known_domain(std::string_view d) override { return w(h_->is_known_domain(d)); }
    result<store::history_stats> stats() override { return w(h_->stats()); }

private:
    std::unique_ptr<store::history> h_;
};

struct analysis {
    scan::scan_result r;
    bool store_failed = false;
};

// Everything a message is analysed with that SIGHUP may replace. It is
// swapped as a whole, so a message never sees half of an old and half of a
// new configuration; holders of the old one keep it alive until they finish.
struct live_config {
    config core;
    milter::milter_config mc;
    std::unique_ptr<scan::engine> eng;
};

struct daemon_state {
    std::string config_path;    ///< "" : defaults only, nothing to reload
    std::string db;             ///< the store as opened (a restart changes it)
    bool db_from_cli = false;
    bool socket_from_cli = false;
    bool log_from_cli = false;
    bool store_writable = false;
    std::unique_ptr<store::history> hist;
    std::unique_ptr<milter::outbound_tracker> outbound;
    std::mutex learn_mu;
    std::unique_ptr<campaign::detection_store> kept;  ///< null: detections not kept
    std::mutex kept_mu;
    std::uint64_t kept_since_prune = 0;

    std::shared_ptr<const live_config> live() const {
        std::lock_guard lock(live_mu_);
        return live_;
    }
    void set_live(std::shared_ptr<const live_config> l) {
        std::lock_guard lock(live_mu_);
        live_ = std::move(l);
    }

private:
    mutable std::mutex live_mu_;
    std::shared_ptr<const live_config> live_;
};
daemon_state* g_state = nullptr;  // libmilter callbacks take no user pointer
std::atomic<int> g_running{0};    // analyses still running (some may have outlived their time limit)
std::atomic<int> g_sessions{0};   // MTA connections with a message_ctx
std::atomic<int> g_messages{0};   // messages between MAIL FROM and the end of EOM/abort/close
std::atomic<bool> g_stopping{false};  // SIGTERM/SIGINT: no new message, the ones in progress finish
std::mutex g_log_mu;

enum log_target : int { k_log_stderr = 1, k_log_syslog = 2 };
std::atomic<int> g_log_target{k_log_stderr};

int log_target_of(std::string_view name) {
    if (name == "syslog") return k_log_syslog;
    if (name == "both") return k_log_stderr | k_log_syslog;
    return k_log_stderr;
}

/// One line, prefixed with the queue id, to standard error and/or syslog.
/// `priority` is a syslog level: LOG_INFO per message, LOG_WARNING for a
/// default action or a refused reload, LOG_ERR for failures of the daemon.
void log_line(std::string_view qid, std::string_view text, int priority = LOG_INFO) {
    std::string_view q = qid.empty() ? "NOQUEUE" : qid;
    int target = g_log_target.load(std::memory_order_relaxed);
    std::lock_guard lock(g_log_mu);
    if (target & k_log_stderr) std::cerr << "replyguard milter: " << q << ": " << text << std::endl;
    if (target & k_log_syslog) {
        // "%s": text derived from mail is never a format string.
        std::string line = fmt::format("milter: {}: {}", q, text);
        syslog(LOG_MAIL | priority, "%s", line.c_str());
    }
}

struct header_kv {
    std::string name, value;
};

struct message_ctx {
    std::string client_ip;
    // per message
    std::string auth_authen;
    std::vector<std::string> rcpts;
    std::vector<header_kv> headers;
    std::string body;
    bool too_large = false;
    bool in_message = false;  ///< counted in g_messages (graceful shutdown waits for it)
    void begin() {
        if (!in_message) ++g_messages;
        in_message = true;
    }
    void end() {
        if (in_message) --g_messages;
        in_message = false;
    }
    void reset() {
        auth_authen.clear();
        rcpts.clear();
        headers.clear();
        body.clear();
        too_large = false;
    }
};

message_ctx* ctx_of(SMFICTX* ctx) { return static_cast<message_ctx*>(smfi_getpriv(ctx)); }

std::string qid_of(SMFICTX* ctx) {
    const char* q = smfi_getsymval(ctx, const_cast<char*>("i"));
    return q ? q : "";
}

std::string ascii_only(std::string_view s) {
    std::string o;
    for (char c : s) o += (static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7f) ? c : '?';
    return o;
}

std::string unfold_value(std::string_view v) {
    std::string o;
    for (std::size_t i = 0; i < v.size(); ++i) {
        if (v[i] == '\r' && i + 1 < v.size() && v[i + 1] == '\n') continue;
        if (v[i] == '\n') continue;
        o += v[i];
    }
    return o;
}

bool ieq(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

const header_kv* find_header(const message_ctx& m, std::string_view name) {
    for (const auto& h : m.headers)
        if (ieq(h.name, name)) return &h;
    return nullptr;
}

// Remove every arriving copy of the headers we own (forged from outside),
// highest index first so earlier indexes stay valid.
void remove_forged(SMFICTX* ctx, const message_ctx& m) {
    for (std::string_view owned : milter::k_owned_headers) {
        int n = static_cast<int>(std::count_if(m.headers.begin(), m.headers.end(),
                                               [&](const header_kv& h) { return ieq(h.name, owned); }));
        std::string name(owned);
        for (int i = n; i >= 1; --i) smfi_chgheader(ctx, name.data(), i, nullptr);
    }
}

sfsistat apply_default(SMFICTX* ctx, const milter::milter_config& mc, const message_ctx& m, std::string_view qid,
                       std::string_view why) {
    log_line(qid, fmt::format("{}; default action {}", why, milter::disposition_name(mc.default_action)), LOG_WARNING);
    if (mc.default_action == milter::disposition::tempfail) {
        smfi_setreply(ctx, const_cast<char*>("451"), const_cast<char*>("4.7.1"),
                      const_cast<char*>("Temporary failure in the mail filter, try again later"));
        return SMFIS_TEMPFAIL;
    }
    remove_forged(ctx, m);
    smfi_addheader(ctx, const_cast<char*>("X-Replyguard-Verdict"), const_cast<char*>("unchecked"));
    return SMFIS_ACCEPT;
}

std::string raw_message(const message_ctx& m) {
    std::string out;
    out.reserve(m.body.size() + 4096);
    for (const auto& h : m.headers) out += h.name + ": " + h.value + "\r\n";
    out += "\r\n";
    out += m.body;
    return out;
}

void learn_clean(const live_config& live, const scan::scan_result& r, std::string_view qid) {
    if (!live.mc.learn || !g_state->store_writable || !g_state->hist) return;
    history::learn_options lo{.org_domains = live.core.org_domains};
    std::lock_guard lock(g_state->learn_mu);
    auto s = history::learn_message(*g_state->hist, r.msg, lo);
    if (!s) log_line(qid, "learning failed: " + s.error().message, LOG_WARNING);
}

// The outbound state goes where the history is when that is shared (Redis:
// every milter on every MTA host counts together) or written anyway (SQLite
// with learning on: the milters of this host); a read-only SQLite history is
// not written, so its milter counts in memory.
result<std::unique_ptr<milter::outbound_tracker>> open_outbound(const milter::milter_config& mc, const std::string& db) {
    std::unique_ptr<store::outbound_state> state;
    std::string where = "memory (this process)";
    if (mc.outbound.enabled && (db.starts_with("redis://") || mc.learn)) {
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
    return db.starts_with("redis://") || !db_writable ? std::string() : db;
}

/// Keep a suspicious or malicious result, or an outbound-abuse event, for
/// `report` and `serve`. A failure is logged: the verdict stands without it.
void keep_detection(scan::scan_result& r, const std::optional<finding>& abuse, std::string_view qid,
                    milter::disposition disp, const config& core) {
    if (!g_state->kept || !(campaign::worth_keeping(r) || abuse)) return;
    const auto now = static_cast<std::int64_t>(std::time(nullptr));
    if (abuse) r.findings.push_back(*abuse);
    campaign::detection d = campaign::make_detection(r, now, core);
    if (abuse) r.findings.pop_back();
    if (d.verdict == "clean") d.verdict = "suspicious";  // an event about our account, not about the author
    d.source = fmt::format("milter:{} ({})", qid.empty() ? "NOQUEUE" : qid, milter::disposition_name(disp));
    std::lock_guard lock(g_state->kept_mu);
    if (auto id = g_state->kept->put(d); !id) {
        log_line(qid, "keeping the detection failed: " + id.error().message, LOG_WARNING);
        return;
    } else if (*id == 0) {
        log_line(qid, "detection not kept: its message key " + ascii_only(d.key) + " is stored already");
    }
    if (++g_state->kept_since_prune >= 1000) {  // retention, now and then rather than per message
        g_state->kept_since_prune = 0;
        if (auto p = g_state->kept->prune(now); !p) log_line(qid, "pruning detections failed: " + p.error().message, LOG_WARNING);
    }
}

std::size_t unknown_recipients(const message_ctx& m, const scan::scan_result& r) {
    if (!g_state->hist || !r.msg.from) return m.rcpts.size();
    auto c = g_state->hist->find_correspondent(r.msg.from->address_key);
    if (!c || !*c) return m.rcpts.size();
    std::size_t n = 0;
    for (const auto& rc : m.rcpts) {
        std::string k = mime::address_key(rc);
        if (!std::binary_search((*c)->wrote_to.begin(), (*c)->wrote_to.end(), k)) ++n;
    }
    return n;
}

sfsistat eom_impl(SMFICTX* ctx, message_ctx& m, const std::string& qid,
                  const std::shared_ptr<const live_config>& live) {
    const auto& mc = live->mc;
    const auto t_eom = std::chrono::steady_clock::now();
    if (m.too_large) {
        // A limit, not a failure: tempfailing it would defer the message forever.
        log_line(qid, fmt::format("message larger than {} bytes, not analysed; accepted unchecked", mc.max_message_size));
        remove_forged(ctx, m);
        smfi_addheader(ctx, const_cast<char*>("X-Replyguard-Verdict"), const_cast<char*>("unchecked"));
        return SMFIS_ACCEPT;
    }

    // The analysis runs on its own thread so the time limit holds; the shared
    // state keeps its inputs (and the engine it started with, should SIGHUP
    // replace it meanwhile) alive if we stop waiting.
    auto bytes = std::make_shared<std::string>(raw_message(m));
    ++g_running;
    auto task = std::make_shared<std::packaged_task<analysis()>>([bytes, qid, live] {
        struct done { ~done() { --g_running; } } guard;
        t_store_failed = false;
        analysis a{live->eng->scan(*bytes, qid.empty() ? "milter" : qid)};
        a.store_failed = t_store_failed;
        return a;
    });
    std::future<analysis> fut = task->get_future();
    std::thread([task] { (*task)(); }).detach();
    // The limit holds for the whole message: a result that is ready but came
    // after the limit (say this thread was descheduled while it waited) is late too.
    const std::chrono::duration<double> limit(mc.timeout);
    if (fut.wait_for(limit) != std::future_status::ready || std::chrono::steady_clock::now() - t_eom > limit)
        return apply_default(ctx, mc, m, qid, fmt::format("analysis took longer than {} s", mc.timeout));
    analysis an = fut.get();
    if (an.store_failed) return apply_default(ctx, mc, m, qid, "the history store failed during the analysis");
    scan::scan_result& r = an.r;
    if (r.error) return apply_default(ctx, mc, m, qid, "analysis failed: " + *r.error);

    milter::verdict_actions act = mc.for_verdict(r.outcome.v);
    std::vector<finding> findings = r.findings;

    // Outbound: an authenticated account of ours.
    std::optional<finding> abuse;
    if (!m.auth_authen.empty() && g_state->outbound) {
        t_store_failed = false;  // this thread's own history lookups (unknown_recipients)
        milter::outbound_event ev{.account = m.auth_authen,
                                  .client_ip = m.client_ip,
                                  .reply_like = r.msg.subject.is_reply() || r.msg.subject.is_forward(),
                                  .payload = !r.msg.attachments.empty() || !r.msg.urls.empty(),
                                  .unknown_recipients = unknown_recipients(m, r),
                                  .now = static_cast<std::int64_t>(std::time(nullptr))};
        // The verdict is already known; a store failure here only loses the outbound
        // check. The verdict's own reject or hold stands; mail it would accept gets
        // default_action when that is tempfail (what could not be checked waits).
        std::string failed;
        std::optional<finding> checked_abuse;
        if (t_store_failed) {
            failed = "the history store failed while checking the recipients";
        } else if (auto checked = g_state->outbound->check(ev); !checked) {
            failed = "the outbound state store failed: " + checked.error().message;
        } else {
            checked_abuse = std::move(*checked);
        }
        if (!failed.empty()) {
            if (mc.default_action == milter::disposition::tempfail && act.disp == milter::disposition::accept)
                return apply_default(ctx, mc, m, qid, failed);
            log_line(qid, failed + "; outbound check skipped, the verdict's action stands", LOG_WARNING);
        }
        abuse = std::move(checked_abuse);
        if (abuse) {
            log_line(qid, "OUTBOUND_ACCOUNT_ABUSE: " + abuse->detail, LOG_WARNING);
            findings.push_back(*abuse);
            act.headers = true;
            // Held rather than rejected even when the verdict says reject: nothing
            // leaves either way, and the held copy is the incident's evidence.
            if (mc.outbound.response == milter::disposition::quarantine) act.disp = milter::disposition::quarantine;
        }
    }

    std::string summary = fmt::format("verdict={} score={:.2f} action={} findings={}", score::verdict_name(r.outcome.v),
                                      r.outcome.score, milter::disposition_name(act.disp),
                                      milter::findings_header(findings));
    if (!m.auth_authen.empty()) summary += " auth=" + ascii_only(m.auth_authen);
    summary += fmt::format(" analysis_ms={:.1f}",
                           std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t_eom).count());
    log_line(qid, summary);
    keep_detection(r, abuse, qid, act.disp, live->core);

    if (act.disp == milter::disposition::reject) {
        smfi_setreply(ctx, const_cast<char*>("550"), const_cast<char*>("5.7.1"),
                      const_cast<char*>(mc.reject_reason.c_str()));
        return SMFIS_REJECT;
    }
    if (act.disp == milter::disposition::tempfail) {
        smfi_setreply(ctx, const_cast<char*>("451"), const_cast<char*>("4.7.1"),
                      const_cast<char*>("Message deferred by the mail filter"));
        return SMFIS_TEMPFAIL;
    }

    // Everything that can fail is computed before the first change is sent,
    // so the message is either rewritten as planned or not at all.
    std::optional<milter::subject_change> subj;
    if (act.subject) {
        const header_kv* s = find_header(m, "Subject");
        subj = milter::prefix_subject(s ? unfold_value(s->value) : std::string(), mc.subject_prefix);
    }
    std::optional<milter::banner_result> ban;
    if (act.banner) {
        const header_kv* ct = find_header(m, "Content-Type");
        const header_kv* cte = find_header(m, "Content-Transfer-Encoding");
        ban = milter::insert_banner(ct ? ct->value : "", cte ? cte->value : "", m.body, milter::default_banner());
    }

    remove_forged(ctx, m);
    if (act.headers) {
        std::string verdict(score::verdict_name(r.outcome.v));
        std::string sc = milter::score_header(r.outcome.score);
        std::string fh = milter::findings_header(findings);
        smfi_addheader(ctx, const_cast<char*>("X-Replyguard-Verdict"), verdict.data());
        smfi_addheader(ctx, const_cast<char*>("X-Replyguard-Score"), sc.data());
        smfi_addheader(ctx, const_cast<char*>("X-Replyguard-Findings"), fh.data());
    }
    if (abuse) {
        std::string v = ascii_only(abuse->detail);
        smfi_addheader(ctx, const_cast<char*>("X-Replyguard-Outbound"), v.data());
    }
    if (subj && subj->changed) {
        if (find_header(m, "Subject")) smfi_chgheader(ctx, const_cast<char*>("Subject"), 1, subj->value.data());
        else smfi_addheader(ctx, const_cast<char*>("Subject"), subj->value.data());
    }
    if (ban) {
        if (ban->body) {
            if (ban->content_type) {
                if (find_header(m, "Content-Type")) smfi_chgheader(ctx, const_cast<char*>("Content-Type"), 1, ban->content_type->data());
                else smfi_addheader(ctx, const_cast<char*>("Content-Type"), ban->content_type->data());
                if (!find_header(m, "MIME-Version")) smfi_addheader(ctx, const_cast<char*>("MIME-Version"), const_cast<char*>("1.0"));
            }
            if (ban->transfer_encoding) {
                if (find_header(m, "Content-Transfer-Encoding"))
                    smfi_chgheader(ctx, const_cast<char*>("Content-Transfer-Encoding"), 1, ban->transfer_encoding->data());
                else smfi_addheader(ctx, const_cast<char*>("Content-Transfer-Encoding"), ban->transfer_encoding->data());
            }
            if (smfi_replacebody(ctx, reinterpret_cast<unsigned char*>(ban->body->data()),
                                 static_cast<int>(ban->body->size())) != MI_SUCCESS)
                log_line(qid, "replacing the body failed", LOG_WARNING);
        } else {
            std::string v = "skipped: " + ascii_only(ban->skipped);
            smfi_addheader(ctx, const_cast<char*>("X-Replyguard-Banner"), v.data());
            log_line(qid, "banner " + v);
        }
    }
    if (act.disp == milter::disposition::quarantine) {
        std::string reason = fmt::format("replyguard: {} ({})", abuse ? "outbound account abuse" : score::verdict_name(r.outcome.v),
                                         milter::score_header(r.outcome.score));
        smfi_quarantine(ctx, reason.data());
        return SMFIS_ACCEPT;
    }
    if (r.outcome.v == score::verdict::clean && !abuse) learn_clean(*live, r, qid);
    return SMFIS_ACCEPT;
}

// --- libmilter callbacks (every one catches: nothing may escape into C) -----

sfsistat cb_connect(SMFICTX* ctx, char*, _SOCK_ADDR* sa) {
    if (g_stopping) return SMFIS_TEMPFAIL;  // the MTA tries again later (or another milter host)
    auto* m = new (std::nothrow) message_ctx;
    if (!m) return SMFIS_TEMPFAIL;
    if (sa) {
        char buf[INET6_ADDRSTRLEN] = {};
        if (sa->sa_family == AF_INET)
            inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(sa)->sin_addr, buf, sizeof buf);
        else if (sa->sa_family == AF_INET6)
            inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(sa)->sin6_addr, buf, sizeof buf);
        m->client_ip = buf;
    }
    smfi_setpriv(ctx, m);
    ++g_sessions;
    return SMFIS_CONTINUE;
}

sfsistat cb_envfrom(SMFICTX* ctx, char**) {
    message_ctx* m = ctx_of(ctx);
    if (!m) return SMFIS_TEMPFAIL;
    m->reset();
    if (g_stopping) {
        smfi_setreply(ctx, const_cast<char*>("451"), const_cast<char*>("4.3.2"),
                      const_cast<char*>("Mail filter shutting down, try again later"));
        return SMFIS_TEMPFAIL;
    }
    m->begin();
    if (const char* a = smfi_getsymval(ctx, const_cast<char*>("{auth_authen}"))) m->auth_authen = a;
    return SMFIS_CONTINUE;
}

sfsistat cb_envrcpt(SMFICTX* ctx, char** argv) {
    message_ctx* m = ctx_of(ctx);
    if (!m) return SMFIS_TEMPFAIL;
    if (argv && argv[0]) {
        std::string r = argv[0];
        if (r.size() >= 2 && r.front() == '<' && r.back() == '>') r = r.substr(1, r.size() - 2);
        m->rcpts.push_back(std::move(r));
    }
    return SMFIS_CONTINUE;
}

// Nothing to decide at DATA; registered so that the MTA waits for a reply.
// Without it libmilter negotiates "no DATA step", Postfix still sends the
// DATA macros as a packet nobody answers, and over TCP the first header
// (sent only once the whole message is in cleanup) waits behind it for the
// milter's delayed ACK (bench/milter_load.sh, inet vs unix socket).
sfsistat cb_data(SMFICTX*) { return SMFIS_CONTINUE; }

sfsistat cb_header(SMFICTX* ctx, char* name, char* value) {
    message_ctx* m = ctx_of(ctx);
    if (!m) return SMFIS_TEMPFAIL;
    try {
        m->headers.push_back({name ? name : "", value ? value : ""});
    } catch (...) {
        m->too_large = true;
    }
    return SMFIS_CONTINUE;
}

sfsistat cb_body(SMFICTX* ctx, unsigned char* buf, size_t len) {
    message_ctx* m = ctx_of(ctx);
    if (!m) return SMFIS_TEMPFAIL;
    if (m->too_large) return SMFIS_CONTINUE;
    if (m->body.size() + len > g_state->live()->mc.max_message_size) {
        m->too_large = true;
        m->body.clear();
        m->body.shrink_to_fit();
        return SMFIS_CONTINUE;
    }
    try {
        m->body.append(reinterpret_cast<const char*>(buf), len);
    } catch (...) {
        m->too_large = true;
    }
    return SMFIS_CONTINUE;
}

sfsistat cb_eom(SMFICTX* ctx) {
    message_ctx* m = ctx_of(ctx);
    std::string qid = qid_of(ctx);
    if (!m) {
        log_line(qid, "no connection state; tempfail", LOG_ERR);
        return SMFIS_TEMPFAIL;
    }
    // One configuration for the whole message, even if SIGHUP swaps it now.
    std::shared_ptr<const live_config> live = g_state->live();
    sfsistat rc;
    try {
        rc = eom_impl(ctx, *m, qid, live);
    } catch (const std::exception& e) {
        rc = apply_default(ctx, live->mc, *m, qid, fmt::format("internal error: {}", e.what()));
    } catch (...) {
        rc = apply_default(ctx, live->mc, *m, qid, "internal error");
    }
    m->reset();
    m->end();
    return rc;
}

sfsistat cb_abort(SMFICTX* ctx) {
    if (message_ctx* m = ctx_of(ctx)) {
        m->reset();
        m->end();
    }
    return SMFIS_CONTINUE;
}

sfsistat cb_close(SMFICTX* ctx) {
    if (message_ctx* m = ctx_of(ctx)) {
        m->end();
        delete m;
        --g_sessions;
    }
    smfi_setpriv(ctx, nullptr);
    return SMFIS_CONTINUE;
}

// libmilter leaves Nagle's algorithm on. Its replies at end of message are
// several small writes (one per header added or changed, then the verdict)
// that the MTA does not answer, so each write after the first waits for the
// MTA's delayed ACK: about 40 ms per header on Linux, measured by
// bench/milter_load.sh as 120 ms of added latency on clean mail. libmilter
// offers no hook on its sockets, so TCP_NODELAY goes on the listening socket
// it opened (the only listening socket of this process at that point);
// accepted connections inherit it on Linux and the BSDs.
void disable_nagle_on_listener() {
    for (int fd = 0; fd < 1024; ++fd) {
        int v = 0;
        socklen_t len = sizeof v;
        if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &v, &len) != 0 || v == 0) continue;
        sockaddr_storage sa{};
        socklen_t sl = sizeof sa;
        if (getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &sl) != 0) continue;
        if (sa.ss_family != AF_INET && sa.ss_family != AF_INET6) continue;
        int one = 1;
        if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0)
            log_line("", fmt::format("TCP_NODELAY on the milter socket failed: {}", std::strerror(errno)), LOG_WARNING);
    }
}

// --- configuration, reload and signals ----------------------------------------

/// Read the configuration file (both tables) and build an engine for it, with
/// its IOC lists and YARA rules. Any failure leaves nothing half-built.
result<std::shared_ptr<live_config>> build_live(const std::string& path, store::history* hist) {
    auto live = std::make_shared<live_config>();
    if (!path.empty()) {
        auto c = load_config(path);
        if (!c) return std::unexpected(c.error());
        live->core = std::move(*c);
        auto mc = milter::load_milter_config(path);
        if (!mc) return std::unexpected(mc.error());
        live->mc = std::move(*mc);
    }
    live->eng = std::make_unique<scan::engine>(live->core, hist);
    if (auto loaded = live->eng->load_configured_iocs(); !loaded) return std::unexpected(loaded.error());
    return live;
}

bool same_outbound(const milter::outbound_config& a, const milter::outbound_config& b) {
    return a.enabled == b.enabled && a.window == b.window && a.max_unknown_replies == b.max_unknown_replies &&
           a.flag_new_client_ip == b.flag_new_client_ip && a.response == b.response;
}

/// SIGHUP: a new configuration for the next messages, or none at all.
void reload(daemon_state& st) {
    if (st.config_path.empty()) {
        log_line("", "SIGHUP: started without --config; nothing to reload");
        return;
    }
    auto built = build_live(st.config_path, st.hist.get());
    if (!built) {
        log_line("", "reload failed, the running configuration stays in force: " + built.error().message, LOG_ERR);
        return;
    }
    live_config& next = **built;
    std::shared_ptr<const live_config> cur = st.live();
    // What was opened at start-up stays; say so rather than pretend.
    auto ignored = [](std::string_view what) {
        log_line("", fmt::format("reload: {} changed; that needs a restart, ignored", what), LOG_WARNING);
    };
    if (next.mc.socket != cur->mc.socket) {
        if (!st.socket_from_cli) ignored("milter.socket");
        next.mc.socket = cur->mc.socket;
    }
    if (next.mc.db != cur->mc.db) {
        if (!st.db_from_cli) ignored("milter.db");
        next.mc.db = cur->mc.db;
    }
    if (next.mc.detections != cur->mc.detections) {
        ignored("milter.detections");
        next.mc.detections = cur->mc.detections;
    }
    if (next.mc.learn && !st.store_writable) {
        ignored("milter.learn (the store was opened read-only)");
        next.mc.learn = false;
    }
    if (!same_outbound(next.mc.outbound, cur->mc.outbound)) {
        // The tracker's counts survive a reload; its settings are part of it.
        ignored("milter.outbound");
        next.mc.outbound = cur->mc.outbound;
    }
    if (st.log_from_cli) next.mc.log = cur->mc.log;
    g_log_target = log_target_of(next.mc.log);
    const auto& mc = next.mc;
    st.set_live(std::move(*built));
    log_line("", fmt::format("configuration reloaded from {} (thresholds {:.2f}/{:.2f}, default action {}, "
                             "timeout {} s, log {})",
                             st.config_path, next.core.suspicious_threshold, next.core.malicious_threshold,
                             milter::disposition_name(mc.default_action), mc.timeout, mc.log));
}

// Signals. libmilter's smfi_main starts a thread that sigwait()s on SIGHUP,
// SIGTERM and SIGINT and stops the milter on any of them (HUP and TERM:
// MILTER_STOP, INT: MILTER_ABRT, which also aborts the sessions; sendmail's
// libmilter/signal.c). We want HUP to reload, so the main thread takes these
// signals first: it installs handlers and keeps them unblocked, while every
// other thread (smfi_main's, libmilter's, the analyses) inherits a mask that
// blocks them. On Linux a process-directed signal goes to the thread-group
// leader (our main thread) whenever it can take it (complete_signal() in
// kernel/signal.c): when it does not block it and is running or has no
// other signal pending. libmilter's sigwait only gets one the leader cannot
// take. A handler rather than sigwait() in the main thread for that reason:
// while it reloads, a signal blocked outside sigwait() would go to
// libmilter's thread and stop the milter. What is left: a SIGTERM arriving
// while another of these signals is pending on a preempted main thread may
// still reach libmilter, which then stops at once instead of draining.
int g_signal_pipe[2] = {-1, -1};
constexpr char k_wake_smfi_returned = 0;

void on_signal(int sig) {
    int saved = errno;
    char c = static_cast<char>(sig);
    [[maybe_unused]] auto n = write(g_signal_pipe[1], &c, 1);  // full pipe: a burst is one event anyway
    errno = saved;
}

sigset_t control_signals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    return set;
}

bool install_signal_handlers() {
    if (pipe2(g_signal_pipe, O_CLOEXEC | O_NONBLOCK) != 0) return false;
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    // Nothing blocked while the handler runs, not even its own signal
    // (SA_NODEFER): a signal blocked in the main thread goes to libmilter's
    // thread instead (seen: a SIGHUP burst stopped the milter without it).
    // The handler is reentrant: it only writes one byte.
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_NODEFER;
    for (int s : {SIGHUP, SIGTERM, SIGINT})
        if (sigaction(s, &sa, nullptr) != 0) return false;
    return true;
}

constexpr int k_no_event = -1;

/// The next event: a signal number, k_wake_smfi_returned, or k_no_event
/// when `timeout_ms` (-1: none) passes first.
int next_event(int timeout_ms = -1) {
    for (;;) {
        pollfd p{.fd = g_signal_pipe[0], .events = POLLIN, .revents = 0};
        int r = poll(&p, 1, timeout_ms);
        if (r < 0 && errno == EINTR) continue;
        if (r == 0) return k_no_event;
        char c;
        ssize_t n = read(g_signal_pipe[0], &c, 1);
        if (n == 1) return c;
        if (n < 0 && errno == EINTR) continue;
        return k_wake_smfi_returned;  // cannot happen with the write end open; stop rather than spin
    }
}

}  // namespace

int run_milter(const milter_args& a) {
    // Not a static object: a timed-out analysis may still use it while the
    // process exits; it is torn down below only when none is running.
    daemon_state& st = *new daemon_state;
    st.config_path = a.config;
    st.db_from_cli = !a.db.empty();
    st.socket_from_cli = !a.socket.empty();
    st.log_from_cli = !a.log.empty();

    // The store first (the engine keeps a pointer to it), with [milter] db.
    milter::milter_config first;
    if (!a.config.empty()) {
        auto mc = milter::load_milter_config(a.config);
        if (!mc) { std::cerr << "replyguard milter: " << mc.error().message << "\n"; return 2; }
        first = std::move(*mc);
    }
    st.db = !a.db.empty() ? a.db : !first.db.empty() ? first.db : default_db_path();
    st.store_writable = first.learn;
    auto hist = store::open_history(st.db, st.store_writable ? store::open_mode::read_write : store::open_mode::read_only);
    if (!hist) { std::cerr << "replyguard milter: " << hist.error().message << "\n"; return 2; }
    st.hist = std::make_unique<watched_history>(std::move(*hist));
    auto built = build_live(a.config, st.hist.get());
    if (!built) { std::cerr << "replyguard milter: " << built.error().message << "\n"; return 2; }
    if (!a.socket.empty()) (*built)->mc.socket = a.socket;
    if (!a.log.empty()) (*built)->mc.log = a.log;
    g_log_target = log_target_of((*built)->mc.log);
    openlog("replyguard", LOG_PID, LOG_MAIL);  // connects on the first line only (a reload may switch to syslog)
    const milter::milter_config& mc0 = (*built)->mc;
    std::string socket = mc0.socket;
    auto outbound = open_outbound(mc0, st.db);
    if (!outbound) { std::cerr << "replyguard milter: " << outbound.error().message << "\n"; return 2; }
    st.outbound = std::move(*outbound);
    if (std::string kp = detections_path(mc0, st.db, st.store_writable); !kp.empty()) {
        auto k = campaign::open_detections(kp, true);
        if (k) {
            st.kept = std::move(*k);
            log_line("", "detections kept in " + kp);
        } else if (!mc0.detections.empty()) {  // asked for by name: a start-up error
            std::cerr << "replyguard milter: " << k.error().message << "\n";
            return 2;
        } else {
            log_line("", "detections not kept: " + k.error().message, LOG_WARNING);
        }
    } else {
        log_line("", "detections not kept (set [milter] detections to an SQLite file, or learn = true with an SQLite history)");
    }
    st.set_live(std::move(*built));
    g_state = &st;

    smfiDesc desc{};
    desc.xxfi_name = const_cast<char*>("replyguard");
    desc.xxfi_version = SMFI_VERSION;
    desc.xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_CHGBODY | SMFIF_QUARANTINE;
    desc.xxfi_connect = cb_connect;
    desc.xxfi_envfrom = cb_envfrom;
    desc.xxfi_envrcpt = cb_envrcpt;
    desc.xxfi_data = cb_data;
    desc.xxfi_header = cb_header;
    desc.xxfi_body = cb_body;
    desc.xxfi_eom = cb_eom;
    desc.xxfi_abort = cb_abort;
    desc.xxfi_close = cb_close;

    if (smfi_setconn(socket.data()) != MI_SUCCESS) {
        std::cerr << "replyguard milter: bad socket " << socket << "\n";
        return 2;
    }
    if (smfi_register(desc) != MI_SUCCESS) {
        std::cerr << "replyguard milter: smfi_register failed\n";
        return 2;
    }
    if (smfi_opensocket(1) != MI_SUCCESS) {  // 1: remove a stale unix socket
        std::cerr << "replyguard milter: cannot listen on " << socket << "\n";
        return 2;
    }
    disable_nagle_on_listener();
    if (!install_signal_handlers()) {
        std::cerr << "replyguard milter: cannot install signal handlers\n";
        return 2;
    }

    // smfi_main on its own thread, created with the control signals blocked
    // so it and every thread it starts inherit that mask (see above).
    sigset_t ctl = control_signals(), old;
    pthread_sigmask(SIG_BLOCK, &ctl, &old);
    std::atomic<int> smfi_rc{MI_SUCCESS};
    std::thread smfi([&smfi_rc] {
        smfi_rc = smfi_main();
        char c = k_wake_smfi_returned;
        [[maybe_unused]] auto n = write(g_signal_pipe[1], &c, 1);
    });
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
    pthread_sigmask(SIG_UNBLOCK, &ctl, nullptr);

    log_line("", fmt::format("listening on {} (history {}, default action {}, timeout {} s, log {})", socket, st.db,
                             milter::disposition_name(mc0.default_action), mc0.timeout, mc0.log));
    int stop_signal = 0;
    for (;;) {
        int ev = next_event();
        if (ev == SIGHUP) {
            try {
                reload(st);
            } catch (const std::exception& e) {
                log_line("", fmt::format("reload failed: {}; the running configuration stays in force", e.what()),
                         LOG_ERR);
            }
            continue;
        }
        if (ev == SIGTERM || ev == SIGINT) stop_signal = ev;
        break;  // a stop, or smfi_main returned by itself
    }

    // Graceful stop. smfi_stop() is not enough: with libmilter's pool of
    // workers (Debian builds it with _FFR_WORKERS_POOL) the thread that reads
    // the MTA's next command ends at once, so a message whose end has not
    // been read yet would never be answered. So first drain: new connections
    // and new messages get a temporary failure while the messages in progress
    // finish (bounded by the time limit; a second signal cuts it short), and
    // only then stop libmilter.
    if (stop_signal) {
        g_stopping = true;
        log_line("", fmt::format("{}: stopping; {} message(s) in progress", stop_signal == SIGTERM ? "SIGTERM" : "SIGINT",
                                 g_messages.load()));
        double limit = st.live()->mc.timeout + 5.0;
        auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(limit);
        bool cut = false;
        while (g_messages > 0 && std::chrono::steady_clock::now() < deadline && !cut) {
            int ev = next_event(20);
            if (ev == SIGTERM || ev == SIGINT || ev == k_wake_smfi_returned) cut = true;
            else if (ev == SIGHUP) log_line("", "SIGHUP while stopping: ignored");
        }
        // The answer to the end of a message is written just after our
        // callback returns, by the same libmilter thread.
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        smfi_stop();
    }
    smfi.join();
    for (int i = 0; g_running > 0 && i < 50; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (g_messages > 0) log_line("", fmt::format("{} message(s) still in progress at exit", g_messages.load()), LOG_WARNING);
    if (g_running == 0 && g_sessions == 0) {
        g_state = nullptr;
        delete &st;  // closes the history store cleanly
    } else if (g_running > 0) {
        log_line("", fmt::format("{} analysis still running at exit; the store is left to the OS", g_running.load()),
                 LOG_WARNING);
    }
    log_line("", "stopped");
    if (stop_signal) return 0;
    return smfi_rc == MI_SUCCESS ? 0 : 1;
}

}  // namespace replyguard::cli
