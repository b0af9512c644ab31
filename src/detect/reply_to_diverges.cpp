// SPDX-License-Identifier: Apache-2.0
// detect/reply_to_diverges.cpp - answers would go to another organisation
//
// DESCRIPTION
//   Reply-To in a different registrable domain than From. Weak for Emotet
//   (which sends from the compromised account itself) but typical of the
//   BEC-style follow-ups. Mailing lists and automated mail (which set
//   Reply-To to the list or a ticket address) are exempt.
#include "core/config.hpp"
#include "detect/detector.hpp"
#include "detect/hijack_common.hpp"
#include "mime/domains.hpp"
#include "mime/message.hpp"

#include <fmt/format.h>

#include <array>

namespace replyguard::detect {
namespace {

constexpr std::array k_symbols{
    symbol_info{"REPLYTO_DIVERGES", "auth", 1.5, "Reply-To is in a different organisation than From",
                "Reply-To のドメインが差出人と異なる組織"},
};

class reply_to_diverges final : public detector {
public:
    std::string_view name() const override { return "reply_to_diverges"; }
    std::span<const symbol_info> symbols() const override { return k_symbols; }
    void run(const scan_context& ctx, finding_sink& out) const override {
        const auto& m = ctx.msg;
        if (!m.from || m.reply_to.empty() || list_mail(ctx) || automated(ctx)) return;
        const auto fd = mime::registrable_domain(m.from->address_key);
        if (fd.empty()) return;
        for (const auto& r : m.reply_to) {
            const auto rd = mime::registrable_domain(r.address_key);
            if (rd.empty() || rd == fd) continue;
            out.emit(k_symbols[0],
                     fmt::format("Reply-To {} is in {}, From {} is in {}", r.address_key, rd, m.from->address_key, fd),
                     {{"from", mailbox_json(*m.from)}, {"reply_to", mailbox_json(r)}});
            return;
        }
    }
};

}  // namespace

std::unique_ptr<detector> make_reply_to_diverges() { return std::make_unique<reply_to_diverges>(); }

}  // namespace replyguard::detect
