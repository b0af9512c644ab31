// SPDX-License-Identifier: Apache-2.0
// mime/charset.cpp - bytes in any mail charset to UTF-8 (ICU), sniffing first
//
// DESCRIPTION
//   Order of decisions (see charset.hpp): UTF-16/UTF-7/ISO-2022-KR/CN labels are
//   honoured; JIS escape sequences select our ISO-2022-JP decoder whatever the
//   label; pure ASCII is copied; valid UTF-8 stays UTF-8; 8-bit bytes under a
//   Japanese label, a UTF-8 label that lies, or no label are scored as CP932 vs
//   EUC-JP; Latin and bogus labels become windows-1252; anything else goes to the
//   ICU converter of the (alias-mapped) label.
//
//   ISO-2022-JP is decoded here rather than with ICU's ISO_2022 converter because
//   real mail puts CP932 characters (NEC row 13 ①㈱, NEC-selected IBM rows) inside
//   JIS segments, which ICU rejects. Each JIS X 0208 segment is rewritten to
//   Shift_JIS byte pairs and decoded with windows-31j, which is what Windows'
//   CP50220/CP50221 do; JIS X 0212 goes through EUC-JP, half-width katakana
//   (ESC ( I and SO/SI) through its Shift_JIS single bytes.
// LIMITS
//   Converters are cached per thread (at most k_cache_max labels): ucnv_open costs
//   far more than decoding a header.
#include "mime/charset.hpp"
#include "core/strings.hpp"

#include <uchardet/uchardet.h>
#include <unicode/ucnv.h>
#include <unicode/ucnv_cb.h>
#include <unicode/ucnv_err.h>
#include <unicode/ustring.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <string>
#include <unordered_map>

