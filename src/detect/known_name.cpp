// SPDX-License-Identifier: Apache-2.0
// detect/known_name.cpp - a known correspondent's display name on an address that person never used
//
// DESCRIPTION
//   The history indexes every display name by its name key, as written and
//   with its parts reversed ("Yamada Taro" == "Taro Yamada"). A sender whose
//   name is indexed for other addresses, none of them in the sender's own
//   organisation (a second address of the same company is normal), and who
//   never used that name before, is impersonating - when the message also
//   points at that person: it refers to (headers or quoted text) a known
//   thread the person took part in, or names the person's address or
//   organisation domain in its recipients or quoted text, or writes from a
//   free-mail account (which belongs to no organisation). A known name at
//   another organisation is never enough on its own (common full names such
//   as 田中 健 recur at several organisations); without such a link the weaker
//   KNOWN_NAME_OTHER_ORG (not a hijack signal) is emitted instead.
// LIMITS
//   Names used by more than k_generic_addresses addresses of different
//   organisations ("Info", "Support") are role names, not people: skipped. So
//   are names more than store::k_name_addresses_max addresses used: the store
//   reads no further (scan/gather.cpp leaves name_addresses empty).
//   A sender address the history already saw k_established times or more is
//   an established address of someone sharing the name (or a person's second
//   private address), not a fresh account: skipped.
#include "core/config.hpp"
#include "detect/detector.hpp"
#include "detect/hijack_common.hpp"
#include "history/learner.hpp"
#include "history/lookup.hpp"
#include "history/view.hpp"
#include "mime/domains.hpp"
#include "mime/message.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <set>

namespace replyguard::detect {
namespace {

constexpr std::size_t k_generic_addresses = 5;
constexpr std::uint64_t k_established = 3;

constexpr std::array k_symbols{
    symbol_info{"IMPERSONATION_KNOWN_NAME", "hijack", 5.0,
                "display name of a known correspondent on an address that person never used",
                "既知の相手の表示名だが、その人が使ったことのないアドレスから送られている"},
    symbol_info{
        "KNOWN_NAME_OTHER_ORG", "identity", 1.0,
        "display name of a known correspondent at another organisation, with nothing else linking the mail to that person",
        "既知の相手と同じ表示名だが別組織のアドレスで、その人との関連は他に見当たらない(同姓同名の可能性)"},
};

class known_name final : public detector {
public:
    std::string_view name() const override { return "known_name"; }
    std::span<const symbol_info> symbols() const override { return k_symbols; }
    void run(const scan_context& ctx, finding_sink& out) const override {
        const auto& m = ctx.msg;
        if (!ctx.history || !m.from || m.from->address_key.empty()) return;
        if (list_mail(ctx) || automated(ctx) || is_org_address(ctx, m.from->address_key)) return;
        const auto& sender = m.from->address_key;
        // Every address indexed under the name as written or reversed (scan/gather.cpp).
        const auto& known = ctx.history->name_addresses;
        if (known.empty() || std::binary_search(known.begin(), known.end(), sender)) return;
        std::set<std::string> orgs;
        for (const auto& a : known) {
            if (mime::same_organisation(a, sender)) return;
            orgs.insert(mime::registrable_domain(a));
        }
        if (orgs.size() > k_generic_addresses) return;
        if (const auto& me = ctx.history->sender_record; me && me->count >= k_established) return;
        nlohmann::json people = nlohmann::json::array();
        for (const auto& a : known) {
            nlohmann::json p{{"address", a}};
            if (const auto* c = ctx.history->name_person(a)) {
                p["names"] = c->names;
                p["first_seen"] = c->first_seen;
                p["last_seen"] = c->last_seen;
                p["messages"] = c->count;
            }
            people.push_back(std::move(p));
            if (people.size() >= history::k_name_people) break;
        }
        // Does the message point at one of the known people (not only share a name)?
        // A free-mail account belongs to no organisation: a known name there is the
        // classic impersonation, not a namesake at another company.
        std::string link;
        if (mime::is_freemail(mime::registrable_domain(sender))) link = "free-mail address";
        auto mentions = [&](std::string_view text) {
            for (const auto& a : known) {
                auto dom = mime::registrable_domain(a);
                if (text.find(a) != std::string_view::npos) return "address " + a;
                if (!dom.empty() && !mime::is_freemail(dom) && text.find(dom) != std::string_view::npos)
                    return "domain " + dom;
            }
            return std::string();
        };
        for (const auto* list : {&m.to, &m.cc})
            for (const auto& r : *list)
                if (link.empty()) link = mentions(r.address_key);
        for (const auto& q : m.quoted)
            if (link.empty()) link = mentions(q.from + " " + q.to + " " + q.cc);
        if (link.empty()) {
            // The threads the gather found by headers or quoted text: a formulaic
            // subject is no link to a person.
            for (const auto& t : ctx.history->threads) {
                if (t.how == history::found_by::subject) continue;
                for (const auto& a : known)
                    if (link.empty() && history::is_participant(t.thread, a))
                        link = "thread \"" + t.thread.subject + "\" (" + history::found_by_name(t.how) + ")";
            }
        }
        if (link.empty()) {
            out.emit(k_symbols[1],
                     fmt::format("\"{}\" is also the name of {} at another organisation; nothing else links this mail "
                                 "to that person",
                                 m.from->name, *known.begin()),
                     {{"sender", mailbox_json(*m.from)}, {"known_addresses", people}});
            return;
        }
        out.emit(
            k_symbols[0],
            fmt::format("\"{}\" is the name of {} (known address {}), but this mail comes from {}", m.from->name,
                        known.size() == 1 ? "a known correspondent" : "known correspondents", *known.begin(), sender),
            {{"sender", mailbox_json(*m.from)}, {"known_addresses", people}, {"linked_by", link}});
    }
};

}  // namespace

std::unique_ptr<detector> make_known_name() { return std::make_unique<known_name>(); }

}  // namespace replyguard::detect
