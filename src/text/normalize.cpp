// SPDX-License-Identifier: Apache-2.0
// text/normalize.cpp - NFKC / NFKC_Casefold keys with ICU Normalizer2
//
// DESCRIPTION
//   The Normalizer2 instances are process-wide singletons owned by ICU (cheap to
//   share between threads). Pure ASCII input takes a fast path: NFKC leaves it
//   unchanged and case folding is tolower(), and most keys we build are ASCII.
//   Other well-formed UTF-8 is normalised as UTF-8 (see apply()). Invalid UTF-8
//   is read as U+FFFD, never an error.
#include "text/normalize.hpp"

#include "core/strings.hpp"
#include "core/utf8.hpp"

#include <unicode/bytestream.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <climits>

namespace replyguard::text {

namespace {

const icu::Normalizer2* nfkc_instance() {
    static const icu::Normalizer2* n = [] {
        UErrorCode e = U_ZERO_ERROR;
        const icu::Normalizer2* p = icu::Normalizer2::getNFKCInstance(e);
        return U_SUCCESS(e) ? p : nullptr;
    }();
    return n;
}

const icu::Normalizer2* nfkc_cf_instance() {
    static const icu::Normalizer2* n = [] {
        UErrorCode e = U_ZERO_ERROR;
        const icu::Normalizer2* p = icu::Normalizer2::getNFKCCasefoldInstance(e);
        return U_SUCCESS(e) ? p : nullptr;
    }();
    return n;
}

std::string apply(const icu::Normalizer2* n, std::string_view s) {
    if (!n) return std::string(s);
    // Well-formed UTF-8 is normalised as UTF-8 (Normalizer2::normalizeUTF8): no
    // round trip through UTF-16, half the time on Japanese text (131 corpus bodies,
    // 267 KB: 4.5 -> 2.3 ms for NFKC_Casefold, 2026-12-06), the same output
    // (tests/unit/text/normalize_test.cpp holds it to the UTF-16 path on every
    // code point, combining sequences and mixed text). Ill-formed input takes the
    // UTF-16 path: there ICU reads each bad sequence as U+FFFD, where
    // normalizeUTF8 would pass its bytes through.
    if (is_valid_utf8(s) && s.size() < static_cast<std::size_t>(INT32_MAX)) {
        std::string r;
        r.reserve(s.size() + s.size() / 8);
        icu::StringByteSink<std::string> sink(&r);
        UErrorCode e = U_ZERO_ERROR;
        n->normalizeUTF8(0, icu::StringPiece(s.data(), static_cast<int32_t>(s.size())), sink, nullptr, e);
        if (U_SUCCESS(e)) return r;
    }
    icu::UnicodeString u = icu::UnicodeString::fromUTF8(icu::StringPiece(s.data(), static_cast<int32_t>(s.size())));
    UErrorCode e = U_ZERO_ERROR;
    icu::UnicodeString out = n->normalize(u, e);
    if (U_FAILURE(e)) return std::string(s);
    std::string r;
    out.toUTF8String(r);
    return r;
}

bool is_space(UChar32 c) { return u_isUWhiteSpace(c) || c == 0x3000 || c == 0xFEFF || c == 0x200B; }

/// Walk the code points of `s`, calling f(cp, begin, end) with byte offsets.
template <class F>
void each_cp(std::string_view s, F&& f) {
    int32_t i = 0, n = static_cast<int32_t>(s.size());
    const auto* p = reinterpret_cast<const uint8_t*>(s.data());
    while (i < n) {
        int32_t start = i;
        UChar32 c;
        U8_NEXT(p, i, n, c);
        f(c, static_cast<std::size_t>(start), static_cast<std::size_t>(i));
    }
}

}  // namespace

std::string nfkc(std::string_view s) {
    if (is_ascii(s)) return std::string(s);
    return apply(nfkc_instance(), s);
}

std::string nfkc_casefold(std::string_view s) {
    if (is_ascii(s)) {
        std::string r(s);
        for (char& c : r)
            if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
        return r;
    }
    return apply(nfkc_cf_instance(), s);
}

std::string fold_key(std::string_view s) {
    std::string f = nfkc_casefold(s);
    std::string out;
    out.reserve(f.size());
    each_cp(f, [&](UChar32 c, std::size_t b, std::size_t e) {
        if (c < 0) {
            out += "\xEF\xBF\xBD";
        } else if (!is_space(c)) {
            out.append(f, b, e - b);
        }
    });
    return out;
}

std::string collapse_space(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    bool pending = false;
    each_cp(s, [&](UChar32 c, std::size_t b, std::size_t e) {
        if (c >= 0 && is_space(c)) {
            pending = !out.empty();
            return;
        }
        if (pending) out.push_back(' ');
        pending = false;
        if (c < 0)
            out += "\xEF\xBF\xBD";
        else
            out.append(s.substr(b, e - b));
    });
    return out;
}

}  // namespace replyguard::text
