// SPDX-License-Identifier: Apache-2.0
// apps/cli/commands.hpp - the CLI's commands, one file each.
#pragma once

#include "cli/imap_common.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace replyguard::cli {

struct scan_args {
    std::string db;
    std::string config;
    std::string format = "table";
    unsigned jobs = 0;
    bool no_progress = false;
    int color = -1;  ///< -1 auto, 0 off, 1 on (CLI11 flag with negation)
    std::vector<std::string> paths;
    bool keep_detections = false;  ///< keep non-clean results in the detections store (--db)
    int retention_days = 180;
    std::uint64_t retention_count = 100'000;
    bool follow_symlinks = false;  ///< follow symbolic links inside folders (loops are detected)
};

struct learn_args {
    std::string db;
    std::string config;
    std::vector<std::string> org_domains;
    bool no_progress = false;
    unsigned jobs = 0;               ///< parse threads (0: one per core); one thread stores
    std::vector<std::string> paths;  ///< files, folders, mbox, -, or imap[s]:// URLs
    imap_cli_args imap;
};

/// `replyguard watch imaps://...`: follow a mailbox, scan new mail, act by verdict.
struct watch_args {
    std::string url;
    std::string db;
    std::string config;
    std::vector<std::string> org_domains;
    imap_cli_args imap;
    std::string on_suspicious = "flag";  ///< report | flag | move
    std::string on_malicious = "move";
    std::string quarantine = "Quarantine";
    std::vector<std::string> learn_folders;  ///< also learnt each pass (default: the \Sent one)
    bool learn = true;                       ///< learn clean mail (and --learn-folder)
    bool scan_existing = false;              ///< first run: scan what is already there
    bool once = false;
    int poll_seconds = 30;
    int max_backoff_seconds = 300;
    std::string format = "text";
    bool keep_detections = true;  ///< keep non-clean results for report and serve (SQLite --db)
};

struct milter_args {
    std::string db;
    std::string config;
    std::string socket;  ///< overrides [milter] socket
    std::string log;     ///< "stderr", "syslog" or "both"; overrides [milter] log
};

struct findings_args {
    std::string config;
    std::string format = "markdown";
};

struct report_args {
    std::string db;
    std::string config;
    std::string format = "markdown";
    std::string lang = "en";
    bool advisory = false;
    int window_days = 14;
    int since_days = 0;             ///< 0: every stored detection
    double utc_offset_hours = 0.0;  ///< dates of the table (9 for JST)
};

struct serve_args {
    std::string db;
    std::string config;
    std::string listen = "127.0.0.1";
    int port = 8895;
    std::string token;  ///< also REPLYGUARD_TOKEN
    bool keep_detections = true;
    int retention_days = 180;
    std::uint64_t retention_count = 100'000;
    int window_days = 14;
    bool quiet = false;  ///< no per-request log line on stderr
};

/// `replyguard history prune|stats`: retention and size of the history store.
struct history_args {
    std::string action;  ///< "prune" or "stats"
    std::string db;
    std::string config;
    bool dry_run = false;  ///< prune: count only, write nothing
    std::string now;       ///< prune: judge ages against this date (default: the clock)
    bool vacuum = false;   ///< prune: rewrite the SQLite file without its free pages
};

struct check_config_args {
    std::string file;  ///< empty: /etc/replyguard/replyguard.toml
};

/// Default history file when --db is not given.
std::string default_db_path();

int run_scan(const scan_args& a);
int run_learn(const learn_args& a);
int run_watch(const watch_args& a);
int run_milter(const milter_args& a);
int run_findings(const findings_args& a);
int run_report(const report_args& a);
int run_serve(const serve_args& a);
int run_check_config(const check_config_args& a);
int run_history(const history_args& a);

}  // namespace replyguard::cli
