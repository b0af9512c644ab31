// SPDX-License-Identifier: Apache-2.0
// store/memory_outbound.cpp - outbound state in process memory (see outbound_state.hpp)
//
// DESCRIPTION
//   One process's view, as milter::outbound_tracker kept it before the state
//   moved behind the store; the reference the SQLite and Redis backends are
//   tested against. Calls are serialised by a mutex (milter threads share it).
#include "store/history.hpp"
#include "store/outbound_state.hpp"

#include <deque>
#include <map>
#include <mutex>

namespace replyguard::store {
namespace {

class memory_outbound final : public outbound_state {
public:
    result<outbound_seen> record(const outbound_submission& s) override {
        if (s.account.empty()) return fail(errc::internal, "outbound state: empty account");
        std::lock_guard lock(mu_);
        auto it = accounts_.find(s.account);
        if (it == accounts_.end()) {
            if (accounts_.size() >= k_outbound_accounts) accounts_.clear();  // crude bound; forgets everyone
            it = accounts_.emplace(std::string(s.account), account{}).first;
        }
        account& a = it->second;
        outbound_seen seen;
        if (!s.client_ip.empty()) {
            std::erase_if(a.ips, [&](const auto& kv) { return kv.second <= s.now - s.ip_ttl; });
            auto ip = a.ips.find(s.client_ip);
            seen.new_ip = !a.ips.empty() && ip == a.ips.end();
            if (ip != a.ips.end())
                ip->second = s.now;
            else if (a.ips.size() < k_outbound_ips)
                a.ips.emplace(std::string(s.client_ip), s.now);
        }
        while (!a.times.empty() && a.times.front() <= s.now - s.window) a.times.pop_front();
        if (s.suspicious) {
            a.times.push_back(s.now);
            if (a.times.size() > k_outbound_times) a.times.pop_front();
        }
        seen.in_window = a.times.size();
        return seen;
    }

private:
    struct account {
        std::map<std::string, std::int64_t, std::less<>> ips;  // address -> last seen
        std::deque<std::int64_t> times;                        // suspicious submissions, oldest first
    };
    std::mutex mu_;
    std::map<std::string, account, std::less<>> accounts_;
};

}  // namespace

std::unique_ptr<outbound_state> make_memory_outbound_state() { return std::make_unique<memory_outbound>(); }

result<std::unique_ptr<outbound_state>> open_outbound_state(const std::string& path) {
    if (is_redis_url(path)) return open_redis_outbound_state(path);
    return open_sqlite_outbound_state(path);
}

}  // namespace replyguard::store
