// SPDX-License-Identifier: Apache-2.0
// apps/cli/milter_session.cpp - libmilter callbacks: collect, analyse, carry out the plan
//
// DESCRIPTION
//   One session state per MTA connection (client address), reset per message
//   (envelope, header block, body). At the end of a message the one analysis
//   path (scan::engine, as `replyguard scan`) runs on a reused thread (milter_pool.hpp) under
//   [milter] timeout; an authenticated submission is checked for account
//   abuse (milter/outbound.hpp); milter::make_plan (milter/plan.hpp) decides,
//   and this file only carries the plan out through libmilter: the reply, the
//   X-Replyguard-* headers (forged copies from outside removed), the subject
//   tag and the banner (values from the engine's parsed message, never
//   re-parsed here), quarantine, learning, keeping the detection.
// LIMITS
//   [milter] max_message_size counts the header block and the body as the MTA
//   sends them: once passed, nothing more is stored and the message is
//   accepted unchecked. The engine's per-message time limit is set below
//   [milter] timeout (milter::analysis_millis, applied in build_live), so the
//   analysis stops itself, cooperatively, through its budget, and its
//   incomplete result usually comes in time for [milter] on_incomplete. When it
//   does not (a store that hangs, a descheduled thread), the milter stops
//   waiting at the timeout and applies on_incomplete; the worker, its budget
//   already spent, finishes what it is in (YARA at most 1 s more, libyara
//   counts whole seconds; one Office password try, at most 1M hash rounds)
//   and its result is discarded.
// DIAGNOSTICS
//   Every callback catches: nothing escapes into C. Everything that can fail
//   is computed before the first change is sent, so a message is either
//   rewritten as planned or not at all.
#include "cli/milter_daemon.hpp"
#include "core/strings.hpp"

#include "cli/milter_log.hpp"
#include "cli/milter_metrics.hpp"
#include "cli/milter_pool.hpp"
#include "milter/banner.hpp"
#include "milter/plan.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <future>
#include <thread>