namespace replyguard::mime {

namespace {

constexpr std::size_t k_cache_max = 64;
constexpr const char* k_cp932 = "windows-31j";
constexpr const char* k_eucjp = "euc-jp-2007";  // CP51932-like: NEC row 13 and JIS X 0212

thread_local bool t_lossy = false;

// Substitute U+FFFD ourselves: ICU's default substitution writes U+001A for
// some table converters, and we need to know that something was lost.
// A non-null context marks the CP932 converter: its user-defined rows F040-F9FC
// (gaiji, carrier emoji) map to the Private Use Area as Windows does, which
// ICU's table leaves unassigned.
void to_u_callback(const void* context, UConverterToUnicodeArgs* args, const char* units, int32_t length,
                   UConverterCallbackReason reason, UErrorCode* err) {
    if (reason > UCNV_IRREGULAR) return;
    UChar out = 0xFFFD;
    auto lead = length == 2 ? static_cast<unsigned char>(units[0]) : 0;
    auto trail = length == 2 ? static_cast<unsigned char>(units[1]) : 0;
    if (context && reason == UCNV_UNASSIGNED && lead >= 0xF0 && lead <= 0xF9 &&
        ((trail >= 0x40 && trail <= 0x7E) || (trail >= 0x80 && trail <= 0xFC)))
        out = static_cast<UChar>(0xE000 + (lead - 0xF0) * 188 + (trail < 0x80 ? trail - 0x40 : trail - 0x41));
    else
        t_lossy = true;
    *err = U_ZERO_ERROR;
    ucnv_cbToUWriteUChars(args, &out, 1, 0, err);
}

struct converter_cache {
    std::unordered_map<std::string, UConverter*> map;
    ~converter_cache() {
        for (auto& [k, c] : map)
            if (c) ucnv_close(c);
    }
    UConverter* get(const std::string& name) {
        if (auto it = map.find(name); it != map.end()) {
            if (it->second) ucnv_reset(it->second);
            return it->second;
        }
        UErrorCode e = U_ZERO_ERROR;
        UConverter* c = ucnv_open(name.c_str(), &e);
        if (U_FAILURE(e)) {
            if (c) ucnv_close(c);
            c = nullptr;
        } else {
            e = U_ZERO_ERROR;
            static const int k_cp932_mark = 1;
            const void* ctx = std::strcmp(ucnv_getName(c, &e), "ibm-943_P15A-2003") == 0 ? &k_cp932_mark : nullptr;
            e = U_ZERO_ERROR;
            ucnv_setToUCallBack(c, to_u_callback, ctx, nullptr, nullptr, &e);
        }
        if (map.size() >= k_cache_max) {
            for (auto& [k, old] : map)
                if (old) ucnv_close(old);
            map.clear();
        }
        map.emplace(name, c);
        return c;
    }
};

UConverter* converter(const std::string& name) {
    thread_local converter_cache cache;
    return cache.get(name);
}

/// Append `bytes` decoded with ICU converter `name` to `out`. False when no such converter.
bool icu_append(std::u16string& out, const std::string& name, std::string_view bytes) {
    UConverter* c = converter(name);
    if (!c) return false;
    if (bytes.empty()) return true;
    const char* src = bytes.data();
    const char* src_end = src + bytes.size();
    std::size_t start = out.size();
    out.resize(start + bytes.size() + 16);
    UChar* dst = reinterpret_cast<UChar*>(out.data()) + start;
    for (;;) {
        UChar* dst_end = reinterpret_cast<UChar*>(out.data()) + out.size();
        UErrorCode e = U_ZERO_ERROR;
        ucnv_toUnicode(c, &dst, dst_end, &src, src_end, nullptr, true, &e);
        std::size_t used = dst - reinterpret_cast<UChar*>(out.data());
        if (e == U_BUFFER_OVERFLOW_ERROR) {
            out.resize(out.size() * 2);
            dst = reinterpret_cast<UChar*>(out.data()) + used;
            continue;
        }
        if (U_FAILURE(e)) t_lossy = true;
        out.resize(used);
        return true;
    }
}

/// UTF-16 to UTF-8; ESC dropped and NUL replaced (both never leave this file).
std::string finish(const std::u16string& u) {
    // Written into a buffer sized for the worst case, not push_back per byte
    // (through append_utf8): this loop was 1.6% of `scan -j1`'s instructions over
    // every 8th corpus file (callgrind, 2026-12-05), ~20 per code unit.
    // At most 3 bytes per UTF-16 unit: a pair (2 units) is 4 bytes, U+FFFD 3.
    std::string out;
    out.resize(u.size() * 3);
    char* w = out.data();
    const std::size_t n = u.size();
    std::size_t i = 0;
#if defined(__SSE2__)
    // Eight units at a time while they are ASCII other than NUL and ESC (most
    // converted text): one pack instead of eight trips through the loop below.
    const __m128i high = _mm_set1_epi16(static_cast<short>(0xFF80)), zero = _mm_setzero_si128(),
                  esc = _mm_set1_epi16(0x1B);
#endif
    for (; i < n; ++i) {
#if defined(__SSE2__)
        while (i + 8 <= n) {
            const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(u.data() + i));
            const __m128i odd = _mm_or_si128(
                _mm_cmpeq_epi16(x, esc),
                _mm_or_si128(_mm_cmpeq_epi16(x, zero),
                             _mm_xor_si128(_mm_cmpeq_epi16(_mm_and_si128(x, high), zero), _mm_set1_epi16(-1))));
            if (_mm_movemask_epi8(odd) != 0) break;
            _mm_storel_epi64(reinterpret_cast<__m128i*>(w), _mm_packus_epi16(x, x));
            w += 8;
            i += 8;
        }
        if (i >= n) break;
#endif
        char32_t cp = u[i];
        if (cp < 0x80) {
            if (cp != 0x1B && cp != 0) {
                *w++ = static_cast<char>(cp);
                continue;
            }
            t_lossy = true;
            if (cp == 0x1B) continue;
            cp = 0xFFFD;  // NUL
        } else if (cp >= 0xD800 && cp <= 0xDFFF) {
            if (cp <= 0xDBFF && i + 1 < n && u[i + 1] >= 0xDC00 && u[i + 1] <= 0xDFFF) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (u[i + 1] - 0xDC00);
                ++i;
            } else {
                cp = 0xFFFD;
                t_lossy = true;
            }
        }
        if (cp < 0x800) {
            *w++ = static_cast<char>(0xC0 | (cp >> 6));
            *w++ = static_cast<char>(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            *w++ = static_cast<char>(0xE0 | (cp >> 12));
            *w++ = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            *w++ = static_cast<char>(0x80 | (cp & 0x3F));
        } else {
            *w++ = static_cast<char>(0xF0 | (cp >> 18));
            *w++ = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
            *w++ = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            *w++ = static_cast<char>(0x80 | (cp & 0x3F));
        }
    }
    out.resize(static_cast<std::size_t>(w - out.data()));
    return out;
}

/// Copy 7-bit or valid UTF-8 text, dropping ESC and replacing NUL.
std::string copy_clean(std::string_view s, bool& lossy) {
    // Nearly all text has neither byte: two vectorised memchr and one bulk copy
    // instead of a push_back per byte (that loop was 2.2% of `scan -j1`'s
    // instructions on the corpus, callgrind).
    if (s.empty() || (!std::memchr(s.data(), '\x1b', s.size()) && !std::memchr(s.data(), '\0', s.size())))
        return std::string(s);
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        if (c == '\x1b') {
            lossy = true;
        } else if (c == '\0') {
            out += "\xEF\xBF\xBD";
            lossy = true;
        } else {
            out.push_back(c);
        }
    }
    return out;
}

