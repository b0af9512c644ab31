// SPDX-License-Identifier: Apache-2.0
// tests/unit/detect/link_forged_test.cpp - FORGED_MUA, link payloads, OneNote weight, name collisions
//
// DESCRIPTION
//   Whole-engine scans of hand-written mail (the shapes real clients and the
//   2021-2023 bots write) and of real corpus mail from the clients
//   forged_mua.cpp knows (Outlook 11, Thunderbird, Apple/iPhone Mail), which
//   must never be called forged.
#include "core/config.hpp"
#include "history/learner.hpp"
#include "history/lookup.hpp"
#include "mime/parser.hpp"
#include "scan/engine.hpp"
#include "store/history.hpp"

#include "mail_body.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

using namespace replyguard;

namespace {

bool has(const scan::scan_result& r, std::string_view id) {
    return std::any_of(r.findings.begin(), r.findings.end(), [&](const auto& f) { return f.id == id; });
}

scan::scan_result scan_text(const std::string& m, store::history* h = nullptr) {
    config cfg;
    cfg.org_domains = {"ours.co.jp"};
    scan::engine eng(cfg, h);
    return eng.scan(m, "t");
}

std::string slurp(const std::string& rel) {
    std::ifstream f(std::string(REPLYGUARD_CORPUS_DIR) + "/" + rel, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

const std::string k_head =
    "From: Yamada Taro <taro@partner.co.jp>\r\nTo: hanako@ours.co.jp\r\nSubject: RE: Quarterly report Osaka\r\n"
    "Date: Mon, 02 Nov 2026 10:00:00 +0900\r\nMessage-ID: <a1@partner.co.jp>\r\nMIME-Version: 1.0\r\n";

}  // namespace

// The example: Outlook 16 claimed, no Thread-Index, a 32-hex boundary, an "On ... wrote:" quote.
TEST(forged_mua, outlook_claim_without_outlook_traits) {
    std::string m = k_head +
                    "X-Mailer: Microsoft Outlook 16.0\r\n"
                    "Content-Type: multipart/alternative; boundary=\"4f0c1d2e3a4b5c6d7e8f90a1b2c3d4e5\"\r\n\r\n"
                    "--4f0c1d2e3a4b5c6d7e8f90a1b2c3d4e5\r\nContent-Type: text/plain\r\n\r\nSee below.\r\n\r\n"
                    "On Mon, 5 Oct 2026 at 09:12, Hanako <hanako@ours.co.jp> wrote:\r\n> the figures\r\n> for Osaka\r\n"
                    "--4f0c1d2e3a4b5c6d7e8f90a1b2c3d4e5--\r\n";
    auto r = scan_text(m);
    ASSERT_TRUE(has(r, "FORGED_MUA"));
    for (const auto& f : r.findings)
        if (f.id == "FORGED_MUA") {
            EXPECT_EQ(f.evidence["client"], "Outlook");
            EXPECT_GE(f.evidence["traits"].size(), 3u);
        }
    EXPECT_EQ(r.outcome.v, score::verdict::clean);  // evidence, not a verdict alone
}

TEST(forged_mua, real_outlook_shape_is_not_forged) {
    std::string m =
        k_head +
        "X-Mailer: Microsoft Outlook 16.0\r\nThread-Index: AQHZ3k2Lr0bXxv6yEEK1x7cZl8n0Ag==\r\n"
        "Content-Type: multipart/alternative; boundary=\"----=_NextPart_000_0001_01DB2C11.5E2F3A80\"\r\n\r\n"
        "------=_NextPart_000_0001_01DB2C11.5E2F3A80\r\nContent-Type: text/plain\r\n\r\nSee below.\r\n\r\n"
        "-----Original Message-----\r\nFrom: Hanako <hanako@ours.co.jp>\r\nSent: Monday, October 5, 2026 9:12 AM\r\n"
        "Subject: Quarterly report Osaka\r\n\r\nthe figures\r\n------=_NextPart_000_0001_01DB2C11.5E2F3A80--\r\n";
    EXPECT_FALSE(has(scan_text(m), "FORGED_MUA"));
    // One trait alone (a gateway may strip Thread-Index) is not enough either.
    std::string one = k_head + "X-Mailer: Microsoft Outlook 16.0\r\nContent-Type: text/plain\r\n\r\nok\r\n";
    EXPECT_FALSE(has(scan_text(one), "FORGED_MUA"));
    // Outlook 2002 never wrote Thread-Index: not judged.
    std::string old = k_head +
                      "X-Mailer: Microsoft Outlook, Build 10.0.2627\r\nContent-Type: text/plain\r\n\r\n"
                      "On Mon, 5 Oct 2026, Hanako wrote:\r\n> x\r\n";
    EXPECT_FALSE(has(scan_text(old), "FORGED_MUA"));
}

TEST(forged_mua, thunderbird_with_outlook_and_gmail_traits) {
    std::string m =
        "From: a <a@partner.co.jp>\r\nTo: b@ours.co.jp\r\nSubject: Re: x\r\nMessage-ID: <CAF1x2y3z@mail.gmail.com>\r\n"
        "User-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:115.0) Gecko/20100101 Thunderbird/115.6.0\r\n"
        "Thread-Index: AQHZ3k2Lr0bXxv6yEEK1x7cZl8n0Ag==\r\nContent-Type: text/plain\r\n\r\nok\r\n";
    EXPECT_TRUE(has(scan_text(m), "FORGED_MUA"));
}

// Real mail of the clients forged_mua.cpp knows, from the shared corpus: never forged.
TEST(forged_mua, real_clients_in_the_corpus) {
    for (const char* rel :
         {"mime-edge/japanese/jpmobile/iphone-mail3.eml", "mime-edge/japanese/jpmobile/iphone-jis.eml",
          "mime-edge/japanese/jpmobile/pc-mail-multi.eml", "mime-edge/japanese/jpmobile/pc-mail-single.eml",
          "mime-edge/japanese/ruby-mail/japanese_attachment_long_name.eml",
          "benign/spamassassin-testdata/rule-fp/BOUNCE_MESSAGE__fp-bug5882-att4301",
          "benign/spamassassin-testdata/rule-fp/FRT_VALIUM1__fp-bug6086-zmi"}) {
        auto raw = slurp(rel);
        ASSERT_FALSE(raw.empty()) << rel;
        auto r = scan_text(raw);
        EXPECT_FALSE(has(r, "FORGED_MUA")) << rel;
    }
}

namespace {
std::string html_reply(const std::string& anchor, const std::string& href,
                       const std::string& subject = "RE: 請求書送付のお願い") {
    return "From: Yamada Taro <taro@partner.co.jp>\r\nTo: hanako@ours.co.jp\r\nSubject: " + subject +
           "\r\nMessage-ID: <h1@partner.co.jp>\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
           "<html><body><p>お世話になっております。請求書は<a href=\"" +
           href + "\">" + anchor + "</a>からご確認ください。</p></body></html>\r\n";
}
}  // namespace

TEST(link_payload, hidden_file_share_link_in_a_reply) {
    auto r = scan_text(html_reply("こちら", "https://contoso-my.sharepoint.com/:b:/g/personal/t_contoso/EaBcD?e=x1"));
    EXPECT_TRUE(has(r, "LINK_FILE_SHARE"));
    EXPECT_TRUE(has(r, "LINK_CALL_TO_ACTION"));
    auto en = scan_text(html_reply("View Documents &gt;&gt;", "https://bit.ly/3xYz"));
    EXPECT_TRUE(has(en, "LINK_FILE_SHARE"));
    EXPECT_TRUE(has(en, "LINK_CALL_TO_ACTION"));
    auto mismatch = scan_text(html_reply("https://www.partner.co.jp/invoice", "https://invoice-view.example/d/7"));
    EXPECT_TRUE(has(mismatch, "LINK_TEXT_MISMATCH"));
    // Not a reply (a newsletter's "click here"): nothing.
    auto news = scan_text(html_reply("こちら", "https://bit.ly/3xYz", "新製品のご案内"));
    EXPECT_FALSE(has(news, "LINK_FILE_SHARE"));
    EXPECT_FALSE(has(news, "LINK_CALL_TO_ACTION"));
    // An anchor with ordinary words to an ordinary host: nothing.
    auto plain = scan_text(html_reply("第3四半期の売上報告書", "https://www.example.com/report"));
    EXPECT_FALSE(has(plain, "LINK_CALL_TO_ACTION"));
}

// Emotet's 2019 links and the 2022-2023 carriers: a link to a file that runs code is the payload.
TEST(link_payload, active_download_links) {
    std::string head =
        "From: Yamada Taro <taro@partner.co.jp>\r\nTo: hanako@ours.co.jp\r\nSubject: RE: 見積書\r\n"
        "Message-ID: <d1@partner.co.jp>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n";
    auto doc = scan_text(
        head +
        "下記よりダウンロードしてください。\r\nhttps://kagoshima-dental.example/wp-content/uploads/INV_0042.doc\r\n");
    EXPECT_TRUE(has(doc, "LINK_ACTIVE_DOWNLOAD"));
    EXPECT_NE(doc.outcome.v, score::verdict::clean);
    auto zip = scan_text(head + "https://kagoshima-dental.example/files/INV_0042.zip\r\n");
    EXPECT_TRUE(has(zip, "LINK_ARCHIVE_DOWNLOAD"));
    EXPECT_FALSE(has(zip, "LINK_ACTIVE_DOWNLOAD"));
    // .docx holds no macros; a page is no download.
    auto docx = scan_text(
        head + "https://kagoshima-dental.example/a/INV_0042.docx https://kagoshima-dental.example/a.b/index\r\n");
    EXPECT_FALSE(has(docx, "LINK_ACTIVE_DOWNLOAD"));
    EXPECT_FALSE(has(docx, "LINK_ARCHIVE_DOWNLOAD"));
}

// With a hijack signal (a participant's name on an outsider's address), a hidden link is the payload.
TEST(link_payload, counts_as_payload_for_hijack_with_payload) {
    auto h = store::make_memory_history();
    history::learn_options o{{"ours.co.jp"}};
    auto root = mime::parse_message(
        "From: Yamada Taro <taro@partner.co.jp>\r\nTo: Suzuki Hanako <hanako@ours.co.jp>\r\n"
        "Subject: 請求書送付のお願い\r\nMessage-ID: <root@partner.co.jp>\r\nDate: Mon, 05 Oct 2026 09:00:00 +0900\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n鈴木様 十月分の請求書を大阪支店宛てに送付いたします。"
        "合計金額は先月と異なりますので第二シートをご確認ください。山田\r\n");
    ASSERT_TRUE(history::learn_message(*h, root, o));
    std::string hijack =
        "From: Yamada Taro <info@hotel-bluesky.example>\r\nTo: hanako@ours.co.jp\r\nSubject: RE: 請求書送付のお願い\r\n"
        "In-Reply-To: <root@partner.co.jp>\r\nReferences: <root@partner.co.jp>\r\nMessage-ID: <x@hotel-bluesky.example>\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<html><body><p>ご確認ください。"
        "<a href=\"https://firebasestorage.googleapis.com/v0/b/x-1.appspot.com/o/inv?alt=media\">ダウンロード</a></p>"
        "</body></html>\r\n";
    auto r = scan_text(hijack, h.get());
    EXPECT_TRUE(has(r, "HIJACK_WITH_PAYLOAD"));
    EXPECT_EQ(r.outcome.v, score::verdict::malicious);
}

// A known name at another organisation, nothing else linking the mail to that person.
TEST(known_name, namesake_at_another_organisation_is_not_a_hijack_signal) {
    auto h = store::make_memory_history();
    history::learn_options o{{"ours.co.jp"}};
    auto past = mime::parse_message(
        "From: =?UTF-8?B?55Sw5LitIOWBpQ==?= <ken.tanaka@kita-shoji.co.jp>\r\nTo: hanako@ours.co.jp\r\n"
        "Subject: お見積りの件\r\nMessage-ID: <p1@kita-shoji.co.jp>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        "制御基板30個のお見積りを十一月五日までにお送りいたします。\r\n");
    ASSERT_TRUE(history::learn_message(*h, past, o));
    std::string other =
        "From: =?UTF-8?B?55Sw5LitIOWBpQ==?= <ken.tanaka@aoba-denki.co.jp>\r\nTo: taro@ours.co.jp\r\n"
        "Subject: ご挨拶\r\nMessage-ID: <q1@aoba-denki.co.jp>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        "はじめてご連絡いたします。青葉電機の田中です。\r\n";
    auto r = scan_text(other, h.get());
    EXPECT_FALSE(has(r, "IMPERSONATION_KNOWN_NAME"));
    EXPECT_TRUE(has(r, "KNOWN_NAME_OTHER_ORG"));
    EXPECT_EQ(r.outcome.v, score::verdict::clean);
}

// OneNote carried Qakbot in 2023: a OneNote section is at least suspicious on its own.
TEST(payload_weights, onenote_alone_is_suspicious) {
    std::string one("\xE4\x52\x5C\x7B\x8C\xD8\xA7\x4D\xAE\xB1\x53\x78\xD0\x29\x96\xD3", 16);
    one += std::string(2048, '\0');
    const std::string enc = replyguard::test::base64_body(one);
    std::string m =
        k_head +
        "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n"
        "see attached\r\n--b\r\nContent-Type: application/octet-stream; name=Invoice.one\r\n"
        "Content-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=Invoice.one\r\n\r\n" +
        enc + "\r\n--b--\r\n";
    auto r = scan_text(m);
    EXPECT_NE(r.outcome.v, score::verdict::clean);
}

// 高橋 誠 at a partner writes to 高橋 誠 with us: the quoted headers hold both addresses.
TEST(quoted_identity, namesakes_writing_to_each_other) {
    std::string m =
        "From: =?UTF-8?B?6auY5qmLIOiqoA==?= <makoto.takahashi@echigo-kogyo.co.jp>\r\nTo: takahashi@ours.co.jp\r\n"
        "Subject: RE: =?UTF-8?B?6LOH5paZ6YCB5LuY44Gu5Lu2?=\r\nMessage-ID: <n2@echigo-kogyo.co.jp>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n承知いたしました。\r\n\r\n-----元のメッセージ-----\r\n"
        "差出人: 高橋 誠 <takahashi@ours.co.jp>\r\n送信日時: 2026年10月5日 9:12\r\n"
        "宛先: 高橋 誠 <makoto.takahashi@echigo-kogyo.co.jp>\r\n件名: 資料送付の件\r\n\r\n資料を改めてお送りします。\r\n";
    auto r = scan_text(m);
    EXPECT_FALSE(has(r, "QUOTED_IDENTITY_MISMATCH"));
    // The same name from an address the quoted headers never show is still a borrowed identity.
    auto bot = m;
    bot.replace(bot.find("makoto.takahashi@echigo-kogyo.co.jp>\r\nTo"), 35, "info@hotel-bluesky.example");
    EXPECT_TRUE(has(scan_text(bot), "QUOTED_IDENTITY_MISMATCH"));
    // A "wrote:" quote shows only the quoted sender; that namesake is this mail's addressee.
    std::string wrote =
        "From: =?UTF-8?B?6auY5qmLIOiqoA==?= <makoto.takahashi@echigo-kogyo.co.jp>\r\nTo: takahashi@ours.co.jp\r\n"
        "Subject: RE: x\r\nMessage-ID: <n3@echigo-kogyo.co.jp>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        "承知いたしました。\r\n\r\n2026年10月5日(月) 9:12 高橋 誠 <takahashi@ours.co.jp>:\r\n> 資料を改めてお送りします。\r\n";
    EXPECT_FALSE(has(scan_text(wrote), "QUOTED_IDENTITY_MISMATCH"));
}

// Boilerplate proves nothing: a quote made only of the greeting and closing that many
// learnt messages share is attributed to none of them; a quote of a message's own text is.
TEST(quote_attribution, formulaic_text_is_not_attributed) {
    auto h = store::make_memory_history();
    history::learn_options o{{"ours.co.jp"}};
    const std::string hello = "いつもお世話になっております。港精機の山田でございます。";
    const std::string bye = "引き続き何卒よろしくお願いいたします。今後ともどうぞよろしくお願い申し上げます。";
    const char* subjects[] = {"お見積りの件", "請求書送付のお願い", "納品のご連絡", "発注書送付の件", "契約書のご確認"};
    const char* middles[] = {"精密ベアリング二百四十個のお見積りを十一月五日までにお送りいたします。",
                             "十月分の請求書合計三百八十万円を送付いたしますのでご査収ください。",
                             "ご注文いただいた制御基板六十個は十月二十日に出荷いたしました。",
                             "発注書注文番号四万五千二百十一番を添付の通りお送りします。",
                             "契約書第十二条の納期について十二月一日とする案でご確認ください。"};
    for (int i = 0; i < 5; ++i) {
        auto m = mime::parse_message(
            std::string("From: partner") + std::to_string(i) + " <p" + std::to_string(i) + "@partner" +
            std::to_string(i) + ".co.jp>\r\nTo: yamada@ours.co.jp\r\nSubject: " + subjects[i] + "\r\nMessage-ID: <f" +
            std::to_string(i) + "@x.co.jp>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + hello + "\r\n" +
            middles[i] + "\r\n" + bye + "\r\n");
        ASSERT_TRUE(history::learn_message(*h, m, o));
    }
    auto reply = [&](const std::string& quoted) {
        return "From: Stranger <info@hotel-bluesky.example>\r\nTo: yamada@ours.co.jp\r\nSubject: ご確認\r\n"
               "Message-ID: <z@hotel-bluesky.example>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
               "ご確認ください。\r\n\r\n-----元のメッセージ-----\r\n差出人: p2 <p2@partner2.co.jp>\r\n"
               "件名: 納品のご連絡\r\n\r\n" +
               quoted + "\r\n";
    };
    EXPECT_FALSE(has(scan_text(reply(hello + "\r\n" + bye), h.get()), "HIJACK_QUOTE_ATTRIBUTION"));
    EXPECT_TRUE(has(scan_text(reply(hello + "\r\n" + middles[2] + "\r\n" + bye), h.get()), "HIJACK_QUOTE_ATTRIBUTION"));
}
