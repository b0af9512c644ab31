// SPDX-License-Identifier: Apache-2.0
// tests/golden/japanese_golden_test.cpp - Japanese corpus mail through parse_message: golden values
//
// DESCRIPTION
//   For real Japanese mail of the shared corpus (and a few neighbours that carry
//   Japanese charsets), the decoded subject, the From display name and the first
//   non-empty line of body_text. Every expected value was read and judged to be
//   correct Japanese (not mojibake) before it was written here; they cover
//   7-bit ISO-2022-JP, CP932 extensions inside JIS (①②ⅱ, the whole NEC row 13 in
//   au-kigou), half-width katakana (ESC ( I), Shift_JIS/CP932 bodies, the
//   mislabelled EUC-JP and Shift_JIS bodies declared ISO-2022-JP, and RFC 2047
//   subjects spread over several encoded words.
//   A second test parses every mail tagged `ja` in MANIFEST.tsv and checks that
//   no ESC byte and no U+FFFD is left in the decoded subject, From name,
//   body_text and every text part (explicit exceptions with reasons below).
#include "mime/parser.hpp"

#include "jp_corpus.hpp"
#include "mime/charset.hpp"

#include <gtest/gtest.h>

#include <map>
#include <sstream>
#include <string>

namespace mime = replyguard::mime;
namespace t = replyguard::test;

