// SPDX-License-Identifier: Apache-2.0
// profile_break_test.cpp - HIJACK_PROFILE_BREAK and THREAD_DORMANT_PAYLOAD on hand-built mail
//
// The partner (tests/support/profile_mail.hpp) writes with Outlook 16 from its own
// relay in Japan during office hours. A bot with its stolen account writes with its own
// client, infrastructure and hours; the partner writing from a phone or abroad does not
// break enough to be called a hijack.
#include "attach/report.hpp"
#include "core/config.hpp"
#include "detect/detector.hpp"
#include "hand_message.hpp"
#include "history/learner.hpp"
#include "profile_mail.hpp"
#include "scan/gather.hpp"
#include "store/history.hpp"

#include <gtest/gtest.h>

using namespace replyguard;
using replyguard::hand::msg_builder;

namespace {

std::optional<finding> find(const std::vector<finding>& fs, std::string_view id) {
    for (const auto& f : fs)
        if (f.id == id) return f;
    return std::nullopt;
}

class profile_break : public ::testing::Test {
protected:
    void SetUp() override {
        cfg_.org_domains = {"ours.example"};
        h_ = store::make_memory_history();
        history::learn_options o{{"ours.example"}};
        // Ten mails between 09:00 and 18:00 JST, and our message the reply will answer.
        for (int i = 0; i < 10; ++i) ASSERT_TRUE(history::learn_message(*h_, hand::partner_mail(i, 9 + i % 10), o));
        auto ours = msg_builder{}
                        .id("q1@ours.example")
                        .from("Suzuki", "suzuki@ours.example")
                        .to("田中 健", "tanaka@fuji-kogyo.example")
                        .subj("納期のご確認")
                        .date(hand::k_profile_day0 + 12 * 86400)
                        .text("田中様\n納期についてご確認をお願いいたします。")
                        .take();
        ASSERT_TRUE(history::learn_message(*h_, ours, o));
    }

    // A reply to q1@ours.example from the partner's real address, made by its real client.
    static mime::message genuine(int day = 13, int hour = 11) {
        auto m = hand::partner_mail(100, hour);
        m.message_id = "TY2PR01MB999999ABCDEF@TY2PR01MB1234.jpnprd01.prod.outlook.com";
        m.subject = hand::subject("Re: 納期のご確認");
        m.in_reply_to = {"q1@ours.example"};
        m.references = {"q1@ours.example"};
        m.date = hand::k_profile_day0 + day * 86400 + (hour - 9) * 3600;
        return m;
    }

    // The same reply as the bot sends it: its own client and relay, at 02:14 (its Date says +0900;
    // hours are judged in the sender's own Date zone, a different zone is its own axis).
    static mime::message bot(int day = 13) {
        auto m = msg_builder{}
                     .id("20231127171400.4F1A2B3C4D5E@vps-4411.randomhost.example")
                     .from("田中 健", "tanaka@fuji-kogyo.example")
                     .to("Suzuki", "suzuki@ours.example")
                     .subj("Re: 納期のご確認")
                     .irt("q1@ours.example")
                     .refs({"q1@ours.example"})
                     .date(hand::k_profile_day0 + day * 86400 - 9 * 3600 + 2 * 3600 + 14 * 60)
                     .text("ご確認ください。")
                     .header("Content-Type", "multipart/mixed; boundary=\"===============1234567890123456789==\"")
                     .take();
        m.date_raw = "Mon, 27 Nov 2023 02:14:00 +0900";
        m.text_parts.push_back({"text/plain", "utf-8", "utf-8", "", "", "1"});
        m.received.push_back({"", "vps-4411.randomhost.example", "192.0.2.44", "mx.ours.example", ""});
        return m;
    }

    std::vector<finding> scan(const mime::message& m, std::span<const attach::attachment_report> att = {}) {
        // As the engine does: the history gathered once, the detectors read the view.
        auto v = scan::gather_history(*h_, m, cfg_);
        EXPECT_TRUE(v.has_value()) << v.error().message;
        detect::scan_context ctx{m, att, v ? &*v : nullptr, cfg_};
        finding_sink sink(cfg_);
        for (const auto& d : detect::make_detectors()) d->run(ctx, sink);
        return sink.take();
    }