namespace replyguard::cli::milterd {

namespace {

constexpr std::size_t k_owned = std::size(milter::k_owned_headers);

struct session {
    std::string client_ip;
    // per message
    std::string auth_authen;
    std::vector<std::string> rcpts;
    std::string head;  ///< the header block as the MTA sent it ("Name: value\r\n" each)
    std::string body;
    std::uint64_t size = 0;  ///< header block + body, counted against max_message_size
    /// [milter] max_message_size as it was at MAIL FROM: read once per message,
    /// not per header line and body chunk (each read locks and copies the live
    /// configuration's shared_ptr).
    std::uint64_t max_size = 0;
    bool too_large = false;
    /// How many copies of each of our own headers arrived (the indexes
    /// smfi_chgheader removes), counted even past the size limit.
    std::array<int, k_owned> owned{};
    /// The fields we may change: change when present, add when not.
    bool has_subject = false, has_content_type = false, has_cte = false, has_mime_version = false;
    bool state_counted = false;  ///< replyguard_milter_messages_total counted for this message
    bool in_message = false;     ///< counted in g_messages (graceful shutdown waits for it)

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
        head.clear();
        body.clear();
        size = 0;
        too_large = false;
        state_counted = false;
        owned.fill(0);
        has_subject = has_content_type = has_cte = has_mime_version = false;
    }
    /// Past max_message_size: drop what was stored; keep counting nothing more.
    void overflow() {
        too_large = true;
        head.clear();
        head.shrink_to_fit();
        body.clear();
        body.shrink_to_fit();
    }
};

session* session_of(SMFICTX* ctx) { return static_cast<session*>(smfi_getpriv(ctx)); }

std::string qid_of(SMFICTX* ctx) {
    const char* q = smfi_getsymval(ctx, const_cast<char*>("i"));
    return q ? q : "";
}

char* c(std::string& s) { return s.data(); }
char* c(const char* s) { return const_cast<char*>(s); }

// Remove every arriving copy of the headers we own (forged from outside),
// highest index first so earlier indexes stay valid.
void remove_forged(SMFICTX* ctx, const session& m) {
    for (std::size_t k = 0; k < k_owned; ++k) {
        std::string name(milter::k_owned_headers[k]);
        for (int i = m.owned[k]; i >= 1; --i) smfi_chgheader(ctx, name.data(), i, nullptr);
    }
}

void set_header(SMFICTX* ctx, bool present, const char* name, std::string value) {
    if (present)
        smfi_chgheader(ctx, c(name), 1, value.data());
    else
        smfi_addheader(ctx, c(name), value.data());
}

/// Reply, header changes, body, quarantine: the plan, through libmilter.
sfsistat carry_out(SMFICTX* ctx, session& m, const milter::plan& p, const milter::milter_config& mc,
                   const scan::scan_result* r, std::string_view qid) {
    if (p.reply) {
        milter::smtp_reply rep = *p.reply;
        smfi_setreply(ctx, c(rep.code), c(rep.xcode), c(rep.text));
        g_metrics.actions.inc(milter::disposition_name(p.disp));
        return p.disp == milter::disposition::reject ? SMFIS_REJECT : SMFIS_TEMPFAIL;
    }
    // Computed before the first change is sent (see DIAGNOSTICS).
    std::optional<milter::subject_change> subj;
    std::optional<milter::banner_result> ban;
    if (r && p.tag_subject) {
        const mime::header_field* s = r->msg.header("Subject");
        subj = milter::prefix_subject(s ? s->raw : std::string(), r->msg.subject.decoded, mc.subject_prefix);
    }
    if (r && p.banner) {
        ban = milter::insert_banner(r->msg.body_type, r->msg.body_transfer_encoding, m.body, milter::default_banner());
    }

    if (p.remove_forged) remove_forged(ctx, m);
    for (const auto& [name, value] : p.add_headers) {
        std::string n = name, v = value;
        smfi_addheader(ctx, n.data(), v.data());
    }
    if (subj && subj->changed) set_header(ctx, m.has_subject, "Subject", subj->value);
    if (ban) {
        if (ban->body) {
            if (ban->content_type) {
                set_header(ctx, m.has_content_type, "Content-Type", *ban->content_type);
                if (!m.has_mime_version) smfi_addheader(ctx, c("MIME-Version"), c("1.0"));
            }
            if (ban->transfer_encoding)
                set_header(ctx, m.has_cte, "Content-Transfer-Encoding", *ban->transfer_encoding);
            if (smfi_replacebody(ctx, reinterpret_cast<unsigned char*>(ban->body->data()),
                                 static_cast<int>(ban->body->size())) != MI_SUCCESS)
                log_line(qid, "replacing the body failed", LOG_WARNING);
        } else {
            std::string v = "skipped: " + milter::ascii_only(ban->skipped);
            smfi_addheader(ctx, c("X-Replyguard-Banner"), v.data());
            log_line(qid, "banner " + v);
        }
    }
    if (p.disp == milter::disposition::quarantine) {
        std::string reason = p.quarantine_reason;
        smfi_quarantine(ctx, reason.data());
    }
    // Counted once the answer is decided: an exception before it ends in
    // internal_error, whose own answer is the one counted.
    g_metrics.actions.inc(milter::disposition_name(p.disp));
    return SMFIS_ACCEPT;
}

std::string_view state_name(milter::analysis_state s) {
    switch (s) {
    case milter::analysis_state::done: return "done";
    case milter::analysis_state::too_large: return "too_large";
    case milter::analysis_state::timed_out: return "timed_out";
    case milter::analysis_state::failed: return "failed";
    case milter::analysis_state::store_failed: return "store_failed";
    }
    return "failed";
}

/// replyguard_milter_messages_total, once per message (an internal error after
/// the count does not count the message again).
void count_state(session& m, milter::analysis_state s) {
    if (m.state_counted) return;
    m.state_counted = true;
    g_metrics.messages.inc(state_name(s));
}

/// The plan for `in` (a message the analysis could not decide), carried out.
sfsistat run_plan(SMFICTX* ctx, session& m, const milter::plan_input& in, const milter::milter_config& mc,
                  std::string_view qid) {
    count_state(m, in.state);
    const milter::plan p = milter::make_plan(mc, in);
    for (const auto& n : p.notes) log_line(qid, n.text, n.warning ? LOG_WARNING : LOG_INFO);
    return carry_out(ctx, m, p, mc, nullptr, qid);
}

struct analysis {
    scan::scan_result r;
    double cpu_ms = 0;  ///< CPU time of the analysis thread for this scan (cpu_ms in the log line)
    /// When the analysis thread started and ended the scan (queued_ms and
    /// scan_ms in the log line: analysis_ms split into its parts).
    std::chrono::steady_clock::time_point start, end;
};

/// CPU time of the calling thread, in milliseconds.
double thread_cpu_ms() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

sfsistat eom_impl(SMFICTX* ctx, session& m, const std::string& qid, const std::shared_ptr<const live_config>& live) {
    const auto& mc = live->mc;
    const auto t_eom = std::chrono::steady_clock::now();
    milter::plan_input in;
    if (m.too_large) {
        in.state = milter::analysis_state::too_large;
        return run_plan(ctx, m, in, mc, qid);
    }

    // The analysis runs on its own thread so the time limit holds; the shared
    // state keeps its inputs (and the engine it started with, should SIGHUP
    // replace it meanwhile) alive if we stop waiting.
    auto bytes = std::make_shared<std::string>();
    bytes->reserve(m.head.size() + 2 + m.body.size());
    *bytes += m.head;
    *bytes += "\r\n";
    *bytes += m.body;
    ++g_running;
    auto task = std::make_shared<std::packaged_task<analysis()>>([bytes, qid, live] {
        struct done {
            ~done() { --g_running; }
        } guard;
        // A store failure is reported by the engine in r.history (scan/gather.cpp).
        const auto t0 = std::chrono::steady_clock::now();
        const double c0 = thread_cpu_ms();
        analysis an{live->eng->scan(*bytes, qid.empty() ? "milter" : qid), 0.0, t0, t0};
        an.cpu_ms = thread_cpu_ms() - c0;
        an.end = std::chrono::steady_clock::now();
        g_metrics.scan.count(an.r, std::chrono::duration<double>(an.end - t0).count());
        return an;
    });
    std::future<analysis> fut = task->get_future();
    run_analysis([task] { (*task)(); });  // a reused thread (milter_pool.hpp)
    // The limit holds for the whole message: a result that is ready but came
    // after the limit (say this thread was descheduled while it waited) is late too.
    const std::chrono::duration<double> limit(mc.timeout);
    if (fut.wait_for(limit) != std::future_status::ready || std::chrono::steady_clock::now() - t_eom > limit) {
        in.state = milter::analysis_state::timed_out;
        return run_plan(ctx, m, in, mc, qid);
    }
    analysis an = fut.get();
    scan::scan_result& r = an.r;
    if (r.history.status == history::view_status::unavailable)
        in.state = milter::analysis_state::store_failed;
    else if (r.error && r.incomplete) {
        // A limit (memory) stopped the analysis: what was found stands, as for
        // any incomplete result, never the default action's `accept`.
        log_line(qid, "analysis stopped: " + milter::ascii_only(*r.error), LOG_WARNING);
    } else if (r.error) {
        in.state = milter::analysis_state::failed;
        in.failure = "analysis failed: " + *r.error;
    }
    if (in.state != milter::analysis_state::done) return run_plan(ctx, m, in, mc, qid);
    in.verdict = r.outcome.v;
    in.score = r.outcome.score;
    in.findings = r.findings;
    in.incomplete = r.incomplete;
    for (const auto& h : r.limits_hit) in.limits_hit.push_back(h.id);

    // Outbound: an authenticated account of ours.
    if (!m.auth_authen.empty() && g_state->outbound) {
        milter::outbound_event ev{.account = m.auth_authen,
                                  .client_ip = m.client_ip,
                                  .reply_like = r.msg.subject.is_reply() || r.msg.subject.is_forward(),
                                  .payload = !r.msg.attachments.empty() || !r.msg.urls.empty(),
                                  .unknown_recipients = unknown_recipients(m.rcpts, r),
                                  .now = static_cast<std::int64_t>(std::time(nullptr))};
        if (auto checked = g_state->outbound->check(ev); !checked) {
            g_metrics.scan.store_errors.inc("outbound");
            in.outbound.failure = "the outbound state store failed: " + checked.error().message;
        } else {
            in.outbound.abuse = std::move(*checked);
            if (in.outbound.abuse) g_metrics.outbound_abuse.inc();
        }
    }

    milter::plan p = milter::make_plan(mc, in);
    count_state(m, in.state);
    for (const auto& n : p.notes) log_line(qid, n.text, n.warning ? LOG_WARNING : LOG_INFO);
    if (p.defaulted) return carry_out(ctx, m, p, mc, nullptr, qid);
    using ms = std::chrono::duration<double, std::milli>;
    log_line(qid, milter::summary_line(in, p, m.auth_authen) +
                      fmt::format(" analysis_ms={:.1f} cpu_ms={:.1f} queued_ms={:.1f} scan_ms={:.1f}",
                                  ms(std::chrono::steady_clock::now() - t_eom).count(), an.cpu_ms,
                                  ms(an.start - t_eom).count(), ms(an.end - an.start).count()));
    keep_detection(r, *bytes, in.outbound.abuse, qid, p.disp, live->core);
    sfsistat rc = carry_out(ctx, m, p, mc, &r, qid);
    if (p.learn) learn_clean(*live, r, qid);
    return rc;
}

/// An internal error: the default action, as the plan gives it.
sfsistat internal_error(SMFICTX* ctx, session& m, const milter::milter_config& mc, std::string_view qid,
                        std::string why) {
    milter::plan_input in;
    in.state = milter::analysis_state::failed;
    in.failure = std::move(why);
    return run_plan(ctx, m, in, mc, qid);
}

// --- libmilter callbacks (every one catches: nothing may escape into C) -----

sfsistat cb_connect(SMFICTX* ctx, char*, _SOCK_ADDR* sa) {
    if (g_stopping) return SMFIS_TEMPFAIL;  // the MTA tries again later (or another milter host)
    auto* m = new (std::nothrow) session;
    if (!m) return SMFIS_TEMPFAIL;
    if (sa) {
        char buf[INET6_ADDRSTRLEN] = {};
        if (sa->sa_family == AF_INET)
            inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(sa)->sin_addr, buf, sizeof buf);
        else if (sa->sa_family == AF_INET6)
            inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(sa)->sin6_addr, buf, sizeof buf);
        m->client_ip = buf;
    }
    m->max_size = g_state->live()->mc.max_message_size;  // again at each MAIL FROM
    smfi_setpriv(ctx, m);
    ++g_sessions;
    return SMFIS_CONTINUE;
}

