// SPDX-License-Identifier: Apache-2.0
// detect/forged_mua.cpp - a mail client claimed in X-Mailer/User-Agent that did not make this mail
//
// DESCRIPTION
//   Bots write an X-Mailer they do not implement: "Microsoft Outlook 16.0" on
//   mail without the Thread-Index every Outlook since 2003 writes, with a
//   MIME boundary Outlook never makes and an "On ... wrote:" quote line.
//   The idea is rspamd's FORGED_MUA_* and SpamAssassin's FORGED_MUA_OUTLOOK;
//   the traits are ours, checked against the real mail of ../shared/corpus
//   (benign, mime-edge, outlook, Japanese mobile and PC mail):
//     Outlook 2003+   (Microsoft Outlook 14.0/15.0/16.0, Microsoft Office
//                     Outlook 11/12): writes Thread-Index; boundaries
//                     "----=_NextPart_..." (SMTP) or "_000_..." (Exchange);
//                     quotes under a From:/Sent: (差出人:/送信日時:) block.
//                     Outlook 2000/2002 ("Build 9/10", "IMO") and Outlook
//                     Express wrote no Thread-Index: not judged.
//     Thunderbird     no Thread-Index; boundaries "------------" + 24 chars;
//                     "On ... wrote:" quotes.
//     Apple Mail, iPhone/iPad Mail: no Thread-Index; "Apple-Mail..." boundaries.
//     Becky!          no Thread-Index.
//   Any client: a Message-ID made by Gmail's own servers ("@mail.gmail.com")
//   means Gmail's web or app client wrote the mail, not a desktop client
//   (a desktop client sending through Gmail keeps its own Message-ID).
//   One trait alone can have an innocent cause (a gateway that strips or adds
//   a header), so the finding needs two. It scores low alone: it is evidence
//   that adds to a payload or a hijack signal, not a verdict.
// LIMITS
//   Only the top-level Content-Type boundary and the first quoted block are
//   read; mailers not listed above are never judged.
#include "core/config.hpp"
#include "core/strings.hpp"
#include "detect/detector.hpp"
#include "detect/hijack_common.hpp"
#include "mime/message.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <string>

