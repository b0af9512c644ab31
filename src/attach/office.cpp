// SPDX-License-Identifier: Apache-2.0
// attach/office.cpp - entry point of the Office analysers, their symbols and shared helpers
//
// DESCRIPTION
//   analyse_office() recognises the container by its magic (never by name or by
//   the sniffed type, which an attacker controls through the extension) and
//   dispatches: OLE2 -> ole.cpp, zip with [Content_Types].xml -> ooxml.cpp,
//   SYLK -> xlm.cpp. Each analysed file adds one object to
//   rep.details["office"]: {path, format, vba{...}, xlm{...}, external[...],
//   dde[...], encryption{...}}.
//
// DIAGNOSTICS
//   Findings (group "payload"): see k_* below. A finding id is raised once per
//   attachment report even when several members or nested files trigger it.
#include "attach/ids.hpp"
#include "attach/office_internal.hpp"

#include <glib.h>

#include <algorithm>

namespace replyguard::attach {
namespace office {

// Scores: presence of VBA alone is common in business mail (old templates), so it is
// moderate; mraptor's A and (W or X) and the delivery tricks of Emotet-style campaigns
// (remote templates, DDE, auto-opening default password) score high.
const symbol_info k_vba_macro{ids::OFFICE_VBA_MACRO, "payload", 3.0, "Office document contains VBA macros",
                              "Office 文書に VBA マクロが含まれている"};
const symbol_info k_vba_autoexec{"OFFICE_VBA_AUTOEXEC", "payload", 2.0,
                                 "VBA macro runs automatically when the document is opened or closed",
                                 "VBA マクロが文書を開く・閉じる時に自動実行される"};
const symbol_info k_vba_suspicious{"OFFICE_VBA_SUSPICIOUS", "payload", 8.0,
                                   "auto-run VBA macro that writes files or runs commands (mraptor: A and (W or X))",
                                   "自動実行される VBA マクロがファイル書き込みまたはコマンド実行を行う(mraptor 判定)"};
const symbol_info k_vba_keywords{"OFFICE_VBA_SUSPICIOUS_KEYWORDS", "payload", 1.0,
                                 "VBA code uses keywords typical of droppers (olevba list)",
                                 "VBA コードにダウンローダ特有のキーワードがある(olevba の一覧)"};
const symbol_info k_vba_stomping{"OFFICE_VBA_STOMPING", "payload", 6.0,
                                 "VBA module has compiled P-code but no source (VBA stomping)",
                                 "VBA モジュールに P-code だけがありソースがない(VBA stomping)"};
const symbol_info k_xlm_macro{ids::OFFICE_XLM_MACRO, "payload", 4.0, "workbook contains Excel 4.0 (XLM) macros",
                              "ブックに Excel 4.0 (XLM) マクロが含まれている"};
const symbol_info k_xlm_hidden_sheet{"OFFICE_XLM_HIDDEN_SHEET", "payload", 3.0,
                                     "Excel 4.0 macro sheet is hidden or very hidden",
                                     "Excel 4.0 マクロシートが非表示(または完全非表示)になっている"};
const symbol_info k_xlm_suspicious{"OFFICE_XLM_SUSPICIOUS", "payload", 5.0,
                                   "Excel 4.0 macro calls EXEC, CALL, REGISTER, RUN or a download API",
                                   "Excel 4.0 マクロが EXEC・CALL・REGISTER・RUN やダウンロード API を呼ぶ"};
const symbol_info k_external_template{ids::OFFICE_EXTERNAL_TEMPLATE, "payload", 6.0,
                                      "document loads a remote template or frame (template injection)",
                                      "文書が外部のテンプレートやフレームを読み込む(テンプレートインジェクション)"};
const symbol_info k_external_ole_link{ids::OFFICE_EXTERNAL_OLE_LINK, "payload", 4.0,
                                      "document links an external OLE object",
                                      "文書が外部の OLE オブジェクトにリンクしている"};
const symbol_info k_dde{ids::OFFICE_DDE, "payload", 6.0, "document contains a DDE/DDEAUTO field or DDE link",
                        "文書に DDE/DDEAUTO フィールドまたは DDE リンクがある"};
const symbol_info k_macro_enabled_type{"OFFICE_MACRO_ENABLED_TYPE", "payload", 0.5,
                                       "OOXML package declares a VBA project part (macro-enabled)",
                                       "OOXML パッケージが VBA プロジェクトを宣言している(マクロ有効)"};
const symbol_info k_encrypted{ids::OFFICE_ENCRYPTED, "payload", 2.0,
                              "Office document is encrypted (contents hidden from scanners)",
                              "Office 文書が暗号化されている(スキャナから内容が隠される)"};
const symbol_info k_default_password{
    "OFFICE_DEFAULT_PASSWORD", "payload", 4.0,
    "document is encrypted with Excel's default password VelvetSweatshop (opens without prompt)",
    "Excel の既定パスワード VelvetSweatshop で暗号化されている(確認なしで開く)"};
const symbol_info k_body_password{"OFFICE_BODY_PASSWORD", "payload", 3.0,
                                  "encrypted document opens with a password given in the mail",
                                  "暗号化文書がメール本文のパスワードで開ける"};
const symbol_info k_malformed{"OFFICE_MALFORMED", "payload", 1.0,
                              "Office container is malformed and could not be fully read",
                              "Office 文書の構造が壊れていて完全には読めない"};

void emit(office_ctx& c, const symbol_info& sym, std::string detail, nlohmann::json evidence) {
    for (const auto& f : c.rep.findings)
        if (f.id == sym.id) return;
    if (evidence.is_null()) evidence = nlohmann::json::object();
    if (evidence.is_object()) evidence["path"] = utf8_clean(c.f.path.empty() ? c.f.name : c.f.path, 512);
    c.rep.findings.push_back(
        finding{std::string(sym.id), std::string(sym.group), sym.score, utf8_clean(detail, 512), std::move(evidence)});
}

std::string utf8_clean(std::string_view s, std::size_t max) {
    std::string out;
    out.reserve(std::min(s.size(), max == std::string::npos ? s.size() : max));
    std::size_t i = 0;
    while (i < s.size()) {
        const auto b = static_cast<unsigned char>(s[i]);
        std::size_t n = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : (b >> 3) == 30 ? 4 : 0;
        bool ok = n != 0 && i + n <= s.size();
        for (std::size_t k = 1; ok && k < n; ++k) ok = (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
        if (ok && n == 2) ok = b >= 0xC2;
        if (ok && n == 3) {
            const auto b1 = static_cast<unsigned char>(s[i + 1]);
            ok = !(b == 0xE0 && b1 < 0xA0) && !(b == 0xED && b1 >= 0xA0);
        }
        if (ok && n == 4) {
            const auto b1 = static_cast<unsigned char>(s[i + 1]);
            ok = b <= 0xF4 && !(b == 0xF0 && b1 < 0x90) && !(b == 0xF4 && b1 >= 0x90);
        }
        std::string_view piece = ok ? s.substr(i, n) : std::string_view("\xEF\xBF\xBD");
        if (ok && n == 1 && b == 0) piece = " ";  // NUL would end C strings downstream (YARA, logs)
        if (max != std::string::npos && out.size() + piece.size() > max) break;
        out.append(piece);
        i += ok ? n : 1;
    }
    return out;
}

std::string codepage_to_utf8(std::string_view s, std::uint16_t codepage) {
    if (codepage == 65001 || s.empty()) return utf8_clean(s);
    const std::string cs = codepage == 1200    ? "UTF-16LE"
                           : codepage == 10000 ? "MACINTOSH"
                                               : "CP" + std::to_string(codepage);
    gsize written = 0;
    GError* err = nullptr;
    gchar* out = g_convert(s.data(), static_cast<gssize>(s.size()), "UTF-8", cs.c_str(), nullptr, &written, &err);
    if (err) g_error_free(err);
    if (!out) return utf8_clean(s);
    std::string r = utf8_clean(std::string_view(out, written));
    g_free(out);
    return r;
}

bool take_budget(analysis_state& st, std::uint64_t n) {
    if (n > st.bytes_budget) return false;
    st.bytes_budget -= n;
    return true;
}

// Office nesting (decrypted package -> zip -> embedded OLE) adds at most a few levels
// beyond the archive nesting the dispatcher allows.
bool may_descend(const office_ctx& c) { return static_cast<std::size_t>(c.f.depth) + 1 <= c.st.lim.archive_depth + 2; }

bool analyse_nested(office_ctx& c, std::string_view data, std::string_view suffix) {
    if (!may_descend(c)) {
        c.entry["limits"].push_back("depth");
        return false;
    }
    file_view inner;
    inner.name = c.f.name;
    inner.data = data;
    inner.path = std::string(c.f.path.empty() ? c.f.name : c.f.path) + std::string(suffix);
    inner.depth = c.f.depth + 1;
    return analyse_office(inner, c.st, c.rep);
}

}  // namespace office

bool analyse_office(const file_view& f, analysis_state& st, attachment_report& rep) {
    using namespace office;
    // Nothing below throws on content by design; the catch is the last line of defence
    // (bad_alloc, a json type error) so that one document never aborts the scan.
    // Running out of memory is a limit hit (ANALYSIS_LIMIT, the result is incomplete),
    // never a quietly clean document: what was found before it stays in `rep`.
    office_ctx c{f, st, rep};
    bool recognised = false;
    try {
        c.entry["path"] = utf8_clean(f.path.empty() ? f.name : f.path, 1024);
        std::string format;
        bool ok = false;
        if (is_ole(f.data)) {
            format = "ole2";
            c.entry["format"] = format;
            recognised = true;
            ok = analyse_ole(c, f.data);
        } else if (is_zip(f.data)) {
            format = "ooxml";
            c.entry["format"] = format;
            ok = analyse_ooxml(c, f.data);
        } else {
            format = "slk";
            c.entry["format"] = format;
            ok = analyse_slk(c, f.data);
        }
        if (!ok) return false;
        recognised = true;
        finish_xlm(c);
        if (rep.kind.empty() && f.depth == 0) rep.kind = format;
        if (!rep.details.is_object()) rep.details = nlohmann::json::object();
        if (auto v = c.entry.find("vba"); v != c.entry.end() && v->is_object())
            rep.vba_sources.push_back(v->value("source", std::string()));
        rep.details["office"].push_back(std::move(c.entry));
        return true;
    } catch (const std::bad_alloc&) {
        limit_stop(st, rep, false, "Office analysis ran out of memory", f.path.empty() ? f.name : f.path);
        return recognised;
    } catch (...) {
        return false;
    }
}

std::vector<symbol_info> office_symbols() {
    using namespace office;
    return {k_vba_macro, k_vba_autoexec,       k_vba_suspicious, k_vba_keywords,      k_vba_stomping,
            k_xlm_macro, k_xlm_hidden_sheet,   k_xlm_suspicious, k_external_template, k_external_ole_link,
            k_dde,       k_macro_enabled_type, k_encrypted,      k_default_password,  k_body_password,
            k_malformed};
}

}  // namespace replyguard::attach
