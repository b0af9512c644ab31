// SPDX-License-Identifier: Apache-2.0
// tests/unit/core/config_checks_test.cpp - issue 12 case 14: numbers in the configuration must make sense
#include "core/config.hpp"

#include <gtest/gtest.h>

using namespace replyguard;

namespace {
std::string error_of(const std::string& toml) {
    auto c = parse_config(toml, "t.toml");
    return c ? std::string() : c.error().message;
}
}  // namespace

// `thresholds = nan` made every comparison false: a score of 27 was `clean`.
TEST(ConfigChecks, NanAndInfThresholdsAreRejected) {
    EXPECT_NE(error_of("[thresholds]\nsuspicious = nan\n").find("thresholds.suspicious must be a finite number"),
              std::string::npos);
    EXPECT_NE(error_of("[thresholds]\nmalicious = inf\n").find("finite"), std::string::npos);
    EXPECT_NE(error_of("[thresholds]\nmalicious = -inf\n").find("finite"), std::string::npos);
    EXPECT_NE(error_of("[scores]\nOFFICE_DDE = nan\n").find("finite"), std::string::npos);
    EXPECT_NE(error_of("[groups.payload]\nmax_score = inf\n").find("finite"), std::string::npos);
    EXPECT_NE(error_of("[limits]\narchive_ratio = nan\n").find("finite"), std::string::npos);
}

TEST(ConfigChecks, ThresholdOrderingIsChecked) {
    EXPECT_NE(error_of("[thresholds]\nsuspicious = 12.0\nmalicious = 10.0\n").find("must not be above"),
              std::string::npos);
    EXPECT_NE(error_of("[thresholds]\nsuspicious = -1.0\n").find("above 0"), std::string::npos);
    EXPECT_NE(error_of("[thresholds]\nmalicious = 0\n").find("above 0"), std::string::npos);
    EXPECT_EQ(error_of("[thresholds]\nsuspicious = 4.0\nmalicious = 9.5\n"), "");
    EXPECT_EQ(error_of("[thresholds]\nsuspicious = 5.0\nmalicious = 5.0\n"), "");
}

TEST(ConfigChecks, NewLimitsAreRead) {
    auto c = parse_config("[limits]\nheader_field_bytes = 4096\nkept_detection_bytes = 1000\n", "t.toml");
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ(c->lim.header_field_bytes, 4096u);
    EXPECT_EQ(c->lim.kept_detection_bytes, 1000u);
}
