// SPDX-License-Identifier: Apache-2.0
// apps/cli/watch_cmd.cpp - `replyguard watch imaps://...`: sit in the mail flow without an MTA
//
// DESCRIPTION
//   Follows one mailbox (the URL's, --folder, or INBOX) with the history:
//   each pass reads the mail that arrived since the last handled UID
//   (imap/sync.hpp, purpose "watch"), scans it (scan::engine with the history),
//   and acts by verdict:
//     clean       learnt into the history (unless --no-learn);
//     suspicious  --on-suspicious (default flag);
//     malicious   --on-malicious (default move);
//   where `report` only prints, `flag` sets \Flagged and the keyword
//   (--keyword, default $Replyguard), `move` flags and then moves the message
//   to the quarantine folder (created when missing). Mail is never deleted.
//   Each pass also learns new mail of --learn-folder (default: the server's
//   \Sent mailbox) so threads started after the import are known.
//   One line per message on standard output (text, or JSON lines with the
//   scan record plus "imap" {mailbox, uidvalidity, uid} and "action").
//   Suspicious and malicious results are kept in the detections store of the
//   SQLite --db (as the milter keeps them), so `report` and `serve` see them.
//
//   Between passes it waits --poll seconds: libcurl cannot IDLE (see
//   imap/client.hpp), so "following" is a cheap UID FETCH on the open
//   connection. A dropped connection (server restart, network) is retried with
//   backoff (1 s doubling to --max-backoff) and resumes at the first message
//   whose read mark did not move: nothing is missed, nothing handled twice
//   except the one message in flight when the connection dropped (its actions
//   are idempotent). At start-up any failure (an unreachable server too) stops
//   it at once (exit status 2); later they are retried like a dropped
//   connection (a restarting server refuses logins for a moment), and so is a
//   history store failure (the message is handled again once the store is back).
//   SIGINT and SIGTERM stop it between messages (exit status 0).
#include "cli/commands.hpp"
#include "cli/imap_common.hpp"
#include "cli/startup.hpp"

#include "campaign/detections.hpp"
#include "core/config.hpp"
#include "history/learner.hpp"
#include "imap/client.hpp"
#include "imap/sync.hpp"
#include "mime/parser.hpp"
#include "output/record.hpp"
#include "scan/engine.hpp"
#include "store/history.hpp"
#include "store/imap_state.hpp"

#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <iostream>
#include <thread>

