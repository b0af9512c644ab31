// SPDX-License-Identifier: Apache-2.0
// attach/passwords.cpp - candidate archive passwords from the new text of a mail
//
// DESCRIPTION
//   Line-oriented: labels are searched in a lower-cased, width-folded copy of each
//   line, then the value is taken after the first separator that follows the label
//   (":", "=", " is ", "は"), or from the next line when the label line announces it
//   ("以下", "下記", "below", "as follows"). Values must fold to printable ASCII:
//   archive passwords in this kind of mail are ASCII, while Japanese phrases after a
//   label ("別途お送りします") are not passwords.
#include "attach/passwords.hpp"

#include "core/strings.hpp"
#include "text/normalize.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace replyguard::attach {
namespace {

constexpr std::size_t k_max_text = 256u << 10;
constexpr std::size_t k_max_value = 64;
constexpr std::size_t k_max_filler = 48;          // bytes between a label and its separator
constexpr std::size_t k_max_announce_line = 120;  // "パスワードは以下の通りです" lines are short

struct label {
    std::string_view text;
    int bonus;
    bool ascii;
};

// Longest first, so "解凍パスワード" wins over "パスワード" and "password" over "pass".
constexpr std::array k_labels{
    label{"解凍パスワード", 5, false},
    label{"暗号化パスワード", 5, false},
    label{"zipパスワード", 5, false},
    label{"zip password", 5, true},
    label{"パスワード", 0, false},
    label{"パスコード", 0, false},
    label{"暗証番号", 0, false},
    label{"password", 0, true},
    label{"passcode", 0, true},
    label{"passwd", 0, true},
    label{"パス", -5, false},
    label{"pass", -5, true},
    label{"pwd", 0, true},
    label{"pw", 0, true},
};

// find_labels() skips positions by these first bytes, and find_password_candidates()
// skips plain-ASCII lines without "pw" or "pass" (ascii_line_without_label): every
// ASCII label holds one of them, every other label a non-ASCII byte.
constexpr bool label_first_byte(unsigned char c) { return c == 'p' || c == 'z' || c == 0xE8 || c == 0xE6 || c == 0xE3; }
static_assert(std::ranges::all_of(k_labels, [](const label& l) {
    const bool core = l.text.find("pw") != std::string_view::npos || l.text.find("pass") != std::string_view::npos;
    const bool non_ascii = std::ranges::any_of(l.text, [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
    return label_first_byte(static_cast<unsigned char>(l.text[0])) && (l.ascii ? core && !non_ascii : non_ascii);
}));

// A plain-ASCII line is its own NFKC and width fold, so the only labels it can hold
// are the ASCII ones, found case-insensitively: without "pw" or "pass" in any case it
// holds none, and no 「」 either: false at any non-ASCII byte or any "pw"/"pass"
// (both answers are false, so the order they are found in does not matter).
// Before, a line with any 'p' ("please", "up") went on to three copies and the
// label search: 4.0% of all instructions of
// `scan -j1` over the corpus (callgrind, ~86k a message, called for every message
// by scan::ppap_linker::offers_of); offers_of went from 389 M to 119 M instructions
// over the corpus (bench/README.md, "Four small costs").
bool ascii_line_without_label(std::string_view l) {
    const std::size_t n = l.size();
    // A label at a 'p' or 'P': "pw" or "pass" in any case.
    const auto label_at = [&](std::size_t i) {
        if (i + 1 == n) return false;
        const auto d = static_cast<unsigned char>(l[i + 1] | 0x20);
        return d == 'w' || (d == 'a' && i + 3 < n && (l[i + 2] | 0x20) == 's' && (l[i + 3] | 0x20) == 's');
    };
    std::size_t i = 0;
#if defined(__SSE2__)
    // Sixteen bytes a compare: any byte >= 0x80 answers (a non-ASCII line), else
    // only the 'p's are looked at (the byte loop was 1.7% of `scan -j1`'s
    // instructions on the corpus, callgrind 2026-12-06).
    const __m128i p = _mm_set1_epi8('p'), case_bit = _mm_set1_epi8(0x20);
    for (; i + 16 <= n; i += 16) {
        const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(l.data() + i));
        if (_mm_movemask_epi8(x) != 0) return false;
        for (int m = _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_or_si128(x, case_bit), p)); m != 0; m &= m - 1)
            if (label_at(i + static_cast<std::size_t>(__builtin_ctz(m)))) return false;
    }
#endif
    for (; i < n; ++i) {
        const auto c = static_cast<unsigned char>(l[i]);
        if (c >= 0x80) return false;
        if ((c | 0x20) == 'p' && label_at(i)) return false;  // c | 0x20 is 'p' for 'p' and 'P' only
    }
    return true;
}

