// SPDX-License-Identifier: Apache-2.0
// detect/address_in_name.cpp - the display name carries a different address
//
// DESCRIPTION
//   "Taro Yamada <taro@partner.co.jp>" written as the display name of
//   <x@compromised.example>: the reader sees the partner's address. Works
//   without history. Addresses inside the name are found by
//   mime::addresses_in_text (full-width ＠, 【】（） wrappers). An embedded
//   address of the sender's own organisation is not a disguise; list mail
//   that rewrites From ("X via Y") is exempt.
#include "core/config.hpp"
#include "detect/detector.hpp"
#include "detect/hijack_common.hpp"
#include "mime/address.hpp"
#include "mime/domains.hpp"
#include "mime/message.hpp"

#include <fmt/format.h>

#include <array>

namespace replyguard::detect {
namespace {

constexpr std::array k_symbols{
    symbol_info{"IMPERSONATION_ADDRESS_IN_NAME", "hijack", 4.0,
                "the display name contains a different email address than the sender's",
                "表示名に差出人とは異なるメールアドレスが書かれている"},
};

class address_in_name final : public detector {
public:
    std::string_view name() const override { return "address_in_name"; }
    std::span<const symbol_info> symbols() const override { return k_symbols; }
    void run(const scan_context& ctx, finding_sink& out) const override {
        const auto& m = ctx.msg;
        if (!m.from || m.from->name.empty() || list_mail(ctx)) return;
        const auto& sender = m.from->address_key;
        for (const auto& a : mime::addresses_in_text(m.from->name)) {
            if (a == sender || mime::same_organisation(a, sender)) continue;
            out.emit(k_symbols[0],
                     fmt::format("display name \"{}\" shows {} but the mail comes from {}", m.from->name, a, sender),
                     {{"sender", mailbox_json(*m.from)}, {"address_in_name", a}});
            return;
        }
    }
};

}  // namespace

std::unique_ptr<detector> make_address_in_name() { return std::make_unique<address_in_name>(); }

}  // namespace replyguard::detect
