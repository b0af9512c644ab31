// SPDX-License-Identifier: Apache-2.0
// apps/cli/startup.cpp - configuration, history store and engine for scan, serve and milter.
#include "cli/startup.hpp"

#include "cli/commands.hpp"

#include <cstdlib>
#include <filesystem>

namespace replyguard::cli {

result<config_file> load_config_file(const std::string& path) {
    config_file f;
    if (path.empty()) return f;
    auto doc = read_toml(path);
    if (!doc) return std::unexpected(doc.error());
    auto core = config_from_toml(*doc);
    if (!core) return std::unexpected(core.error());
    f.core = std::move(*core);
    f.doc = std::move(*doc);
    use_history_memory(f.core);  // for every store opened after this (scan, serve, the milter and its reloads)
    return f;
}

void use_history_memory(const config& cfg) {
    store::set_sqlite_cache_mb(static_cast<int>(cfg.history_cache_mb));  // [history] cache_mb
    store::set_sqlite_mmap_mb(static_cast<int>(cfg.history_mmap_mb));    // [history] mmap_mb, off by default
}

std::string default_db_path() {
    if (const char* env = std::getenv("REPLYGUARD_DB"); env && *env) return env;
    return "replyguard.db";
}

std::string db_path_or_default(const std::string& db) { return db.empty() ? default_db_path() : db; }

result<std::unique_ptr<store::history>> open_store(const std::string& db_path, store::open_mode mode,
                                                   bool create_empty) {
    std::error_code ec;
    if (create_empty && mode == store::open_mode::read_only && !std::filesystem::exists(db_path, ec)) {
        auto h = store::open_history(db_path, store::open_mode::read_write);
        if (!h) return std::unexpected(h.error());
    }
    // Read-only: a missing file is an empty history; nothing is created.
    return store::open_history(db_path, mode);
}

result<std::unique_ptr<scan::engine>> make_engine(const config& cfg, store::history* hist) {
    auto eng = std::make_unique<scan::engine>(cfg, hist);
    if (auto loaded = eng->load_configured_iocs(); !loaded) return std::unexpected(loaded.error());
    return eng;
}

result<startup> start(const startup_options& o) {
    startup s;
    auto file = load_config_file(o.config);
    if (!file) return std::unexpected(file.error());
    s.cfg = std::move(file->core);
    s.doc = std::move(file->doc);
    s.db_path = db_path_or_default(o.db);
    auto hist = open_store(s.db_path, o.mode, o.create_empty);
    if (!hist) return std::unexpected(hist.error());
    s.hist = std::move(*hist);
    auto eng = make_engine(s.cfg, s.hist.get());
    if (!eng) return std::unexpected(eng.error());
    s.eng = std::move(*eng);
    return s;
}

}  // namespace replyguard::cli
