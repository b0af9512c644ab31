// SPDX-License-Identifier: Apache-2.0
// mime/domains.cpp - registrable domains via libpsl's built-in list.
#include "mime/domains.hpp"

#include <libpsl.h>

#include <algorithm>
#include <array>
#include <cctype>

namespace replyguard::mime {
namespace {

const psl_ctx_t* psl() {
    static const psl_ctx_t* ctx = [] {
        const psl_ctx_t* c = psl_builtin();
        return c ? c : psl_latest(nullptr);
    }();
    return ctx;
}

// Providers where one registrable domain holds millions of unrelated people.
// Sorted for binary search.
constexpr std::array<std::string_view, 40> k_freemail{
    "aol.com",    "au.com",       "docomo.ne.jp",   "excite.co.jp",  "ezweb.ne.jp",   "gmail.com",   "gmx.com",
    "gmx.de",     "gmx.net",      "googlemail.com", "hotmail.co.jp", "hotmail.co.uk", "hotmail.com", "i.softbank.jp",
    "icloud.com", "live.com",     "live.jp",        "mac.com",       "mail.com",      "mail.ru",     "me.com",
    "msn.com",    "nifty.com",    "ocn.ne.jp",      "outlook.com",   "outlook.jp",    "proton.me",   "protonmail.com",
    "qq.com",     "so-net.ne.jp", "softbank.ne.jp", "web.de",        "yahoo.co.jp",   "yahoo.co.uk", "yahoo.com",
    "yandex.com", "yandex.ru",    "ybb.ne.jp",      "zoho.com",      "163.com",
};

}  // namespace

std::string registrable_domain(std::string_view in) {
    auto at = in.rfind('@');
    if (at != std::string_view::npos) in.remove_prefix(at + 1);
    std::string host(in);
    while (!host.empty() && (host.back() == '.' || host.back() == '>')) host.pop_back();
    std::transform(host.begin(), host.end(), host.begin(), [](unsigned char c) { return std::tolower(c); });
    if (host.empty()) return host;
    if (const psl_ctx_t* p = psl())
        if (const char* r = psl_registrable_domain(p, host.c_str())) return std::string(r);
    return host;
}

bool is_freemail(std::string_view d) { return std::find(k_freemail.begin(), k_freemail.end(), d) != k_freemail.end(); }

bool same_organisation(std::string_view a, std::string_view b) {
    auto ra = registrable_domain(a), rb = registrable_domain(b);
    return !ra.empty() && ra == rb && !is_freemail(ra);
}

}  // namespace replyguard::mime