namespace {

struct golden {
    const char* path;
    const char* subject;
    const char* from_name;
    const char* first_line;  ///< first line of body_text holding more than ASCII white space
};

// clang-format off
const golden k_golden[] = {
    {"benign/japanese/spamassassin-cjk/iso-2022-jp.2",
     "[ports-jp 8947] Re: ipv6 & ruby",
     "",
     ">ああ、心当たりがあります。たぶん、この前のsshと同じ問題です。"},
    {"benign/japanese/spamassassin-rule-fp/GAPPY_SUBJECT__fp_bug6149_thomas_4479",
     "",
     "",
     "●お名前"},
    {"benign/japanese/spamassassin-rule-fp/OBSCURED_EMAIL__fp_bug6149_thomas_4481",
     "",
     "",
     "━─━─━─━─━─━─━─━─━─━─━─━─━─━─━─━─━─"},
    {"benign/japanese/spamassassin-rule-fp/PLING_QUERY__fp_bug6149_thomas_4478",
     "",
     "",
     "━─━─━─━─━─━─━─━─━─━─━─━─━─━─━─━─━─"},
    {"benign/japanese/spamassassin-rule-fp/OBFUSCATING_COMMENT__fp-bug6188-2",
     "ミニノートPCをプレゼント！１万円還元も終了間近！[デジタルイメージングニュース]",
     "hp customer relations",
     "━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━"},
    {"benign/spamassassin-public-corpus/hard_ham/00039.b2b936a8501444b213f61f9ff193b480",
     "日本語の件名（サブジェクト）　スパムメールではありません！",
     "伊東　仁",
     "OpenText社"},
    {"benign/spamassassin-public-corpus/hard_ham/00042.5b7f2a0e87c853e8c8e13d556c1320d2",
     "Re: 三菱化学エンジニアリング様プロセスダウンについて  - ticket #55606OTC1 -",
     "Hitoshi Ito",
     "OTC/伊東様"},
    {"mime-edge/japanese/jpmobile/au-email.eml",
     "※本文はこのままで送信してね",
     "",
     "本文"},
    {"mime-edge/japanese/jpmobile/au-kigou.eml",
     "test",
     "",
     "　、。，．・：？！゛゜´｀¨＾￣＿ヽヾゝゞ〃仝々〆〇ー―‐／＼～∥｜…‥‘’“”（）〔〕［］｛｝〈〉《》「」『』【】＋－±×÷＝≠＜＞≦≧∞∴♂♀°′″℃￥＄￠￡％＃＆＊＠§☆★○●◎◇◆□■△▲▽▼※〒→←↑↓〓∈∋⊆⊇⊂⊃∪∩∧∨￢⇒⇔∀∃∠⊥⌒∂∇≡≒≪≫√∽∝∵∫∬Å‰♯♭♪†‡¶◯ゎゐゑヮヰヱヲンヴヵヶΑΒΓΔΕΖΗΘΙΚΛΜΝΞΟΠΡΣΤΥΦΧΨΩαβγδεζηθικλμνξοπρστυφχψωАБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯабвгдеёжзийклмнопрстуфхцчшщъыьэюя─│┌┐┘└├┬┤┴┼━┃┏┓┛┗┣┳┫┻╋┠┯┨┷┿┝┰┥┸╂①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳ⅠⅡⅢⅣⅤⅥⅦⅧⅨⅩ㍉㌔㌢㍍㌘㌧㌃㌶㍑㍗㌍㌦㌣㌫㍊㌻㎜㎝㎞㎎㎏㏄㎡㍻〝〟№㏍℡㊤㊥㊦㊧㊨㈱㈲㈹㍾㍽㍼≒≡∫∮∑√⊥∠∟⊿∵∩∪"},
    {"mime-edge/japanese/jpmobile/docomo-gmail-sjis.eml",
     "テスト",
     "",
     "テストです"},
    {"mime-edge/japanese/jpmobile/docomo-jis.eml",
     "テスト",
     "",
     "テスト本文"},
    {"mime-edge/japanese/jpmobile/iphone-circled-numbers-in-jis.eml",
     "テスト①",
     "",
     "丸数字のテストです②ⅱ"},
    {"mime-edge/japanese/jpmobile/iphone-cp932.eml",
     "Re: 【NKSC】test",
     "cp932@ezweb.ne.jp",
     "テストです。㈱"},
    {"mime-edge/japanese/jpmobile/iphone-jis.eml",
     "",
     "jis@i.softbank.jp",
     "(=ﾟωﾟ)ﾉ"},
    {"mime-edge/japanese/jpmobile/mobile_mailer/softbank-gmail-sjis.eml",
     "テスト",
     "",
     "テストです"},
    {"mime-edge/japanese/jpmobile/pc-mail-multi.eml",
     "タイトルの長いメールの場合の対処を実装するためのテストケースとしてのメールに含まれている件名であるサブジェクト部分",
     "Shin-ichiro OGAWA",
     "本文です"},
    {"mime-edge/japanese/jpmobile/pc-mail-single.eml",
     "タイトルの長いメールの場合の対処を実装するためのテストケースとしてのメールに含まれている件名であるサブジェクト部分",
     "Shin-ichiro OGAWA",
     "本文です"},
    {"mime-edge/japanese/mimekit/japanese.txt",
     "日本語メールテスト (testing Japanese emails)",
     "Atsushi Eno",
     "Let's see if both subject and body works fine..."},
    {"mime-edge/japanese/php-mime-mail-parser/issue116",
     "ЖД№41 от 28.09.2016",
     "",
     "toto"},
    {"mime-edge/japanese/ruby-mail/japanese_iso_2022.eml",
     "まみむめも",
     "Mikel Lindsaar",
     "すみません。"},
    {"mime-edge/japanese/ruby-mail/japanese_shift_jis.eml",
     "test",
     "",
     "あいうえお"},
    {"mime-edge/ruby-mail/rfc2822/example14.eml",
     "Re: TEST  テストテスト",
     "Atsushi Yoshida",
     "Hello"},
    {"mime-edge/stalwart-mail-parser/thirdparty/005.eml",
     "",
     "",
     "Test message"},
    {"phishing/phishing_pot/sample-3863.eml",
     "Eu sou o advogado pessoal Alexis Aquereburu.",
     "Alexis Aquereburu",
     "Eu sou o advogado pessoal Alexis Aquereburu de um investidor do Brasil"},
    {"mime-edge/japanese/jpmobile/au-decomail2.eml",
     "Fwd: 【NurseryMail】日日",
     "",
     "iPhoneから送信"},
    {"mime-edge/japanese/jpmobile/pc-mail-attached-without-subject.eml",
     "",
     "Shin-ichiro OGAWA",
     "本文です"},
    // Carrier emoji (Shift_JIS user-defined rows) become the Private Use Area code
    // points Windows' CP932 gives them; for docomo those equal docomo's own codes.
    {"mime-edge/japanese/jpmobile/docomo-emoji.eml",
     "題名\uE676",
     "",
     "本文\uE6E2"},
};
// clang-format on

std::string first_line(const std::string& body) {
    std::istringstream in(body);
    std::string line;
    while (std::getline(in, line))
        if (line.find_first_not_of(" \t\r") != std::string::npos) return line;
    return {};
}

mime::message parse_corpus(const std::string& rel) {
    mime::init();
    return mime::parse_message(t::read_corpus(rel));
}

class japanese_golden : public ::testing::TestWithParam<golden> {};

TEST_P(japanese_golden, subject_from_body) {
    const auto& g = GetParam();
    std::string bytes = t::read_corpus(g.path);
    ASSERT_FALSE(bytes.empty()) << g.path;
    mime::message m = parse_corpus(g.path);
    EXPECT_EQ(m.subject.decoded, g.subject) << g.path;
    EXPECT_EQ(m.from ? m.from->name : std::string(), g.from_name) << g.path;
    EXPECT_EQ(first_line(m.body_text), g.first_line) << g.path;
}

INSTANTIATE_TEST_SUITE_P(corpus, japanese_golden, ::testing::ValuesIn(k_golden), [](const auto& i) {
    std::string_view p = i.param.path;
    return t::param_name(i.index, p.substr(p.rfind('/') + 1));
});

TEST(japanese_golden_count, at_least_twenty_fixtures) { EXPECT_GE(std::size(k_golden), 20u); }

// Mail whose decoded text legitimately holds U+FFFD, with the reason.
const std::map<std::string, const char*> k_fffd_exceptions = {
    {"mime-edge/japanese/jpmobile/iphone-mail3.eml",
     "the UTF-8 body itself carries U+FFFD (bytes EF BF BD inside the base64), written by the sending client"},
};

TEST(japanese_corpus, no_esc_no_replacement_character) {
    auto files = t::manifest_with_tag("ja");
    ASSERT_GE(files.size(), 50u);
    std::size_t checked = 0;
    for (const auto& path : files) {
        mime::message m = parse_corpus(path);
        ++checked;
        std::vector<std::pair<std::string, std::string>> texts = {
            {"subject", m.subject.decoded},
            {"from name", m.from ? m.from->name : std::string()},
            {"body_text", m.body_text},
        };
        for (const auto& tp : m.text_parts) {
            texts.emplace_back("part " + tp.part_path + " text", tp.text);
            texts.emplace_back("part " + tp.part_path + " html", tp.html);
        }
        bool fffd_allowed = k_fffd_exceptions.count(path) != 0;
        for (const auto& [what, s] : texts) {
            EXPECT_FALSE(t::has_esc(s)) << path << ": ESC in " << what;
            EXPECT_TRUE(mime::is_valid_utf8(s)) << path << ": invalid UTF-8 in " << what;
            if (!fffd_allowed) {
                EXPECT_FALSE(t::has_fffd(s)) << path << ": U+FFFD in " << what;
            }
        }
    }
    EXPECT_EQ(checked, files.size());
    // The exceptions must stay true: if one decodes cleanly, it is no longer an exception.
    for (const auto& [path, why] : k_fffd_exceptions) {
        mime::message m = parse_corpus(path);
        EXPECT_TRUE(t::has_fffd(m.body_text)) << path << " no longer needs its exception (" << why << ")";
    }
}

}  // namespace
