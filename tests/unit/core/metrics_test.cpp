// SPDX-License-Identifier: Apache-2.0
// tests/unit/core/metrics_test.cpp - core/metrics: bucket edges, +Inf, _sum/_count, escaping, exposition
#include "core/metrics.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <limits>
#include <thread>
#include <vector>

using namespace replyguard::metrics;

namespace {
bool contains(const std::string& text, const std::string& line) { return text.find(line) != std::string::npos; }
}  // namespace

// `le` is "less than or equal": a value on a bound counts in that bound's bucket.
TEST(Metrics, HistogramBucketEdgesAreInclusive) {
    constexpr std::array<double, 3> bounds = {0.1, 1.0, 10.0};
    histogram h(bounds);
    h.observe(0.1);                  // on the first bound
    h.observe(0.10000000000000002);  // just above it
    h.observe(1.0);
    h.observe(10.0);
    h.observe(10.5);  // above every bound: +Inf only
    h.observe(0.0);
    auto s = h.read();
    ASSERT_EQ(s.counts.size(), 4u);
    EXPECT_EQ(s.counts[0], 2u);  // 0.0, 0.1
    EXPECT_EQ(s.counts[1], 2u);  // 0.1+, 1.0
    EXPECT_EQ(s.counts[2], 1u);  // 10.0
    EXPECT_EQ(s.counts[3], 1u);  // 10.5
    EXPECT_EQ(s.count, 6u);
    EXPECT_DOUBLE_EQ(s.sum, 0.1 + 0.10000000000000002 + 1.0 + 10.0 + 10.5);
}

TEST(Metrics, HistogramExpositionIsCumulativeWithInfSumAndCount) {
    constexpr std::array<double, 2> bounds = {0.005, 2.5};
    histogram h(bounds);
    h.observe(0.001);
    h.observe(1);
    h.observe(3);
    h.observe(std::numeric_limits<double>::infinity());
    exposition e;
    e.histogram("rg_test_seconds", "Test.", h);
    const std::string& t = e.text();
    EXPECT_TRUE(contains(t, "# HELP rg_test_seconds Test.\n# TYPE rg_test_seconds histogram\n")) << t;
    EXPECT_TRUE(contains(t, "rg_test_seconds_bucket{le=\"0.005\"} 1\n")) << t;
    EXPECT_TRUE(contains(t, "rg_test_seconds_bucket{le=\"2.5\"} 2\n")) << t;
    EXPECT_TRUE(contains(t, "rg_test_seconds_bucket{le=\"+Inf\"} 4\n")) << t;
    EXPECT_TRUE(contains(t, "rg_test_seconds_sum +Inf\n")) << t;
    EXPECT_TRUE(contains(t, "rg_test_seconds_count 4\n")) << t;
    // Buckets come in increasing order, +Inf last, then _sum and _count.
    EXPECT_LT(t.find("le=\"0.005\""), t.find("le=\"2.5\""));
    EXPECT_LT(t.find("le=\"2.5\""), t.find("le=\"+Inf\""));
    EXPECT_LT(t.find("le=\"+Inf\""), t.find("_sum"));
    EXPECT_LT(t.find("_sum"), t.find("_count"));
}

TEST(Metrics, EmptyHistogramHasZeroSumAndCount) {
    histogram h;  // the latency buckets
    exposition e;
    e.histogram("h", "x", h);
    EXPECT_TRUE(contains(e.text(), "h_bucket{le=\"0.001\"} 0\n"));
    EXPECT_TRUE(contains(e.text(), "h_bucket{le=\"20\"} 0\n"));
    EXPECT_TRUE(contains(e.text(), "h_bucket{le=\"+Inf\"} 0\n"));
    EXPECT_TRUE(contains(e.text(), "h_sum 0\nh_count 0\n"));
}

TEST(Metrics, NanCountsInInfAndNotInSum) {
    constexpr std::array<double, 1> bounds = {1.0};
    histogram h(bounds);
    h.observe(std::nan(""));
    h.observe(0.5);
    auto s = h.read();
    EXPECT_EQ(s.counts[0], 1u);
    EXPECT_EQ(s.counts[1], 1u);
    EXPECT_DOUBLE_EQ(s.sum, 0.5);
}

