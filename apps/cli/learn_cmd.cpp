// SPDX-License-Identifier: Apache-2.0
// apps/cli/learn_cmd.cpp - `replyguard learn`: import mailboxes into the history store
//
// DESCRIPTION
//   Expands the PATH arguments (io/input.hpp), parses each message for learning
//   (history/learn_parse.hpp: no attachment or attached-message analysis) and
//   hands it to history::learn_session (batches of k_learn_batch messages per
//   transaction, fewer when the store holds k_learn_batch_bytes of one).
//   Org domains come from --org-domain and the configuration's [org] domains.
//   An unreadable message is reported and skipped (exit status 2 at the end);
//   a store failure stops the import (what was committed stays consistent).
//
//   An imap:// or imaps:// PATH imports mailboxes over IMAP (src/imap/sync.hpp):
//   the one the URL names, else each --folder, else the server's \Sent mailbox
//   and INBOX. Only mail newer than the last run is fetched (the read mark per
//   mailbox and UIDVALIDITY lives in the history file, store/imap_state.hpp);
//   each IMAP message is committed on its own before its mark moves, so an
//   interrupted import resumes where it stopped. Messages carrying the watch
//   keyword (judged suspicious by `watch`) are not learnt.
// DIAGNOSTICS
//   Per mailbox: how many new messages, from which UID; authentication, TLS
//   and "no such mailbox" failures are named as such (exit status 2).
#include "cli/commands.hpp"
#include "cli/imap_common.hpp"
#include "cli/malloc_conf.hpp"
#include "cli/ordered_pool.hpp"
#include "cli/progress.hpp"

#include "core/config.hpp"
#include "history/learn_parse.hpp"
#include "history/learner.hpp"
#include "imap/client.hpp"
#include "imap/sync.hpp"
#include "io/input.hpp"
#include "io/mbox_stream.hpp"
#include "mime/parser.hpp"  // mime::init
#include "store/history.hpp"
#include "store/imap_state.hpp"

#include <fmt/format.h>

#include <unistd.h>

#include <algorithm>
#include <exception>
#include <functional>
#include <iostream>
#include <optional>
#include <thread>