    config cfg_;
    std::unique_ptr<store::history> h_;
};

void add_link(mime::message& m, std::string url, std::string host) {
    m.new_text += "\n" + url;
    m.body_text += "\n" + url;
    m.urls.push_back({std::move(url), std::move(host), "", false});
}

}  // namespace

TEST_F(profile_break, bot_reply_from_the_real_address_with_a_zip_link_is_caught) {
    auto m = bot();
    add_link(m, "https://files.randomhost.example/doc/Invoice_1127.zip", "files.randomhost.example");
    auto fs = scan(m);
    auto f = find(fs, "HIJACK_PROFILE_BREAK");
    ASSERT_TRUE(f) << "not caught";
    EXPECT_EQ(f->group, "hijack");
    EXPECT_EQ(f->evidence["profile"], "addr:tanaka@fuji-kogyo.example");
    EXPECT_EQ(f->evidence["profile_messages"], 10);
    std::set<std::string> families;
    for (const auto& x : f->evidence["families"]) families.insert(x.get<std::string>());
    EXPECT_TRUE(families.contains("client"));
    EXPECT_TRUE(families.contains("path"));
    EXPECT_TRUE(families.contains("hour"));
    // The broken axes in words: the usual client and relay, and this one's.
    EXPECT_NE(f->detail.find("microsoft outlook 16"), std::string::npos) << f->detail;
    EXPECT_NE(f->detail.find("fuji-kogyo.example"), std::string::npos) << f->detail;
    EXPECT_NE(f->detail.find("02h"), std::string::npos) << f->detail;
    EXPECT_TRUE(find(fs, "HIJACK_WITH_PAYLOAD"));  // group hijack + the zip link
    EXPECT_FALSE(find(fs, "GENUINE_REPLY"));
}

TEST_F(profile_break, a_link_to_a_host_it_never_used_is_the_payload) {
    auto m = bot();
    add_link(m, "https://share.randomhost.example/view?id=8812", "share.randomhost.example");
    auto f = find(scan(m), "HIJACK_PROFILE_BREAK");
    ASSERT_TRUE(f);
    EXPECT_EQ(f->evidence["link_hosts_never_used"][0], "randomhost.example");
}

TEST_F(profile_break, without_a_payload_a_different_client_is_no_finding) {
    auto fs = scan(bot());
    EXPECT_FALSE(find(fs, "HIJACK_PROFILE_BREAK"));
    EXPECT_FALSE(find(fs, "THREAD_DORMANT_PAYLOAD"));
}

TEST_F(profile_break, the_genuine_reply_with_the_same_link_is_not) {
    auto m = genuine();
    add_link(m, "https://files.randomhost.example/doc/Invoice_1127.zip", "files.randomhost.example");
    auto fs = scan(m);
    EXPECT_FALSE(find(fs, "HIJACK_PROFILE_BREAK"));
    EXPECT_FALSE(find(fs, "GENUINE_REPLY"));  // never with a payload
    EXPECT_TRUE(find(scan(genuine()), "GENUINE_REPLY"));
}

TEST_F(profile_break, the_partner_on_a_phone_or_abroad_is_not_a_hijack) {
    // iPhone: another client, another submitting network, a short text - through its own relay,
    // at its usual hours.
    auto phone = genuine();
    for (auto& hf : phone.headers)
        if (hf.name == "X-Mailer") hf.raw = "iPhone Mail (20D67)";
    std::erase_if(phone.headers, [](const auto& hf) { return hf.name == "Thread-Index"; });
    phone.message_id = "9F1B2C3D-1A2B-4C5D-8E9F-0A1B2C3D4E5F@fuji-kogyo.example";
    phone.received.back().from_ip = "100.64.1.1";
    phone.received.back().from_ip = "126.200.1.9";
    phone.new_text = phone.body_text = "了解です";
    add_link(phone, "https://files.randomhost.example/doc/Invoice_1127.zip", "files.randomhost.example");
    EXPECT_FALSE(find(scan(phone), "HIJACK_PROFILE_BREAK"));
    // Travelling: its own client and relay, another zone and hour.
    auto abroad = genuine(13, 11);
    abroad.date_raw = "Tue, 14 Nov 2023 03:15:00 +0100";
    abroad.date = *abroad.date - 17 * 3600;
    add_link(abroad, "https://files.randomhost.example/doc/Invoice_1127.zip", "files.randomhost.example");
    EXPECT_FALSE(find(scan(abroad), "HIJACK_PROFILE_BREAK"));
}