namespace replyguard::cli {
namespace {

std::atomic<bool> g_stop{false};
extern "C" void on_stop_signal(int) { g_stop = true; }

/// Sleep up to `s`, waking early on SIGINT/SIGTERM.
void nap(std::chrono::seconds s) {
    auto until = std::chrono::steady_clock::now() + s;
    while (!g_stop && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
}

}  // namespace

int run_watch(const watch_args& a) {
    auto say = [](const std::string& m) { std::cerr << "replyguard watch: " << m << std::endl; };
    config cfg;
    if (!a.config.empty()) {
        auto c = load_config(a.config);
        if (!c) {
            say(c.error().message);
            return 2;
        }
        cfg = std::move(*c);
    }
    use_history_memory(cfg);  // [history] cache_mb, mmap_mb
    if (a.imap.folders.size() > 1) {
        say("watch follows one mailbox: give --folder once (run one watch per mailbox)");
        return 2;
    }
    auto url = imap::parse_url(a.url);
    if (!url) {
        say(fmt::format("{}: {}", a.url, url.error().message));
        return 2;
    }
    std::string folder_utf8 = !url->mailbox.empty()     ? url->mailbox
                              : !a.imap.folders.empty() ? a.imap.folders.front()
                                                        : "INBOX";
    auto box = imap::encode_mailbox(folder_utf8);
    auto quarantine = imap::encode_mailbox(a.quarantine);
    auto learn_boxes = encode_folders(a.learn_folders);
    if (!box || !quarantine || !learn_boxes) {
        say(!box ? box.error().message : !quarantine ? quarantine.error().message : learn_boxes.error().message);
        return 2;
    }
    auto copt = imap_client_options(*url, a.imap, cfg.lim.message_bytes);
    if (!copt) {
        say(copt.error().message);
        return 2;
    }
    const std::string db = a.db.empty() ? default_db_path() : a.db;
    // The read marks go into the history file: make it a valid (empty) history
    // first, so that a later read-only scan does not refuse a file holding only them.
    std::error_code ec;
    if (!a.learn && a.imap.marks.empty() && !store::is_redis_url(db) && !std::filesystem::exists(db, ec))
        if (auto made = store::open_history(db, store::open_mode::read_write); !made) {
            say(made.error().message);
            return 2;
        }
    auto hist = store::open_history(db, a.learn ? store::open_mode::read_write : store::open_mode::read_only);
    if (!hist) {
        say(hist.error().message);
        return 2;
    }
    auto marks = store::open_imap_state(a.imap.marks.empty() ? db : a.imap.marks);
    if (!marks) {
        say(marks.error().message);
        return 2;
    }
    // Kept detections feed `report` and `serve`, as the milter's do (SQLite only).
    std::unique_ptr<campaign::detection_store> kept;
    if (a.keep_detections && !store::is_redis_url(db)) {
        auto d = campaign::open_detections(db, true);
        if (!d) {
            say(d.error().message);
            return 2;
        }
        kept = std::move(*d);
    }
    mime::init();
    scan::engine eng(cfg, hist->get());
    if (auto loaded = eng.load_configured_iocs(); !loaded) {
        say(loaded.error().message);
        return 2;
    }
    history::learn_options lo;
    lo.org_domains = cfg.org_domains;
    lo.org_domains.insert(lo.org_domains.end(), a.org_domains.begin(), a.org_domains.end());

    imap::client c(*url, *copt);
    // Start-up checks: a wrong password, certificate or folder stops here, clearly.
    if (auto st = c.status(*box); !st) {
        say(st.error().message);
        return 2;
    }
    const bool moves = a.on_suspicious == "move" || a.on_malicious == "move";
    if (moves)
        if (auto r = c.create(*quarantine); !r) {
            say(r.error().message);
            return 2;
        }
    std::vector<std::string> learn_from;
    if (a.learn) {
        if (!a.learn_folders.empty()) {
            learn_from = *learn_boxes;
        } else if (auto listed = c.list(); listed) {
            auto d = imap::default_mailboxes(*listed);
            for (auto& b : d)
                if (b != "INBOX" && b != *box) learn_from.push_back(b);
        } else {
            say(listed.error().message);
            return 2;
        }
    }

    std::signal(SIGINT, on_stop_signal);
    std::signal(SIGTERM, on_stop_signal);
    const bool jsonl = a.format == "jsonl";
    const std::string flags = "\\Flagged " + a.imap.keyword;
    std::size_t n_seen = 0, n_acted = 0;

    auto handle = [&](imap::fetched_message& m) -> imap::imap_result<void> {
        std::string src = imap_source(*url, m.mailbox, m.uidvalidity, m.uid);
        std::string action = "none";
        scan::scan_result r;
        if (m.error) {
            r.source = src;
            r.error = *m.error;
            action = "skipped";
        } else {
            r = eng.scan(m.bytes, src);
            auto v = r.outcome.v;
            if (r.error && r.msg.headers.empty()) {
                action = "skipped";
            } else if (v == score::verdict::clean) {
                if (a.learn && !r.error) {
                    auto s = history::learn_message(**hist, r.msg, lo);
                    if (!s && s.error().code == errc::store)
                        return imap::imap_fail(imap::failure::store, s.error().message);
                    action = s ? "learnt" : "not learnt: " + s.error().message;
                }
            } else {
                const std::string& what = v == score::verdict::malicious ? a.on_malicious : a.on_suspicious;
                if (what == "flag" || what == "move") {
                    if (auto f = c.store_flags(m.mailbox, m.uid, true, flags); !f) return std::unexpected(f.error());
                    action = "flagged";
                }
                if (what == "move") {
                    if (auto mv = c.move(m.mailbox, m.uid, *quarantine); !mv) return std::unexpected(mv.error());
                    action = "moved to " + a.quarantine;
                }
                if (what == "report") action = "reported";
                ++n_acted;
                if (kept && campaign::worth_keeping(r)) {
                    auto now = std::chrono::duration_cast<std::chrono::seconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count();
                    if (auto k = kept->put(campaign::make_detection(r, now, cfg, m.bytes)); !k)
                        say("cannot keep the detection: " + k.error().message);  // the action stands
                }
            }
        }
        ++n_seen;
        if (jsonl) {
            auto j = output::to_json(r);
            j["imap"] = {{"mailbox", imap::decode_mailbox(m.mailbox)}, {"uidvalidity", m.uidvalidity}, {"uid", m.uid}};
            j["action"] = action;
            std::cout << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << std::endl;
        } else {
            std::cout << fmt::format("UID {} {} {:.1f} {}: {} <{}> \"{}\"{}", m.uid, score::verdict_name(r.outcome.v),
                                     r.outcome.score, action, r.msg.from ? r.msg.from->name : "",
                                     r.msg.from ? r.msg.from->address : "", r.msg.subject.decoded,
                                     r.error ? " (error: " + *r.error + ")" : "")
                      << std::endl;
        }
        return {};
    };
    auto learn_handle = [&](imap::fetched_message& m) -> imap::imap_result<void> {
        if (m.error) return {};
        auto msg = mime::parse_message(m.bytes, cfg.lim);
        if (auto s = history::learn_message(**hist, msg, lo); !s && s.error().code == errc::store)
            return imap::imap_fail(imap::failure::store, s.error().message);
        return {};
    };

    say(fmt::format(
        "following {}/{} every {} s (polling: libcurl has no IDLE){}", url->base(), folder_utf8, a.poll_seconds,
        learn_from.empty() ? std::string()
                           : fmt::format("; learning new mail of {}", imap::decode_mailbox(learn_from.front()))));
    imap::sync_options so{url->account(), "watch", a.imap.keyword, a.scan_existing, "learn"};
    imap::sync_options lso{url->account(), "learn", a.imap.keyword, true, ""};
    std::chrono::seconds backoff{0};
    const std::chrono::seconds cap{a.max_backoff_seconds};
    bool first = true;
    while (!g_stop) {
        imap::imap_result<imap::sync_report> rep = imap::sync_mailbox(c, **marks, *box, so, handle);
        for (const auto& lb : learn_from) {
            if (!rep) break;
            auto lr = imap::sync_mailbox(c, **marks, lb, lso, learn_handle);
            if (!lr) rep = std::unexpected(lr.error());
        }
        if (rep) {
            if (first && rep->started_over)
                say(fmt::format("starting after UID {} (UIDVALIDITY {})", rep->from_uid, rep->uidvalidity));
            if (rep->validity_changed) say("the mailbox was rebuilt (UIDVALIDITY changed): reading it again");
            if (backoff.count()) say("reconnected");
            backoff = std::chrono::seconds{0};
            first = false;
            if (a.once) break;
            nap(std::chrono::seconds{a.poll_seconds});
            continue;
        }
        const auto& e = rep.error();
        // Later failures, a store outage included (Redis), are waited out: the
        // read mark did not move, so the next pass starts at the same message.
        if (first && (!e.retryable() || e.kind == imap::failure::store)) {
            say(e.message);
            return 2;
        }
        if (e.kind == imap::failure::uidvalidity) continue;  // the next pass starts over at once
        backoff = imap::next_backoff(backoff, cap);
        say(fmt::format("{}; retrying in {} s", e.message, backoff.count()));
        c.reset();
        nap(backoff);
    }
    say(fmt::format("stopped: {} message(s) handled, {} acted on", n_seen, n_acted));
    return 0;
}

}  // namespace replyguard::cli
