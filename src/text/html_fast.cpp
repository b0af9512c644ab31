// SPDX-License-Identifier: Apache-2.0
// text/html_fast.cpp - HTML to text in one forward pass, declining what it cannot be sure of (see html_fast.hpp)
//
// WHY HAND-WRITTEN
//   gumbo builds a full DOM (a node per element and text run, every attribute
//   copied, error recovery for all of HTML5) for a walk that only needs the
//   events open/close/text in document order, and no HTML library in Debian
//   renders text from a token stream with gumbo's tree-builder decisions.
//   Before this pass, gumbo itself was 13.3% of all `scan -j1` CPU on the
//   3,877 corpus files (perf cpu-clock; callgrind on 970 of them: html_to_text
//   19.7% of the instructions, gumbo 16.9%), spread over the parts: the 677
//   HTML parts that scan converts total 7.9 MB, median 8.7 KB, the largest
//   50 KB (the largest tenth hold 29% of the bytes). The pass takes 479 of
//   them (61% of the bytes); html_to_text went from 507 M to 235 M
//   instructions (the pass 68 M, gumbo on the declined parts 145 M), the scan
//   from 2,579 M to 2,307 M (-10.6%) and from 1.72 to 1.56 CPU s (-9%).
//   Second round (<select>, Noah's Ark, references without ';' or to C1,
//   void elements foster-parented, an <a> split around a block, <option>,
//   <nobr>, <textarea>, escaped script data): of the HTML parts the scan
//   converts, the pass takes 715 of 785 (92% of the bytes gumbo would parse;
//   67% before), and on an eighth of the corpus (callgrind, 485 files)
//   html_to_text went from 139 M to 64 M instructions (gumbo 89 M to 13 M,
//   the pass 35 M to 49 M), the scan from 1,114 M to 1,039 M (-6.8%).
//   bench/README.md ("HTML without gumbo") has the runs of both rounds.
//
// WHAT IT FOLLOWS
//   The tokenizer: tags and attributes (quotes, duplicates: the first wins),
//   comments ("-->", "--!>", "<!-->", "<!--->"), DOCTYPE and bogus comments,
//   raw text up to its end tag (<style>, <script> with its escaped and
//   double-escaped data, <title>, <iframe>, <noframes>: dropped, as the walk
//   drops them), character references
//   (numeric ones to a valid code point, with ';' or without, 0x80-0x9F by
//   gumbo's windows-1252 table; the named ones of a table below with ';'; the
//   legacy ones without ';', decoded, or left alone in an attribute before an
//   alphanumeric or '='), CR LF and CR in attribute values. The tree builder
//   (gumbo 0.10's, quirks included), for the elements the walk renders: the
//   stack of open elements and the insertion mode it implies (body, table,
//   table body, row, cell); the list of active formatting elements with its
//   cell markers and reconstruction; foster parenting of the void elements (an
//   <img> or <area> link goes before the table's links), a <table> in a table
//   closing it; end tags by the rules of their mode (closing several elements,
//   or ignored); implicit closes (a <p> in button scope before a block, an
//   <li>/<dd>/<dt> before another, a heading before a heading, cells and rows,
//   implied <tbody> and <tr>); the adoption agency where nodes keep their
//   order (an <a> around a block: its link ends before the block, a copy in
//   the block is a second link), and its first step (the current node of the
//   tag closes when it is not in the list); the Noah's Ark clause (three
//   entries of the same tag and decoded attributes: the earliest leaves the
//   list); <select> in body and in a cell (dropped with all it holds, by the
//   rules of "in select" and "in select in table": what closes it, <script> as
//   raw text, every other tag ignored); <option> and <optgroup> outside one;
//   <nobr>; <form> and its pointer; the DOCTYPE's quirks mode (<table> in a
//   <p>); <html>/<head>/<body> tags (they render nothing; content goes to the
//   body whatever they say).
//
// WHAT IT DECLINES (html_to_text runs gumbo)
//   NUL, invalid UTF-8 and the code points gumbo replaces (controls, C1,
//   non-characters); foster parenting of text other than whitespace, of an
//   element with content or a line break (<div>, <a>, <br>... directly in a
//   table), or of formatting elements to reopen; the adoption agency where it
//   would clone or move elements out of order (elements between the formatting
//   element and the block, an <a> whose anchor text the walk ended early or
//   left open before unflushed text); <caption>, <colgroup>/<col>, <template>,
//   <svg>/<math>; <noscript>, <noembed>, <xmp>, <textarea> in a table or in
//   <pre>, <plaintext>, <listing>; <object>, <applet>, <marquee>; <input>,
//   <keygen>, <textarea> or <template> in a <select>; <button>, ruby parts,
//   <image>, <isindex>, frames; text right before </form> (gumbo leaves it
//   unflushed); a reference it cannot decode for
//   certain; an unterminated tag or comment; a lone CR in <pre>; a DOCTYPE it
//   cannot classify when a <table> opens in a <p>; more than 200 open
//   elements.
#include "text/html_fast.hpp"

#include "core/limits.hpp"
#include "core/strings.hpp"
#include "text/html_render.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace replyguard::text {

namespace {

using html_detail::add_link;
using html_detail::at_ci;
using html_detail::comment_end;
using html_detail::is_ws;
using html_detail::raw_text_end;
using html_detail::renderer;
using html_detail::scan_tag_attributes;
using html_detail::script_data_end;
using html_detail::tag_attribute;

constexpr std::size_t npos = std::string_view::npos;
constexpr std::size_t k_max_open = 200;

bool alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool alnum(char c) { return alpha(c) || (c >= '0' && c <= '9'); }

// --- input check -------------------------------------------------------------

/// How many bytes the character at `p` takes when gumbo's input iterator passes
/// it through unchanged (but for CR LF), else 0: valid UTF-8 without NUL, the C0
/// controls other than tab, LF, FF and CR, DEL, C1 controls and non-characters
/// (gumbo's utf8_is_invalid_code_point and its decoder's rejects become U+FFFD).
std::ptrdiff_t clean_char(const unsigned char* p, const unsigned char* e) {
    const unsigned c = *p;
    if (c >= 0x20 && c < 0x7F) return 1;
    if (c < 0x80) return c == '\t' || c == '\n' || c == '\r' || c == '\f' ? 1 : 0;
    std::ptrdiff_t len;
    char32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (e - p < len) return 0;
    for (std::ptrdiff_t k = 1; k < len; ++k) {
        if ((p[k] & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (p[k] & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF))) return 0;
    if (cp <= 0x9F || (cp >= 0xD800 && cp <= 0xDFFF) || (cp >= 0xFDD0 && cp <= 0xFDEF) || (cp & 0xFFFE) == 0xFFFE)
        return 0;
    return len;
}

/// True when every character of `s` is clean_char's.
bool clean_input(std::string_view s) {
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const auto* e = p + s.size();
    while (p < e) {
#if defined(__SSE2__)
        // Sixteen bytes a compare: printable ASCII, tab, LF, FF and CR pass whole,
        // and the bytes before the first other one are passed over (clean_char a
        // byte at a time was 2% of `scan -j1`'s instructions on the corpus,
        // callgrind 2026-12-06). As signed bytes, 0x80-0xFF are below 0x20 too.
        if (e - p >= 16) {
            const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
            const __m128i odd =
                _mm_or_si128(_mm_cmplt_epi8(x, _mm_set1_epi8(0x20)), _mm_cmpeq_epi8(x, _mm_set1_epi8(0x7F)));
            const __m128i ws = _mm_or_si128(
                _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('\t')), _mm_cmpeq_epi8(x, _mm_set1_epi8('\n'))),
                _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('\f')), _mm_cmpeq_epi8(x, _mm_set1_epi8('\r'))));
            const int m = _mm_movemask_epi8(_mm_andnot_si128(ws, odd));
            if (m == 0) {
                p += 16;
                continue;
            }
            p += __builtin_ctz(static_cast<unsigned>(m));  // to the first byte clean_char must read
        }
#endif
        const std::ptrdiff_t len = clean_char(p, e);
        if (len == 0) return false;
        p += len;
    }
    return true;
}

// --- character references ----------------------------------------------------

struct entity {
    std::string_view name;
    char32_t cp;
};