TEST_F(profile_break, too_little_history_says_nothing) {
    auto h = store::make_memory_history();
    history::learn_options o{{"ours.example"}};
    for (int i = 0; i < 2; ++i) ASSERT_TRUE(history::learn_message(*h, hand::partner_mail(i), o));
    h_ = std::move(h);
    auto m = bot();
    add_link(m, "https://files.randomhost.example/doc/Invoice_1127.zip", "files.randomhost.example");
    EXPECT_FALSE(find(scan(m), "HIJACK_PROFILE_BREAK"));
}

TEST_F(profile_break, an_attachment_finding_is_a_payload_too) {
    auto m = bot();
    m.attachments.push_back({});
    m.attachments.back().filename = "請求書.doc";
    attach::attachment_report r;
    r.index = 0;
    r.findings.push_back({"OLE_VBA_AUTOEXEC", "payload", 6.0, "macro runs when opened", nullptr});
    std::vector<attach::attachment_report> reps{r};
    auto fs = scan(m, reps);
    EXPECT_TRUE(find(fs, "HIJACK_PROFILE_BREAK"));
    EXPECT_FALSE(find(fs, "GENUINE_REPLY"));
}

TEST_F(profile_break, dormant_thread_counts_only_with_a_payload) {
    // 200 days after our last message in the thread.
    auto late = genuine(212, 11);
    EXPECT_FALSE(find(scan(late), "THREAD_DORMANT_PAYLOAD"));  // people revive threads
    add_link(late, "https://files.randomhost.example/doc/Invoice_1127.zip", "files.randomhost.example");
    auto f = find(scan(late), "THREAD_DORMANT_PAYLOAD");
    ASSERT_TRUE(f);
    EXPECT_EQ(f->group, "thread");
    EXPECT_GE(f->evidence["dormant"]["silent_days"].get<int>(), 199);
    // The same reply a week later is no revival.
    auto soon = genuine(19, 11);
    add_link(soon, "https://files.randomhost.example/doc/Invoice_1127.zip", "files.randomhost.example");
    EXPECT_FALSE(find(scan(soon), "THREAD_DORMANT_PAYLOAD"));
}

TEST_F(profile_break, dormant_by_the_quote_header_also_without_history) {
    // A reply quoting a message whose Outlook header says it was sent eight months earlier.
    auto m = bot();
    m.in_reply_to.clear();
    m.references.clear();
    mime::quoted_block q;
    q.kind = mime::quoted_block::style::outlook;
    q.sent = "2023年3月20日 10:15";
    q.from = "Suzuki <suzuki@ours.example>";
    q.text = "田中様 納期についてご確認をお願いいたします。";
    m.quoted.push_back(q);
    add_link(m, "https://files.randomhost.example/doc/Invoice_1127.zip", "files.randomhost.example");
    detect::scan_context ctx{m, {}, nullptr, cfg_};
    finding_sink sink(cfg_);
    for (const auto& d : detect::make_detectors()) d->run(ctx, sink);
    auto f = find(sink.take(), "THREAD_DORMANT_PAYLOAD");
    ASSERT_TRUE(f);
    EXPECT_EQ(f->evidence["dormant"]["from"], "quote header");
    EXPECT_GE(f->evidence["dormant"]["silent_days"].get<int>(), 240);
    // Quoting last week's message is no revival.
    m.quoted.back().sent = "2023年11月20日 10:15";
    finding_sink sink2(cfg_);
    for (const auto& d : detect::make_detectors()) d->run(ctx, sink2);
    EXPECT_FALSE(find(sink2.take(), "THREAD_DORMANT_PAYLOAD"));
}
