// SPDX-License-Identifier: Apache-2.0
// detect/auth_fail_trusted.cpp - SPF/DKIM/DMARC failures recorded by our own servers
//
// DESCRIPTION
//   Authentication-Results can be written by anyone upstream; only results
//   from an authserv-id listed in [auth] trusted_authserv_ids count. One
//   finding lists every failed method.
#include "core/config.hpp"
#include "core/strings.hpp"
#include "detect/detector.hpp"
#include "mime/message.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>

namespace replyguard::detect {
namespace {

constexpr std::array k_symbols{
    symbol_info{"AUTH_FAIL_TRUSTED", "auth", 3.0, "SPF, DKIM or DMARC failed at a trusted server",
                "信頼するサーバで SPF・DKIM・DMARC のいずれかが fail"},
};

class auth_fail_trusted final : public detector {
public:
    std::string_view name() const override { return "auth_fail_trusted"; }
    std::span<const symbol_info> symbols() const override { return k_symbols; }
    void run(const scan_context& ctx, finding_sink& out) const override {
        nlohmann::json fails = nlohmann::json::array();
        std::string methods;
        for (const auto& r : ctx.msg.auth_results) {
            const bool trusted = std::any_of(ctx.cfg.trusted_authserv_ids.begin(), ctx.cfg.trusted_authserv_ids.end(),
                                             [&](const auto& id) { return ieq(id, r.authserv_id); });
            if (!trusted || !ieq(r.result, "fail")) continue;
            if (!ieq(r.method, "spf") && !ieq(r.method, "dkim") && !ieq(r.method, "dmarc")) continue;
            fails.push_back({{"authserv_id", r.authserv_id},
                             {"method", r.method},
                             {"result", r.result},
                             {"properties", r.properties}});
            if (!methods.empty()) methods += ", ";
            methods += r.method;
        }
        if (!fails.empty())
            out.emit(k_symbols[0], fmt::format("{} failed at {}", methods, fails[0]["authserv_id"].get<std::string>()),
                     {{"results", fails}});
    }
};

}  // namespace

std::unique_ptr<detector> make_auth_fail_trusted() { return std::make_unique<auth_fail_trusted>(); }

}  // namespace replyguard::detect
