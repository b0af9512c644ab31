// SPDX-License-Identifier: Apache-2.0
// mime/header_decode.cpp - unfolding and RFC 2047 decoding with our charsets
//
// DESCRIPTION
//   The value is cut into raw text and encoded words. Runs of encoded words
//   separated only by white space (or by nothing: Japanese mailers often glue
//   them) form one run; inside a run the bytes of consecutive words with the
//   same charset are concatenated before conversion, so a character or a JIS
//   escape state split between words survives. Encoded words inside other text
//   ("abc=?utf-8?q?x?=") are decoded too: real mail does it and RFC 2047's
//   stricter rule only ever produced mojibake for users. A word that does not
//   parse (bad encoding letter, no terminator) stays as text.
// STANDARDS
//   RFC 2047, RFC 2231 section 5 (language suffix), RFC 6532.
#include "mime/header_decode.hpp"

#include "core/strings.hpp"
#include "mime/charset.hpp"

#include <array>
#include <cstdint>
#include <cstring>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <string>
#include <vector>

namespace replyguard::mime {

namespace {

struct piece {
    bool encoded = false;
    std::string charset;  // lower-cased, language suffix removed
    std::string bytes;    // decoded transfer bytes (encoded) or raw text
};

int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

void decode_q(std::string_view s, std::string& out) {
    out.reserve(out.size() + s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (c == '_') {
            out.push_back(' ');
        } else if (c == '=' && i + 2 < s.size() && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
            out.push_back(static_cast<char>(hexval(s[i + 1]) * 16 + hexval(s[i + 2])));
            i += 2;
        } else {
            out.push_back(c);
        }
    }
}

/// The base64 alphabet's values; -1 outside it, -2 for '='.
constexpr std::array<std::int8_t, 256> k_b64 = [] {
    std::array<std::int8_t, 256> t{};
    t.fill(-1);
    for (int i = 0; i < 26; ++i) {
        t[static_cast<std::size_t>('A' + i)] = static_cast<std::int8_t>(i);
        t[static_cast<std::size_t>('a' + i)] = static_cast<std::int8_t>(26 + i);
    }
    for (int i = 0; i < 10; ++i) t[static_cast<std::size_t>('0' + i)] = static_cast<std::int8_t>(52 + i);
    t[static_cast<std::size_t>('+')] = 62;
    t[static_cast<std::size_t>('/')] = 63;
    t[static_cast<std::size_t>('=')] = -2;
    return t;
}();

/// Lenient base64: skips characters outside the alphabet, stops at '=';
/// appends to `out`. A table and one write per output byte, not a chain of
/// comparisons and push_back: Exchange's X-Microsoft-Antispam-Message-Info
/// holds ~100 base64 words (7 KB a value), and decoding them was most of the
/// header decoding of the corpus (callgrind). Whole groups of four alphabet
/// characters go three bytes at a time (the same bytes: a group starts when the
/// bit count is back at 0).
bool decode_b(std::string_view s, std::string& out) {
    unsigned int acc = 0;
    int bits = 0, used = 0;
    const std::size_t start = out.size();
    out.resize(start + s.size() * 3 / 4 + 3);
    char* w = out.data() + start;
    const char* p = s.data();
    const char* const end = p + s.size();
    for (;;) {
        if (bits == 0) {
            while (end - p >= 4) {
                const int a = k_b64[static_cast<unsigned char>(p[0])], b = k_b64[static_cast<unsigned char>(p[1])],
                          c = k_b64[static_cast<unsigned char>(p[2])], d = k_b64[static_cast<unsigned char>(p[3])];
                if ((a | b | c | d) < 0) break;
                const auto v = static_cast<unsigned>((a << 18) | (b << 12) | (c << 6) | d);
                w[0] = static_cast<char>((v >> 16) & 0xFF);
                w[1] = static_cast<char>((v >> 8) & 0xFF);
                w[2] = static_cast<char>(v & 0xFF);
                w += 3;
                p += 4;
                used += 4;
            }
        }
        if (p == end) break;
        const int v = k_b64[static_cast<unsigned char>(*p++)];
        if (v == -2) break;
        if (v < 0) continue;
        ++used;
        acc = (acc << 6) | static_cast<unsigned>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            *w++ = static_cast<char>((acc >> bits) & 0xFF);
        }
    }
    out.resize(static_cast<std::size_t>(w - out.data()));
    return used > 0 || s.empty();
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

/// The first white space at or after `t`. Eight bytes at a time: a word with no
/// byte below 0x21 holds none (find_first_of calls memchr on the set once per
/// byte; a byte loop over the encoded words was 0.7% of `scan -j1`'s
/// instructions, callgrind 2026-12-05).
std::size_t first_space(std::string_view s, std::size_t t) {
    constexpr std::uint64_t k01 = 0x0101010101010101ULL, k80 = 0x8080808080808080ULL;
    std::size_t k = t;
    for (; k + 8 <= s.size(); k += 8) {
        std::uint64_t x;
        std::memcpy(&x, s.data() + k, 8);
        if (((x - 0x21 * k01) & ~x & k80) == 0) continue;  // no byte < 0x21
        for (std::size_t j = k; j < k + 8; ++j)
            if (is_space(s[j])) return j;
    }
    for (; k < s.size(); ++k)
        if (is_space(s[k])) return k;
    return std::string_view::npos;
}

/// Where the text of encoded words may end: the first "?=" and the first white
/// space at or after a position, remembered between calls. Searching afresh for
/// every "=?" is quadratic on a value of millions of unterminated words
/// ("=?u?Q?x=?u?Q?x..." with no "?=", or one far away), so a search result is
/// reused for every later start before it (the first hit after an earlier start
/// is also the first after a later one, as long as that start is not past it).
struct word_scan {
    std::string_view s;
    std::size_t close_from = std::string_view::npos, close_at = std::string_view::npos;
    std::size_t space_from = std::string_view::npos, space_at = std::string_view::npos;

