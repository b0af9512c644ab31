// SPDX-License-Identifier: Apache-2.0
// history/fingerprint.cpp - shingles + winnowing over normalised text.
//
// Hand-written on purpose: a hot path (every learnt and scanned message), a few
// lines of arithmetic, and no Debian package offers winnowing.
#include "history/fingerprint.hpp"

#include "core/strings.hpp"
#include "text/normalize.hpp"

#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>

namespace replyguard::history {
namespace {

// Lines that are part of a quote's framing, not of the quoted message.
constexpr std::array<std::string_view, 16> k_header_labels{
    "from", "sent", "to",     "cc",   "subject",  "date",       "差出人", "送信日時",
    "宛先", "件名", "送信者", "日時", "reply-to", "importance", "重要度", "cc",
};

std::string_view strip_markers(std::string_view l) {
    for (;;) {
        l = trim(l);
        if (!l.empty() && (l.front() == '>' || l.front() == '|')) {
            l.remove_prefix(1);
            continue;
        }
        if (l.starts_with("\xEF\xBC\x9E")) {
            l.remove_prefix(3);
            continue;
        }  // ＞
        return l;
    }
}

// The bytes a framing line can start with: the separators' and every label's first
// byte, in both cases. Most lines start with none of them and skip the label loop
// (is_framing was a quarter of code_points' own instructions, callgrind, 2,000
// generated messages learnt).
constexpr std::array<bool, 256> k_framing_first = [] {
    std::array<bool, 256> t{};
    for (char c : {'-', '_', '='}) t[static_cast<unsigned char>(c)] = true;
    for (auto lab : k_header_labels) {
        const char c = lab.front();
        t[static_cast<unsigned char>(c)] = true;
        if (c >= 'a' && c <= 'z') t[static_cast<unsigned char>(c - 'a' + 'A')] = true;
    }
    return t;
}();

bool is_framing(std::string_view l) {
    if (l.empty() || !k_framing_first[static_cast<unsigned char>(l.front())]) return false;
    if (l.starts_with("-----") || l.starts_with("_____") || l.starts_with("=====")) return true;
    for (auto lab : k_header_labels) {
        // Labels are lower case (or not ASCII): starts_with_ci is their ASCII case fold.
        if (l.size() <= lab.size() || !starts_with_ci(l, lab)) continue;
        auto rest = trim(l.substr(lab.size()));
        if (rest.starts_with(':') || rest.starts_with("\xEF\xBC\x9A")) return true;  // ':' or '：'
    }
    return false;
}

/// The code points fingerprints are made of; `ascii` tells that all are below 0x80.
std::vector<UChar32> code_points(std::string_view text, bool& ascii) {
    std::string kept;
    kept.reserve(text.size());
    std::size_t b = 0;
    while (b < text.size()) {
        auto e = text.find('\n', b);
        if (e == std::string_view::npos) e = text.size();
        auto l = strip_markers(text.substr(b, e - b));
        if (!is_framing(l)) {
            kept.append(l);
            kept += '\n';
        }
        b = e + 1;
    }
    std::vector<UChar32> out;
    ascii = is_ascii(kept);
    if (ascii) {
        // ASCII text (most quoted text of the corpus): NFKC_Casefold of ASCII is
        // tolower() (text::nfkc_casefold's own fast path), and the ASCII letters and
        // digits are exactly u_isalnum's, so the same code points come out without
        // the fold's copy and ICU's property lookups per character (fold_key and
        // u_isalnum/u_foldCase were a third of text_fingerprints, callgrind).
        // Written through a pointer into a vector sized for the worst case
        // (push_back and its size test per character were a third of this loop).
        out.resize(std::min(kept.size(), k_max_fingerprint_chars));
        UChar32* w = out.data();
        UChar32* const w_end = w + out.size();
        for (char ch : kept) {
            if (w == w_end) break;
            auto c = static_cast<unsigned char>(ch);
            if (c >= 'A' && c <= 'Z') c = static_cast<unsigned char>(c + 32);
            if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) *w++ = c;
        }
        out.resize(static_cast<std::size_t>(w - out.data()));
        return out;
    }
    out.reserve(std::min(kept.size(), k_max_fingerprint_chars));
    // NFKC_Casefold, not text::fold_key: fold_key only removes the white space
    // (and reads an ill-formed sequence as U+FFFD), which the letters-and-digits
    // filter below drops anyway, so the same code points come out without that
    // extra pass over the text (a third of fold_key's cost, callgrind).
    // Stored fingerprints were made with u_foldCase() on each code point after the
    // fold; NFKC_Casefold's output is already case-folded, so it was the identity
    // there and is not called (10% of code_points' instructions on Japanese text):
    // checked for every code point and every letter + combining mark pair (ICU 72,
    // 14.7 M folded letters and digits, none changed by u_foldCase), and by
    // tests/unit/history/fingerprint_test.cpp against the definition with it.
    std::string folded = text::nfkc_casefold(kept);
    const auto* s = reinterpret_cast<const uint8_t*>(folded.data());
    int32_t i = 0, n = static_cast<int32_t>(folded.size());
    while (i < n && out.size() < k_max_fingerprint_chars) {
        UChar32 c;
        U8_NEXT(s, i, n, c);
        if (c < 0) continue;
        if (!u_isalnum(c)) continue;
        out.push_back(c);
    }
    return out;
}

// FNV-1a 64 over the four little-endian bytes of each code point, as stored
// fingerprints were always made. A zero byte only multiplies (h ^ 0 == h), and
// multiplication mod 2^64 is associative, so a code point below 0x100 is one
// xor and one multiply by P^4, below 0x10000 two of each: the same value with a
// quarter of the multiplications for ASCII (the hashing was half of
// text_fingerprints, callgrind).
constexpr std::uint64_t k_fnv_offset = 1469598103934665603ULL;
constexpr std::uint64_t k_fnv_prime = 1099511628211ULL;
constexpr std::uint64_t k_fnv_prime2 = k_fnv_prime * k_fnv_prime;
constexpr std::uint64_t k_fnv_prime3 = k_fnv_prime2 * k_fnv_prime;
constexpr std::uint64_t k_fnv_prime4 = k_fnv_prime2 * k_fnv_prime2;

inline std::uint64_t fnv_code_point(std::uint64_t h, std::uint32_t c) {
    if (c < 0x100) return (h ^ c) * k_fnv_prime4;
    if (c < 0x10000) return (((h ^ (c & 0xFF)) * k_fnv_prime) ^ (c >> 8)) * k_fnv_prime3;
    for (int b = 0; b < 4; ++b) {
        h ^= (c >> (8 * b)) & 0xFF;
        h *= k_fnv_prime;
    }
    return h;
}

}  // namespace

