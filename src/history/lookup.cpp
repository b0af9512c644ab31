// SPDX-License-Identifier: Apache-2.0
// history/lookup.cpp - thread lookup shared by learner and detectors.
#include "history/lookup.hpp"

#include "core/digest.hpp"
#include "history/fingerprint.hpp"
#include "mime/domains.hpp"

#include <algorithm>
#include <set>

namespace replyguard::history {
namespace {}  // namespace

std::string message_key(const mime::message& m) {
    if (!m.message_id.empty()) return m.message_id;
    std::string raw;
    for (const auto& h : m.headers) {
        raw += h.name;
        raw += ':';
        raw += h.raw;
        raw += '\n';
    }
    return "hdr:" + sha256_hex(raw, 64);
}

std::string thread_id_for(std::string_view root) { return sha256_hex(root, 32); }

std::vector<std::string> referenced_ids(const mime::message& m) {
    std::vector<std::string> out;
    auto add = [&](const std::string& id) {
        if (!id.empty() && id != m.message_id && std::find(out.begin(), out.end(), id) == out.end()) out.push_back(id);
    };
    for (const auto& id : m.in_reply_to) add(id);
    for (auto it = m.references.rbegin(); it != m.references.rend(); ++it) add(*it);
    return out;
}

const char* found_by_name(found_by f) {
    switch (f) {
    case found_by::in_reply_to: return "in-reply-to";
    case found_by::references: return "references";
    case found_by::subject: return "subject";
    case found_by::quote: return "quoted-text";
    }
    return "?";
}

std::vector<std::uint64_t> quoted_fingerprints(const mime::message& m) {
    std::vector<std::uint64_t> all;
    for (const auto& q : m.quoted) {
        auto f = text_fingerprints(q.text);
        // Each block's list is sorted (text_fingerprints): merged, not sorted again.
        const auto mid = static_cast<std::ptrdiff_t>(all.size());
        all.insert(all.end(), f.begin(), f.end());
        std::inplace_merge(all.begin(), all.begin() + mid, all.end());
        if (all.size() > 20'000) break;
    }
    all.erase(std::unique(all.begin(), all.end()), all.end());
    return all;
}

result<std::vector<std::pair<store::message_record, std::size_t>>> quoted_sources(store::history& h,
                                                                                  const mime::message& m) {
    std::vector<std::pair<store::message_record, std::size_t>> out;
    // A store that surely holds no fingerprint can match nothing: no hashing (as the
    // scan's gather, scan/gather.cpp).
    if (m.quoted.empty() || h.surely_without_fingerprints()) return out;
    auto fps = quoted_fingerprints(m);
    if (fps.empty()) return out;
    // Weighed by rarity: a fingerprint in more than k_rare_fingerprint_df learnt
    // messages is formulaic text (いつもお世話になっております…, signatures,
    // disclaimers) and proves nothing about which message is quoted.
    auto hits = h.match_fingerprints(fps, k_rare_fingerprint_df, k_min_quote_matches);
    if (!hits) return std::unexpected(hits.error());
    const auto self = message_key(m);
    for (const auto& hit : *hits) {
        if (hit.message_key == self) continue;
        const bool strong = hit.matched >= 12 || hit.matched * 4 >= hit.stored;
        if (hit.matched < k_min_quote_matches || !strong) continue;
        auto rec = h.find_message(hit.message_key);
        if (!rec) return std::unexpected(rec.error());
        if (*rec) out.emplace_back(std::move(**rec), hit.matched);
        if (out.size() >= 10) break;
    }
    return out;
}

bool is_participant(const store::thread_info& t, std::string_view a) {
    for (const auto& p : t.participants)
        if (p.address == a) return true;
    return false;
}

const store::participant* same_org_participant(const store::thread_info& t, std::string_view a) {
    for (const auto& p : t.participants)
        if (mime::same_organisation(p.address, a)) return &p;
    return nullptr;
}

result<std::vector<thread_ref>> find_threads(store::history& h, const mime::message& m, const lookup_options& o) {
    std::vector<thread_ref> out;
    std::set<std::string> seen;
    auto add = [&](const std::string& id, found_by how, std::optional<store::message_record> via,
                   std::size_t fps) -> result<void> {
        if (seen.contains(id)) return {};
        auto t = h.find_thread(id);
        if (!t) return std::unexpected(t.error());
        if (!*t) return {};
        seen.insert(id);
        out.push_back(thread_ref{std::move(**t), how, std::move(via), fps});
        return {};
    };
    // 1. Headers: the nearest stored parent decides.
    const auto ids = referenced_ids(m);
    for (const auto& id : ids) {
        auto rec = h.find_message(id);
        if (!rec) return std::unexpected(rec.error());
        if (!*rec) continue;
        const bool irt = std::find(m.in_reply_to.begin(), m.in_reply_to.end(), id) != m.in_reply_to.end();
        auto tid = (*rec)->thread_id;
        if (auto r = add(tid, irt ? found_by::in_reply_to : found_by::references, std::move(*rec), 0); !r)
            return std::unexpected(r.error());
    }
    // A thread rooted at a referenced id whose root we never stored (children learnt first).
    for (const auto& id : ids)
        if (auto r = add(thread_id_for(id), found_by::references, std::nullopt, 0); !r)
            return std::unexpected(r.error());
    // 2. Subject key, for replies and forwards only (mail clients thread the same way).
    if (o.by_subject && (m.subject.is_reply() || m.subject.is_forward()) && !m.subject.key.empty()) {
        auto ts = h.threads_by_subject(m.subject.key, o.max_subject_threads);
        if (!ts) return std::unexpected(ts.error());
        for (const auto& id : *ts)
            if (auto r = add(id, found_by::subject, std::nullopt, 0); !r) return std::unexpected(r.error());
    }
    // 3. Quoted content.
    if (o.by_quote) {
        auto src = quoted_sources(h, m);
        if (!src) return std::unexpected(src.error());
        for (auto& [rec, n] : *src) {
            auto tid = rec.thread_id;
            if (auto r = add(tid, found_by::quote, std::move(rec), n); !r) return std::unexpected(r.error());
        }
    }
    return out;
}

}  // namespace replyguard::history
