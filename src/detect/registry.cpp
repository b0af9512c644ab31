// SPDX-License-Identifier: Apache-2.0
// detect/registry.cpp - the explicit list of detectors, in run order
//
// DESCRIPTION
//   Adding a detector: write src/detect/<name>.cpp with a factory
//   `std::unique_ptr<detector> make_<name>()`, declare it below and add it to
//   the list. Composite detectors (stage() > 0) run after the others.
#include "attach/report.hpp"
#include "detect/detector.hpp"
#include "detect/ids.hpp"

#include <algorithm>

namespace replyguard::detect {

std::unique_ptr<detector> make_mime_anomalies();
std::unique_ptr<detector> make_thread_outsider();
std::unique_ptr<detector> make_quote_attribution();
std::unique_ptr<detector> make_known_name();
std::unique_ptr<detector> make_address_in_name();
std::unique_ptr<detector> make_fake_reply();
std::unique_ptr<detector> make_lookalike_domain();
std::unique_ptr<detector> make_first_contact_reply();
std::unique_ptr<detector> make_reply_to_diverges();
std::unique_ptr<detector> make_auth_fail_trusted();
std::unique_ptr<detector> make_quoted_outlook_unrelated();
std::unique_ptr<detector> make_quoted_identity_mismatch();
std::unique_ptr<detector> make_macro_in_reply();
std::unique_ptr<detector> make_profile_break();
std::unique_ptr<detector> make_link_payload();
std::unique_ptr<detector> make_forged_mua();
std::unique_ptr<detector> make_genuine_reply();
std::unique_ptr<detector> make_hijack_with_payload();

std::vector<std::unique_ptr<detector>> make_detectors() {
    std::vector<std::unique_ptr<detector>> d;
    d.push_back(make_mime_anomalies());
    d.push_back(make_thread_outsider());
    d.push_back(make_quote_attribution());
    d.push_back(make_known_name());
    d.push_back(make_address_in_name());
    d.push_back(make_fake_reply());
    d.push_back(make_lookalike_domain());
    d.push_back(make_first_contact_reply());
    d.push_back(make_reply_to_diverges());
    d.push_back(make_auth_fail_trusted());
    d.push_back(make_quoted_outlook_unrelated());
    d.push_back(make_quoted_identity_mismatch());
    d.push_back(make_macro_in_reply());
    d.push_back(make_profile_break());  // stage 1, before GENUINE_REPLY: a profile break keeps it away
    d.push_back(make_link_payload());
    d.push_back(make_forged_mua());
    d.push_back(make_genuine_reply());
    d.push_back(make_hijack_with_payload());
    std::stable_sort(d.begin(), d.end(), [](const auto& a, const auto& b) { return a->stage() < b->stage(); });
    return d;
}

const symbol_info& outbound_symbol() {
    // Score 0: an event about our account, not evidence about the message's author.
    static constexpr symbol_info k_outbound{
        ids::OUTBOUND_ACCOUNT_ABUSE, "outbound", 0.0,
        "An authenticated account of ours sent reply-like mail with a payload to recipients it never wrote to, "
        "too often or from a new client address: the account may be abused",
        "当組織の認証済みアカウントが、やり取りのない宛先へ添付ファイルや URL 付きの返信型メールを"
        "多数、または新しい接続元から送信しました。アカウントが悪用されている可能性があります"};
    return k_outbound;
}

std::vector<symbol_info> all_symbols() {
    std::vector<symbol_info> out;
    for (const auto& d : make_detectors())
        for (const auto& s : d->symbols()) out.push_back(s);
    for (const auto& s : attach::symbols()) out.push_back(s);
    out.push_back(outbound_symbol());
    return out;
}

}  // namespace replyguard::detect
