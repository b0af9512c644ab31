// SPDX-License-Identifier: Apache-2.0
// core/strings.hpp - the few ASCII string helpers every module needs
//
// DESCRIPTION
//   Header names, file extensions, MIME types, TOML keys, VBA keywords and host
//   names are compared ASCII case-insensitively; UTF-8 bytes (>= 0x80) are never
//   touched, so these are safe on decoded text too and do not depend on the C
//   locale (std::tolower would). One copy here instead of one per file.
//   Trimming that knows Unicode spaces (ideographic space, NBSP) is text work and
//   stays with the code that needs it (mime/quote.cpp, attach/passwords.cpp).
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace replyguard {

constexpr char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

/// ASCII lower-case copy (bytes >= 0x80 unchanged).
inline std::string lower(std::string_view s) {
    std::string o(s);
    for (char& c : o) c = lower(c);
    return o;
}

/// Every byte of `s` is below 0x80 (at run time eight bytes at a time: header
/// values, text parts and fingerprint windows are tested on every message).
constexpr bool is_ascii(std::string_view s) {
    std::size_t i = 0;
    if
        !consteval {
            for (; i + 8 <= s.size(); i += 8) {
                std::uint64_t x;
                std::memcpy(&x, s.data() + i, 8);
                if (x & 0x8080808080808080ULL) return false;
            }
        }
    for (; i < s.size(); ++i)
        if (static_cast<unsigned char>(s[i]) >= 0x80) return false;
    return true;
}

/// Where the first byte at or after `pos` (<= s.size()) that is one of `Bytes`
/// is; s.size() when there is none. Sixteen bytes a compare with SSE2 (x86-64's
/// baseline), inline: the scanners that run over every message (a header
/// value's line breaks in mime::unfold, the marks of URLs in text::extract_urls)
/// pass over long runs that hold none, where a byte loop, or the call of a
/// memchr a byte, was their cost (bench/README.md, "Round 10").
template <char... Bytes>
inline std::size_t find_first_byte(std::string_view s, std::size_t pos = 0) {
    static_assert(sizeof...(Bytes) > 0);
    const char* const d = s.data();
    const std::size_t n = s.size();
#if defined(__SSE2__)
    for (; pos + 16 <= n; pos += 16) {
        const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(d + pos));
        __m128i hit = _mm_setzero_si128();
        ((hit = _mm_or_si128(hit, _mm_cmpeq_epi8(x, _mm_set1_epi8(Bytes)))), ...);
        if (const int m = _mm_movemask_epi8(hit))
            return pos + static_cast<std::size_t>(__builtin_ctz(static_cast<unsigned>(m)));
    }
#endif
    for (; pos < n; ++pos)
        if (((d[pos] == Bytes) || ...)) return pos;
    return n;
}

constexpr bool is_ascii_space(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

/// `s` without leading and trailing ASCII white space (a view into `s`: keep
/// the string it views alive, or copy with std::string(trim(s))).
constexpr std::string_view trim(std::string_view s) {
    while (!s.empty() && is_ascii_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_ascii_space(s.back())) s.remove_suffix(1);
    return s;
}

/// Appends code point `cp` (at most U+10FFFF; callers check) as UTF-8. One
/// encoder for the charset converter, HTML entities and Outlook's UTF-16.
inline void append_utf8(std::string& out, char32_t cp) {
    if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
}

/// ASCII case-insensitive equality.
constexpr bool ieq(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (lower(a[i]) != lower(b[i])) return false;
    return true;
}

/// ASCII case-insensitive prefix / suffix test.
constexpr bool starts_with_ci(std::string_view s, std::string_view prefix) {
    return s.size() >= prefix.size() && ieq(s.substr(0, prefix.size()), prefix);
}
constexpr bool ends_with_ci(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && ieq(s.substr(s.size() - suffix.size()), suffix);
}

/// Whether `hay` holds `needle` in any ASCII case; `needle` is lower case.
constexpr bool contains_ci(std::string_view hay, std::string_view needle) {
    if (needle.size() > hay.size()) return false;
    for (std::size_t i = 0; i + needle.size() <= hay.size(); ++i) {
        std::size_t k = 0;
        while (k < needle.size() && lower(hay[i + k]) == needle[k]) ++k;
        if (k == needle.size()) return true;
    }
    return false;
}

}  // namespace replyguard
