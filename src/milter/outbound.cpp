// SPDX-License-Identifier: Apache-2.0
// milter/outbound.cpp - per-account outbound behaviour (see outbound.hpp).
#include "milter/outbound.hpp"

#include "detect/detector.hpp"

#include <fmt/format.h>

namespace replyguard::milter {

outbound_tracker::outbound_tracker(outbound_config cfg) : outbound_tracker(cfg, store::make_memory_outbound_state()) {}

outbound_tracker::outbound_tracker(outbound_config cfg, std::unique_ptr<store::outbound_state> state)
    : cfg_(cfg), state_(std::move(state)) {}

result<std::optional<finding>> outbound_tracker::check(const outbound_event& e) {
    if (!cfg_.enabled || e.account.empty()) return std::optional<finding>{};
    const bool risky = e.reply_like && e.payload;
    auto seen = state_->record({.account = e.account,
                                .client_ip = e.client_ip,
                                .suspicious = risky && e.unknown_recipients > 0,
                                .now = e.now,
                                .window = cfg_.window});
    if (!seen) return std::unexpected(seen.error());

    std::string why;
    if (risky && seen->in_window >= cfg_.max_unknown_replies)
        why = fmt::format("{} reply-like messages with a payload to recipients it never wrote to within {} s",
                          seen->in_window, cfg_.window);
    else if (risky && seen->new_ip && cfg_.flag_new_client_ip)
        why = fmt::format("a reply-like message with a payload from a new client address {}", e.client_ip);
    if (why.empty()) return std::optional<finding>{};
    const symbol_info& sym = detect::outbound_symbol();
    finding f;
    f.id = std::string(sym.id);
    f.group = std::string(sym.group);
    f.score = sym.score;  // 0: an event about our account, not evidence about the message's author
    f.detail = fmt::format("our account {} may be abused: {}", e.account, why);
    f.evidence = {{"account", e.account},
                  {"client_ip", e.client_ip},
                  {"unknown_recipients", e.unknown_recipients},
                  {"in_window", seen->in_window}};
    return std::optional<finding>{std::move(f)};
}

std::optional<finding> outbound_tracker::observe(const outbound_event& e) {
    auto r = check(e);
    return r ? std::move(*r) : std::nullopt;
}

}  // namespace replyguard::milter