/// Named references decoded here, with ';' (gumbo's table: the legacy
/// Latin-1 set and the punctuation mail uses). Any other "&name;" declines.
constexpr entity k_entities[] = {
    {"AElig", 0xC6},    {"AMP", 0x26},      {"Aacute", 0xC1},   {"Acirc", 0xC2},    {"Agrave", 0xC0},
    {"Aring", 0xC5},    {"Atilde", 0xC3},   {"Auml", 0xC4},     {"COPY", 0xA9},     {"Ccedil", 0xC7},
    {"Dagger", 0x2021}, {"ETH", 0xD0},      {"Eacute", 0xC9},   {"Ecirc", 0xCA},    {"Egrave", 0xC8},
    {"Euml", 0xCB},     {"GT", 0x3E},       {"Iacute", 0xCD},   {"Icirc", 0xCE},    {"Igrave", 0xCC},
    {"Iuml", 0xCF},     {"LT", 0x3C},       {"Ntilde", 0xD1},   {"OElig", 0x152},   {"Oacute", 0xD3},
    {"Ocirc", 0xD4},    {"Ograve", 0xD2},   {"Oslash", 0xD8},   {"Otilde", 0xD5},   {"Ouml", 0xD6},
    {"Prime", 0x2033},  {"QUOT", 0x22},     {"REG", 0xAE},      {"Scaron", 0x160},  {"THORN", 0xDE},
    {"Uacute", 0xDA},   {"Ucirc", 0xDB},    {"Ugrave", 0xD9},   {"Uuml", 0xDC},     {"Yacute", 0xDD},
    {"Yuml", 0x178},    {"aacute", 0xE1},   {"acirc", 0xE2},    {"acute", 0xB4},    {"aelig", 0xE6},
    {"agrave", 0xE0},   {"amp", 0x26},      {"apos", 0x27},     {"aring", 0xE5},    {"atilde", 0xE3},
    {"auml", 0xE4},     {"bdquo", 0x201E},  {"brvbar", 0xA6},   {"bull", 0x2022},   {"ccedil", 0xE7},
    {"cedil", 0xB8},    {"cent", 0xA2},     {"check", 0x2713},  {"circ", 0x2C6},    {"clubs", 0x2663},
    {"copy", 0xA9},     {"curren", 0xA4},   {"dagger", 0x2020}, {"darr", 0x2193},   {"deg", 0xB0},
    {"diams", 0x2666},  {"divide", 0xF7},   {"eacute", 0xE9},   {"ecirc", 0xEA},    {"egrave", 0xE8},
    {"emsp", 0x2003},   {"ensp", 0x2002},   {"eth", 0xF0},      {"euml", 0xEB},     {"euro", 0x20AC},
    {"fnof", 0x192},    {"frac12", 0xBD},   {"frac14", 0xBC},   {"frac34", 0xBE},   {"gt", 0x3E},
    {"harr", 0x2194},   {"hearts", 0x2665}, {"hellip", 0x2026}, {"iacute", 0xED},   {"icirc", 0xEE},
    {"iexcl", 0xA1},    {"igrave", 0xEC},   {"iquest", 0xBF},   {"iuml", 0xEF},     {"laquo", 0xAB},
    {"larr", 0x2190},   {"ldquo", 0x201C},  {"lrm", 0x200E},    {"lsaquo", 0x2039}, {"lsquo", 0x2018},
    {"lt", 0x3C},       {"macr", 0xAF},     {"mdash", 0x2014},  {"micro", 0xB5},    {"middot", 0xB7},
    {"nbsp", 0xA0},     {"ndash", 0x2013},  {"not", 0xAC},      {"ntilde", 0xF1},   {"oacute", 0xF3},
    {"ocirc", 0xF4},    {"oelig", 0x153},   {"ograve", 0xF2},   {"ordf", 0xAA},     {"ordm", 0xBA},
    {"oslash", 0xF8},   {"otilde", 0xF5},   {"ouml", 0xF6},     {"para", 0xB6},     {"permil", 0x2030},
    {"plusmn", 0xB1},   {"pound", 0xA3},    {"prime", 0x2032},  {"quot", 0x22},     {"raquo", 0xBB},
    {"rarr", 0x2192},   {"rdquo", 0x201D},  {"reg", 0xAE},      {"rlm", 0x200F},    {"rsaquo", 0x203A},
    {"rsquo", 0x2019},  {"sbquo", 0x201A},  {"scaron", 0x161},  {"sect", 0xA7},     {"shy", 0xAD},
    {"spades", 0x2660}, {"sup1", 0xB9},     {"sup2", 0xB2},     {"sup3", 0xB3},     {"szlig", 0xDF},
    {"thinsp", 0x2009}, {"thorn", 0xFE},    {"tilde", 0x2DC},   {"times", 0xD7},    {"trade", 0x2122},
    {"uacute", 0xFA},   {"uarr", 0x2191},   {"ucirc", 0xFB},    {"ugrave", 0xF9},   {"uml", 0xA8},
    {"uuml", 0xFC},     {"yacute", 0xFD},   {"yen", 0xA5},      {"yuml", 0xFF},     {"zwj", 0x200D},
    {"zwnj", 0x200C},
};

/// The references gumbo also matches without ';' (its legacy set).
constexpr std::string_view k_legacy[] = {
    "AElig",  "AMP",    "Aacute", "Acirc",  "Agrave", "Aring",  "Atilde", "Auml",   "COPY",   "Ccedil", "ETH",
    "Eacute", "Ecirc",  "Egrave", "Euml",   "GT",     "Iacute", "Icirc",  "Igrave", "Iuml",   "LT",     "Ntilde",
    "Oacute", "Ocirc",  "Ograve", "Oslash", "Otilde", "Ouml",   "QUOT",   "REG",    "THORN",  "Uacute", "Ucirc",
    "Ugrave", "Uuml",   "Yacute", "aacute", "acirc",  "acute",  "aelig",  "agrave", "amp",    "aring",  "atilde",
    "auml",   "brvbar", "ccedil", "cedil",  "cent",   "copy",   "curren", "deg",    "divide", "eacute", "ecirc",
    "egrave", "eth",    "euml",   "frac12", "frac14", "frac34", "gt",     "iacute", "icirc",  "iexcl",  "igrave",
    "iquest", "iuml",   "laquo",  "lt",     "macr",   "micro",  "middot", "nbsp",   "not",    "ntilde", "oacute",
    "ocirc",  "ograve", "ordf",   "ordm",   "oslash", "otilde", "ouml",   "para",   "plusmn", "pound",  "quot",
    "raquo",  "reg",    "sect",   "shy",    "sup1",   "sup2",   "sup3",   "szlig",  "thorn",  "times",  "uacute",
    "ucirc",  "ugrave", "uml",    "uuml",   "yacute", "yen",    "yuml",
};

bool sorted_has(std::string_view name) { return std::binary_search(std::begin(k_legacy), std::end(k_legacy), name); }

const entity* find_entity(std::string_view name) {
    auto it = std::lower_bound(std::begin(k_entities), std::end(k_entities), name,
                               [](const entity& e, std::string_view n) { return e.name < n; });
    return it != std::end(k_entities) && it->name == name ? it : nullptr;
}

/// What gumbo's numeric references to 0x80-0x9F give (its kCharReplacements,
/// the HTML5 table: windows-1252). The five it leaves as C1 controls stay
/// outside safe_code_point().
constexpr char32_t k_c1_replacements[32] = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
};

bool safe_code_point(unsigned long cp) {
    return cp == '\t' || cp == '\n' || (cp >= 0x20 && cp <= 0x7E) || (cp >= 0xA0 && cp <= 0xD7FF) ||
           (cp >= 0xE000 && cp <= 0xFDCF) || (cp >= 0xFDF0 && cp <= 0x10FFFF && (cp & 0xFFFE) != 0xFFFE);
}

/// The reference at h[i] == '&': appends what gumbo makes of it to `out` and
/// returns the index after it, or npos where that is not certain here.
std::size_t char_ref(std::string_view h, std::size_t i, bool in_attribute, std::string& out) {
    const std::size_t n = h.size();
    if (i + 1 >= n || !(alnum(h[i + 1]) || h[i + 1] == '#')) {
        out.push_back('&');  // not a reference: '&' before space, '<', '&', a quote, the end...
        return i + 1;
    }
    if (h[i + 1] == '#') {
        std::size_t j = i + 2;
        const bool hex = j < n && (h[j] == 'x' || h[j] == 'X');
        if (hex) ++j;
        unsigned long cp = 0;
        std::size_t digits = 0;
        for (; j < n && digits <= 8; ++j, ++digits) {
            const char c = h[j];
            int d = c >= '0' && c <= '9'          ? c - '0'
                    : hex && c >= 'a' && c <= 'f' ? c - 'a' + 10
                    : hex && c >= 'A' && c <= 'F' ? c - 'A' + 10
                                                  : -1;
            if (d < 0) break;
            cp = cp * (hex ? 16 : 10) + static_cast<unsigned long>(d);
        }
        if (cp >= 0x80 && cp <= 0x9F) cp = k_c1_replacements[cp - 0x80];  // windows-1252, as gumbo does
        if (digits == 0 || digits > 8 || !safe_code_point(cp)) return npos;
        append_utf8(out, static_cast<char32_t>(cp));
        return j < n && h[j] == ';' ? j + 1 : j;  // without ';' decoded all the same (a parse error)
    }
    std::size_t j = i + 1;
    while (j < n && alnum(h[j])) ++j;
    const std::string_view name = h.substr(i + 1, j - i - 1);
    const bool semi = j < n && h[j] == ';';
    if (semi) {
        if (const entity* e = find_entity(name)) {
            append_utf8(out, e->cp);
            return j + 1;
        }
        return npos;  // a name of gumbo's full table, or a legacy one before other letters
    }
    // Without ';' only the legacy names match (gumbo takes the longest match,
    // and every other name ends in ';'): the longest the run starts with (2 to 6 letters).
    std::size_t legacy = 0;
    for (std::size_t len = std::min<std::size_t>(name.size(), 6); len >= 2 && legacy == 0; --len)
        if (sorted_has(name.substr(0, len))) legacy = len;
    if (legacy > 0) {
        // In an attribute, gumbo leaves "&not" alone before an alphanumeric or '='.
        const char next = legacy < name.size() ? name[legacy] : (j < n ? h[j] : '\0');
        if (in_attribute && (alnum(next) || next == '=')) {
            out.push_back('&');
            return i + 1;
        }
        append_utf8(out, find_entity(name.substr(0, legacy))->cp);  // a parse error, decoded
        return i + 1 + legacy;
    }
    out.push_back('&');  // "&id=": no reference starts so
    return i + 1;
}

// --- tags ------------------------------------------------------------------------

enum class kind : std::uint8_t {
    other,  // rendered as its children (with formatting: b, font... which the adoption agency handles)
    a,
    area,
    img,
    br,
    hr,
    void_other,  // meta, link, wbr...: nothing to render
    blockquote,
    pre,
    li,
    dd_dt,
    list,  // ol, ul, menu, dir
    heading,
    p_closer,  // div, p, section...: close a <p> in button scope
    table,
    section,  // tbody, thead, tfoot
    tr,
    cell,         // td, th
    table_other,  // caption, col, colgroup
    form,
    select,       // dropped by the walk with all it holds; its own insertion mode
    option,       // option, optgroup (outside a <select>): closes an open <option>
    textarea,     // RCDATA: its text is rendered
    ignored,      // html, head, body
    raw,          // style, script, title: dropped with their text
    raw_in_body,  // iframe, noframes: the same, but foster-parented in a table
    decline,
};

