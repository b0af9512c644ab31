// SPDX-License-Identifier: Apache-2.0
// detect/thread_outsider.cpp - a reply in a known thread from someone who never took part
//
// DESCRIPTION
//   The thread is found by In-Reply-To/References, by subject key (reply and
//   forward subjects) or by quoted content (history/lookup.hpp). The sender
//   is an outsider when the address is not a participant of any thread found
//   and no participant shares its organisation (a colleague joining, or a
//   person writing from a second address of the same company, is normal).
//   Stronger when the display name is a participant's name (the Emotet
//   pattern: a real correspondent's name on an unrelated account).
//   Mailing lists, automated mail and our own organisation's senders are exempt;
//   so is an established correspondent (seen 3+ times, or it wrote to an
//   addressee or a participant before: list posters whose list headers were
//   stripped, a partner's colleague), unless it borrows a participant's name.
// LIMITS
//   Subject-only matches need a subject key of 6+ bytes (generic subjects
//   like "re: hi" say nothing about a thread) that only one known thread has
//   (formulaic subjects such as お見積りの件 recur across organisations). On a
//   subject-only match a participant's name counts (the _NAME finding) only
//   when the quote names that participant's address or the display name
//   carries it: common full names recur at other organisations.
#include "core/config.hpp"
#include "detect/detector.hpp"
#include "detect/hijack_common.hpp"
#include "detect/ids.hpp"
#include "history/lookup.hpp"
#include "history/view.hpp"
#include "mime/address.hpp"
#include "mime/message.hpp"
#include "store/history.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>

namespace replyguard::detect {
namespace {

constexpr std::array k_symbols{
    symbol_info{"HIJACK_THREAD_OUTSIDER", "hijack", 4.5,
                "reply in a known thread from an address that never took part in it",
                "既知のスレッドへの返信だが、差出人アドレスはそのスレッドに一度も参加していない"},
    symbol_info{ids::HIJACK_THREAD_OUTSIDER_NAME, "hijack", 8.0,
                "reply in a known thread under a participant's name from an address that never took part",
                "既知のスレッドへの返信で、参加者の表示名を使っているがアドレスは参加したことがない"},
};

class thread_outsider final : public detector {
public:
    std::string_view name() const override { return "thread_outsider"; }
    std::span<const symbol_info> symbols() const override { return k_symbols; }
    void run(const scan_context& ctx, finding_sink& out) const override {
        const auto& m = ctx.msg;
        if (!ctx.history || !m.from || m.from->address_key.empty()) return;
        if (list_mail(ctx) || automated(ctx) || is_org_address(ctx, m.from->address_key)) return;
        const auto& found = ctx.history->threads;
        if (found.empty()) return;
        const auto& sender = m.from->address_key;
        std::vector<const history::thread_ref*> considered;
        // A subject shared by several known threads (お見積りの件, 請求書送付のお願い, "meeting")
        // is formulaic: it does not say which conversation this is.
        const auto by_subject = std::count_if(found.begin(), found.end(),
                                              [](const auto& t) { return t.how == history::found_by::subject; });
        for (const auto& t : found) {
            if (t.how == history::found_by::subject && (m.subject.key.size() < 6 || by_subject > 1)) continue;
            if (history::is_participant(t.thread, sender) || history::same_org_participant(t.thread, sender))
                return;  // took part (or a colleague did) in a thread it refers to
            considered.push_back(&t);
        }
        if (considered.empty()) return;
        const auto& best = *considered.front();
        // An established correspondent (seen k_established_count times, or it wrote to an
        // addressee or a participant before: a list poster, a partner's colleague) joining a
        // thread is normal - unless it writes under a participant's name it never used itself.
        std::vector<std::string> addressees;
        for (const auto* list : {&m.to, &m.cc})
            for (const auto& r : *list) addressees.push_back(r.address_key);
        for (const auto& p : best.thread.participants) addressees.push_back(p.address);
        const auto st = standing_of(ctx, sender, addressees);
        nlohmann::json parts = nlohmann::json::array();
        const store::participant* named = nullptr;
        // A participant's address written as (or inside) the display name is borrowing it,
        // whoever the sender is: "tanaka@x.jp" <bot@y>, "Tanaka（tanaka@x.jp）" <bot@y>.
        const auto in_name = mime::addresses_in_text(m.from->name);
        for (const auto& p : best.thread.participants) {
            parts.push_back({{"address", p.address}, {"name", p.name}});
            if (!named && same_person_name(*m.from, p.name) && (!st.known || borrows_name(*m.from, st))) named = &p;
            if (!named && p.address != sender && std::find(in_name.begin(), in_name.end(), p.address) != in_name.end())
                named = &p;
        }
        nlohmann::json ev{{"sender", mailbox_json(*m.from)},
                          {"thread_id", best.thread.id},
                          {"thread_subject", best.thread.subject},
                          {"found_by", history::found_by_name(best.how)},
                          {"thread_first_seen", best.thread.first_seen},
                          {"thread_last_seen", best.thread.last_seen},
                          {"thread_messages", best.thread.messages},
                          {"participants", parts}};
        if (best.via)
            ev["via_message"] = {{"message_id", best.via->message_id},
                                 {"date", best.via->date},
                                 {"from", best.via->from_address},
                                 {"subject", best.via->subject}};
        if (best.how == history::found_by::quote) ev["matched_fingerprints"] = best.matched_fingerprints;
        // A subject alone plus a name is a name collision as often as a hijack (田中 健 works
        // at several organisations): the name counts when the quote names that participant too.
        if (named && best.how == history::found_by::subject) {
            const bool quoted = std::any_of(m.quoted.begin(), m.quoted.end(), [&](const mime::quoted_block& q) {
                return (q.from_mailbox && q.from_mailbox->address_key == named->address) ||
                       q.from.find(named->address) != std::string::npos;
            });
            if (!quoted && in_name.empty()) {
                ev["name_collision_possible"] = {{"address", named->address}, {"name", named->name}};
                named = nullptr;
            }
        }
        if (!named && st.established) return;
        if (named) {
            ev["impersonated"] = {{"address", named->address}, {"name", named->name}};
            auto d = fmt::format(
                "{} writes under the name of {} <{}>, a participant of thread \"{}\" ({} participants, found by {}), "
                "but never took part in it",
                sender, named->name, named->address, best.thread.subject, best.thread.participants.size(),
                history::found_by_name(best.how));
            out.emit(k_symbols[1], std::move(d), std::move(ev));
        } else {
            auto d =
                fmt::format("{} never took part in thread \"{}\" (found by {}; {} participants)", sender,
                            best.thread.subject, history::found_by_name(best.how), best.thread.participants.size());
            out.emit(k_symbols[0], std::move(d), std::move(ev));
        }
    }
};

}  // namespace

std::unique_ptr<detector> make_thread_outsider() { return std::make_unique<thread_outsider>(); }

}  // namespace replyguard::detect
