// SPDX-License-Identifier: Apache-2.0
// attach/xlm.cpp - Excel 4.0 (XLM) macro sheets: BIFF5/8, OOXML xml/xlsb parts, SYLK
//
// DESCRIPTION
//   BIFF: BOUNDSHEET (0x85) records name the sheets, their type (1 = macro
//   sheet, as ClamAV's ContainsMacros.XLM) and visibility (hsState: visible,
//   hidden, very hidden). Inside a macro sheet substream (BOF dt 0x40), FORMULA
//   records' parsed expressions (MS-XLS 2.5.198 Rgce) are decoded to a readable
//   text with a small RPN walk, LABEL/STRING records give the cell strings.
//   FILEPASS (0x2F) means the workbook is encrypted; the records after it are
//   not read (their bodies are RC4/XOR ciphertext).
//   OOXML: xl/macrosheets/*.xml <f> elements; xlsb macro sheets (*.bin) are
//   reported with their UTF-16 strings (their formulas are not decoded).
//   SYLK: ";E" formula fields of C records that call macro-only functions.
//
// LIMITS
//   At most k_max_formulas formulas of at most k_max_formula_chars each are kept.
#include "attach/office_internal.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>
#include <utility>

namespace replyguard::attach::office {
namespace {

constexpr std::size_t k_max_formulas = 200;
constexpr std::size_t k_max_formula_chars = 512;
constexpr std::size_t k_max_strings = 100;

// Ftab / Cetab ids (MS-XLS 2.5.198.17/.18) of the functions that matter for triage.
struct fn {
    std::uint16_t id;
    std::string_view name;
};
constexpr std::array<fn, 20> k_ftab{{{1, "IF"},      {4, "SUM"},        {30, "REPT"},   {31, "MID"},
                                     {32, "LEN"},    {36, "AND"},       {37, "OR"},     {38, "NOT"},
                                     {53, "GOTO"},   {54, "HALT"},      {55, "RETURN"}, {88, "SET.NAME"},
                                     {89, "CALLER"}, {110, "EXEC"},     {111, "CHAR"},  {149, "REGISTER"},
                                     {150, "CALL"},  {148, "INDIRECT"}, {65, "DATE"},   {56, "PV"}}};
constexpr std::array<fn, 5> k_cetab{
    {{0x11, "RUN"}, {0x06, "FILE.DELETE"}, {0x05, "SAVE.AS"}, {0x01, "OPEN"}, {0x76, "ALERT"}}};

// Functions that only make sense in macros (SYLK formulas are XLM when they use one).
constexpr std::array<std::string_view, 18> k_macro_only{
    "EXEC",  "CALL",   "REGISTER", "RUN",    "HALT",      "ALERT",    "FORMULA",       "GOTO",    "RETURN",
    "FOPEN", "FWRITE", "FWRITELN", "FCLOSE", "SET.VALUE", "SET.NAME", "WORKBOOK.HIDE", "ON.TIME", "REGISTER.ID"};
constexpr std::array<std::string_view, 4> k_xlm_exec{"EXEC", "CALL", "REGISTER", "RUN"};
constexpr std::array<std::string_view, 7> k_xlm_iocs{"urldownloadtofile", "http://",  "https://", "powershell",
                                                     "shell32",           "rundll32", "regsvr32"};

std::string fname(std::uint16_t tab, bool command) {
    if (command) {
        for (const auto& f : k_cetab)
            if (f.id == tab) return std::string(f.name);
        return "CMD_" + std::to_string(tab);
    }
    for (const auto& f : k_ftab)
        if (f.id == tab) return std::string(f.name);
    return "FUNC_" + std::to_string(tab);
}

nlohmann::json& xlm(office_ctx& c) {
    auto& x = c.entry["xlm"];
    if (!x.is_object())
        x = {{"sheets", nlohmann::json::array()},
             {"formulas", nlohmann::json::array()},
             {"functions", nlohmann::json::array()},
             {"strings", nlohmann::json::array()}};
    return x;
}

void add_formula(office_ctx& c, std::string_view text) {
    auto& f = xlm(c)["formulas"];
    if (f.size() < k_max_formulas) f.push_back(utf8_clean(text, k_max_formula_chars));
}
void add_function(office_ctx& c, std::string_view name) {
    auto& f = xlm(c)["functions"];
    for (const auto& e : f)
        if (e.get<std::string>() == name) return;
    if (f.size() < 500) f.push_back(std::string(name));
}
void add_string(office_ctx& c, std::string_view s) {
    auto& f = xlm(c)["strings"];
    if (f.size() < k_max_strings && !s.empty()) f.push_back(utf8_clean(s, k_max_formula_chars));
}

/// NAME( tokens of a textual formula.
void functions_of_text(office_ctx& c, std::string_view f) {
    std::size_t i = 0;
    while (i < f.size()) {
        if (!(std::isalpha(static_cast<unsigned char>(f[i])) || f[i] == '_')) {
            ++i;
            continue;
        }
        std::size_t j = i;
        while (j < f.size() && (std::isalnum(static_cast<unsigned char>(f[j])) || f[j] == '.' || f[j] == '_')) ++j;
        if (j < f.size() && f[j] == '(') {
            std::string n(f.substr(i, j - i));
            for (auto& ch : n) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
            if (n.starts_with("_XLFN.")) n.erase(0, 6);
            add_function(c, n);
        }
        i = j;
    }
}

/// BIFF8 XLUnicodeString (cch u16 / u8, flags, chars) at `off`; BIFF5 strings are 8-bit.
std::string biff_string(bytes d, std::size_t off, bool biff8, bool short_cch) {
    if (off >= d.size()) return {};
    std::size_t cch = short_cch ? d[off] : le16(d, off);
    off += short_cch ? 1 : 2;
    if (!biff8) {
        cch = std::min(cch, d.size() - off);
        return codepage_to_utf8(as_sv(d.subspan(off, cch)), 1252);
    }
    if (off >= d.size()) return {};
    const bool wide = d[off] & 1;
    ++off;
    const std::size_t nbytes = std::min(cch * (wide ? 2 : 1), d.size() - off);
    return codepage_to_utf8(as_sv(d.subspan(off, nbytes)), wide ? 1200 : 1252);
}

std::string fmt_stack(const std::vector<std::string>& st) {
    std::string r;
    for (const auto& s : st) r += (r.empty() ? "" : " ") + s;
    return r;
}

/// Decode a BIFF8 Rgce to readable text (RPN); stops at the first token it does not know.
std::string decode_rgce(office_ctx& c, bytes r) {
    std::vector<std::string> st;
    auto pop = [&]() {
        if (st.empty()) return std::string("?");
        std::string s = std::move(st.back());
        st.pop_back();
        return s;
    };
    static constexpr std::array<std::string_view, 15> k_ops{
        "+", "-", "*", "/", "^", "&", "<", "<=", "=", ">=", ">", "<>", " ", ",", ":"};
    std::size_t p = 0;
    while (p < r.size() && st.size() < 256) {
        const std::uint8_t t = r[p++];
        if (t >= 0x03 && t <= 0x11) {
            std::string b = pop(), a = pop();
            st.push_back(a + std::string(k_ops[t - 0x03]) + b);
            continue;
        }
        switch (t) {
        case 0x12:
        case 0x13:
        case 0x14:
        case 0x15: continue;  // unary +, -, %, parentheses
        case 0x16: st.emplace_back(""); continue;
        case 0x17: {  // ptgStr: ShortXLUnicodeString
            std::string s = biff_string(r, p, true, true);
            const std::size_t cch = p < r.size() ? r[p] : 0;
            const bool wide = p + 1 < r.size() && (r[p + 1] & 1);
            p += 2 + cch * (wide ? 2 : 1);
            add_string(c, s);
            st.push_back("\"" + s + "\"");
            continue;
        }
        case 0x19: {  // ptgAttr
            if (p + 3 > r.size()) return fmt_stack(st);
            const std::uint8_t grbit = r[p];
            const std::uint16_t w = le16(r, p + 1);
            p += 3;
            if (grbit & 0x04) p += 2u * (w + 1u);  // tAttrChoose jump table
            if (grbit & 0x10) st.push_back("SUM(" + pop() + ")");
            continue;
        }
        case 0x1C:
        case 0x1D:
            p += 1;
            st.emplace_back(t == 0x1D ? "BOOL" : "#ERR");
            continue;
        case 0x1E:
            st.push_back(std::to_string(le16(r, p)));
            p += 2;
            continue;
        case 0x1F:
            st.emplace_back("NUM");
            p += 8;
            continue;
        default: break;
        }
        if (t < 0x20) return fmt_stack(st);
        const std::uint8_t base = static_cast<std::uint8_t>((t & 0x1F) | 0x20);
        switch (base) {
        case 0x21: {  // ptgFunc (fixed arity: unknown to us, arguments stay on the stack)
            const std::string n = fname(le16(r, p), false);
            add_function(c, n);
            st.push_back(n + "()");
            p += 2;
            break;
        }
        case 0x22: {  // ptgFuncVar
            if (p + 3 > r.size()) return fmt_stack(st);
            const std::size_t argc = r[p] & 0x7F;
            const std::uint16_t tab = le16(r, p + 1);
            p += 3;
            const std::string n = fname(tab & 0x7FFF, (tab & 0x8000) != 0);
            add_function(c, n);
            std::vector<std::string> args;
            for (std::size_t k = 0; k < argc; ++k) args.push_back(pop());
            std::string call = n + "(";
            for (std::size_t k = args.size(); k-- > 0;) {
                call += args[k];
                if (k) call += ",";
            }
            st.push_back(call + ")");
            break;
        }
        case 0x20:
            p += 7;
            st.emplace_back("{array}");
            break;
        case 0x23:
            p += 4;
            st.emplace_back("NAME");
            break;
        case 0x24:
        case 0x2A:
        case 0x2C:
            st.push_back("R" + std::to_string(le16(r, p) + 1) + "C" + std::to_string((le16(r, p + 2) & 0x3FFF) + 1));
            p += 4;
            break;
        case 0x25:
        case 0x2B:
        case 0x2D:
            p += 8;
            st.emplace_back("AREA");
            break;
        case 0x26:
        case 0x27:
        case 0x28: p += 6; break;
        case 0x29: p += 2; break;
        case 0x39:
            p += 6;
            st.emplace_back("NAMEX");
            break;
        case 0x3A:
        case 0x3C:
            p += 6;
            st.emplace_back("REF3D");
            break;
        case 0x3B:
        case 0x3D:
            p += 10;
            st.emplace_back("AREA3D");
            break;
        default: return fmt_stack(st);
        }
    }
    return fmt_stack(st);
}

}  // namespace

void analyse_biff_workbook(office_ctx& c, std::string_view workbook, bool decrypted) {
    const bytes d = as_bytes(workbook);
    bool biff8 = true;
    bool first_bof = true;
    bool in_macro = false;
    std::size_t pos = 0;
    while (pos + 4 <= d.size()) {
        const std::uint16_t op = le16(d, pos);
        const std::size_t len = std::min<std::size_t>(le16(d, pos + 2), d.size() - pos - 4);
        const bytes rec = d.subspan(pos + 4, len);
        pos += 4 + len;
        switch (op) {
        case 0x0809:  // BOF (BIFF5/8)
            if (first_bof) {
                biff8 = le16(rec, 0) == 0x0600;
                first_bof = false;
            }
            in_macro = le16(rec, 2) == 0x0040;
            break;
        case 0x000A: in_macro = false; break;
        case 0x002F:  // FILEPASS: the rest is ciphertext; read it again once decrypted
            if (decrypted) return;
            if (auto plain = biff_decrypt(c, workbook, pos - 4 - len)) analyse_biff_workbook(c, *plain, true);
            return;
        case 0x0085: {  // BOUNDSHEET
            if (rec.size() < 7) break;
            const std::uint8_t state = rec[4] & 0x03;
            const std::uint8_t type = rec[5];
            const std::string name = biff_string(rec, 6, biff8, true);
            const char* st = state == 0 ? "visible" : state == 1 ? "hidden" : "very hidden";
            if (c.entry["biff_sheets"].size() < 256)
                c.entry["biff_sheets"].push_back({{"name", name}, {"type", type}, {"state", st}});
            if (type != 0x01) break;
            xlm(c)["sheets"].push_back({{"name", name}, {"state", st}, {"source", "biff"}});
            break;
        }
        case 0x0006:  // FORMULA
            if (in_macro && biff8 && rec.size() >= 22) {
                const std::size_t cce = std::min<std::size_t>(le16(rec, 20), rec.size() - 22);
                add_formula(c, decode_rgce(c, rec.subspan(22, cce)));
            }
            break;
        case 0x0204:  // LABEL
            if (in_macro) add_string(c, biff_string(rec, 6, biff8, false));
            break;
        case 0x0207:  // STRING (formula result)
            if (in_macro) add_string(c, biff_string(rec, 0, biff8, false));
            break;
        default: break;
        }
    }
}

void analyse_xlm_part(office_ctx& c, std::string_view path, std::string_view data, std::string_view sheet_state) {
    xlm(c)["sheets"].push_back({{"name", utf8_clean(path, 256)},
                                {"state", sheet_state.empty() ? "unknown" : std::string(sheet_state)},
                                {"source", path.ends_with(".bin") ? "xlsb" : "xml"}});
    if (path.ends_with(".bin")) {
        // XLSB: keep the UTF-16LE strings (cell strings, string constants of formulas).
        std::string cur;
        for (std::size_t i = 0; i + 1 < data.size(); i += 2) {
            const auto lo = static_cast<unsigned char>(data[i]);
            if (data[i + 1] == 0 && lo >= 0x20 && lo < 0x7F) {
                cur.push_back(static_cast<char>(lo));
                continue;
            }
            if (cur.size() >= 4) {
                add_string(c, cur);
                functions_of_text(c, cur);
            }
            cur.clear();
        }
        if (cur.size() >= 4) add_string(c, cur);
        return;
    }
    std::size_t p = 0;
    while ((p = data.find("<f", p)) != std::string_view::npos) {
        p += 2;
        if (p >= data.size() || (data[p] != '>' && data[p] != ' ')) continue;
        const auto gt = data.find('>', p);
        if (gt == std::string_view::npos) break;
        if (data[gt - 1] == '/') {
            p = gt;
            continue;
        }
        const auto end = data.find("</f>", gt);
        if (end == std::string_view::npos) break;
        std::string f(data.substr(gt + 1, end - gt - 1));
        for (auto [from, to] :
             {std::pair{"&quot;", "\""}, {"&apos;", "'"}, {"&lt;", "<"}, {"&gt;", ">"}, {"&amp;", "&"}})
            for (std::size_t q = 0; (q = f.find(from, q)) != std::string::npos; q += std::strlen(to))
                f.replace(q, std::strlen(from), to);
        functions_of_text(c, f);
        add_formula(c, f);
        p = end;
    }
}

bool analyse_slk(office_ctx& c, std::string_view data) {
    if (!data.starts_with("ID;")) return false;
    std::vector<std::string> formulas;
    std::size_t pos = 0;
    while (pos < data.size() && formulas.size() < 10000) {
        std::size_t e = data.find('\n', pos);
        if (e == std::string_view::npos) e = data.size();
        std::string_view line = data.substr(pos, e - pos);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        pos = e + 1;
        if (!line.starts_with("C;")) continue;
        // Fields are ';'-separated, ";;" is a literal ';'. The E field runs to the next lone ';'.
        for (std::size_t i = 1; i + 1 < line.size(); ++i) {
            if (line[i] != ';' || line[i + 1] != 'E') continue;
            std::string f;
            std::size_t k = i + 2;
            while (k < line.size()) {
                if (line[k] == ';') {
                    if (k + 1 < line.size() && line[k + 1] == ';') {
                        f.push_back(';');
                        k += 2;
                        continue;
                    }
                    break;
                }
                f.push_back(line[k++]);
            }
            formulas.push_back(std::move(f));
            break;
        }
    }
    c.entry["format"] = "slk";
    bool macro = false;
    for (const auto& f : formulas) {
        std::string up(f);
        for (auto& ch : up) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
        for (auto m : k_macro_only)
            if (up.find(std::string(m) + "(") != std::string::npos) macro = true;
    }
    if (macro) {
        xlm(c)["sheets"].push_back({{"name", "SYLK"}, {"state", "visible"}, {"source", "slk"}});
        for (const auto& f : formulas) {
            functions_of_text(c, f);
            add_formula(c, f);
        }
    }
    return true;
}

void finish_xlm(office_ctx& c) {
    if (!c.entry.contains("xlm")) return;
    auto& x = c.entry["xlm"];
    const auto& sheets = x["sheets"];
    if (sheets.empty()) return;
    std::vector<std::string> names;
    std::vector<std::string> hidden;
    for (const auto& s : sheets) {
        names.push_back(s.value("name", ""));
        const std::string st = s.value("state", "");
        if (st == "hidden" || st == "very hidden")
            hidden.push_back(s.value("name", "") + " (" + s.value("state", "") + ")");
    }
    std::string list;
    for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
    emit(c, k_xlm_macro, "Excel 4.0 macro sheets: " + list,
         {{"sheets", names},
          {"formulas", x["formulas"].size() > 20 ? nlohmann::json(std::vector<nlohmann::json>(
                                                       x["formulas"].begin(), x["formulas"].begin() + 20))
                                                 : x["formulas"]}});
    if (!hidden.empty()) {
        std::string h;
        for (const auto& n : hidden) h += (h.empty() ? "" : ", ") + n;
        emit(c, k_xlm_hidden_sheet, "hidden macro sheets: " + h, {{"sheets", hidden}});
    }
    std::vector<std::string> hits;
    for (const auto& f : x["functions"])
        for (auto e : k_xlm_exec)
            if (f.get<std::string>() == e) hits.emplace_back(e);
    std::string text;
    for (const auto& f : x["formulas"]) text += f.get<std::string>() + "\n";
    for (const auto& s : x["strings"]) text += s.get<std::string>() + "\n";
    for (auto& ch : text) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    for (auto ioc : k_xlm_iocs)
        if (text.find(ioc) != std::string::npos) hits.emplace_back(ioc);
    if (!hits.empty()) {
        std::string h;
        for (const auto& n : hits) h += (h.empty() ? "" : ", ") + n;
        emit(c, k_xlm_suspicious, "Excel 4.0 macro uses: " + h, {{"keywords", hits}});
    }
}

}  // namespace replyguard::attach::office
