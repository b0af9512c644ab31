// SPDX-License-Identifier: Apache-2.0
// history/domain_index.cpp - skeleton map and symmetric-deletion index of the history's domains
#include "history/domain_index.hpp"

#include <unicode/uspoof.h>

#include <algorithm>
#include <cctype>
#include <functional>

namespace replyguard::history {

namespace {

constexpr std::size_t k_min_label = 5;      // shorter labels never match by distance
constexpr std::size_t k_two_deletions = 9;  // both labels this long: distance 2 allowed
static_assert(lookalike_distance_limit("abcd", "abcdefghijk") == 0 && lookalike_distance_limit("abcde", "abcde") == 1 &&
                  lookalike_distance_limit("abcdefgh", "abcdefghijk") == 1 &&
                  lookalike_distance_limit("abcdefghi", "abcdefghi") == 2,
              "k_min_label and k_two_deletions follow lookalike_distance_limit");
// Labels of k_long bytes or more are not filed by deletions (a 60-byte label has
// 1,770 two-deletion variants) but by length: within distance 2 the lengths
// differ by 2 at most, so a query of k_long - 2 bytes or more looks at every
// label of that length +-2 (such long labels are rare in correspondence).
constexpr std::size_t k_long = 30;
constexpr std::size_t k_large = 1000;  // from this size the index is rebuilt in the background

std::uint64_t hash(std::string_view s) { return std::hash<std::string_view>{}(s); }

/// Calls `f` with the label and each variant of it with one, and (for labels of
/// 9 bytes or more) two, bytes deleted. Duplicates are the caller's to drop.
template <class F>
void deletion_variants(std::string_view label, F&& f) {
    f(label);
    if (label.size() < k_min_label) return;
    std::string v;
    for (std::size_t i = 0; i < label.size(); ++i) {
        v.assign(label.substr(0, i)).append(label.substr(i + 1));
        f(std::string_view(v));
    }
    if (label.size() < k_two_deletions) return;
    for (std::size_t i = 0; i < label.size(); ++i)
        for (std::size_t j = i + 1; j < label.size(); ++j) {
            v.assign(label.substr(0, i)).append(label.substr(i + 1, j - i - 1)).append(label.substr(j + 1));
            f(std::string_view(v));
        }
}

/// Label variants are filed under 32 bits of their hash: a collision only adds
/// a candidate, which the check drops (~0.1 a query at 6M entries), and the
/// entries take 8 bytes instead of 16.
std::uint32_t hash32(std::string_view s) { return static_cast<std::uint32_t>(hash(s) >> 32); }

template <class K>
void sort_unique(std::vector<std::pair<K, std::uint32_t>>& v) {
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
}

template <class K>
void collect(const std::vector<std::pair<K, std::uint32_t>>& index, K h, std::vector<std::uint32_t>& out) {
    auto it = std::lower_bound(index.begin(), index.end(), std::pair<K, std::uint32_t>{h, 0});
    for (; it != index.end() && it->first == h; ++it) out.push_back(it->second);
}

}  // namespace

std::string confusable_skeleton(std::string_view s) {
    // One checker for the process: configured once, then only read (ICU: thread-safe for checks).
    static USpoofChecker* const sc = [] {
        UErrorCode st = U_ZERO_ERROR;
        USpoofChecker* c = uspoof_open(&st);
        return U_FAILURE(st) ? nullptr : c;
    }();
    std::string in(s);
    if (!sc) return in;
    UErrorCode st = U_ZERO_ERROR;
    char buf[512];
    int32_t n = uspoof_getSkeletonUTF8(sc, 0, in.c_str(), -1, buf, sizeof buf, &st);
    if (U_FAILURE(st) || n < 0 || n >= static_cast<int32_t>(sizeof buf)) return in;
    // Prototypes keep case ("0" -> "O"); domains are case-insensitive, so fold ASCII.
    std::string out(buf, static_cast<std::size_t>(n));
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        cur[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j)
            cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
        std::swap(prev, cur);
    }
    return prev[b.size()];
}

