// SPDX-License-Identifier: Apache-2.0
// attach/vba.cpp - VBA projects in OLE2 files (MS-OVBA): modules, source, keywords, stomping
//
// DESCRIPTION
//   Follows olevba: a storage named VBA holding a `dir` stream is a project;
//   `dir` is decompressed (MS-OVBA 2.4.1) and parsed for PROJECTCODEPAGE,
//   MODULENAME, MODULESTREAMNAME and MODULEOFFSET; each module stream is
//   decompressed from its offset (the bytes before it are the P-code
//   "performance cache"). Streams outside a project that hold compressed VBA
//   ("\0Attribut" right after a chunk header) or plain "Attribute VB_" text
//   are reported as orphan VBA, as olevba does.
//
//   Own code instead of libgsf's GsfInfileMSVBA / gsf_vba_inflate:
//   - decompression: gsf_vba_inflate has no output bound; MS-OVBA chunks expand
//     up to ~1365x, so a small stream is a decompression bomb. ours stops at max_out.
//   - dir parsing: GsfInfileMSVBA exposes neither MODULEOFFSET (needed to see the
//     P-code part, i.e. stomping) nor the code page (Japanese macros are cp932).
//
//   Keywords: olevba AUTOEXEC_KEYWORDS / SUSPICIOUS_KEYWORDS and mraptor's A, W, X
//   sets, matched case-insensitively on identifier boundaries.
//
// LIMITS
//   Source kept per module: lim.archive_entry_bytes; source exposed in details:
//   k_details_source bytes (for YARA); keyword scan over at most k_scan_bytes.
#include "attach/office_internal.hpp"
#include "core/strings.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <set>