struct tag_info {
    std::string_view name;
    kind k;
    bool block;       // html.cpp's is_block
    bool special;     // gumbo's is_special_node
    bool formatting;  // in the list of active formatting elements
};

// Sorted by name. Every name gumbo's tree builder treats otherwise than
// "any other start/end tag" is here (most of them to decline); a name not
// here is an ordinary element.
constexpr tag_info k_tags[] = {
    {"a", kind::a, false, false, true},
    {"address", kind::p_closer, true, true, false},
    {"applet", kind::decline, false, true, false},
    {"area", kind::area, false, true, false},
    {"article", kind::p_closer, true, true, false},
    {"aside", kind::p_closer, true, true, false},
    {"b", kind::other, false, false, true},
    {"base", kind::void_other, false, true, false},
    {"basefont", kind::void_other, false, true, false},
    {"bgsound", kind::void_other, false, true, false},
    {"big", kind::other, false, false, true},
    {"blockquote", kind::blockquote, true, true, false},
    {"body", kind::ignored, true, true, false},
    {"br", kind::br, false, true, false},
    {"button", kind::decline, false, true, false},
    {"caption", kind::table_other, true, true, false},
    {"center", kind::p_closer, true, true, false},
    {"code", kind::other, false, false, true},
    {"col", kind::table_other, false, true, false},
    {"colgroup", kind::table_other, false, true, false},
    {"dd", kind::dd_dt, true, true, false},
    {"details", kind::p_closer, true, true, false},
    {"dir", kind::list, true, true, false},
    {"div", kind::p_closer, true, true, false},
    {"dl", kind::p_closer, true, true, false},
    {"dt", kind::dd_dt, true, true, false},
    {"em", kind::other, false, false, true},
    {"embed", kind::void_other, false, true, false},
    {"fieldset", kind::p_closer, true, true, false},
    {"figcaption", kind::p_closer, true, true, false},
    {"figure", kind::p_closer, true, true, false},
    {"font", kind::other, false, false, true},
    {"footer", kind::p_closer, true, true, false},
    {"form", kind::form, true, true, false},
    {"frame", kind::decline, false, true, false},
    {"frameset", kind::decline, false, true, false},
    {"h1", kind::heading, true, true, false},
    {"h2", kind::heading, true, true, false},
    {"h3", kind::heading, true, true, false},
    {"h4", kind::heading, true, true, false},
    {"h5", kind::heading, true, true, false},
    {"h6", kind::heading, true, true, false},
    {"head", kind::ignored, false, true, false},
    {"header", kind::p_closer, true, true, false},
    {"hgroup", kind::p_closer, true, true, false},
    {"hr", kind::hr, true, true, false},
    {"html", kind::ignored, false, true, false},
    {"i", kind::other, false, false, true},
    {"iframe", kind::raw_in_body, false, true, false},
    {"image", kind::decline, false, false, false},
    {"img", kind::img, false, true, false},
    {"input", kind::void_other, false, true, false},
    {"isindex", kind::decline, false, true, false},
    {"keygen", kind::decline, false, false, false},
    {"li", kind::li, true, true, false},
    {"link", kind::void_other, false, true, false},
    {"listing", kind::decline, true, true, false},
    {"main", kind::p_closer, true, false, false},
    {"marquee", kind::decline, false, true, false},
    {"math", kind::decline, false, false, false},
    {"menu", kind::list, true, true, false},
    {"menuitem", kind::decline, false, true, false},
    {"meta", kind::void_other, false, true, false},
    {"nav", kind::p_closer, true, true, false},
    {"nobr", kind::other, false, false, true},
    {"noembed", kind::decline, false, true, false},
    {"noframes", kind::raw_in_body, false, true, false},
    {"noscript", kind::decline, false, true, false},
    {"object", kind::decline, false, true, false},
    {"ol", kind::list, true, true, false},
    {"optgroup", kind::option, false, false, false},
    {"option", kind::option, false, false, false},
    {"p", kind::p_closer, true, true, false},
    {"param", kind::void_other, false, true, false},
    {"plaintext", kind::decline, true, true, false},
    {"pre", kind::pre, true, true, false},
    {"rb", kind::decline, false, false, false},
    {"rp", kind::decline, false, false, false},
    {"rt", kind::decline, false, false, false},
    {"rtc", kind::decline, false, false, false},
    {"s", kind::other, false, false, true},
    {"script", kind::raw, false, true, false},
    {"section", kind::p_closer, true, true, false},
    {"select", kind::select, false, true, false},
    {"small", kind::other, false, false, true},
    {"source", kind::void_other, false, true, false},
    {"strike", kind::other, false, false, true},
    {"strong", kind::other, false, false, true},
    {"style", kind::raw, false, true, false},
    {"summary", kind::p_closer, true, true, false},
    {"svg", kind::decline, false, false, false},
    {"table", kind::table, true, true, false},
    {"tbody", kind::section, true, true, false},
    {"td", kind::cell, false, true, false},
    {"template", kind::decline, false, true, false},
    {"textarea", kind::textarea, false, true, false},
    {"tfoot", kind::section, true, true, false},
    {"th", kind::cell, false, true, false},
    {"thead", kind::section, true, true, false},
    {"title", kind::raw, false, true, false},
    {"tr", kind::tr, true, true, false},
    {"track", kind::void_other, false, true, false},
    {"tt", kind::other, false, false, true},
    {"u", kind::other, false, false, true},
    {"ul", kind::list, true, true, false},
    {"wbr", kind::void_other, false, true, false},
    {"xmp", kind::decline, true, true, false},
};

constexpr tag_info k_ordinary{"", kind::other, false, false, false};

/// A table of names sorted by name, every name starting with a-z, indexed by its
/// first letter: where each letter's names start (27 entries, the last the table's
/// size). A lookup compares the few names of one letter, by size first. The binary
/// search it replaces made a memcmp call at each of its ~7 steps: classify() was
/// 1.4% of `scan -j1`'s instructions on the corpus (callgrind, 2026-12-06).
template <class T, std::size_t N, class Name>
constexpr std::array<std::uint16_t, 27> letter_starts(const T (&table)[N], Name name) {
    std::array<std::uint16_t, 27> starts{};
    std::size_t i = 0;
    for (std::size_t c = 0; c < 26; ++c) {
        while (i < N && static_cast<unsigned char>(name(table[i])[0]) < 'a' + c) ++i;
        starts[c] = static_cast<std::uint16_t>(i);
    }
    starts[26] = static_cast<std::uint16_t>(N);
    return starts;
}

/// The index of `lower_name` in the table, or N.
template <class T, std::size_t N, class Name>
constexpr std::size_t find_by_letter(const T (&table)[N], const std::array<std::uint16_t, 27>& starts, Name name,
                                     std::string_view lower_name) {
    if (lower_name.empty()) return N;
    const auto c = static_cast<unsigned char>(lower_name[0]);
    if (c < 'a' || c > 'z') return N;
    for (std::size_t i = starts[c - 'a']; i < starts[c - 'a' + 1u]; ++i)
        if (name(table[i]).size() == lower_name.size() && name(table[i]) == lower_name) return i;
    return N;
}

/// Every name of a table is found at its own index, and the table is sorted with
/// every name starting with a-z (what letter_starts needs). Checked at compile time.
template <class T, std::size_t N, class Name>
constexpr bool letter_index_holds(const T (&table)[N], Name name) {
    const auto starts = letter_starts(table, name);
    for (std::size_t i = 0; i < N; ++i) {
        const std::string_view n = name(table[i]);
        if (n.empty() || n[0] < 'a' || n[0] > 'z' || (i > 0 && !(name(table[i - 1]) < n))) return false;
        if (find_by_letter(table, starts, name, n) != i) return false;
    }
    return true;
}

constexpr auto k_tag_name = [](const tag_info& t) { return t.name; };
static_assert(letter_index_holds(k_tags, k_tag_name));
constexpr auto k_tag_starts = letter_starts(k_tags, k_tag_name);

const tag_info& classify(std::string_view lower_name) {
    const std::size_t i = find_by_letter(k_tags, k_tag_starts, k_tag_name, lower_name);
    return i < std::size(k_tags) ? k_tags[i] : k_ordinary;
}

/// gumbo 0.10's tag names (src/tag.in). gumbo compares elements by tag
/// number, so an end tag it does not know matches any element it does not
/// know ("</o:p>" closes an open <x-y>).
// clang-format off
constexpr std::string_view k_gumbo_tags[] = {
    "a", "abbr", "acronym", "address", "annotation-xml", "applet", "area", "article", "aside", "audio", "b", "base",
    "basefont", "bdi", "bdo", "bgsound", "big", "blink", "blockquote", "body", "br", "button", "canvas", "caption",
    "center", "cite", "code", "col", "colgroup", "data", "datalist", "dd", "del", "desc", "details", "dfn", "dir",
    "div", "dl", "dt", "em", "embed", "fieldset", "figcaption", "figure", "font", "footer", "foreignobject", "form",
    "frame", "frameset", "h1", "h2", "h3", "h4", "h5", "h6", "head", "header", "hgroup", "hr", "html", "i", "iframe",
    "image", "img", "input", "ins", "isindex", "kbd", "keygen", "label", "legend", "li", "link", "listing", "main",
    "malignmark", "map", "mark", "marquee", "math", "menu", "menuitem", "meta", "meter", "mglyph", "mi", "mn", "mo",
    "ms", "mtext", "multicol", "nav", "nextid", "nobr", "noembed", "noframes", "noscript", "object", "ol",
    "optgroup", "option", "output", "p", "param", "plaintext", "pre", "progress", "q", "rb", "rp", "rt", "rtc",
    "ruby", "s", "samp", "script", "section", "select", "small", "source", "spacer", "span", "strike", "strong",
    "style", "sub", "summary", "sup", "svg", "table", "tbody", "td", "template", "textarea", "tfoot", "th", "thead",
    "time", "title", "tr", "track", "tt", "u", "ul", "var", "video", "wbr", "xmp"
};
// clang-format on

