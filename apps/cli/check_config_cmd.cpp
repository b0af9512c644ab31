// SPDX-License-Identifier: Apache-2.0
// apps/cli/check_config_cmd.cpp - `replyguard check-config [FILE]`
//
// DESCRIPTION
//   Reads a configuration file the way every command does (core tables by
//   core/config, [milter] by milter/policy, the [ioc] lists and YARA rules by
//   the engine) and prints "FILE: syntax OK", or every error, one per line, as
//   FILE:LINE:COLUMN: what. Exit status 0 when the file is good, 1 when it has
//   errors, 2 when it cannot be read. Without FILE it checks the packaged
//   default, /etc/replyguard/replyguard.toml.
//
//   The loaders stop at their first error. To report every error, the check
//   comments out the line an error names (or, for a table that is wrong as a
//   whole, the table up to the next one) and reads the file again, until it
//   reads cleanly; line numbers stay those of the file.
// LIMITS
//   At most k_max_errors errors are reported.
#include "cli/commands.hpp"

#include "core/config.hpp"
#include "milter/policy.hpp"
#include "scan/engine.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <vector>

namespace replyguard::cli {

namespace {

constexpr int k_max_errors = 50;

/// The line an error message names ("FILE:LINE:COL: ..."), 0 when none.
std::size_t error_line(const std::string& msg, const std::string& path) {
    if (msg.rfind(path + ":", 0) != 0) return 0;
    std::size_t p = path.size() + 1;
    std::size_t line = 0;
    while (p < msg.size() && msg[p] >= '0' && msg[p] <= '9')
        line = line * 10 + static_cast<std::size_t>(msg[p++] - '0');
    return line;
}

std::vector<std::string> split_lines(const std::string& text) {
    std::vector<std::string> lines;
    std::string cur;
    for (char c : text) {
        if (c == '\n') {
            lines.push_back(std::move(cur));
            cur.clear();
        } else {
            cur += c;
        }
    }
    lines.push_back(std::move(cur));
    return lines;
}

std::string join_lines(const std::vector<std::string>& lines) {
    std::string out;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        out += lines[i];
        if (i + 1 < lines.size()) out += '\n';
    }
    return out;
}

bool is_table_header(const std::string& line) {
    std::size_t i = line.find_first_not_of(" \t");
    return i != std::string::npos && line[i] == '[';
}

/// Comment out line `n` (1-based); a table header takes its table's lines with it.
void silence(std::vector<std::string>& lines, std::size_t n) {
    if (n == 0 || n > lines.size()) return;
    bool header = is_table_header(lines[n - 1]);
    lines[n - 1] = "#" + lines[n - 1];
    if (!header) return;
    for (std::size_t i = n; i < lines.size() && !is_table_header(lines[i]); ++i) lines[i] = "#" + lines[i];
}

}  // namespace

int run_check_config(const check_config_args& a) {
    const std::string path = a.file.empty() ? "/etc/replyguard/replyguard.toml" : a.file;
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        std::cerr << "replyguard check-config: cannot read " << path << "\n";
        return 2;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    std::vector<std::string> lines = split_lines(ss.str());

    std::vector<std::string> errors;
    std::set<std::string> seen;
    auto note = [&](const std::string& e) {
        if (seen.insert(e).second) errors.push_back(e);
    };
    while (static_cast<int>(errors.size()) < k_max_errors) {
        const std::string text = join_lines(lines);
        auto core = parse_config(text, path);
        auto mil = milter::parse_milter_config(text, path);
        std::size_t before = errors.size();
        std::size_t silenced = 0;
        for (const std::string* e : {core ? nullptr : &core.error().message, mil ? nullptr : &mil.error().message}) {
            if (!e) continue;
            note(*e);
            if (std::size_t n = error_line(*e, path); n && n != silenced) {
                silence(lines, n);
                silenced = n;
            }
        }
        if (core && mil) {
            // Lists and rules named by [ioc] must be readable and compile.
            scan::engine eng(std::move(*core));
            if (auto r = eng.load_configured_iocs(); !r) note(path + ": " + r.error().message);
            break;
        }
        if (errors.size() == before || !silenced) break;  // nothing new, or nowhere to go on from
    }
    if (errors.empty()) {
        std::cout << path << ": syntax OK\n";
        return 0;
    }
    std::stable_sort(errors.begin(), errors.end(), [&](const std::string& x, const std::string& y) {
        return error_line(x, path) < error_line(y, path);
    });
    for (const auto& e : errors) std::cout << e << "\n";
    std::cout << fmt::format("{}: {} error{}\n", path, errors.size(), errors.size() == 1 ? "" : "s");
    return 1;
}

}  // namespace replyguard::cli