std::string lower_label(std::string_view declared) {
    std::string l;
    for (char c : declared) {
        if (c == '"' || c == '\'' || c == ' ' || c == '\t') continue;
        l.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c));
    }
    return l;
}

enum class label_class { none, utf8, japanese, latin, utf16, utf32, utf7, iso2022_other, other };

struct label_info {
    label_class cls = label_class::none;
    std::string icu;        // converter for `other`, and the preference for japanese
    std::string canonical;  // reported charset name
};

label_info classify(const std::string& l) {
    using lc = label_class;
    if (l.empty()) return {lc::none, "", ""};
    if (l == "utf-8" || l == "utf8" || l == "x-utf-8" || l == "unicode-1-1-utf-8") return {lc::utf8, "UTF-8", "UTF-8"};
    if (l == "shift_jis" || l == "shift-jis" || l == "sjis" || l == "x-sjis" || l == "ms932" || l == "cp932" ||
        l == "windows-31j" || l == "ms_kanji" || l == "csshiftjis" || l == "x-ms-cp932" || l == "shift_jisx0213" ||
        l == "x-sjis-docomo" || l == "x-sjis-kddi" || l == "x-sjis-softbank")
        return {lc::japanese, k_cp932, "CP932"};
    if (l == "euc-jp" || l == "eucjp" || l == "x-euc-jp" || l == "cp51932" || l == "ujis" || l == "x-eucjp" ||
        l == "euc-jisx0213" || l == "cseucpkdfmtjapanese")
        return {lc::japanese, k_eucjp, "EUC-JP"};
    if (l.starts_with("iso-2022-jp") || l == "csiso2022jp" || l == "cp50220" || l == "cp50221" || l == "cp50222" ||
        l == "jis" || l == "x-iso-2022-jp")
        return {lc::japanese, "", "ISO-2022-JP"};
    if (l.starts_with("iso-2022-kr") || l.starts_with("iso-2022-cn") || l == "hz-gb-2312")
        return {lc::iso2022_other, l, l};
    if (l == "iso-8859-1" || l == "iso8859-1" || l == "iso_8859-1" || l == "latin1" || l == "latin-1" || l == "l1" ||
        l == "us-ascii" || l == "ascii" || l == "ansi_x3.4-1968" || l == "us" || l == "iso-ir-100" || l == "cp1252" ||
        l == "windows-1252" || l == "x-unknown" || l == "unknown" || l == "unknown-8bit" || l == "x-user-defined" ||
        l == "default" || l == "cp819" || l == "ibm819")
        return {lc::latin, "windows-1252", "windows-1252"};
    if (l == "ks_c_5601-1987" || l == "ks_c_5601" || l == "euc-kr" || l == "euckr" || l == "cp949" ||
        l == "windows-949" || l == "korean" || l == "ksc5601" || l == "x-windows-949" || l == "ks_c_5601-1989")
        return {lc::other, "windows-949", "CP949"};
    if (l == "gb2312" || l == "gbk" || l == "gb18030" || l == "cp936" || l == "x-gbk" || l == "euc-cn" ||
        l == "chinese" || l == "csgb2312" || l == "windows-936" || l == "x-euc-cn")
        return {lc::other, "gb18030", "GB18030"};
    if (l == "big5" || l == "cp950" || l == "x-x-big5" || l == "windows-950" || l == "csbig5")
        return {lc::other, "windows-950", "Big5"};
    if (l == "utf-7" || l == "utf7" || l == "unicode-1-1-utf-7") return {lc::utf7, "UTF-7", "UTF-7"};
    if (l == "utf-16" || l == "utf16" || l == "ucs-2" || l == "unicode") return {lc::utf16, "", "UTF-16"};
    if (l == "utf-16le" || l == "ucs-2le") return {lc::other, "UTF-16LE", "UTF-16LE"};
    if (l == "utf-16be" || l == "ucs-2be") return {lc::other, "UTF-16BE", "UTF-16BE"};
    if (l == "utf-32" || l == "ucs-4") return {lc::utf32, "", "UTF-32"};
    if (l == "utf-32le") return {lc::other, "UTF-32LE", "UTF-32LE"};
    if (l == "utf-32be") return {lc::other, "UTF-32BE", "UTF-32BE"};
    // Decorated Japanese labels seen in the wild ("_iso-2022-jp$ESC", "x-sjis-jp").
    if (l.find("2022-jp") != std::string::npos || l.find("2022jp") != std::string::npos)
        return {lc::japanese, "", "ISO-2022-JP"};
    if (l.find("sjis") != std::string::npos || l.find("shift_jis") != std::string::npos ||
        l.find("shift-jis") != std::string::npos)
        return {lc::japanese, k_cp932, "CP932"};
    if (l.find("euc-jp") != std::string::npos || l.find("eucjp") != std::string::npos)
        return {lc::japanese, k_eucjp, "EUC-JP"};
    return {lc::other, l, l};
}

