// SPDX-License-Identifier: Apache-2.0
// attach/dangerous.cpp - dangerous file types, judged by content first
//
// DESCRIPTION
//   Executables (PE, ELF, Mach-O), Windows shortcuts (LNK), disk images (ISO,
//   UDF, VHD, VHDX, raw FAT/NTFS images), OneNote sections with embedded files,
//   CHM, scripts (by name, and by content since libmagic calls them text/plain),
//   HTML smuggling (a script building a Blob for download), PDF active content,
//   and names built to deceive (invoice.pdf.exe, RLO and invisible characters).
//   Type is judged from the bytes; the name only adds evidence, except for
//   scripts, where the name is what makes Windows run them.
//   Default scores follow rspamd's mime_types (MIME_BAD_EXTENSION 2 times the
//   extension multiplier: 4 for iso/js/lnk/hta/vbs; MIME_DOUBLE_BAD_EXTENSION 3),
//   except OneNote (5.0): the 2023 wave made a .one section alone worth a look.
// LIMITS
//   Content heuristics read the first k_scan_bytes of a file; OneNote embedded
//   files are analysed (recursively) only within limits::archive_depth and at
//   most k_max_embedded per section.
#include "attach/ids.hpp"
#include "attach/internal.hpp"
#include "core/strings.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>