constexpr auto k_same_name = [](std::string_view n) { return n; };
static_assert(letter_index_holds(k_gumbo_tags, k_same_name));
constexpr auto k_gumbo_starts = letter_starts(k_gumbo_tags, k_same_name);

bool gumbo_knows(std::string_view lower_name) {
    return find_by_letter(k_gumbo_tags, k_gumbo_starts, k_same_name, lower_name) < std::size(k_gumbo_tags);
}

/// Attribute values a start tag may need: raw (entities not decoded) and
/// whether present; only the first of each name counts, as in gumbo.
struct wanted_attrs {
    enum { href, src, id, style, action, count };
    std::array<std::string_view, count> value{};
    std::array<bool, count> present{};
    std::string_view raw;  // all the attributes' text, up to the tag's '>'
};

/// The tag name starting at `p` (after "<" or "</"), lower-cased; `p` is left
/// just after it (at white space, '/', '>' or the end).
std::string tag_name(std::string_view h, std::size_t& p) {
    const std::size_t begin = p;
    while (p < h.size() && !is_ws(h[p]) && h[p] != '/' && h[p] != '>') ++p;
    std::string name(h.substr(begin, p - begin));
    for (char& c : name) c = lower(c);
    return name;
}

/// From just after a tag's name: the index after its '>' or npos
/// (html_render.hpp's scan_tag_attributes), keeping the values html_to_text
/// reads (`want`, may be null) and the tag's attribute text.
std::size_t scan_attributes(std::string_view h, std::size_t p, wanted_attrs* want) {
    if (!want) return scan_tag_attributes(h, p, [](const tag_attribute&) {});
    const std::size_t begin = p;
    const std::size_t end = scan_tag_attributes(h, p, [want](const tag_attribute& a) {
        const std::string_view name = a.name;
        int slot = -1;
        if (name.size() == 4 && at_ci(name, 0, "href"))
            slot = wanted_attrs::href;
        else if (name.size() == 3 && at_ci(name, 0, "src"))
            slot = wanted_attrs::src;
        else if (name.size() == 2 && at_ci(name, 0, "id"))
            slot = wanted_attrs::id;
        else if (name.size() == 5 && at_ci(name, 0, "style"))
            slot = wanted_attrs::style;
        else if (name.size() == 6 && at_ci(name, 0, "action"))
            slot = wanted_attrs::action;
        if (slot >= 0 && !want->present[slot]) {
            want->present[slot] = true;
            want->value[slot] = a.value;
        }
    });
    if (end != npos) want->raw = h.substr(begin, end - 1 - begin);
    return end;
}

struct open_element {
    std::string name;  // lower case
    const tag_info* info;
    bool known;            // gumbo_knows(name)
    std::uint32_t id;      // for the list of active formatting elements
    int list_counter = 0;  // <ol>: items seen
    // links_.size() and (inside an <a>) anchor_.size() when it opened: where the links and the
    // anchor text of what comes before it in the tree end, when a link is inserted before it (a
    // <table>'s foster-parented elements, or an <a> the adoption agency ends before it).
    std::size_t links_at;
    std::size_t anchor_at = 0;
};

/// An entry of the list of active formatting elements: an element (b, font,
/// a...) that is reopened at the next text or inline start tag if it was
/// closed implicitly, or a marker (id 0: a table cell).
struct formatting_entry {
    std::uint32_t id;
    const tag_info* info;
    std::string name;
    bool on_stack;
    bool href_present;
    std::string_view raw_href;   // what a reopened <a> links to
    std::string_view raw_attrs;  // for the Noah's Ark clause, which compares attributes
};

/// Does the walk (open() below) read attribute `slot` of element `t`?
bool reads(const tag_info& t, int slot) {
    switch (t.k) {
    case kind::a:
    case kind::area: return slot == wanted_attrs::href;
    case kind::img: return slot == wanted_attrs::src;
    case kind::form: return slot == wanted_attrs::action;
    default: return t.name == "div" && (slot == wanted_attrs::id || slot == wanted_attrs::style);
    }
}

/// gumbo's quirks mode, from the DOCTYPE: it decides whether <table> closes a <p>.
enum class quirks { undecided, quirks, no_quirks, unknown };

/// The tree builder's insertion mode, as far as it matters here: from the
/// nearest table element on the stack (a foster-parented element, which
/// would break this, is declined).
enum class mode { body, table, tbody, row, cell };

std::optional<std::string> decode_attribute(std::string_view v);

/// A tag's attributes as gumbo keeps them: names lower-cased, the first of
/// each name, values decoded; sorted by name (gumbo compares them as sets).
using attr_list = std::vector<std::pair<std::string, std::string>>;

bool attribute_list(std::string_view raw, attr_list& out) {
    out.clear();
    bool ok = true;
    scan_tag_attributes(raw, 0, [&](const tag_attribute& a) {
        std::string n(a.name);
        for (char& c : n) c = lower(c);
        for (const auto& [have, v] : out)
            if (have == n) return;
        auto decoded = decode_attribute(a.value);
        if (!decoded) {
            ok = false;
            return;
        }
        out.emplace_back(std::move(n), std::move(*decoded));
    });
    std::sort(out.begin(), out.end());
    return ok;
}

class fast_pass {
public:
    fast_pass(std::string_view h, std::size_t max_text, budget* bud) : h_(h), r_(max_text), bud_(bud) {
        stack_.reserve(32);
    }

    /// The rendering, or nullopt (why() says why).
    std::optional<html_text> run();
    std::string_view why() const { return why_; }

private:
    static constexpr std::size_t none = static_cast<std::size_t>(-1);

    bool decline(std::string_view why) {
        why_ = why;
        return false;
    }
    mode current_mode() const;
    bool in_table_mode() const {
        const mode m = current_mode();
        return m == mode::table || m == mode::tbody || m == mode::row;
    }
    /// Index of the nearest open element with `pred`, searching down from the
    /// current node and stopping (none) at a scope boundary: a table or a
    /// cell (the boundaries that can be on this stack), and `list_scope` adds
    /// <ol> and <ul>.
    template <class Pred>
    std::size_t in_scope(Pred pred, bool list_scope = false) const;
    std::size_t nearest(kind k) const;
    bool text(std::string_view s);
    bool insert_text(std::string_view s);
    bool textarea(std::string name, const tag_info& t, const wanted_attrs& attrs, std::size_t& i);
    bool start_tag(std::size_t lt, std::size_t& i);
    bool end_tag(std::size_t lt, std::size_t& i);
    bool start(std::string name, const tag_info& t, const wanted_attrs& attrs);
    bool in_table_otherwise(std::string name, const tag_info& t, const wanted_attrs& attrs);
    bool end(const std::string& name, const tag_info& t);
    bool end_in_body(const std::string& name, const tag_info& t);
    bool push(std::string name, const tag_info& info, const wanted_attrs* attrs);
    bool push_formatting(std::string name, const tag_info& info, const wanted_attrs& attrs);
    void pop();
    void insert_link(url_ref link, std::size_t before);
    void pop_to(std::size_t index);
    void close_cell();
    bool close_p_in_button_scope();
    bool reconstruct();
    bool adoption_agency(const std::string& subject, bool& done);
    std::size_t stack_index(std::uint32_t id) const;
    void doctype(std::size_t lt, std::size_t gt);
    void open(open_element& e, const wanted_attrs* attrs);
    void close(const open_element& e);
    std::optional<std::string> attr_value(const wanted_attrs& a, int slot);
    bool in_select() const { return !stack_.empty() && stack_.back().info->k == kind::select; }
    bool select_start(const std::string& name, const tag_info& t, bool& reprocess);
    bool select_end(const std::string& name, const tag_info& t, bool& reprocess);

    std::string_view h_;
    renderer r_;
    budget* bud_;
    std::vector<open_element> stack_;
    std::vector<url_ref> links_;
    std::string anchor_;
    std::optional<std::string> anchor_href_;
    std::size_t anchor_depth_ = 0;
    int pre_ = 0;
    std::vector<formatting_entry> active_;
    std::uint32_t next_id_ = 1;
    quirks quirks_ = quirks::undecided;
    std::uint32_t form_ = 0;     // gumbo's form element pointer (an id; 0: none)
    bool pending_text_ = false;  // text since the last element or comment (gumbo's unflushed text node)
    std::string buf_;
    std::string_view why_;
};

mode fast_pass::current_mode() const {
    for (auto it = stack_.rbegin(); it != stack_.rend(); ++it) {
        switch (it->info->k) {
        case kind::cell: return mode::cell;
        case kind::tr: return mode::row;
        case kind::section: return mode::tbody;
        case kind::table: return mode::table;
        default: break;
        }
    }
    return mode::body;
}

template <class Pred>
std::size_t fast_pass::in_scope(Pred pred, bool list_scope) const {
    for (std::size_t i = stack_.size(); i-- > 0;) {
        const open_element& e = stack_[i];
        if (pred(e)) return i;
        const kind k = e.info->k;
        if (k == kind::table || k == kind::cell) return none;
        if (list_scope && (e.name == "ol" || e.name == "ul")) return none;
    }
    return none;
}

