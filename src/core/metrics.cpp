// SPDX-License-Identifier: Apache-2.0
// core/metrics.cpp - counters, histograms and the Prometheus text exposition (see metrics.hpp)
#include "core/metrics.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace replyguard::metrics {

counter_vec::counter_vec(std::string label, std::initializer_list<std::string_view> values)
    : label_(std::move(label)), values_(values.begin(), values.end()) {
    if (values_.empty()) values_.emplace_back("other");
    counts_ = std::make_unique<std::atomic<std::uint64_t>[]>(values_.size());
}

std::size_t counter_vec::index(std::string_view value) const noexcept {
    for (std::size_t i = 0; i < values_.size(); ++i)
        if (values_[i] == value) return i;
    return values_.size() - 1;
}

void counter_vec::inc(std::string_view value, std::uint64_t n) noexcept {
    counts_[index(value)].fetch_add(n, std::memory_order_relaxed);
}

std::uint64_t counter_vec::value(std::string_view value) const noexcept { return at(index(value)); }

route_counter::route_counter(std::initializer_list<std::string_view> routes) : routes_(routes.begin(), routes.end()) {
    if (routes_.empty()) routes_.emplace_back("other");
    counts_ = std::make_unique<std::atomic<std::uint64_t>[]>(routes_.size() * k_span);
}

std::size_t route_counter::slot(std::string_view route, int status) const noexcept {
    std::size_t r = routes_.size() - 1;
    for (std::size_t i = 0; i < routes_.size(); ++i)
        if (routes_[i] == route) {
            r = i;
            break;
        }
    // A status outside 100-599 is not HTTP; it is counted at the nearest end.
    int s = std::clamp(status, k_min_status, k_max_status);
    return r * k_span + static_cast<std::size_t>(s - k_min_status);
}

void route_counter::inc(std::string_view route, int status) noexcept {
    counts_[slot(route, status)].fetch_add(1, std::memory_order_relaxed);
}

std::uint64_t route_counter::value(std::string_view route, int status) const noexcept {
    return counts_[slot(route, status)].load(std::memory_order_relaxed);
}

std::uint64_t route_counter::total() const noexcept {
    std::uint64_t t = 0;
    for (std::size_t i = 0; i < routes_.size() * k_span; ++i) t += counts_[i].load(std::memory_order_relaxed);
    return t;
}

histogram::histogram(std::span<const double> bounds)
    : bounds_(bounds.begin(), bounds.begin() + static_cast<std::ptrdiff_t>(std::min(bounds.size(), k_max_buckets))) {}

void histogram::observe(double v) noexcept {
    // First bound >= v; NaN compares false everywhere and lands in +Inf.
    std::size_t i = 0;
    while (i < bounds_.size() && !(v <= bounds_[i])) ++i;
    counts_[i].fetch_add(1, std::memory_order_relaxed);
    if (!std::isnan(v)) sum_.fetch_add(v, std::memory_order_relaxed);
}

histogram::snapshot histogram::read() const {
    snapshot s;
    s.bounds = bounds_;
    s.counts.resize(bounds_.size() + 1);
    for (std::size_t i = 0; i <= bounds_.size(); ++i) {
        s.counts[i] = counts_[i].load(std::memory_order_relaxed);
        s.count += s.counts[i];
    }
    s.sum = sum_.load(std::memory_order_relaxed);
    return s;
}

std::string escape_label_value(std::string_view v) {
    std::string out;
    out.reserve(v.size());
    for (char c : v) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '"')
            out += "\\\"";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

std::string escape_help(std::string_view v) {
    std::string out;
    out.reserve(v.size());
    for (char c : v) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

std::string format_value(double v) {
    if (std::isnan(v)) return "NaN";
    if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
    return fmt::format("{}", v);  // shortest representation that reads back the same
}

void exposition::header(std::string_view name, std::string_view help, std::string_view type) {
    out_ += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, escape_help(help), name, type);
}

void exposition::sample(std::string_view name, const labels& l, std::string_view value) {
    out_ += name;
    if (!l.empty()) {
        out_ += '{';
        for (std::size_t i = 0; i < l.size(); ++i) {
            if (i) out_ += ',';
            out_ += fmt::format("{}=\"{}\"", l[i].first, escape_label_value(l[i].second));
        }
        out_ += '}';
    }
    out_ += ' ';
    out_ += value;
    out_ += '\n';
}

void exposition::counter(std::string_view name, std::string_view help, std::uint64_t value, const labels& l) {
    header(name, help, "counter");
    sample(name, l, fmt::format("{}", value));
}

void exposition::gauge(std::string_view name, std::string_view help, double value, const labels& l) {
    header(name, help, "gauge");
    sample(name, l, format_value(value));
}

void exposition::counter(std::string_view name, std::string_view help, const counter_vec& c) {
    header(name, help, "counter");
    for (std::size_t i = 0; i < c.values().size(); ++i)
        sample(name, {{c.label(), c.values()[i]}}, fmt::format("{}", c.at(i)));
}

void exposition::counter(std::string_view name, std::string_view help, const route_counter& c) {
    header(name, help, "counter");
    for (std::size_t r = 0; r < c.routes_.size(); ++r)
        for (std::size_t s = 0; s < route_counter::k_span; ++s) {
            std::uint64_t n = c.counts_[r * route_counter::k_span + s].load(std::memory_order_relaxed);
            if (n == 0) continue;
            std::string code = fmt::format("{}", route_counter::k_min_status + static_cast<int>(s));
            sample(name, {{"route", c.routes_[r]}, {"code", code}}, fmt::format("{}", n));
        }
}

void exposition::histogram(std::string_view name, std::string_view help, const histogram::snapshot& s) {
    header(name, help, "histogram");
    const std::string bucket = fmt::format("{}_bucket", name);
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < s.bounds.size(); ++i) {
        cumulative += s.counts[i];
        std::string le = format_value(s.bounds[i]);
        sample(bucket, {{"le", le}}, fmt::format("{}", cumulative));
    }
    cumulative += s.counts.empty() ? 0 : s.counts.back();
    sample(bucket, {{"le", "+Inf"}}, fmt::format("{}", cumulative));
    sample(fmt::format("{}_sum", name), {}, format_value(s.sum));
    sample(fmt::format("{}_count", name), {}, fmt::format("{}", cumulative));
}

void exposition::build_info(std::string_view prefix, std::string_view version) {
#if defined(__clang__)
    const std::string compiler = fmt::format("clang {}.{}.{}", __clang_major__, __clang_minor__, __clang_patchlevel__);
#elif defined(__GNUC__)
    const std::string compiler = fmt::format("gcc {}.{}.{}", __GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__);
#else
    const std::string compiler = "unknown";
#endif
    const std::string name = fmt::format("{}_build_info", prefix);
    header(name, "Build of this process (always 1; the labels carry the information).", "gauge");
    sample(name, {{"version", version}, {"compiler", compiler}, {"cplusplus", fmt::format("{}", __cplusplus)}}, "1");
}

}  // namespace replyguard::metrics
