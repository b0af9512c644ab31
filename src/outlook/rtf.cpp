// SPDX-License-Identifier: Apache-2.0
// outlook/rtf.cpp - PR_RTF_COMPRESSED (MS-OXRTFCP) and RTF -> text / encapsulated HTML
//
// DESCRIPTION
//   Outlook stores many bodies only as compressed RTF. decompress_rtf() is the
//   LZFu algorithm of MS-OXRTFCP 2.1.3 (a 4096-byte ring dictionary preloaded
//   with a fixed RTF prefix). rtf_to_text() is a small RTF reader, enough for
//   analysis: destinations that are not text (font and colour tables, pictures,
//   objects, \*-groups) are skipped, \par/\line become line breaks, \'hh bytes
//   are decoded in the document's \ansicpg, \uN in Unicode. Outlook's HTML
//   encapsulation (MS-OXRTFEX: \fromhtml1, \*\htmltag groups, \htmlrtf spans)
//   is undone to the original HTML.
// LIMITS
//   The decompressed size is capped at k_max_rtf bytes; group nesting at 256.
#include "outlook/mapi.hpp"

#include <array>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace replyguard::outlook {

namespace {

constexpr std::size_t k_max_rtf = 64u << 20;
constexpr std::string_view k_prebuf =
    "{\\rtf1\\ansi\\mac\\deff0\\deftab720{\\fonttbl;}{\\f0\\fnil \\froman \\fswiss \\fmodern \\fscript \\fdecor MS Sans "
    "SerifSymbolArialTimes New RomanCourier{\\colortbl\\red0\\green0\\blue0\r\n\\par "
    "\\pard\\plain\\f0\\fs20\\b\\i\\u\\tab\\tx";

std::uint32_t le32(std::string_view d, std::size_t at) {
    return static_cast<unsigned char>(d[at]) | (static_cast<unsigned char>(d[at + 1]) << 8) |
           (static_cast<unsigned char>(d[at + 2]) << 16) | (std::uint32_t(static_cast<unsigned char>(d[at + 3])) << 24);
}

bool skip_destination(std::string_view w) {
    static constexpr std::array<std::string_view, 24> k{"fonttbl",    "colortbl",
                                                        "stylesheet", "info",
                                                        "pict",       "object",
                                                        "header",     "footer",
                                                        "headerl",    "headerr",
                                                        "footerl",    "footerr",
                                                        "themedata",  "colorschememapping",
                                                        "datastore",  "latentstyles",
                                                        "listtable",  "listoverridetable",
                                                        "rsidtbl",    "generator",
                                                        "xmlnstbl",   "mmathPr",
                                                        "fldinst",    "filetbl"};
    for (auto s : k)
        if (s == w) return true;
    return false;
}

}  // namespace

std::optional<std::string> decompress_rtf(std::string_view d) {
    if (d.size() < 16) return std::nullopt;
    std::uint32_t comp_size = le32(d, 0), raw_size = le32(d, 4), type = le32(d, 8);
    if (type == 0x414C454D) {  // "MELA": stored uncompressed
        std::size_t n = std::min<std::size_t>(raw_size, d.size() - 16);
        return std::string(d.substr(16, n));
    }
    if (type != 0x75465A4C) return std::nullopt;  // "LZFu"
    std::size_t end = std::min<std::size_t>(d.size(), std::size_t(comp_size) + 4);
    std::array<char, 4096> dict{};
    std::memcpy(dict.data(), k_prebuf.data(), k_prebuf.size());
    std::size_t wp = k_prebuf.size();
    std::string out;
    out.reserve(std::min<std::size_t>(raw_size, k_max_rtf));
    std::size_t pos = 16;
    while (pos < end) {
        unsigned control = static_cast<unsigned char>(d[pos++]);
        for (int bit = 0; bit < 8 && pos < end; ++bit) {
            if (!(control & (1u << bit))) {
                char c = d[pos++];
                out += c;
                dict[wp] = c;
                wp = (wp + 1) % 4096;
            } else {
                if (pos + 1 >= end) return out;
                unsigned token = (static_cast<unsigned char>(d[pos]) << 8) | static_cast<unsigned char>(d[pos + 1]);
                pos += 2;
                std::size_t offset = token >> 4, len = (token & 0xF) + 2;
                if (offset == wp) return out;  // the end marker
                for (std::size_t i = 0; i < len; ++i) {
                    char c = dict[(offset + i) % 4096];
                    out += c;
                    dict[wp] = c;
                    wp = (wp + 1) % 4096;
                }
            }
            if (out.size() > k_max_rtf) return out;
        }
    }
    return out;
}