std::size_t fast_pass::nearest(kind k) const {
    for (std::size_t i = stack_.size(); i-- > 0;)
        if (stack_[i].info->k == k) return i;
    return none;
}

std::optional<std::string> fast_pass::attr_value(const wanted_attrs& a, int slot) {
    return decode_attribute(a.value[slot]);
}

/// An attribute value as gumbo stores it (references decoded, CR LF and CR
/// as LF), or nullopt where a reference is not certain.
std::optional<std::string> decode_attribute(std::string_view v) {
    if (v.find('&') == npos && v.find('\r') == npos) return std::string(v);
    std::string out;
    out.reserve(v.size());
    for (std::size_t i = 0; i < v.size();) {
        if (v[i] == '\r') {  // gumbo's input turns CR LF and a lone CR into LF
            out.push_back('\n');
            i += i + 1 < v.size() && v[i + 1] == '\n' ? 2 : 1;
            continue;
        }
        if (v[i] != '&') {
            out.push_back(v[i++]);
            continue;
        }
        const std::size_t next = char_ref(v, i, true, out);
        if (next == npos) return std::nullopt;
        i = next;
    }
    return out;
}

// open() and close() are html.cpp's walk's open and close, event for event.
void fast_pass::open(open_element& e, const wanted_attrs* attrs) {
    const tag_info& t = *e.info;
    bool separator = false;
    if (t.name == "div" && attrs) {
        std::optional<std::string> id, style;
        if (attrs->present[wanted_attrs::id]) id = attr_value(*attrs, wanted_attrs::id);
        if (attrs->present[wanted_attrs::style]) style = attr_value(*attrs, wanted_attrs::style);
        separator = html_detail::is_outlook_separator(id ? id->c_str() : nullptr, style ? style->c_str() : nullptr);
    }
    if (separator)
        r_.separator_line();
    else if (t.block)
        r_.block_break();
    switch (t.k) {
    case kind::br: r_.hard_break(); break;
    case kind::hr: r_.separator_line(); break;
    case kind::blockquote: r_.quote_in(); break;
    case kind::pre: r_.pre_in(); break;
    case kind::cell: r_.cell_sep(); break;
    case kind::li: {
        open_element* list = nullptr;
        for (auto it = stack_.rbegin(); it != stack_.rend(); ++it)
            if (it->info->k == kind::list) {
                list = &*it;
                break;
            }
        if (list && list->name == "ol")
            r_.bullet(std::to_string(++list->list_counter) + ". ");
        else
            r_.bullet("- ");
        break;
    }
    case kind::a:
        if (attrs && attrs->present[wanted_attrs::href]) {
            anchor_href_ = attr_value(*attrs, wanted_attrs::href);
            anchor_.clear();
            anchor_depth_ = stack_.size();
        }
        break;
    case kind::img:
        if (attrs && attrs->present[wanted_attrs::src])
            add_link(links_, attr_value(*attrs, wanted_attrs::src)->c_str(), {});
        break;
    case kind::area:
        if (attrs && attrs->present[wanted_attrs::href])
            add_link(links_, attr_value(*attrs, wanted_attrs::href)->c_str(), {});
        break;
    case kind::form:
        if (attrs && attrs->present[wanted_attrs::action])
            add_link(links_, attr_value(*attrs, wanted_attrs::action)->c_str(), {});
        break;
    default: break;
    }
}

void fast_pass::close(const open_element& e) {
    switch (e.info->k) {
    case kind::blockquote: r_.quote_out(); break;
    case kind::pre: r_.pre_out(); break;
    case kind::a:
        if (anchor_href_ && anchor_depth_ == stack_.size()) {
            add_link(links_, anchor_href_->c_str(), std::move(anchor_));
            anchor_.clear();
            anchor_href_.reset();
        }
        break;
    default:
        if (e.info->block) r_.block_break();
        break;
    }
}

bool fast_pass::push(std::string name, const tag_info& info, const wanted_attrs* attrs) {
    if (stack_.size() >= k_max_open) return decline("more than 200 open elements");
    // The values the renderer reads must decode for certain before anything is rendered (the
    // others are never read: a reference gumbo alone decodes there changes nothing).
    if (attrs) {
        for (int s = 0; s < wanted_attrs::count; ++s)
            if (attrs->present[s] && reads(info, s) &&
                (attrs->value[s].find('&') != npos || attrs->value[s].find('\r') != npos) && !attr_value(*attrs, s))
                return decline("an attribute value it cannot decode");
    }
    const bool known = &info != &k_ordinary || gumbo_knows(name);
    open_element e{std::move(name), &info, known, next_id_++, 0, links_.size(), anchor_.size()};
    open(e, attrs);
    pending_text_ = false;
    if (info.k == kind::pre) ++pre_;
    stack_.push_back(std::move(e));
    if (info.k == kind::cell) active_.push_back({0, nullptr, {}, false, false, {}, {}});  // the cell's marker
    return true;
}

/// A formatting element: pushed and added to the list, after the Noah's Ark
/// clause: with three entries of the same tag and the same attributes (gumbo
/// compares the decoded values, case-sensitively, in any order) since the
/// last marker, the earliest of them leaves the list (not the stack).
bool fast_pass::push_formatting(std::string name, const tag_info& info, const wanted_attrs& attrs) {
    int same_tag = 0;
    for (auto it = active_.rbegin(); it != active_.rend() && it->id != 0; ++it)
        if (it->name == name) ++same_tag;
    if (same_tag >= 3) {
        attr_list mine, theirs;
        if (!attribute_list(attrs.raw, mine)) return decline("a formatting element whose attributes it cannot decode");
        int same = 0;
        std::size_t earliest = 0;
        for (std::size_t k = active_.size(); k-- > 0 && active_[k].id != 0;) {
            if (active_[k].name != name) continue;
            if (!attribute_list(active_[k].raw_attrs, theirs))
                return decline("a formatting element whose attributes it cannot decode");
            if (theirs == mine) {
                ++same;
                earliest = k;
            }
        }
        if (same >= 3) active_.erase(active_.begin() + static_cast<std::ptrdiff_t>(earliest));
    }
    formatting_entry entry{
        0, &info, name, true, attrs.present[wanted_attrs::href], attrs.value[wanted_attrs::href], attrs.raw};
    if (!push(std::move(name), info, &attrs)) return false;
    entry.id = stack_.back().id;
    active_.push_back(std::move(entry));
    return true;
}

/// Adds `link` before the links of stack_[before] and of what opened after it.
void fast_pass::insert_link(url_ref link, std::size_t before) {
    const std::size_t at = stack_[before].links_at;
    links_.insert(links_.begin() + static_cast<std::ptrdiff_t>(at), std::move(link));
    for (std::size_t j = before; j < stack_.size(); ++j)
        if (stack_[j].links_at >= at) ++stack_[j].links_at;
}

void fast_pass::pop() {
    open_element e = std::move(stack_.back());
    stack_.pop_back();
    if (e.info->k == kind::pre) --pre_;
    pending_text_ = false;
    if (e.info->formatting)
        for (auto it = active_.rbegin(); it != active_.rend(); ++it)
            if (it->id == e.id) {
                it->on_stack = false;  // stays in the list: reopened by reconstruct()
                break;
            }
    close(e);
}

std::size_t fast_pass::stack_index(std::uint32_t id) const {
    for (std::size_t i = stack_.size(); i-- > 0;)
        if (stack_[i].id == id) return i;
    return none;
}

/// gumbo's reconstruct_active_formatting_elements: the entries closed
/// implicitly since the last marker or open entry are opened again, in order.
bool fast_pass::reconstruct() {
    if (active_.empty() || active_.back().id == 0 || active_.back().on_stack) return true;
    std::size_t k = active_.size() - 1;
    while (k > 0 && active_[k - 1].id != 0 && !active_[k - 1].on_stack) --k;
    for (; k < active_.size(); ++k) {
        formatting_entry& entry = active_[k];
        wanted_attrs attrs;
        attrs.present[wanted_attrs::href] = entry.href_present;
        attrs.value[wanted_attrs::href] = entry.raw_href;
        attrs.raw = entry.raw_attrs;
        if (!push(entry.name, *entry.info, &attrs)) return false;
        entry.id = stack_.back().id;
        entry.on_stack = true;
    }
    return true;
}

/// Closes stack_[index] and everything opened after it, as the tree builder
/// does when an end tag or a start tag closes elements implicitly
/// (formatting elements among them stay in the list, see reconstruct()).
void fast_pass::pop_to(std::size_t index) {
    while (stack_.size() > index) pop();
}

/// The end of the current cell: the stack down to it, the list down to its marker.
void fast_pass::close_cell() {
    pop_to(nearest(kind::cell));
    while (!active_.empty()) {
        const bool marker = active_.back().id == 0;
        active_.pop_back();
        if (marker) break;
    }
}

bool fast_pass::close_p_in_button_scope() {
    const std::size_t p = in_scope([](const open_element& e) { return e.name == "p"; });
    if (p != none) pop_to(p);
    return true;
}

