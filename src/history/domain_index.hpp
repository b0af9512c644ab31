// SPDX-License-Identifier: Apache-2.0
// history/domain_index.hpp - the history's domains, indexed for the lookalike check
//
// DESCRIPTION
//   detect/lookalike_domain compares a sender's registrable domain with every
//   domain the history has seen: an equal ICU confusable skeleton, or labels
//   (the part before the first dot) within a small edit distance (1 for
//   labels of 5-8 characters, 2 when both have 9 or more). Done by reading the
//   whole list per message, that was linear in the history: every message
//   from an unknown outside domain read every domain and computed every
//   domain's skeleton again (ICU), and past 20,000 domains the list was cut
//   in name order, so later names were never compared.
//
//   domain_index answers the same question in time independent of the
//   history's size. It holds each domain's skeleton in a hash map, and a
//   symmetric-deletion index of the labels (as in SymSpell): a label is
//   filed under itself and every variant with one character deleted, and
//   labels of 9 or more characters also under every variant with two
//   deleted (labels of 30 bytes or more are filed by their length instead,
//   and compared with every label of that length +-2). Two labels within edit
//   distance k share a variant with at most
//   k deletions from each, so the sender's own variants find every label
//   within the distance the check allows (a few false candidates, which the
//   check drops). near() returns candidates only; the detector decides, with
//   exactly the rules it always had.
//
//   domain_index_cache keeps one index per history store and builds it again
//   when the history has changed (its message count moved). Once the index
//   holds 1,000 domains or more, at most every 30 s and on a thread of its
//   own, the old index answering meanwhile (a build reads every domain; the
//   ICU skeletons of domains the old index had are reused; bench/README.md).
//   So a domain first learnt a moment ago can be missing as a lookalike
//   target for up to ~30 s in a large history; small histories (tests, a new
//   install) are always current.
// LIMITS
//   Labels are compared by bytes, as edit_distance did. Memory: about
//   (1 + L + L(L-1)/2) 8-byte entries for a label of 9 <= L < 30 bytes, 1 + L
//   below: ~60 entries (~0.5 KB with the names) a domain on typical labels, at
//   most 436; ~50 MB for 100,000 domains (bench/bench_domains: 1.4 s to build). A query among many labels of 28 bytes or more compares all of
//   those of its length +-2 (linear in them; none of the corpus's real
//   correspondents has one, random spam domains do).
#pragma once

#include "store/history.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace replyguard::history {

/// ICU's confusable skeleton of `s` (uspoof), ASCII-lower-cased; `s` itself
/// when ICU cannot make one. Thread-safe.
std::string confusable_skeleton(std::string_view s);

/// Byte-wise Levenshtein distance.
std::size_t edit_distance(std::string_view a, std::string_view b);

/// The edit distance lookalike_domain allows between two registrable labels:
/// 2 when both have 9 bytes or more, 1 when the shorter has 5-8, else 0. The
/// index files labels for exactly this rule (domain_index.cpp checks it).
constexpr std::size_t lookalike_distance_limit(std::string_view a, std::string_view b) {
    const auto shortest = std::min(a.size(), b.size());
    return shortest >= 9 ? 2 : shortest >= 5 ? 1 : 0;
}

/// The registrable label: `d` up to its first dot.
inline std::string_view domain_label(std::string_view d) { return d.substr(0, d.find('.')); }

class domain_index {
public:
    /// `domains`: registrable domains, as store::history::known_domains() lists them.
    /// `previous`: an index of the same history built earlier, whose skeletons
    /// (ICU) are reused for the domains it has.
    explicit domain_index(std::vector<std::string> domains, const domain_index* previous = nullptr);

    /// The indexed domains that may look like `d` (equal skeleton, or a label
    /// within edit distance 2), sorted by name as known_domains() lists them.
    /// A superset of what lookalike_domain's rules accept; `d` itself excluded.
    std::vector<std::string> near(std::string_view d) const;

    std::size_t size() const { return domains_.size(); }

private:
    std::vector<std::string> domains_;                             ///< sorted, unique
    std::vector<std::uint64_t> skel_of_;                           ///< hash of each domain's skeleton
    std::vector<std::pair<std::uint64_t, std::uint32_t>> skel_;    ///< (hash of skeleton, domain), sorted
    std::vector<std::pair<std::uint32_t, std::uint32_t>> labels_;  ///< (hash of a label variant, domain), sorted
    std::vector<std::pair<std::size_t, std::uint32_t>> long_;      ///< (label length, domain) of long labels, sorted
};

/// One index per store, rebuilt when the history changed (see DESCRIPTION).
class domain_index_cache {
public:
    /// `refresh`: how often a large index may be rebuilt (tests set 0).
    explicit domain_index_cache(std::chrono::milliseconds refresh = std::chrono::seconds(30)) : refresh_(refresh) {}
    domain_index_cache(const domain_index_cache&) = delete;
    domain_index_cache& operator=(const domain_index_cache&) = delete;
    ~domain_index_cache();  ///< waits for a rebuild in progress

    /// The index for `h`, whose message count is `messages` now (history_stats).
    /// The first index, and a small one, is built on the calling thread; a
    /// large one is rebuilt on a thread of the cache while callers go on with
    /// the index they had. `h` must outlive the cache.
    result<std::shared_ptr<const domain_index>> get(store::history& h, std::uint64_t messages);

private:
    void rebuild(store::history& h, std::uint64_t messages, std::chrono::steady_clock::time_point now,
                 std::shared_ptr<const domain_index> previous);

    const std::chrono::milliseconds refresh_;
    std::mutex mu_;
    std::jthread worker_;  ///< the last background rebuild
    std::shared_ptr<const domain_index> index_;
    std::uint64_t messages_ = 0;
    bool building_ = false;
    std::string error_;  ///< why the last build failed
    std::chrono::steady_clock::time_point built_;
};

}  // namespace replyguard::history
