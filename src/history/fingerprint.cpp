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

bool is_framing(std::string_view l) {
    if (l.starts_with("-----") || l.starts_with("_____") || l.starts_with("=====")) return true;
    for (auto lab : k_header_labels) {
        if (l.size() <= lab.size()) continue;
        bool eq = true;
        for (std::size_t i = 0; i < lab.size() && eq; ++i)
            eq = std::tolower(static_cast<unsigned char>(l[i])) == static_cast<unsigned char>(lab[i]);
        if (!eq) continue;
        auto rest = trim(l.substr(lab.size()));
        if (rest.starts_with(':') || rest.starts_with("\xEF\xBC\x9A")) return true;  // ':' or '：'
    }
    return false;
}

std::vector<UChar32> code_points(std::string_view text) {
    std::string kept;
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
    std::string folded = text::fold_key(kept);
    std::vector<UChar32> out;
    const auto* s = reinterpret_cast<const uint8_t*>(folded.data());
    int32_t i = 0, n = static_cast<int32_t>(folded.size());
    while (i < n && out.size() < k_max_fingerprint_chars) {
        UChar32 c;
        U8_NEXT(s, i, n, c);
        if (c < 0) continue;
        if (!u_isalnum(c)) continue;
        out.push_back(u_foldCase(c, U_FOLD_CASE_DEFAULT));
    }
    return out;
}

}  // namespace

std::string fingerprint_text(std::string_view text) {
    std::string out;
    for (UChar32 c : code_points(text)) {
        char buf[4];
        int32_t len = 0;
        UBool err = false;
        U8_APPEND(buf, len, 4, c, err);
        if (!err) out.append(buf, static_cast<std::size_t>(len));
    }
    return out;
}

std::vector<std::uint64_t> text_fingerprints(std::string_view text, std::size_t keep) {
    auto cps = code_points(text);
    std::vector<std::uint64_t> out;
    if (cps.size() < k_shingle) return out;
    std::vector<std::uint64_t> sh(cps.size() - k_shingle + 1);
    for (std::size_t i = 0; i < sh.size(); ++i) {
        std::uint64_t h = 1469598103934665603ULL;  // FNV-1a 64
        for (std::size_t j = 0; j < k_shingle; ++j) {
            auto c = static_cast<std::uint32_t>(cps[i + j]);
            for (int b = 0; b < 4; ++b) {
                h ^= (c >> (8 * b)) & 0xFF;
                h *= 1099511628211ULL;
            }
        }
        // Keep it in SQLite's signed 64-bit range without losing entropy that matters.
        sh[i] = h >> 1;
    }
    const std::size_t w = std::min(k_window, sh.size());
    // Neighbouring windows mostly share their minimum: recording it only when it
    // changes gives the same set after the sort and unique below, with ~w times fewer
    // values to sort (the sort was 2.3% of learn's CPU, perf, 10k messages).
    for (std::size_t i = 0; i + w <= sh.size(); ++i) {
        const auto m = *std::min_element(sh.begin() + static_cast<std::ptrdiff_t>(i),
                                         sh.begin() + static_cast<std::ptrdiff_t>(i + w));
        if (out.empty() || out.back() != m) out.push_back(m);
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    if (keep > 0 && out.size() > keep) out.resize(keep);
    return out;
}

}  // namespace replyguard::history
