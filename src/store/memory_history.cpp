// SPDX-License-Identifier: Apache-2.0
// store/memory_history.cpp - the history in process memory (unit tests, empty history)
//
// DESCRIPTION
//   Same behaviour as the SQLite backend: idempotent put(), batches that a
//   rollback undoes (a snapshot of the whole state is taken at begin_batch(),
//   which is fine for test-sized data). Concurrent readers are safe (reads
//   never modify); writes need exclusive use. prune() follows the rules of
//   store/sqlite_prune.hpp exactly (the unit tests hold both to the same
//   expectations), in one step.
#include "store/history.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

namespace replyguard::store {
namespace {

struct corr_state {
    std::set<std::string> names;
    std::int64_t first_seen = 0, last_seen = 0;
    std::uint64_t count = 0;
    std::set<std::string> wrote_to;
};

struct thread_state {
    thread_info meta;  // participants kept in `parts`
    std::map<std::string, std::string> parts;
};

struct state {
    std::map<std::string, message_record, std::less<>> messages;
    std::map<std::string, thread_state, std::less<>> threads;
    std::map<std::string, std::set<std::string>, std::less<>> subjects;
    std::map<std::string, corr_state, std::less<>> corr;
    std::map<std::string, std::set<std::string>, std::less<>> names;
    std::map<std::uint64_t, std::set<std::string>> fps;
    std::map<std::string, std::size_t, std::less<>> fp_count;  // message key -> stored fingerprints
    std::map<std::string, std::uint64_t, std::less<>> domains;
    std::set<std::string, std::less<>> org;
    std::map<std::string, profile_counts, std::less<>> profiles;  // sender profiles
    std::set<std::pair<std::string, std::string>> profile_seen;   // (profile, message key) counted
};

void widen(std::int64_t& first, std::int64_t& last, std::int64_t d) {
    if (d == 0) return;
    if (first == 0 || d < first) first = d;
    if (d > last) last = d;
}

class memory_history final : public history {
public:
    result<bool> put(const learnt_message& m) override {
        if (m.rec.key.empty()) return fail(errc::internal, "message without a key");
        if (s_.messages.contains(m.rec.key)) return false;
        s_.messages.emplace(m.rec.key, m.rec);
        auto& t = s_.threads[m.rec.thread_id];
        if (t.meta.messages == 0) {
            t.meta.id = m.rec.thread_id;
            t.meta.subject = m.thread_subject;
            t.meta.subject_key = m.rec.subject_key;
            if (!m.rec.subject_key.empty()) s_.subjects[m.rec.subject_key].insert(m.rec.thread_id);
        }
        ++t.meta.messages;
        widen(t.meta.first_seen, t.meta.last_seen, m.rec.date);
        for (const auto& p : m.participants) {
            auto& slot = t.parts[p.address];
            if (!p.name.empty() || slot.empty()) slot = p.name;
            auto& c = s_.corr[p.address];
            ++c.count;
            widen(c.first_seen, c.last_seen, m.rec.date);
            if (!p.name.empty()) c.names.insert(p.name);
        }
        if (!m.rec.from_address.empty())
            for (const auto& w : m.wrote_to) s_.corr[m.rec.from_address].wrote_to.insert(w);
        for (const auto& [k, a] : m.names) s_.names[k].insert(a);
        for (const auto& d : m.domains) ++s_.domains[d];
        for (auto fp : m.fingerprints) s_.fps[fp].insert(m.rec.key);
        s_.fp_count[m.rec.key] = m.fingerprints.size();
        return true;
    }

    result<void> add_org_domain(std::string_view d) override {
        s_.org.emplace(d);
        return {};
    }
    result<void> begin_batch() override {
        if (snapshot_) return fail(errc::store, "a batch is already open");
        snapshot_ = std::make_unique<state>(s_);
        return {};
    }
    result<void> commit_batch() override {
        if (!snapshot_) return fail(errc::store, "no batch is open");
        snapshot_.reset();
        return {};
    }
    result<void> rollback_batch() override {
        if (!snapshot_) return fail(errc::store, "no batch is open");
        s_ = std::move(*snapshot_);
        snapshot_.reset();
        return {};
    }

