// SPDX-License-Identifier: Apache-2.0
// apps/cli/learn_cmd.cpp - `replyguard learn`: import mailboxes into the history store
//
// DESCRIPTION
//   Expands the PATH arguments (io/input.hpp), parses each message and hands
//   it to history::learn_session (batches of 500 messages per transaction).
//   Org domains come from --org-domain and the configuration's [org] domains.
//   An unreadable message is reported and skipped (exit status 2 at the end);
//   a store failure stops the import (what was committed stays consistent).
#include "cli/commands.hpp"
#include "cli/progress.hpp"

#include "core/config.hpp"
#include "history/learner.hpp"
#include "io/input.hpp"
#include "mime/parser.hpp"
#include "store/history.hpp"

#include <fmt/format.h>

#include <iostream>

namespace replyguard::cli {

int run_learn(const learn_args& a) {
    config cfg;
    if (!a.config.empty()) {
        auto c = load_config(a.config);
        if (!c) {
            std::cerr << "replyguard learn: " << c.error().message << "\n";
            return 2;
        }
        cfg = std::move(*c);
    }
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

    io::expand_options xo;
    xo.notice = [](const std::string& line) { std::cerr << "replyguard learn: " << line << "\n"; };
    auto items = io::expand_inputs(a.paths, xo);
    // Mail from an Outlook data file's owner is sent mail (outlook/pst.hpp).
    opt.own_addresses = io::owner_addresses(items);
    progress bar(items.size(), "messages", !a.no_progress);
    history::learn_session session(**h, opt, 500);
    std::size_t errors = 0, i = 0;
    for (const auto& it : items) {
        bar.tick(++i);
        auto bytes = io::load(it);
        if (!bytes) {
            std::cerr << "replyguard learn: " << it.source << ": " << bytes.error().message << "\n";
            ++errors;
            continue;
        }
        auto msg = mime::parse_message(*bytes, cfg.lim);
        if (auto r = session.add(msg); !r) {
            std::cerr << "replyguard learn: " << it.source << ": " << r.error().message << "\n";
            if (r.error().code == errc::store) return 2;
            ++errors;
        }
    }
    auto tot = session.finish();
    bar.finish();
    if (!tot) {
        std::cerr << "replyguard learn: " << tot.error().message << "\n";
        return 2;
    }
    std::cerr << fmt::format("learnt {} message(s) ({} sent, {} received, {} new thread(s)); {} already known; {} error(s)\n",
                             tot->learnt, tot->sent, tot->received, tot->new_threads, tot->already_known, errors);
    return errors ? 2 : 0;
}

}  // namespace replyguard::cli
