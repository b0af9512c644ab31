// SPDX-License-Identifier: Apache-2.0
// core/config_test.cpp - the configuration file: defaults, every table, and the errors
#include "core/config.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

using namespace replyguard;

namespace {

config parse_ok(std::string_view text) {
    auto r = parse_config(text, "test.toml");
    EXPECT_TRUE(r) << (r ? "" : r.error().message);
    return r ? *r : config{};
}

std::string parse_error(std::string_view text) {
    auto r = parse_config(text, "test.toml");
    EXPECT_FALSE(r) << "accepted: " << text;
    return r ? std::string() : r.error().message;
}

}  // namespace

TEST(Config, EmptyTextIsTheDefaults) {
    config c = parse_ok("");
    config d;
    EXPECT_EQ(c.suspicious_threshold, d.suspicious_threshold);
    EXPECT_EQ(c.malicious_threshold, d.malicious_threshold);
    EXPECT_EQ(c.lim.mime_depth, d.lim.mime_depth);
    EXPECT_TRUE(c.org_domains.empty());
    EXPECT_TRUE(c.score_overrides.empty());
}

TEST(Config, EveryCoreTableIsRead) {
    config c = parse_ok(R"(
[scores]
FAKE_REPLY = 2.5
FIRST_CONTACT_REPLY = -1

[groups.hijack]
max_score = 12.0

[thresholds]
suspicious = 4.0
malicious = 9.5

[limits]
mime_depth = 7
passwords_tried = 3

[org]
domains = ["ours.co.jp", "ours.example"]

[auth]
trusted_authserv_ids = ["mx.ours.co.jp"]

[ioc]
sha256_lists = ["bad.sha256"]
domain_lists = ["bad.domains"]
yara_rules = "rules/"
)");
    EXPECT_DOUBLE_EQ(c.score_for("FAKE_REPLY", 9.0), 2.5);
    EXPECT_DOUBLE_EQ(c.score_for("FIRST_CONTACT_REPLY", 9.0), -1.0);
    EXPECT_DOUBLE_EQ(c.score_for("NOT_CONFIGURED", 3.25), 3.25);  // the default when not overridden
    ASSERT_TRUE(c.group_caps.contains("hijack"));
    EXPECT_DOUBLE_EQ(c.group_caps.find("hijack")->second, 12.0);
    EXPECT_DOUBLE_EQ(c.suspicious_threshold, 4.0);
    EXPECT_DOUBLE_EQ(c.malicious_threshold, 9.5);
    EXPECT_EQ(c.lim.mime_depth, 7u);
    EXPECT_EQ(c.lim.passwords_tried, 3u);
    EXPECT_EQ(c.org_domains, (std::vector<std::string>{"ours.co.jp", "ours.example"}));
    EXPECT_EQ(c.trusted_authserv_ids, std::vector<std::string>{"mx.ours.co.jp"});
    EXPECT_EQ(c.ioc_sha256_lists, std::vector<std::string>{"bad.sha256"});
    EXPECT_EQ(c.ioc_domain_lists, std::vector<std::string>{"bad.domains"});
    EXPECT_EQ(c.yara_rules, "rules/");
}

TEST(Config, TheMilterTableIsLeftToTheMilter) {
    // [milter] is read by milter/policy.cpp; the core accepts it without looking inside.
    config c = parse_ok("[milter]\nsocket = \"inet:8891@127.0.0.1\"\n[milter.actions]\nmalicious = \"reject\"\n");
    EXPECT_TRUE(c.org_domains.empty());
}

TEST(Config, TablesNoFrontEndReadsAreErrors) {
    // docs/configuration.md: only [milter] belongs to a front-end; these were
    // once accepted and silently ignored.
    for (std::string_view t : {"serve", "store", "report", "outbound"}) {
        std::string err = parse_error("[" + std::string(t) + "]\nx = 1\n");
        EXPECT_NE(err.find("unknown table [" + std::string(t) + "]"), std::string::npos) << err;
    }
}

TEST(Config, ErrorsNameTheFileLineAndKey) {
    std::string err = parse_error("[thresholds]\nsuspicious = 4.0\nmalicous = 9\n");
    EXPECT_NE(err.find("test.toml"), std::string::npos) << err;
    EXPECT_NE(err.find("thresholds.malicous"), std::string::npos) << err;
    EXPECT_NE(err.find(":3"), std::string::npos) << err;  // the line of the typo

    err = parse_error("[limits]\nno_such_limit = 3\n");
    EXPECT_NE(err.find("limits.no_such_limit"), std::string::npos) << err;

    err = parse_error("[typo_table]\nx = 1\n");
    EXPECT_NE(err.find("unknown table [typo_table]"), std::string::npos) << err;

    err = parse_error("[scores\nFAKE_REPLY = 1\n");  // TOML syntax error
    EXPECT_NE(err.find("test.toml"), std::string::npos) << err;
}

TEST(Config, WrongTypesAreErrors) {
    parse_error("[thresholds]\nsuspicious = \"high\"\n");
    parse_error("[org]\ndomains = \"ours.co.jp\"\n");
    parse_error("[scores]\nFAKE_REPLY = \"2\"\n");
}

TEST(Config, LoadConfigReadsAFileAndRemembersIt) {
    auto dir = std::filesystem::temp_directory_path() / ("rg-config-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    auto path = (dir / "replyguard.toml").string();
    { std::ofstream(path) << "[org]\ndomains = [\"ours.co.jp\"]\n"; }
    auto r = load_config(path);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->org_domains, std::vector<std::string>{"ours.co.jp"});
    EXPECT_EQ(r->source_path, path);

    auto missing = load_config((dir / "missing.toml").string());
    EXPECT_FALSE(missing);  // only the default is implicit
    std::filesystem::remove_all(dir);
}