namespace replyguard::cli {
namespace {

/// Messages per transaction of a file import (an IMAP import commits each message).
/// A crash loses at most this many, and learning the same input again skips the
/// stored ones. Fingerprint postings land on random pages of the table they go to
/// (fp_recent, merged into fp_postings now and then: store/fp_levels.hpp), so each
/// commit writes (to the WAL, then the checkpoint) about every page of that table:
/// fewer, larger commits write less (bench/README.md, "History at scale").
constexpr std::size_t k_learn_batch = 10000;
/// ... and at most this much of the batch held in memory by the store
/// (store::history::batch_bytes). A SQLite history holds at most 1 MiB of a batch's
/// rows (threads, correspondents, names, profiles: written into their tables inside
/// the batch past that, store::set_sqlite_batch_rows_kib) and its postings wait in a
/// file (store/posting_runs.hpp), so there the count ends a batch; a Redis history's
/// queued commands reach it. Ending batches sooner costs: 4 MiB (batches of ~4,000
/// messages) took 23% more CPU (bench/README.md, Round 17): each commit rewrites the
/// postings table's pages.
constexpr std::size_t k_learn_batch_bytes = std::size_t{16} << 20;

/// What one PATH argument holds: an mbox streamed (memory bounded whatever its
/// size), or the items listed (folders, Outlook files: their owners' addresses are
/// needed before any mail is learnt).
struct planned {
    std::optional<io::mbox_source> mbox;
    std::vector<io::input_item> items;
};

/// One message as read, in input order.
struct learn_input {
    std::string source;
    std::string bytes;
    std::string error;    ///< not empty: nothing to learn, report "SOURCE: why"
    bool listed = false;  ///< a listed item (the progress bar counts those)
};

/// One message parsed, with the store-free part of its learning done.
struct parsed_input {
    std::string source;
    std::string error;
    bool listed = false;
    mime::message msg;
    history::learn_precomputed pre;
};

/// Every message of the plan in input order, handed to `take` (false: stop).
/// Each mbox and each listed item is freed once read.
void walk_plan(std::vector<planned>& plan, const std::function<bool(learn_input&&)>& take) {
    for (auto& p : plan) {
        if (p.mbox) {
            auto& rd = *p.mbox->reader;
            while (auto bytes = rd.next())
                if (!take({fmt::format("{}#{}", p.mbox->source, rd.count() - 1), std::move(*bytes), {}, false})) return;
            if (rd.error() && !take({p.mbox->source, {}, fmt::format("{}: {}", p.mbox->source, *rd.error()), false}))
                return;
            p.mbox.reset();
            continue;
        }
        for (auto& it : p.items) {
            learn_input in{it.source, {}, {}, true};
            auto bytes = io::load(std::move(it));
            if (bytes)
                in.bytes = std::move(*bytes);
            else
                in.error = fmt::format("{}: {}", in.source, bytes.error().message);
            if (!take(std::move(in))) return;
        }
        p.items.clear();
        p.items.shrink_to_fit();
    }
}

/// The parse and the store-free part of learning one message (any thread). A
/// message whose parse throws (out of memory) is reported and skipped, as an
/// unreadable one is: it never stops the others, nor a parse thread.
parsed_input parse_input(learn_input&& in, const limits& lim) {
    parsed_input p;
    p.source = std::move(in.source);
    p.error = std::move(in.error);
    p.listed = in.listed;
    if (!p.error.empty()) return p;
    try {
        p.msg = history::learn_parse(in.bytes, lim);
        std::string().swap(in.bytes);
        p.pre = history::precompute_learn(p.msg);
    } catch (const std::exception& e) {
        p.msg = {};
        p.error = fmt::format("{}: cannot be learnt: {}", p.source, e.what());
    }
    return p;
}

/// `learn --jobs N`: the messages are read on a thread of their own (N > 1), parsed
/// (and their fingerprints made) by N workers, this thread and N - 1 others, and
/// stored by `store` one at a time in input order, so the history is the one a
/// single thread learns (the thread a message joins depends on those learnt before
/// it). As in `scan`, there is no writer thread (cli/ordered_pool.hpp): the worker
/// that finishes the next message in order stores every message that is ready,
/// then goes back to parsing. Parsing and fingerprints are about half of `learn`'s
/// CPU time (callgrind over the benign corpus: parse 27%, fingerprints 19%), the
/// store's SQLite work most of the rest, so on 2 cores the wall time falls by about
/// a third, and the store's half bounds it on more. Memory stays bounded: at most
/// `jobs * 16` messages read and not yet parsed, and k_ahead_bytes of their bytes
/// (one larger message alone), and `jobs * 16` parsed and not yet stored. With
/// N == 1 one thread reads, parses and stores each message in turn. Every thread
/// allocates from this thread's jemalloc arena (cli/malloc_conf.hpp: one arena a
/// thread kept pages of every batch in each).
/// Returns false when `store` asked to stop.
bool learn_in_order(std::vector<planned>& plan, const limits& lim, unsigned jobs,
                    const std::function<bool(parsed_input&)>& store) {
    constexpr std::size_t k_ahead_bytes = 32u << 20;
    const std::size_t window = static_cast<std::size_t>(jobs) * 16;
    const int arena = current_arena();
    return run_in_order<learn_input, parsed_input>(
        jobs, order_bounds{window, window, k_ahead_bytes},
        [&](const auto& put) {
            use_arena(arena);  // the reader's thread (this one when jobs == 1)
            walk_plan(plan, [&](learn_input&& in) {
                const std::size_t bytes = in.bytes.size();
                return put(std::move(in), bytes);
            });
        },
        [&](learn_input&& in) {
            // Once a thread: each worker's first message moves it.
            thread_local const bool moved = (use_arena(arena), true);
            (void)moved;
            return parse_input(std::move(in), lim);
        },
        [&](delivery<parsed_input>& d) {
            for (auto& p : d.ready)
                if (!store(p)) return false;
            return true;
        });
}

/// Learn the mailboxes of one IMAP URL. Returns false on a failure that stops it.
bool learn_imap(const std::string& arg, const learn_args& a, const config& cfg, const std::string& db,
                store::history& h, const history::learn_options& opt, history::learn_stats& totals,
                std::size_t& errors) {
    auto say = [&](const std::string& m) { std::cerr << "replyguard learn: " << m << "\n"; };
    auto url = imap::parse_url(arg);
    if (!url) {
        say(fmt::format("{}: {}", arg, url.error().message));
        return false;
    }
    auto copt = imap_client_options(*url, a.imap, cfg.lim.message_bytes);
    if (!copt) {
        say(copt.error().message);
        return false;
    }
    auto marks = store::open_imap_state(a.imap.marks.empty() ? db : a.imap.marks);
    if (!marks) {
        say(marks.error().message);
        return false;
    }
    imap::client c(*url, *copt);
    std::vector<std::string> boxes;
    if (!url->mailbox.empty()) {
        auto e = imap::encode_mailbox(url->mailbox);
        if (!e) {
            say(e.error().message);
            return false;
        }
        boxes.push_back(*e);
    } else if (!a.imap.folders.empty()) {
        auto e = encode_folders(a.imap.folders);
        if (!e) {
            say(e.error().message);
            return false;
        }
        boxes = *e;
    } else {
        auto listed = c.list();
        if (!listed) {
            say(listed.error().message);
            return false;
        }
        boxes = imap::default_mailboxes(*listed);
    }
    // One commit per message: its read mark moves only once it is stored.
    history::learn_session session(h, opt, 1);
    bool ok = true;
    for (const auto& box : boxes) {
        std::unique_ptr<progress> live;  // drawn once the number of new messages is known
        auto handler = [&](imap::fetched_message& m) -> imap::imap_result<void> {
            std::string src = imap_source(*url, box, m.uidvalidity, m.uid);
            if (m.error) {
                say(fmt::format("{}: {}", src, *m.error));
                ++errors;
                return {};
            }
            auto msg = history::learn_parse(m.bytes, cfg.lim);
            if (auto r = session.add(msg); !r) {
                say(fmt::format("{}: {}", src, r.error().message));
                if (r.error().code == errc::store) return imap::imap_fail(imap::failure::store, r.error().message);
                ++errors;
            }
            return {};
        };
        const std::string shown = imap::decode_mailbox(box);
        auto on_progress = [&](std::size_t done, std::size_t total) {
            if (!live) {
                live = std::make_unique<progress>(total, "messages", !a.no_progress);
                if (total > 1) say(fmt::format("{}/{}: reading {} new message(s)", url->base(), shown, total));
            }
            live->tick(done);
            // Without a terminal (logs, cron) a line every 1000 messages says it is alive.
            if (!isatty(STDERR_FILENO) && done % 1000 == 0 && done < total)
                say(fmt::format("{}/{}: {}/{}", url->base(), shown, done, total));
        };
        imap::sync_options so{url->account(), "learn", a.imap.keyword, true, ""};
        auto rep = imap::sync_mailbox(c, **marks, box, so, handler, on_progress);
        if (live) live->finish();
        const std::string& name = shown;
        if (!rep) {
            say(fmt::format("{}/{}: {}", url->base(), name, rep.error().message));
            ok = false;
            if (rep.error().kind == imap::failure::store) break;
            continue;
        }
        say(fmt::format("{}/{}: {} new message(s) after UID {} (UIDVALIDITY {}{}){}", url->base(), name, rep->found,
                        rep->from_uid, rep->uidvalidity, rep->validity_changed ? ", changed: read again" : "",
                        rep->skipped ? fmt::format(", {} carrying {} not learnt", rep->skipped, a.imap.keyword) : ""));
    }
    auto tot = session.finish();
    if (!tot) {
        say(tot.error().message);
        return false;
    }
    totals += *tot;
    return ok;
}

}  // namespace

int run_learn(const learn_args& a) {
    (void)no_huge_pages();  // its batches' pages are not kept huge (cli/malloc_conf.hpp)
    config cfg;
    if (!a.config.empty()) {
        auto c = load_config(a.config);
        if (!c) {
            std::cerr << "replyguard learn: " << c.error().message << "\n";
            return 2;
        }
        cfg = std::move(*c);
    }
    store::set_sqlite_cache_mb(static_cast<int>(cfg.history_learn_cache_mb));  // [history] learn_cache_mb
    const std::string db = a.db.empty() ? default_db_path() : a.db;
    auto h = store::open_history(db, store::open_mode::read_write);
    if (!h) {
        std::cerr << "replyguard learn: " << h.error().message << "\n";
        return 2;
    }
    history::learn_options opt;
    opt.org_domains = cfg.org_domains;
    opt.org_domains.insert(opt.org_domains.end(), a.org_domains.begin(), a.org_domains.end());
    mime::init();

    std::vector<std::string> files, urls;
    for (const auto& p : a.paths) (imap::is_imap_url(p) ? urls : files).push_back(p);

    history::learn_stats imap_totals;
    std::size_t errors = 0, i = 0;
    bool imap_failed = false;
    for (const auto& u : urls)
        if (!learn_imap(u, a, cfg, db, **h, opt, imap_totals, errors)) imap_failed = true;

    io::expand_options xo;
    xo.notice = [](const std::string& line) { std::cerr << "replyguard learn: " << line << "\n"; };
    xo.max_bytes = cfg.lim.message_bytes;  // the parser keeps no more (MIME_TRUNCATED)
    // mbox files and standard input are streamed (io/mbox_stream.hpp): memory stays
    // bounded whatever their size. Everything else is listed first, as before (folders,
    // Outlook files: their owners' addresses are needed before any mail is learnt).
    std::vector<planned> plan;
    std::vector<std::string> owners;
    std::size_t listed = 0;
    for (const auto& path : files) {
        planned p;
        p.mbox = io::open_mbox_stream(path, xo, p.items);
        if (!p.mbox && p.items.empty()) p.items = io::expand_inputs({path}, xo);
        // Mail from an Outlook data file's owner is sent mail (outlook/pst.hpp).
        for (auto& o : io::owner_addresses(p.items))
            if (std::find(owners.begin(), owners.end(), o) == owners.end()) owners.push_back(std::move(o));
        listed += p.items.size();
        plan.push_back(std::move(p));
    }
    opt.own_addresses = std::move(owners);
    history::learn_session session(**h, opt, k_learn_batch, k_learn_batch_bytes);
    progress bar(listed, "messages", !a.no_progress);  // listed items; a streamed mbox has no total
    // The store's half of one message, always on one thread at a time and in input
    // order. False: stop (a store failure).
    auto store_one = [&](parsed_input& p) -> bool {
        if (p.listed) bar.tick(++i);
        if (!p.error.empty()) {
            std::cerr << "replyguard learn: " << p.error << "\n";
            ++errors;
            return true;
        }
        if (auto r = session.add(p.msg, &p.pre); !r) {
            std::cerr << "replyguard learn: " << p.source << ": " << r.error().message << "\n";
            if (r.error().code == errc::store) {
                // A store outage (a Redis failover, say): stop here. Messages whose learning
                // completed are stored and skipped by the next run, so running it again resumes.
                std::cerr << fmt::format(
                    "replyguard learn: the history store failed at {}; run the same learn again to "
                    "complete it (messages already stored are skipped)\n",
                    p.source);
                return false;
            }
            ++errors;
        }
        return true;
    };
    const unsigned jobs = a.jobs ? a.jobs : std::max(1u, std::thread::hardware_concurrency());
    if (!learn_in_order(plan, cfg.lim, jobs, store_one)) return 2;
    auto tot = session.finish();
    bar.finish();
    if (!tot) {
        std::cerr << "replyguard learn: " << tot.error().message << "\n";
        return 2;
    }
    *tot += imap_totals;
    std::cerr << fmt::format(
        "learnt {} message(s) ({} sent, {} received, {} new thread(s)); {} already known; {} error(s)\n", tot->learnt,
        tot->sent, tot->received, tot->new_threads, tot->already_known, errors);
    return errors || imap_failed ? 2 : 0;
}

}  // namespace replyguard::cli