bool has_jis_escape(std::string_view b) {
    for (std::size_t p = b.find('\x1b'); p != std::string_view::npos; p = b.find('\x1b', p + 1)) {
        std::string_view r = b.substr(p + 1, 3);
        if (r.starts_with("$B") || r.starts_with("$@") || r.starts_with("(J") || r.starts_with("(I") ||
            r.starts_with("$(D") || r.starts_with("$(Q") || r.starts_with("$(O") || r.starts_with("$(B"))
            return true;
    }
    return false;
}

struct jp_score {
    std::size_t bad = 0;   // bytes not forming a valid sequence
    std::size_t good = 0;  // valid double-byte sequences
    std::size_t rare = 0;  // valid but unusual in mail (half-width kana, JIS X 0212)
};

jp_score score_sjis(std::string_view s) {
    jp_score r;
    for (std::size_t i = 0; i < s.size();) {
        unsigned char c = s[i];
        if (c < 0x80) {
            ++i;
        } else if (c >= 0xA1 && c <= 0xDF) {
            ++r.rare;
            ++i;
        } else if ((c >= 0x81 && c <= 0x9F) || (c >= 0xE0 && c <= 0xFC)) {
            unsigned char t = i + 1 < s.size() ? static_cast<unsigned char>(s[i + 1]) : 0;
            if ((t >= 0x40 && t <= 0x7E) || (t >= 0x80 && t <= 0xFC)) {
                ++r.good;
                i += 2;
            } else {
                ++r.bad;
                ++i;
            }
        } else {
            ++r.bad;
            ++i;
        }
    }
    return r;
}