/// gumbo 0.10's adoption_agency_algorithm for `subject`: `done` false when
/// there was no such formatting element since the last marker. Followed
/// where nothing moves out of document order: with no special element open
/// above the formatting element, it closes with everything above it; with
/// one right above it (the "furthest block", say a <p> in a <font>), the
/// block moves to after the formatting element (its last child: the order
/// stays) and a copy of the formatting element, which renders nothing, takes
/// over the block's children; then the next round. Declined: elements between
/// the two (they would be cloned or moved), an <a> (its copy would be a
/// second link), a table as the common ancestor (foster parenting).
bool fast_pass::adoption_agency(const std::string& subject, bool& done) {
    done = false;
    // Step 1: the current node of that tag, left out of the list by the Noah's Ark clause, closes.
    if (!stack_.empty() && stack_.back().name == subject &&
        std::none_of(active_.begin(), active_.end(),
                     [&](const formatting_entry& f) { return f.id == stack_.back().id; })) {
        done = true;
        pop();
        return true;
    }
    for (int round = 0; round < 8; ++round) {
        std::size_t k = active_.size();
        while (k-- > 0) {
            if (active_[k].id == 0) return true;  // the last marker: nothing
            if (active_[k].name == subject) break;
        }
        if (k == static_cast<std::size_t>(-1)) return true;
        done = true;
        if (!active_[k].on_stack) {  // closed implicitly: only taken off the list
            active_.erase(active_.begin() + static_cast<std::ptrdiff_t>(k));
            return true;
        }
        const std::size_t at = stack_index(active_[k].id);
        std::size_t block = none;
        for (std::size_t j = at + 1; j < stack_.size() && block == none; ++j) {
            const kind kj = stack_[j].info->k;
            if (kj == kind::table || kj == kind::cell) return decline("a formatting element out of scope");
            if (stack_[j].info->special) block = j;
        }
        if (block == none) {
            active_.erase(active_.begin() + static_cast<std::ptrdiff_t>(k));
            pop_to(at);
            return true;
        }
        if (block != at + 1) return decline("misnested formatting around nested elements");
        if (at > 0) {
            const kind ancestor = stack_[at - 1].info->k;
            if (ancestor == kind::table || ancestor == kind::section || ancestor == kind::tr)
                return decline("misnested formatting in a table");
        }
        if (stack_[at].info->k == kind::a && active_[k].href_present) {
            // The walk starts the copy's anchor text afresh: the <a> must still own the anchor text
            // (an <a> in a cell inside it ends the walk's anchor).
            if (!anchor_href_ || anchor_depth_ != at) return decline("<a> around a block, its anchor text ended");
            // The <a> ends before the block: its link, with the anchor text up to the block, goes
            // before the links found in the block; the copy in the block is a second link.
            if (anchor_.size() >= html_detail::k_max_anchor || links_.size() + 1 >= limits{}.urls)
                return decline("<a> around a block, its link near a limit");
            std::vector<url_ref> one;
            const std::size_t split = stack_[block].anchor_at;
            add_link(one, anchor_href_->c_str(), anchor_.substr(0, split));
            if (!one.empty()) insert_link(std::move(one.front()), block);
            anchor_.erase(0, split);
            for (std::size_t j = block; j < stack_.size(); ++j)
                stack_[j].anchor_at -= std::min(split, stack_[j].anchor_at);
            anchor_depth_ = at + 1;  // the copy's
        }
        // The element leaves the stack (its close renders nothing: not a block, not <a>); its copy
        // goes right above the block, and replaces it in the list.
        open_element copy{stack_[at].name, stack_[at].info, stack_[at].known, next_id_++, 0, stack_[block].links_at, 0};
        stack_.erase(stack_.begin() + static_cast<std::ptrdiff_t>(at));
        active_[k].id = copy.id;
        stack_.insert(stack_.begin() + static_cast<std::ptrdiff_t>(at + 1), std::move(copy));
    }
    return true;
}

bool fast_pass::text(std::string_view s) {
    if (s.empty() || in_select()) return true;  // a select's text is dropped with it (references too)
    if (in_table_mode()) {
        // Table text: whitespace is inserted where it is; anything else is foster-parented.
        for (char c : s)
            if (!is_ws(c)) return decline("text in a table outside its cells");
        r_.text(s, anchor_href_ ? &anchor_ : nullptr);
        return true;
    }
    if (!reconstruct()) return false;  // text reopens formatting elements closed implicitly
    return insert_text(s);
}

/// Text `s` (a view into the document) inserted in the current node, references decoded.
bool fast_pass::insert_text(std::string_view s) {
    if (pre_ > 0) {
        for (std::size_t cr = s.find('\r'); cr != npos; cr = s.find('\r', cr + 1))
            if (cr + 1 >= s.size() || s[cr + 1] != '\n') return decline("a lone CR in <pre>");
    }
    pending_text_ = true;
    std::string* anchor = anchor_href_ ? &anchor_ : nullptr;
    std::size_t i = 0;
    while (i < s.size()) {
        const std::size_t amp = s.find('&', i);
        if (amp == npos) {
            r_.text(s.substr(i), anchor);
            return true;
        }
        if (amp > i) r_.text(s.substr(i, amp - i), anchor);
        buf_.clear();
        // Read in the document up to the end of `s`: a reference never runs past the '<' that ends it.
        const std::size_t base = static_cast<std::size_t>(s.data() - h_.data());
        const std::size_t next = char_ref(h_.substr(0, base + s.size()), base + amp, false, buf_);
        if (next == npos) return decline("a character reference it cannot decode for certain");
        r_.text(buf_, anchor);
        i = next - base;
    }
    return true;
}

bool fast_pass::start_tag(std::size_t lt, std::size_t& i) {
    const std::size_t n = h_.size();
    std::size_t p = lt + 1;
    std::string name = tag_name(h_, p);
    const tag_info& t = classify(name);
    wanted_attrs attrs;
    const std::size_t end = scan_attributes(h_, p, &attrs);
    if (end == npos) return decline("an unterminated tag");
    i = end;
    if (in_select() && name != "script") {
        bool reprocess = false;
        if (!select_start(name, t, reprocess)) return false;
        if (!reprocess) return true;
    }
    if (t.k == kind::raw || t.k == kind::raw_in_body) {
        if ((t.k == kind::raw_in_body || t.name == "title") && in_table_mode())
            return decline("an element out of place in a table");
        const std::size_t e = t.name == "script" ? script_data_end(h_, end) : raw_text_end(h_, t.name, end);
        if (e == npos) {  // the raw text runs to the end of input, which closes everything
            i = n;
            return true;
        }
        const std::size_t close = scan_attributes(h_, e + 2 + t.name.size(), nullptr);
        if (close == npos) return decline("an unterminated tag");
        i = close;
        return true;
    }
    if (t.k == kind::textarea) return textarea(std::move(name), t, attrs, i);
    if (!start(std::move(name), t, attrs)) return false;
    if (t.k == kind::pre) {
        // gumbo drops a newline that is the very next token after <pre> ("</>" makes no token).
        while (h_.compare(i, 3, "</>") == 0) i += 3;
        if (i < n && h_[i] == '&') return decline("a reference right after <pre>");
        if (i < n && h_[i] == '\n')
            ++i;
        else if (i < n && h_[i] == '\r')
            i += (i + 1 < n && h_[i + 1] == '\n') ? 2 : 1;
    }
    return true;
}

/// <textarea> in body or a cell, from just after its start tag (`i`): inserted
/// without reopening formatting elements, its RCDATA text (references decoded,
/// tags are text) up to "</textarea" rendered as text but for a first newline,
/// then closed. gumbo's handle_in_body and handle_text.
bool fast_pass::textarea(std::string name, const tag_info& t, const wanted_attrs& attrs, std::size_t& i) {
    if (in_table_mode()) return decline("an element out of place in a table");
    if (pre_ > 0) return decline("a <textarea> in <pre>");
    const std::size_t n = h_.size();
    if (!push(std::move(name), t, &attrs)) return false;
    if (i < n && h_[i] == '&') return decline("a reference right after <textarea>");
    if (i < n && h_[i] == '\n')
        ++i;
    else if (i < n && h_[i] == '\r')
        i += (i + 1 < n && h_[i + 1] == '\n') ? 2 : 1;
    const std::size_t e = raw_text_end(h_, "textarea", i);
    if (!insert_text(h_.substr(i, (e == npos ? n : e) - i))) return false;
    if (e == npos) {  // to the end of input, which closes everything
        i = n;
        return true;
    }
    const std::size_t close = scan_attributes(h_, e + 2 + 8, nullptr);
    if (close == npos) return decline("an unterminated tag");
    i = close;
    pop();
    return true;
}

