// SPDX-License-Identifier: Apache-2.0
// detect/hijack_with_payload.cpp - a hijack signal together with a payload: malicious
//
// DESCRIPTION
//   The composite of the reply-chain attack: any finding of group "hijack"
//   plus a payload (attachment analysis findings, payload findings, a link
//   to a document/archive/script download). Scored so the message reaches
//   the malicious threshold by this finding alone: max(default, the
//   configured malicious threshold), unless the score is overridden.
#include "core/config.hpp"
#include "detect/detector.hpp"
#include "detect/hijack_common.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>

namespace replyguard::detect {
namespace {

constexpr std::array k_symbols{
    symbol_info{"HIJACK_WITH_PAYLOAD", "composite", 10.0, "reply-chain hijack signal together with a payload",
                "返信型乗っ取りの兆候と危険な添付・リンクが同時にある"},
};

class hijack_with_payload final : public detector {
public:
    std::string_view name() const override { return "hijack_with_payload"; }
    std::span<const symbol_info> symbols() const override { return k_symbols; }
    int stage() const override { return 1; }
    void run(const scan_context& ctx, finding_sink& out) const override {
        std::vector<std::string> hijack;
        for (const auto& f : out.findings())
            if (f.group == "hijack") hijack.push_back(f.id);
        if (hijack.empty()) return;
        auto payload = payload_evidence(ctx, out);
        if (payload.empty()) return;
        const auto& sym = k_symbols[0];
        finding f;
        f.id = std::string(sym.id);
        f.group = std::string(sym.group);
        f.score = ctx.cfg.score_overrides.contains(sym.id) ? ctx.cfg.score_for(sym.id, sym.score)
                                                           : std::max(sym.score, ctx.cfg.malicious_threshold);
        f.detail = fmt::format("{} together with {} payload signal(s)", fmt::join(hijack, ", "), payload.size());
        f.evidence = {{"hijack", hijack}, {"payload", payload}};
        if (!out.has(sym.id)) out.add(std::move(f));
    }
};

}  // namespace

std::unique_ptr<detector> make_hijack_with_payload() { return std::make_unique<hijack_with_payload>(); }

}  // namespace replyguard::detect
