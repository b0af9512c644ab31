// SPDX-License-Identifier: Apache-2.0
// core/config.hpp - the configuration (TOML) shared by every front-end
//
// DESCRIPTION
//   One file, read with toml++. Every key has a default, so no file is needed.
//     [scores]      SYMBOL_ID = 3.5        override a symbol's default score
//     [groups.NAME] max_score = 10.0       cap a group's total
//     [thresholds]  suspicious = 5.0  malicious = 10.0
//     [limits]      mime_depth = 32 ...    see core/limits.hpp for every name
//     [org]         domains = ["example.co.jp"]
//     [auth]        trusted_authserv_ids = ["mx.example.co.jp"]
//     [links]       file_share_hosts = ["files.example.net"]  (added to the built-in list)
//     [ioc]         sha256_lists = ["bad.sha256"]  domain_lists = ["bad.domains"]  yara_rules = "rules/"
//     [history]     cache_mb = 64          SQLite's page cache per history connection
//                   learn_cache_mb = 4     the same for `learn` (the front-ends hand the one
//                                          they use to store::set_sqlite_cache_mb)
//                   mmap_mb = 0            SQLite's memory map of the history file, off by
//                                          default (store::set_sqlite_mmap_mb; not learn)
// DIAGNOSTICS
//   load_config() returns an error naming the file, line and key for a syntax
//   error, an unknown table or key, or a value of the wrong type.
#pragma once

#include "core/limits.hpp"
#include "core/result.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace replyguard {

struct toml_document;  // core/toml_file.hpp

/// [history] cache_mb: the default, and the largest value accepted (MiB).
inline constexpr std::int64_t k_default_history_cache_mb = 64;
inline constexpr std::int64_t k_max_history_cache_mb = 65536;
/// [history] learn_cache_mb: `learn`'s default (same bounds). A learn batch's commit
/// writes postings on nearly every leaf of the largest table, so a large cache
/// saves it only re-reads from the kernel's page cache (100,000 messages: 136 MB peak
/// with 64, 59 MB with 4, which costs up to 6% more CPU; bench/README.md, Round 18).
inline constexpr std::int64_t k_default_history_learn_cache_mb = 4;
/// [history] mmap_mb: the largest value accepted (MiB; 0, the default, maps nothing).
/// SQLite caps it at its build's SQLITE_MAX_MMAP_SIZE (Debian 12: 2 GiB less 64 KiB).
inline constexpr std::int64_t k_max_history_mmap_mb = 65536;

struct config {
    std::map<std::string, double, std::less<>> score_overrides;
    std::map<std::string, double, std::less<>> group_caps;
    double suspicious_threshold = 5.0;
    double malicious_threshold = 10.0;
    limits lim;
    std::vector<std::string> org_domains;
    std::vector<std::string> trusted_authserv_ids;
    std::vector<std::string> ioc_sha256_lists;  ///< files of SHA-256 hashes (one per line, # comments)
    std::vector<std::string> ioc_domain_lists;  ///< files of domains / URL prefixes
    std::string yara_rules;                     ///< a YARA rules file or folder ("" none)
    /// [history] cache_mb: the page cache of each SQLite history connection, in MiB
    /// (1..k_max_history_cache_mb). It fills as pages are read, so it bounds the part of
    /// a process's memory that grows with the history's size, not with its input.
    std::int64_t history_cache_mb = k_default_history_cache_mb;
    /// [history] learn_cache_mb: the same bound for `learn`'s connection, small by
    /// default so that learn's peak memory does not grow with the history it writes.
    std::int64_t history_learn_cache_mb = k_default_history_learn_cache_mb;
    /// [history] mmap_mb: how much of each history file SQLite maps and reads in place
    /// instead of copying pages out of the kernel (PRAGMA mmap_size), for the connections
    /// of scan, watch, serve, the milter, report and `history`; `learn` never maps. 0 (the
    /// default): none. The mapped pages count in the process's RSS and grow with the
    /// history and with what is looked up; a read error on one is a SIGBUS, not an error.
    std::int64_t history_mmap_mb = 0;
    /// More file-share / URL-shortener hosts (and their subdomains) for detect/link_payload.cpp,
    /// added to its built-in list.
    std::vector<std::string> file_share_hosts;
    std::string source_path;  ///< file it was read from ("" for defaults)

    /// The configured score of a symbol, or `fallback` (its default).
    double score_for(std::string_view id, double fallback) const;
};

/// Read a configuration file. A missing file is an error (only the default is implicit).
result<config> load_config(const std::string& path);

/// Parse configuration text; `origin` names it in error messages.
result<config> parse_config(std::string_view text, const std::string& origin);

/// The tables of an already parsed file (core/toml_file.hpp), so a front-end
/// reading other tables of the same file ([milter]) parses it once.
result<config> config_from_toml(const toml_document& doc);

/// Whether `name` is one of [history]'s memory keys (cache_mb, learn_cache_mb,
/// mmap_mb), which config_from_toml reads: the retention reader passes over them.
bool is_history_memory_key(std::string_view name);

}  // namespace replyguard
