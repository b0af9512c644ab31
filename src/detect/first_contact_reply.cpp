// SPDX-License-Identifier: Apache-2.0
// detect/first_contact_reply.cpp - a reply from someone we never corresponded with
//
// DESCRIPTION
//   With a history: the sender's address was never seen (in any direction)
//   and no address of its organisation was either, yet it writes a reply.
//   A new person from a partner company joining a thread is normal, so a
//   known (non-free-mail) registrable domain exempts. Lists, automated mail
//   and our own senders are exempt.
#include "core/config.hpp"
#include "detect/detector.hpp"
#include "detect/hijack_common.hpp"
#include "history/view.hpp"
#include "mime/domains.hpp"
#include "mime/message.hpp"

#include <fmt/format.h>

#include <array>

namespace replyguard::detect {
namespace {

constexpr std::array k_symbols{
    symbol_info{"FIRST_CONTACT_REPLY", "hijack", 2.0, "a sender never seen before writes a reply",
                "一度もやり取りのない差出人からの返信"},
};

class first_contact_reply final : public detector {
public:
    std::string_view name() const override { return "first_contact_reply"; }
    std::span<const symbol_info> symbols() const override { return k_symbols; }
    void run(const scan_context& ctx, finding_sink& out) const override {
        const auto& m = ctx.msg;
        if (!ctx.history || !m.from || m.from->address_key.empty() || !m.subject.is_reply()) return;
        if (list_mail(ctx) || automated(ctx) || is_org_address(ctx, m.from->address_key)) return;
        const auto* st = &ctx.history->stats;
        if (st->messages == 0) return;
        const auto& s = m.from->address_key;
        if (ctx.history->sender_record) return;
        const auto& dom = ctx.history->sender_domain;
        if (!mime::is_freemail(dom) && ctx.history->sender_domain_known) return;
        out.emit(k_symbols[0],
                 fmt::format("{} writes \"{}\" but never appeared in {} learnt messages", s, m.subject.decoded,
                             st->messages),
                 {{"sender", mailbox_json(*m.from)}, {"domain", dom}, {"history_messages", st->messages}});
    }
};

}  // namespace

std::unique_ptr<detector> make_first_contact_reply() { return std::make_unique<first_contact_reply>(); }

}  // namespace replyguard::detect
