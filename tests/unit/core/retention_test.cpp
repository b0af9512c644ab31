// SPDX-License-Identifier: Apache-2.0
// retention_test.cpp - [history.retention] (core/retention.hpp): values, defaults, refusals with file:line
#include "core/retention.hpp"
#include "core/config.hpp"
#include "core/toml_file.hpp"

#include <gtest/gtest.h>

using namespace replyguard;

namespace {

result<history_retention> read(const std::string& text) {
    auto doc = parse_toml(text, "r.toml");
    if (!doc) return std::unexpected(doc.error());
    return retention_from_toml(*doc);
}

TEST(retention_config, defaults_when_the_file_says_nothing) {
    auto r = read("[org]\ndomains = [\"ours.example\"]\n");
    ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_EQ(r->fingerprint_days, 400);
    EXPECT_EQ(r->message_days, 1825);
    EXPECT_EQ(r->correspondent_days, 3650);
}

TEST(retention_config, values_and_zero_for_ever) {
    auto r = read("[history.retention]\nfingerprint_days = 90\nmessage_days = 0\n");
    ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_EQ(r->fingerprint_days, 90);
    EXPECT_EQ(r->message_days, 0);
    EXPECT_EQ(r->correspondent_days, 3650);  // not given: the default
    EXPECT_TRUE(parse_config("[history.retention]\nfingerprint_days = 90\nmessage_days = 0\n", "r.toml"));
}

TEST(retention_config, bad_values_are_refused_with_their_line_by_every_reader) {
    for (const auto& [text, where] : std::vector<std::pair<std::string, std::string>>{
             {"[history.retention]\nmessage_days = -1\n", "r.toml:2:"},
             {"[history.retention]\n\nfingerprint_days = 1.5\n", "r.toml:3:"},
             {"[history.retention]\nfingerprint_days = 30.0\n", "r.toml:2:"},
             {"[history.retention]\ncorrespondent_days = \"10\"\n", "r.toml:2:"},
             {"[history.retention]\ncorrespondent_days = true\n", "r.toml:2:"},
             {"[history.retention]\nmessage_days = 36501\n", "r.toml:2:"},
             {"[history.retention]\nmessage_dayz = 5\n", "r.toml:2:"},
             {"[history]\nretain = 5\n", "r.toml:2:"},
             {"history = 5\n", "r.toml:1:"}}) {
        auto r = read(text);
        ASSERT_FALSE(r.has_value()) << text;
        EXPECT_EQ(r.error().code, errc::parse);
        EXPECT_TRUE(r.error().message.starts_with(where)) << r.error().message;
        auto c = parse_config(text, "r.toml");  // every command's reader refuses it too
        ASSERT_FALSE(c.has_value()) << text;
        EXPECT_EQ(c.error().message, r.error().message);
    }
}

// [history] cache_mb and learn_cache_mb (core/config.hpp): the page cache bounds sit
// beside the retention table; history prune's reader accepts them, config_from_toml
// reads and checks them.
TEST(history_cache_config, default_value_and_refusals) {
    auto d = parse_config("[org]\ndomains = [\"ours.example\"]\n", "r.toml");
    ASSERT_TRUE(d.has_value()) << d.error().message;
    EXPECT_EQ(d->history_cache_mb, 64);
    EXPECT_EQ(d->history_learn_cache_mb, 4);
    const std::string both = "[history]\ncache_mb = 8\nlearn_cache_mb = 16\n[history.retention]\nmessage_days = 10\n";
    auto c = parse_config(both, "r.toml");
    ASSERT_TRUE(c.has_value()) << c.error().message;
    EXPECT_EQ(c->history_cache_mb, 8);
    EXPECT_EQ(c->history_learn_cache_mb, 16);
    auto r = read(both);
    ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_EQ(r->message_days, 10);
    for (const std::string key : {"cache_mb", "learn_cache_mb"}) {
        for (const std::string bad : {"0", "-1", "64.0", "\"64\"", "true", "65537"}) {
            auto e = parse_config("[history]\n\n" + key + " = " + bad + "\n", "r.toml");
            ASSERT_FALSE(e.has_value()) << key << " = " << bad;
            EXPECT_EQ(e.error().code, errc::parse);
            EXPECT_TRUE(e.error().message.starts_with("r.toml:3:")) << e.error().message;
            EXPECT_NE(e.error().message.find("history." + key + " must be"), std::string::npos) << e.error().message;
        }
        EXPECT_TRUE(parse_config("[history]\n" + key + " = 65536\n", "r.toml")) << key;
    }
    // Each key sets only its own bound.
    auto l = parse_config("[history]\nlearn_cache_mb = 2\n", "r.toml");
    ASSERT_TRUE(l.has_value()) << l.error().message;
    EXPECT_EQ(l->history_cache_mb, 64);
    EXPECT_EQ(l->history_learn_cache_mb, 2);
}

// [history] mmap_mb: off (0) unless set, 0 accepted (unlike the caches), the same refusals.
TEST(history_cache_config, mmap_default_value_and_refusals) {
    auto d = parse_config("[org]\ndomains = [\"ours.example\"]\n", "r.toml");
    ASSERT_TRUE(d.has_value()) << d.error().message;
    EXPECT_EQ(d->history_mmap_mb, 0);
    const std::string doc = "[history]\nmmap_mb = 2048\n[history.retention]\nmessage_days = 10\n";
    auto c = parse_config(doc, "r.toml");
    ASSERT_TRUE(c.has_value()) << c.error().message;
    EXPECT_EQ(c->history_mmap_mb, 2048);
    EXPECT_EQ(c->history_cache_mb, 64);  // only its own value
    auto r = read(doc);                  // history prune's reader accepts the key beside the retention table
    ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_EQ(r->message_days, 10);
    auto z = parse_config("[history]\nmmap_mb = 0\n", "r.toml");
    ASSERT_TRUE(z.has_value()) << z.error().message;
    EXPECT_EQ(z->history_mmap_mb, 0);
    for (const std::string bad : {"-1", "64.0", "\"64\"", "true", "65537"}) {
        auto e = parse_config("[history]\n\nmmap_mb = " + bad + "\n", "r.toml");
        ASSERT_FALSE(e.has_value()) << "mmap_mb = " << bad;
        EXPECT_EQ(e.error().code, errc::parse);
        EXPECT_TRUE(e.error().message.starts_with("r.toml:3:")) << e.error().message;
        EXPECT_NE(e.error().message.find("history.mmap_mb must be"), std::string::npos) << e.error().message;
    }
}

}  // namespace
