// SPDX-License-Identifier: Apache-2.0
// tests/support/corpus_files.hpp - the single-message files of the shared corpus, for tests that walk all of it
//
// DESCRIPTION
//   Every non-empty regular file below `root` whose name is not hidden and has
//   no ".mbox"/".mbx" in it (mbox files hold many messages; the CLI splits
//   them, a test that parses one file as one message would not), sorted by
//   path so that failures name the same file on every machine.
#pragma once

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

namespace replyguard::test {

inline std::vector<std::filesystem::path> single_message_files(const std::filesystem::path& root) {
    std::vector<std::filesystem::path> files;
    for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
        if (!e.is_regular_file() || e.file_size() == 0) continue;
        const std::string name = e.path().filename().string();
        if (name.starts_with('.') || name.find(".mbox") != std::string::npos || name.find(".mbx") != std::string::npos)
            continue;
        files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
    return files;
}

}  // namespace replyguard::test
