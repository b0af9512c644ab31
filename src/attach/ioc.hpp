// SPDX-License-Identifier: Apache-2.0
// attach/ioc.hpp - indicator lists and YARA rules for attachment analysis
//
// DESCRIPTION
//   An ioc_set holds what an incident responder knows about a campaign: SHA-256
//   hashes of its files, its domains and URLs, and YARA rules. It is loaded once
//   (load_ioc_lists), shared read-only between scans through
//   analysis_options::iocs, and matched against every attachment, every archive
//   member, the URLs written inside them, VBA source extracted by the Office
//   analysers, and (match_message_urls) the message's own URLs.
//
//   List files: one entry per line; '#' starts a comment; blank lines ignored.
//   Hash lines: 64 hex digits (anything after white space is a label).
//   Domain lines: a host name (matches it and its subdomains) or a URL
//   (hosts on both sides in text::normalize_host form: IDNA ASCII, percent-decoded)
//   (matches URLs that start with it, case-insensitively).
//   YARA: one rules file, or a folder whose *.yar / *.yara files are compiled together.
// DIAGNOSTICS
//   Loading returns errc::io for unreadable files and errc::parse for bad hash
//   lines and YARA compile errors (with file:line).
#pragma once

#include "core/finding.hpp"
#include "core/result.hpp"
#include "mime/message.hpp"

#include <filesystem>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

struct YR_RULES;

namespace replyguard::attach {

struct ioc_sources {
    std::vector<std::filesystem::path> sha256_lists;
    std::vector<std::filesystem::path> domain_lists;  ///< domains and URLs
    std::filesystem::path yara_rules;                 ///< a file or a folder; empty: none
};

struct ioc_set {
    std::unordered_map<std::string, std::string> sha256;  ///< lower-case hex -> label ("" when none)
    std::unordered_set<std::string> domains;              ///< lower-case host names
    std::vector<std::string> urls;                        ///< lower-case URL prefixes
    YR_RULES* yara = nullptr;                             ///< compiled rules, owned

    ioc_set() = default;
    ioc_set(const ioc_set&) = delete;
    ioc_set& operator=(const ioc_set&) = delete;
    ~ioc_set();

    /// The listed domain `host` falls under ("" when none).
    std::string match_host(std::string_view host) const;
    /// The listed URL prefix or domain `url` matches ("" when none).
    std::string match_url(std::string_view url) const;
};

/// Load and compile the lists and rules named in `src`.
result<std::shared_ptr<const ioc_set>> load_ioc_lists(const ioc_sources& src);

/// IOC_URL findings for the message's own URLs (for the engine; attachments are
/// covered by attach::analyse).
std::vector<finding> match_message_urls(const mime::message& msg, const ioc_set& iocs);

}  // namespace replyguard::attach
