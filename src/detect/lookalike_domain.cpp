// SPDX-License-Identifier: Apache-2.0
// detect/lookalike_domain.cpp - a sender domain made to look like a partner's or our own
//
// DESCRIPTION
//   The sender's registrable domain is compared with our organisation's and
//   with every domain in the history: equal ICU confusable skeletons
//   (uspoof: "rn" ~ "m", Cyrillic "а" ~ "a", "0" ~ "o") or a small edit
//   distance between the registrable labels ("exarnple" vs "example": 1 for
//   labels of 5-8 characters, 2 from 9; "weather" vs "blather" is 2 and must
//   not match), the labels not being equal; for our own domains also our
//   label with a word added ("sakura-shoji-co" for "sakura-shoji"). A domain
//   the history already knows is a correspondent, not a lookalike. The
//   history's domains come from history::domain_index: only those that can
//   match (equal skeleton, or a label within distance 2), whatever the
//   history's size.
// LIMITS
//   At most k_max_candidates history domains are compared per message.
#include "core/config.hpp"
#include "detect/detector.hpp"
#include "detect/hijack_common.hpp"
#include "detect/ids.hpp"
#include "history/domain_index.hpp"
#include "history/view.hpp"
#include "mime/domains.hpp"
#include "mime/message.hpp"
#include "store/history.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <set>

namespace replyguard::detect {
namespace {

constexpr std::size_t k_max_candidates = 20'000;

constexpr std::array k_symbols{
    symbol_info{ids::LOOKALIKE_DOMAIN, "hijack", 5.0, "sender domain looks like a correspondent's or our own domain",
                "差出人ドメインが取引先または自組織のドメインに似せてある"},
};

class lookalike_domain final : public detector {
public:
    std::string_view name() const override { return "lookalike_domain"; }
    std::span<const symbol_info> symbols() const override { return k_symbols; }
    void run(const scan_context& ctx, finding_sink& out) const override {
        const auto& m = ctx.msg;
        if (!m.from || m.from->address_key.find('@') == std::string::npos || list_mail(ctx)) return;
        const auto d = mime::registrable_domain(m.from->address_key);
        if (d.empty() || mime::is_freemail(d)) return;
        std::set<std::string> ours;
        for (const auto& o : ctx.cfg.org_domains) ours.insert(mime::registrable_domain(o));
        std::vector<std::string> theirs;
        if (ctx.history) {
            ours.insert(ctx.history->org_domains.begin(), ctx.history->org_domains.end());
            if (ctx.history->sender_domain_known) return;
            theirs = ctx.history->known_domains;  // only those near d (history/domain_index.hpp)
            if (theirs.size() > k_max_candidates) theirs.resize(k_max_candidates);
        }
        if (ours.contains(d)) return;
        const auto sk = history::confusable_skeleton(d);
        const auto dl = history::domain_label(d);
        auto check = [&](const std::string& c, bool is_ours) {
            if (c.empty() || c == d) return false;
            const auto cl = history::domain_label(c);
            if (cl == dl) return false;
            std::string how;
            if (history::confusable_skeleton(c) == sk) {
                how = "confusable";
            } else if (is_ours && cl.size() >= 5 &&
                       (dl.starts_with(std::string(cl) + "-") || dl.ends_with("-" + std::string(cl)))) {
                // "sakura-shoji-co.example" for "sakura-shoji.example": our name with a
                // word added. Only for our own domains: partners' subsidiaries do this legitimately.
                how = "our name with a word added";
            } else {
                const std::size_t limit = history::lookalike_distance_limit(dl, cl);
                if (limit == 0) return false;
                auto dist = history::edit_distance(dl, cl);
                if (dist > limit) return false;
                how = fmt::format("edit distance {}", dist);
            }
            out.emit(k_symbols[0],
                     fmt::format("sender domain {} looks like {} {} ({})", d,
                                 is_ours ? "our domain" : "correspondent domain", c, how),
                     {{"sender", mailbox_json(*m.from)},
                      {"sender_domain", d},
                      {"looks_like", c},
                      {"ours", is_ours},
                      {"how", how}});
            return true;
        };
        for (const auto& c : ours)
            if (check(c, true)) return;
        for (const auto& c : theirs)
            if (check(c, false)) return;
    }
};

}  // namespace

std::unique_ptr<detector> make_lookalike_domain() { return std::make_unique<lookalike_domain>(); }

}  // namespace replyguard::detect