// Width fold: U+FF01..U+FF5E -> ASCII, U+3000 -> space. text::nfkc does this too
// (and more); it is repeated here so password matching does not depend on ICU data
// being present, and because it is exactly the subset that matters for passwords.
std::string width_fold(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        auto c = static_cast<unsigned char>(s[i]);
        if (c == 0xEF && i + 2 < s.size()) {
            auto b1 = static_cast<unsigned char>(s[i + 1]), b2 = static_cast<unsigned char>(s[i + 2]);
            unsigned cp = ((c & 0x0F) << 12) | ((b1 & 0x3F) << 6) | (b2 & 0x3F);
            if (cp >= 0xFF01 && cp <= 0xFF5E) {
                out.push_back(static_cast<char>(cp - 0xFF01 + 0x21));
                i += 2;
                continue;
            }
        }
        if (c == 0xE3 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
            static_cast<unsigned char>(s[i + 2]) == 0x80) {
            out.push_back(' ');
            i += 2;
            continue;
        }
        out.push_back(static_cast<char>(c));
    }
    return out;
}

bool is_space_at(std::string_view s, std::size_t i, std::size_t* len) {
    if (s[i] == ' ' || s[i] == '\t' || s[i] == '\r') {
        *len = 1;
        return true;
    }
    if (s.substr(i, 3) == "\xE3\x80\x80") {
        *len = 3;
        return true;
    }
    return false;
}

std::string_view trim(std::string_view s) {
    for (;;) {
        std::size_t n = 0;
        if (!s.empty() && is_space_at(s, 0, &n)) {
            s.remove_prefix(n);
            continue;
        }
        if (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
            s.remove_suffix(1);
            continue;
        }
        if (s.size() >= 3 && s.substr(s.size() - 3) == "\xE3\x80\x80") {
            s.remove_suffix(3);
            continue;
        }
        return s;
    }
}

bool starts_with_any(std::string_view s, std::initializer_list<std::string_view> l) {
    return std::ranges::any_of(l, [&](auto p) { return s.starts_with(p); });
}
bool contains_any(std::string_view s, std::initializer_list<std::string_view> l) {
    return std::ranges::any_of(l, [&](auto p) { return s.find(p) != std::string_view::npos; });
}

// Printable ASCII after width folding, and not a bare separator.
bool plausible(std::string_view v) {
    if (v.empty() || v.size() > k_max_value) return false;
    std::string f = width_fold(v);
    if (f.empty() || f.size() > k_max_value) return false;
    if (!std::ranges::all_of(f, [](char c) { return c > 0x20 && c < 0x7F; })) return false;
    if (f.find("://") != std::string::npos || f.starts_with("www.")) return false;
    return std::ranges::any_of(f, [](char c) { return std::isalnum(static_cast<unsigned char>(c)); });
}

// "Netherlands", "problems": a plain (capitalised) word. Accepted only after an
// explicit separator on the label's line, never from weaker evidence.
bool plain_word(std::string_view v) {
    while (!v.empty() && std::strchr("([{\"'", v.front())) v.remove_prefix(1);
    if (v.empty()) return false;
    std::size_t i = std::isupper(static_cast<unsigned char>(v[0])) ? 1 : 0;
    for (; i < v.size(); ++i)
        if (!std::islower(static_cast<unsigned char>(v[i])) && !std::strchr("!?.,;:)}]*", v[i])) return false;
    return true;
}

struct quote_pair {
    std::string_view open, close;
};
constexpr std::array k_quotes{
    quote_pair{"「", "」"}, quote_pair{"『", "』"}, quote_pair{"【", "】"}, quote_pair{"“", "”"},
    quote_pair{"\"", "\""}, quote_pair{"'", "'"},   quote_pair{"（", "）"}, quote_pair{"(", ")"},
    quote_pair{"[", "]"},   quote_pair{"＜", "＞"}, quote_pair{"<", ">"},
};

// The value at the start of `s`: a quoted string, or the first token.
std::string_view take_value(std::string_view s) {
    s = trim(s);
    for (const auto& q : k_quotes) {
        if (s.starts_with(q.open)) {
            auto rest = s.substr(q.open.size());
            auto e = rest.find(q.close);
            if (e != std::string_view::npos) return trim(rest.substr(0, e));
        }
    }
    std::size_t end = 0;
    while (end < s.size()) {
        std::size_t n = 0;
        if (is_space_at(s, end, &n)) break;
        auto rest = s.substr(end);
        if (starts_with_any(rest, {"。", "、", "（", "です", "となります", "になります", "でございます", "と"})) break;
        ++end;
    }
    auto v = s.substr(0, end);
    while (!v.empty() && (v.back() == '.' || v.back() == ',' || v.back() == ';')) v.remove_suffix(1);
    while (v.ends_with("。") || v.ends_with("、")) v.remove_suffix(3);
    return v;
}

