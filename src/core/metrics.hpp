// SPDX-License-Identifier: Apache-2.0
// core/metrics.hpp - counters, fixed-bucket histograms and the Prometheus text exposition
//
// DESCRIPTION
//   What `replyguard serve` (GET /metrics) and `replyguard milter` (a loopback
//   listener or a node_exporter textfile) both expose, in one copy:
//     counter       a monotonic count (std::atomic, relaxed)
//     counter_vec   counters under one label whose values are fixed up front
//                   (verdict, action, store): every value is exposed, zeros too,
//                   so rate() works from the first scrape
//     route_counter HTTP requests by route (fixed list) and status (100-599),
//                   exposed only where non-zero
//     histogram     a fixed-bucket histogram of seconds (or any unit)
//     exposition    the text format 0.0.4 writer: # HELP / # TYPE lines, label
//                   values and help text escaped, cumulative le buckets with
//                   +Inf, _sum and _count
//   Every update is lock-free (atomic adds; the histogram's sum is a CAS loop
//   on a std::atomic<double>). A scrape reads each atomic once: a histogram's
//   _count is the sum of its buckets as read, so it always equals the +Inf
//   bucket; _sum may lag it by the observations in flight.
// LIMITS
//   Label values of a counter_vec are fixed at construction (bounded
//   cardinality by construction); an unknown value is counted under the last
//   value given (callers name it "other"). A histogram has at most
//   k_max_buckets finite bounds. Metric and label names are the caller's and
//   are not checked against [a-zA-Z_:][a-zA-Z0-9_:]*.
// STANDARDS
//   Prometheus exposition formats, text format 0.0.4.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace replyguard::metrics {

/// Buckets for a message's analysis time, in seconds: 1 ms to the milter's
/// default time limit (20 s) and beyond.
inline constexpr std::array<double, 14> k_latency_buckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                             0.25,  0.5,    1.0,   2.5,  5.0,   10.0, 20.0};

class counter {
public:
    void inc(std::uint64_t n = 1) noexcept { v_.fetch_add(n, std::memory_order_relaxed); }
    std::uint64_t value() const noexcept { return v_.load(std::memory_order_relaxed); }

private:
    std::atomic<std::uint64_t> v_{0};
};

class counter_vec {
public:
    /// `label` names the label; `values` its values, in exposition order.
    counter_vec(std::string label, std::initializer_list<std::string_view> values);
    void inc(std::string_view value, std::uint64_t n = 1) noexcept;
    std::uint64_t value(std::string_view value) const noexcept;
    const std::string& label() const noexcept { return label_; }
    const std::vector<std::string>& values() const noexcept { return values_; }
    std::uint64_t at(std::size_t i) const noexcept { return counts_[i].load(std::memory_order_relaxed); }

private:
    std::size_t index(std::string_view value) const noexcept;
    std::string label_;
    std::vector<std::string> values_;
    std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;
};

class route_counter {
public:
    static constexpr int k_min_status = 100, k_max_status = 599;
    /// `routes`: the routes, the last one the catch-all (e.g. "other").
    explicit route_counter(std::initializer_list<std::string_view> routes);
    void inc(std::string_view route, int status) noexcept;
    std::uint64_t value(std::string_view route, int status) const noexcept;
    std::uint64_t total() const noexcept;
    const std::vector<std::string>& routes() const noexcept { return routes_; }

private:
    static constexpr std::size_t k_span = k_max_status - k_min_status + 1;
    std::size_t slot(std::string_view route, int status) const noexcept;
    std::vector<std::string> routes_;
    std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;
    friend class exposition;
};

class histogram {
public:
    static constexpr std::size_t k_max_buckets = 32;
    /// `bounds`: the finite upper bounds, strictly increasing (taken as given
    /// otherwise: a bound not above the previous one never counts anything).
    explicit histogram(std::span<const double> bounds = k_latency_buckets);
    /// One observation: counted in the first bucket whose bound is >= v
    /// (Prometheus `le`), else in +Inf. NaN counts in +Inf and adds nothing to _sum.
    void observe(double v) noexcept;

    struct snapshot {
        std::vector<double> bounds;         ///< finite bounds
        std::vector<std::uint64_t> counts;  ///< per bucket, not cumulative; one more than bounds (+Inf)
        double sum = 0;
        std::uint64_t count = 0;  ///< sum of counts
    };
    snapshot read() const;

private:
    std::vector<double> bounds_;
    std::array<std::atomic<std::uint64_t>, k_max_buckets + 1> counts_{};
    std::atomic<double> sum_{0};
};

/// Escape a label value: backslash, double quote and line feed (text format 0.0.4).
std::string escape_label_value(std::string_view v);
/// Escape HELP text: backslash and line feed.
std::string escape_help(std::string_view v);
/// A sample value as Prometheus writes it: shortest round-trip decimal, "+Inf", "-Inf", "NaN".
std::string format_value(double v);

/// Writes one exposition; each call adds one metric family with its HELP and TYPE lines.
class exposition {
public:
    using labels = std::vector<std::pair<std::string_view, std::string_view>>;

    void counter(std::string_view name, std::string_view help, std::uint64_t value, const labels& l = {});
    void gauge(std::string_view name, std::string_view help, double value, const labels& l = {});
    void counter(std::string_view name, std::string_view help, const counter_vec& c);
    /// Samples `name{route=...,code=...}` for the non-zero counts.
    void counter(std::string_view name, std::string_view help, const route_counter& c);
    void histogram(std::string_view name, std::string_view help, const histogram::snapshot& s);
    void histogram(std::string_view name, std::string_view help, const class histogram& h) {
        histogram(name, help, h.read());
    }
    /// `replyguard_build_info{version=...,compiler=...} 1` (a gauge, by convention).
    void build_info(std::string_view prefix, std::string_view version);

    const std::string& text() const noexcept { return out_; }
    std::string take() noexcept { return std::move(out_); }

private:
    void header(std::string_view name, std::string_view help, std::string_view type);
    void sample(std::string_view name, const labels& l, std::string_view value);
    std::string out_;
};

/// Content-Type of the text format.
inline constexpr std::string_view k_content_type = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace replyguard::metrics
