// SPDX-License-Identifier: Apache-2.0
// score/score_test.cpp - findings to a score and a verdict: sums, group caps, thresholds
#include "score/score.hpp"
#include "core/config.hpp"
#include "core/finding.hpp"

#include <gtest/gtest.h>

#include <vector>

using namespace replyguard;

namespace {

finding f(std::string group, double score) {
    finding x;
    x.id = "TEST_" + group;
    x.group = std::move(group);
    x.score = score;
    return x;
}

}  // namespace

TEST(Score, NoFindingIsCleanAtZero) {
    config cfg;
    auto o = score::evaluate({}, cfg);
    EXPECT_EQ(o.score, 0.0);
    EXPECT_EQ(o.v, score::verdict::clean);
}

TEST(Score, ScoresAddUpAcrossGroups) {
    config cfg;
    auto o = score::evaluate({f("hijack", 3.0), f("payload", 1.5), f("hijack", 0.25)}, cfg);
    EXPECT_DOUBLE_EQ(o.score, 4.75);
    EXPECT_EQ(o.v, score::verdict::clean);
}

TEST(Score, DefaultThresholdsAreFiveAndTen) {
    config cfg;
    EXPECT_EQ(score::evaluate({f("a", 4.99)}, cfg).v, score::verdict::clean);
    EXPECT_EQ(score::evaluate({f("a", 5.0)}, cfg).v, score::verdict::suspicious);  // ">=": the threshold itself counts
    EXPECT_EQ(score::evaluate({f("a", 9.99)}, cfg).v, score::verdict::suspicious);
    EXPECT_EQ(score::evaluate({f("a", 10.0)}, cfg).v, score::verdict::malicious);
}

TEST(Score, ConfiguredThresholdsApply) {
    config cfg;
    cfg.suspicious_threshold = 2.0;
    cfg.malicious_threshold = 3.0;
    EXPECT_EQ(score::evaluate({f("a", 2.5)}, cfg).v, score::verdict::suspicious);
    EXPECT_EQ(score::evaluate({f("a", 3.0)}, cfg).v, score::verdict::malicious);
}

TEST(Score, AGroupCapLimitsOnlyThatGroup) {
    config cfg;
    cfg.group_caps["mime"] = 2.0;
    auto o = score::evaluate({f("mime", 1.5), f("mime", 1.5), f("mime", 1.5), f("hijack", 4.0)}, cfg);
    EXPECT_DOUBLE_EQ(o.score, 6.0);  // mime 4.5 capped to 2, plus hijack 4
    EXPECT_EQ(o.v, score::verdict::suspicious);
}

TEST(Score, NegativeFindingsCountButTheTotalNeverGoesBelowZero) {
    config cfg;
    EXPECT_DOUBLE_EQ(score::evaluate({f("hijack", 6.0), f("trust", -2.0)}, cfg).score, 4.0);
    auto o = score::evaluate({f("hijack", 1.0), f("trust", -5.0)}, cfg);
    EXPECT_EQ(o.score, 0.0);
    EXPECT_EQ(o.v, score::verdict::clean);
}

TEST(Score, TheTotalIsRoundedToHundredths) {
    config cfg;
    // 0.1 + 0.2 is 0.30000000000000004 in binary; the record shows 0.3.
    EXPECT_EQ(score::evaluate({f("a", 0.1), f("b", 0.2)}, cfg).score, 0.3);
    EXPECT_EQ(score::evaluate({f("a", 1.004)}, cfg).score, 1.0);
}

TEST(Score, VerdictNames) {
    EXPECT_EQ(score::verdict_name(score::verdict::clean), "clean");
    EXPECT_EQ(score::verdict_name(score::verdict::suspicious), "suspicious");
    EXPECT_EQ(score::verdict_name(score::verdict::malicious), "malicious");
}
