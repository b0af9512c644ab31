// SPDX-License-Identifier: Apache-2.0
// campaign/report.cpp - campaign table renderers and the advisory draft
#include "campaign/report.hpp"
#include "attach/ids.hpp"
#include "detect/ids.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <ctime>
#include <map>

namespace replyguard::campaign {

namespace {

using nlohmann::json;

bool ja(std::string_view lang) { return lang == "ja"; }

bool has_id(const campaign& c, std::initializer_list<std::string_view> ids) {
    return std::any_of(c.finding_ids.begin(), c.finding_ids.end(),
                       [&](const std::string& f) { return std::find(ids.begin(), ids.end(), f) != ids.end(); });
}

std::string payload_phrase(std::string_view kind, std::string_view lang) {
    static const std::map<std::string_view, std::pair<std::string_view, std::string_view>> k{
        {"password_zip", {"a password-protected ZIP", "パスワード付きZIP"}},
        {"macro_document", {"a document with macros", "マクロ付き文書"}},
        {"download_link", {"a link to download a file", "ファイルのダウンロードリンク"}},
        {"shortcut", {"a Windows shortcut (LNK)", "Windowsショートカット(LNK)"}},
        {"script", {"a script file", "スクリプトファイル"}},
        {"executable", {"an executable", "実行ファイル"}},
        {"disk_image", {"a disk image (ISO/IMG)", "ディスクイメージ(ISO/IMG)"}},
        {"onenote", {"a OneNote file", "OneNoteファイル"}},
        {"html_attachment", {"an HTML attachment", "HTMLファイル"}},
        {"archive", {"an archive", "圧縮ファイル"}},
        {"document", {"a document", "文書ファイル"}},
        {"document_remote_content",
         {"a document fetching remote content (template, DDE, OLE link)",
          "外部のコンテンツを読み込む文書（テンプレート・DDE・OLEリンク）"}},
    };
    auto it = k.find(kind);
    if (it == k.end()) return {};
    return std::string(ja(lang) ? it->second.second : it->second.first);
}

std::string person(const identity& i) {
    if (i.name.empty()) return i.address;
    if (i.address.empty() || i.name.find(i.address) != std::string::npos) return i.name;
    return fmt::format("{} <{}>", i.name, i.address);
}

std::string join(const std::vector<std::string>& v, std::string_view sep, std::size_t max = 0) {
    std::string out;
    std::size_t n = 0;
    for (const auto& s : v) {
        if (max && n == max) {
            out += fmt::format("{}(+{})", sep, v.size() - max);
            break;
        }
        if (n++) out += sep;
        out += s;
    }
    return out;
}

std::vector<std::string> people_of(const campaign& c) {
    std::vector<std::string> v;
    for (const auto& i : c.impersonated)
        if (!i.name.empty() || !i.address.empty()) v.push_back(person(i));
    return v;
}

std::string period(const campaign& c, std::int64_t off) {
    std::string a = day(c.first_seen, off), b = day(c.last_seen, off);
    return a == b ? a : a + " - " + b;
}

std::string md_cell(std::string_view s) {
    std::string o;
    for (char ch : s) {
        if (ch == '|')
            o += "\\|";
        else if (ch == '\n' || ch == '\r')
            o += ' ';
        else
            o += ch;
    }
    return o.empty() ? "-" : o;
}

std::string csv_cell(std::string_view s) {
    // RFC 4180; a leading = + - @ is neutralised so a spreadsheet never evaluates mail text.
    std::string v(s);
    if (!v.empty() && (v[0] == '=' || v[0] == '+' || v[0] == '-' || v[0] == '@')) v = "'" + v;
    if (v.find_first_of(",\"\r\n") == std::string::npos) return v;
    std::string o = "\"";
    for (char ch : v) {
        if (ch == '"') o += '"';
        o += ch;
    }
    return o + "\"";
}

struct row {
    std::string id, period, first, last, organisation, person, summary, senders, verdict, abused;
    std::size_t count = 0;
    bool own = false;
};

row make_row(const campaign& c, std::string_view lang, std::int64_t off) {
    return row{c.id,
               period(c, off),
               day(c.first_seen, off),
               day(c.last_seen, off),
               join(c.organisations, ", ", 3),
               join(people_of(c), ", ", 3),
               summary(c, lang),
               join(c.senders, ", ", 3),
               c.verdict,
               join(c.abused_accounts, ", ", 3),
               c.count,
               c.own_org_impersonated || !c.abused_accounts.empty()};
}

struct headings {
    std::string_view period, org, person, summary, count, senders, id;
};

headings heads(std::string_view lang) {
    if (ja(lang))
        return {"期間", "なりすまされた組織", "なりすまされた人物", "概要", "件数", "実際の送信元", "キャンペーンID"};
    return {"Date", "Impersonated organisation", "Impersonated person", "Summary", "Count", "Real sender", "Campaign"};
}

}  // namespace

std::string html_escape(std::string_view s) {
    std::string o;
    for (char ch : s) {
        switch (ch) {
        case '&': o += "&amp;"; break;
        case '<': o += "&lt;"; break;
        case '>': o += "&gt;"; break;
        case '"': o += "&quot;"; break;
        case '\'': o += "&#39;"; break;
        default: o += ch;
        }
    }
    return o;
}

std::string day(std::int64_t t, std::int64_t utc_offset) {
    if (t == 0) return "-";
    std::time_t tt = static_cast<std::time_t>(t + utc_offset);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    return fmt::format("{:04}-{:02}-{:02}", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

std::string summary(const campaign& c, std::string_view lang) {
    const bool thread = has_id(c, {detect::ids::HIJACK_THREAD_OUTSIDER_NAME, detect::ids::HIJACK_QUOTE_ATTRIBUTION,
                                   detect::ids::FAKE_REPLY_COPIED_REF, detect::ids::QUOTED_OUTLOOK_UNRELATED});
    const bool fake_reply = has_id(c, {detect::ids::FAKE_REPLY});
    const bool lookalike = has_id(c, {detect::ids::LOOKALIKE_DOMAIN});
    const bool pw_body =
        has_id(c, {attach::ids::ARCHIVE_PASSWORD_FROM_BODY, attach::ids::ARCHIVE_PASSWORD_FROM_THREAD});
    std::vector<std::string> people = people_of(c);
    std::string who = join(people, ja(lang) ? "、" : ", ", 2);
    const std::string accounts = join(c.abused_accounts, ja(lang) ? "、" : ", ", 2);
    std::string from = join(c.senders, ja(lang) ? "、" : ", ", 2);
    std::vector<std::string> payload;
    for (const auto& k : c.payload_kinds)
        if (auto p = payload_phrase(k, lang); !p.empty()) payload.push_back(p);
    if (ja(lang)) {
        std::string s;
        if (!accounts.empty()) s = "自組織のアカウント " + accounts + " が認証済みで送信（アカウント不正利用の疑い）。";
        if (thread)
            s += "過去の実際のメールのやり取りに返信する形で";
        else if (fake_reply)
            s += "返信を装った件名（Re:）で";
        if (!who.empty())
            s += "「" + who + "」になりすまし、";
        else if (lookalike && !c.organisations.empty())
            s += c.organisations.front() + " に似せたドメインを使い、";
        else if (!s.empty() && !s.ends_with("。"))
            s += "、";
        // Our abused account already said who sent it; a sentence that ended says no more.
        if (accounts.empty() || !s.ends_with("。")) s += from.empty() ? "送信" : from + " から送信";
        if (!payload.empty()) {
            std::string pl = join(payload, "・");
            if (pw_body) pl = "本文にパスワードを記載した" + pl;
            s += (s.ends_with("。") ? "" : "。") + pl + "を送付";
        }
        return s.ends_with("。") ? s : s + "。";
    }
    std::string s = accounts.empty()
                        ? "Sent"
                        : "Our own account " + accounts + " sent it, authenticated (the account is being abused)";
    if (!from.empty() && accounts.empty()) s += " from " + from;
    if (!who.empty())
        s += " as " + who;
    else if (lookalike && !c.organisations.empty())
        s += " from a domain imitating " + c.organisations.front();
    if (thread)
        s += ", replying to a real past conversation";
    else if (fake_reply)
        s += ", posing as a reply (\"Re:\")";
    if (!payload.empty()) {
        s += ", with " + join(payload, " and ");
        if (pw_body) s += " (password written in the body)";
    }
    return s + ".";
}

json campaign_json(const campaign& c, std::string_view lang, std::int64_t utc_offset) {
    json imp = json::array();
    for (const auto& i : c.impersonated)
        imp.push_back(json{{"name", i.name}, {"address", i.address}, {"domain", i.domain}});
    return json{{"id", c.id},
                {"first_seen", c.first_seen},
                {"last_seen", c.last_seen},
                {"first_day", day(c.first_seen, utc_offset)},
                {"last_day", day(c.last_seen, utc_offset)},
                {"count", c.count},
                {"verdict", c.verdict},
                {"max_score", c.max_score},
                {"impersonated", imp},
                {"organisations", c.organisations},
                {"own_org_impersonated", c.own_org_impersonated},
                {"abused_accounts", c.abused_accounts},
                {"senders", c.senders},
                {"sender_domains", c.sender_domains},
                {"relays", c.relays},
                {"targets", c.targets},
                {"payload_kinds", c.payload_kinds},
                {"attachment_names", c.attachment_names},
                {"attachment_sha256", c.attachment_sha256},
                {"url_hosts", c.url_hosts},
                {"subjects", c.subjects},
                {"finding_ids", c.finding_ids},
                {"groups", c.groups},
                {"detection_ids", c.detection_ids},
                {"summary", summary(c, lang)},
                {"summary_en", summary(c, "en")},
                {"summary_ja", summary(c, "ja")}};
}

std::string render(const std::vector<campaign>& cs, const report_options& opt) {
    const headings h = heads(opt.lang);
    std::string out;
    switch (opt.format) {
    case report_format::json: {
        json a = json::array();
        for (const auto& c : cs) a.push_back(campaign_json(c, opt.lang, opt.utc_offset));
        return json{{"campaigns", a}, {"lang", opt.lang}, {"org_domains", opt.org_domains}}.dump(
                   2, ' ', false, json::error_handler_t::replace) +
               "\n";
    }
    case report_format::csv:
        out =
            "first_seen,last_seen,impersonated_organisation,impersonated_person,summary,count,real_sender,"
            "own_org_impersonated,verdict,campaign,abused_accounts\r\n";
        for (const auto& c : cs) {
            row r = make_row(c, opt.lang, opt.utc_offset);
            out += fmt::format("{},{},{},{},{},{},{},{},{},{},{}\r\n", r.first, r.last, csv_cell(r.organisation),
                               csv_cell(r.person), csv_cell(r.summary), r.count, csv_cell(r.senders),
                               c.own_org_impersonated ? "yes" : "no", r.verdict, r.id, csv_cell(r.abused));
        }
        return out;
    case report_format::markdown:
        out = fmt::format("| {} | {} | {} | {} | {} | {} | {} |\n|---|---|---|---|---:|---|---|\n", h.period, h.org,
                          h.person, h.summary, h.count, h.senders, h.id);
        for (const auto& c : cs) {
            row r = make_row(c, opt.lang, opt.utc_offset);
            out += fmt::format("| {} | {}{} | {} | {} | {} | {} | {} |\n", r.period, md_cell(r.organisation),
                               r.own ? (ja(opt.lang) ? " (自組織)" : " (our organisation)") : "", md_cell(r.person),
                               md_cell(r.summary), r.count, md_cell(r.senders), r.id);
        }
        if (cs.empty()) out += ja(opt.lang) ? "\nキャンペーンはありません。\n" : "\nNo campaigns.\n";
        return out;
    case report_format::html: {
        out = fmt::format(
            "<!DOCTYPE html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\">"
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">"
            "<title>{}</title><style>"
            "body{{font-family:system-ui,'Hiragino Sans','Noto Sans CJK JP',sans-serif;margin:2em;color:#222}}"
            "table{{border-collapse:collapse;width:100%}}th,td{{border:1px solid #ccc;padding:.4em .6em;"
            "vertical-align:top;text-align:left}}th{{background:#f0f0f0}}td.n{{text-align:right}}"
            "tr.own td{{background:#fff4e5}}.muted{{color:#777;font-size:.9em}}</style></head><body>\n"
            "<h1>{}</h1>\n<p class=\"muted\">{}</p>\n<table>\n<thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th>"
            "<th>{}</th><th>{}</th><th>{}</th></tr></thead>\n<tbody>\n",
            ja(opt.lang) ? "ja" : "en", ja(opt.lang) ? "replyguard キャンペーン一覧" : "replyguard campaigns",
            ja(opt.lang) ? "返信型メール攻撃のキャンペーン一覧" : "Reply-chain hijacking campaigns",
            html_escape(fmt::format(
                "{} {}", cs.size(),
                ja(opt.lang)
                    ? (opt.utc_offset ? fmt::format("件のキャンペーン（日付はUTC{:+g}時間）", opt.utc_offset / 3600.0)
                                      : std::string("件のキャンペーン（日付はUTC）"))
                : opt.utc_offset ? fmt::format("campaign(s); dates are UTC{:+g}h", opt.utc_offset / 3600.0)
                                 : std::string("campaign(s); dates are UTC"))),
            h.period, h.org, h.person, h.summary, h.count, h.senders, h.id);
        for (const auto& c : cs) {
            row r = make_row(c, opt.lang, opt.utc_offset);
            out += fmt::format(
                "<tr class=\"campaign{}\" data-id=\"{}\"><td>{}</td><td>{}{}</td><td>{}</td><td>{}</td><td class=\"n\">{}"
                "</td><td>{}</td><td>{}</td></tr>\n",
                r.own ? " own" : "", html_escape(r.id), html_escape(r.period), html_escape(r.organisation),
                r.own ? (ja(opt.lang) ? " <strong>(自組織)</strong>" : " <strong>(our organisation)</strong>") : "",
                html_escape(r.person), html_escape(r.summary), r.count, html_escape(r.senders), html_escape(r.id));
        }
        out += "</tbody></table>\n</body></html>\n";
        return out;
    }
    }
    return out;
}

namespace {

/// The advisory's wording in one language; advisory() builds both from one
/// structure, so the Japanese and English texts cannot drift apart.
struct advisory_words {
    std::string_view lang, sep;
    std::string_view title;  ///< {} = the organisation's domains
    std::string_view greeting, impersonated, abused_before, abused_after;
    std::string_view campaign_head;  ///< {} = id, period, count
    std::string_view summary, people, subjects, senders, relays, attachment_names, attachment_sha256, url_hosts;
    std::string_view todo_head, todo_abused_before, todo_abused_after;
    std::string_view todo_impersonated;  ///< {} = the organisation's domains
    std::string_view closing;
};

constexpr advisory_words k_advisory_ja{
    .lang = "ja",
    .sep = "、",
    .title = "# 【注意喚起】当社（{}）を装った不審なメールについて\n\n",
    .greeting = "平素より大変お世話になっております。\n",
    .impersonated =
        "当社の社員や当社との過去のメールのやり取りを装った不審なメールが、取引先の皆様に送られていることを確認しました。"
        "これらのメールは当社から送信されたものではありません。\n",
    .abused_before = "また、当社のメールアカウント（",
    .abused_after = "）が第三者に不正利用され、当社のメールサーバから不審なメールが送信されたことを確認しました。\n",
    .campaign_head = "## {}（{}、{}件）\n\n",
    .summary = "- 概要: ",
    .people = "- 差出人の表示名（なりすまされた名前）: ",
    .subjects = "- 件名の例: ",
    .senders = "- 実際の送信元アドレス: ",
    .relays = "- 送信元サーバ: ",
    .attachment_names = "- 添付ファイル名: ",
    .attachment_sha256 = "- 添付ファイルのSHA-256: ",
    .url_hosts = "- 本文中のリンク先ホスト: ",
    .todo_head = "### お願い\n\n",
    .todo_abused_before = "- 上記の期間に ",
    .todo_abused_after =
        " から届いた、添付ファイル・パスワード付きZIP・ダウンロードリンクのあるメールは、"
        "当社のドメインからであっても開かずに削除してください。\n",
    .todo_impersonated =
        "- 当社からのメールは {} のドメインから送信されます。表示名が当社の社員名でも、"
        "メールアドレスのドメインが異なるものは当社からのメールではありません。\n",
    .closing =
        "- 上記のようなメールを受信された場合は、添付ファイルを開かず、本文に記載されたパスワードでZIPファイルを展開せず、"
        "リンクをクリックせずに削除してください。\n"
        "- 心当たりのないメールや不審なメールについては、メール以外の方法（お電話など）で当社担当者にご確認ください。\n"
        "- 既に開いてしまった場合は、端末をネットワークから切り離し、貴社のシステム管理者にご相談ください。\n\n"
        "ご迷惑とご心配をおかけし、誠に申し訳ございません。\n",
};

constexpr advisory_words k_advisory_en{
    .lang = "en",
    .sep = ", ",
    .title = "# Warning: suspicious mail impersonating {}\n\n",
    .greeting = "",
    .impersonated =
        "We have found that suspicious mail pretending to come from our staff, or continuing past "
        "conversations with us, is being sent to our partners. This mail was not sent by us.\n",
    .abused_before = "We have also found that our mail account(s) ",
    .abused_after = " were abused by a third party: suspicious mail was sent through our own mail servers.\n",
    .campaign_head = "## {} ({}, {} message(s))\n\n",
    .summary = "- Summary: ",
    .people = "- Sender names shown (impersonated): ",
    .subjects = "- Example subjects: ",
    .senders = "- Addresses it really came from: ",
    .relays = "- Sending servers: ",
    .attachment_names = "- Attachment names: ",
    .attachment_sha256 = "- Attachment SHA-256: ",
    .url_hosts = "- Link hosts: ",
    .todo_head = "### What to do\n\n",
    .todo_abused_before = "- Mail from ",
    .todo_abused_after =
        " in the period above that carries an attachment, a password ZIP or a download link: do not open it, "
        "delete it, even though it comes from our domain.\n",
    .todo_impersonated =
        "- Our mail is sent from {} only. Mail showing one of our staff's names but another domain "
        "in the address is not from us.\n",
    .closing =
        "- If you receive such mail, do not open its attachments, do not extract a ZIP with a password given in the "
        "mail, do not click its links; delete it.\n"
        "- When in doubt, check with your contact at our company by phone or another channel than mail.\n"
        "- If an attachment or link was already opened, disconnect the computer from the network and contact your "
        "IT administrator.\n\n"
        "We apologise for the trouble and concern this may cause.\n",
};

}  // namespace

std::string advisory(const std::vector<campaign>& cs, const report_options& opt) {
    // Campaigns impersonating us, and those our own abused accounts sent (the
    // milter's outbound events): partners must hear of both, in other words.
    std::vector<const campaign*> own;
    bool impersonated = false;
    std::vector<std::string> abused;
    for (const auto& c : cs) {
        if (!c.own_org_impersonated && c.abused_accounts.empty()) continue;
        own.push_back(&c);
        impersonated = impersonated || c.own_org_impersonated;
        for (const auto& a : c.abused_accounts)
            if (std::find(abused.begin(), abused.end(), a) == abused.end()) abused.push_back(a);
    }
    std::string org = join(opt.org_domains, ", ");
    if (opt.org_domains.empty())
        return "No organisation domains configured ([org] domains in --config): cannot tell which campaigns "
               "impersonate us.\n組織のドメインが設定されていないため（--config の [org] domains）、"
               "自組織へのなりすましを判定できません。\n";
    if (own.empty())
        return fmt::format(
            "No campaign impersonates {} in the stored detections: no advisory to publish.\n"
            "保存された検知の中に {} へのなりすましはありません。注意喚起は不要です。\n",
            org, org);

    auto text = [&](const advisory_words& w) {
        std::string s = fmt::format(fmt::runtime(w.title), org);
        s += w.greeting;
        if (impersonated) s += w.impersonated;
        if (!abused.empty()) s += std::string(w.abused_before) + join(abused, w.sep) + std::string(w.abused_after);
        s += "\n";
        for (const campaign* c : own) {
            auto line = [&](std::string_view label, const std::vector<std::string>& v, std::string_view sep) {
                if (!v.empty()) s += std::string(label) + join(v, sep) + "\n";
            };
            s += fmt::format(fmt::runtime(w.campaign_head), c->id, period(*c, opt.utc_offset), c->count);
            s += std::string(w.summary) + summary(*c, w.lang) + "\n";
            line(w.people, people_of(*c), w.sep);
            line(w.subjects, c->subjects, " / ");
            line(w.senders, c->senders, w.sep);
            line(w.relays, c->relays, w.sep);
            line(w.attachment_names, c->attachment_names, w.sep);
            line(w.attachment_sha256, c->attachment_sha256, w.sep);
            line(w.url_hosts, c->url_hosts, w.sep);
            s += "\n";
        }
        s += w.todo_head;
        if (!abused.empty())
            s += std::string(w.todo_abused_before) + join(abused, w.sep) + std::string(w.todo_abused_after);
        if (impersonated) s += fmt::format(fmt::runtime(w.todo_impersonated), org);
        s += w.closing;
        return s;
    };
    const std::string ja_text = text(k_advisory_ja), en_text = text(k_advisory_en);
    return ja(opt.lang) ? ja_text + "\n---\n\n" + en_text : en_text + "\n---\n\n" + ja_text;
}

}  // namespace replyguard::campaign