domain_index::domain_index(std::vector<std::string> domains, const domain_index* previous)
    : domains_(std::move(domains)) {
    std::sort(domains_.begin(), domains_.end());
    domains_.erase(std::unique(domains_.begin(), domains_.end()), domains_.end());
    skel_.reserve(domains_.size());
    skel_of_.reserve(domains_.size());
    for (std::uint32_t i = 0; i < domains_.size(); ++i) {
        std::uint64_t sk = 0;
        auto old = previous ? std::lower_bound(previous->domains_.begin(), previous->domains_.end(), domains_[i])
                            : domains_.end();
        if (previous && old != previous->domains_.end() && *old == domains_[i])
            sk = previous->skel_of_[static_cast<std::size_t>(old - previous->domains_.begin())];
        else
            sk = hash(confusable_skeleton(domains_[i]));
        skel_of_.push_back(sk);
        skel_.emplace_back(sk, i);
        const auto label = domain_label(domains_[i]);
        if (label.size() < k_long)
            deletion_variants(label, [&](std::string_view v) { labels_.emplace_back(hash32(v), i); });
        if (label.size() + 2 >= k_long) long_.emplace_back(label.size(), i);
    }
    sort_unique(skel_);
    sort_unique(labels_);
    std::sort(long_.begin(), long_.end());
}

std::vector<std::string> domain_index::near(std::string_view d) const {
    std::vector<std::uint32_t> ids;
    collect(skel_, hash(confusable_skeleton(d)), ids);
    const auto label = domain_label(d);
    if (label.size() >= k_min_label && label.size() < k_long)
        deletion_variants(label, [&](std::string_view v) { collect(labels_, hash32(v), ids); });
    if (label.size() + 2 >= k_long)
        for (auto it = std::lower_bound(long_.begin(), long_.end(),
                                        std::pair<std::size_t, std::uint32_t>{label.size() - 2, 0});
             it != long_.end() && it->first <= label.size() + 2; ++it)
            ids.push_back(it->second);
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    std::vector<std::string> out;
    out.reserve(ids.size());
    for (auto i : ids)
        if (domains_[i] != d) out.push_back(domains_[i]);
    return out;
}

domain_index_cache::~domain_index_cache() {
    // Before the members the rebuild writes are destroyed.
    if (worker_.joinable()) worker_.join();
}

result<std::shared_ptr<const domain_index>> domain_index_cache::get(store::history& h, std::uint64_t messages) {
    const auto now = std::chrono::steady_clock::now();
    std::shared_ptr<const domain_index> previous;
    {
        std::lock_guard lk(mu_);
        if (index_ && (messages == messages_ || building_)) return index_;
        if (index_ && index_->size() >= k_large) {
            // Large: rebuilt in the background, at most every refresh_.
            if (now - built_ < refresh_) return index_;
            building_ = true;
            if (worker_.joinable()) worker_.join();  // the last one has ended (building_ was false)
            worker_ = std::jthread([this, &h, messages, now, prev = index_] { rebuild(h, messages, now, prev); });
            return index_;
        }
        building_ = true;
        previous = index_;
    }
    // First or small: here, and the caller gets the new index.
    rebuild(h, messages, now, previous);
    std::lock_guard lk(mu_);
    if (!index_) return fail(errc::store, error_);
    return index_;
}

void domain_index_cache::rebuild(store::history& h, std::uint64_t messages, std::chrono::steady_clock::time_point now,
                                 std::shared_ptr<const domain_index> previous) {
    auto domains = h.known_domains();
    std::shared_ptr<const domain_index> idx;
    if (domains) idx = std::make_shared<const domain_index>(std::move(*domains), previous.get());
    std::lock_guard lk(mu_);
    building_ = false;
    if (!idx) {
        error_ = domains.error().message;
        if (!index_) return;
        built_ = now;  // keep the old index; try again after refresh_ (large) or at the next change
        return;
    }
    index_ = std::move(idx);
    messages_ = messages;
    built_ = now;
}

}  // namespace replyguard::history
