// SPDX-License-Identifier: Apache-2.0
// fingerprint_test.cpp - the fast paths of history/fingerprint.cpp give the stored values
//
// DESCRIPTION
//   Fingerprints are a stored format: a history learnt by an older build must
//   still match what this build computes. fingerprint.cpp takes shortcuts (ASCII
//   text without ICU; FNV-1a over a code point's zero bytes folded into one
//   multiplication), so every text and quoted block of real corpus mail (English,
//   Japanese, mixed) is fingerprinted both ways here: by text_fingerprints and by
//   the plain definition written out below (NFKC_Casefold through text::fold_key,
//   letters and digits by ICU, FNV-1a 64 byte by byte, window-4 winnowing).
#include "history/fingerprint.hpp"

#include "core/limits.hpp"
#include "core/strings.hpp"
#include "history/lookup.hpp"
#include "mime/parser.hpp"
#include "text/normalize.hpp"

#include <gtest/gtest.h>
#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

using namespace replyguard;
namespace fs = std::filesystem;

namespace {

// --- the definition, written plainly (no shortcut) ------------------------------

// The quote framing of fingerprint.cpp, copied: a change there changes stored values
// and must change this copy too, knowingly.
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
        }
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
        if (rest.starts_with(':') || rest.starts_with("\xEF\xBC\x9A")) return true;
    }
    return false;
}

std::vector<UChar32> reference_code_points(std::string_view text) {
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
    while (i < n && out.size() < history::k_max_fingerprint_chars) {
        UChar32 c;
        U8_NEXT(s, i, n, c);
        if (c < 0 || !u_isalnum(c)) continue;
        out.push_back(u_foldCase(c, U_FOLD_CASE_DEFAULT));
    }
    return out;
}

std::string to_utf8(const std::vector<UChar32>& cps) {
    std::string out;
    for (UChar32 c : cps) {
        char buf[4];
        int32_t len = 0;
        UBool err = false;
        U8_APPEND(buf, len, 4, c, err);
        if (!err) out.append(buf, static_cast<std::size_t>(len));
    }
    return out;
}

std::vector<std::uint64_t> reference_fingerprints(const std::vector<UChar32>& cps) {
    std::vector<std::uint64_t> out;
    if (cps.size() < history::k_shingle) return out;
    std::vector<std::uint64_t> sh(cps.size() - history::k_shingle + 1);
    for (std::size_t i = 0; i < sh.size(); ++i) {
        std::uint64_t h = 1469598103934665603ULL;
        for (std::size_t j = 0; j < history::k_shingle; ++j) {
            auto c = static_cast<std::uint32_t>(cps[i + j]);
            for (int b = 0; b < 4; ++b) {
                h ^= (c >> (8 * b)) & 0xFF;
                h *= 1099511628211ULL;
            }
        }
        sh[i] = h >> 1;
    }
    const std::size_t w = std::min(history::k_window, sh.size());
    for (std::size_t i = 0; i + w <= sh.size(); ++i)
        out.push_back(*std::min_element(sh.begin() + static_cast<std::ptrdiff_t>(i),
                                        sh.begin() + static_cast<std::ptrdiff_t>(i + w)));
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::vector<fs::path> corpus_files(const fs::path& dir, std::size_t every, std::size_t max) {
    std::vector<fs::path> all;
    if (!fs::is_directory(dir)) return all;
    for (const auto& e : fs::recursive_directory_iterator(dir))
        if (e.is_regular_file()) all.push_back(e.path());
    std::sort(all.begin(), all.end());
    std::vector<fs::path> out;
    for (std::size_t i = 0; i < all.size() && out.size() < max; i += every) out.push_back(all[i]);
    return out;
}

}  // namespace

TEST(fingerprint, shortcuts_give_the_defined_values_on_corpus_text) {
    const fs::path corpus = REPLYGUARD_CORPUS_DIR;
    std::vector<fs::path> files = corpus_files(corpus / "benign/japanese", 1, 400);
    for (const auto& f : corpus_files(corpus / "benign/spamassassin-public-corpus", 8, 400)) files.push_back(f);
    for (const auto& f : corpus_files(corpus / "phishing", 8, 300)) files.push_back(f);
    if (files.size() < 50) GTEST_SKIP() << "shared corpus not present at " << corpus;

    std::size_t texts = 0, non_ascii = 0, values = 0;
    for (const auto& f : files) {
        const std::string bytes = slurp(f);
        const mime::message m = mime::parse_message(bytes, limits{});
        std::vector<std::string> blocks{m.new_text, m.body_text};
        for (const auto& q : m.quoted) blocks.push_back(q.text);
        for (const auto& text : blocks) {
            const std::vector<UChar32> cps = reference_code_points(text);
            const std::string norm = to_utf8(cps);
            ASSERT_EQ(history::fingerprint_text(text), norm) << f;
            const auto got = history::text_fingerprints(text);
            const auto want = reference_fingerprints(cps);
            ASSERT_EQ(got, want) << f;
            // The stored sample is the smallest 48.
            auto kept = history::text_fingerprints(text, history::k_stored_fingerprints);
            auto want_kept = want;
            if (want_kept.size() > history::k_stored_fingerprints) want_kept.resize(history::k_stored_fingerprints);
            ASSERT_EQ(kept, want_kept) << f;
            ++texts;
            values += got.size();
            if (std::any_of(norm.begin(), norm.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; }))
                ++non_ascii;
        }
    }
    // Real coverage: Japanese text takes the ICU path, English text the ASCII one.
    std::printf("%zu texts (%zu not ASCII), %zu fingerprints\n", texts, non_ascii, values);
    EXPECT_GT(texts, 1000u);
    EXPECT_GT(non_ascii, 20u);
    EXPECT_GT(values, 10'000u);
}

