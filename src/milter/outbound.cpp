// SPDX-License-Identifier: Apache-2.0
// milter/outbound.cpp - per-account outbound behaviour (see outbound.hpp).
#include "milter/outbound.hpp"

#include <fmt/format.h>

namespace replyguard::milter {

std::optional<detect::finding> outbound_tracker::observe(const outbound_event& e) {
    if (!cfg_.enabled || e.account.empty()) return std::nullopt;
    std::lock_guard lock(mu_);
    auto it = accounts_.find(e.account);
    if (it == accounts_.end()) {
        if (accounts_.size() >= k_outbound_accounts) accounts_.clear();  // crude bound; forgets everyone
        it = accounts_.emplace(e.account, account_state{}).first;
    }
    account_state& st = it->second;
    const bool risky = e.reply_like && e.payload;
    const bool new_ip = !e.client_ip.empty() && !st.ips.empty() && !st.ips.contains(e.client_ip);
    if (!e.client_ip.empty() && st.ips.size() < k_outbound_ips) st.ips.insert(e.client_ip);

    while (!st.suspicious_times.empty() && st.suspicious_times.front() <= e.now - cfg_.window)
        st.suspicious_times.pop_front();
    if (risky && e.unknown_recipients > 0) st.suspicious_times.push_back(e.now);

    std::string why;
    if (risky && st.suspicious_times.size() >= cfg_.max_unknown_replies)
        why = fmt::format("{} reply-like messages with a payload to recipients it never wrote to within {} s",
                          st.suspicious_times.size(), cfg_.window);
    else if (risky && new_ip && cfg_.flag_new_client_ip)
        why = fmt::format("a reply-like message with a payload from a new client address {}", e.client_ip);
    if (why.empty()) return std::nullopt;
    detect::finding f;
    f.id = "OUTBOUND_ACCOUNT_ABUSE";
    f.group = "outbound";
    f.score = 0.0;  // an event about our account, not evidence about the message's author
    f.detail = fmt::format("our account {} may be abused: {}", e.account, why);
    f.evidence = {{"account", e.account}, {"client_ip", e.client_ip},
                  {"unknown_recipients", e.unknown_recipients}, {"in_window", st.suspicious_times.size()}};
    return f;
}

}  // namespace replyguard::milter