sfsistat cb_envfrom(SMFICTX* ctx, char**) {
    session* m = session_of(ctx);
    if (!m) return SMFIS_TEMPFAIL;
    m->reset();
    if (g_stopping) {
        smfi_setreply(ctx, c("451"), c("4.3.2"), c("Mail filter shutting down, try again later"));
        return SMFIS_TEMPFAIL;
    }
    m->begin();
    try {
        m->max_size = g_state->live()->mc.max_message_size;
        if (const char* a = smfi_getsymval(ctx, c("{auth_authen}"))) m->auth_authen = a;
    } catch (...) {
        return SMFIS_TEMPFAIL;
    }
    return SMFIS_CONTINUE;
}

sfsistat cb_envrcpt(SMFICTX* ctx, char** argv) {
    session* m = session_of(ctx);
    if (!m) return SMFIS_TEMPFAIL;
    try {
        if (argv && argv[0]) {
            std::string r = argv[0];
            if (r.size() >= 2 && r.front() == '<' && r.back() == '>') r = r.substr(1, r.size() - 2);
            m->rcpts.push_back(std::move(r));
        }
    } catch (...) {
        return SMFIS_TEMPFAIL;
    }
    return SMFIS_CONTINUE;
}

// Nothing to decide at DATA; registered so that the MTA waits for a reply.
// Without it libmilter negotiates "no DATA step", Postfix still sends the
// DATA macros as a packet nobody answers, and over TCP the first header
// (sent only once the whole message is in cleanup) waits behind it for the
// milter's delayed ACK (bench/milter_load.sh, inet vs unix socket).
sfsistat cb_data(SMFICTX*) { return SMFIS_CONTINUE; }

