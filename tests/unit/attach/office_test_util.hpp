// SPDX-License-Identifier: Apache-2.0
// tests/unit/attach/office_test_util.hpp - run analyse_office() on corpus files
#pragma once

#include "attach/file.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace office_test {

namespace fs = std::filesystem;

inline fs::path corpus() { return fs::path(REPLYGUARD_CORPUS_DIR); }

inline std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

/// Regular files under office/<sub> (recursively), sorted.
inline std::vector<fs::path> files_under(const std::string& sub) {
    std::vector<fs::path> out;
    const fs::path dir = corpus() / "office" / sub;
    if (!fs::exists(dir)) return out;
    for (const auto& e : fs::recursive_directory_iterator(dir))
        if (e.is_regular_file()) out.push_back(e.path());
    std::sort(out.begin(), out.end());
    return out;
}

/// MANIFEST.tsv: corpus-relative path -> tags.
inline std::map<std::string, std::string> manifest_tags() {
    std::map<std::string, std::string> m;
    std::ifstream in(corpus() / "MANIFEST.tsv");
    std::string line;
    while (std::getline(in, line)) {
        std::vector<std::string> cols;
        std::stringstream ss(line);
        std::string col;
        while (std::getline(ss, col, '\t')) cols.push_back(col);
        if (cols.size() >= 6)
            m[cols[0]] = cols[5];
        else if (cols.size() == 5)
            m[cols[0]] = "";
    }
    return m;
}

inline std::string rel(const fs::path& p) { return fs::relative(p, corpus()).generic_string(); }

struct outcome {
    bool recognised = false;
    replyguard::attach::attachment_report rep;
    bool has(std::string_view id) const {
        return std::any_of(rep.findings.begin(), rep.findings.end(), [&](const auto& f) { return f.id == id; });
    }
    std::string ids() const {
        std::string s;
        for (const auto& f : rep.findings) s += f.id + " ";
        return s;
    }
};

inline outcome analyse_bytes(const std::string& name, const std::string& data,
                             std::vector<std::string> passwords = {}) {
    replyguard::attach::file_view f;
    f.name = name;
    f.data = data;
    f.path = name;
    replyguard::attach::analysis_state st;
    st.bytes_budget = st.lim.archive_bytes;
    st.passwords = std::move(passwords);
    outcome o;
    o.recognised = replyguard::attach::analyse_office(f, st, o.rep);
    return o;
}

inline outcome analyse_file(const fs::path& p, std::vector<std::string> passwords = {}) {
    return analyse_bytes(p.filename().string(), slurp(p), std::move(passwords));
}

}  // namespace office_test