    result<std::optional<message_record>> find_message(std::string_view key) override {
        auto it = s_.messages.find(key);
        if (it == s_.messages.end()) return std::optional<message_record>{};
        return std::optional<message_record>{it->second};
    }
    result<std::optional<thread_info>> find_thread(std::string_view id) override {
        auto it = s_.threads.find(id);
        if (it == s_.threads.end()) return std::optional<thread_info>{};
        thread_info t = it->second.meta;
        for (const auto& [a, n] : it->second.parts) t.participants.push_back({a, n});
        return std::optional<thread_info>{std::move(t)};
    }
    result<std::vector<std::string>> threads_by_subject(std::string_view key, std::size_t max) override {
        std::vector<std::string> out;
        auto it = s_.subjects.find(key);
        if (it != s_.subjects.end())
            for (const auto& t : it->second) {
                if (out.size() >= max) break;
                out.push_back(t);
            }
        return out;
    }
    result<std::optional<correspondent>> find_correspondent(std::string_view a) override {
        auto it = s_.corr.find(a);
        if (it == s_.corr.end()) return std::optional<correspondent>{};
        const auto& c = it->second;
        correspondent out{std::string(a), {c.names.begin(), c.names.end()},      c.first_seen, c.last_seen,
                          c.count,        {c.wrote_to.begin(), c.wrote_to.end()}};
        return std::optional<correspondent>{std::move(out)};
    }
    result<std::vector<std::string>> addresses_for_name(std::string_view k) override {
        auto it = s_.names.find(k);
        if (it == s_.names.end()) return std::vector<std::string>{};
        std::vector<std::string> out;
        for (const auto& a : it->second) {
            if (out.size() > k_name_addresses_max) break;
            out.push_back(a);
        }
        return out;
    }
    result<std::vector<fingerprint_hit>> match_fingerprints(std::span<const std::uint64_t> fps, std::size_t max_df,
                                                            std::size_t min_matched) override {
        if (s_.fps.empty()) return std::vector<fingerprint_hit>{};
        // Each fingerprint counts once. A sorted, unique copy instead of a std::set of
        // the seen ones: that set was 2.9% of `scan -j1`'s instructions on the corpus
        // without a history file (callgrind, 2026-12-06), where every scan asks this.
        std::vector<std::uint64_t> unique(fps.begin(), fps.end());
        std::sort(unique.begin(), unique.end());
        unique.erase(std::unique(unique.begin(), unique.end()), unique.end());
        std::map<std::string, std::size_t> counts;
        for (auto fp : unique) {
            auto it = s_.fps.find(fp);
            if (it == s_.fps.end() || it->second.size() > max_df) continue;
            for (const auto& k : it->second) ++counts[k];
        }
        std::vector<fingerprint_hit> out;
        for (const auto& [k, n] : counts) {
            if (n < min_matched) continue;
            auto c = s_.fp_count.find(k);
            out.push_back({k, n, c == s_.fp_count.end() ? 0 : c->second});
        }
        std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.matched > b.matched; });
        return out;
    }
    result<std::vector<std::string>> org_domains() override {
        return std::vector<std::string>(s_.org.begin(), s_.org.end());
    }
    result<std::vector<std::string>> known_domains() override {
        std::vector<std::string> out;
        for (const auto& [d, n] : s_.domains) out.push_back(d);
        return out;
    }
    result<bool> is_known_domain(std::string_view d) override { return s_.domains.contains(d); }
    result<history_stats> stats() override {
        return history_stats{s_.messages.size(), s_.threads.size(), s_.corr.size()};
    }
    bool surely_without_fingerprints() const override { return s_.fps.empty(); }

    result<bool> learn_profile(const profile_update& u) override {
        if (u.message_key.empty()) return fail(errc::internal, "profile update without a message key");
        bool any = false;
        for (const auto& key : u.profiles) {
            if (!s_.profile_seen.emplace(key, u.message_key).second) continue;
            auto& p = s_.profiles[key];
            p.key = key;
            apply_profile_update(p, u);
            any = true;
        }
        return any;
    }
    result<std::optional<profile_counts>> find_profile(std::string_view key) override {
        auto it = s_.profiles.find(key);
        if (it == s_.profiles.end()) return std::optional<profile_counts>{};
        return std::optional<profile_counts>{it->second};
    }

