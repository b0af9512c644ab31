// SPDX-License-Identifier: Apache-2.0
// apps/cli/main.cpp - the replyguard command: scan, learn, report, milter, serve
//
// DESCRIPTION
//   A thin front-end: options (CLI11), then the core. The failure policy of the
//   command line is its exit status (DESIGN.md): 0 all clean, 1 something
//   suspicious or malicious, 2 an input could not be read or a usage error.
#include "cli/commands.hpp"

#include <CLI/CLI.hpp>

#include <iostream>

int main(int argc, char** argv) {
    using namespace replyguard::cli;
    CLI::App app{"replyguard - stops reply-chain hijacking mail (返信型Emotet)", "replyguard"};
    app.require_subcommand(1);
    app.set_version_flag("--version", std::string("replyguard ") + REPLYGUARD_VERSION);
    app.footer("Run 'replyguard COMMAND --help' for a command's options. See README.md and man/replyguard.1.");

    scan_args scan;
    CLI::App* sc = app.add_subcommand("scan", "Analyse messages and print a verdict with its evidence for each");
    sc->add_option("--db", scan.db, "History store (SQLite file); a missing file is an empty history");
    sc->add_option("--config", scan.config, "Configuration file (TOML)")->check(CLI::ExistingFile);
    sc->add_option("--format", scan.format, "Output format")->check(CLI::IsMember({"table", "jsonl"}));
    sc->add_option("-j,--jobs", scan.jobs, "Messages analysed in parallel (0: one per core)")->check(CLI::Range(0, 256));
    sc->add_flag("--no-progress", scan.no_progress, "Never draw a progress bar");
    sc->add_flag("--color,!--no-color", scan.color, "Colour the table (default: when standard output is a terminal)");
    sc->add_option("PATH", scan.paths, ".eml file, folder (recursive, Maildir), mbox file, or - for standard input")
        ->required();

    learn_args learn;
    CLI::App* lc = app.add_subcommand("learn", "Import mailboxes (sent and received mail) into the history store");
    lc->add_option("--db", learn.db, "History store (SQLite file), created when missing");
    lc->add_option("--config", learn.config, "Configuration file (TOML)")->check(CLI::ExistingFile);
    lc->add_option("--org-domain", learn.org_domains, "A domain of our organisation (repeatable)");
    lc->add_flag("--no-progress", learn.no_progress, "Never draw a progress bar");
    lc->add_option("PATH", learn.paths, ".eml file, folder (recursive, Maildir), mbox file, or - for standard input")
        ->required();

    milter_args milter;
    CLI::App* mc = app.add_subcommand("milter", "Run the mail filter daemon (libmilter: Postfix, Sendmail)");
    mc->add_option("--db", milter.db, "History store (SQLite file); overrides [milter] db");
    mc->add_option("--config", milter.config, "Configuration file (TOML, [milter] table)")->check(CLI::ExistingFile);
    mc->add_option("--socket", milter.socket, "libmilter socket: inet:PORT@127.0.0.1 or unix:/path (overrides [milter] socket)");

    findings_args fnd;
    CLI::App* fc = app.add_subcommand("findings", "List every finding id with its group, score and description");
    fc->add_option("--config", fnd.config, "Configuration file (TOML): show the scores in force")->check(CLI::ExistingFile);
    fc->add_option("--format", fnd.format, "Output format")->check(CLI::IsMember({"markdown", "json"}));

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        int rc = app.exit(e);
        return rc == 0 ? 0 : 2;  // usage errors are exit status 2 (the contract)
    }
    if (sc->parsed()) return run_scan(scan);
    if (lc->parsed()) return run_learn(learn);
    if (mc->parsed()) return run_milter(milter);
    if (fc->parsed()) return run_findings(fnd);
    return 2;
}