TEST(Metrics, ConcurrentObservationsAreAllCounted) {
    histogram h;
    counter c;
    std::vector<std::thread> ts;
    for (int t = 0; t < 4; ++t)
        ts.emplace_back([&] {
            for (int i = 0; i < 10000; ++i) {
                h.observe(0.002);
                c.inc();
            }
        });
    for (auto& t : ts) t.join();
    auto s = h.read();
    EXPECT_EQ(s.count, 40000u);
    EXPECT_EQ(c.value(), 40000u);
    EXPECT_NEAR(s.sum, 80.0, 1e-6);
}

TEST(Metrics, LabelValuesAndHelpAreEscaped) {
    EXPECT_EQ(escape_label_value("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
    EXPECT_EQ(escape_label_value("返信"), "返信");                // UTF-8 passes through
    EXPECT_EQ(escape_help("x\\y\nz \"q\""), "x\\\\y\\nz \"q\"");  // quotes stay in HELP
    exposition e;
    e.counter("rg_c_total", "Line one\nline two.", 3, {{"path", "/a\"b\\"}});
    EXPECT_EQ(e.text(),
              "# HELP rg_c_total Line one\\nline two.\n# TYPE rg_c_total counter\n"
              "rg_c_total{path=\"/a\\\"b\\\\\"} 3\n");
}

TEST(Metrics, CounterVecExposesEveryValueAndFoldsUnknownIntoTheLast) {
    counter_vec v("verdict", {"clean", "suspicious", "malicious", "other"});
    v.inc("malicious");
    v.inc("malicious");
    v.inc("nonsense");
    exposition e;
    e.counter("rg_scans_total", "Scans.", v);
    const std::string& t = e.text();
    EXPECT_TRUE(contains(t, "rg_scans_total{verdict=\"clean\"} 0\n")) << t;
    EXPECT_TRUE(contains(t, "rg_scans_total{verdict=\"suspicious\"} 0\n")) << t;
    EXPECT_TRUE(contains(t, "rg_scans_total{verdict=\"malicious\"} 2\n")) << t;
    EXPECT_TRUE(contains(t, "rg_scans_total{verdict=\"other\"} 1\n")) << t;
    EXPECT_EQ(v.value("malicious"), 2u);
}

TEST(Metrics, RouteCounterShowsOnlyNonZeroAndClampsStatus) {
    route_counter r({"/metrics", "other"});
    r.inc("/metrics", 200);
    r.inc("/metrics", 200);
    r.inc("/nowhere", 404);
    r.inc("/metrics", 42);  // not HTTP: counted as 100
    exposition e;
    e.counter("rg_http_requests_total", "Requests.", r);
    const std::string& t = e.text();
    EXPECT_TRUE(contains(t, "rg_http_requests_total{route=\"/metrics\",code=\"200\"} 2\n")) << t;
    EXPECT_TRUE(contains(t, "rg_http_requests_total{route=\"other\",code=\"404\"} 1\n")) << t;
    EXPECT_TRUE(contains(t, "rg_http_requests_total{route=\"/metrics\",code=\"100\"} 1\n")) << t;
    EXPECT_FALSE(contains(t, "code=\"500\""));
    EXPECT_EQ(r.total(), 4u);
}

TEST(Metrics, ValuesAreFormattedAsPrometheusReadsThem) {
    EXPECT_EQ(format_value(0.005), "0.005");
    EXPECT_EQ(format_value(1.0), "1");
    EXPECT_EQ(format_value(20.0), "20");
    EXPECT_EQ(format_value(std::numeric_limits<double>::infinity()), "+Inf");
    EXPECT_EQ(format_value(-std::numeric_limits<double>::infinity()), "-Inf");
    EXPECT_EQ(format_value(std::nan("")), "NaN");
    exposition e;
    e.gauge("rg_g", "G.", 1.5);
    EXPECT_EQ(e.text(), "# HELP rg_g G.\n# TYPE rg_g gauge\nrg_g 1.5\n");
}

TEST(Metrics, BuildInfoIsOneWithVersion) {
    exposition e;
    e.build_info("replyguard", "0.1.0");
    EXPECT_TRUE(contains(e.text(), "# TYPE replyguard_build_info gauge\n")) << e.text();
    EXPECT_TRUE(contains(e.text(), "replyguard_build_info{version=\"0.1.0\",compiler=\"")) << e.text();
    EXPECT_EQ(e.text().back(), '\n');
    EXPECT_TRUE(contains(e.text(), "} 1\n"));
}