namespace replyguard::attach {
namespace {

constexpr std::array k_symbols{
    symbol_info{ids::ATTACH_EXECUTABLE, "payload", 6.0, "executable program (PE, ELF or Mach-O) attached",
                "実行ファイル(PE/ELF/Mach-O)が添付されている"},
    symbol_info{ids::ATTACH_SCRIPT, "payload", 8.0, "Windows script attached (js, vbs, wsf, hta, ps1, bat...)",
                "Windows スクリプト(js/vbs/wsf/hta/ps1/bat 等)が添付されている"},
    symbol_info{ids::ATTACH_LNK, "payload", 8.0, "Windows shortcut (LNK) attached",
                "Windows ショートカット(LNK)が添付されている"},
    symbol_info{ids::ATTACH_DISK_IMAGE, "payload", 8.0, "disk image (ISO, UDF, IMG, VHD, VHDX) attached",
                "ディスクイメージ(ISO/UDF/IMG/VHD/VHDX)が添付されている"},
    // OneNote: Qakbot's and Emotet's 2023 carrier (a button over an embedded HTA/LNK).
    // Business partners hardly ever mail .one sections: suspicious alone.
    symbol_info{ids::ATTACH_ONENOTE, "payload", 5.0, "OneNote section attached", "OneNote セクションが添付されている"},
    symbol_info{ids::ATTACH_ONENOTE_EMBEDDED, "payload", 6.0, "OneNote section with embedded files",
                "ファイルが埋め込まれた OneNote セクション"},
    symbol_info{ids::ATTACH_CHM, "payload", 6.0, "compiled HTML help (CHM) attached",
                "CHM(コンパイル済みヘルプ)が添付されている"},
    symbol_info{ids::ATTACH_HTML, "payload", 1.0, "HTML file attached", "HTML ファイルが添付されている"},
    symbol_info{ids::ATTACH_HTML_SMUGGLING, "payload", 6.0,
                "HTML attachment that builds a file in the browser (HTML smuggling)",
                "ブラウザ内でファイルを生成する HTML 添付(HTML スマグリング)"},
    symbol_info{"ATTACH_DOUBLE_EXTENSION", "payload", 3.0,
                "file name with a deceptive double extension (invoice.pdf.exe)",
                "偽装した二重拡張子のファイル名(invoice.pdf.exe 等)"},
    symbol_info{"ATTACH_NAME_BIDI", "payload", 5.0, "bidirectional control characters (RLO) in a file name",
                "ファイル名に双方向制御文字(RLO 等)が含まれる"},
    symbol_info{"ATTACH_NAME_INVISIBLE", "payload", 2.0, "invisible or control characters in a file name",
                "ファイル名に不可視文字・制御文字が含まれる"},
    symbol_info{"ATTACH_TYPE_MISMATCH", "payload", 4.0, "executable content under a non-executable type or name",
                "実行可能な中身なのに宣言された型・拡張子が実行形式ではない"},
    symbol_info{"PDF_JAVASCRIPT", "payload", 3.0, "PDF with JavaScript", "JavaScript を含む PDF"},
    symbol_info{"PDF_AUTO_ACTION", "payload", 1.0, "PDF with an automatic action (/OpenAction, /AA)",
                "自動実行アクション(/OpenAction, /AA)を含む PDF"},
    symbol_info{"PDF_LAUNCH", "payload", 4.0, "PDF with a /Launch action", "/Launch アクションを含む PDF"},
    symbol_info{"PDF_EMBEDDED_FILE", "payload", 2.0, "PDF with embedded files", "ファイルが埋め込まれた PDF"},
    symbol_info{"PDF_URI", "payload", 0.1, "PDF with link actions (/URI)", "リンク(/URI)を含む PDF"},
};
enum sym_idx {
    s_exe,
    s_script,
    s_lnk,
    s_disk,
    s_one,
    s_one_emb,
    s_chm,
    s_html,
    s_smuggle,
    s_double,
    s_bidi,
    s_invisible,
    s_mismatch,
    s_pdf_js,
    s_pdf_auto,
    s_pdf_launch,
    s_pdf_embedded,
    s_pdf_uri,
};

constexpr std::size_t k_scan_bytes = 2u << 20;
constexpr std::size_t k_max_embedded = 64;

constexpr std::string_view k_onenote_guid = "\xE4\x52\x5C\x7B\x8C\xD8\xA7\x4D\xAE\xB1\x53\x78\xD0\x29\x96\xD3";
// FileDataStoreObject header, {BDE316E7-2665-4511-A4C4-8D4D0B7A9EAC} ([MS-ONESTORE] 2.6.13).
constexpr std::string_view k_filedata_guid = "\xE7\x16\xE3\xBD\x65\x26\x11\x45\xA4\xC4\x8D\x4D\x0B\x7A\x9E\xAC";

std::string last_ext(std::string_view name) {
    auto slash = name.find_last_of("/\\");
    if (slash != std::string_view::npos) name.remove_prefix(slash + 1);
    auto dot = name.rfind('.');
    if (dot == std::string_view::npos || dot + 1 >= name.size()) return {};
    return lower(name.substr(dot + 1));
}

bool in(std::string_view v, std::initializer_list<std::string_view> l) { return std::ranges::find(l, v) != l.end(); }
template <std::size_t N>
bool in(std::string_view v, const std::array<std::string_view, N>& l) {
    return std::ranges::find(l, v) != l.end();
}

std::uint32_t le32(std::string_view d, std::size_t off) {
    if (off + 4 > d.size()) return 0;
    return static_cast<unsigned char>(d[off]) | static_cast<unsigned char>(d[off + 1]) << 8 |
           static_cast<unsigned char>(d[off + 2]) << 16 |
           static_cast<std::uint32_t>(static_cast<unsigned char>(d[off + 3])) << 24;
}
std::uint64_t le64(std::string_view d, std::size_t off) {
    return static_cast<std::uint64_t>(le32(d, off)) | static_cast<std::uint64_t>(le32(d, off + 4)) << 32;
}

std::string executable_kind(std::string_view d) {
    if (d.starts_with("MZ")) {
        std::uint32_t pe = le32(d, 0x3C);
        if (pe >= 0x40 && pe + 4 <= d.size() && d.substr(pe, 4) == std::string_view("PE\0\0", 4)) return "pe";
        if (d.substr(0, 512).find("This program cannot be run in DOS mode") != std::string_view::npos) return "pe";
    }
    if (d.starts_with("\x7F"
                      "ELF"))
        return "elf";
    for (std::string_view m : {std::string_view("\xFE\xED\xFA\xCE"), std::string_view("\xFE\xED\xFA\xCF"),
                               std::string_view("\xCE\xFA\xED\xFE"), std::string_view("\xCF\xFA\xED\xFE")})
        if (d.starts_with(m)) return "macho";
    // Fat Mach-O shares CAFEBABE with Java classes; a class file's next word is a
    // version (>= 45), a fat header's an architecture count (small).
    if (d.starts_with("\xCA\xFE\xBA\xBE") && d.size() >= 8) {
        std::uint32_t n = static_cast<unsigned char>(d[4]) << 24 | static_cast<unsigned char>(d[5]) << 16 |
                          static_cast<unsigned char>(d[6]) << 8 | static_cast<unsigned char>(d[7]);
        if (n > 0 && n < 20) return "macho";
    }
    return {};
}

std::string disk_image_kind(std::string_view d) {
    for (std::size_t off : {0x8001u, 0x8801u, 0x9001u}) {
        if (off + 5 > d.size()) break;
        auto id = d.substr(off, 5);
        if (id == "CD001") return "iso9660";
        if (id == "BEA01" || id == "NSR02" || id == "NSR03") return "udf";
    }
    if (d.starts_with("vhdxfile")) return "vhdx";
    if (d.starts_with("conectix") || (d.size() >= 512 && d.substr(d.size() - 512, 8) == "conectix")) return "vhd";
    if (d.size() >= 512 && d[510] == '\x55' && d[511] == '\xAA') {
        if (d.substr(3, 4) == "NTFS" || d.substr(0x36, 3) == "FAT" || d.substr(0x52, 5) == "FAT32" ||
            d.substr(3, 5) == "EXFAT")
            return "img";
    }
    return {};
}

// Count of distinct markers of `l` present in `low`.
int markers(std::string_view low, std::initializer_list<std::string_view> l, nlohmann::json& hit) {
    int n = 0;
    for (auto m : l)
        if (low.find(m) != std::string_view::npos) {
            ++n;
            hit.push_back(std::string(m));
        }
    return n;
}

// Script language from content alone; strict, since these are text files that
// legitimate mail also carries (logs, code snippets).
std::string script_by_content(std::string_view low, nlohmann::json& hit) {
    nlohmann::json h = nlohmann::json::array();
    if (low.find("#@~^") != std::string_view::npos) {
        hit.push_back("#@~^");
        return "encoded-script";
    }
    if (low.find("<hta:application") != std::string_view::npos) {
        hit.push_back("<hta:application");
        return "hta";
    }
    if (low.find("<job") != std::string_view::npos && low.find("<script") != std::string_view::npos &&
        low.find("language=") != std::string_view::npos) {
        hit.push_back("<job");
        return "wsf";
    }
    if (markers(low,
                {"new activexobject", "wscript.shell", "wscript.createobject", "string.fromcharcode", "eval(",
                 "shell.application", "scripting.filesystemobject", ".run("},
                (h = nlohmann::json::array())) >= 2 &&
        (low.find("activexobject") != std::string_view::npos || low.find("wscript.") != std::string_view::npos) &&
        low.find("var ") != std::string_view::npos) {
        hit = h;
        return "js";
    }
    if (markers(low,
                {"createobject(", "wscript.shell", "on error resume next", "execute(", "executeglobal", "chr(",
                 "shell.application", ".run "},
                (h = nlohmann::json::array())) >= 2 &&
        low.find("createobject(") != std::string_view::npos && low.find("var ") == std::string_view::npos) {
        hit = h;
        return "vbs";
    }
    if (markers(low,
                {"invoke-expression", "iex(", "iex (", "-encodedcommand", "frombase64string", "downloadstring",
                 "downloadfile", "net.webclient", "invoke-webrequest", "start-bitstransfer", "new-object "},
                (h = nlohmann::json::array())) >= 2) {
        hit = h;
        return "powershell";
    }
    if (low.starts_with("@echo off") &&
        markers(low, {"powershell", "cmd /c", "bitsadmin", "certutil", "start ", "curl ", "rundll32", "regsvr32"},
                (h = nlohmann::json::array())) >= 1) {
        hit = h;
        return "batch";
    }
    return {};
}

// Code points of interest in a UTF-8 name.
void name_characters(std::string_view name, nlohmann::json& bidi, nlohmann::json& invisible) {
    for (std::size_t i = 0; i < name.size();) {
        auto c = static_cast<unsigned char>(name[i]);
        std::size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
        if (i + len > name.size()) break;
        unsigned cp = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
        for (std::size_t k = 1; k < len; ++k) cp = cp << 6 | (static_cast<unsigned char>(name[i + k]) & 0x3F);
        auto hex = [&] {
            char b[12];
            std::snprintf(b, sizeof b, "U+%04X", cp);
            return std::string(b);
        };
        if ((cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200E || cp == 0x200F ||
            cp == 0x061C)
            bidi.push_back(hex());
        else if ((cp >= 0x200B && cp <= 0x200D) || (cp >= 0x2060 && cp <= 0x2064) || cp == 0xFEFF || cp == 0x00AD ||
                 cp == 0x180E || cp == 0x3164 || cp == 0x115F || cp == 0x1160 || cp == 0xFFA0 || cp < 0x20 ||
                 cp == 0x7F)
            invisible.push_back(hex());
        i += len;
    }
}

constexpr std::array<std::string_view, 13> k_script_ext = {"js",  "jse",  "vbs", "vbe", "wsf", "wsh", "hta",
                                                           "ps1", "psm1", "bat", "cmd", "vb",  "sct"};
constexpr std::array<std::string_view, 29> k_exec_ext = {
    "exe", "scr", "com", "pif", "cpl", "dll", "msi", "msc", "jar", "lnk", "iso", "img", "vhd",  "vhdx", "js",
    "jse", "vbs", "vbe", "wsf", "wsh", "hta", "ps1", "bat", "cmd", "reg", "chm", "one", "appx", "msix"};
constexpr std::array<std::string_view, 29> k_doc_ext = {
    "pdf", "doc", "docx", "docm", "xls", "xlsx", "xlsm", "ppt", "pptx", "rtf", "txt", "csv", "jpg", "jpeg", "png",
    "gif", "bmp", "tif",  "tiff", "htm", "html", "zip",  "rar", "7z",   "mp3", "mp4", "wav", "eml", "msg"};

void check_pdf(const file_view& f, std::string_view d, attachment_report& rep) {
    std::size_t js = 0, auto_action = 0, launch = 0, embedded = 0, uri = 0;
    // PDF names may hide letters as #xx escapes (/J#61vaScript); decode before comparing.
    for (std::size_t i = d.find('/'); i != std::string_view::npos && i < d.size(); i = d.find('/', i + 1)) {
        std::string n;
        std::size_t j = i + 1;
        while (j < d.size() && n.size() < 32) {
            char c = d[j];
            if (std::strchr("/[]<>(){}% \t\r\n\f", c) || c == '\0') break;
            if (c == '#' && j + 2 < d.size() && std::isxdigit(static_cast<unsigned char>(d[j + 1])) &&
                std::isxdigit(static_cast<unsigned char>(d[j + 2]))) {
                n.push_back(static_cast<char>(std::stoi(std::string(d.substr(j + 1, 2)), nullptr, 16)));
                j += 3;
                continue;
            }
            n.push_back(c);
            ++j;
        }
        if (n == "JavaScript" || n == "JS")
            ++js;
        else if (n == "OpenAction" || n == "AA")
            ++auto_action;
        else if (n == "Launch")
            ++launch;
        else if (n == "EmbeddedFile" || n == "EmbeddedFiles")
            ++embedded;
        else if (n == "URI")
            ++uri;
        i = j - 1;
    }
    nlohmann::json counts = {{"javascript", js},
                             {"auto_action", auto_action},
                             {"launch", launch},
                             {"embedded_file", embedded},
                             {"uri", uri}};
    auto& pdf = rep.details["pdf"];
    if (!pdf.is_array()) pdf = nlohmann::json::array();
    nlohmann::json entry = counts;
    entry["path"] = f.path;
    pdf.push_back(std::move(entry));
    if (js) emit(rep, k_symbols[s_pdf_js], "the PDF carries JavaScript", counts, f.path);
    if (auto_action) emit(rep, k_symbols[s_pdf_auto], "the PDF runs an action when opened", counts, f.path);
    if (launch) emit(rep, k_symbols[s_pdf_launch], "the PDF can launch a program", counts, f.path);
    if (embedded) emit(rep, k_symbols[s_pdf_embedded], "the PDF embeds files", counts, f.path);
    if (uri) emit(rep, k_symbols[s_pdf_uri], "the PDF links to " + std::to_string(uri) + " URI(s)", counts, f.path);
}

}  // namespace

std::vector<std::string_view> onenote_embedded_files(std::string_view d) {
    std::vector<std::string_view> out;
    for (std::size_t p = d.find(k_filedata_guid); p != std::string_view::npos && out.size() < k_max_embedded;
         p = d.find(k_filedata_guid, p + 16)) {
        // guidHeader(16) cbLength(8) unused(4) reserved(8), then the file's bytes.
        std::uint64_t len = le64(d, p + 16);
        std::size_t start = p + 36;
        if (start > d.size()) break;
        out.push_back(d.substr(start, static_cast<std::size_t>(std::min<std::uint64_t>(len, d.size() - start))));
    }
    return out;
}

void check_dangerous(const file_view& f, std::string_view declared, analysis_state& st, attachment_report& rep) {
    const std::string_view d = f.data;
    const std::string_view head = d.substr(0, std::min(d.size(), k_scan_bytes));
    const std::string ext = last_ext(f.name);
    const std::string low = lower(head);

    // Names first: they are visible even for members we cannot decrypt.
    if (!f.name.empty()) {
        nlohmann::json bidi = nlohmann::json::array(), invisible = nlohmann::json::array();
        name_characters(f.name, bidi, invisible);
        if (!bidi.empty())
            emit(rep, k_symbols[s_bidi], "the file name holds bidirectional controls that reorder what is shown",
                 {{"name", std::string(f.name)}, {"code_points", bidi}}, f.path);
        if (!invisible.empty())
            emit(rep, k_symbols[s_invisible], "the file name holds invisible characters",
                 {{"name", std::string(f.name)}, {"code_points", invisible}}, f.path);
        std::string_view base = f.name;
        auto slash = base.find_last_of("/\\");
        if (slash != std::string_view::npos) base.remove_prefix(slash + 1);
        auto last = base.rfind('.');
        if (last != std::string_view::npos && last > 0 && in(ext, k_exec_ext)) {
            std::string_view stem = base.substr(0, last);
            auto prev = stem.rfind('.');
            std::string prev_ext = prev == std::string_view::npos ? "" : lower(stem.substr(prev + 1));
            std::size_t trailing_space = 0;
            while (trailing_space < stem.size() &&
                   (stem[stem.size() - 1 - trailing_space] == ' ' || stem[stem.size() - 1 - trailing_space] == '_'))
                ++trailing_space;
            while (!prev_ext.empty() && (prev_ext.back() == ' ' || prev_ext.back() == '_')) prev_ext.pop_back();
            if (in(prev_ext, k_doc_ext) || trailing_space >= 5)
                emit(rep, k_symbols[s_double], "the name shows one type and ends in another",
                     {{"name", std::string(f.name)}, {"shown", prev_ext}, {"real", ext}}, f.path);
        }
    }

    if (d.empty()) {
        if (in(ext, k_script_ext))
            emit(rep, k_symbols[s_script], "script file (by name; contents not readable)",
                 {{"name", std::string(f.name)}, {"by", "name"}, {"extension", ext}}, f.path);
        return;
    }

    std::string exe = executable_kind(d);
    if (!exe.empty()) {
        emit(rep, k_symbols[s_exe], "executable program (" + exe + ")", {{"format", exe}, {"type", f.sniffed}}, f.path);
        bool generic_decl =
            declared.empty() ||
            in(declared, {"application/octet-stream", "application/x-msdownload", "application/x-dosexec",
                          "application/x-executable", "application/vnd.microsoft.portable-executable",
                          "application/x-msdos-program", "application/x-sharedlib", "application/x-mach-binary"});
        bool doc_name = in(ext, k_doc_ext);
        if (!generic_decl || doc_name)
            emit(rep, k_symbols[s_mismatch], "executable content behind a document type or name",
                 {{"format", exe}, {"declared_type", std::string(declared)}, {"extension", ext}}, f.path);
    }
    if (d.starts_with(std::string_view("\x4C\x00\x00\x00\x01\x14\x02\x00", 8))) {
        emit(rep, k_symbols[s_lnk], "Windows shortcut", {{"type", f.sniffed}}, f.path);
        if (in(ext, k_doc_ext))
            emit(rep, k_symbols[s_mismatch], "shortcut behind a document name", {{"format", "lnk"}, {"extension", ext}},
                 f.path);
    }
    if (auto img = disk_image_kind(d); !img.empty())
        emit(rep, k_symbols[s_disk], "disk image (" + img + ")", {{"format", img}, {"type", f.sniffed}}, f.path);
    if (d.starts_with("ITSF")) emit(rep, k_symbols[s_chm], "compiled HTML help file", {{"type", f.sniffed}}, f.path);

    if (d.starts_with(k_onenote_guid)) {
        auto files = onenote_embedded_files(d);
        emit(rep, k_symbols[s_one], "OneNote section", {{"embedded_files", files.size()}}, f.path);
        if (!files.empty()) {
            nlohmann::json types = nlohmann::json::array();
            for (std::size_t i = 0; i < files.size(); ++i) {
                file_view child;
                child.data = files[i];
                child.sniffed = sniff_type(files[i]);
                child.path = f.path + "/embedded-" + std::to_string(i);
                child.depth = f.depth + 1;
                types.push_back(child.sniffed);
                if (static_cast<std::size_t>(child.depth) <= st.lim.archive_depth) {
                    nlohmann::json rec = nlohmann::json::object();
                    analyse_file(child, st, rep, &rec);
                    rec["path"] = child.path;
                    rec["size"] = files[i].size();
                    rec["depth"] = child.depth;
                    auto& members = rep.details["members"];
                    if (!members.is_array()) members = nlohmann::json::array();
                    rep.members.push_back({"", rec.value("sha256", std::string())});
                    members.push_back(std::move(rec));
                }
            }
            emit(rep, k_symbols[s_one_emb], "OneNote section embeds " + std::to_string(files.size()) + " file(s)",
                 {{"embedded_files", files.size()}, {"types", types}}, f.path);
        }
    }

    bool text_like = f.sniffed.starts_with("text/") || f.sniffed.empty() || f.sniffed == "application/javascript";
    bool html = f.sniffed == "text/html" || f.sniffed == "image/svg+xml" ||
                in(ext, {"htm", "html", "xhtml", "shtml", "svg", "mht", "mhtml"});
    if (in(ext, k_script_ext) && (text_like || f.sniffed == "application/octet-stream")) {
        emit(rep, k_symbols[s_script], "script file (." + ext + ")",
             {{"name", std::string(f.name)}, {"by", "name"}, {"extension", ext}}, f.path);
    } else if (text_like && exe.empty()) {
        nlohmann::json hit = nlohmann::json::array();
        std::string lang = script_by_content(low, hit);
        if (!lang.empty() && !(html && lang != "hta"))
            emit(rep, k_symbols[s_script], "script content (" + lang + ") in a file named ." + ext,
                 {{"name", std::string(f.name)}, {"by", "content"}, {"language", lang}, {"markers", hit}}, f.path);
    }
    if (html && text_like) {
        emit(rep, k_symbols[s_html], "HTML file", {{"type", f.sniffed}}, f.path);
        nlohmann::json hit = nlohmann::json::array();
        bool script = low.find("<script") != std::string::npos;
        markers(low,
                {"mssaveoropenblob", "new blob(", "createobjecturl", "atob(", ".download", "download=", "uint8array",
                 "data:application/octet-stream"},
                hit);
        auto has = [&](std::string_view m) { return std::find(hit.begin(), hit.end(), std::string(m)) != hit.end(); };
        bool download = has(".download") || has("download=");
        if (script && (has("mssaveoropenblob") || (has("new blob(") && (has("createobjecturl") || download)) ||
                       (has("atob(") && download)))
            emit(rep, k_symbols[s_smuggle], "the HTML builds a file in the browser and offers it for download",
                 {{"markers", hit}}, f.path);
    }
    if (f.sniffed == "application/pdf" || head.substr(0, 1024).find("%PDF-") != std::string_view::npos)
        check_pdf(f, d, rep);
}

std::vector<symbol_info> dangerous_symbols() { return {k_symbols.begin(), k_symbols.end()}; }

}  // namespace replyguard::attach
