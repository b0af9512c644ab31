// SPDX-License-Identifier: Apache-2.0
// core/toml_file.cpp - TOML text and files via toml++ (Debian libtomlplusplus-dev).
#include "core/toml_file.hpp"

#include <fmt/format.h>

#include <fstream>
#include <sstream>

namespace replyguard {

result<toml_document> parse_toml(std::string_view text, const std::string& origin) {
    toml::parse_result parsed = toml::parse(text, origin);
    if (!parsed) {
        const auto& e = parsed.error();
        return fail(errc::parse, fmt::format("{}:{}:{}: {}", origin, e.source().begin.line, e.source().begin.column,
                                             e.description()));
    }
    return toml_document{std::move(parsed).table(), origin};
}

result<toml_document> read_toml(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return fail(errc::io, fmt::format("cannot read configuration {}", path));
    std::ostringstream ss;
    ss << in.rdbuf();
    return parse_toml(ss.str(), path);
}

std::string toml_where(const toml::node& n, const std::string& origin) {
    const auto& s = n.source();
    return fmt::format("{}:{}:{}", origin, s.begin.line, s.begin.column);
}

}  // namespace replyguard
