// SPDX-License-Identifier: Apache-2.0
// detect/hijack_common.cpp - shared exemptions and the payload test.
#include "detect/hijack_common.hpp"

#include "attach/report.hpp"
#include "core/config.hpp"
#include "core/strings.hpp"
#include "history/learner.hpp"
#include "history/view.hpp"
#include "mime/address.hpp"
#include "mime/domains.hpp"
#include "store/history.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace replyguard::detect {
namespace {

std::string trimmed_lower(const mime::header_field* h) {
    if (!h) return {};
    std::string v = h->value();
    v = lower(v.empty() ? h->raw : v);
    while (!v.empty() && std::isspace(static_cast<unsigned char>(v.back()))) v.pop_back();
    auto b = v.find_first_not_of(" \t");
    return b == std::string::npos ? std::string() : v.substr(b);
}

// 2019-2020 documents and archives; 2022-2023 disk images, OneNote, shortcuts,
// installers and scripts (Qakbot, IcedID, Emotet's OneNote wave).
constexpr std::array<std::string_view, 33> k_payload_ext{
    ".doc", ".docm", ".dot", ".dotm", ".xls", ".xlsm", ".xlsb", ".xlam", ".xlm", ".ppt", ".pptm",
    ".zip", ".rar",  ".7z",  ".iso",  ".img", ".one",  ".lnk",  ".js",   ".jse", ".vbs", ".hta",
    ".vhd", ".vhdx", ".wsf", ".msi",  ".exe", ".scr",  ".ps1",  ".cmd",  ".bat", ".xll", ".chm",
};

}  // namespace

bool is_reply_like(const mime::message& m) {
    return m.subject.is_reply() || m.subject.is_forward() || !m.in_reply_to.empty() || !m.references.empty();
}

bool is_personal_reply(const mime::message& m) { return is_reply_like(m) && !is_list_mail(m) && !is_automated(m); }

// is_list_mail and is_automated are asked by most detectors for every message:
// each reads the header list once (a header() lookup per name, and a lower-cased
// copy of every X- name, were 2.6% of `scan -j1`'s instructions on the corpus,
// callgrind 2026-12-06). Only the first Precedence and Auto-Submitted count, as
// message::header() gives them.
bool is_list_mail(const mime::message& m) {
    if (!m.list_id.empty()) return true;
    bool precedence_seen = false;
    for (const auto& h : m.headers) {
        const std::string_view n = h.name;
        if (ieq(n, "List-Id") || ieq(n, "List-Post") || ieq(n, "List-Unsubscribe") || ieq(n, "Mailing-List") ||
            ieq(n, "X-Mailing-List") || ieq(n, "X-BeenThere") || ieq(n, "List-Archive"))
            return true;
        if (!precedence_seen && ieq(n, "Precedence")) {
            precedence_seen = true;
            if (trimmed_lower(&h) == "list") return true;
        }
    }
    if (m.from) {
        auto n = lower(m.from->name);
        if (n.find(" via ") != std::string::npos) return true;
    }
    return false;
}

bool is_automated(const mime::message& m) {
    bool auto_submitted_seen = false, precedence_seen = false;
    for (const auto& h : m.headers) {
        const std::string_view n = h.name;
        if (!auto_submitted_seen && ieq(n, "Auto-Submitted")) {
            auto_submitted_seen = true;
            const std::string as = trimmed_lower(&h);
            if (!as.empty() && as != "no") return true;
        } else if (!precedence_seen && ieq(n, "Precedence")) {
            precedence_seen = true;
            const std::string pr = trimmed_lower(&h);
            if (pr == "bulk" || pr == "junk") return true;
        } else if (n.empty() || ((n[0] | 0x20) != 'x' && (n[0] | 0x20) != 'f')) {
            continue;  // every name below starts with x- or f-
        } else if (starts_with_ci(n, "x-rt-") || starts_with_ci(n, "x-redmine-") || starts_with_ci(n, "x-otrs-") ||
                   starts_with_ci(n, "x-zendesk-") || starts_with_ci(n, "x-jira-") || ieq(n, "x-github-reason") ||
                   starts_with_ci(n, "x-gitlab-") || ieq(n, "x-bugzilla-reason") || ieq(n, "feedback-id") ||
                   ieq(n, "x-campaign")) {
            return true;
        }
    }
    return false;
}

bool list_mail(const scan_context& ctx) {
    if (!ctx.list_mail_memo) ctx.list_mail_memo = is_list_mail(ctx.msg);
    return *ctx.list_mail_memo;
}

bool automated(const scan_context& ctx) {
    if (!ctx.automated_memo) ctx.automated_memo = is_automated(ctx.msg);
    return *ctx.automated_memo;
}

bool personal_reply(const scan_context& ctx) { return is_reply_like(ctx.msg) && !list_mail(ctx) && !automated(ctx); }