jp_score score_euc(std::string_view s) {
    jp_score r;
    auto hi = [&](std::size_t k) {
        return k < s.size() && static_cast<unsigned char>(s[k]) >= 0xA1 && static_cast<unsigned char>(s[k]) <= 0xFE;
    };
    for (std::size_t i = 0; i < s.size();) {
        unsigned char c = s[i];
        if (c < 0x80) {
            ++i;
        } else if (c == 0x8E && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) >= 0xA1 &&
                   static_cast<unsigned char>(s[i + 1]) <= 0xDF) {
            ++r.rare;
            i += 2;
        } else if (c == 0x8F && hi(i + 1) && hi(i + 2)) {
            ++r.rare;
            i += 3;
        } else if (hi(i) && hi(i + 1)) {
            ++r.good;
            i += 2;
        } else {
            ++r.bad;
            ++i;
        }
    }
    return r;
}

std::string uchardet_guess(std::string_view s) {
    // One detector per thread: uchardet_new() allocates all its probers.
    struct holder {
        uchardet_t ud = uchardet_new();
        ~holder() {
            if (ud) uchardet_delete(ud);
        }
    };
    thread_local holder h;
    if (!h.ud) return {};
    uchardet_reset(h.ud);
    uchardet_handle_data(h.ud, s.data(), s.size());
    uchardet_data_end(h.ud);
    const char* g = uchardet_get_charset(h.ud);
    return lower_label(g ? g : "");
}

/// CP932 or EUC-JP for 8-bit Japanese bytes: fewer invalid bytes wins, then fewer
/// rarities, then the label, then uchardet, then CP932 (far more common in mail).
bool prefer_euc(std::string_view s, const jp_score& sj, const jp_score& eu, std::string_view label_pref) {
    if (sj.bad != eu.bad) return eu.bad < sj.bad;
    if (sj.rare != eu.rare) return eu.rare < sj.rare;
    if (label_pref == k_eucjp) return true;
    if (label_pref == k_cp932) return false;
    std::string g = uchardet_guess(s);
    return g == "euc-jp";
}

/// Decode 8-bit Japanese bytes; `charset` receives "CP932" or "EUC-JP".
void decode_jp_8bit(std::u16string& out, std::string_view s, std::string_view label_pref, std::string& charset) {
    jp_score sj = score_sjis(s), eu = score_euc(s);
    bool euc = prefer_euc(s, sj, eu, label_pref);
    icu_append(out, euc ? k_eucjp : k_cp932, s);
    charset = euc ? "EUC-JP" : "CP932";
}

