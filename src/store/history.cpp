// SPDX-License-Identifier: Apache-2.0
// store/history.cpp - the default batched read, and prune() for backends without one
//
// DESCRIPTION
//   store::history::read() for the embedded backends (SQLite, memory): each
//   request of the batch is one call of the matching single-item method, in
//   the order of read_batch's members. Redis overrides it with one pipeline.
#include "store/history.hpp"

namespace replyguard::store {

result<read_answers> history::read(const read_batch& b) {
    read_answers a;
    for (const auto& k : b.messages) {
        auto r = find_message(k);
        if (!r) return std::unexpected(r.error());
        a.messages.push_back(std::move(*r));
    }
    for (const auto& id : b.threads) {
        auto r = find_thread(id);
        if (!r) return std::unexpected(r.error());
        a.threads.push_back(std::move(*r));
    }
    for (const auto& addr : b.correspondents) {
        auto r = find_correspondent(addr);
        if (!r) return std::unexpected(r.error());
        a.correspondents.push_back(std::move(*r));
    }
    for (const auto& k : b.names) {
        auto r = addresses_for_name(k);
        if (!r) return std::unexpected(r.error());
        a.names.push_back(std::move(*r));
    }
    for (const auto& d : b.domains) {
        auto r = is_known_domain(d);
        if (!r) return std::unexpected(r.error());
        a.domains.push_back(*r);
    }
    if (b.subject_key) {
        auto r = threads_by_subject(*b.subject_key, b.max_subject_threads);
        if (!r) return std::unexpected(r.error());
        a.subject_threads = std::move(*r);
    }
    if (!b.fingerprints.empty()) {
        auto r = match_fingerprints(b.fingerprints, b.max_df, b.min_matched);
        if (!r) return std::unexpected(r.error());
        a.fingerprint_hits = std::move(*r);
    }
    for (const auto& k : b.profiles) {
        auto r = find_profile(k);
        if (!r) return std::unexpected(r.error());
        a.profiles.push_back(std::move(*r));
    }
    if (b.stats) {
        auto r = stats();
        if (!r) return std::unexpected(r.error());
        a.stats = *r;
    }
    if (b.org_domains) {
        auto r = org_domains();
        if (!r) return std::unexpected(r.error());
        a.org_domains = std::move(*r);
    }
    if (b.known_domains) {
        auto r = known_domains();
        if (!r) return std::unexpected(r.error());
        a.known_domains = std::move(*r);
    }
    return a;
}

result<prune_report> history::prune(const retention_policy&, std::int64_t, bool) {
    return fail(errc::unsupported, "this history backend cannot prune");
}

}  // namespace replyguard::store