/// A start tag, by the insertion mode's rules (gumbo's handle_in_body,
/// handle_in_table, handle_in_table_body, handle_in_row, handle_in_cell).
bool fast_pass::start(std::string name, const tag_info& t, const wanted_attrs& attrs) {
    if (t.k == kind::decline) return decline("an element it does not follow");
    if (t.k == kind::ignored) return true;  // attributes merged or the tag ignored: nothing rendered
    switch (current_mode()) {
    case mode::table:
    case mode::tbody:
    case mode::row:
        if (t.k == kind::form) {
            // In a table a <form> is inserted and closed at once (no foster parenting), once.
            if (form_ != 0) return true;
            if (!push(std::move(name), t, &attrs)) return false;
            form_ = stack_.back().id;
            pop();
            return true;
        }
        break;
    default: break;
    }
    switch (current_mode()) {
    case mode::table:
        switch (t.k) {
        case kind::section: return push(std::move(name), t, nullptr);
        case kind::tr: return push("tbody", classify("tbody"), nullptr) && push(std::move(name), t, nullptr);
        case kind::cell:
            return push("tbody", classify("tbody"), nullptr) && push("tr", classify("tr"), nullptr) &&
                   push(std::move(name), t, nullptr);
        default: return in_table_otherwise(std::move(name), t, attrs);
        }
    case mode::tbody:
        switch (t.k) {
        case kind::section: pop(); return start(std::move(name), t, attrs);  // closes the section
        case kind::tr: return push(std::move(name), t, nullptr);
        case kind::cell: return push("tr", classify("tr"), nullptr) && push(std::move(name), t, nullptr);
        default: return in_table_otherwise(std::move(name), t, attrs);
        }
    case mode::row:
        switch (t.k) {
        case kind::section:
        case kind::tr: pop(); return start(std::move(name), t, attrs);  // closes the row
        case kind::cell: return push(std::move(name), t, nullptr);
        default: return in_table_otherwise(std::move(name), t, attrs);
        }
    case mode::cell:
        if (t.k == kind::section || t.k == kind::tr || t.k == kind::cell) {
            close_cell();  // and reprocess in the row
            return start(std::move(name), t, attrs);
        }
        if (t.k == kind::table_other) return decline("an element it does not follow");
        break;
    case mode::body:
        // Table parts outside a table are ignored.
        if (t.k == kind::section || t.k == kind::tr || t.k == kind::cell || t.k == kind::table_other) return true;
        break;
    }
    // In body (or in a cell, which follows the body's rules for the rest).
    switch (t.k) {
    case kind::a: {
        // An <a> in the list since the last marker goes first: the adoption agency.
        bool done = false;
        if (!adoption_agency("a", done)) return false;
        // After its eight rounds, an <a> still in the list leaves the list and the stack.
        for (std::size_t k = active_.size(); k-- > 0 && active_[k].id != 0;) {
            if (active_[k].name != "a") continue;
            const std::size_t at = stack_index(active_[k].id);
            if (at != none && at + 1 != stack_.size()) return decline("<a> left open under other elements");
            // gumbo's unflushed text then goes after it, not in its anchor text.
            if (at != none && pending_text_) return decline("<a> left open before unflushed text");
            active_.erase(active_.begin() + static_cast<std::ptrdiff_t>(k));
            if (at != none) pop();
            break;
        }
        if (!reconstruct()) return false;
        return push_formatting(std::move(name), t, attrs);
    }
    case kind::br:
    case kind::img:
    case kind::area:
    case kind::void_other:
    case kind::hr:
        if (t.k == kind::hr)
            close_p_in_button_scope();
        else if ((t.k != kind::void_other || name == "embed" || name == "wbr" || name == "input") && !reconstruct())
            return false;  // meta, link, param... are inserted without reopening formatting
        if (!push(std::move(name), t, &attrs)) return false;
        pop();
        return true;
    case kind::li:
    case kind::dd_dt:
        // gumbo's maybe_implicitly_close_list_tag: an open item closes, unless a special element
        // other than address, div and p comes first.
        for (std::size_t i = stack_.size(); i-- > 0;) {
            const open_element& e = stack_[i];
            if (e.info->k == t.k) {
                pop_to(i);
                break;
            }
            if (e.info->special && e.name != "address" && e.name != "div" && e.name != "p") break;
        }
        if (!close_p_in_button_scope()) return false;
        return push(std::move(name), t, &attrs);
    case kind::heading:
        if (!close_p_in_button_scope()) return false;
        if (!stack_.empty() && stack_.back().info->k == kind::heading) pop();
        return push(std::move(name), t, &attrs);
    case kind::table:
        // A <table> closes a <p> but in quirks mode (decided by the DOCTYPE).
        if (in_scope([](const open_element& e) { return e.name == "p"; }) != none) {
            if (quirks_ == quirks::unknown) return decline("a table in a <p> under a DOCTYPE it does not know");
            if (quirks_ != quirks::quirks) close_p_in_button_scope();
        }
        return push(std::move(name), t, &attrs);
    case kind::form:
        if (form_ != 0) return true;  // a form in a form is ignored
        close_p_in_button_scope();
        if (!push(std::move(name), t, &attrs)) return false;
        form_ = stack_.back().id;
        return true;
    case kind::list:
    case kind::p_closer:
    case kind::blockquote:
    case kind::pre:
        if (!close_p_in_button_scope()) return false;
        return push(std::move(name), t, &attrs);
    case kind::select:
        // Inserted after reopening formatting elements; what follows goes by the select's rules.
        return reconstruct() && push(std::move(name), t, &attrs);
    case kind::option:
        if (!stack_.empty() && stack_.back().name == "option") pop();
        return reconstruct() && push(std::move(name), t, &attrs);
    default:
        if (!reconstruct()) return false;
        if (name == "nobr" && in_scope([](const open_element& e) { return e.name == "nobr"; }) != none) {
            // A <nobr> in scope ends first (the adoption agency), then formatting reopens.
            bool done = false;
            if (!adoption_agency("nobr", done) || !reconstruct()) return false;
        }
        if (t.formatting) return push_formatting(std::move(name), t, attrs);
        return push(std::move(name), t, &attrs);
    }
}

/// A start tag in a table, a table body or a row that is not a table part
/// (gumbo's handle_in_table "anything else", after <form>, <style> and
/// <script>). A <table> closes the open one and is handled again. Any other
/// element is foster-parented: inserted before the table, in its parent.
/// Followed for the void elements that render nothing in the walk (<input>,
/// <meta>, <wbr>...) and those that only add a link (<img>, <area>): the link
/// goes before the ones the table added so far. Declined: an element with
/// content or a line break (its rendering would go before the table's), and
/// formatting elements to reopen (they would be foster-parented too).
bool fast_pass::in_table_otherwise(std::string name, const tag_info& t, const wanted_attrs& attrs) {
    if (t.k == kind::table) {
        pop_to(nearest(kind::table));
        return start(std::move(name), t, attrs);
    }
    if (t.k != kind::void_other && t.k != kind::img && t.k != kind::area)
        return decline("an element out of place in a table");
    const bool reconstructs = t.k != kind::void_other || name == "embed" || name == "wbr" || name == "input";
    if (reconstructs && !active_.empty() && active_.back().id != 0 && !active_.back().on_stack)
        return decline("formatting elements to reopen in a table");
    const int slot = t.k == kind::img ? wanted_attrs::src : wanted_attrs::href;
    if (t.k == kind::void_other || !attrs.present[slot]) {
        pending_text_ = false;  // an element between: gumbo's text node is flushed
        return true;
    }
    const std::optional<std::string> url = attr_value(attrs, slot);
    if (!url) return decline("an attribute value it cannot decode");
    std::vector<url_ref> one;
    add_link(one, url->c_str(), {});
    if (!one.empty()) {
        if (links_.size() + 1 >= limits{}.urls) return decline("a foster-parented link near the limit");
        insert_link(std::move(one.front()), nearest(kind::table));
    }
    pending_text_ = false;
    return true;
}

bool fast_pass::end_tag(std::size_t lt, std::size_t& i) {
    std::size_t p = lt + 2;
    std::string name = tag_name(h_, p);
    const std::size_t end_at = scan_attributes(h_, p, nullptr);
    if (end_at == npos) return decline("an unterminated tag");
    i = end_at;
    const tag_info& t = classify(name);
    if (in_select()) {
        bool reprocess = false;
        if (!select_end(name, t, reprocess)) return false;
        if (!reprocess) return true;
    }
    return end(name, t);
}

/// gumbo's handle_in_select and handle_in_select_in_table for a start tag
/// other than <script> (which goes to the head's rules: raw text, dropped).
/// Nothing inside a <select> renders, so <option> and <optgroup> are not
/// kept; only what closes the select matters: another <select>, and in a
/// table a table part (`reprocess`: then handled in the mode it returns to).
/// Every other tag is ignored, without the raw text of <style> or <title>.
bool fast_pass::select_start(const std::string& name, const tag_info& t, bool& reprocess) {
    reprocess = false;
    if (name == "input" || name == "keygen" || name == "textarea" || name == "template")
        return decline("an element it does not follow in a <select>");
    if (t.k == kind::select) {
        pop();
        return true;
    }
    const bool table_part =
        t.k == kind::table || t.k == kind::section || t.k == kind::tr || t.k == kind::cell || name == "caption";
    if (table_part && nearest(kind::table) != none) {
        pop();
        reprocess = true;
    }
    return true;
}

/// The same for an end tag: </select> closes it; in a table, the end tag of
/// a table part in table scope closes it and is reprocessed; others are ignored.
bool fast_pass::select_end(const std::string& name, const tag_info& t, bool& reprocess) {
    reprocess = false;
    if (name == "template") return decline("an element it does not follow in a <select>");
    if (t.k == kind::select) {
        pop();
        return true;
    }
    const bool table_part =
        t.k == kind::table || t.k == kind::section || t.k == kind::tr || t.k == kind::cell || name == "caption";
    if (!table_part || nearest(kind::table) == none) return true;
    for (std::size_t i = stack_.size(); i-- > 0;) {
        if (stack_[i].name == name) {
            pop();
            reprocess = true;
            return true;
        }
        if (stack_[i].info->k == kind::table) break;  // table scope
    }
    return true;
}

/// An end tag, by the insertion mode's rules.
bool fast_pass::end(const std::string& name, const tag_info& t) {
    if (t.k == kind::ignored) return true;  // </html>, </head>, </body>: what follows still goes to the body
    if (name == "template") return decline("an element it does not follow");
    if (t.k == kind::form) {
        // The form element pointer goes; the form closes if it is in scope, with only
        // elements whose end tags are implied above it (else it would leave the stack alone).
        const std::uint32_t form = form_;
        form_ = 0;
        const std::size_t at = in_scope([form](const open_element& e) { return e.id == form; });
        if (form == 0 || at == none) return true;
        // gumbo takes the form off the stack without flushing its pending text node: that
        // text and what follows go to the form's parent at the next flush.
        if (at + 1 == stack_.size() && pending_text_) return decline("text right before </form>");
        for (std::size_t j = at + 1; j < stack_.size(); ++j) {
            const kind kj = stack_[j].info->k;
            if (!(stack_[j].name == "p" || kj == kind::li || kj == kind::dd_dt))
                return decline("a form closed under open elements");
        }
        pop_to(at);
        return true;
    }
    const mode m = current_mode();
    if (m == mode::table || m == mode::tbody || m == mode::row) {
        switch (t.k) {
        case kind::table: pop_to(nearest(kind::table)); return true;
        case kind::section: {
            // The section open in this table, if it has this name.
            const std::size_t s = nearest(kind::section);
            if (s != none && s > nearest(kind::table) && stack_[s].name == name) pop_to(s);
            return true;
        }
        case kind::tr:
            if (m == mode::row) pop();
            return true;
        default:
            // </p> and </br> insert an element (foster-parented here); every other end tag is
            // ignored: the table is a scope boundary and a special element.
            if (name == "p" || name == "br") return decline("an element out of place in a table");
            return true;
        }
    }
    if (m == mode::cell) {
        const std::size_t cell = nearest(kind::cell);
        switch (t.k) {
        case kind::cell:
            if (stack_[cell].name == name) close_cell();
            return true;  // </th> in a <td>: no such cell in table scope
        case kind::table:
        case kind::tr: close_cell(); return end(name, t);
        case kind::section: {
            const std::size_t s = nearest(kind::section);
            if (s == none || s < nearest(kind::table) || stack_[s].name != name) return true;
            close_cell();
            return end(name, t);
        }
        case kind::table_other: return true;
        default: break;
        }
    }
    return end_in_body(name, t);
}

