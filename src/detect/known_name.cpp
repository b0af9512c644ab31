// SPDX-License-Identifier: Apache-2.0
// detect/known_name.cpp - a known correspondent's display name on an address that person never used
//
// DESCRIPTION
//   The history indexes every display name by its name key, as written and
//   with its parts reversed ("Yamada Taro" == "Taro Yamada"). A sender whose
//   name is indexed for other addresses, none of them in the sender's own
//   organisation (a second address of the same company is normal), and who
//   never used that name before, is impersonating.
// LIMITS
//   Names used by more than k_generic_addresses addresses of different
//   organisations ("Info", "Support") are role names, not people: skipped.
//   A sender address the history already saw k_established times or more is
//   an established address of someone sharing the name (or a person's second
//   private address), not a fresh account: skipped.
#include "core/config.hpp"
#include "detect/detector.hpp"
#include "detect/hijack_common.hpp"
#include "mime/domains.hpp"
#include "history/learner.hpp"
#include "mime/message.hpp"
#include "store/history.hpp"

#include <fmt/format.h>

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
};

class known_name final : public detector {
public:
    std::string_view name() const override { return "known_name"; }
    std::span<const symbol_info> symbols() const override { return k_symbols; }
    void run(const scan_context& ctx, finding_sink& out) const override {
        const auto& m = ctx.msg;
        if (!ctx.history || !m.from || m.from->address_key.empty()) return;
        if (is_list_mail(m) || is_automated(m) || is_org_address(ctx, m.from->address_key)) return;
        const auto& sender = m.from->address_key;
        std::set<std::string> known;
        for (const auto& k : history::name_keys_for(name_without_address(*m.from))) {
            auto a = ctx.history->addresses_for_name(k);
            if (!a) return;
            known.insert(a->begin(), a->end());
        }
        if (known.empty() || known.contains(sender)) return;
        std::set<std::string> orgs;
        for (const auto& a : known) {
            if (mime::same_organisation(a, sender)) return;
            orgs.insert(mime::registrable_domain(a));
        }
        if (orgs.size() > k_generic_addresses) return;
        if (auto me = ctx.history->find_correspondent(sender); !me || (*me && (*me)->count >= k_established)) return;
        nlohmann::json people = nlohmann::json::array();
        for (const auto& a : known) {
            nlohmann::json p{{"address", a}};
            if (auto c = ctx.history->find_correspondent(a); c && *c) {
                p["names"] = (*c)->names;
                p["first_seen"] = (*c)->first_seen;
                p["last_seen"] = (*c)->last_seen;
                p["messages"] = (*c)->count;
            }
            people.push_back(std::move(p));
            if (people.size() >= 5) break;
        }
        out.emit(k_symbols[0],
                 fmt::format("\"{}\" is the name of {} (known address {}), but this mail comes from {}", m.from->name,
                             known.size() == 1 ? "a known correspondent" : "known correspondents", *known.begin(),
                             sender),
                 {{"sender", mailbox_json(*m.from)}, {"known_addresses", people}});
    }
};

}  // namespace

std::unique_ptr<detector> make_known_name() { return std::make_unique<known_name>(); }

}  // namespace replyguard::detect
