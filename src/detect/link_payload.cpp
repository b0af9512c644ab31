// SPDX-License-Identifier: Apache-2.0
// detect/link_payload.cpp - links as the payload of a reply
//
// DESCRIPTION
//   From 2021 the reply-chain bots (Emotet, Qakbot, IcedID) moved the payload
//   behind links: an Outlook HTML anchor whose text is a generic call to action
//   (「こちら」, 「ダウンロード」, "View documents", "Open") pointing to a
//   file-share or a compromised site, a OneDrive/SharePoint/Dropbox/Google
//   Drive/Firebase share, or a URL shortener - none with a file extension the
//   older `payload_evidence` test looks for - and before that (2019-2020) to
//   macro documents on compromised sites. Findings of group "payload" (so
//   HIJACK_WITH_PAYLOAD and GENUINE_REPLY treat the link as the payload it is);
//   the kinds genuine partners send too score low alone (all but LINK_ACTIVE_DOWNLOAD):
//     LINK_FILE_SHARE       a reply whose new text links to a file-share or
//                           shortener host (k_file_share plus [links]
//                           file_share_hosts in the configuration).
//     LINK_CALL_TO_ACTION   a reply with an HTML anchor whose visible text is a
//                           generic call to action, to a host the anchor text
//                           does not show and the history does not know.
//     LINK_ACTIVE_DOWNLOAD  a reply linking to a file that runs code when opened
//                           (.doc/.xls/.xlsm, scripts, .lnk, .iso, .one ...) on a host
//                           the history does not know: what an attachment of that
//                           type would be (Emotet's 2019 links, the 2022-2023 carriers).
//     LINK_ARCHIVE_DOWNLOAD the same for .zip/.rar/.7z (genuine downloads too: low).
//     LINK_TEXT_MISMATCH    a reply with an anchor whose text is itself a URL or
//                           host name naming another host than the link opens.
//   Links that stand only in the quoted conversation are the real
//   correspondents' and are skipped (hijack_common's quoted_only); mailing
//   lists and automated mail are exempt; only replies (reply/forward subject or
//   threading headers) are judged: newsletters dress click-tracking links the same way.
// LIMITS
//   Hosts are compared in text::normalize_host form (IDNA ASCII, percent-
//   decoded). At most k_max_evidence links are listed in the evidence.
#include "core/config.hpp"
#include "detect/detector.hpp"
#include "detect/hijack_common.hpp"
#include "history/view.hpp"
#include "mime/domains.hpp"
#include "mime/message.hpp"
#include "store/history.hpp"
#include "text/normalize.hpp"
#include "text/urls.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>