/// ISO-2022-JP (and the CP5022x superset), tolerating 8-bit runs inside.
void decode_iso2022jp(std::u16string& out, std::string_view s) {
    enum class mode { ascii, jis0208, jis0212, kana, gb2312, ksc5601 } m = mode::ascii;
    bool shifted = false;  // SO: half-width katakana until SI
    std::string seg;       // pending bytes of the current multi-byte segment, already mapped
    std::string dummy;
    auto flush = [&]() {
        if (seg.empty()) return;
        switch (m) {
        case mode::jis0212: icu_append(out, k_eucjp, seg); break;
        case mode::gb2312: icu_append(out, "gb18030", seg); break;
        case mode::ksc5601: icu_append(out, "windows-949", seg); break;
        default: icu_append(out, k_cp932, seg); break;  // JIS X 0208 and kana, as Shift_JIS
        }
        seg.clear();
    };
    for (std::size_t i = 0; i < s.size();) {
        unsigned char c = s[i];
        if (c == 0x1B) {
            std::string_view r = s.substr(i + 1, 3);
            mode next = m;
            std::size_t len = 0;
            if (r.starts_with("$B") || r.starts_with("$@"))
                next = mode::jis0208, len = 3;
            else if (r.starts_with("$(B") || r.starts_with("$(Q") || r.starts_with("$(O"))
                next = mode::jis0208, len = 4;
            else if (r.starts_with("$(D"))
                next = mode::jis0212, len = 4;
            else if (r.starts_with("(B") || r.starts_with("(J") || r.starts_with("(H"))
                next = mode::ascii, len = 3;
            else if (r.starts_with("(I"))
                next = mode::kana, len = 3;
            else if (r.starts_with("$A"))
                next = mode::gb2312, len = 3;
            else if (r.starts_with("$(C"))
                next = mode::ksc5601, len = 4;
            else if (r.starts_with("&@"))
                len = 3;  // JIS X 0208-1990 announcer; ESC $ B follows
            if (len == 0) {
                // Unknown escape: skip ESC, its intermediates and final byte.
                t_lossy = true;
                flush();
                if (r.starts_with("(")) m = mode::ascii;  // an unknown 94-character set: read as ASCII
                std::size_t k = i + 1;
                while (k < s.size() && static_cast<unsigned char>(s[k]) >= 0x20 &&
                       static_cast<unsigned char>(s[k]) <= 0x2F)
                    ++k;
                if (k < s.size() && static_cast<unsigned char>(s[k]) >= 0x30 &&
                    static_cast<unsigned char>(s[k]) <= 0x7E)
                    ++k;
                i = k;
                continue;
            }
            flush();
            m = next;
            i += len;
            continue;
        }
        if (c == 0x0E) {
            flush();
            shifted = true;
            ++i;
            continue;
        }
        if (c == 0x0F) {
            flush();
            shifted = false;
            ++i;
            continue;
        }
        if (c >= 0x80) {
            // Raw 8-bit bytes in a JIS text (Shift_JIS pasted into ISO-2022-JP): sniff the run.
            flush();
            std::size_t k = i;
            while (k < s.size() && s[k] != '\x1b' && s[k] != '\n') ++k;
            decode_jp_8bit(out, s.substr(i, k - i), "", dummy);
            i = k;
            continue;
        }
        if (c == '\r' || c == '\n') {
            // Many encoders forget ESC ( B before a line break.
            flush();
            m = mode::ascii;
            shifted = false;
            out.push_back(c);
            ++i;
            continue;
        }
        if (shifted || m == mode::kana) {
            if (c >= 0x21 && c <= 0x5F) {
                seg.push_back(static_cast<char>(c + 0x80));
            } else {
                flush();
                out.push_back(c);
            }
            ++i;
            continue;
        }
        if (m == mode::ascii) {
            out.push_back(c);
            ++i;
            continue;
        }
        // Two-byte modes.
        if (c < 0x21 || c == 0x7F) {
            flush();
            out.push_back(c);
            ++i;
            continue;
        }
        if (i + 1 >= s.size() || static_cast<unsigned char>(s[i + 1]) < 0x21 ||
            static_cast<unsigned char>(s[i + 1]) > 0x7E) {
            flush();
            t_lossy = true;
            out.push_back(0xFFFD);
            ++i;
            continue;
        }
        unsigned char j1 = c, j2 = s[i + 1];
        if (m == mode::jis0208) {
            // JIS row/cell to Shift_JIS: rows 0x2D (NEC) and 0x79-0x7C (NEC-selected IBM)
            // land on CP932's extension rows, as in CP50221.
            unsigned char s1 = ((j1 + 1) >> 1) + (j1 <= 0x5E ? 0x70 : 0xB0);
            // Rows 0x75-0x78 and 0x7D-0x7E fall on leads CP932 leaves empty (EB, EC, EF);
            // mailers (au's emoji among them) use them for user-defined characters,
            // which live 8 leads up in Shift_JIS (F3, F4, F7 -> Private Use Area).
            if (s1 == 0xEB || s1 == 0xEC || s1 == 0xEF) s1 += 8;
            unsigned char s2 = j2 + ((j1 & 1) ? (j2 >= 0x60 ? 0x20 : 0x1F) : 0x7E);
            seg.push_back(static_cast<char>(s1));
            seg.push_back(static_cast<char>(s2));
        } else if (m == mode::jis0212) {
            seg.push_back('\x8f');
            seg.push_back(static_cast<char>(j1 | 0x80));
            seg.push_back(static_cast<char>(j2 | 0x80));
        } else {
            seg.push_back(static_cast<char>(j1 | 0x80));
            seg.push_back(static_cast<char>(j2 | 0x80));
        }
        i += 2;
    }
    flush();
}