bool is_org_address(const scan_context& ctx, std::string_view address) {
    if (address.find('@') == std::string_view::npos) return false;
    const auto d = mime::registrable_domain(address);
    for (const auto& o : ctx.cfg.org_domains)
        if (mime::registrable_domain(o) == d) return true;
    if (ctx.history) return std::binary_search(ctx.history->org_domains.begin(), ctx.history->org_domains.end(), d);
    return false;
}

mime::mailbox name_without_address(const mime::mailbox& mb) {
    const bool has_at = mb.name.find('@') != std::string::npos || mb.name.find("\xEF\xBC\xA0") != std::string::npos;
    if (!has_at) return mb;
    std::size_t cut = mb.name.size();
    // < ( [ " and full-width ＜ （ 【 「 open the written address.
    for (std::string_view open : {"<", "(", "[", "\"", "\xEF\xBC\x9C", "\xEF\xBC\x88", "\xE3\x80\x90", "\xE3\x80\x8C"})
        if (auto p = mb.name.find(open); p != std::string::npos && p > 0) cut = std::min(cut, p);
    std::string name = mb.name.substr(0, cut);
    while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.pop_back();
    if (name.empty() || name.size() == mb.name.size()) return mb;
    return mime::make_mailbox(name, mb.address);
}

bool same_person_name(const mime::mailbox& sender_in, std::string_view other_name) {
    if (other_name.empty()) return false;
    const auto sender = name_without_address(sender_in);
    auto mine = history::name_keys_for(sender);
    if (mine.empty()) return false;
    auto theirs = history::name_keys_for(mime::make_mailbox(std::string(other_name), ""));
    for (const auto& a : mine)
        for (const auto& b : theirs)
            if (a == b) return true;
    return false;
}

bool quoted_only(const mime::message& m, const text::url_ref& u) {
    auto written_in = [&](std::string_view text) {
        return text.find(u.url) != std::string_view::npos ||
               (u.anchor_text.size() >= 6 && text.find(u.anchor_text) != std::string_view::npos);
    };
    return !m.quoted.empty() && !written_in(m.new_text) &&
           std::any_of(m.quoted.begin(), m.quoted.end(),
                       [&](const mime::quoted_block& q) { return written_in(q.text); });
}

nlohmann::json payload_evidence(const scan_context& ctx, const finding_sink& sink) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& r : ctx.attachments)
        for (const auto& f : r.findings)
            if (f.score > 0 || f.group == "payload") {
                std::string name = r.index < ctx.msg.attachments.size() ? ctx.msg.attachments[r.index].filename : "";
                out.push_back({{"attachment", name}, {"finding", f.id}, {"detail", f.detail}});
            }
    for (const auto& f : sink.findings())
        if (f.group == "payload") out.push_back({{"finding", f.id}, {"detail", f.detail}});
    // quoted_only() searches the new and the quoted text for the link: it was 3% of
    // `scan -j1`'s instructions on the corpus when asked first for every link
    // (callgrind, 2026-12-06). It is asked last now, only where its answer can
    // change the list: a link with a payload's extension, or any link once the list
    // is past 20 items (then the first link not only quoted ends it, as before).
    const bool full = out.size() > 20;
    for (const auto& u : ctx.msg.urls) {
        auto url = lower(u.url);
        auto cut = url.find_first_of("?#");
        if (cut != std::string::npos) url.resize(cut);
        auto scheme = url.find("://");
        auto slash = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
        if (slash == std::string::npos) continue;  // a host alone is no download
        std::string_view found;
        for (auto ext : k_payload_ext)
            if (url.size() > ext.size() && url.ends_with(ext)) {
                found = ext;
                break;
            }
        if (found.empty() && !full) continue;
        if (quoted_only(ctx.msg, u)) continue;
        if (!found.empty()) out.push_back({{"link", u.url}, {"extension", std::string(found)}});
        if (out.size() > 20) break;
    }
    return out;
}

sender_standing standing_of(const scan_context& ctx, std::string_view address,
                            const std::vector<std::string>& addressees) {
    sender_standing st;
    // The gather reads the sender's record only: another address has no standing here.
    if (!ctx.history || address != ctx.history->sender) return st;
    const auto& c = ctx.history->sender_record;
    if (!c) return st;
    st.known = true;
    st.count = c->count;
    st.names = c->names;
    st.wrote_to = c->wrote_to;
    st.established = st.count >= k_established_count;
    for (const auto& a : addressees)
        st.established = st.established || std::binary_search(st.wrote_to.begin(), st.wrote_to.end(), a);
    return st;
}

bool borrows_name(const mime::mailbox& sender, const sender_standing& st) {
    if (history::name_keys_for(sender).empty()) return false;
    for (const auto& n : st.names)
        if (same_person_name(sender, n)) return false;
    return true;
}

nlohmann::json mailbox_json(const mime::mailbox& mb) { return {{"name", mb.name}, {"address", mb.address}}; }

}  // namespace replyguard::detect
