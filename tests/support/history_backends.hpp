// SPDX-License-Identifier: Apache-2.0
// tests/support/history_backends.hpp - every store::history backend, for parametrised tests
//
// DESCRIPTION
//   The suites that hold every backend to the same expectations
//   (tests/unit/store/history_test.cpp, retention_test.cpp) instantiate with
//   ::testing::ValuesIn(test::history_backends(DIR)): memory, SQLite (a fresh
//   file per test, named by the test, under the temporary directory DIR-<pid>),
//   and Redis (the test process's private redis-server, flushed), which says
//   why it cannot run when there is no redis-server.
#pragma once

#include "redis_server.hpp"
#include "store/history.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace replyguard::test {

/// A fresh SQLite path (the file and its -wal/-shm removed) under /tmp/DIR-<pid>/.
inline std::string temp_sqlite(const std::string& dir, const std::string& tag) {
    auto d = std::filesystem::temp_directory_path() / (dir + "-" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    auto p = d / (tag + ".sqlite");
    for (const char* ext : {"", "-wal", "-shm"}) std::filesystem::remove(p.string() + ext);
    return p.string();
}

struct history_backend {
    const char* name;
    std::function<std::unique_ptr<store::history>(const std::string& tag)> open;
    /// Why this backend cannot run here ("" when it can).
    std::function<std::string()> unavailable = [] { return std::string(); };
};

inline std::vector<history_backend> history_backends(const std::string& dir) {
    auto opened = [](auto h) -> std::unique_ptr<store::history> {
        EXPECT_TRUE(h.has_value()) << (h ? "" : h.error().message);
        return h ? std::move(*h) : nullptr;
    };
    return {
        history_backend{"memory", [](const std::string&) { return store::make_memory_history(); }},
        history_backend{"sqlite",
                        [dir, opened](const std::string& tag) {
                            return opened(store::open_history(temp_sqlite(dir, tag), store::open_mode::read_write));
                        }},
        history_backend{"redis",
                        [opened](const std::string&) {
                            auto& srv = redis_server::instance();
                            EXPECT_TRUE(srv.flush());
                            return opened(store::open_history(srv.url(), store::open_mode::read_write));
                        },
                        [] { return redis_server::instance().unavailable(); }},
    };
}

}  // namespace replyguard::test
