// SPDX-License-Identifier: Apache-2.0
// apps/cli/startup.hpp - the start-up every analysing command shares: config, store, engine
//
// DESCRIPTION
//   scan, serve and milter start the same way: read the configuration file
//   (once: core/toml_file.hpp, every table from one parse), open the history
//   store (--db, else REPLYGUARD_DB, else replyguard.db), and build a
//   scan::engine over it with the [ioc] lists and YARA rules loaded. The pieces
//   are separate so the milter can read its [milter] table between the first
//   two (it names the store and whether it is written) and rebuild the engine
//   on SIGHUP; start() runs all three for scan and serve.
// DIAGNOSTICS
//   Every failure is an error value with the file or store named; the
//   commands print it after "replyguard COMMAND: " and exit 2.
#pragma once

#include "core/config.hpp"
#include "core/result.hpp"
#include "core/toml_file.hpp"
#include "scan/engine.hpp"
#include "store/history.hpp"

#include <memory>
#include <optional>
#include <string>

namespace replyguard::cli {

/// The configuration file, parsed once: the core tables, and the document
/// for front-ends that read tables of their own ([milter]).
struct config_file {
    config core;
    std::optional<toml_document> doc;  ///< unset when no file was given (defaults)
};

/// Read `path` ("" : the defaults, no file), and use_history_memory() its [history].
result<config_file> load_config_file(const std::string& path);

/// [history] cache_mb and mmap_mb, for every SQLite history opened after this by a
/// reading command (scan, serve, the milter and its reloads, watch, report,
/// `history`); learn sets its own cache (learn_cache_mb) and never maps.
void use_history_memory(const config& cfg);

/// `db` or, when empty, the default history (REPLYGUARD_DB or replyguard.db).
std::string db_path_or_default(const std::string& db);

/// Open the history store. `create_empty`: make a missing SQLite file a valid
/// (empty) history first, so a later read-only open does not refuse a file
/// that holds only detections (scan --keep-detections, serve).
result<std::unique_ptr<store::history>> open_store(const std::string& db_path, store::open_mode mode,
                                                   bool create_empty = false);

/// An engine over `hist` (may be null) with the configured IOC lists and YARA
/// rules loaded; an unreadable list is an error.
result<std::unique_ptr<scan::engine>> make_engine(const config& cfg, store::history* hist);

struct startup_options {
    std::string config;  ///< --config ("" : defaults)
    std::string db;      ///< --db ("" : the default)
    store::open_mode mode = store::open_mode::read_only;
    bool create_empty = false;
};

/// What scan and serve analyse with. The engine points into `hist`.
struct startup {
    config cfg;
    std::optional<toml_document> doc;  ///< the parsed file, for tables of a front-end's own ([milter])
    std::string db_path;
    std::unique_ptr<store::history> hist;
    std::unique_ptr<scan::engine> eng;
};

/// load_config_file, open_store and make_engine in that order.
result<startup> start(const startup_options& o);

}  // namespace replyguard::cli
