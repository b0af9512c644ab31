// SPDX-License-Identifier: Apache-2.0
// tests/unit/detect/quoted_identity_test.cpp - QUOTED_IDENTITY_MISMATCH on parsed mail, no history
#include "core/config.hpp"
#include "mime/parser.hpp"
#include "scan/engine.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

namespace {

using namespace replyguard;

std::string mail(const std::string& from, const std::string& extra_headers, const std::string& body) {
    return "From: " + from +
           "\r\nTo: =?UTF-8?B?5L2Q6JekIOiKseWtkA==?= <sato@sakura.example>\r\n"
           "Subject: =?UTF-8?B?UkU6IOimi+epjeabuOmAgeS7mOOBruOBiumhmOOBhA==?=\r\n"
           "Date: Sun, 12 Apr 2026 07:48:00 +0900\r\nMessage-ID: <x1@example.net>\r\n" +
           extra_headers +
           "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" +
           body;
}

const std::string k_quote_ja =
    "佐藤様\n\n添付ファイルをご確認ください。\n\n田中\n\n"
    "-----Original Message-----\n"
    "差出人: 佐藤 花子 <sato@sakura.example>\n"
    "送信日時: 2026年4月1日 11:40\n"
    "宛先: 田中 一郎 <tanaka@fuji-kogyo.example>\n"
    "件名: RE: 見積書送付のお願い\n\n"
    "田中様\n\nご依頼の件、承知いたしました。\n";

bool has(const scan::scan_result& r, std::string_view id) {
    return std::any_of(r.findings.begin(), r.findings.end(), [&](const auto& f) { return f.id == id; });
}

TEST(quoted_identity_mismatch, fires_when_the_quoted_addressee_name_comes_from_another_address) {
    scan::engine eng(config{}, nullptr);
    auto r = eng.scan(mail("=?UTF-8?B?55Sw5LitIOS4gOmDjg==?= <info@kagoshima-dental.example>",
                           "In-Reply-To: <a2@sakura.example>\r\n", k_quote_ja),
                      "t");
    ASSERT_TRUE(has(r, "QUOTED_IDENTITY_MISMATCH"));
    const auto& f = *std::find_if(r.findings.begin(), r.findings.end(),
                                  [](const auto& f) { return f.id == "QUOTED_IDENTITY_MISMATCH"; });
    EXPECT_EQ(f.evidence["quoted_participant"]["address"], "tanaka@fuji-kogyo.example");
    EXPECT_EQ(f.evidence["sender"]["address"], "info@kagoshima-dental.example");
}

TEST(quoted_identity_mismatch, also_when_the_name_carries_the_real_address) {
    scan::engine eng(config{}, nullptr);
    auto r = eng.scan(
        mail("\"=?UTF-8?B?55Sw5LitIOS4gOmDjg==?= <tanaka@fuji-kogyo.example>\" <bot@hotel.example>", "", k_quote_ja),
        "t");
    EXPECT_TRUE(has(r, "QUOTED_IDENTITY_MISMATCH"));
}

TEST(quoted_identity_mismatch, silent_for_the_real_participant_and_colleagues) {
    scan::engine eng(config{}, nullptr);
    auto real = eng.scan(mail("=?UTF-8?B?55Sw5LitIOS4gOmDjg==?= <tanaka@fuji-kogyo.example>", "", k_quote_ja), "t");
    EXPECT_FALSE(has(real, "QUOTED_IDENTITY_MISMATCH"));
    // The same person writing from another address of the same organisation.
    auto second =
        eng.scan(mail("=?UTF-8?B?55Sw5LitIOS4gOmDjg==?= <i.tanaka@mail.fuji-kogyo.example>", "", k_quote_ja), "t");
    EXPECT_FALSE(has(second, "QUOTED_IDENTITY_MISMATCH"));
    // Someone else (another name) replying: not this detector's business.
    auto other = eng.scan(mail("Suzuki <suzuki@other.example>", "", k_quote_ja), "t");
    EXPECT_FALSE(has(other, "QUOTED_IDENTITY_MISMATCH"));
}

TEST(quoted_identity_mismatch, silent_on_mailing_lists) {
    scan::engine eng(config{}, nullptr);
    auto r = eng.scan(mail("=?UTF-8?B?55Sw5LitIOS4gOmDjg==?= <list@lists.example>",
                           "List-Id: <jp-users.lists.example>\r\n", k_quote_ja),
                      "t");
    EXPECT_FALSE(has(r, "QUOTED_IDENTITY_MISMATCH"));
}

}  // namespace
