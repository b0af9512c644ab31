// SPDX-License-Identifier: Apache-2.0
// scan/gather.cpp - the one pass over the history per message (scan/gather.hpp).
#include "scan/gather.hpp"

#include "history/profile.hpp"

#include "detect/hijack_common.hpp"
#include "history/learner.hpp"
#include "history/lookup.hpp"
#include "mime/domains.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace replyguard::scan {
namespace {

// history::lookup_options' defaults, which the detectors used before the gather.
constexpr std::size_t k_max_subject_threads = history::lookup_options{}.max_subject_threads;
constexpr std::size_t k_max_quote_sources = 10;

bool contains(const std::vector<std::string>& v, std::string_view s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

result<history::view> gather_history(store::history& h, const mime::message& m, const config& cfg,
                                     history::domain_index_cache* domains) {
    history::view v;
    v.status = history::view_status::ok;
    if (m.from) v.sender = m.from->address_key;
    const bool has_sender = !v.sender.empty();
    v.sender_domain = mime::registrable_domain(v.sender);

    // --- round 1 ---------------------------------------------------------
    store::read_batch b1;
    b1.stats = m.from.has_value();
    b1.org_domains = m.from.has_value();
    if (has_sender) {
        b1.correspondents.push_back(v.sender);
        b1.names = history::name_keys_for(detect::name_without_address(*m.from));
        // The sender's profiles (address, organisation), beside its record.
        b1.profiles = history::profile_keys(v.sender);
    }
    if (!v.sender_domain.empty()) b1.domains.push_back(v.sender_domain);
    // Link hosts' domains, for link_payload (a call-to-action link to a host the
    // history never saw), which judges the links of a person's reply only.
    std::vector<std::string> link_domains;
    if (detect::is_personal_reply(m))
        for (const auto& u : m.urls) {
            if (link_domains.size() >= history::k_link_domains) break;
            auto d = mime::registrable_domain(u.host);
            if (!d.empty() && std::find(link_domains.begin(), link_domains.end(), d) == link_domains.end())
                link_domains.push_back(std::move(d));
        }
    b1.domains.insert(b1.domains.end(), link_domains.begin(), link_domains.end());
    const auto ids = history::referenced_ids(m);
    // The thread each id would root, hashed once: it is used three times below, and
    // each thread_id_for is a SHA-256 through OpenSSL's EVP (~11.5k instructions
    // with the fetch; 1.2% of `scan -j1`'s instructions on the corpus, callgrind).
    std::vector<std::string> id_threads;
    id_threads.reserve(ids.size());
    for (const auto& id : ids) id_threads.push_back(history::thread_id_for(id));
    b1.messages = ids;
    if ((m.subject.is_reply() || m.subject.is_forward()) && !m.subject.key.empty()) {
        b1.subject_key = m.subject.key;
        b1.max_subject_threads = k_max_subject_threads;
    }
    // Hashing the quoted text is 4.7% of `scan -j1`'s instructions on the corpus
    // (callgrind, 2026-12-06): not done for a store that surely holds no fingerprint.
    if (!m.quoted.empty() && !h.surely_without_fingerprints()) {
        b1.fingerprints = history::quoted_fingerprints(m);
        // Rare fingerprints only (history::quoted_sources' rule): formulaic text proves nothing.
        b1.max_df = history::k_rare_fingerprint_df;
        b1.min_matched = history::k_min_quote_matches;  // the rule of round 2 drops the rest
    }
    auto a1 = h.read(b1);
    if (!a1) return std::unexpected(a1.error());

    v.stats = a1->stats;
    v.org_domains = std::move(a1->org_domains);
    std::sort(v.org_domains.begin(), v.org_domains.end());
    if (has_sender) {
        v.sender_record = std::move(a1->correspondents.front());
        history::sender_profiles sp;
        for (std::size_t i = 0; i < b1.profiles.size(); ++i)
            (b1.profiles[i].starts_with("addr:") ? sp.address : sp.org) = std::move(a1->profiles[i]);
        v.sender_profile = std::move(sp);
    }
    if (!v.sender_domain.empty()) v.sender_domain_known = a1->domains.front();
    const std::size_t first_link = v.sender_domain.empty() ? 0 : 1;
    for (std::size_t i = 0; i < link_domains.size(); ++i)
        v.link_domains.emplace_back(link_domains[i], a1->domains[first_link + i]);
    // A name more addresses used than the store reads (k_name_addresses_max) is no
    // person's: no name_addresses, as for a name the history never saw.
    const bool too_common = std::any_of(a1->names.begin(), a1->names.end(),
                                        [](const auto& list) { return list.size() > store::k_name_addresses_max; });
    std::set<std::string> names;
    if (!too_common)
        for (auto& list : a1->names) names.insert(list.begin(), list.end());
    v.name_addresses.assign(names.begin(), names.end());
    for (std::size_t i = 0; i < ids.size(); ++i) {
        history::reference r;
        r.id = ids[i];
        r.in_reply_to = contains(m.in_reply_to, ids[i]);
        r.stored = std::move(a1->messages[i]);
        v.references.push_back(std::move(r));
    }

    // --- round 2 ---------------------------------------------------------
    store::read_batch b2;
    // Quoted sources: strong fingerprint matches (history::quoted_sources' rule).
    std::vector<std::size_t> strong_matched;
    const auto self = history::message_key(m);
    for (const auto& hit : a1->fingerprint_hits) {
        if (hit.message_key == self) continue;
        const bool strong = hit.matched >= 12 || hit.matched * 4 >= hit.stored;
        if (hit.matched < history::k_min_quote_matches || !strong) continue;
        b2.messages.push_back(hit.message_key);
        strong_matched.push_back(hit.matched);
    }
    // The records known_name shows of the name's other addresses.
    if (!v.name_addresses.empty() && !names.contains(v.sender))
        for (const auto& a : v.name_addresses) {
            if (b2.correspondents.size() >= history::k_name_people) break;
            b2.correspondents.push_back(a);
        }
    // Every thread the headers and the subject lead to.
    std::vector<std::string> thread_ids;
    auto want_thread = [&](const std::string& id) {
        if (!contains(thread_ids, id)) thread_ids.push_back(id);
    };
    for (const auto& r : v.references)
        if (r.stored) want_thread(r.stored->thread_id);
    for (const auto& t : id_threads) want_thread(t);
    for (const auto& id : a1->subject_threads) want_thread(id);
    b2.threads = thread_ids;
    // Known domains, only for a sender domain the lookalike check compares
    // (detect/lookalike_domain.cpp: neither free mail, ours, nor known; not a list).
    bool want_domains = false;
    if (m.from && m.from->address_key.find('@') != std::string::npos && !v.sender_domain.empty() &&
        !mime::is_freemail(v.sender_domain) && !v.sender_domain_known && !detect::is_list_mail(m)) {
        bool ours = std::binary_search(v.org_domains.begin(), v.org_domains.end(), v.sender_domain);
        for (const auto& o : cfg.org_domains) ours = ours || mime::registrable_domain(o) == v.sender_domain;
        want_domains = !ours;
        b2.known_domains = want_domains && !domains;
    }
    store::read_answers a2;
    if (!b2.empty()) {
        auto r = h.read(b2);
        if (!r) return std::unexpected(r.error());
        a2 = std::move(*r);
    }
    if (want_domains && domains) {
        auto idx = domains->get(h, v.stats.messages);
        if (!idx) return std::unexpected(idx.error());
        v.known_domains = (*idx)->near(v.sender_domain);
    } else {
        v.known_domains = std::move(a2.known_domains);
    }
    for (auto& c : a2.correspondents)
        if (c) v.name_people.push_back(std::move(*c));
    std::map<std::string, std::optional<store::thread_info>, std::less<>> threads;
    for (std::size_t i = 0; i < thread_ids.size(); ++i) threads.emplace(thread_ids[i], std::move(a2.threads[i]));
    for (std::size_t i = 0; i < a2.messages.size() && v.quote_sources.size() < k_max_quote_sources; ++i)
        if (a2.messages[i]) v.quote_sources.push_back({std::move(*a2.messages[i]), strong_matched[i], std::nullopt});

    // --- round 3: threads of quoted messages not fetched yet ---------------
    store::read_batch b3;
    for (const auto& q : v.quote_sources)
        if (!threads.contains(q.message.thread_id) && !contains(b3.threads, q.message.thread_id))
            b3.threads.push_back(q.message.thread_id);
    if (!b3.empty()) {
        auto r = h.read(b3);
        if (!r) return std::unexpected(r.error());
        for (std::size_t i = 0; i < b3.threads.size(); ++i) threads.emplace(b3.threads[i], std::move(r->threads[i]));
    }
    for (auto& q : v.quote_sources)
        if (auto it = threads.find(q.message.thread_id); it != threads.end()) q.thread = it->second;

    // --- assemble: history::find_threads' order, unique by id ----------------
    for (std::size_t i = 0; i < v.references.size(); ++i)  // v.references[i].id is ids[i]
        if (auto it = threads.find(id_threads[i]); it != threads.end())
            v.references[i].root_thread_known = it->second.has_value();
    std::set<std::string> seen;
    auto add = [&](const std::string& id, history::found_by how, std::optional<store::message_record> via,
                   std::size_t fps) {
        if (seen.contains(id)) return;
        auto it = threads.find(id);
        if (it == threads.end() || !it->second) return;
        seen.insert(id);
        v.threads.push_back(history::thread_ref{*it->second, how, std::move(via), fps});
    };
    for (const auto& r : v.references)
        if (r.stored)
            add(r.stored->thread_id, r.in_reply_to ? history::found_by::in_reply_to : history::found_by::references,
                r.stored, 0);
    for (const auto& t : id_threads) add(t, history::found_by::references, std::nullopt, 0);
    for (const auto& id : a1->subject_threads) add(id, history::found_by::subject, std::nullopt, 0);
    for (const auto& q : v.quote_sources) add(q.message.thread_id, history::found_by::quote, q.message, q.matched);
    return v;
}

}  // namespace replyguard::scan