struct collector {
    std::vector<password_candidate> out;
    void add(std::string_view v, std::string_view line, int rank) {
        if (!plausible(v)) return;
        std::string folded = width_fold(text::nfkc(v));
        auto put = [&](std::string p, int r) {
            for (auto& c : out)
                if (c.password == p) {
                    c.rank = std::max(c.rank, r);
                    return;
                }
            out.push_back({std::move(p), std::string(line), r});
        };
        // The folded form first: senders who type full-width in the body usually
        // typed half-width into the archiver. The raw form is tried too.
        put(folded, rank);
        if (folded != v) put(std::string(v), rank - 1);
    }
};

// Label positions in `low` (lower-cased, folded line): {begin, end, bonus}.
struct label_hit {
    std::size_t begin, end;
    int bonus;
    bool tight;
};
std::vector<label_hit> find_labels(std::string_view low) {
    std::vector<label_hit> hits;
    std::size_t i = 0;
    while (i < low.size()) {
        // Every label starts with one of these bytes ('p', 'z', or the lead byte
        // of 解, 暗, パ): the other positions skip the 14 compares. This loop was
        // 7% of `scan -j1`'s instructions on the corpus (callgrind) before.
        if (!label_first_byte(static_cast<unsigned char>(low[i]))) {
            ++i;
            continue;
        }
        bool hit = false;
        for (const auto& l : k_labels) {
            if (low.compare(i, l.text.size(), l.text) != 0) continue;
            std::size_t e = i + l.text.size();
            // A label inside a URL ("...&pass=TVRF...") is a query parameter, not prose.
            auto word_start = low.find_last_of(" \t", i);
            word_start = word_start == std::string_view::npos ? 0 : word_start + 1;
            if (low.substr(word_start, i - word_start).find("://") != std::string_view::npos) continue;
            if (l.ascii) {
                bool before = i == 0 || !std::isalnum(static_cast<unsigned char>(low[i - 1]));
                bool after = e >= low.size() || !std::isalpha(static_cast<unsigned char>(low[e]));
                if (!before || !after) continue;
            }
            hits.push_back({i, e, l.bonus, l.bonus < 0});
            i = e;
            hit = true;
            break;
        }
        if (!hit) ++i;
    }
    return hits;
}

// Where the value starts after a label ending at `from`, or npos. `announce` is set
// when the line says the password follows on the next line.
// Words that follow "password is" in prose ("a password is a variant of...").
bool prose_word(std::string_view v) {
    static constexpr std::array<std::string_view, 36> k_words{
        "a",     "an",        "the",     "not",     "as",    "in",   "on",       "for",      "to",
        "being", "that",      "this",    "your",    "my",    "our",  "required", "needed",   "sent",
        "below", "attached",  "same",    "also",    "still", "now",  "here",     "there",    "correct",
        "wrong", "incorrect", "invalid", "expired", "case",  "very", "set",      "included", "provided"};
    std::string low = lower(v);
    while (!low.empty() && std::ispunct(static_cast<unsigned char>(low.back()))) low.pop_back();
    return std::ranges::find(k_words, low) != k_words.end();
}

std::size_t value_start(std::string_view low, std::size_t from, bool* announce, bool* weak) {
    *announce = false;
    *weak = false;
    std::size_t best = std::string_view::npos, best_len = 0;
    bool prose_sep = false;
    for (std::string_view sep : {":", "=", " is ", "は", "->", "：", "＝"}) {
        auto p = low.find(sep, from);
        if (p != std::string_view::npos && p - from <= k_max_filler && p < best) {
            best = p;
            best_len = sep.size();
            // "password is expiring": after a verb, a plain word is prose.
            prose_sep = sep == " is ";
        }
    }
    *weak = prose_sep;
    if (best == std::string_view::npos) {
        // "PW abc123" / "解凍パスワード abc123": a label then white space then a value.
        std::size_t n = 0;
        if (from < low.size() && is_space_at(low, from, &n)) {
            *weak = true;
            return from;
        }
        if (trim(low.substr(from)).empty()) *announce = true;
        return std::string_view::npos;
    }
    std::size_t v = best + best_len;
    // "password is: x", "パスワードは：x"
    for (;;) {
        std::size_t n = 0;
        while (v < low.size() && is_space_at(low, v, &n)) v += n;
        if (v < low.size() && (low[v] == ':' || low[v] == '=')) {
            ++v;
            continue;
        }
        break;
    }
    auto rest = trim(low.substr(std::min(v, low.size())));
    if (rest.empty() || contains_any(rest, {"以下", "下記", "次の", "below", "as follows", "following"}))
        *announce = true;
    return v;
}

}  // namespace