bool looks_japanese(const jp_score& sj, const jp_score& eu) {
    auto fits = [](const jp_score& x) { return x.good > 0 && (x.bad == 0 || x.bad * 10 <= x.good); };
    return fits(sj) || fits(eu);
}

}  // namespace

decoded_text to_utf8(std::string_view bytes, std::string_view declared) {
    decoded_text r;
    std::string label = lower_label(declared);
    label_info li = classify(label);
    t_lossy = false;
    std::u16string u;
    auto done = [&](std::string cs) {
        r.text = finish(u);
        r.charset = std::move(cs);
        r.lossy = t_lossy;
        return r;
    };

    if (bytes.empty()) {
        r.charset = li.canonical.empty() ? "US-ASCII" : li.canonical;
        return r;
    }

    // Labels whose bytes cannot be sniffed as ASCII-compatible text.
    if (li.cls == label_class::utf16 || li.cls == label_class::utf32) {
        std::string name = li.cls == label_class::utf16 ? "UTF-16" : "UTF-32";
        std::string cs = name;
        if (li.cls == label_class::utf16 && bytes.size() >= 2) {
            unsigned char a = bytes[0], b = bytes[1];
            if (a == 0xFF && b == 0xFE)
                cs = "UTF-16LE";
            else if (a == 0xFE && b == 0xFF)
                cs = "UTF-16BE";
            else {
                // No BOM: the side holding more zero bytes is the high byte of ASCII.
                std::size_t even = 0, odd = 0;
                for (std::size_t k = 0; k + 1 < bytes.size(); k += 2) {
                    even += bytes[k] == 0;
                    odd += bytes[k + 1] == 0;
                }
                name = cs = odd > even ? "UTF-16LE" : "UTF-16BE";
            }
        }
        icu_append(u, name, bytes);
        return done(cs);
    }
    if (li.cls == label_class::utf7 || li.cls == label_class::iso2022_other) {
        if (icu_append(u, li.icu, bytes)) return done(li.canonical);
    }

    if (has_jis_escape(bytes)) {
        decode_iso2022jp(u, bytes);
        return done("ISO-2022-JP");
    }

    if (is_ascii(bytes)) {
        r.text = copy_clean(bytes, r.lossy);
        r.charset = li.cls == label_class::none || li.cls == label_class::latin ? "US-ASCII" : li.canonical;
        return r;
    }

    if (bytes.size() >= 3 && bytes.starts_with("\xEF\xBB\xBF")) bytes.remove_prefix(3);
    if (is_valid_utf8(bytes)) {
        r.text = copy_clean(bytes, r.lossy);
        r.charset = "UTF-8";
        return r;
    }

    std::string jp_cs;
    switch (li.cls) {
    case label_class::japanese: decode_jp_8bit(u, bytes, li.icu, jp_cs); return done(jp_cs);
    case label_class::utf8:
    case label_class::none: {
        jp_score sj = score_sjis(bytes), eu = score_euc(bytes);
        if (looks_japanese(sj, eu)) {
            bool euc = prefer_euc(bytes, sj, eu, "");
            icu_append(u, euc ? k_eucjp : k_cp932, bytes);
            return done(euc ? "EUC-JP" : "CP932");
        }
        if (li.cls == label_class::utf8) {
            icu_append(u, "UTF-8", bytes);
            return done("UTF-8");
        }
        // Unlabelled and not Japanese: ask uchardet, else windows-1252.
        std::string g = uchardet_guess(bytes);
        label_info gi = classify(g);
        if (!g.empty() && g != "ascii" && gi.cls == label_class::other && icu_append(u, gi.icu, bytes))
            return done(gi.canonical);
        icu_append(u, "windows-1252", bytes);
        return done("windows-1252");
    }
    case label_class::latin: icu_append(u, "windows-1252", bytes); return done("windows-1252");
    default:
        if (icu_append(u, li.icu, bytes)) return done(li.canonical);
        // A bogus label ("fakescii", "us-askey"): Latin text is the common case.
        icu_append(u, "windows-1252", bytes);
        return done("windows-1252");
    }
}

}  // namespace replyguard::mime
