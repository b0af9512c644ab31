// SPDX-License-Identifier: Apache-2.0
// apps/cli/main.cpp - the replyguard command: scan, learn, watch, report, milter, serve, history
//
// DESCRIPTION
//   A thin front-end: options (CLI11), then the core. The failure policy of the
//   command line is its exit status (DESIGN.md): 0 all clean, 1 something
//   suspicious or malicious, 2 an input could not be read or a usage error.
#include "cli/commands.hpp"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <cstdlib>
#include <iostream>

namespace {

/// End `scan` without the process's exit-time destructors: its output is flushed
/// here, its files and store are closed by run_scan's scope, and what is left
/// (each thread's libmagic handles freeing their compiled regexes, OpenSSL's
/// cleanup) only frees memory the kernel takes back anyway: 5.1 M of the 102 M
/// instructions of a one-file scan (callgrind, bench/README.md "Start-up").
/// Sanitizer builds exit normally, so LeakSanitizer still checks at exit.
int exit_now(int rc) {
#if defined(__SANITIZE_ADDRESS__)
    return rc;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
    return rc;
#endif
#endif
    std::cout.flush();
    std::fflush(nullptr);
    std::_Exit(rc);
}

}  // namespace

int main(int argc, char** argv) {
    using namespace replyguard::cli;
    CLI::App app{"replyguard - stops reply-chain hijacking mail (返信型Emotet)", "replyguard"};
    app.require_subcommand(1);
    app.set_version_flag("--version", std::string("replyguard ") + REPLYGUARD_VERSION);
    app.footer(
        "Run 'replyguard COMMAND --help' for a command's options. See README.md and docs/replyguard.1 (man -l docs/replyguard.1).");

    scan_args scan;
    CLI::App* sc = app.add_subcommand("scan", "Analyse messages and print a verdict with its evidence for each");
    sc->add_option("--db", scan.db, "History store (SQLite file); a missing file is an empty history");
    sc->add_option("--config", scan.config, "Configuration file (TOML)")->check(CLI::ExistingFile);
    sc->add_option("--format", scan.format, "Output format")->check(CLI::IsMember({"table", "jsonl"}));
    sc->add_option("-j,--jobs", scan.jobs, "Messages analysed in parallel (0: one per core)")
        ->check(CLI::Range(0, 256));
    sc->add_flag("--no-progress", scan.no_progress, "Never draw a progress bar");
    sc->add_flag("--color,!--no-color", scan.color, "Colour the table (default: when standard output is a terminal)");
    sc->add_option("PATH", scan.paths, ".eml file, folder (recursive, Maildir), mbox file, or - for standard input")
        ->required();
    sc->add_flag("--keep-detections", scan.keep_detections,
                 "Keep suspicious and malicious results in the detections store of --db (for report and serve)");
    sc->add_option("--retention-days", scan.retention_days, "Drop kept detections older than this (0: never)")
        ->check(CLI::Range(0, 36500));
    sc->add_option("--retention-count", scan.retention_count, "Keep at most this many detections (0: no limit)");
    sc->add_flag("--follow-symlinks", scan.follow_symlinks,
                 "Follow symbolic links inside folders (default: skip them; loops are detected)");

    learn_args learn;
    CLI::App* lc = app.add_subcommand("learn", "Import mailboxes (sent and received mail) into the history store");
    lc->add_option("--db", learn.db, "History store (SQLite file), created when missing");
    lc->add_option("--config", learn.config, "Configuration file (TOML)")->check(CLI::ExistingFile);
    // One value per --org-domain: a vector option would otherwise swallow the PATHs after it.
    lc->add_option("--org-domain", learn.org_domains, "A domain of our organisation (repeatable)")
        ->allow_extra_args(false);
    lc->add_option("-j,--jobs", learn.jobs,
                   "Messages parsed in parallel (0: one per core); one thread stores them, in input order")
        ->check(CLI::Range(0, 256));
    lc->add_flag("--no-progress", learn.no_progress, "Never draw a progress bar");
    lc->add_option(
          "PATH", learn.paths,
          ".eml file, folder (recursive, Maildir), mbox file, - for standard input, or imap[s]://USER@HOST[:PORT][/MAILBOX]")
        ->required();
    auto imap_options = [](CLI::App* c, imap_cli_args& i, const char* folder_help) {
        c->add_option("--folder", i.folders, folder_help);
        c->add_option("--password-file", i.password_file,
                      "IMAP password in the first line of FILE (else $REPLYGUARD_IMAP_PASSWORD)")
            ->check(CLI::ExistingFile);
        c->add_option("--ca-file", i.ca_file, "Trust this CA certificate (PEM) for the IMAP server's TLS")
            ->check(CLI::ExistingFile);
        c->add_option("--keyword", i.keyword, "IMAP keyword marking mail judged suspicious (never learnt)")
            ->capture_default_str();
        c->add_option("--marks", i.marks,
                      "SQLite file for the IMAP read marks (default: the --db file; needed with a redis:// history)");
        c->add_flag("--imap-trace", i.verbose,
                    "Print libcurl's IMAP protocol trace on standard error (shows the password)");
    };
    imap_options(lc, learn.imap, "IMAP mailbox to learn (repeatable; default: the \\Sent mailbox and INBOX)");

    milter_args milter;
    CLI::App* mc = app.add_subcommand("milter", "Run the mail filter daemon (libmilter: Postfix, Sendmail)");
    mc->add_option("--db", milter.db, "History store (SQLite file); overrides [milter] db");
    mc->add_option("--config", milter.config, "Configuration file (TOML, [milter] table)")->check(CLI::ExistingFile);
    mc->add_option("--socket", milter.socket,
                   "libmilter socket: inet:PORT@127.0.0.1 or unix:/path (overrides [milter] socket)");
    mc->add_option("--log", milter.log, "Where the log lines go (overrides [milter] log)")
        ->check(CLI::IsMember({"stderr", "syslog", "both"}));

    watch_args watch;
    CLI::App* wc =
        app.add_subcommand("watch", "Follow an IMAP mailbox: scan new mail, learn clean mail, flag or move the rest");
    wc->add_option("URL", watch.url, "imaps://USER@HOST[:PORT][/MAILBOX] (imap:// requires STARTTLS)")->required();
    wc->add_option("--db", watch.db, "History store (SQLite file); clean mail is learnt into it");
    wc->add_option("--config", watch.config, "Configuration file (TOML)")->check(CLI::ExistingFile);
    wc->add_option("--org-domain", watch.org_domains, "A domain of our organisation (repeatable)");
    imap_options(wc, watch.imap, "Mailbox to follow (default: the URL's, else INBOX)");
    wc->add_option("--on-suspicious", watch.on_suspicious, "What to do with suspicious mail")
        ->capture_default_str()
        ->check(CLI::IsMember({"report", "flag", "move"}));
    wc->add_option("--on-malicious", watch.on_malicious, "What to do with malicious mail")
        ->capture_default_str()
        ->check(CLI::IsMember({"report", "flag", "move"}));
    wc->add_option("--quarantine", watch.quarantine, "Folder that move puts mail in (created when missing)")
        ->capture_default_str();
    wc->add_option("--learn-folder", watch.learn_folders,
                   "Also learn new mail of this mailbox each pass (repeatable; default: the \\Sent mailbox)");
    wc->add_flag("--learn,!--no-learn", watch.learn, "Learn clean mail and --learn-folder (default: on)");
    wc->add_flag("--scan-existing", watch.scan_existing,
                 "First run without a read mark: scan the mail already there (default: only new mail)");
    wc->add_flag("--once", watch.once, "One pass over the new mail, then exit");
    wc->add_option("--poll", watch.poll_seconds, "Seconds between passes")
        ->capture_default_str()
        ->check(CLI::Range(1, 86400));
    wc->add_option("--max-backoff", watch.max_backoff_seconds, "Longest wait (s) between reconnection attempts")
        ->capture_default_str()
        ->check(CLI::Range(1, 86400));
    wc->add_option("--format", watch.format, "Output format")->check(CLI::IsMember({"text", "jsonl"}));
    wc->add_flag(
        "--keep-detections,!--no-keep-detections", watch.keep_detections,
        "Keep suspicious and malicious results in the detections store of --db, for report and serve (default: on)");

    findings_args fnd;
    CLI::App* fc = app.add_subcommand("findings", "List every finding id with its group, score and description");
    fc->add_option("--config", fnd.config, "Configuration file (TOML): show the scores in force")
        ->check(CLI::ExistingFile);
    fc->add_option("--format", fnd.format, "Output format (rspamd: the plugin's symbols, contrib/rspamd/)")
        ->check(CLI::IsMember({"markdown", "json", "rspamd"}));

    report_args report;
    CLI::App* rp = app.add_subcommand("report", "Print the campaigns found in the kept detections (advisory table)");
    rp->add_option("--db", report.db, "History store holding the detections (SQLite file)");
    rp->add_option("--config", report.config, "Configuration file (TOML); [org] domains names our organisation")
        ->check(CLI::ExistingFile);
    rp->add_option("--format", report.format, "Output format")
        ->check(CLI::IsMember({"markdown", "csv", "json", "html"}));
    rp->add_option("--lang", report.lang, "Language of summaries and headings")->check(CLI::IsMember({"en", "ja"}));
    rp->add_flag("--advisory", report.advisory,
                 "Draft the partner warning (注意喚起) for campaigns impersonating our organisation");
    rp->add_option("--window-days", report.window_days, "Detections further apart never join one campaign")
        ->check(CLI::Range(1, 3650));
    rp->add_option("--since-days", report.since_days, "Only detections of the last N days (0: all)")
        ->check(CLI::Range(0, 36500));
    rp->add_option("--utc-offset", report.utc_offset_hours, "Hours added to UTC for the dates shown (9 for JST)")
        ->check(CLI::Range(-12.0, 14.0));

    serve_args serve;
    CLI::App* vc = app.add_subcommand("serve", "HTTP JSON API and web dashboard");
    vc->add_option("--db", serve.db, "History store; detections of scanned mail are kept in it");
    vc->add_option("--config", serve.config, "Configuration file (TOML)")->check(CLI::ExistingFile);
    vc->add_option("--listen", serve.listen, "Address to bind (default 127.0.0.1; others need --token)");
    vc->add_option("--port", serve.port, "TCP port (0: any free port, printed on start)")->check(CLI::Range(0, 65535));
    vc->add_option("--token", serve.token, "Bearer token required on /api and /metrics (default: $REPLYGUARD_TOKEN)");
    vc->add_flag("--keep-detections,!--no-keep-detections", serve.keep_detections,
                 "Keep non-clean results of POSTed mail (default: on)");
    vc->add_option("--retention-days", serve.retention_days, "Drop kept detections older than this (0: never)")
        ->check(CLI::Range(0, 36500));
    vc->add_option("--retention-count", serve.retention_count, "Keep at most this many detections (0: no limit)");
    vc->add_option("--window-days", serve.window_days, "Campaign time window")->check(CLI::Range(1, 3650));
    vc->add_flag("--quiet", serve.quiet, "Do not log a line per request on standard error");

    history_args hist;
    CLI::App* hc = app.add_subcommand(
        "history", "Prune the history store as [history.retention] says (prune), or show its size (stats)");
    hc->add_option("ACTION", hist.action, "prune: remove what the retention no longer keeps; stats: counts and size")
        ->required()
        ->check(CLI::IsMember({"prune", "stats"}));
    hc->add_option("--db", hist.db, "History store (SQLite file or redis:// URL)");
    hc->add_option("--config", hist.config, "Configuration file (TOML): [history.retention]")->check(CLI::ExistingFile);
    hc->add_flag("--dry-run", hist.dry_run, "prune: only count what would be removed; write nothing");
    hc->add_option("--now", hist.now, "prune: judge ages as of this date (YYYY-MM-DD[THH:MM[:SS]] UTC, or @SECONDS)");
    hc->add_flag("--vacuum", hist.vacuum,
                 "prune: then rewrite the SQLite file without its free pages (blocks writers while it runs)");

    check_config_args chk;
    CLI::App* cc =
        app.add_subcommand("check-config", "Check a configuration file: \"syntax OK\" or every error with file:line");
    cc->add_option("FILE", chk.file, "Configuration file (default: /etc/replyguard/replyguard.toml)");

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        int rc = app.exit(e);
        return rc == 0 ? 0 : 2;  // usage errors are exit status 2 (the contract)
    }
    if (sc->parsed()) return exit_now(run_scan(scan));
    if (lc->parsed()) return run_learn(learn);
    if (wc->parsed()) return run_watch(watch);
    if (mc->parsed()) return run_milter(milter);
    if (fc->parsed()) return run_findings(fnd);

    if (rp->parsed()) return run_report(report);
    if (vc->parsed()) return run_serve(serve);
    if (cc->parsed()) return run_check_config(chk);
    if (hc->parsed()) return run_history(hist);
    return 2;
}
