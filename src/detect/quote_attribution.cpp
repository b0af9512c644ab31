// SPDX-License-Identifier: Apache-2.0
// detect/quote_attribution.cpp - quoted text copied from a conversation the sender was never part of
//
// DESCRIPTION
//   The quoted blocks are fingerprinted (history/fingerprint.hpp) and matched
//   against the fingerprints of every message we learnt. When the quote
//   copies a stored message, the sender should be a participant of that
//   message's thread (or a colleague of one). A stolen conversation replayed
//   from an unrelated account is not. Lists, automated mail, our own senders
//   and established correspondents writing under their own name are exempt.
#include "core/config.hpp"
#include "detect/detector.hpp"
#include "detect/hijack_common.hpp"
#include "detect/ids.hpp"
#include "history/lookup.hpp"
#include "history/view.hpp"
#include "mime/message.hpp"
#include "store/history.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>

namespace replyguard::detect {
namespace {

constexpr std::array k_symbols{
    symbol_info{ids::HIJACK_QUOTE_ATTRIBUTION, "hijack", 6.0,
                "quotes a message we handled from a conversation the sender never took part in",
                "過去に当組織が扱ったメールを引用しているが、差出人はその会話に参加していない"},
};

class quote_attribution final : public detector {
public:
    std::string_view name() const override { return "quote_attribution"; }
    std::span<const symbol_info> symbols() const override { return k_symbols; }
    void run(const scan_context& ctx, finding_sink& out) const override {
        const auto& m = ctx.msg;
        if (!ctx.history || !m.from || m.from->address_key.empty() || m.quoted.empty()) return;
        if (list_mail(ctx) || automated(ctx) || is_org_address(ctx, m.from->address_key)) return;
        const auto& src = ctx.history->quote_sources;
        if (src.empty()) return;
        const auto& sender = m.from->address_key;
        const store::message_record* best = nullptr;
        std::size_t best_n = 0;
        const store::thread_info* best_thread = nullptr;
        for (const auto& q : src) {
            if (q.message.from_address == sender) return;  // quoting its own mail
            if (!q.thread) continue;
            if (history::is_participant(*q.thread, sender) || history::same_org_participant(*q.thread, sender)) return;
            if (!best) {
                best = &q.message;
                best_n = q.matched;
                best_thread = &*q.thread;
            }
        }
        if (!best) return;
        // An established correspondent (seen 3+ times, or it wrote to a participant of that
        // conversation before: a list poster quoting the list) under its own name knows the
        // conversation; a fresh account - or one borrowing another name - replaying it does not.
        std::vector<std::string> addressees;
        for (const auto& p : best_thread->participants) addressees.push_back(p.address);
        if (auto st = standing_of(ctx, sender, addressees); st.established && !borrows_name(*m.from, st)) return;
        nlohmann::json parts = nlohmann::json::array();
        for (const auto& p : best_thread->participants) parts.push_back({{"address", p.address}, {"name", p.name}});
        nlohmann::json ev{{"sender", mailbox_json(*m.from)},
                          {"quoted_message",
                           {{"message_id", best->message_id},
                            {"date", best->date},
                            {"from", best->from_address},
                            {"from_name", best->from_name},
                            {"subject", best->subject}}},
                          {"matched_fingerprints", best_n},
                          {"thread_id", best_thread->id},
                          {"thread_subject", best_thread->subject},
                          {"participants", parts}};
        out.emit(k_symbols[0],
                 fmt::format("quotes the message <{}> from {} (\"{}\"), whose thread {} never took part in",
                             best->message_id, best->from_address, best->subject, sender),
                 std::move(ev));
    }
};

}  // namespace

std::unique_ptr<detector> make_quote_attribution() { return std::make_unique<quote_attribution>(); }

}  // namespace replyguard::detect
