// SPDX-License-Identifier: Apache-2.0
// core/toml_file.hpp - read a TOML configuration file once, for every table's reader
//
// DESCRIPTION
//   One configuration file holds tables read by different modules: core/config
//   ([scores], [thresholds], [limits], ...) and milter/policy ([milter]). The
//   file is read and parsed here, once; each module reads its tables from the
//   parsed document (config_from_toml, milter_config_from_toml), so a front-end
//   that needs both (the milter, at start-up and on SIGHUP) parses one text, and
//   a syntax error is reported in one way.
// DIAGNOSTICS
//   Errors name the file, line and column ("path:3:7: ...").
#pragma once

#include "core/result.hpp"

#ifndef TOML_EXCEPTIONS
#define TOML_EXCEPTIONS 0
#endif
#include <toml++/toml.h>

#include <string>
#include <string_view>

namespace replyguard {

/// A parsed configuration file: its root table and the name errors give it.
struct toml_document {
    toml::table root;
    std::string origin;
};

/// Parse TOML text; `origin` names it in error messages.
result<toml_document> parse_toml(std::string_view text, const std::string& origin);
/// Read and parse a file. A missing or unreadable file is an error (errc::io).
result<toml_document> read_toml(const std::string& path);

/// "origin:line:column" of a node, for error messages.
std::string toml_where(const toml::node& n, const std::string& origin);

}  // namespace replyguard
