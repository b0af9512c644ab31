// SPDX-License-Identifier: Apache-2.0
// store/memory_history.cpp - the history in process memory (unit tests, empty history)
//
// DESCRIPTION
//   Same behaviour as the SQLite backend: idempotent put(), batches that a
//   rollback undoes (a snapshot of the whole state is taken at begin_batch(),
//   which is fine for test-sized data). Concurrent readers are safe (reads
//   never modify); writes need exclusive use.
#include "store/history.hpp"

#include <algorithm>
#include <map>
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
        return std::vector<std::string>(it->second.begin(), it->second.end());
    }
    result<std::vector<fingerprint_hit>> match_fingerprints(std::span<const std::uint64_t> fps,
                                                            std::size_t max_df) override {
        std::map<std::string, std::size_t> counts;
        std::set<std::uint64_t> seen;
        for (auto fp : fps) {
            if (!seen.insert(fp).second) continue;
            auto it = s_.fps.find(fp);
            if (it == s_.fps.end() || it->second.size() > max_df) continue;
            for (const auto& k : it->second) ++counts[k];
        }
        std::vector<fingerprint_hit> out;
        for (const auto& [k, n] : counts) {
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

private:
    state s_;
    std::unique_ptr<state> snapshot_;
};

}  // namespace

std::unique_ptr<history> make_memory_history() { return std::make_unique<memory_history>(); }

}  // namespace replyguard::store
