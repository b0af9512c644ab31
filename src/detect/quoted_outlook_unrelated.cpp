// SPDX-License-Identifier: Apache-2.0
// detect/quoted_outlook_unrelated.cpp - a reply quoting a conversation between other people
//
// DESCRIPTION
//   Needs no history. A reply subject, and the body quotes an Outlook-style
//   header block (From/Sent/To/Cc, 差出人/送信日時/宛先/CC) whose quoted
//   sender is another person, while the actual sender appears nowhere in any
//   quoted From/To/Cc - by address, by name, or as a colleague of the same
//   organisation. A genuine reply quotes mail that was sent to its author.
// LIMITS
//   Only quote blocks that name To or Cc are judged: "On ..., X wrote:"
//   attributions do not say who received the quoted mail.
#include "core/config.hpp"
#include "detect/detector.hpp"
#include "detect/hijack_common.hpp"
#include "detect/ids.hpp"
#include "mime/address.hpp"
#include "mime/domains.hpp"
#include "mime/message.hpp"
#include "text/normalize.hpp"

#include <fmt/format.h>

#include <array>

namespace replyguard::detect {
namespace {

constexpr std::array k_symbols{
    symbol_info{ids::QUOTED_OUTLOOK_UNRELATED, "hijack", 3.0, "reply quoting a conversation the sender was not part of",
                "差出人が当事者でない会話を引用した返信"},
};

class quoted_outlook_unrelated final : public detector {
public:
    std::string_view name() const override { return "quoted_outlook_unrelated"; }
    std::span<const symbol_info> symbols() const override { return k_symbols; }
    void run(const scan_context& ctx, finding_sink& out) const override {
        const auto& m = ctx.msg;
        if (!m.from || m.from->address_key.empty() || !m.subject.is_reply() || list_mail(ctx) || automated(ctx)) return;
        const auto& s = m.from->address_key;
        const auto local = s.substr(0, s.find('@'));
        std::string sender_org = mime::registrable_domain(s);
        if (mime::is_freemail(sender_org)) sender_org.clear();
        const mime::quoted_block* judged = nullptr;
        for (const auto& q : m.quoted) {
            if (q.kind != mime::quoted_block::style::outlook && q.kind != mime::quoted_block::style::forward &&
                q.kind != mime::quoted_block::style::wrote)
                continue;
            // Does the sender appear in this block's headers? By address anywhere; by name only
            // among the recipients (a bot borrows the quoted sender's name, not the addressee's).
            const std::string heads = q.from + "\n" + q.to + "\n" + q.cc + "\n" + q.attribution;
            if (q.from_mailbox &&
                (q.from_mailbox->address_key == s || mime::same_organisation(q.from_mailbox->address_key, s)))
                return;
            const auto lowered = text::nfkc_casefold(heads);
            if (lowered.find(s) != std::string::npos ||
                (local.size() >= 3 && lowered.find(local + "@") != std::string::npos))
                return;
            const auto& k = m.from->name_key;
            if (k.size() >= 4 && text::fold_key(q.to + "\n" + q.cc).find(k) != std::string::npos) return;
            // A colleague: an address of the sender's organisation is among the quoted addressees.
            if (!sender_org.empty() && (lowered.find("@" + sender_org) != std::string::npos ||
                                        lowered.find("." + sender_org) != std::string::npos))
                return;
            if (!judged && q.kind != mime::quoted_block::style::wrote && (!q.to.empty() || !q.cc.empty()) &&
                q.from_mailbox && !q.from_mailbox->address_key.empty())
                judged = &q;
        }
        if (!judged) return;
        out.emit(k_symbols[0],
                 fmt::format("quotes mail from {} to {} - {} appears nowhere in the quoted headers", judged->from,
                             judged->to.empty() ? judged->cc : judged->to, s),
                 {{"sender", mailbox_json(*m.from)},
                  {"quoted",
                   {{"from", judged->from},
                    {"sent", judged->sent},
                    {"to", judged->to},
                    {"cc", judged->cc},
                    {"subject", judged->subject}}}});
    }
};

}  // namespace

std::unique_ptr<detector> make_quoted_outlook_unrelated() { return std::make_unique<quoted_outlook_unrelated>(); }

}  // namespace replyguard::detect
