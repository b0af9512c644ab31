// SPDX-License-Identifier: Apache-2.0
// scan/attached.cpp - messages attached to a message, analysed as messages
//
// DESCRIPTION
//   A user who got a reply-chain hijack and forwarded it "as attachment" to the
//   security team, or a .msg dropped into a ticket, must be caught as the
//   hijack it carries: each attached message (attach/messages.hpp: a
//   message/rfc822 part, an attached .msg, a message inside winmail.dat) goes
//   through the whole engine again - its own sender, thread lookups in the
//   history, payloads - and lands in scan_result::attached as a full result.
//   The outer message gets ATTACHED_MESSAGE_MALICIOUS / _SUSPICIOUS with the
//   nested score (so its score is at least the nested one), and engine.cpp
//   makes the nested verdict a floor for the outer verdict.
// LIMITS
//   Nesting stops at k_max_attached_depth levels; attach::k_max_attached_messages
//   per message and k_max_attached_total in the whole tree of one message. Nested messages share the outer message's passwords from the
//   thread (PPAP) and the configured limits.
#include "attach/messages.hpp"
#include "mime/parser.hpp"
#include "scan/engine.hpp"

#include <fmt/format.h>

namespace replyguard::scan {

namespace {
constexpr int k_max_attached_depth = 3;
// Each nested message is a full analysis: bound the whole tree, not only each level.
constexpr std::size_t k_max_attached_total = 32;
}  // namespace

void engine::scan_attached(scan_result& r, const scan_options& opt, finding_sink& sink, budget& bud) const {
    r.attached.clear();
    if (opt.depth >= k_max_attached_depth) return;
    std::size_t top_remaining = k_max_attached_total;
    std::size_t* remaining = opt.attached_budget ? opt.attached_budget : &top_remaining;
    for (auto& am : attach::attached_messages(r.msg)) {
        if (*remaining == 0) break;
        --*remaining;
        const auto& a = r.msg.attachments[am.attachment];
        std::string part = a.part_path.empty() ? std::to_string(am.attachment) : a.part_path;
        std::string source = fmt::format("{}>{}", r.source, part);
        scan_result nested;
        if (am.bytes.empty()) {
            nested.source = std::move(source);
            nested.error = am.error.empty() ? std::string("the attached message is empty") : am.error;
        } else {
            scan_options inner = opt;
            inner.depth = opt.depth + 1;
            inner.attached_budget = remaining;
            nested.source = std::move(source);
            // The outer message's one time budget covers its attached messages too.
            nested.msg = mime::parse_message(am.bytes, cfg_.lim, &bud);
            analyse(nested, inner, bud);
        }
        nested.attached_kind = am.kind;
        nested.attached_index = am.attachment;
        if (!nested.error && nested.outcome.v != score::verdict::clean) {
            const bool mal = nested.outcome.v == score::verdict::malicious;
            const auto& sym = mal ? attach::attached_malicious_symbol() : attach::attached_suspicious_symbol();
            nlohmann::json ids = nlohmann::json::array();
            for (const auto& f : nested.findings) ids.push_back(f.id);
            const std::string from = nested.msg.from ? nested.msg.from->address : std::string();
            finding f{std::string(sym.id), std::string(sym.group), cfg_.score_for(sym.id, nested.outcome.score),
                      fmt::format("the attached message \"{}\" from {} is {} (score {:.1f})",
                                  nested.msg.subject.decoded, from.empty() ? "(no sender)" : from,
                                  score::verdict_name(nested.outcome.v), nested.outcome.score),
                      nlohmann::json{{"part", part},
                                     {"kind", am.kind},
                                     {"name", am.name},
                                     {"source", nested.source},
                                     {"verdict", score::verdict_name(nested.outcome.v)},
                                     {"score", nested.outcome.score},
                                     {"findings", std::move(ids)}}};
            sink.add(std::move(f));
        }
        r.attached.push_back(std::move(nested));
    }
}

}  // namespace replyguard::scan
