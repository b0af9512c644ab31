// SPDX-License-Identifier: Apache-2.0
// tests/unit/core/toml_file_test.cpp - one parse of a configuration file for every table's reader
#include "core/toml_file.hpp"
#include "core/config.hpp"
#include "milter/policy.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

using namespace replyguard;

TEST(TomlFile, OneParseServesCoreAndMilterTables) {
    auto doc = parse_toml("[thresholds]\nsuspicious = 4.0\n[milter]\ntimeout = 3.5\n", "t.toml");
    ASSERT_TRUE(doc) << doc.error().message;
    auto core = config_from_toml(*doc);
    ASSERT_TRUE(core) << core.error().message;
    EXPECT_DOUBLE_EQ(core->suspicious_threshold, 4.0);
    EXPECT_EQ(core->source_path, "t.toml");
    auto mc = milter::milter_config_from_toml(*doc);
    ASSERT_TRUE(mc) << mc.error().message;
    EXPECT_DOUBLE_EQ(mc->timeout, 3.5);
}

TEST(TomlFile, ErrorsNameFileLineAndColumn) {
    auto bad = parse_toml("[thresholds]\nsuspicious = = 4\n", "bad.toml");
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().message.rfind("bad.toml:2:", 0), 0u) << bad.error().message;
    auto missing = read_toml("/nonexistent/replyguard.toml");
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().code, errc::io);
    // A table key error still names its place through the one parse.
    auto doc = parse_toml("[milter]\n\nsokcet = 1\n", "m.toml");
    ASSERT_TRUE(doc);
    auto mc = milter::milter_config_from_toml(*doc);
    ASSERT_FALSE(mc);
    EXPECT_NE(mc.error().message.find("m.toml:3"), std::string::npos) << mc.error().message;
}

TEST(TomlFile, ReadsAFile) {
    std::string path = ::testing::TempDir() + "rg_toml_file_test.toml";
    {
        std::ofstream out(path);
        out << "[org]\ndomains = [\"example.co.jp\"]\n";
    }
    auto doc = read_toml(path);
    ASSERT_TRUE(doc) << doc.error().message;
    EXPECT_EQ(doc->origin, path);
    auto core = config_from_toml(*doc);
    ASSERT_TRUE(core);
    ASSERT_EQ(core->org_domains.size(), 1u);
    EXPECT_EQ(core->org_domains[0], "example.co.jp");
    std::remove(path.c_str());
}