    result<prune_report> prune(const retention_policy& p, std::int64_t now, bool dry_run) override {
        if (p.fingerprint_days < 0 || p.message_days < 0 || p.correspondent_days < 0)
            return fail(errc::parse, "retention days must not be negative");
        if (snapshot_) return fail(errc::store, "prune inside a batch");
        auto cut = [&](std::int64_t days) { return days > 0 ? now - days * 86400 : 0; };
        const std::int64_t fp_cut = cut(p.fingerprint_days), msg_cut = cut(p.message_days),
                           corr_cut = cut(p.correspondent_days);
        auto old = [](std::int64_t seen, std::int64_t c) { return c != 0 && seen > 0 && seen < c; };
        state s = s_;  // decided and removed on a copy: a dry run drops it
        prune_report rep;

        // Messages of threads last active before the cut (by their own date when the thread is missing).
        std::set<std::string> doomed_msgs, lose_fps;
        for (const auto& [k, m] : s.messages) {
            auto t = s.threads.find(m.thread_id);
            const bool gone = msg_cut != 0 && m.date < msg_cut &&
                              (t == s.threads.end() ? old(m.date, msg_cut) : old(t->second.meta.last_seen, msg_cut));
            if (gone) doomed_msgs.insert(k);
            auto n = s.fp_count.find(k);
            const bool has_fps = n != s.fp_count.end() && n->second > 0;
            if (has_fps && (gone || old(m.date, fp_cut))) lose_fps.insert(k);
        }
        for (auto it = s.fps.begin(); it != s.fps.end();) {
            for (auto k = it->second.begin(); k != it->second.end();)
                if (lose_fps.contains(*k)) {
                    ++rep.fingerprints;
                    k = it->second.erase(k);
                } else {
                    ++k;
                }
            it = it->second.empty() ? s.fps.erase(it) : std::next(it);
        }
        for (const auto& k : lose_fps) s.fp_count[k] = 0;
        for (const auto& k : doomed_msgs) {
            s.messages.erase(k);
            s.fp_count.erase(k);
            std::erase_if(s.profile_seen, [&](const auto& e) { return e.second == k; });
            ++rep.messages;
        }
        for (auto it = s.threads.begin(); it != s.threads.end();) {
            if (!old(it->second.meta.last_seen, msg_cut)) {
                ++it;
                continue;
            }
            if (auto sub = s.subjects.find(it->second.meta.subject_key); sub != s.subjects.end()) {
                sub->second.erase(it->first);
                if (sub->second.empty()) s.subjects.erase(sub);
            }
            it = s.threads.erase(it);
            ++rep.threads;
        }

        // Profiles, judged before any correspondent goes: "addr:A" by A, "org:R" by the
        // latest of R's correspondents (R a suffix of their domain).
        std::map<std::string, std::int64_t> org_seen;
        for (const auto& [a, c] : s.corr) {
            auto at = a.find('@');
            if (at == std::string::npos) continue;
            for (std::string_view d = std::string_view(a).substr(at + 1); !d.empty();) {
                auto [slot, fresh] = org_seen.emplace(std::string(d), c.last_seen);
                if (!fresh) slot->second = std::max(slot->second, c.last_seen);
                auto dot = d.find('.');
                if (dot == std::string_view::npos) break;
                d.remove_prefix(dot + 1);
            }
        }
        std::vector<std::string> doomed_profiles;
        if (corr_cut != 0)
            for (const auto& [key, prof] : s.profiles) {
                std::optional<std::int64_t> seen;
                if (key.starts_with("addr:")) {
                    if (auto c = s.corr.find(std::string_view(key).substr(5)); c != s.corr.end())
                        seen = c->second.last_seen;
                } else if (key.starts_with("org:")) {
                    if (auto o = org_seen.find(key.substr(4)); o != org_seen.end()) seen = o->second;
                } else {
                    continue;
                }
                if (!seen || old(*seen, corr_cut)) doomed_profiles.push_back(key);
            }
        for (auto it = s.corr.begin(); it != s.corr.end();) {
            if (!old(it->second.last_seen, corr_cut)) {
                ++it;
                continue;
            }
            const std::string a = it->first;
            it = s.corr.erase(it);
            ++rep.correspondents;
            for (auto n = s.names.begin(); n != s.names.end();) {
                n->second.erase(a);
                n = n->second.empty() ? s.names.erase(n) : std::next(n);
            }
        }
        for (const auto& key : doomed_profiles) {
            s.profiles.erase(key);
            std::erase_if(s.profile_seen, [&](const auto& e) { return e.first == key; });
            ++rep.profiles;
        }
        if (!dry_run) s_ = std::move(s);
        return rep;
    }

private:
    state s_;
    std::unique_ptr<state> snapshot_;
};

}  // namespace

std::unique_ptr<history> make_memory_history() { return std::make_unique<memory_history>(); }

}  // namespace replyguard::store