std::string rtf_to_text(std::string_view r, std::string* html_out) {
    struct state {
        bool skip = false;
        bool htmltag = false;  // inside {\*\htmltag ...}: its text is HTML source
        int uc = 1;
    };
    std::vector<state> stack{state{}};
    std::string text, html, bytes;
    std::uint32_t cp = 1252;
    bool fromhtml = false, htmlrtf = false;
    int skip_chars = 0;
    auto flush = [&] {
        if (bytes.empty()) return;
        std::string u = codepage_to_utf8(bytes, cp);
        bytes.clear();
        if (!stack.back().skip) text += u;
        if (fromhtml && (stack.back().htmltag || (!htmlrtf && !stack.back().skip))) html += u;
    };
    auto put_byte = [&](char c) {
        if (skip_chars > 0) {
            --skip_chars;
            return;
        }
        bytes += c;
    };
    auto put_utf8 = [&](const std::string& u) {
        flush();
        if (!stack.back().skip) text += u;
        if (fromhtml && (stack.back().htmltag || (!htmlrtf && !stack.back().skip))) html += u;
    };
    std::size_t i = 0;
    bool group_start = false;
    while (i < r.size()) {
        char c = r[i];
        if (c == '{') {
            flush();
            if (stack.size() > 256) return text;
            stack.push_back(stack.back());
            group_start = true;
            ++i;
            continue;
        }
        if (c == '}') {
            flush();
            if (stack.size() > 1) stack.pop_back();
            group_start = false;
            ++i;
            continue;
        }
        if (c == '\\' && i + 1 < r.size()) {
            char n = r[i + 1];
            if (n == '\\' || n == '{' || n == '}') {
                put_byte(n);
                i += 2;
                group_start = false;
                continue;
            }
            if (n == '\'' && i + 3 < r.size()) {
                char hex[3] = {r[i + 2], r[i + 3], 0};
                put_byte(static_cast<char>(std::strtol(hex, nullptr, 16)));
                i += 4;
                group_start = false;
                continue;
            }
            if (n == '*') {
                // {\*\dest ...}: an optional destination; only \htmltag is kept.
                std::size_t j = i + 2;
                while (j < r.size() && (r[j] == ' ' || r[j] == '\r' || r[j] == '\n')) ++j;
                bool tag = r.substr(j).starts_with("\\htmltag");
                flush();
                if (tag && fromhtml)
                    stack.back().htmltag = true, stack.back().skip = true;
                else
                    stack.back().skip = true;
                i += 2;
                continue;
            }
            if (n == '\r' || n == '\n') {  // "\<newline>" is \par
                put_utf8("\n");
                i += 2;
                continue;
            }
            std::size_t j = i + 1;
            while (j < r.size() && std::isalpha(static_cast<unsigned char>(r[j]))) ++j;
            std::string_view word = r.substr(i + 1, j - i - 1);
            std::size_t k = j;
            if (k < r.size() && (r[k] == '-' || std::isdigit(static_cast<unsigned char>(r[k])))) {
                ++k;
                while (k < r.size() && std::isdigit(static_cast<unsigned char>(r[k]))) ++k;
            }
            std::string_view num = r.substr(j, k - j);
            long val = num.empty() ? 0 : std::strtol(std::string(num).c_str(), nullptr, 10);
            if (k < r.size() && r[k] == ' ') ++k;
            i = k;
            if (word.empty()) {  // control symbol (\~, \-, \_ ...)
                if (i < r.size()) {
                    char sym = r[i++];
                    if (sym == '~') put_utf8("\xC2\xA0");
                }
                continue;
            }
            if (group_start && skip_destination(word)) {
                flush();
                stack.back().skip = true;
            }
            group_start = false;
            if (word == "ansicpg")
                cp = static_cast<std::uint32_t>(val);
            else if (word == "fromhtml")
                fromhtml = true;
            else if (word == "htmlrtf") {
                flush();
                htmlrtf = num.empty() || val != 0;
            } else if (word == "uc")
                stack.back().uc = static_cast<int>(val);
            else if (word == "u") {
                long u = val < 0 ? val + 65536 : val;
                std::string b;
                b += static_cast<char>(u & 0xFF);
                b += static_cast<char>((u >> 8) & 0xFF);
                put_utf8(utf16le_to_utf8(b));
                skip_chars = stack.back().uc;
            } else if (word == "par" || word == "line") {
                flush();
                if (!stack.back().skip) text += "\n";
                if (fromhtml && stack.back().htmltag) html += "\n";
            } else if (word == "tab")
                put_utf8("\t");
            continue;
        }
        group_start = false;
        if (c == '\r' || c == '\n') {
            ++i;
            continue;
        }
        put_byte(c);
        ++i;
    }
    flush();
    if (html_out && fromhtml) *html_out = std::move(html);
    return text;
}

}  // namespace replyguard::outlook