// Non-ASCII text is case-folded without fold_key's white-space pass (the letters-
// and-digits filter drops white space and U+FFFD anyway): text full of every kind of
// space, joiners, ill-formed bytes and full-width letters gives the defined values.
TEST(fingerprint, spaces_joiners_and_bad_bytes_give_the_defined_values) {
    const std::string spaces[] = {" ",      "\t",     "\u3000", "\u00a0", "\ufeff",   "\u200b",
                                  "\u2003", "\u2028", "\u0085", "\xff",   "\xe3\x81", "\xed\xa0\x80"};
    const std::string words[] = {"会議", "ＡＢＣ", "ﾃｽﾄ", "Straße", "ｶﾞ", "資料", "①", "Ｒｅ", "確認"};
    std::string text;
    for (int i = 0; i < 400; ++i) text += words[(i * 5) % 9] + spaces[(i * 7) % 12];
    const std::vector<UChar32> cps = reference_code_points(text);
    ASSERT_GT(cps.size(), 500u);
    EXPECT_EQ(history::fingerprint_text(text), to_utf8(cps));
    EXPECT_EQ(history::text_fingerprints(text), reference_fingerprints(cps));
}

// The stored sample (keep > 0) is selected, not fully sorted: it must still be the
// `keep` smallest distinct values of the full list, also when repeats crowd the
// smallest ones (a paragraph quoted again and again: the first selection holds
// copies of a few values and has to grow) and for every size of `keep`.
TEST(fingerprint, kept_sample_is_the_smallest_distinct_values_with_repeats) {
    const std::string para = "Please find the revised estimate attached and confirm the delivery date. ";
    const std::string ja = "お世話になっております。見積書を添付いたしますので、ご確認ください。";
    std::vector<std::string> texts{para, ja};
    for (int n : {2, 7, 50, 400}) {
        std::string t, u;
        for (int i = 0; i < n; ++i) {
            t += para;
            u += ja + (i % 3 == 0 ? para : std::string());
        }
        texts.push_back(t);
        texts.push_back(u);
    }
    for (const auto& text : texts) {
        const auto all = history::text_fingerprints(text);
        for (std::size_t keep : {std::size_t{1}, std::size_t{2}, std::size_t{5}, history::k_stored_fingerprints,
                                 std::size_t{100}, all.size(), all.size() + 3}) {
            if (keep == 0) continue;
            auto want = all;
            if (want.size() > keep) want.resize(keep);
            ASSERT_EQ(history::text_fingerprints(text, keep), want) << "keep " << keep << " of " << all.size();
        }
    }
    // The repeated texts hold enough distinct values for keep 1, 2 and 5 to select.
    EXPECT_GE(history::text_fingerprints(texts.back()).size(), 5u);
}

// Code points of every size: one byte, two (BMP: Japanese), four (emoji, rare CJK).
TEST(fingerprint, every_code_point_size_hashes_as_four_bytes) {
    const std::string text = "abc123 日本語のテキストです 𠮷野家で𩸽を食べた ÀÉÎõü straße ＡＢＣ１２３";
    const auto cps = reference_code_points(text);
    EXPECT_EQ(history::fingerprint_text(text), to_utf8(cps));
    ASSERT_GE(cps.size(), history::k_shingle);
    EXPECT_TRUE(std::any_of(cps.begin(), cps.end(), [](UChar32 c) { return c >= 0x10000; }));
    EXPECT_TRUE(std::any_of(cps.begin(), cps.end(), [](UChar32 c) { return c >= 0x100 && c < 0x10000; }));
    EXPECT_TRUE(std::any_of(cps.begin(), cps.end(), [](UChar32 c) { return c < 0x80; }));
    EXPECT_EQ(history::text_fingerprints(text), reference_fingerprints(cps));
}

// Text whose code points are all below 0x100 but not all ASCII (Latin-1 letters
// after the ICU fold) takes text_fingerprints' one-multiply loop; mixed with one
// code point above 0xFF it takes the general one. Both give the defined values.
TEST(fingerprint, latin1_text_and_one_wider_code_point_hash_as_defined) {
    const std::string latin1 = "Déjà vu: la crème brûlée du café, reçue à Noël, coûte 12 euros? Non: 12 écus.";
    for (const std::string& text : {latin1, latin1 + " 日", std::string("Ａ") + latin1}) {
        const auto cps = reference_code_points(text);
        ASSERT_GE(cps.size(), history::k_shingle);
        EXPECT_TRUE(std::any_of(cps.begin(), cps.end(), [](UChar32 c) { return c >= 0x80 && c < 0x100; }));
        EXPECT_EQ(history::text_fingerprints(text), reference_fingerprints(cps)) << text;
    }
}