namespace replyguard::attach::office {
namespace {

constexpr std::size_t k_details_source = 256u << 10;
constexpr std::size_t k_scan_bytes = 8u << 20;
constexpr std::size_t k_max_modules = 1000;
// P-code of an empty module (Attribute lines only) is 775..998 bytes in our corpus (Office 2007-2016);
// above this, compiled code exists that the source does not show.
constexpr std::uint32_t k_stomp_pcode_min = 1536;

std::string join(const std::vector<std::string>& v) {
    std::string r;
    for (const auto& s : v) {
        if (!r.empty()) r += ", ";
        r += s;
        if (r.size() > 300) break;
    }
    return r;
}

bool ident_char(char ch) { return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_'; }

/// `kw` (lower case) occurs in `text` (lower case) with no identifier character on either side.
bool has_word(std::string_view text, std::string_view kw) {
    for (std::size_t p = text.find(kw); p != std::string_view::npos; p = text.find(kw, p + 1)) {
        const bool left = p == 0 || !ident_char(text[p - 1]);
        const std::size_t e = p + kw.size();
        const bool right = e >= text.size() || !ident_char(text[e]);
        if (left && right) return true;
    }
    return false;
}

constexpr std::string_view k_autoexec[] = {"AutoExec",
                                           "AutoOpen",
                                           "DocumentOpen",
                                           "AutoExit",
                                           "AutoClose",
                                           "Document_Close",
                                           "DocumentBeforeClose",
                                           "DocumentChange",
                                           "AutoNew",
                                           "Document_New",
                                           "NewDocument",
                                           "Document_Open",
                                           "Document_BeforeClose",
                                           "Auto_Open",
                                           "Workbook_Open",
                                           "Workbook_Activate",
                                           "Auto_Close",
                                           "Workbook_Close",
                                           "Workbook_BeforeClose",
                                           "Worksheet_Calculate"};

// olevba's ActiveX event suffixes (`\w+_(...)`), also used by mraptor's A.
constexpr std::string_view k_events[] = {"Painted",
                                         "Painting",
                                         "GotFocus",
                                         "LostFocus",
                                         "MouseHover",
                                         "Layout",
                                         "Click",
                                         "Change",
                                         "Resize",
                                         "BeforeNavigate2",
                                         "BeforeScriptExecute",
                                         "DocumentComplete",
                                         "DownloadBegin",
                                         "DownloadComplete",
                                         "FileDownload",
                                         "NavigateComplete2",
                                         "NavigateError",
                                         "ProgressChange",
                                         "PropertyChange",
                                         "SetSecureLockIcon",
                                         "StatusTextChange",
                                         "TitleChange",
                                         "MouseMove",
                                         "MouseEnter",
                                         "MouseLeave",
                                         "OnConnecting",
                                         "FollowHyperlink"};

// mraptor A besides the lists above: Auto(Exec|_?Open|_?Close|Exit|New), Document(_?Open|...).
constexpr std::string_view k_mraptor_a_extra[] = {"Auto_Exec", "AutoOpen", "Document_Change", "DocumentBeforeClose",
                                                  "Workbook_Activate"};

constexpr std::string_view k_suspicious[] = {"Environ",
                                             "Open",
                                             "Write",
                                             "Put",
                                             "Output",
                                             "Binary",
                                             "FileCopy",
                                             "CopyFile",
                                             "Kill",
                                             "CreateTextFile",
                                             "ADODB.Stream",
                                             "WriteText",
                                             "SaveToFile",
                                             "Shell",
                                             "vbNormal",
                                             "vbNormalFocus",
                                             "vbHide",
                                             "vbMinimizedFocus",
                                             "vbMaximizedFocus",
                                             "vbNormalNoFocus",
                                             "vbMinimizedNoFocus",
                                             "WScript.Shell",
                                             "Run",
                                             "ShellExecute",
                                             "ShellExecuteA",
                                             "shell32",
                                             "InvokeVerb",
                                             "InvokeVerbEx",
                                             "DoIt",
                                             "MacScript",
                                             "popen",
                                             "libc.dylib",
                                             "dylib",
                                             "Create",
                                             "ShowWindow",
                                             "Lib",
                                             "ExecuteExcel4Macro",
                                             "MkDir",
                                             "Application.AltStartupPath",
                                             "CreateObject",
                                             "GetObject",
                                             "SendKeys",
                                             "AppActivate",
                                             "CallByName",
                                             "Chr",
                                             "ChrB",
                                             "ChrW",
                                             "StrReverse",
                                             "Xor",
                                             "VirtualAlloc",
                                             "RtlMoveMemory",
                                             "WriteProcessMemory",
                                             "SetContextThread",
                                             "QueueApcThread",
                                             "WriteVirtualMemory",
                                             "VirtualProtect",
                                             "URLDownloadToFileA",
                                             "URLDownloadToFileW",
                                             "URLDownloadToFile",
                                             "Msxml2.XMLHTTP",
                                             "Microsoft.XMLHTTP",
                                             "MSXML2.ServerXMLHTTP",
                                             "User-Agent",
                                             "Net.WebClient",
                                             "DownloadFile",
                                             "DownloadString",
                                             "PowerShell",
                                             "noexit",
                                             "ExecutionPolicy",
                                             "noprofile",
                                             "EncodedCommand",
                                             "Invoke-Expression",
                                             "FromBase64String",
                                             "New-Object",
                                             "VBProject",
                                             "VBComponents",
                                             "CodeModule",
                                             "AddFromString",
                                             "AccessVBOM",
                                             "VBAWarnings",
                                             "ProtectedView",
                                             "Application.Visible",
                                             "Win32_Process",
                                             "CALL",
                                             "EXEC",
                                             "REGISTER",
                                             "FORMULA.FILL",
                                             "SetTimer",
                                             "CreateThread",
                                             "GetTickCount",
                                             "RegWrite",
                                             "RegRead",
                                             "Winmgmts",
                                             "Scripting.FileSystemObject",
                                             "bitsadmin",
                                             "certutil"};

constexpr std::string_view k_mraptor_w[] = {"FileCopy",
                                            "CopyFile",
                                            "Kill",
                                            "CreateTextFile",
                                            "VirtualAlloc",
                                            "RtlMoveMemory",
                                            "URLDownloadToFile",
                                            "URLDownloadToFileA",
                                            "AltStartupPath",
                                            "WriteLine",
                                            "ADODB.Stream",
                                            "WriteText",
                                            "SaveToFile",
                                            "SaveAs",
                                            "SaveAsRTF",
                                            "FileSaveAs",
                                            "MkDir",
                                            "RmDir",
                                            "SaveSetting",
                                            "SetAttr"};

constexpr std::string_view k_mraptor_x[] = {"Shell",        "CreateObject", "GetObject",     "SendKeys",
                                            "RUN",          "CALL",         "MacScript",     "FollowHyperlink",
                                            "CreateThread", "ShellExecute", "ShellExecuteA", "ExecuteExcel4Macro",
                                            "EXEC",         "REGISTER",     "SetTimer"};

void add_unique(std::vector<std::string>& v, std::string_view s) {
    if (std::find(v.begin(), v.end(), s) == v.end()) v.emplace_back(s);
}

/// Lines of real code: not blank, not an `Attribute` line.
std::size_t code_lines(std::string_view src) {
    std::size_t n = 0;
    std::size_t pos = 0;
    while (pos < src.size()) {
        std::size_t e = src.find('\n', pos);
        if (e == std::string_view::npos) e = src.size();
        std::string_view line = src.substr(pos, e - pos);
        line = trim(line);
        if (!line.empty() && !starts_with_ci(line, "Attribute ")) ++n;
        pos = e + 1;
    }
    return n;
}

}  // namespace

std::optional<std::string> ovba_decompress(bytes in, std::size_t max_out) {
    if (in.empty() || in[0] != 0x01) return std::nullopt;
    std::string out;
    std::size_t pos = 1;
    while (pos + 2 <= in.size()) {
        const std::uint16_t hdr = le16(in, pos);
        if (((hdr >> 12) & 0x7) != 0x3) break;  // CompressedChunkSignature
        const std::size_t chunk_end = std::min(in.size(), pos + (hdr & 0x0FFF) + 3);
        pos += 2;
        const std::size_t chunk_start = out.size();
        if (!(hdr & 0x8000)) {  // raw chunk: 4096 literal bytes
            const std::size_t n = std::min<std::size_t>(4096, in.size() - pos);
            out.append(reinterpret_cast<const char*>(in.data() + pos), n);
            pos += 4096;
        } else {
            while (pos < chunk_end) {
                const std::uint8_t flags = in[pos++];
                for (int bit = 0; bit < 8 && pos < chunk_end; ++bit) {
                    if (!((flags >> bit) & 1)) {
                        out.push_back(static_cast<char>(in[pos++]));
                        continue;
                    }
                    if (pos + 2 > chunk_end) {
                        pos = chunk_end;
                        break;
                    }
                    const std::uint16_t token = le16(in, pos);
                    pos += 2;
                    const std::size_t diff = out.size() - chunk_start;
                    unsigned bitcount = 4;
                    while (bitcount < 12 && (std::size_t{1} << bitcount) < diff) ++bitcount;
                    const std::uint16_t length_mask = static_cast<std::uint16_t>(0xFFFFu >> bitcount);
                    const std::size_t length = (token & length_mask) + 3u;
                    const std::size_t offset =
                        (static_cast<std::size_t>(token & ~length_mask & 0xFFFF) >> (16 - bitcount)) + 1;
                    if (offset > diff) return out.empty() ? std::nullopt : std::optional<std::string>(std::move(out));
                    for (std::size_t k = 0; k < length; ++k) out.push_back(out[out.size() - offset]);
                }
                if (out.size() > max_out) break;
            }
        }
        if (out.size() > max_out) {
            out.resize(max_out);
            break;
        }
    }
    return out;
}

std::optional<vba_dir> parse_vba_dir(bytes dir) {
    vba_dir d;
    bool any = false;
    std::size_t pos = 0;
    while (pos + 6 <= dir.size()) {
        const std::uint16_t id = le16(dir, pos);
        std::size_t size = le32(dir, pos + 2);
        pos += 6;
        if (id == 0x0009) size = 6;  // PROJECTVERSION: its "size" field is Reserved, 6 bytes follow
        if (size > dir.size() - pos) break;
        const bytes data = dir.subspan(pos, size);
        switch (id) {
        case 0x0003:  // PROJECTCODEPAGE
            if (size >= 2) d.codepage = le16(data, 0);
            any = true;
            break;
        case 0x0019:  // MODULENAME
            if (d.modules.size() >= k_max_modules) return d;
            d.modules.push_back(vba_module{codepage_to_utf8(as_sv(data), d.codepage), {}, 0});
            any = true;
            break;
        case 0x0047:  // MODULENAMEUNICODE
            if (!d.modules.empty() && size > 0) d.modules.back().name = codepage_to_utf8(as_sv(data), 1200);
            break;
        case 0x001A:  // MODULESTREAMNAME
            if (!d.modules.empty()) d.modules.back().stream = codepage_to_utf8(as_sv(data), d.codepage);
            break;
        case 0x0032:  // MODULESTREAMNAMEUNICODE
            if (!d.modules.empty() && size > 0) d.modules.back().stream = codepage_to_utf8(as_sv(data), 1200);
            break;
        case 0x0031:  // MODULEOFFSET
            if (!d.modules.empty() && size >= 4) d.modules.back().offset = le32(data, 0);
            break;
        case 0x0010:  // dir terminator
            return any ? std::optional<vba_dir>(std::move(d)) : std::nullopt;
        default: break;
        }
        pos += size;
    }
    if (!any) return std::nullopt;
    return d;
}

vba_keywords scan_vba_keywords(std::string_view source) {
    vba_keywords k;
    const std::string text = lower(source.substr(0, k_scan_bytes));
    for (auto kw : k_autoexec)
        if (has_word(text, lower(kw))) add_unique(k.autoexec, kw);
    for (auto kw : k_mraptor_a_extra)
        if (has_word(text, lower(kw))) add_unique(k.autoexec, kw);
    for (auto kw : k_suspicious)
        if (has_word(text, lower(kw))) add_unique(k.suspicious, kw);
    for (auto kw : k_mraptor_w)
        if (has_word(text, lower(kw))) add_unique(k.write, kw);
    for (auto kw : k_mraptor_x)
        if (has_word(text, lower(kw))) add_unique(k.exec, kw);

    // Identifier scan for `\w+_<event>` and line scans for `Open ... For Binary` / `Declare ... Lib`.
    std::size_t i = 0;
    while (i < text.size()) {
        if (!ident_char(text[i])) {
            ++i;
            continue;
        }
        std::size_t j = i;
        while (j < text.size() && ident_char(text[j])) ++j;
        std::string_view id(text.data() + i, j - i);
        const auto us = id.rfind('_');
        if (us != std::string_view::npos && us > 0 && us + 1 < id.size()) {
            const std::string_view suffix = id.substr(us + 1);
            for (auto ev : k_events)
                if (suffix == lower(ev)) add_unique(k.autoexec, std::string(source.substr(i, j - i)));
        }
        i = j;
    }
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t e = text.find('\n', pos);
        if (e == std::string::npos) e = text.size();
        const std::string_view line(text.data() + pos, e - pos);
        if (has_word(line, "open")) {
            const auto o = line.find("open");
            const std::string_view rest = line.substr(o + 4);
            for (auto m : {"write", "append", "binary", "output", "random"})
                if (has_word(rest, m)) add_unique(k.write, std::string("Open ... ") + m);
        }
        if (has_word(line, "declare") && has_word(line.substr(line.find("declare") + 7), "lib"))
            add_unique(k.exec, "Declare ... Lib");
        pos = e + 1;
    }
    return k;
}

void analyse_vba(office_ctx& c, const std::vector<ole_stream>& streams) {
    const std::size_t max_src = c.st.lim.archive_entry_bytes;
    const std::string_view where = c.f.path.empty() ? c.f.name : std::string_view(c.f.path);
    nlohmann::json modules = nlohmann::json::array();
    nlohmann::json orphans = nlohmann::json::array();
    std::vector<std::string> stomped;
    // Source kept for the details and YARA (k_details_source and a little more);
    // keywords are scanned module by module, so a module after a huge one is
    // still read (a decompression bomb module must not hide the dropper after it).
    std::string all_source;
    std::size_t all_source_bytes = 0;
    vba_keywords kw;
    std::set<std::string> consumed;  // lower-case paths of module streams already read
    std::optional<std::uint16_t> codepage;
    bool stopped = false;  // a limit stopped decompression: the rest is not read

    auto append_source = [&](std::string_view label, std::string_view src) {
        all_source_bytes += src.size();
        const auto k = scan_vba_keywords(src);
        for (const auto& v : k.autoexec) add_unique(kw.autoexec, v);
        for (const auto& v : k.suspicious) add_unique(kw.suspicious, v);
        for (const auto& v : k.write) add_unique(kw.write, v);
        for (const auto& v : k.exec) add_unique(kw.exec, v);
        if (all_source.size() > k_details_source) return;
        all_source += "' ==== ";
        all_source += label;
        all_source += " ====\n";
        all_source += src.substr(0, k_details_source + 1 - std::min(k_details_source + 1, all_source.size()));
        if (!src.empty() && src.back() != '\n') all_source += '\n';
    };
    // Decompress one module's source under the message's byte budget: the output
    // is bounded by what is left, charged, and a bound that cuts it is a limit hit.
    auto decompress = [&](bytes in, std::string_view stream) -> std::optional<std::string> {
        if (stopped) return std::nullopt;
        if (out_of_time(c.st, c.rep, "VBA decompression", where)) {
            stopped = true;
            return std::nullopt;
        }
        const std::uint64_t room = std::min<std::uint64_t>(max_src, c.st.bytes_budget);
        if (room == 0) {
            limit_stop(c.st, c.rep, false,
                       fmt::format("VBA source not decompressed from {}: the per-message byte budget "
                                   "(limits.archive_bytes = {}) is spent",
                                   utf8_clean(stream, 256), c.st.lim.archive_bytes),
                       where);
            stopped = true;
            return std::nullopt;
        }
        auto d = ovba_decompress(in, static_cast<std::size_t>(room));
        if (!d) return d;
        take_budget(c.st, d->size());
        if (d->size() >= room && room < max_src) {
            limit_stop(c.st, c.rep, false,
                       fmt::format("VBA source of {} cut at {} bytes: the per-message byte budget "
                                   "(limits.archive_bytes = {}) is spent",
                                   utf8_clean(stream, 256), d->size(), c.st.lim.archive_bytes),
                       where);
            stopped = true;
        }
        return d;
    };

    for (const auto& s : streams) {
        const std::string lp = lower(s.path);
        if (!(lp == "vba/dir" || (lp.size() > 8 && lp.ends_with("/vba/dir")))) continue;
        const std::string storage = s.path.substr(0, s.path.size() - 4);  // "…/VBA"
        consumed.insert(lp);
        auto dir_bytes = ovba_decompress(as_bytes(s.data), 1u << 20);
        if (!dir_bytes) continue;
        auto dir = parse_vba_dir(as_bytes(*dir_bytes));
        if (!dir) continue;
        codepage = dir->codepage;
        for (const auto& m : dir->modules) {
            const std::string want = storage + "/" + m.stream;
            const ole_stream* ms = nullptr;
            for (const auto& t : streams)
                if (ieq(t.path, want)) {
                    ms = &t;
                    break;
                }
            nlohmann::json mj{{"name", utf8_clean(m.name, 256)}, {"stream", utf8_clean(m.stream, 256)}};
            if (!ms) {
                mj["missing"] = true;
                modules.push_back(std::move(mj));
                continue;
            }
            consumed.insert(lower(ms->path));
            const bytes mb = as_bytes(ms->data);
            std::string src;
            if (stopped) {
                mj["not_read"] = "limit";
                modules.push_back(std::move(mj));
                continue;
            }
            if (m.offset < mb.size()) {
                if (auto d = decompress(mb.subspan(m.offset), ms->path)) src = codepage_to_utf8(*d, dir->codepage);
            }
            const std::size_t lines = code_lines(src);
            mj["pcode_bytes"] = m.offset;
            mj["source_bytes"] = src.size();
            mj["code_lines"] = lines;
            // Stomping: compiled P-code is present (the performance cache before MODULEOFFSET
            // holds far more than the few hundred bytes an empty module compiles to), yet the
            // source is empty or only Attribute lines. Office runs the P-code.
            if (lines == 0 && m.offset > k_stomp_pcode_min && !stopped) {
                mj["stomped"] = true;
                stomped.push_back(m.name);
            }
            modules.push_back(std::move(mj));
            append_source(m.name, src);
        }
    }

    // Orphan VBA: compressed source ("\0Attribut" just after the chunk header and flag
    // byte) or plain "Attribute VB_" in a stream no project claimed.
    for (const auto& s : streams) {
        if (stopped) break;
        const std::string lp = lower(s.path);
        if (consumed.count(lp)) continue;
        const std::string_view d = s.data;
        std::string src;
        static constexpr std::string_view k_marker{"\0Attribut", 9};
        for (std::size_t p = d.find(k_marker); p != std::string_view::npos && src.empty() && !stopped;
             p = d.find(k_marker, p + 1)) {
            if (p >= 3 && static_cast<unsigned char>(d[p - 3]) == 0x01) {
                if (auto out = decompress(as_bytes(d.substr(p - 3)), s.path);
                    out && out->find("Attribute") != std::string::npos)
                    src = codepage_to_utf8(*out, codepage.value_or(1252));
            }
        }
        if (src.empty()) {
            const auto p = d.find("Attribute VB_");
            if (p != std::string_view::npos) src = codepage_to_utf8(d.substr(p, max_src), codepage.value_or(1252));
        }
        if (src.empty()) continue;
        orphans.push_back(utf8_clean(s.path, 256));
        append_source(s.path, src);
    }

    if (modules.empty() && orphans.empty()) return;

    nlohmann::json vba{{"modules", modules}};
    if (!orphans.empty()) vba["orphans"] = orphans;
    if (codepage) vba["codepage"] = *codepage;
    vba["source"] = utf8_clean(all_source, k_details_source);
    // The dispatcher runs YARA over rep.details["vba_source"] (ioc.cpp check_vba_source).
    if (c.rep.details.is_object()) {
        auto& vs = c.rep.details["vba_source"];
        if (!vs.is_array()) vs = nlohmann::json::array();
        if (vs.size() < 16) vs.push_back(vba["source"]);
    }
    vba["source_truncated"] = all_source_bytes > k_details_source;
    if (stopped) vba["incomplete"] = true;
    vba["autoexec"] = kw.autoexec;
    vba["suspicious"] = kw.suspicious;
    vba["mraptor"] = {{"autoexec", !kw.autoexec.empty()},
                      {"write", kw.write},
                      {"execute", kw.exec},
                      {"suspicious", kw.mraptor_suspicious()}};
    if (!stomped.empty()) vba["stomped"] = stomped;

    std::vector<std::string> names;
    for (const auto& m : modules) names.push_back(m.value("name", ""));
    emit(c, k_vba_macro, names.empty() ? std::string("orphan VBA source") : "VBA modules: " + join(names),
         {{"modules", names}, {"orphans", orphans}});
    if (!kw.autoexec.empty())
        emit(c, k_vba_autoexec, "auto-run entry points: " + join(kw.autoexec), {{"keywords", kw.autoexec}});
    if (kw.mraptor_suspicious()) {
        std::vector<std::string> wx = kw.write;
        wx.insert(wx.end(), kw.exec.begin(), kw.exec.end());
        emit(c, k_vba_suspicious, "auto-run macro with write/execute keywords: " + join(wx),
             {{"autoexec", kw.autoexec}, {"write", kw.write}, {"execute", kw.exec}});
    }
    if (!kw.suspicious.empty())
        emit(c, k_vba_keywords, "suspicious VBA keywords: " + join(kw.suspicious), {{"keywords", kw.suspicious}});
    if (!stomped.empty()) emit(c, k_vba_stomping, "P-code without source in: " + join(stomped), {{"modules", stomped}});
    c.entry["vba"] = std::move(vba);
}

}  // namespace replyguard::attach::office