namespace replyguard::detect {
namespace {

constexpr std::array k_symbols{
    symbol_info{"LINK_FILE_SHARE", "payload", 2.0,
                "reply linking to a file-share or URL-shortener host (a payload link without a file extension)",
                "返信メールにファイル共有サービスまたは短縮 URL へのリンクがある(拡張子のないダウンロードリンク)"},
    symbol_info{
        "LINK_CALL_TO_ACTION", "payload", 2.5,
        "reply with a link hidden behind a generic call to action (\"こちら\", \"View documents\") to an unknown host",
        "返信メールに「こちら」「ダウンロード」等の文言で隠された未知のホストへのリンクがある"},
    symbol_info{
        "LINK_ACTIVE_DOWNLOAD", "payload", 5.0,
        "reply linking to a macro-capable document, script, shortcut, disk image or OneNote file on a host the history does not know",
        "返信メールに、履歴にないホスト上のマクロ対応文書・スクリプト・ショートカット・ディスクイメージ・OneNote へのリンクがある"},
    symbol_info{"LINK_ARCHIVE_DOWNLOAD", "payload", 2.0,
                "reply linking to an archive (zip, rar, 7z) on a host the history does not know",
                "返信メールに、履歴にないホスト上のアーカイブ(zip/rar/7z)へのリンクがある"},
    symbol_info{"LINK_TEXT_MISMATCH", "payload", 3.0,
                "reply whose link text shows one host while the link opens another",
                "返信メールのリンク表示テキストのホストと実際のリンク先ホストが異なる"},
};
enum { s_share, s_cta, s_active, s_archive, s_mismatch };

constexpr std::size_t k_max_evidence = 5;

/// What a link may download that runs code when opened: the 2019-2020 macro documents
/// (binary Office formats and the macro-enabled OOXML ones; .docx/.xlsx cannot hold
/// macros and are not listed), the 2022-2023 carriers and scripts. Linked to a new or
/// unknown host in a reply, this is the payload an attachment would be.
constexpr std::array<std::string_view, 27> k_active_ext{
    ".doc",  ".dot",  ".xls", ".xlt",  ".ppt", ".docm", ".dotm", ".xlsm", ".xlsb",
    ".xlam", ".pptm", ".js",  ".jse",  ".vbs", ".vbe",  ".wsf",  ".hta",  ".lnk",
    ".iso",  ".img",  ".vhd", ".vhdx", ".one", ".exe",  ".scr",  ".msi",  ".xll",
};
constexpr std::array<std::string_view, 3> k_archive_ext{".zip", ".rar", ".7z"};

/// The extension of a URL's path, lower-case, with its dot ("" when none).
std::string path_extension(std::string_view url) {
    auto cut = url.find_first_of("?#");
    url = url.substr(0, cut);
    auto scheme = url.find("://");
    auto slash = url.find('/', scheme == std::string_view::npos ? 0 : scheme + 3);
    if (slash == std::string_view::npos) return {};
    auto path = url.substr(slash);
    auto last = path.rfind('/');
    auto dot = path.rfind('.');
    if (dot == std::string_view::npos || (last != std::string_view::npos && dot < last)) return {};
    std::string e(path.substr(dot));
    for (auto& c : e) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return e;
}

/// File-share, document-share and URL-shortener hosts the 2020-2023 campaigns used for
/// payload links (each matches itself and its subdomains). Genuine partners use them too:
/// that is why the finding scores low alone and counts as a payload only next to a hijack signal.
constexpr std::array<std::string_view, 40> k_file_share{
    // Microsoft
    "onedrive.live.com",
    "1drv.ms",
    "sharepoint.com",
    "onedrive.com",
    "files.1drv.com",
    // Google
    "drive.google.com",
    "docs.google.com",
    "storage.googleapis.com",
    "firebasestorage.googleapis.com",
    "sites.google.com",
    // File shares
    "dropbox.com",
    "dropboxusercontent.com",
    "db.tt",
    "box.com",
    "app.box.com",
    "wetransfer.com",
    "we.tl",
    "mediafire.com",
    "mega.nz",
    "sendspace.com",
    "transfer.sh",
    "filetransfer.io",
    "gofile.io",
    "ufile.io",
    "anonfiles.com",
    "discordapp.com",
    "cdn.discordapp.com",
    "github.io",
    // Japanese file shares seen in business mail
    "gigafile.nu",
    "firestorage.jp",
    "xfs.jp",
    // Shorteners
    "bit.ly",
    "tinyurl.com",
    "t.ly",
    "is.gd",
    "cutt.ly",
    "rb.gy",
    "shorturl.at",
    "ow.ly",
    "buff.ly",
};

/// Generic calls to action, compared after text::fold_key (NFKC, case-folded, no spaces or punctuation).
constexpr std::array<std::string_view, 52> k_cta_exact{
    // Japanese
    "こちら",
    "こちらから",
    "こちらをクリック",
    "こちらをクリックしてください",
    "ここ",
    "ここをクリック",
    "ダウンロード",
    "ダウンロードはこちら",
    "ダウンロードする",
    "詳細はこちら",
    "詳細",
    "確認する",
    "ご確認ください",
    "確認はこちら",
    "今すぐ確認",
    "ファイルを開く",
    "ファイルを表示",
    "ファイルを確認",
    "資料を見る",
    "資料はこちら",
    "資料を表示",
    "請求書を表示",
    "請求書はこちら",
    "書類を表示",
    "文書を表示",
    "ドキュメントを表示",
    "表示",
    "開く",
    "閲覧",
    "閲覧する",
    "リンク",
    "添付ファイル",
    "添付ファイルを開く",
    // English
    "clickhere",
    "here",
    "download",
    "downloadnow",
    "downloadhere",
    "view",
    "viewdocument",
    "viewdocuments",
    "viewfile",
    "viewfiles",
    "open",
    "opendocument",
    "openfile",
    "viewinvoice",
    "reviewdocument",
    "accessdocument",
    "viewsharedfile",
    "viewmessage",
    "viewattachment",
};

/// Keywords that make a short anchor text a call to action ("View the 3 documents", "請求書ダウンロード").
constexpr std::array<std::string_view, 12> k_cta_words{
    "download",     "viewdocument", "viewfile",     "opendocument",   "openfile",   "clickhere",
    "ダウンロード", "こちら",       "ファイルを開", "ファイルを表示", "資料を表示", "ここをクリック",
};
constexpr std::size_t k_cta_max_bytes = 48;  // a folded CTA is short; a sentence is not a button

bool host_under(std::string_view host, std::string_view dom) {
    return host == dom ||
           (host.size() > dom.size() && host.ends_with(dom) && host[host.size() - dom.size() - 1] == '.');
}

/// fold_key without ASCII punctuation and the arrows/brackets buttons are dressed in ("▶ ダウンロード", "View >>").
std::string cta_key(std::string_view anchor) {
    std::string k = text::fold_key(anchor);
    std::string out;
    for (std::size_t i = 0; i < k.size();) {
        auto c = static_cast<unsigned char>(k[i]);
        if (c < 0x80) {
            if (std::isalnum(c)) out.push_back(static_cast<char>(c));
            ++i;
            continue;
        }
        bool dropped = false;
        for (std::string_view sym : {"▶", "►", "→", "»", "≫", "【", "】", "「", "」", "。", "、", "※", "・"})
            if (std::string_view(k).substr(i).starts_with(sym)) {
                i += sym.size();
                dropped = true;
                break;
            }
        if (!dropped) out.push_back(k[i++]);
    }
    return out;
}

bool is_call_to_action(std::string_view anchor) {
    if (anchor.empty()) return false;
    auto k = cta_key(anchor);
    if (k.empty() || k.size() > k_cta_max_bytes) return false;
    if (std::find(k_cta_exact.begin(), k_cta_exact.end(), k) != k_cta_exact.end()) return true;
    return std::any_of(k_cta_words.begin(), k_cta_words.end(),
                       [&](std::string_view w) { return k.find(w) != std::string::npos; });
}

/// The host an anchor text names when it reads as a URL or a host name ("" otherwise).
std::string host_in_text(std::string_view t) {
    while (!t.empty() && (t.front() == ' ' || t.front() == '<' || t.front() == '(')) t.remove_prefix(1);
    while (!t.empty() && (t.back() == ' ' || t.back() == '>' || t.back() == ')')) t.remove_suffix(1);
    if (t.empty() || t.find(' ') != std::string_view::npos) return {};
    std::string_view rest = t;
    if (auto p = t.find("://"); p != std::string_view::npos) return text::url_host(t);
    if (rest.starts_with("www.") || rest.starts_with("WWW.")) return text::url_host("http://" + std::string(rest));
    // A bare "name.tld/..." with an ASCII letter TLD: only when it has a dot and no '@'.
    auto end = rest.find_first_of("/?#");
    auto host = rest.substr(0, end);
    if (host.find('@') != std::string_view::npos) return {};
    auto dot = host.rfind('.');
    if (dot == std::string_view::npos || dot + 2 > host.size()) return {};
    for (char c : host.substr(dot + 1))
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) return {};
    return text::normalize_host(host);
}

class link_payload final : public detector {
public:
    std::string_view name() const override { return "link_payload"; }
    std::span<const symbol_info> symbols() const override { return k_symbols; }
    void run(const scan_context& ctx, finding_sink& out) const override {
        const auto& m = ctx.msg;
        if (m.urls.empty()) return;
        const bool reply = personal_reply(ctx);
        std::vector<std::string> extra;
        for (const auto& h : ctx.cfg.file_share_hosts) extra.push_back(text::normalize_host(h));
        auto file_share = [&](std::string_view host) -> std::string {
            for (auto d : k_file_share)
                if (host_under(host, d)) return std::string(d);
            for (const auto& d : extra)
                if (!d.empty() && host_under(host, d)) return d;
            return {};
        };
        nlohmann::json shares = nlohmann::json::array(), ctas = nlohmann::json::array(),
                       mismatches = nlohmann::json::array(), actives = nlohmann::json::array(),
                       archives = nlohmann::json::array();
        auto known_host = [&](std::string_view host) {
            return ctx.history && ctx.history->link_domain_known(mime::registrable_domain(host));
        };
        for (const auto& u : m.urls) {
            // A reply's links only; quoted_only() (a search of the texts) last.
            if (u.host.empty() || !reply || quoted_only(m, u)) continue;
            const auto& host = u.host;
            if (u.from_html && !u.anchor_text.empty()) {
                if (auto shown = host_in_text(u.anchor_text);
                    !shown.empty() && shown != host &&
                    mime::registrable_domain(shown) != mime::registrable_domain(host) &&
                    mismatches.size() < k_max_evidence)
                    mismatches.push_back(
                        {{"url", u.url}, {"host", host}, {"text", u.anchor_text}, {"shown_host", shown}});
            }
            if (auto ext = path_extension(u.url); !ext.empty()) {
                const bool active = std::find(k_active_ext.begin(), k_active_ext.end(), ext) != k_active_ext.end();
                const bool archive = std::find(k_archive_ext.begin(), k_archive_ext.end(), ext) != k_archive_ext.end();
                if ((active || archive) && !known_host(host)) {
                    auto& list = active ? actives : archives;
                    if (list.size() < k_max_evidence)
                        list.push_back({{"url", u.url}, {"host", host}, {"extension", ext}});
                }
            }
            auto share = file_share(host);
            if (!share.empty() && shares.size() < k_max_evidence)
                shares.push_back({{"url", u.url}, {"host", host}, {"service", share}, {"text", u.anchor_text}});
            if (u.from_html && is_call_to_action(u.anchor_text) && ctas.size() < k_max_evidence) {
                // A host the history knows (a correspondent's own domain) is an ordinary link.
                if (!share.empty() || !known_host(host))
                    ctas.push_back({{"url", u.url}, {"host", host}, {"text", u.anchor_text}});
            }
        }
        if (!shares.empty()) {
            auto d = fmt::format("reply links to {} ({})", shares[0]["service"].get<std::string>(),
                                 shares[0]["url"].get<std::string>().substr(0, 120));
            out.emit(k_symbols[s_share], std::move(d), {{"links", shares}});
        }
        if (!ctas.empty()) {
            auto d = fmt::format("link behind \"{}\" opens {}", ctas[0]["text"].get<std::string>(),
                                 ctas[0]["host"].get<std::string>());
            out.emit(k_symbols[s_cta], std::move(d), {{"links", ctas}, {"history", ctx.history != nullptr}});
        }
        if (!actives.empty()) {
            auto d =
                fmt::format("reply links to a {} file on {} ({})", actives[0]["extension"].get<std::string>(),
                            actives[0]["host"].get<std::string>(), actives[0]["url"].get<std::string>().substr(0, 120));
            out.emit(k_symbols[s_active], std::move(d), {{"links", actives}, {"history", ctx.history != nullptr}});
        }
        if (!archives.empty()) {
            auto d = fmt::format("reply links to a {} archive on {}", archives[0]["extension"].get<std::string>(),
                                 archives[0]["host"].get<std::string>());
            out.emit(k_symbols[s_archive], std::move(d), {{"links", archives}, {"history", ctx.history != nullptr}});
        }
        if (!mismatches.empty()) {
            auto d = fmt::format("link text shows {} but opens {}", mismatches[0]["shown_host"].get<std::string>(),
                                 mismatches[0]["host"].get<std::string>());
            out.emit(k_symbols[s_mismatch], std::move(d), {{"links", mismatches}});
        }
    }
};

}  // namespace

std::unique_ptr<detector> make_link_payload() { return std::make_unique<link_payload>(); }

}  // namespace replyguard::detect
