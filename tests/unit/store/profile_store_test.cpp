// SPDX-License-Identifier: Apache-2.0
// profile_store_test.cpp - sender profiles round-trip the same on every backend (memory, SQLite, Redis)
#include "old_history.hpp"
#include "redis_server.hpp"
#include "store/history.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

using namespace replyguard;
using namespace replyguard::store;

namespace {

enum class backend { memory, sqlite, redis };

class profile_store : public ::testing::TestWithParam<backend> {
protected:
    void SetUp() override {
        switch (GetParam()) {
        case backend::memory: h_ = make_memory_history(); break;
        case backend::sqlite: {
            std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
            std::replace(name.begin(), name.end(), '/', '-');  // parameterised names hold a '/'
            path_ = (std::filesystem::temp_directory_path() /
                     ("rg-profile-" + std::to_string(::getpid()) + "-" + name + ".db"))
                        .string();
            std::filesystem::remove(path_);
            auto h = open_sqlite_history(path_, open_mode::read_write);
            ASSERT_TRUE(h.has_value()) << h.error().message;
            h_ = std::move(*h);
            break;
        }
        case backend::redis: {
            auto& s = test::redis_server::instance();
            if (!s.unavailable().empty()) GTEST_SKIP() << s.unavailable();
            ASSERT_TRUE(s.flush());
            auto h = open_history(s.url(), open_mode::read_write);
            ASSERT_TRUE(h.has_value()) << h.error().message;
            h_ = std::move(*h);
            break;
        }
        }
    }
    void TearDown() override {
        h_.reset();
        if (!path_.empty())
            for (auto sfx : {"", "-wal", "-shm"}) std::filesystem::remove(path_ + sfx);
    }

    static profile_update update(std::string key, std::vector<profile_value> vals) {
        return {std::move(key), {"addr:tanaka@fuji-kogyo.example", "org:fuji-kogyo.example"}, std::move(vals)};
    }

    std::unique_ptr<history> h_;
    std::string path_;
};

}  // namespace

TEST_P(profile_store, counts_round_trip_and_relearning_changes_nothing) {
    auto none = h_->find_profile("addr:tanaka@fuji-kogyo.example");
    ASSERT_TRUE(none.has_value()) << none.error().message;
    EXPECT_FALSE(*none);
    auto a = h_->learn_profile(update("m1@x", {{"mua", "microsoft outlook 16", 8}, {"hour", "09", 24}}));
    ASSERT_TRUE(a.has_value()) << a.error().message;
    EXPECT_TRUE(*a);
    ASSERT_TRUE(*h_->learn_profile(update("m2@x", {{"mua", "microsoft outlook 16", 8}, {"hour", "10", 24}})));
    auto again = h_->learn_profile(update("m1@x", {{"mua", "microsoft outlook 16", 8}, {"hour", "09", 24}}));
    ASSERT_TRUE(again.has_value());
    EXPECT_FALSE(*again);
    for (auto key : {"addr:tanaka@fuji-kogyo.example", "org:fuji-kogyo.example"}) {
        auto p = h_->find_profile(key);
        ASSERT_TRUE(p.has_value()) << p.error().message;
        ASSERT_TRUE(*p) << key;
        EXPECT_EQ((*p)->key, key);
        EXPECT_EQ((*p)->messages, 2u);
        EXPECT_EQ((*p)->axes.at("mua").at("microsoft outlook 16"), 2u);
        EXPECT_EQ((*p)->axes.at("hour").at("09"), 1u);
        EXPECT_EQ((*p)->axes.at("hour").at("10"), 1u);
    }
}

TEST_P(profile_store, every_backend_applies_the_same_cap) {
    profile_counts expected;
    for (int i = 0; i < 9; ++i) {
        auto u = update("m" + std::to_string(i), {{"mua", "client " + std::to_string(i % 6), 3}, {"ti", "y", 2}});
        apply_profile_update(expected, u);
        ASSERT_TRUE(h_->learn_profile(u).has_value());
    }
    auto p = h_->find_profile("addr:tanaka@fuji-kogyo.example");
    ASSERT_TRUE(p.has_value() && *p);
    EXPECT_EQ((*p)->messages, expected.messages);
    EXPECT_EQ((*p)->axes, expected.axes);
    EXPECT_EQ((*p)->axes.at("mua").size(), 4u);  // 3 kept + "~other"
}

TEST_P(profile_store, a_rolled_back_batch_leaves_no_profile) {
    ASSERT_TRUE(h_->begin_batch());
    ASSERT_TRUE(*h_->learn_profile(update("m1@x", {{"mua", "none", 8}})));
    ASSERT_TRUE(h_->rollback_batch());
    auto p = h_->find_profile("addr:tanaka@fuji-kogyo.example");
    ASSERT_TRUE(p.has_value());
    EXPECT_FALSE(*p);
    // ... and the same message can then be counted.
    EXPECT_TRUE(*h_->learn_profile(update("m1@x", {{"mua", "none", 8}})));
}

TEST_P(profile_store, redis_profile_keys_carry_their_own_hash_tag) {
    if (GetParam() != backend::redis) GTEST_SKIP() << "Redis key design only";
    ASSERT_TRUE(*h_->learn_profile(update("m1@x", {{"mua", "none", 8}})));
    auto ks = test::redis_server::instance().keys();
    for (auto want : {"rg:{prof:addr:tanaka@fuji-kogyo.example}", "rg:{prof:addr:tanaka@fuji-kogyo.example}:seen",
                      "rg:{prof:org:fuji-kogyo.example}", "rg:{prof:org:fuji-kogyo.example}:seen"})
        EXPECT_NE(std::find(ks.begin(), ks.end(), want), ks.end()) << want;
}

INSTANTIATE_TEST_SUITE_P(backends, profile_store, ::testing::Values(backend::memory, backend::sqlite, backend::redis),
                         [](const auto& i) {
                             return i.param == backend::memory   ? "memory"
                                    : i.param == backend::sqlite ? "sqlite"
                                                                 : "redis";
                         });

TEST(profile_store_sqlite, a_file_of_an_older_schema_reads_as_no_profile) {
    auto path =
        (std::filesystem::temp_directory_path() / ("rg-profile-old-" + std::to_string(::getpid()) + ".db")).string();
    std::filesystem::remove(path);
    // A file written before migration 3: no profile tables, version 2.
    ASSERT_EQ(test::make_old_history(path, 2), "");
    auto r = open_sqlite_history(path, open_mode::read_only);  // scan: not migrated, still readable
    ASSERT_TRUE(r.has_value()) << r.error().message;
    auto p = (*r)->find_profile("addr:a@b.example");
    ASSERT_TRUE(p.has_value()) << p.error().message;
    EXPECT_FALSE(*p);
    r->reset();
    auto w = open_sqlite_history(path, open_mode::read_write);  // learn migrates it
    ASSERT_TRUE(w.has_value()) << w.error().message;
    EXPECT_TRUE(*(*w)->learn_profile({"m@x", {"addr:a@b.example"}, {{"mua", "none", 8}}}));
    for (auto sfx : {"", "-wal", "-shm"}) std::filesystem::remove(path + sfx);
}