    std::size_t close(std::size_t t) {
        if (close_from == std::string_view::npos || t < close_from ||
            (close_at != std::string_view::npos && t > close_at)) {
            close_from = t;
            close_at = s.find("?=", t);
        }
        return close_at;
    }
    std::size_t space(std::size_t t) {
        if (space_from == std::string_view::npos || t < space_from ||
            (space_at != std::string_view::npos && t > space_at)) {
            space_from = t;
            space_at = first_space(s, t);
        }
        return space_at;
    }
};

/// Try to read an encoded word at `pos` (which points at "=?"). On success
/// fills `p` and sets `end` past "?=". `p` is reused from word to word (its
/// strings keep their capacity); on failure its contents are unspecified.
bool parse_word(word_scan& ws, std::size_t pos, piece& p, std::size_t& end) {
    const std::string_view s = ws.s;
    std::size_t q1 = pos + 2;
    // The charset is at most 64 bytes: look for its '?' only that far.
    std::size_t q2 = s.substr(0, std::min(s.size(), q1 + 65)).find('?', q1);
    if (q2 == std::string_view::npos || q2 == q1 || q2 - q1 > 64) return false;
    std::string_view cs = s.substr(q1, q2 - q1);
    for (char c : cs)
        if (c == ' ' || c == '\t' || c == '=' || static_cast<unsigned char>(c) < 0x21 ||
            static_cast<unsigned char>(c) > 0x7E)
            return false;
    if (q2 + 2 >= s.size() || s[q2 + 2] != '?') return false;
    char enc = s[q2 + 1];
    if (enc != 'B' && enc != 'b' && enc != 'Q' && enc != 'q') return false;
    std::size_t t = q2 + 3;
    // The text ends at the first "?=". Q text may not hold '?', B text cannot.
    std::size_t close = ws.close(t);
    if (close == std::string_view::npos) return false;
    // No white space inside the text.
    const std::size_t sp = ws.space(t);
    if (sp != std::string_view::npos && sp < close) return false;
    std::string_view text = s.substr(t, close - t);
    p.bytes.clear();
    if (enc == 'B' || enc == 'b') {
        if (!decode_b(text, p.bytes)) return false;
    } else {
        decode_q(text, p.bytes);
    }
    p.charset.assign(cs.substr(0, cs.find('*')));  // RFC 2231: "iso-2022-jp*ja"
    for (char& c : p.charset) c = lower(c);
    p.encoded = true;
    end = close + 2;
    return true;
}

bool all_space(std::string_view s) {
    for (char c : s)
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n') return false;
    return true;
}

/// Cut an unfolded value into pieces, dropping white space between encoded words.
std::vector<piece> split(std::string_view s) {
    std::vector<piece> out;
    std::string text;
    std::size_t i = 0;
    word_scan ws{s};
    piece w;
    auto push_text = [&]() {
        if (text.empty()) return;
        out.push_back(piece{false, {}, std::move(text)});
        text.clear();
    };
    while (i < s.size()) {
        std::size_t p = s.find("=?", i);
        if (p == std::string_view::npos) {
            text.append(s.substr(i));
            break;
        }
        std::size_t end = 0;
        if (!parse_word(ws, p, w, end)) {
            text.append(s.substr(i, p + 2 - i));
            i = p + 2;
            continue;
        }
        text.append(s.substr(i, p - i));
        if (!out.empty() && out.back().encoded && text.size() > 0 && all_space(text)) text.clear();
        push_text();
        // Same charset as the previous word: join the bytes before conversion.
        if (!out.empty() && out.back().encoded && out.back().charset == w.charset)
            out.back().bytes += w.bytes;
        else
            out.push_back(std::move(w));
        i = end;
    }
    push_text();
    return out;
}

/// Control characters that decoded text must not carry into a header value.
std::string sanitize(std::string s) {
    // \t \n \v \f \r are exactly 0x09-0x0D: one comparison a byte, and only in
    // an eight-byte word that has a byte below 0x0E (the byte loop over the
    // decoded Exchange fields was 0.45% of `scan -j1`, callgrind 2026-12-05).
    const auto fix = [](char& c) {
        if (static_cast<unsigned char>(c) - 0x09u <= 0x0Du - 0x09u) c = ' ';
    };
    constexpr std::uint64_t k01 = 0x0101010101010101ULL, k80 = 0x8080808080808080ULL;
    std::size_t i = 0;
    for (; i + 8 <= s.size(); i += 8) {
        std::uint64_t x;
        std::memcpy(&x, s.data() + i, 8);
        if (((x - 0x0E * k01) & ~x & k80) == 0) continue;  // no byte below 0x0E
        for (std::size_t k = i; k < i + 8; ++k) fix(s[k]);
    }
    for (; i < s.size(); ++i) fix(s[i]);
    return s;
}

/// trim(s) in place: no second copy of a long value.
std::string trimmed(std::string s) {
    const std::string_view t = trim(s);
    const auto b = static_cast<std::size_t>(t.data() - s.data());
    s.erase(b + t.size());
    s.erase(0, b);
    return s;
}

std::string convert(const piece& p) {
    return sanitize(to_utf8(p.bytes, p.encoded ? std::string_view(p.charset) : std::string_view()).text);
}

}  // namespace

std::string unfold(std::string_view raw) {
    // Hot path (every header of every message): copy the runs between line
    // breaks in bulk. A line break is either folding (followed by WSP, which we
    // keep) or a stray one in a value handed to us; neither belongs in the value.
    // Most values hold no line break at all: one find_first_byte, sixteen bytes a
    // compare (the two memchr calls a value it replaced were ~3% of `scan -j1`'s
    // time, perf, memchr's cost being mostly its call on a short value).
    std::size_t br = find_first_byte<'\r', '\n'>(raw);
    if (br == raw.size()) return std::string(raw);  // one line: most values
    std::string out;
    out.reserve(raw.size());
    for (std::size_t p = 0;;) {
        out.append(raw.substr(p, br - p));
        if (br == raw.size()) break;
        p = br + 1;
        br = find_first_byte<'\r', '\n'>(raw, p);
    }
    return out;
}

std::string gmime_unfold(std::string_view raw) {
    std::size_t b = 0, e = raw.size();
    while (b < e && gmime_lwsp(raw[b])) ++b;
    while (e > b && gmime_lwsp(raw[e - 1])) --e;
    return unfold(raw.substr(b, e - b));
}

namespace {
// Nearly every header value is plain printable ASCII without encoded words
// (98.5% of the 138,455 values of the corpus); those need no decoding at all.
bool plain_byte(unsigned char c) { return c < 0x80 && (c >= 0x20 || c == '\t' || c == '\r' || c == '\n') && c != 0x7f; }

bool plain_printable_ascii(std::string_view s) {
    // Sixteen (SSE2) or eight bytes at a time: a block with no byte >= 0x80, none
    // below 0x20 and no 0x7f is plain; only a block that has one (a tab, say) is
    // looked at byte by byte. The byte loop alone was 2.6% of `scan -j1`'s
    // instructions (callgrind); eight bytes at a time 1.0% (6.3 M over every 8th
    // corpus file, 2026-12-05), sixteen with SSE2 (x86-64's baseline) 0.4%.
    constexpr std::uint64_t k01 = 0x0101010101010101ULL, k80 = 0x8080808080808080ULL;
    std::size_t i = 0;
#if defined(__SSE2__)
    {
        // As signed bytes, 0x80-0xFF are negative: one "less than 0x20" finds them too.
        const __m128i below = _mm_set1_epi8(0x20), del = _mm_set1_epi8(0x7f);
        for (; i + 16 <= s.size(); i += 16) {
            const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data() + i));
            const __m128i odd = _mm_or_si128(_mm_cmplt_epi8(x, below), _mm_cmpeq_epi8(x, del));
            if (_mm_movemask_epi8(odd) == 0) continue;
            for (std::size_t k = i; k < i + 16; ++k)
                if (!plain_byte(static_cast<unsigned char>(s[k]))) return false;
        }
    }
#endif
    for (; i + 8 <= s.size(); i += 8) {
        std::uint64_t x;
        std::memcpy(&x, s.data() + i, 8);
        const std::uint64_t below_20 = (x - 0x20 * k01) & ~x & k80;  // nonzero iff a byte < 0x20
        const std::uint64_t y = x ^ (0x7f * k01);
        const std::uint64_t is_7f = (y - k01) & ~y & k80;  // nonzero iff a byte == 0x7f
        if (((x & k80) | below_20 | is_7f) == 0) continue;
        for (std::size_t k = i; k < i + 8; ++k)
            if (!plain_byte(static_cast<unsigned char>(s[k]))) return false;
    }
    for (; i < s.size(); ++i)
        if (!plain_byte(static_cast<unsigned char>(s[i]))) return false;
    return s.find("=?") == std::string_view::npos;
}
}  // namespace

