// SPDX-License-Identifier: Apache-2.0
// text/urls.cpp - URLs in plain text, and their hosts
//
// DESCRIPTION
//   A hand scanner (one pass, no regex: mail bodies are attacker controlled
//   and a backtracking pattern over megabytes is a denial of service). It
//   looks for "http://", "https://", "ftp://" (any case) and "www." at a word
//   start, then extends the match up to whitespace, a control byte, one of
//   < > " ` or a Japanese / full-width punctuation mark (、。「」（）『』【】
//   ＜＞，．！？：；　 ...), the way mail clients delimit links in prose.
//   Trailing . , ; : ! ? ' are trimmed, and ) ] } only when unbalanced
//   inside the URL (Wikipedia-style "Foo_(bar)" survives).
//
// LIMITS
//   A single URL is cut at 8 KiB. Hosts are canonicalised by normalize_host()
//   (ICU uidna UTS #46 to ASCII, after percent-decoding): browsers decode
//   "%2E" and map full-width and Unicode labels before resolving, so the
//   attacker's spelling must not decide whether an indicator matches.
#include "text/urls.hpp"
#include "core/strings.hpp"

#include <unicode/uidna.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <array>
#include <cstdint>

namespace replyguard::text {

namespace {

constexpr std::size_t k_max_url = 8192;

bool starts_with_ci(std::string_view s, std::size_t pos, std::string_view lit) {
    if (s.size() - pos < lit.size()) return false;
    for (std::size_t i = 0; i < lit.size(); ++i)
        if (lower(s[pos + i]) != lit[i]) return false;
    return true;
}

/// Decode the UTF-8 code point at `pos` (nullopt-like 0xFFFFFFFF on bad bytes); `len` gets its length.
std::uint32_t decode_at(std::string_view s, std::size_t pos, std::size_t& len) {
    auto b = static_cast<unsigned char>(s[pos]);
    len = 1;
    if (b < 0x80) return b;
    std::size_t n = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 0;
    if (n == 0 || pos + n > s.size()) return 0xFFFFFFFF;
    std::uint32_t cp = b & (0x7F >> n);
    for (std::size_t i = 1; i < n; ++i) {
        auto c = static_cast<unsigned char>(s[pos + i]);
        if ((c & 0xC0) != 0x80) return 0xFFFFFFFF;
        cp = (cp << 6) | (c & 0x3F);
    }
    len = n;
    return cp;
}

/// Code points that end a URL in running text.
bool is_stop_cp(std::uint32_t cp) {
    if (cp < 0x80) {
        if (cp <= 0x20 || cp == 0x7F) return true;
        return cp == '<' || cp == '>' || cp == '"' || cp == '`';
    }
    if (cp == 0xFFFFFFFF) return true;              // invalid UTF-8
    if (cp == 0x00A0 || cp == 0x3000) return true;  // no-break / ideographic space
    if (cp >= 0x2000 && cp <= 0x200B) return true;  // typographic spaces, ZWSP
    if (cp == 0x2028 || cp == 0x2029) return true;
    if (cp >= 0x3001 && cp <= 0x3003) return true;  // 、。〃
    if (cp >= 0x3008 && cp <= 0x3011) return true;  // 〈〉《》「」『』【】
    if (cp >= 0x3014 && cp <= 0x301F) return true;  // 〔〕 ... 〟
    if (cp >= 0x2018 && cp <= 0x201F) return true;  // curly quotes
    switch (cp) {
    case 0xFF01:
    case 0xFF08:
    case 0xFF09:
    case 0xFF0C:
    case 0xFF0E:  // ！（），．
    case 0xFF1A:
    case 0xFF1B:
    case 0xFF1C:
    case 0xFF1E:
    case 0xFF1F:  // ：；＜＞？
    case 0xFF3B:
    case 0xFF3D:
    case 0xFF5B:
    case 0xFF5D:  // ［］｛｝
    case 0xFF62:
    case 0xFF63:
    case 0xFF64:
    case 0xFF61:  // half-width ｢｣､｡
    case 0x2026:
    case 0x30FB:  // … ・
        return true;
    default: return false;
    }
}

bool is_word_byte(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
           c == '_' || c == '@' || c == '/';
}

/// Length of the URL starting at `start` (0 when it is only a scheme).
std::size_t url_extent(std::string_view s, std::size_t start, std::size_t body_from) {
    std::size_t end = start;
    while (end < s.size() && end - start < k_max_url) {
        std::size_t len = 1;
        std::uint32_t cp = decode_at(s, end, len);
        if (is_stop_cp(cp)) break;
        end += len;
    }
    // Trim trailing punctuation; brackets only when they close nothing inside.
    // Bracket balances are counted once, then kept up to date while trimming.
    auto v = s.substr(start, end - start);
    std::array<std::ptrdiff_t, 3> balance = {std::count(v.begin(), v.end(), '(') - std::count(v.begin(), v.end(), ')'),
                                             std::count(v.begin(), v.end(), '[') - std::count(v.begin(), v.end(), ']'),
                                             std::count(v.begin(), v.end(), '{') - std::count(v.begin(), v.end(), '}')};
    while (end > body_from) {
        char c = s[end - 1];
        if (c == '.' || c == ',' || c == ';' || c == ':' || c == '!' || c == '?' || c == '\'' || c == '*') {
            --end;
            continue;
        }
        int k = c == ')' ? 0 : c == ']' ? 1 : c == '}' ? 2 : -1;
        if (k >= 0 && balance[k] < 0) {
            ++balance[k];
            --end;
            continue;
        }
        break;
    }
    return end > body_from ? end - start : 0;
}

std::string lower_unicode(std::string_view h) {
    icu::UnicodeString u = icu::UnicodeString::fromUTF8(icu::StringPiece(h.data(), static_cast<int32_t>(h.size())));
    u.toLower();
    std::string out;
    u.toUTF8String(out);
    return out;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/// The process-wide UTS #46 converter (uidna objects are thread-safe for use once opened).
const UIDNA* uts46() {
    static const UIDNA* idna = [] {
        UErrorCode ec = U_ZERO_ERROR;
        UIDNA* p = uidna_openUTS46(UIDNA_NONTRANSITIONAL_TO_ASCII | UIDNA_NONTRANSITIONAL_TO_UNICODE, &ec);
        return U_FAILURE(ec) ? nullptr : p;
    }();
    return idna;
}

/// The first byte at or after `p` that can mark a URL: ':' (of "://") or 'w'
/// in either case (of "www."); text.size() when none. A URL's scheme is found
/// back from its ':'. Looking at every h, f and w of the text as a possible
/// start, through a table, was extract_urls' cost (2.6% of `scan -j1`'s time,
/// perf 2026-12-06): those letters are a tenth of English text; ':' and 'w' far
/// fewer, and find_first_byte passes over the rest sixteen bytes a compare.
std::size_t next_mark(std::string_view text, std::size_t p) { return find_first_byte<':', 'w', 'W'>(text, p); }

/// The URL start a mark at `at` makes, if any: "https://", "http://" or
/// "ftp://" (any case) whose ':' is at `at`, or "www." at `at` at a word start;
/// `body_from` gets where the part after "://" or "www." starts. One ':' makes
/// at most one start (the schemes end in different letters or lengths), and
/// starts come in the order of their marks (a scheme holds no ':' or 'w').
std::size_t start_at_mark(std::string_view text, std::size_t at, std::size_t& body_from) {
    constexpr std::size_t none = std::string_view::npos;
    if (text[at] == ':') {
        if (text.compare(at, 3, "://") != 0) return none;
        body_from = at + 3;
        if (at >= 5 && starts_with_ci(text, at - 5, "https")) return at - 5;
        if (at >= 4 && starts_with_ci(text, at - 4, "http")) return at - 4;
        if (at >= 3 && starts_with_ci(text, at - 3, "ftp")) return at - 3;
        return none;
    }
    if (starts_with_ci(text, at, "www.") && (at == 0 || !is_word_byte(text[at - 1]))) {
        body_from = at + 4;
        return at;
    }
    return none;
}

void add_url(std::string_view text, std::size_t start, std::size_t len, std::vector<text::url_ref>& out) {
    text::url_ref r;
    r.url.assign(text.substr(start, len));
    r.host = url_host(r.url);
    if (!r.host.empty()) out.push_back(std::move(r));
}

}  // namespace

void extract_urls(std::string_view text, std::vector<text::url_ref>& out, std::size_t max) {
    // Left to right: a URL (or a start whose body is empty) is passed over, and a
    // start inside what was passed over is no start.
    std::size_t i = 0;  // where the text not yet passed over begins
    for (std::size_t p = 0; out.size() < max;) {
        const std::size_t at = next_mark(text, p);
        if (at >= text.size()) break;
        p = at + 1;
        std::size_t body_from = 0;
        const std::size_t start = start_at_mark(text, at, body_from);
        if (start == std::string_view::npos || start < i) continue;
        const std::size_t len = url_extent(text, start, body_from);
        i = len == 0 ? body_from : start + len;
        if (len != 0) add_url(text, start, len, out);
        p = std::max(p, i);
    }
}

namespace detail {

/// Bytes that can start a candidate: h, f, w in either case.
constexpr std::array<bool, 256> k_first_byte = [] {
    std::array<bool, 256> t{};
    for (char c : std::string_view("hHfFwW")) t[static_cast<unsigned char>(c)] = true;
    return t;
}();

void extract_urls_bytewise(std::string_view text, std::vector<text::url_ref>& out, std::size_t max) {
    std::size_t i = 0;
    const std::size_t n = text.size();
    if (out.size() >= max) return;
    while (i < n) {
        while (i < n && !k_first_byte[static_cast<unsigned char>(text[i])]) ++i;
        if (i >= n) break;
        char c = lower(text[i]);
        std::size_t body_from = 0;
        if (c == 'h' && starts_with_ci(text, i, "https://"))
            body_from = i + 8;
        else if (c == 'h' && starts_with_ci(text, i, "http://"))
            body_from = i + 7;
        else if (c == 'f' && starts_with_ci(text, i, "ftp://"))
            body_from = i + 6;
        else if (c == 'w' && starts_with_ci(text, i, "www.") && (i == 0 || !is_word_byte(text[i - 1])))
            body_from = i + 4;
        if (body_from == 0) {
            ++i;
            continue;
        }
        std::size_t len = url_extent(text, i, body_from);
        if (len == 0) {
            i = body_from;
            continue;
        }
        add_url(text, i, len, out);
        if (out.size() >= max) break;
        i += len;
    }
}

}  // namespace detail

std::string url_host(std::string_view url) {
    // Skip "scheme://" (or "scheme:" for mailto-like forms without authority).
    std::size_t p = 0;
    auto colon = url.find(':');
    auto scheme_ok = [&](std::size_t end) {
        if (end == 0) return false;
        for (std::size_t i = 0; i < end; ++i) {
            char c = url[i];
            bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                      (i > 0 && ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.'));
            if (!ok) return false;
        }
        return true;
    };
    if (colon != std::string_view::npos && scheme_ok(colon)) {
        if (colon + 1 < url.size() && (url[colon + 1] == '/' || url[colon + 1] == '\\')) {
            p = colon + 1;  // the slash loop below also takes browsers' backslashes
        } else if (starts_with_ci(url, 0, "mailto:")) {
            auto at = url.rfind('@');
            if (at == std::string_view::npos) return {};
            auto host = url.substr(at + 1);
            host = host.substr(0, host.find_first_of("?#>&,; "));
            return normalize_host(host);
        } else {
            return {};  // javascript:, data:, cid: ... have no host
        }
    }
    // Browsers treat backslashes like slashes in the authority ("http:\\evil").
    while (p < url.size() && (url[p] == '/' || url[p] == '\\')) ++p;
    auto auth_end = url.find_first_of("/?#\\", p);
    std::string_view auth = url.substr(p, auth_end == std::string_view::npos ? std::string_view::npos : auth_end - p);
    if (auto at = auth.rfind('@'); at != std::string_view::npos) auth.remove_prefix(at + 1);
    if (!auth.empty() && auth.front() == '[') {
        auto close = auth.find(']');
        if (close == std::string_view::npos) return {};
        return normalize_host(auth.substr(0, close + 1));
    }
    if (auto pc = auth.rfind(':'); pc != std::string_view::npos) auth = auth.substr(0, pc);
    return normalize_host(auth);
}

std::string normalize_host(std::string_view h) {
    std::string decoded;
    if (h.find('%') != std::string_view::npos) {
        decoded.reserve(h.size());
        for (std::size_t i = 0; i < h.size(); ++i) {
            int hi = 0, lo = 0;
            if (h[i] == '%' && i + 2 < h.size() && (hi = hex_value(h[i + 1])) >= 0 && (lo = hex_value(h[i + 2])) >= 0) {
                decoded.push_back(static_cast<char>(hi * 16 + lo));
                i += 2;
            } else {
                decoded.push_back(h[i]);
            }
        }
        h = decoded;
    }
    if (!h.empty() && h.front() == '[') return lower(h);  // IPv6 literal: no IDNA
    while (!h.empty() && h.back() == '.') h.remove_suffix(1);
    if (h.empty()) return {};
    const bool ascii = std::all_of(h.begin(), h.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
    if (ascii && h.find("xn--") == std::string_view::npos && h.find("XN--") == std::string_view::npos)
        return lower(h);  // a copy lowered in place (a push_back a byte was 0.4% of `scan -j1`)
    // IDN (or ACE labels, which UTS #46 validates and lower-cases): ICU, as a browser would.
    if (const UIDNA* idna = uts46(); idna && h.size() < 1024) {
        char buf[1024];
        UErrorCode ec = U_ZERO_ERROR;
        UIDNAInfo info = UIDNA_INFO_INITIALIZER;
        int32_t n = uidna_nameToASCII_UTF8(idna, h.data(), static_cast<int32_t>(h.size()), buf, sizeof buf, &info, &ec);
        // Hyphen and length rules are what DNS registries enforce, not what a resolver
        // refuses; a host that only breaks them is still the host the link opens.
        const std::uint32_t tolerated = UIDNA_ERROR_EMPTY_LABEL | UIDNA_ERROR_LABEL_TOO_LONG |
                                        UIDNA_ERROR_DOMAIN_NAME_TOO_LONG | UIDNA_ERROR_LEADING_HYPHEN |
                                        UIDNA_ERROR_TRAILING_HYPHEN | UIDNA_ERROR_HYPHEN_3_4;
        if (U_SUCCESS(ec) && n > 0 && (info.errors & ~tolerated) == 0) {
            std::string out(buf, static_cast<std::size_t>(n));
            while (!out.empty() && out.back() == '.') out.pop_back();
            if (!out.empty()) return out;
        }
    }
    return ascii ? [&] {
        std::string out;
        for (char c : h) out.push_back(lower(c));
        return out;
    }()
                 : lower_unicode(h);
}

}  // namespace replyguard::text
