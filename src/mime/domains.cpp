// SPDX-License-Identifier: Apache-2.0
// mime/domains.cpp - registrable domains via libpsl's built-in list.
//
// LIMITS
//   Answers are remembered per thread, at most k_memo_max hosts of at most
//   k_memo_host_max bytes; the memo is emptied when full. The same few domains
//   come back for every address, link and Received hop of a message and across
//   messages: psl_registrable_domain was 2.3% of `scan -j1`'s instructions
//   (callgrind, every 8th corpus file, 2026-12-05), ~3,000 instructions a call.
#include "mime/domains.hpp"

#include <libpsl.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <unordered_map>

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

constexpr std::size_t k_memo_max = 4096;
constexpr std::size_t k_memo_host_max = 255;  // a DNS name's longest text form

/// libpsl's answer for a lower-cased host (the host itself when it has none).
std::string psl_answer(const std::string& host) {
    if (const psl_ctx_t* p = psl())
        if (const char* r = psl_registrable_domain(p, host.c_str())) return std::string(r);
    return host;
}

}  // namespace

std::string registrable_domain(std::string_view in) {
    auto at = in.rfind('@');
    if (at != std::string_view::npos) in.remove_prefix(at + 1);
    std::string host(in);
    while (!host.empty() && (host.back() == '.' || host.back() == '>')) host.pop_back();
    std::transform(host.begin(), host.end(), host.begin(), [](unsigned char c) { return std::tolower(c); });
    if (host.empty()) return host;
    if (host.size() > k_memo_host_max) return psl_answer(host);
    thread_local std::unordered_map<std::string, std::string> memo;
    if (auto it = memo.find(host); it != memo.end()) return it->second;
    if (memo.size() >= k_memo_max) memo.clear();
    std::string r = psl_answer(host);
    memo.emplace(std::move(host), r);
    return r;
}

bool is_freemail(std::string_view d) { return std::find(k_freemail.begin(), k_freemail.end(), d) != k_freemail.end(); }

bool same_organisation(std::string_view a, std::string_view b) {
    auto ra = registrable_domain(a), rb = registrable_domain(b);
    return !ra.empty() && ra == rb && !is_freemail(ra);
}

}  // namespace replyguard::mime
