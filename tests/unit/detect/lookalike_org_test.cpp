// SPDX-License-Identifier: Apache-2.0
// tests/unit/detect/lookalike_org_test.cpp - our own name with a word added, without history
#include "core/config.hpp"
#include "scan/engine.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace {

using namespace replyguard;

bool lookalike(const std::string& from_domain) {
    config cfg;
    cfg.org_domains = {"sakura-shoji.example"};
    scan::engine eng(cfg, nullptr);
    std::string m = "From: Keiri <keiri@" + from_domain +
                    ">\r\nTo: ito@sakura-shoji.example\r\nSubject: hello\r\n"
                    "Date: Sun, 12 Apr 2026 07:48:00 +0900\r\nMessage-ID: <x@y>\r\n\r\nbody\r\n";
    auto r = eng.scan(m, "t");
    return std::any_of(r.findings.begin(), r.findings.end(), [](const auto& f) { return f.id == "LOOKALIKE_DOMAIN"; });
}

TEST(lookalike_org, our_label_with_a_word_added) {
    EXPECT_TRUE(lookalike("sakura-shoji-co.example"));
    EXPECT_TRUE(lookalike("jp-sakura-shoji.example"));
    EXPECT_TRUE(lookalike("sakura-sh0ji.example"));  // confusable / one edit
}

TEST(lookalike_org, unrelated_and_own_domains_are_not) {
    EXPECT_FALSE(lookalike("sakura-shoji.example"));
    EXPECT_FALSE(lookalike("mail.sakura-shoji.example"));
    EXPECT_FALSE(lookalike("fuji-kogyo.example"));
    EXPECT_FALSE(lookalike("sakurashojikai.example"));  // not a word added with a separator
}

}  // namespace