std::string fingerprint_text(std::string_view text) {
    std::string out;
    bool ascii = false;
    for (UChar32 c : code_points(text, ascii)) {
        char buf[4];
        int32_t len = 0;
        UBool err = false;
        U8_APPEND(buf, len, 4, c, err);
        if (!err) out.append(buf, static_cast<std::size_t>(len));
    }
    return out;
}

std::vector<std::uint64_t> text_fingerprints(std::string_view text, std::size_t keep) {
    bool ascii = false;
    auto cps = code_points(text, ascii);
    std::vector<std::uint64_t> out;
    if (cps.size() < k_shingle) return out;
    const std::size_t n_sh = cps.size() - k_shingle + 1;
    // Code points below 0x100 only (ASCII text: most quoted text), each one xor and
    // one multiply, without fnv_code_point's branches: the same values, ~40% fewer
    // instructions in this loop, which was a third of quoted_fingerprints (callgrind).
    const bool latin1 = ascii || std::all_of(cps.begin(), cps.end(), [](UChar32 c) { return c >= 0 && c < 0x100; });
    const auto shingle = [&](std::size_t i) {
        std::uint64_t h = k_fnv_offset;
        if (latin1)
            for (std::size_t j = 0; j < k_shingle; ++j) h = (h ^ static_cast<std::uint32_t>(cps[i + j])) * k_fnv_prime4;
        else
            for (std::size_t j = 0; j < k_shingle; ++j) h = fnv_code_point(h, static_cast<std::uint32_t>(cps[i + j]));
        // Keep it in SQLite's signed 64-bit range without losing entropy that matters.
        return h >> 1;
    };
    const std::size_t w = std::min(k_window, n_sh);
    // Neighbouring windows mostly share their minimum: recording it only when it
    // changes gives the same set after the sort and unique below, with ~w times fewer
    // values to sort (the sort was 2.3% of learn's CPU, perf, 10k messages).
    if (w == 4) {
        // The usual window, unrolled, over the last four shingles only: min_element's
        // loop and comparator calls were ~15% of text_fingerprints (callgrind,
        // 2026-12-05), and an array of every shingle cost an allocation and its
        // zeroing per text (0.8% of `learn`, 2026-12-06). Same minima.
        std::uint64_t r0 = shingle(0), r1 = shingle(1), r2 = shingle(2);
        for (std::size_t i = 3; i < n_sh; ++i) {
            const std::uint64_t r3 = shingle(i);
            const auto m = std::min(std::min(r0, r1), std::min(r2, r3));
            if (out.empty() || out.back() != m) out.push_back(m);
            r0 = r1;
            r1 = r2;
            r2 = r3;
        }
    } else {
        std::vector<std::uint64_t> sh(n_sh);
        for (std::size_t i = 0; i < n_sh; ++i) sh[i] = shingle(i);
        for (std::size_t i = 0; i + w <= sh.size(); ++i) {
            const auto m = *std::min_element(sh.begin() + static_cast<std::ptrdiff_t>(i),
                                             sh.begin() + static_cast<std::ptrdiff_t>(i + w));
            if (out.empty() || out.back() != m) out.push_back(m);
        }
    }
    if (keep > 0 && out.size() > keep) {
        // Only the `keep` smallest distinct values are wanted (the learner's 48 of a
        // text's hundreds to thousands): select the k smallest, sort just those, and
        // take k larger only when repeats left fewer than `keep` distinct ones among
        // them (a paragraph quoted many times). The full sort was 8.9% of `learn`'s CPU
        // (perf, benign corpus). The same values: selection and unique keep every
        // distinct value of `out` somewhere in it, and at k == out.size() this is the
        // full sort below.
        for (std::size_t k = keep;; k = std::min(out.size(), 2 * k)) {
            const auto first_k = out.begin() + static_cast<std::ptrdiff_t>(k);
            if (k < out.size()) std::nth_element(out.begin(), first_k - 1, out.end());
            std::sort(out.begin(), first_k);
            const auto distinct = static_cast<std::size_t>(std::unique(out.begin(), first_k) - out.begin());
            if (distinct >= keep || k == out.size()) {
                out.resize(std::min(distinct, keep));
                return out;
            }
        }
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

}  // namespace replyguard::history