bool fast_pass::end_in_body(const std::string& name, const tag_info& t) {
    auto same_name = [&](const open_element& e) { return e.name == name; };
    switch (t.k) {
    case kind::p_closer:
        if (name == "p") {
            const std::size_t p = in_scope(same_name);
            if (p != none) {
                pop_to(p);
                return true;
            }
            // No <p> open: gumbo inserts an empty one.
            if (!push("p", t, nullptr)) return false;
            pop();
            return true;
        }
        [[fallthrough]];
    case kind::list:
    case kind::blockquote:
    case kind::pre:
    case kind::dd_dt: {
        const std::size_t e = in_scope(same_name);
        if (e != none) pop_to(e);
        return true;
    }
    case kind::li: {
        const std::size_t e = in_scope(same_name, true);
        if (e != none) pop_to(e);
        return true;
    }
    case kind::heading: {
        const std::size_t e = in_scope([](const open_element& x) { return x.info->k == kind::heading; });
        if (e != none) pop_to(e);
        return true;
    }
    case kind::br:
        // </br> is a <br>.
        if (!reconstruct() || !push("br", t, nullptr)) return false;
        pop();
        return true;
    default: break;
    }
    if (t.formatting) {
        // gumbo 0.10 ignores the end tag when the adoption agency finds no element.
        bool done = false;
        return adoption_agency(name, done);
    }
    // Any other end tag: the nearest element of that tag closes, unless a special element comes
    // first. gumbo matches by tag number: a name it does not know matches any such element.
    const bool known = gumbo_knows(name);
    for (std::size_t i = stack_.size(); i-- > 0;) {
        const open_element& e = stack_[i];
        if (known ? e.name == name : !e.known) {
            pop_to(i);
            return true;
        }
        if (e.info->special) return true;
    }
    return true;
}

/// gumbo's compute_quirks_mode for the DOCTYPE h_[lt, gt]: only the forms
/// it can read for certain (name html; a PUBLIC and/or SYSTEM identifier,
/// quoted), else unknown. gumbo 0.10 compares the public identifier with
/// its "prefix" lists as whole strings (strcasecmp): the usual XHTML and
/// HTML 4 identifiers, ending in "//EN", are not in quirks mode.
void fast_pass::doctype(std::size_t lt, std::size_t gt) {
    const std::string_view d = h_.substr(lt + 2, gt - lt - 2);  // DOCTYPE ... (without '>')
    quirks_ = quirks::unknown;
    std::size_t p = 7;
    auto skip_ws = [&] {
        const std::size_t from = p;
        while (p < d.size() && is_ws(d[p])) ++p;
        return p > from;
    };
    auto quoted = [&](std::string_view& out) {
        if (p >= d.size() || (d[p] != '"' && d[p] != '\'')) return false;
        const std::size_t e = d.find(d[p], p + 1);
        if (e == npos) return false;
        out = d.substr(p + 1, e - p - 1);
        p = e + 1;
        return true;
    };
    if (!skip_ws()) return;
    if (!at_ci(d, p, "html") || (p + 4 < d.size() && !is_ws(d[p + 4]))) return;
    p += 4;
    skip_ws();
    std::string_view pub, sys;
    bool has_pub = false;
    if (at_ci(d, p, "public")) {
        p += 6;
        if (!skip_ws() || !quoted(pub)) return;
        has_pub = true;
        const bool ws = skip_ws();
        if (p < d.size() && (!ws || !quoted(sys))) return;
    } else if (at_ci(d, p, "system")) {
        p += 6;
        if (!skip_ws() || !quoted(sys)) return;
    }
    skip_ws();
    if (p != d.size()) return;
    if (has_pub && pub.size() >= 2 && pub.substr(pub.size() - 2) == "//") return;  // might equal a list entry
    if (pub == "-//W3O//DTD W3 HTML Strict 3.0//EN//" || pub == "-/W3C/DTD HTML 4.0 Transitional/EN" || pub == "HTML" ||
        sys == "http://www.ibm.com/data/dtd/v11/ibmxhtml1-transitional.dtd")
        quirks_ = quirks::quirks;
    else
        quirks_ = quirks::no_quirks;
}

std::optional<html_text> fast_pass::run() {
    auto fail = [&](std::string_view why) -> std::optional<html_text> {
        why_ = why;
        return std::nullopt;
    };
    if (!clean_input(h_)) return fail("NUL, invalid UTF-8 or a code point gumbo replaces");
    const std::size_t n = h_.size();
    std::size_t i = 0;
    while (i < n) {
        // The message's time budget: the text and links rendered so far stay.
        if (bud_ && bud_->timed_out("HTML to text")) {
            html_text partial;
            partial.text = r_.take();
            partial.links = std::move(links_);
            return partial;
        }
        const std::size_t lt = h_.find('<', i);
        const std::size_t text_end = lt == npos ? n : lt;
        if (quirks_ == quirks::undecided) {
            // The first token other than whitespace and comments: no DOCTYPE means quirks mode.
            for (std::size_t k = i; k < text_end && quirks_ == quirks::undecided; ++k)
                if (!is_ws(h_[k])) quirks_ = quirks::quirks;
            if (quirks_ == quirks::undecided && lt != npos && lt + 1 < n) {
                const char c1 = h_[lt + 1];
                if (c1 == '!' && at_ci(h_, lt + 2, "doctype")) {
                    const std::size_t gt = h_.find('>', lt);
                    if (gt != npos) doctype(lt, gt);
                } else if (c1 != '!' && c1 != '?' && !(c1 == '/' && lt + 2 < n && !alpha(h_[lt + 2]))) {
                    quirks_ = quirks::quirks;  // a tag, or a '<' that is text (not "</>" or a bogus comment)
                }
            } else if (quirks_ == quirks::undecided && lt != npos) {
                quirks_ = quirks::quirks;  // a '<' at the end: text
            }
        }
        if (text_end > i && !text(h_.substr(i, text_end - i))) return std::nullopt;
        if (lt == npos) break;
        i = lt;
        if (lt + 1 >= n) {  // a '<' at the end is text
            if (!text(h_.substr(lt))) return std::nullopt;
            break;
        }
        const char c = h_[lt + 1];
        bool ok = true;
        if (alpha(c)) {
            ok = start_tag(lt, i);
        } else if (c == '/') {
            if (lt + 2 < n && alpha(h_[lt + 2])) {
                ok = end_tag(lt, i);
            } else if (lt + 2 < n && h_[lt + 2] == '>') {
                i = lt + 3;  // "</>" is dropped
            } else if (lt + 2 >= n) {
                ok = text(h_.substr(lt));  // "</" at the end is text
                i = n;
            } else {
                const std::size_t gt = h_.find('>', lt + 2);  // a bogus comment
                if (gt == npos) return fail("an unterminated comment");
                i = gt + 1;
                pending_text_ = false;  // a comment node flushes gumbo's text
            }
        } else if (c == '!') {
            const std::size_t e = h_.compare(lt + 2, 2, "--") == 0 ? comment_end(h_, lt)
                                  : h_.find('>', lt + 2) == npos   ? npos
                                                                   : h_.find('>', lt + 2) + 1;  // DOCTYPE, bogus
            if (e == npos) return fail("an unterminated comment");
            if (!at_ci(h_, lt + 2, "doctype")) pending_text_ = false;
            i = e;
        } else if (c == '?') {
            const std::size_t gt = h_.find('>', lt + 2);
            if (gt == npos) return fail("an unterminated comment");
            i = gt + 1;
            pending_text_ = false;
        } else {
            // A '<' that opens nothing is text; the text goes on after it.
            std::size_t next = h_.find('<', lt + 1);
            if (next == npos) next = n;
            ok = text(h_.substr(lt, next - lt));
            i = next;
        }
        if (!ok) return std::nullopt;
    }
    while (!stack_.empty()) pop();  // the end of input closes every element
    html_text result;
    result.text = r_.take();
    result.links = std::move(links_);
    return result;
}

}  // namespace

std::optional<html_text> html_to_text_fast(std::string_view html, std::size_t max_text, budget* bud,
                                           std::string_view* why_not) {
    fast_pass pass(html, max_text, bud);
    auto result = pass.run();
    if (!result && why_not) *why_not = pass.why();
    return result;
}

namespace detail {
bool html_input_clean(std::string_view html) { return clean_input(html); }

bool html_input_clean_bytewise(std::string_view html) {
    const auto* p = reinterpret_cast<const unsigned char*>(html.data());
    const auto* e = p + html.size();
    for (std::ptrdiff_t len = 0; p < e; p += len)
        if ((len = clean_char(p, e)) == 0) return false;
    return true;
}
}  // namespace detail

}  // namespace replyguard::text
