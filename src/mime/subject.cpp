// SPDX-License-Identifier: Apache-2.0
// mime/subject.cpp - reply/forward prefix chains and the thread key
//
// DESCRIPTION
//   A small hand scanner over code points, not a regex: prefixes are matched as
//   whole words (so "Rework:" is not "Re"), full-width letters fold to ASCII,
//   and the colon may be ':' or '：'. Between prefixes it skips white space
//   (incl. U+3000) and list tags "[...]". Leading list tags are dropped from
//   the base even without a prefix, so "[ml:1] x" and "Re: [ml:1] x" share a key.
// LIMITS
//   A list tag is at most k_tag_max bytes and holds no nested '['.
#include "mime/subject.hpp"

#include "text/normalize.hpp"

#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include <string_view>

namespace replyguard::mime {

namespace {

constexpr std::size_t k_tag_max = 64;

struct word_kind {
    std::string_view word;  // ASCII lower-case, or the CJK word as UTF-8
    prefix_kind kind;
};

constexpr word_kind k_words[] = {
    {"re", prefix_kind::reply},     {"aw", prefix_kind::reply},    {"sv", prefix_kind::reply},
    {"rif", prefix_kind::reply},    {"antw", prefix_kind::reply},  {"odp", prefix_kind::reply},
    {"fw", prefix_kind::forward},   {"fwd", prefix_kind::forward}, {"wg", prefix_kind::forward},
    {"vs", prefix_kind::forward},   {"返信", prefix_kind::reply},  {"回复", prefix_kind::reply},
    {"答复", prefix_kind::reply},   {"回覆", prefix_kind::reply},  {"転送", prefix_kind::forward},
    {"转发", prefix_kind::forward},
};

UChar32 cp_at(std::string_view s, std::size_t i, std::size_t& next) {
    int32_t k = static_cast<int32_t>(i), n = static_cast<int32_t>(s.size());
    UChar32 c;
    U8_NEXT(reinterpret_cast<const uint8_t*>(s.data()), k, n, c);
    next = static_cast<std::size_t>(k);
    return c;
}

bool is_space(UChar32 c) { return c >= 0 && (u_isUWhiteSpace(c) || c == 0x3000); }

/// ASCII lower-case of an ASCII or full-width Latin letter, 0 otherwise.
char latin_lower(UChar32 c) {
    if (c >= 0xFF21 && c <= 0xFF3A)
        c = c - 0xFF21 + 'a';
    else if (c >= 0xFF41 && c <= 0xFF5A)
        c = c - 0xFF41 + 'a';
    else if (c >= 'A' && c <= 'Z')
        c = c - 'A' + 'a';
    return (c >= 'a' && c <= 'z') ? static_cast<char>(c) : 0;
}

int digit(UChar32 c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 0xFF10 && c <= 0xFF19) return c - 0xFF10;
    return -1;
}

std::size_t skip_space(std::string_view s, std::size_t i) {
    while (i < s.size()) {
        std::size_t n;
        if (!is_space(cp_at(s, i, n))) break;
        i = n;
    }
    return i;
}

/// A list tag "[...]" (or full-width ［...］) at i: returns the end, or npos.
std::size_t match_tag(std::string_view s, std::size_t i) {
    std::size_t n;
    UChar32 c = cp_at(s, i, n);
    if (c != '[' && c != 0xFF3B) return std::string_view::npos;
    for (std::size_t k = n; k < s.size() && k - i <= k_tag_max;) {
        UChar32 d = cp_at(s, k, n);
        if (d == '[' || d == 0xFF3B) return std::string_view::npos;
        if (d == ']' || d == 0xFF3D) return n;
        k = n;
    }
    return std::string_view::npos;
}

/// A prefix at i: fills `p`, returns its end (after the colon), or npos.
std::size_t match_prefix(std::string_view s, std::size_t i, subject_prefix& p) {
    std::size_t k = i, n;
    std::string latin;
    while (k < s.size()) {
        char l = latin_lower(cp_at(s, k, n));
        if (!l) break;
        latin.push_back(l);
        k = n;
    }
    const word_kind* hit = nullptr;
    if (!latin.empty()) {
        for (const auto& w : k_words)
            if (w.word == latin) hit = &w;
    } else {
        for (const auto& w : k_words)
            if (static_cast<unsigned char>(w.word[0]) >= 0x80 && s.substr(i).starts_with(w.word)) {
                hit = &w;
                k = i + w.word.size();
            }
    }
    if (!hit) return std::string_view::npos;
    // Optional counter: [2] (2) ^2 and their full-width forms.
    int counter = 0;
    UChar32 c = cp_at(s, k, n);
    UChar32 close = 0;
    if (c == '[' || c == 0xFF3B)
        close = c == '[' ? ']' : 0xFF3D;
    else if (c == '(' || c == 0xFF08)
        close = c == '(' ? ')' : 0xFF09;
    if (close || c == '^') {
        std::size_t m = n;
        int v = 0, digits = 0;
        while (m < s.size() && digits < 6) {
            std::size_t nn;
            int d = digit(cp_at(s, m, nn));
            if (d < 0) break;
            v = v * 10 + d;
            ++digits;
            m = nn;
        }
        if (digits == 0) return std::string_view::npos;
        if (close) {
            if (m >= s.size() || cp_at(s, m, n) != close) return std::string_view::npos;
            m = n;
        }
        counter = v;
        k = m;
    }
    // "Re :" (French typography) is allowed; the colon is required.
    std::size_t colon_at = skip_space(s, k);
    if (colon_at >= s.size()) return std::string_view::npos;
    c = cp_at(s, colon_at, n);
    if (c != ':' && c != 0xFF1A) return std::string_view::npos;
    p.kind = hit->kind;
    p.text = std::string(s.substr(i, n - i));
    p.counter = counter;
    return n;
}

std::string trim_space(std::string_view s) {
    std::size_t b = skip_space(s, 0), e = s.size();
    while (e > b) {
        // Step back over one code point.
        std::size_t k = e - 1;
        while (k > b && (static_cast<unsigned char>(s[k]) & 0xC0) == 0x80) --k;
        std::size_t n;
        if (!is_space(cp_at(s, k, n))) break;
        e = k;
    }
    return std::string(s.substr(b, e - b));
}

}  // namespace

subject_info parse_subject(std::string decoded) {
    subject_info s;
    std::string_view v = decoded;
    std::size_t pos = skip_space(v, 0);
    std::size_t after_prefix = pos;  // fallback base start when only tags remain
    for (;;) {
        std::size_t i = skip_space(v, pos);
        std::size_t t = match_tag(v, i);
        if (t != std::string_view::npos) {
            pos = t;
            continue;
        }
        subject_prefix p;
        std::size_t e = match_prefix(v, i, p);
        if (e == std::string_view::npos) {
            pos = i;
            break;
        }
        s.prefixes.push_back(std::move(p));
        pos = after_prefix = e;
    }
    s.base = trim_space(v.substr(pos));
    if (s.base.empty()) s.base = trim_space(v.substr(after_prefix));
    s.key = text::collapse_space(text::nfkc_casefold(s.base));
    s.decoded = std::move(decoded);
    return s;
}

}  // namespace replyguard::mime