// quoted_fingerprints merges the blocks' sorted lists: the result is the sorted,
// unique union of each block's fingerprints, overlapping blocks included.
TEST(fingerprint, quoted_fingerprints_are_the_union_of_the_blocks) {
    mime::message m;
    for (const char* t : {"The quarterly report is attached; please review the figures by Friday.",
                          "please review the figures by Friday, and the quarterly report too",
                          "お世話になっております。見積書を添付いたしますので、ご確認のほどよろしくお願いいたします。",
                          "short", "The quarterly report is attached; please review the figures by Friday."}) {
        mime::quoted_block q;
        q.text = t;
        m.quoted.push_back(q);
    }
    std::vector<std::uint64_t> want;
    for (const auto& q : m.quoted) {
        const auto f = history::text_fingerprints(q.text);
        want.insert(want.end(), f.begin(), f.end());
    }
    std::sort(want.begin(), want.end());
    want.erase(std::unique(want.begin(), want.end()), want.end());
    ASSERT_GT(want.size(), 20u);
    EXPECT_EQ(history::quoted_fingerprints(m), want);
}

// code_points() keeps NFKC_Casefold's output as it is; the definition folds each
// code point again with u_foldCase (as stored fingerprints were made). The same
// code points for every code point of Unicode, alone, and for letters followed by
// combining marks (which NFKC composes), so the second fold is never needed.
TEST(fingerprint, every_code_point_and_letter_with_mark_gives_the_defined_values) {
    auto append = [](std::string& s, UChar32 c) {
        char buf[4];
        int32_t len = 0;
        UBool err = false;
        U8_APPEND(buf, len, 4, c, err);
        if (!err) s.append(buf, static_cast<std::size_t>(len));
    };
    std::vector<std::string> texts(1);
    auto add = [&](std::initializer_list<UChar32> cps) {
        // Texts below k_max_fingerprint_chars code points, each item apart.
        if (texts.back().size() > 300'000) texts.emplace_back();
        for (UChar32 c : cps) append(texts.back(), c);
        texts.back() += ' ';
    };
    std::vector<UChar32> marks, letters;
    for (UChar32 c = 0; c <= 0x10FFFF; ++c) {
        if (c >= 0xD800 && c <= 0xDFFF) continue;
        add({c});
        const auto gc = u_charType(c);
        if (gc == U_NON_SPACING_MARK || gc == U_COMBINING_SPACING_MARK || gc == U_ENCLOSING_MARK) marks.push_back(c);
        if (u_isalpha(c) && c < 0x3000) letters.push_back(c);
    }
    // Every letter with one mark in 16, every mark with one letter in 64.
    for (std::size_t l = 0; l < letters.size(); ++l)
        for (std::size_t k = 0; k < marks.size(); ++k)
            if (k % 16 == l % 16 || l % 64 == k % 64) add({letters[l], marks[k]});
    std::size_t folded = 0;
    for (const auto& text : texts) {
        const std::vector<UChar32> cps = reference_code_points(text);
        ASSERT_LT(cps.size(), history::k_max_fingerprint_chars);
        ASSERT_EQ(history::fingerprint_text(text), to_utf8(cps));
        folded += cps.size();
    }
    EXPECT_GT(folded, 1'000'000u);  // the letters and digits that came out
}

// is_framing() looks at a line's first byte before its labels: a label in any case,
// after quote markers, with ':' or '：', is dropped as before; lines that only look
// alike are kept.
TEST(fingerprint, framing_lines_in_any_case_are_dropped_as_defined) {
    std::string text;
    for (auto lab : k_header_labels) {
        std::string up(lab), mixed(lab);
        for (auto& c : up) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        if (!mixed.empty()) mixed[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(mixed[0])));
        for (const auto& l : {std::string(lab), up, mixed}) {
            text += "> " + l + ": Yamada Taro <taro@example.jp>\n";
            text += l + "\xEF\xBC\x9A 2026/12/06\n";
            text += "＞" + l + " : x\n";
            text += l + "less words that are kept\n";
            text += l + "\n";
        }
    }
    text += "-----Original Message-----\n_____\n=====\n--- kept, too short a rule\nbody text\n";
    const auto cps = reference_code_points(text);
    const std::string norm = to_utf8(cps);
    EXPECT_EQ(history::fingerprint_text(text), norm);
    EXPECT_NE(norm.find("lesswordsthatarekept"), std::string::npos);
    EXPECT_EQ(norm.find("yamada"), std::string::npos);
    EXPECT_EQ(history::text_fingerprints(text), reference_fingerprints(cps));
}
