// SPDX-License-Identifier: Apache-2.0
// detect/fake_reply.cpp - a reply subject that is not a reply
//
// DESCRIPTION
//   FAKE_REPLY: a reply prefix (Re:, RE:, 返信:, ＲＥ： ... mime/subject.hpp)
//   with neither In-Reply-To nor References: mail clients always set one of
//   them when replying; a bot composing "RE: <stolen subject>" often does not.
//   Needs no history. FAKE_FORWARD is the same for forward prefixes, weak
//   because Outlook forwards carry no In-Reply-To.
//   With history: FAKE_REPLY_UNKNOWN_REF when none of the referenced ids is
//   a message we know (weak: our history is never complete), and
//   FAKE_REPLY_COPIED_REF when In-Reply-To names a stored message whose
//   participants (From/To/Cc) do not include the sender nor a colleague of it
//   (an established correspondent under its own name is exempt).
//   Mailing lists are exempt.
#include "core/config.hpp"
#include "detect/detector.hpp"
#include "detect/hijack_common.hpp"
#include "detect/ids.hpp"
#include "history/lookup.hpp"
#include "history/view.hpp"
#include "mime/domains.hpp"
#include "mime/message.hpp"
#include "store/history.hpp"

#include <fmt/format.h>

#include <array>

namespace replyguard::detect {
namespace {

constexpr std::array k_symbols{
    symbol_info{ids::FAKE_REPLY, "hijack", 3.0, "reply subject without In-Reply-To or References",
                "件名は返信だが In-Reply-To も References もない"},
    symbol_info{"FAKE_FORWARD", "thread", 0.5, "forward subject without In-Reply-To or References",
                "件名は転送だが In-Reply-To も References もない"},
    symbol_info{"FAKE_REPLY_UNKNOWN_REF", "thread", 1.0,
                "reply whose referenced messages are all unknown to the history",
                "返信だが参照先のメッセージがどれも履歴にない"},
    symbol_info{ids::FAKE_REPLY_COPIED_REF, "hijack", 3.0,
                "In-Reply-To names a message the sender was not a participant of",
                "In-Reply-To が指すメッセージに差出人は参加していない"},
};

class fake_reply final : public detector {
public:
    std::string_view name() const override { return "fake_reply"; }
    std::span<const symbol_info> symbols() const override { return k_symbols; }
    void run(const scan_context& ctx, finding_sink& out) const override {
        const auto& m = ctx.msg;
        const bool reply = m.subject.is_reply(), fwd = m.subject.is_forward();
        if ((!reply && !fwd) || list_mail(ctx)) return;
        nlohmann::json prefixes = nlohmann::json::array();
        for (const auto& p : m.subject.prefixes) prefixes.push_back(p.text);
        if (m.in_reply_to.empty() && m.references.empty()) {
            nlohmann::json ev{{"subject", m.subject.decoded}, {"prefixes", prefixes}};
            if (reply)
                out.emit(k_symbols[0],
                         fmt::format("\"{}\" looks like a reply but has no In-Reply-To/References", m.subject.decoded),
                         std::move(ev));
            else
                out.emit(
                    k_symbols[1],
                    fmt::format("\"{}\" looks like a forward but has no In-Reply-To/References", m.subject.decoded),
                    std::move(ev));
            return;
        }
        if (!ctx.history || !reply || !m.from) return;
        const auto* st = &ctx.history->stats;
        if (st->messages == 0) return;
        const auto ids = history::referenced_ids(m);
        bool any_known = false;
        for (const auto& ref : ctx.history->references) {
            const auto& id = ref.id;
            if (!ref.stored) continue;
            any_known = true;
            const bool irt = ref.in_reply_to;
            if (!irt || is_org_address(ctx, m.from->address_key)) continue;
            const auto& r = *ref.stored;
            const auto& s = m.from->address_key;
            bool took_part = r.from_address == s || mime::same_organisation(r.from_address, s);
            for (const auto& a : r.recipients) took_part = took_part || a == s || mime::same_organisation(a, s);
            if (!took_part) {
                std::vector<std::string> addressees = r.recipients;
                addressees.push_back(r.from_address);
                if (auto sst = standing_of(ctx, s, addressees); sst.established && !borrows_name(*m.from, sst))
                    continue;
                nlohmann::json parts = r.recipients;
                out.emit(k_symbols[3],
                         fmt::format("In-Reply-To <{}> is a message from {} to {} recipient(s), not including {}", id,
                                     r.from_address, r.recipients.size(), s),
                         {{"in_reply_to", id},
                          {"referenced",
                           {{"from", r.from_address}, {"recipients", parts}, {"date", r.date}, {"subject", r.subject}}},
                          {"sender", mailbox_json(*m.from)}});
            }
        }
        if (!any_known) {
            // A thread rooted at a referenced id (replies learnt, root not) counts as known.
            for (const auto& ref : ctx.history->references)
                if (ref.root_thread_known) return;
            out.emit(k_symbols[2], fmt::format("none of the {} referenced message id(s) is known", ids.size()),
                     {{"references", ids}, {"history_messages", st->messages}});
        }
    }
};

}  // namespace

std::unique_ptr<detector> make_fake_reply() { return std::make_unique<fake_reply>(); }

}  // namespace replyguard::detect
