// SPDX-License-Identifier: Apache-2.0
// detect/genuine_reply.cpp - the trust signal of a real reply (never with a payload)
//
// DESCRIPTION
//   Runs after the other detectors (stage 1). A negative score when the
//   message refers by In-Reply-To/References to a thread we know and the
//   sender's own address is a participant of it. It never applies when any
//   hijack finding was raised or the message carries a payload (an attachment
//   finding, a payload finding, a document download link): a compromised
//   correspondent's genuine-looking reply with a macro document must not be
//   trusted (DESIGN.md: "A genuine reply never cancels payload signals").
#include "core/config.hpp"
#include "detect/detector.hpp"
#include "detect/hijack_common.hpp"
#include "history/lookup.hpp"
#include "history/view.hpp"
#include "mime/message.hpp"

#include <fmt/format.h>

#include <array>

namespace replyguard::detect {
namespace {

constexpr std::array k_symbols{
    symbol_info{"GENUINE_REPLY", "trust", -3.0, "reply from a known participant of the referenced thread",
                "参照先スレッドの既知の参加者からの返信"},
};

class genuine_reply final : public detector {
public:
    std::string_view name() const override { return "genuine_reply"; }
    std::span<const symbol_info> symbols() const override { return k_symbols; }
    int stage() const override { return 1; }
    void run(const scan_context& ctx, finding_sink& out) const override {
        const auto& m = ctx.msg;
        if (!ctx.history || !m.from || m.from->address_key.empty()) return;
        if (out.has_group("hijack")) return;
        for (const auto& t : ctx.history->threads) {
            // Only threads the headers lead to (the subject or a quote can be copied).
            if (t.how != history::found_by::in_reply_to && t.how != history::found_by::references) continue;
            if (!history::is_participant(t.thread, m.from->address_key)) continue;
            // Asked only now, for a thread that would vouch: payload_evidence() reads
            // every link and attachment finding (3% of `scan -j1` when asked first).
            if (!payload_evidence(ctx, out).empty()) return;
            out.emit(k_symbols[0],
                     fmt::format("{} is a participant of thread \"{}\" it replies to", m.from->address_key,
                                 t.thread.subject),
                     {{"thread_id", t.thread.id},
                      {"thread_subject", t.thread.subject},
                      {"found_by", history::found_by_name(t.how)},
                      {"sender", m.from->address_key}});
            return;
        }
    }
};

}  // namespace

std::unique_ptr<detector> make_genuine_reply() { return std::make_unique<genuine_reply>(); }

}  // namespace replyguard::detect
