// SPDX-License-Identifier: Apache-2.0
// fuzz/fuzz_engine.cpp - libFuzzer target: bytes through the whole scan engine
//
// DESCRIPTION
//   Feeds arbitrary bytes to scan::engine::scan, as every front-end does:
//   parse, attachment analysis (archives, Office, dangerous types), every
//   detector, score, then the JSON record (output::to_json) is serialised so
//   every string the engine produced is read. The detectors get a small
//   in-memory history (store::make_memory_history) learnt at start-up from a
//   few messages generated here: a thread between a partner (partner.co.jp)
//   and us (ours.co.jp, [org] domains), in English and Japanese, so that
//   inputs that mutate from the seed corpus into replies reach the thread,
//   correspondent and quote-source paths of the detectors.
//   With REPLYGUARD_FUZZ_STRICT=1 the decoded texts of the model are checked
//   like fuzz_parser does (fuzz_check.hpp).
// LIMITS
//   Inputs over 1 MiB are skipped (limits::message_bytes is set to 1 MiB, as in
//   fuzz_parser). The engine is the exception firewall: an exception that
//   escapes it is a bug, and aborts here.
#include "core/config.hpp"
#include "history/learner.hpp"
#include "mime/parser.hpp"
#include "output/record.hpp"
#include "scan/engine.hpp"
#include "store/history.hpp"

#include "fuzz_check.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

namespace {

using namespace replyguard;

std::unique_ptr<store::history> g_history;
std::unique_ptr<scan::engine> g_engine;

std::string mail(std::string_view from, std::string_view to, std::string_view subject, std::string_view id,
                 std::string_view in_reply_to, std::string_view date, std::string_view body) {
    std::string m;
    m += "From: " + std::string(from) + "\r\n";
    m += "To: " + std::string(to) + "\r\n";
    m += "Subject: " + std::string(subject) + "\r\n";
    m += "Message-ID: <" + std::string(id) + ">\r\n";
    if (!in_reply_to.empty()) {
        m += "In-Reply-To: <" + std::string(in_reply_to) + ">\r\n";
        m += "References: <" + std::string(in_reply_to) + ">\r\n";
    }
    m += "Date: " + std::string(date) + "\r\n";
    m += "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n";
    m += body;
    return m;
}

void learn(std::string_view bytes, const history::learn_options& o, const limits& lim) {
    auto m = mime::parse_message(bytes, lim);
    if (!history::learn_message(*g_history, m, o)) {
        std::fprintf(stderr, "fuzz_engine: learning a generated message failed\n");
        std::abort();
    }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    (void)fuzz_check::strict();
    mime::init();
    config cfg;
    cfg.org_domains = {"ours.co.jp"};
    cfg.lim.message_bytes = 1u << 20;
    g_history = store::make_memory_history();
    const history::learn_options o{cfg.org_domains};
    learn(mail("Hanako Sato <hanako.sato@partner.co.jp>", "Taro Yamada <taro.yamada@ours.co.jp>", "Quotation for March",
               "q1@partner.co.jp", "", "Mon, 2 Mar 2020 09:00:00 +0900",
               "Dear Mr Yamada,\r\n\r\nPlease find our quotation below.\r\n\r\nHanako Sato\r\n"),
          o, cfg.lim);
    learn(
        mail("Taro Yamada <taro.yamada@ours.co.jp>", "Hanako Sato <hanako.sato@partner.co.jp>",
             "Re: Quotation for March", "r1@ours.co.jp", "q1@partner.co.jp", "Mon, 2 Mar 2020 11:00:00 +0900",
             "Thank you, we accept.\r\n\r\nOn Mon, 2 Mar 2020 09:00, Hanako Sato <hanako.sato@partner.co.jp> wrote:\r\n"
             "> Dear Mr Yamada,\r\n> Please find our quotation below.\r\n"),
        o, cfg.lim);
    learn(mail("=?UTF-8?B?5L2Q6Jek6Iqx5a2Q?= <hanako.sato@partner.co.jp>", "taro.yamada@ours.co.jp",
               "=?UTF-8?B?5Lya6K2w44Gu5pel56iL?=", "m1@partner.co.jp", "", "Tue, 3 Mar 2020 10:00:00 +0900",
               "山田様\r\n\r\n会議の日程をご連絡いたします。\r\n\r\n佐藤\r\n"),
          o, cfg.lim);
    learn(
        mail(
            "=?UTF-8?B?5bGx55Sw5aSq6YOO?= <taro.yamada@ours.co.jp>", "hanako.sato@partner.co.jp",
            "=?UTF-8?B?UmU6IOS8muitsOOBruaXpeeoiw==?=", "m2@ours.co.jp", "m1@partner.co.jp",
            "Tue, 3 Mar 2020 12:00:00 +0900",
            "佐藤様\r\n\r\n承知しました。\r\n\r\n-----Original Message-----\r\n差出人: 佐藤花子 <hanako.sato@partner.co.jp>\r\n"
            "送信日時: 2020年3月3日 10:00\r\n件名: 会議の日程\r\n\r\n山田様\r\n"),
        o, cfg.lim);
    g_engine = std::make_unique<scan::engine>(cfg, g_history.get());
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size > (1u << 20)) return 0;
    scan::scan_result r = g_engine->scan(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz");
    fuzz_check::text("body_text", r.msg.body_text);
    fuzz_check::text("new_text", r.msg.new_text);
    fuzz_check::text("subject", r.msg.subject.decoded);
    std::string record = output::to_json(r).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return record.empty() && r.findings.size() == static_cast<std::size_t>(-1);
}
