// SPDX-License-Identifier: Apache-2.0
// profile_mail.hpp - a partner's mail as its real client makes it, and as a bot makes it (unit tests)
//
// DESCRIPTION
//   Sender-profile tests (history/profile.hpp, detect/profile_break.cpp) need
//   many mails of one person made one way. partner_mail(i, hour) is the i-th
//   mail of tanaka@fuji-kogyo.example (Outlook 16, ISO-2022-JP, Japan time,
//   handed over by mail.fuji-kogyo.example), sent on day i at `hour` JST.
#pragma once

#include "hand_message.hpp"

#include <string>

namespace replyguard::hand {

inline constexpr std::int64_t k_profile_day0 = 1'699'920'000;  // 2023-11-14 00:00 UTC = 09:00 JST

inline mime::message partner_mail(int i, int hour_jst = 10) {
    auto m =
        msg_builder{}
            .id("TY2PR01MB" + std::to_string(100000 + i) + "ABCDEF@TY2PR01MB1234.jpnprd01.prod.outlook.com")
            .from("田中 健", "tanaka@fuji-kogyo.example")
            .to("Suzuki", "suzuki@ours.example")
            .subj("Re: 見積書の件 " + std::to_string(i))
            .irt("p" + std::to_string(i) + "@ours.example")
            .date(k_profile_day0 + i * 86400 + (hour_jst - 9) * 3600)
            .text(
                "鈴木様\nいつもお世話になっております。富士工業の田中です。\n見積書を確認いたしました。来週の打合せで詳細をご相談させてください。\n"
                "よろしくお願いいたします。")
            .header("X-Mailer", "Microsoft Outlook 16.0")
            .header("Thread-Index", "AdlGk3Xo1234==")
            .header("Content-Type", "multipart/alternative; boundary=\"----=_NextPart_000_0012_01D9A1B2.12345670\"")
            .take();
    m.date_raw = "Tue, 14 Nov 2023 10:15:00 +0900";
    m.text_parts.push_back({"text/plain", "iso-2022-jp", "iso-2022-jp", "", "", "1"});
    m.text_parts.push_back({"text/html", "iso-2022-jp", "iso-2022-jp", "", "", "2"});
    m.received.push_back({"", "mx.ours.example", "192.168.1.5", "mx2.ours.example", ""});
    m.received.push_back({"", "mail.fuji-kogyo.example", "203.0.113.25", "mx.ours.example", ""});
    m.received.push_back({"", "PC-TANAKA", "198.51.100.7", "mail.fuji-kogyo.example", ""});
    return m;
}

}  // namespace replyguard::hand
