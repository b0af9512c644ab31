// SPDX-License-Identifier: Apache-2.0
// detect/quoted_identity_mismatch.cpp - the sender's name, a different address in the quoted headers
//
// DESCRIPTION
//   Needs no history: the quoted conversation is a small history of its own.
//   A hijacking bot answers a stolen message under the name of one of its
//   participants (typically the person the quoted mail was sent to) from an
//   unrelated account. When the quoted From/To/Cc headers (or a "... wrote:"
//   attribution) show that same name with an address, and that address is not
//   the sender's and not of the sender's organisation, the sender is
//   borrowing a participant's identity - unless the sender's own address is
//   among the quoted participants too, or the quoted namesake is this mail's
//   addressee (namesakes corresponding). Also fires when the display name
//   itself carries the participant's address (the name is then compared with
//   the address written inside it removed).
// LIMITS
//   Names shorter than 4 characters of comparison key are ignored (initials,
//   "IT", "総務"). Mailing lists and automated mail are exempt.
#include "detect/hijack_common.hpp"
#include "mime/address.hpp"
#include "mime/domains.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>

namespace replyguard::detect {
namespace {

constexpr std::array k_symbols{
    symbol_info{"QUOTED_IDENTITY_MISMATCH", "hijack", 5.0,
                "sender uses the name of a quoted participant whose quoted address is different",
                "引用されたメールの当事者の名前を、別のアドレスから名乗っている"},
};

std::vector<mime::mailbox> quoted_people(const mime::quoted_block& q) {
    std::vector<mime::mailbox> out;
    if (q.from_mailbox) out.push_back(*q.from_mailbox);
    for (const std::string* field : {&q.from, &q.to, &q.cc}) {
        if (field->empty()) continue;
        std::string list = *field;
        // Outlook separates addressees with ';'.
        for (char& c : list)
            if (c == ';') c = ',';
        for (auto& mb : mime::parse_address_list(list)) out.push_back(std::move(mb));
    }
    return out;
}

class quoted_identity_mismatch final : public detector {
public:
    std::string_view name() const override { return "quoted_identity_mismatch"; }
    std::span<const symbol_info> symbols() const override { return k_symbols; }
    void run(const scan_context& ctx, finding_sink& out) const override {
        const auto& m = ctx.msg;
        if (!m.from || m.from->address_key.empty() || m.quoted.empty() || list_mail(ctx) || automated(ctx)) return;
        const mime::mailbox sender = name_without_address(*m.from);
        if (sender.name_key.size() < 4) return;
        const std::string& s = m.from->address_key;
        // The sender's own address among the quoted participants: two people of the same
        // name writing to each other (高橋 誠 at a partner and 高橋 誠 with us), not a
        // borrowed identity; a bot's unrelated account is never in the stolen headers.
        for (const auto& q : m.quoted)
            for (const auto& p : quoted_people(q))
                if (p.address_key == s) return;
        for (const auto& q : m.quoted) {
            for (const auto& p : quoted_people(q)) {
                if (p.address_key.empty() || p.address_key.find('@') == std::string::npos) continue;
                if (p.address_key == s || mime::same_organisation(p.address_key, s)) continue;
                if (!same_person_name(*m.from, p.name)) continue;
                // The namesake is this mail's addressee: nobody impersonates a person to that person.
                const bool addressee = std::any_of(m.to.begin(), m.to.end(),
                                                   [&](const auto& r) { return r.address_key == p.address_key; }) ||
                                       std::any_of(m.cc.begin(), m.cc.end(),
                                                   [&](const auto& r) { return r.address_key == p.address_key; });
                if (addressee) continue;
                out.emit(k_symbols[0],
                         fmt::format("\"{}\" writes from {}, but the quoted mail shows {} as {}", sender.name, s,
                                     p.name, p.address),
                         {{"sender", mailbox_json(*m.from)},
                          {"quoted_participant", mailbox_json(p)},
                          {"quoted",
                           {{"from", q.from},
                            {"to", q.to},
                            {"sent", q.sent},
                            {"subject", q.subject},
                            {"attribution", q.attribution}}}});
                return;
            }
        }
    }
};

}  // namespace

std::unique_ptr<detector> make_quoted_identity_mismatch() { return std::make_unique<quoted_identity_mismatch>(); }

}  // namespace replyguard::detect