bool needs_header_decoding(std::string_view raw) { return !plain_printable_ascii(raw); }

// A plain value is its own decoding: trimmed, then unfolded, in one copy (trim
// and unfold commute: CR and LF are white space to trim, and unfold drops only
// them). Every header value read decoded takes this path (header_field::value).
std::string decode_header_text(std::string_view raw) {
    if (plain_printable_ascii(raw)) return unfold(trim(raw));
    std::string s = unfold(raw);
    std::string out;
    for (const piece& p : split(s)) out += convert(p);
    return trimmed(std::move(out));
}

std::string decode_address_header(std::string_view raw) {
    if (plain_printable_ascii(raw)) return unfold(trim(raw));
    std::string s = unfold(raw);
    std::vector<piece> pieces = split(s);
    std::string out;
    bool in_quote = false;  // state of the *raw* text: an encoded word may sit inside "..."
    for (const piece& p : pieces) {
        if (!p.encoded) {
            out += convert(p);
            bool esc = false;
            for (char c : p.bytes) {
                if (esc)
                    esc = false;
                else if (c == '\\' && in_quote)
                    esc = true;
                else if (c == '"')
                    in_quote = !in_quote;
            }
            continue;
        }
        std::string t = convert(p);
        std::string q;
        q.reserve(t.size() + 2);
        if (!in_quote) q.push_back('"');
        for (char c : t) {
            if (c == '"' || c == '\\') q.push_back('\\');
            q.push_back(c);
        }
        if (!in_quote) q.push_back('"');
        out += q;
    }
    return std::string(trim(out));
}

}  // namespace replyguard::mime