// The header and body steps are negotiated as "no reply" (cb_negotiate): these
// two callbacks answer SMFIS_NOREPLY and never decide anything. A missing
// session is found again at end of message, which tempfails it.
// REPLYGUARD_MILTER_NO_REPLY=0 in the environment negotiates a reply to each
// again (an experiment switch for bench/milter_load.sh's MILTER_ENV, not a
// setting); then the callbacks answer "continue", since an unnegotiated
// SMFIS_NOREPLY would leave the MTA waiting.
const bool g_no_reply = [] {
    const char* e = std::getenv("REPLYGUARD_MILTER_NO_REPLY");
    return !(e && std::string_view(e) == "0");
}();

sfsistat no_reply() { return g_no_reply ? SMFIS_NOREPLY : SMFIS_CONTINUE; }

sfsistat cb_header(SMFICTX* ctx, char* name, char* value) {
    session* m = session_of(ctx);
    if (!m) return no_reply();
    std::string_view n = name ? name : "", v = value ? value : "";
    for (std::size_t k = 0; k < k_owned; ++k)
        if (ieq(n, milter::k_owned_headers[k])) ++m->owned[k];
    if (ieq(n, "Subject"))
        m->has_subject = true;
    else if (ieq(n, "Content-Type"))
        m->has_content_type = true;
    else if (ieq(n, "Content-Transfer-Encoding"))
        m->has_cte = true;
    else if (ieq(n, "MIME-Version"))
        m->has_mime_version = true;
    if (m->too_large) return no_reply();
    // The header block counts against the limit as much as the body does.
    m->size += n.size() + 2 + v.size() + 2;
    if (m->size > m->max_size) {
        m->overflow();
        return no_reply();
    }
    try {
        m->head.append(n).append(": ").append(v).append("\r\n");
    } catch (...) {
        m->overflow();
    }
    return no_reply();
}