namespace replyguard::detect {
namespace {

constexpr std::array k_symbols{
    symbol_info{"FORGED_MUA", "header", 1.5,
                "the mail client named in X-Mailer/User-Agent does not write mail like this",
                "X-Mailer/User-Agent が示すメールソフトの特徴(Thread-Index、区切り文字列、引用形式)と一致しない"},
};

enum class client { none, outlook, thunderbird, apple, becky };

/// Leading version number after `prefix` in `v` (0 when none).
int version_after(std::string_view v, std::string_view prefix) {
    auto p = v.find(prefix);
    if (p == std::string_view::npos) return 0;
    p += prefix.size();
    int n = 0;
    while (p < v.size() && std::isdigit(static_cast<unsigned char>(v[p]))) n = n * 10 + (v[p++] - '0');
    return n;
}

client claimed(std::string_view ua) {
    if (ua.empty()) return client::none;
    if (ua.find("outlook express") != std::string_view::npos || ua.find("macoutlook") != std::string_view::npos)
        return client::none;
    // "Microsoft Outlook 16.0", "Microsoft Office Outlook 12.0", "Microsoft Office Outlook, Build 11.0.5510".
    if (version_after(ua, "microsoft outlook ") >= 11 || version_after(ua, "microsoft office outlook ") >= 11 ||
        version_after(ua, "microsoft office outlook, build ") >= 11)
        return client::outlook;
    if (ua.find("thunderbird") != std::string_view::npos) return client::thunderbird;
    if (ua.starts_with("apple mail") || ua.starts_with("iphone mail") || ua.starts_with("ipad mail"))
        return client::apple;
    if (ua.starts_with("becky!")) return client::becky;
    return client::none;
}

const char* client_name(client c) {
    switch (c) {
    case client::outlook: return "Outlook";
    case client::thunderbird: return "Thunderbird";
    case client::apple: return "Apple Mail";
    case client::becky: return "Becky!";
    case client::none: break;
    }
    return "";
}

bool outlook_boundary(std::string_view b) {
    if (b.starts_with("----=_NextPart_")) return true;
    // Exchange: "_000_TYAPR01MB...prodoutlook_", "_002_..."
    return b.size() > 5 && b[0] == '_' && std::isdigit(static_cast<unsigned char>(b[1])) &&
           std::isdigit(static_cast<unsigned char>(b[2])) && std::isdigit(static_cast<unsigned char>(b[3])) &&
           b[4] == '_';
}

class forged_mua final : public detector {
public:
    std::string_view name() const override { return "forged_mua"; }
    std::span<const symbol_info> symbols() const override { return k_symbols; }
    void run(const scan_context& ctx, finding_sink& out) const override {
        const auto& m = ctx.msg;
        const auto* xm = m.header("X-Mailer");
        const auto* ua = m.header("User-Agent");
        const auto* named = xm ? xm : ua;
        if (!named) return;
        std::string said = named->value();
        if (said.empty()) said = named->raw;
        const client c = claimed(lower(said));
        if (c == client::none) return;

        const bool thread_index = m.header("Thread-Index") != nullptr;
        const bool multipart = m.body_type.type == "multipart";
        const std::string& boundary = m.body_type.boundary;
        // The first quoted block is the one this client wrote (older ones are nested inside it).
        const bool quote_wrote = !m.quoted.empty() && m.quoted.front().kind == mime::quoted_block::style::wrote;
        const bool quote_outlook = !m.quoted.empty() && m.quoted.front().kind == mime::quoted_block::style::outlook;
        std::vector<std::string> traits;
        auto mid = lower(m.message_id);
        if (mid.ends_with("@mail.gmail.com")) traits.push_back("Message-ID made by Gmail (" + m.message_id + ")");
        switch (c) {
        case client::outlook:
            if (!thread_index) traits.push_back("no Thread-Index");
            if (multipart && !boundary.empty() && !outlook_boundary(boundary))
                traits.push_back("MIME boundary \"" + boundary.substr(0, 40) + "\" is not Outlook's");
            if (quote_wrote)
                traits.push_back("quote introduced by \"" + m.quoted.front().attribution.substr(0, 80) + "\"");
            break;
        case client::thunderbird:
            if (thread_index) traits.push_back("Thread-Index (Outlook's)");
            if (multipart && !boundary.empty() && !boundary.starts_with("------------"))
                traits.push_back("MIME boundary \"" + boundary.substr(0, 40) + "\" is not Thunderbird's");
            if (quote_outlook) traits.push_back("Outlook-style quote block");
            break;
        case client::apple:
            if (thread_index) traits.push_back("Thread-Index (Outlook's)");
            if (multipart && !boundary.empty() && !boundary.starts_with("Apple-Mail"))
                traits.push_back("MIME boundary \"" + boundary.substr(0, 40) + "\" is not Apple Mail's");
            if (quote_outlook) traits.push_back("Outlook-style quote block");
            break;
        case client::becky:
            if (thread_index) traits.push_back("Thread-Index (Outlook's)");
            if (quote_outlook) traits.push_back("Outlook-style quote block");
            break;
        case client::none: break;
        }
        if (traits.size() < 2) return;
        out.emit(k_symbols[0],
                 fmt::format("claims {} (\"{}\") but: {}", client_name(c), said.substr(0, 60), fmt::join(traits, "; ")),
                 {{"claimed", said},
                  {"client", client_name(c)},
                  {"header", named->name},
                  {"traits", traits},
                  {"thread_index", thread_index},
                  {"boundary", boundary}});
    }
};

}  // namespace

std::unique_ptr<detector> make_forged_mua() { return std::make_unique<forged_mua>(); }

}  // namespace replyguard::detect