std::vector<password_candidate> find_password_candidates(std::string_view text) {
    if (text.size() > k_max_text) text = text.substr(0, k_max_text);
    std::vector<std::string_view> lines;
    for (std::size_t p = 0; p <= text.size();) {
        auto e = text.find('\n', p);
        if (e == std::string_view::npos) e = text.size();
        lines.push_back(text.substr(p, e - p));
        p = e + 1;
    }

    collector col;
    for (std::size_t li = 0; li < lines.size(); ++li) {
        std::string_view raw = trim(lines[li]);
        if (raw.size() > 1000) continue;
        // Most lines of mail: nothing below can match (see ascii_line_without_label).
        if (ascii_line_without_label(raw)) continue;
        // Work on the folded form (labels like "ＰＷ：" and values like "ＡＢＣ１２３"),
        // and on the raw form so the value as written is also a candidate.
        std::string folded = width_fold(text::nfkc(raw));
        bool line_has_label = false;
        const std::string raw_s(raw);
        for (int pass = 0; pass < 2; ++pass) {
            const std::string* form = pass == 0 ? &folded : &raw_s;
            if (pass == 1 && raw_s == folded) break;
            std::string low = lower(*form);
            for (const auto& h : find_labels(low)) {
                line_has_label = true;
                bool announce = false, weak = false;
                auto v = value_start(low, h.end, &announce, &weak);
                // "pass"/"パス" are also ordinary words: only "pass: x" / "パス：x" count.
                if (h.tight && v != std::string_view::npos) {
                    auto gap = low.substr(h.end, std::min<std::size_t>(4, low.size() - h.end));
                    if (weak || (gap.find(':') == std::string_view::npos && gap.find('=') == std::string_view::npos &&
                                 gap.find("：") == std::string_view::npos))
                        continue;
                }
                int base = (pass == 0 ? 100 : 99) + h.bonus;
                if (!announce && v != std::string_view::npos) {
                    auto value = take_value(std::string_view(*form).substr(v));
                    // Without a separator ("PW abc123"), a plain word is prose
                    // ("password will follow"), not a password.
                    if ((!weak || !plain_word(value)) && !prose_word(value))
                        col.add(value, raw, weak ? base - 20 : base);
                }
                if (announce && raw.size() <= k_max_announce_line) {
                    for (std::size_t nj = li + 1; nj < lines.size() && nj <= li + 3; ++nj) {
                        auto next = trim(lines[nj]);
                        if (next.empty()) continue;
                        // The password stands alone on its line (or quoted); prose does not.
                        auto token = take_value(next);
                        bool alone = token.size() == next.size() || std::ranges::any_of(k_quotes, [&](const auto& q) {
                                         return next.starts_with(q.open);
                                     });
                        if (!alone || plain_word(token) || plain_word(width_fold(token))) break;
                        col.add(take_value(next), next, base - 10);
                        std::string nf = width_fold(text::nfkc(next));
                        col.add(take_value(nf), next, base - 10);
                        break;
                    }
                }
            }
        }
        // 「xxx」 quoted: strong on a password line, weak elsewhere.
        for (std::string_view q : {"「", "『"}) {
            std::string_view close = q == "「" ? "」" : "』";
            for (std::size_t p = raw.find(q); p != std::string_view::npos; p = raw.find(q, p + q.size())) {
                auto e = raw.find(close, p + q.size());
                if (e == std::string_view::npos) break;
                auto v = trim(raw.substr(p + q.size(), e - p - q.size()));
                if (line_has_label)
                    col.add(v, raw, 95);
                else if (v.size() >= 4 && v.size() <= 32)
                    col.add(v, raw, 20);
            }
        }
    }
    std::ranges::stable_sort(col.out, [](const auto& a, const auto& b) { return a.rank > b.rank; });
    return std::move(col.out);
}

std::vector<std::string> find_passwords(std::string_view text) {
    std::vector<std::string> out;
    for (auto& c : find_password_candidates(text)) out.push_back(std::move(c.password));
    return out;
}

namespace detail {
bool ascii_line_without_label(std::string_view line) { return attach::ascii_line_without_label(line); }
}  // namespace detail

}  // namespace replyguard::attach