sfsistat cb_body(SMFICTX* ctx, unsigned char* buf, size_t len) {
    session* m = session_of(ctx);
    if (!m) return no_reply();
    if (m->too_large) return no_reply();
    m->size += len;
    if (m->size > m->max_size) {
        m->overflow();
        return no_reply();
    }
    try {
        m->body.append(reinterpret_cast<const char*>(buf), len);
    } catch (...) {
        m->overflow();
    }
    return no_reply();
}

sfsistat cb_eom(SMFICTX* ctx) {
    session* m = session_of(ctx);
    std::string qid = qid_of(ctx);
    if (!m) {
        log_line(qid, "no connection state; tempfail", LOG_ERR);
        return SMFIS_TEMPFAIL;
    }
    // One configuration for the whole message, even if SIGHUP swaps it now.
    std::shared_ptr<const live_config> live = g_state->live();
    const auto t_eom = std::chrono::steady_clock::now();
    sfsistat rc;
    try {
        rc = eom_impl(ctx, *m, qid, live);
    } catch (const std::exception& e) {
        rc = internal_error(ctx, *m, live->mc, qid, fmt::format("internal error: {}", e.what()));
    } catch (...) {
        rc = internal_error(ctx, *m, live->mc, qid, "internal error");
    }
    g_metrics.analysis_seconds.observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - t_eom).count());
    m->reset();
    m->end();
    return rc;
}

sfsistat cb_abort(SMFICTX* ctx) {
    if (session* m = session_of(ctx)) {
        m->reset();
        m->end();
    }
    return SMFIS_CONTINUE;
}

// Without this callback the MTA waits for an answer to every header field
// and every body chunk: each is a round trip (the MTA writes, a libmilter
// thread wakes, answers "continue", the MTA wakes), and after the final "."
// of a 20-field message those round trips were most of the latency the
// milter added (bench/milter_load.sh: added p50 4.2 ms over inet while the
// analysis itself took 0.9 ms at p50). Header and body answers carry no
// decision here (the verdict is made at end of message), so both steps are
// "no reply". libmilter answers for us when the MTA does not offer them.
// Over TCP too: Postfix then writes the header fields, body chunks and end
// of message in one segment (tcpdump, bench/milter_trace.py: no write held
// back by Nagle's algorithm waiting for our ACK), and the milter's CPU per
// message falls by ~0.45 ms on either socket (bench/README.md, 2026-12-05
// 18:05). Everything else is what libmilter would ask for from our callbacks.
sfsistat cb_negotiate(SMFICTX*, unsigned long f0, unsigned long f1, unsigned long, unsigned long, unsigned long* pf0,
                      unsigned long* pf1, unsigned long* pf2, unsigned long* pf3) {
    constexpr unsigned long actions = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_CHGBODY | SMFIF_QUARANTINE;
    // Steps we have no callback for (not sent), and the steps we never answer.
    constexpr unsigned long not_sent = SMFIP_NOHELO | SMFIP_NOEOH | SMFIP_NOUNKNOWN;
    constexpr unsigned long nr_steps = SMFIP_NR_HDR | SMFIP_NR_BODY;
    if ((f0 & actions) != actions) return SMFIS_REJECT;  // libmilter logs it and closes
    *pf0 = actions;
    *pf1 = (f1 & not_sent) | (g_no_reply ? f1 & nr_steps : 0);
    *pf2 = 0;
    *pf3 = 0;
    return SMFIS_CONTINUE;
}

sfsistat cb_close(SMFICTX* ctx) {
    if (session* m = session_of(ctx)) {
        m->end();
        delete m;
        --g_sessions;
    }
    smfi_setpriv(ctx, nullptr);
    return SMFIS_CONTINUE;
}

}  // namespace

smfiDesc filter_description() {
    smfiDesc desc{};
    desc.xxfi_name = c("replyguard");
    desc.xxfi_version = SMFI_VERSION;
    desc.xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_CHGBODY | SMFIF_QUARANTINE;  // as cb_negotiate
    desc.xxfi_connect = cb_connect;
    desc.xxfi_envfrom = cb_envfrom;
    desc.xxfi_envrcpt = cb_envrcpt;
    desc.xxfi_data = cb_data;
    desc.xxfi_header = cb_header;
    desc.xxfi_body = cb_body;
    desc.xxfi_eom = cb_eom;
    desc.xxfi_abort = cb_abort;
    desc.xxfi_close = cb_close;
    desc.xxfi_negotiate = cb_negotiate;
    return desc;
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

}  // namespace replyguard::cli::milterd
