// SPDX-License-Identifier: Apache-2.0
// tests/support/jp_corpus.hpp - reading corpus mail in tests (header fields, bodies, MANIFEST tags)
//
// DESCRIPTION
//   Minimal helpers so that tests can take real bytes from /work/shared/corpus
//   (REPLYGUARD_CORPUS_DIR) without depending on the MIME parser: split the
//   header block into raw (still folded) fields, cut the body, and list the
//   files whose MANIFEST.tsv `tags` column holds a given tag.
#pragma once

#include <cctype>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace replyguard::test {

inline std::string corpus_path(std::string_view rel) {
    return std::string(REPLYGUARD_CORPUS_DIR) + "/" + std::string(rel);
}

inline std::string read_bytes(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    std::ostringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

inline std::string read_corpus(std::string_view rel) { return read_bytes(corpus_path(rel)); }

/// Offset of the blank line ending the header block (npos: headers only).
inline std::size_t header_end(std::string_view m, std::size_t* body_start = nullptr) {
    std::size_t a = m.find("\n\n"), b = m.find("\r\n\r\n");
    if (a == std::string_view::npos && b == std::string_view::npos) {
        if (body_start) *body_start = m.size();
        return m.size();
    }
    if (b != std::string_view::npos && (a == std::string_view::npos || b < a)) {
        if (body_start) *body_start = b + 4;
        return b;
    }
    if (body_start) *body_start = a + 2;
    return a;
}

struct raw_field {
    std::string name;
    std::string value;  ///< raw bytes after the colon, folding (CRLF/LF + WSP) kept
};

inline std::vector<raw_field> raw_fields(std::string_view m) {
    std::vector<raw_field> out;
    std::string_view h = m.substr(0, header_end(m));
    std::size_t i = 0;
    while (i < h.size()) {
        std::size_t e = h.find('\n', i);
        if (e == std::string_view::npos) e = h.size();
        std::string_view line = h.substr(i, e - i);
        bool cont = !line.empty() && (line[0] == ' ' || line[0] == '\t');
        if (cont && !out.empty()) {
            out.back().value += "\n";
            out.back().value += line;
        } else if (std::size_t c = line.find(':'); c != std::string_view::npos && !line.starts_with("From ")) {
            out.push_back({std::string(line.substr(0, c)), std::string(line.substr(c + 1))});
        }
        i = e + 1;
    }
    for (auto& f : out)
        if (!f.value.empty() && f.value.back() == '\r') f.value.pop_back();
    return out;
}

/// Raw value of the first field named `name` (case-insensitive), "" if none.
inline std::string raw_header(std::string_view m, std::string_view name) {
    for (auto& f : raw_fields(m)) {
        if (f.name.size() != name.size()) continue;
        bool eq = true;
        for (std::size_t k = 0; k < name.size(); ++k)
            if (std::tolower(static_cast<unsigned char>(f.name[k])) !=
                std::tolower(static_cast<unsigned char>(name[k])))
                eq = false;
        if (eq) return f.value;
    }
    return {};
}

inline std::string body_of(std::string_view m) {
    std::size_t b = 0;
    header_end(m, &b);
    return std::string(m.substr(b));
}

/// Corpus paths whose MANIFEST.tsv `tags` column holds `tag`.
inline std::vector<std::string> manifest_with_tag(std::string_view tag) {
    std::vector<std::string> out;
    std::ifstream f(corpus_path("MANIFEST.tsv"));
    std::string line;
    int col = -1;
    while (std::getline(f, line)) {
        std::vector<std::string> cols;
        std::stringstream ls(line);
        std::string c;
        while (std::getline(ls, c, '\t')) cols.push_back(c);
        if (col < 0) {
            for (std::size_t k = 0; k < cols.size(); ++k)
                if (cols[k] == "tags") col = static_cast<int>(k);
            continue;
        }
        if (static_cast<std::size_t>(col) >= cols.size()) continue;
        std::stringstream ts(cols[col]);
        std::string t;
        while (std::getline(ts, t, ','))
            if (t == tag) {
                out.push_back(cols[0]);
                break;
            }
    }
    return out;
}

inline bool has_esc(std::string_view s) { return s.find('\x1b') != std::string_view::npos; }
inline bool has_fffd(std::string_view s) { return s.find("\xEF\xBF\xBD") != std::string_view::npos; }

}  // namespace replyguard::test

namespace replyguard::test {

/// A GoogleTest parameter name from free text: [A-Za-z0-9_] only, prefixed by the index.
inline std::string param_name(std::size_t index, std::string_view text) {
    std::string out = "c" + std::to_string(index) + "_";
    for (char c : text) {
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
            out.push_back(c);
        else if (!out.empty() && out.back() != '_')
            out.push_back('_');
        if (out.size() > 60) break;
    }
    while (!out.empty() && out.back() == '_') out.pop_back();
    return out;
}

}  // namespace replyguard::test
