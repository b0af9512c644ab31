// SPDX-License-Identifier: Apache-2.0
// hijack_test.cpp - each history/hijack detector: fires with checkable evidence, and stays quiet
#include "attach/report.hpp"
#include "core/config.hpp"
#include "detect/detector.hpp"
#include "hand_message.hpp"
#include "history/learner.hpp"
#include "scan/gather.hpp"
#include "store/history.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <set>

using namespace replyguard;
using replyguard::hand::msg_builder;

namespace {

// A copy: callers often pass a temporary vector.
std::optional<finding> find(const std::vector<finding>& fs, std::string_view id) {
    for (const auto& f : fs)
        if (f.id == id) return f;
    return std::nullopt;
}

std::vector<std::string> ids(const std::vector<finding>& fs) {
    std::vector<std::string> out;
    for (const auto& f : fs) out.push_back(f.id);
    return out;
}

class hijack : public ::testing::Test {
protected:
    void SetUp() override {
        cfg_.org_domains = {"ours.co.jp"};
        h_ = store::make_memory_history();
        history::learn_options o{{"ours.co.jp"}};
        ASSERT_TRUE(history::learn_message(*h_, root(), o));
        ASSERT_TRUE(history::learn_message(*h_, our_reply(), o));
    }

    static mime::message root() {
        return msg_builder{}
            .id("root@partner.co.jp")
            .from("Yamada Taro", "taro@partner.co.jp")
            .to("Suzuki Hanako", "hanako@ours.co.jp")
            .subj("Quarterly report Osaka")
            .date(1'600'000'000)
            .text(
                "Dear Hanako, please find the quarterly figures for the Osaka branch attached. The totals for "
                "September changed after the audit, see the second sheet. Best regards, Taro")
            .take();
    }
    static mime::message our_reply() {
        return msg_builder{}
            .id("r1@ours.co.jp")
            .from("Suzuki Hanako", "hanako@ours.co.jp")
            .to("Yamada Taro", "taro@partner.co.jp")
            .subj("Re: Quarterly report Osaka")
            .irt("root@partner.co.jp")
            .refs({"root@partner.co.jp"})
            .date(1'600'000'100)
            .text("Thank you Taro, the figures look right. I will pass them on to accounting today.")
            .take();
    }

    std::vector<finding> scan(const mime::message& m, bool with_history = true,
                              std::span<const attach::attachment_report> att = {}) {
        // As the engine does: the history gathered once, the detectors read the view.
        std::optional<history::view> v;
        if (with_history) {
            auto g = scan::gather_history(*h_, m, cfg_);
            EXPECT_TRUE(g.has_value()) << g.error().message;
            if (g) v = std::move(*g);
        }
        detect::scan_context ctx{m, att, v ? &*v : nullptr, cfg_};
        finding_sink sink(cfg_);
        for (const auto& d : detect::make_detectors()) d->run(ctx, sink);
        return sink.take();
    }

    config cfg_;
    std::unique_ptr<store::history> h_;
};

// A hijack: the thread's headers copied, sent from an unrelated compromised account.
mime::message emotet_reply(std::string name = "Yamada Taro") {
    return msg_builder{}
        .id("evil1@compromised.example")
        .from(std::move(name), "info@compromised.example")
        .to("Suzuki Hanako", "hanako@ours.co.jp")
        .subj("RE: Quarterly report Osaka")
        .irt("r1@ours.co.jp")
        .refs({"root@partner.co.jp", "r1@ours.co.jp"})
        .text("Please see the attached document.")
        .take();
}

TEST_F(hijack, thread_outsider_with_participant_name) {
    auto fs = scan(emotet_reply());
    auto f = find(fs, "HIJACK_THREAD_OUTSIDER_NAME");
    ASSERT_TRUE(f) << ::testing::PrintToString(ids(fs));
    EXPECT_EQ(f->group, "hijack");
    EXPECT_EQ(f->evidence["found_by"], "in-reply-to");
    EXPECT_EQ(f->evidence["thread_subject"], "Quarterly report Osaka");
    EXPECT_EQ(f->evidence["impersonated"]["address"], "taro@partner.co.jp");
    EXPECT_EQ(f->evidence["via_message"]["message_id"], "r1@ours.co.jp");
    EXPECT_EQ(f->evidence["participants"].size(), 2u);
    EXPECT_NE(f->detail.find("info@compromised.example"), std::string::npos);
    EXPECT_FALSE(find(fs, "HIJACK_THREAD_OUTSIDER"));
    EXPECT_FALSE(find(fs, "GENUINE_REPLY"));
}

TEST_F(hijack, participant_name_with_its_address_written_in_is_still_the_name) {
    auto fs = scan(emotet_reply("Yamada Taro <taro@partner.co.jp>"));
    auto f = find(fs, "HIJACK_THREAD_OUTSIDER_NAME");
    ASSERT_TRUE(f) << ::testing::PrintToString(ids(fs));
    EXPECT_EQ(f->evidence["impersonated"]["address"], "taro@partner.co.jp");
    EXPECT_TRUE(find(fs, "IMPERSONATION_KNOWN_NAME"));
    EXPECT_TRUE(find(fs, "IMPERSONATION_ADDRESS_IN_NAME"));
}

TEST_F(hijack, thread_outsider_without_the_name) {
    auto fs = scan(emotet_reply("Someone Else"));
    auto f = find(fs, "HIJACK_THREAD_OUTSIDER");
    ASSERT_TRUE(f) << ::testing::PrintToString(ids(fs));
    EXPECT_FALSE(find(fs, "HIJACK_THREAD_OUTSIDER_NAME"));
    EXPECT_TRUE(find(fs, "FAKE_REPLY_COPIED_REF"));
}

TEST_F(hijack, thread_found_by_subject_only) {
    auto m = msg_builder{}
                 .id("evil2@compromised.example")
                 .from("Nobody", "nobody@compromised.example")
                 .to("Suzuki Hanako", "hanako@ours.co.jp")
                 .subj("Re: Quarterly report Osaka")
                 .take();
    auto fs = scan(m);
    auto f = find(fs, "HIJACK_THREAD_OUTSIDER");
    ASSERT_TRUE(f) << ::testing::PrintToString(ids(fs));
    EXPECT_EQ(f->evidence["found_by"], "subject");
    EXPECT_TRUE(find(fs, "FAKE_REPLY"));
    EXPECT_TRUE(find(fs, "FIRST_CONTACT_REPLY"));
}

TEST_F(hijack, participant_colleague_and_second_address_do_not_trip) {
    // The participant itself replies: a genuine reply, with a trust signal.
    auto m = emotet_reply();
    m.from = hand::mb("Yamada Taro", "taro@partner.co.jp");
    auto fs = scan(m);
    EXPECT_FALSE(find(fs, "HIJACK_THREAD_OUTSIDER")) << ::testing::PrintToString(ids(fs));
    EXPECT_FALSE(find(fs, "HIJACK_THREAD_OUTSIDER_NAME"));
    EXPECT_FALSE(find(fs, "FAKE_REPLY_COPIED_REF"));
    EXPECT_FALSE(find(fs, "IMPERSONATION_KNOWN_NAME"));
    ASSERT_TRUE(find(fs, "GENUINE_REPLY"));
    EXPECT_LT(find(fs, "GENUINE_REPLY")->score, 0);
    // A colleague of the same organisation joins, from a sub-domain.
    m.from = hand::mb("Sato Jiro", "jiro@tokyo.partner.co.jp");
    fs = scan(m);
    EXPECT_TRUE(fs.empty()) << ::testing::PrintToString(ids(fs));
    // The same person from a second address of the same organisation.
    m.from = hand::mb("Yamada Taro", "t.yamada@partner.co.jp");
    fs = scan(m);
    EXPECT_TRUE(fs.empty()) << ::testing::PrintToString(ids(fs));
}

TEST_F(hijack, established_correspondent_of_the_addressee_joining_is_normal) {
    // kimura@other.example wrote to Hanako before, in another thread.
    auto earlier = msg_builder{}
                       .id("k1@other.example")
                       .from("Kimura", "kimura@other.example")
                       .to("Suzuki Hanako", "hanako@ours.co.jp")
                       .subj("Trade fair booth")
                       .text("Hello Hanako, the booth plan for the trade fair is ready for review.")
                       .take();
    ASSERT_TRUE(history::learn_message(*h_, earlier, {{"ours.co.jp"}}));
    auto m = emotet_reply("Kimura");
    m.from = hand::mb("Kimura", "kimura@other.example");
    auto fs = scan(m);
    EXPECT_FALSE(find(fs, "HIJACK_THREAD_OUTSIDER")) << ::testing::PrintToString(ids(fs));
    // Borrowing a participant's name is never normal, even for a known account.
    m.from = hand::mb("Yamada Taro", "kimura@other.example");
    fs = scan(m);
    EXPECT_TRUE(find(fs, "HIJACK_THREAD_OUTSIDER_NAME")) << ::testing::PrintToString(ids(fs));
}

TEST_F(hijack, mailing_list_and_automated_mail_do_not_trip) {
    auto m = emotet_reply();
    m.list_id = "osaka.lists.partner.example";
    m.headers.push_back({"List-Id", "<osaka.lists.partner.example>"});
    auto fs = scan(m);
    EXPECT_TRUE(fs.empty()) << ::testing::PrintToString(ids(fs));
    auto n = emotet_reply("Yamada Taro via Osaka list");
    fs = scan(n);
    EXPECT_TRUE(fs.empty()) << ::testing::PrintToString(ids(fs));
    auto t = emotet_reply("Ticket system");
    t.headers.push_back({"Auto-Submitted", "auto-replied"});
    fs = scan(t);
    EXPECT_FALSE(find(fs, "HIJACK_THREAD_OUTSIDER")) << ::testing::PrintToString(ids(fs));
}

TEST_F(hijack, quote_attribution_names_the_quoted_message) {
    mime::quoted_block q;
    q.kind = mime::quoted_block::style::outlook;
    q.from = "Yamada Taro <taro@partner.co.jp>";
    q.to = "Suzuki Hanako";
    q.from_mailbox = hand::mb("Yamada Taro", "taro@partner.co.jp");
    q.text =
        "Dear Hanako,\n please find the quarterly figures for the Osaka branch\nattached. The totals for "
        "September changed after the audit";
    auto m = msg_builder{}
                 .id("evil3@compromised.example")
                 .from("Accounts", "accounts@compromised.example")
                 .to("Suzuki Hanako", "hanako@ours.co.jp")
                 .subj("Invoice")
                 .text("Kindly check.")
                 .quote(q)
                 .take();
    auto fs = scan(m);
    auto f = find(fs, "HIJACK_QUOTE_ATTRIBUTION");
    ASSERT_TRUE(f) << ::testing::PrintToString(ids(fs));
    EXPECT_EQ(f->evidence["quoted_message"]["message_id"], "root@partner.co.jp");
    EXPECT_EQ(f->evidence["quoted_message"]["date"], 1'600'000'000);
    EXPECT_EQ(f->evidence["quoted_message"]["from"], "taro@partner.co.jp");
    EXPECT_GE(f->evidence["matched_fingerprints"].get<int>(), 4);
    // The same quote from a participant is a normal reply.
    m.from = hand::mb("Yamada Taro", "taro@partner.co.jp");
    fs = scan(m);
    EXPECT_FALSE(find(fs, "HIJACK_QUOTE_ATTRIBUTION")) << ::testing::PrintToString(ids(fs));
}

TEST_F(hijack, known_name_on_a_new_address) {
    auto m = msg_builder{}
                 .id("n1@free.example")
                 .from("Taro Yamada", "yamada.t@gmail.com")
                 .to("Suzuki Hanako", "hanako@ours.co.jp")
                 .subj("New bank account")
                 .take();
    auto fs = scan(m);
    auto f = find(fs, "IMPERSONATION_KNOWN_NAME");
    ASSERT_TRUE(f) << ::testing::PrintToString(ids(fs));  // reversed name parts match
    EXPECT_EQ(f->evidence["known_addresses"][0]["address"], "taro@partner.co.jp");
    EXPECT_EQ(f->evidence["known_addresses"][0]["messages"], 2);
    // Without history the detector has nothing to compare with.
    EXPECT_FALSE(find(scan(m, false), "IMPERSONATION_KNOWN_NAME"));
    // The known address itself, and a second address of the same organisation, are fine.
    m.from = hand::mb("Taro Yamada", "taro@partner.co.jp");
    EXPECT_FALSE(find(scan(m), "IMPERSONATION_KNOWN_NAME"));
    m.from = hand::mb("Taro Yamada", "yamada@osaka.partner.co.jp");
    EXPECT_FALSE(find(scan(m), "IMPERSONATION_KNOWN_NAME"));
}

TEST_F(hijack, a_name_more_addresses_used_than_the_store_reads_identifies_nobody) {
    // More addresses of the same organisation under the known name, one at a time: up to
    // store::k_name_addresses_max the name is a person's, past it a role name's.
    auto m = msg_builder{}
                 .id("n2@free.example")
                 .from("Taro Yamada", "yamada.t@gmail.com")
                 .to("Suzuki Hanako", "hanako@ours.co.jp")
                 .subj("New bank account")
                 .take();
    history::learn_options o{{"ours.co.jp"}};
    for (std::size_t n = 2; n <= store::k_name_addresses_max + 1; ++n) {
        auto other = msg_builder{}
                         .id(fmt::format("more{}@partner.co.jp", n))
                         .from("Yamada Taro", fmt::format("taro{}@partner.co.jp", n))
                         .to("Suzuki Hanako", "hanako@ours.co.jp")
                         .subj(fmt::format("Delivery {}", n))
                         .date(1'600'000'000 + static_cast<std::int64_t>(n))
                         .text("The delivery note is attached.")
                         .take();
        ASSERT_TRUE(history::learn_message(*h_, other, o));
        // n addresses use the name now (taro@partner.co.jp the first).
        const bool fires = find(scan(m), "IMPERSONATION_KNOWN_NAME").has_value();
        EXPECT_EQ(fires, n <= store::k_name_addresses_max) << n << " addresses";
    }
}

TEST_F(hijack, fake_reply_without_headers_needs_no_history) {
    auto m = msg_builder{}
                 .id("f1@x.example")
                 .from("A", "a@x.example")
                 .to("Suzuki Hanako", "hanako@ours.co.jp")
                 .subj("RE: Payment")
                 .take();
    auto fs = scan(m, false);
    auto f = find(fs, "FAKE_REPLY");
    ASSERT_TRUE(f) << ::testing::PrintToString(ids(fs));
    EXPECT_EQ(f->evidence["prefixes"][0], "RE:");
    // A real reply with In-Reply-To, and a plain subject, do not trip.
    m.in_reply_to = {"whatever@x.example"};
    EXPECT_FALSE(find(scan(m, false), "FAKE_REPLY"));
    auto p = msg_builder{}.id("f2@x.example").from("A", "a@x.example").subj("Payment").take();
    EXPECT_FALSE(find(scan(p, false), "FAKE_REPLY"));
    auto fw = msg_builder{}.id("f3@x.example").from("A", "a@x.example").subj("FW: Payment").take();
    auto ffs = scan(fw, false);
    EXPECT_TRUE(find(ffs, "FAKE_FORWARD"));
    EXPECT_FALSE(find(ffs, "FAKE_REPLY"));
}

TEST_F(hijack, fake_reply_unknown_references) {
    auto m = msg_builder{}
                 .id("u1@x.example")
                 .from("A", "a@x.example")
                 .subj("Re: Something")
                 .irt("never@seen.example")
                 .take();
    auto f = find(scan(m), "FAKE_REPLY_UNKNOWN_REF");
    ASSERT_TRUE(f);
    EXPECT_EQ(f->evidence["references"][0], "never@seen.example");
    m.in_reply_to = {"r1@ours.co.jp"};
    EXPECT_FALSE(find(scan(m), "FAKE_REPLY_UNKNOWN_REF"));
    EXPECT_FALSE(find(scan(m, false), "FAKE_REPLY_UNKNOWN_REF"));
}

TEST_F(hijack, lookalike_of_a_correspondent_and_of_our_domain) {
    auto m = msg_builder{}.id("l1@x").from("Yamada", "taro@partner-co.jp").subj("Hello").take();
    auto fs = scan(m);
    // "partner-co.jp" vs "partner.co.jp": labels "partner-co" and "partner": distance 3 - not close.
    EXPECT_FALSE(find(fs, "LOOKALIKE_DOMAIN"));
    m.from = hand::mb("Yamada", "taro@partnar.co.jp");
    auto f = find(scan(m), "LOOKALIKE_DOMAIN");
    ASSERT_TRUE(f);
    EXPECT_EQ(f->evidence["looks_like"], "partner.co.jp");
    EXPECT_EQ(f->evidence["ours"], false);
    m.from = hand::mb("Suzuki", "hanako@0urs.co.jp");
    f = find(scan(m, false), "LOOKALIKE_DOMAIN");  // our own domain needs no history
    ASSERT_TRUE(f);
    EXPECT_EQ(f->evidence["looks_like"], "ours.co.jp");
    EXPECT_EQ(f->evidence["how"], "confusable");
    // Known domains and unrelated domains are fine.
    m.from = hand::mb("Yamada", "taro@partner.co.jp");
    EXPECT_FALSE(find(scan(m), "LOOKALIKE_DOMAIN"));
    m.from = hand::mb("Someone", "a@completely-different.example");
    EXPECT_FALSE(find(scan(m), "LOOKALIKE_DOMAIN"));
}

TEST_F(hijack, first_contact_reply) {
    auto m = msg_builder{}.id("fc@x").from("New", "new@stranger.example").subj("Re: Offer").irt("zz@x").take();
    auto f = find(scan(m), "FIRST_CONTACT_REPLY");
    ASSERT_TRUE(f);
    EXPECT_EQ(f->evidence["domain"], "stranger.example");
    // A new person at a known organisation, and our own colleagues, are not first contacts.
    m.from = hand::mb("New", "new@partner.co.jp");
    EXPECT_FALSE(find(scan(m), "FIRST_CONTACT_REPLY"));
    m.from = hand::mb("New", "new@ours.co.jp");
    EXPECT_FALSE(find(scan(m), "FIRST_CONTACT_REPLY"));
    EXPECT_FALSE(find(scan(m, false), "FIRST_CONTACT_REPLY"));
}

TEST_F(hijack, reply_to_diverges) {
    auto m = msg_builder{}.id("rt@x").from("A", "a@shop.example").subj("Order").take();
    m.reply_to.push_back(hand::mb("", "collect@elsewhere.example"));
    auto f = find(scan(m, false), "REPLYTO_DIVERGES");
    ASSERT_TRUE(f);
    EXPECT_EQ(f->evidence["reply_to"]["address"], "collect@elsewhere.example");
    m.reply_to = {hand::mb("", "support@help.shop.example")};
    EXPECT_FALSE(find(scan(m, false), "REPLYTO_DIVERGES"));
    m.reply_to = {hand::mb("", "list@elsewhere.example")};
    m.list_id = "list.elsewhere.example";
    EXPECT_FALSE(find(scan(m, false), "REPLYTO_DIVERGES"));
}

TEST_F(hijack, auth_fail_only_from_trusted_servers) {
    auto m = msg_builder{}.id("au@x").from("A", "a@x.example").subj("Hi").take();
    m.auth_results.push_back({"mx.ours.co.jp", "dmarc", "fail", "header.from=x.example"});
    m.auth_results.push_back({"mx.ours.co.jp", "spf", "pass", ""});
    EXPECT_FALSE(find(scan(m, false), "AUTH_FAIL_TRUSTED"));  // nobody trusted yet
    cfg_.trusted_authserv_ids = {"MX.ours.co.jp"};
    auto f = find(scan(m, false), "AUTH_FAIL_TRUSTED");
    ASSERT_TRUE(f);
    ASSERT_EQ(f->evidence["results"].size(), 1u);
    EXPECT_EQ(f->evidence["results"][0]["method"], "dmarc");
}

TEST_F(hijack, quoted_outlook_block_between_other_people) {
    mime::quoted_block q;
    q.kind = mime::quoted_block::style::outlook;
    q.from = "Yamada Taro <taro@partner.co.jp>";
    q.to = "Suzuki Hanako <hanako@ours.co.jp>";
    q.sent = "2019年12月3日 10:00";
    q.subject = "見積書";
    q.from_mailbox = hand::mb("Yamada Taro", "taro@partner.co.jp");
    q.text = "見積書を送付します。";
    auto m = msg_builder{}
                 .id("qo@x")
                 .from("Yamada Taro", "bot@compromised.example")
                 .to("Suzuki Hanako", "hanako@ours.co.jp")
                 .subj("RE: 見積書")
                 .irt("old@x")
                 .quote(q)
                 .take();
    auto f = find(scan(m, false), "QUOTED_OUTLOOK_UNRELATED");
    ASSERT_TRUE(f);
    EXPECT_EQ(f->evidence["quoted"]["from"], "Yamada Taro <taro@partner.co.jp>");
    // Hanako replying to that quote is in its To: a normal reply.
    m.from = hand::mb("Suzuki Hanako", "hanako@ours.co.jp");
    EXPECT_FALSE(find(scan(m, false), "QUOTED_OUTLOOK_UNRELATED"));
    // A colleague of hers (same organisation as an addressee) neither.
    m.from = hand::mb("Kato", "kato@ours.co.jp");
    EXPECT_FALSE(find(scan(m, false), "QUOTED_OUTLOOK_UNRELATED"));
    // No reply subject: not judged.
    m.from = hand::mb("Yamada Taro", "bot@compromised.example");
    m.subject = hand::subject("見積書");
    EXPECT_FALSE(find(scan(m, false), "QUOTED_OUTLOOK_UNRELATED"));
}

TEST_F(hijack, composite_with_attachment_or_download_link_is_malicious) {
    auto m = emotet_reply();
    attach::attachment_report r;
    r.index = 0;
    r.kind = "ole2";
    r.findings.push_back({"VBA_AUTOEXEC", "payload", 4.0, "AutoOpen macro", nullptr});
    mime::attachment a;
    a.filename = "請求書.doc";
    m.attachments.push_back(a);
    std::vector<attach::attachment_report> reps{r};
    auto fs = scan(m, true, reps);
    auto f = find(fs, "HIJACK_WITH_PAYLOAD");
    ASSERT_TRUE(f) << ::testing::PrintToString(ids(fs));
    EXPECT_GE(f->score, cfg_.malicious_threshold);
    EXPECT_EQ(f->evidence["payload"][0]["attachment"], "請求書.doc");
    // A raised threshold is followed.
    cfg_.malicious_threshold = 15;
    EXPECT_GE(find(scan(m, true, reps), "HIJACK_WITH_PAYLOAD")->score, 15);
    // Link to a macro document.
    auto l = emotet_reply();
    l.urls.push_back({"https://compromised.example/wp-content/INV-2020.docm?x=1", "compromised.example", "", false});
    f = find(scan(l), "HIJACK_WITH_PAYLOAD");
    ASSERT_TRUE(f);
    // The link itself (after the LINK_ACTIVE_DOWNLOAD finding it also raised).
    EXPECT_EQ(f->evidence["payload"].back()["extension"], ".docm");
    // A link to a web page is not a payload.
    auto w = emotet_reply();
    w.urls.push_back({"https://www.partner.co.jp/", "www.partner.co.jp", "", false});
    EXPECT_FALSE(find(scan(w), "HIJACK_WITH_PAYLOAD"));
}

TEST_F(hijack, a_link_only_in_the_quoted_conversation_is_no_payload) {
    // A real reply from a client that sets no In-Reply-To (FAKE_REPLY), quoting the
    // partner's earlier mail with its archive link: the link is not the sender's payload.
    mime::quoted_block q;
    q.kind = mime::quoted_block::style::wrote;
    q.text = "The drawings are here: https://files.partner.co.jp/osaka/drawings.zip\nBest regards, Taro";
    const text::url_ref link{"https://files.partner.co.jp/osaka/drawings.zip", "files.partner.co.jp", "", false};
    auto m = msg_builder{}
                 .id("plain@elsewhere.example")
                 .from("Ito Ken", "ken@elsewhere.example")
                 .to("Suzuki Hanako", "hanako@ours.co.jp")
                 .subj("Re: drawings for the Osaka branch")
                 .text("Thanks, we will print them on Monday.")
                 .quote(q)
                 .take();
    m.urls.push_back(link);
    auto fs = scan(m, false);
    ASSERT_TRUE(find(fs, "FAKE_REPLY")) << ::testing::PrintToString(ids(fs));
    EXPECT_FALSE(find(fs, "HIJACK_WITH_PAYLOAD")) << ::testing::PrintToString(ids(fs));
    // The same link written in the new text is the sender's: payload.
    m.new_text = "Thanks, the new set: https://files.partner.co.jp/osaka/drawings.zip";
    fs = scan(m, false);
    auto f = find(fs, "HIJACK_WITH_PAYLOAD");
    ASSERT_TRUE(f) << ::testing::PrintToString(ids(fs));
    EXPECT_EQ(f->evidence["payload"].back()["extension"], ".zip");
    // An HTML link (anchor text only in the rendered text): it counts when its anchor
    // text stands in the new text, even if the quote repeats it; not when only the quote has it.
    m.urls = {{"https://cdn.elsewhere.example/d/drawings-v2.zip", "cdn.elsewhere.example", "drawings-v2", true}};
    m.quoted[0].text = "The old set was drawings-v2, Taro";
    m.new_text = "Thanks, the new set is in drawings-v2 (link).";
    EXPECT_TRUE(find(scan(m, false), "HIJACK_WITH_PAYLOAD"));
    m.new_text = "Thanks, we will print them on Monday.";
    EXPECT_FALSE(find(scan(m, false), "HIJACK_WITH_PAYLOAD"));
}

TEST_F(hijack, genuine_reply_never_applies_with_a_payload) {
    auto m = emotet_reply();
    m.from = hand::mb("Yamada Taro", "taro@partner.co.jp");  // the real participant (its PC infected)
    m.urls.push_back({"http://files.example/doc/invoice.xlsm", "files.example", "", false});
    auto fs = scan(m);
    EXPECT_FALSE(find(fs, "GENUINE_REPLY")) << ::testing::PrintToString(ids(fs));
    EXPECT_FALSE(find(fs, "HIJACK_WITH_PAYLOAD"));  // no hijack signal: payload scoring is left to attach/
}

TEST_F(hijack, symbols_are_declared_once_with_both_descriptions) {
    std::set<std::string> seen;
    for (const auto& s : detect::all_symbols()) {
        EXPECT_TRUE(seen.insert(std::string(s.id)).second) << s.id;
        EXPECT_FALSE(s.description_en.empty()) << s.id;
        EXPECT_FALSE(s.description_ja.empty()) << s.id;
    }
    for (auto id :
         {"HIJACK_THREAD_OUTSIDER", "HIJACK_QUOTE_ATTRIBUTION", "IMPERSONATION_KNOWN_NAME",
          "IMPERSONATION_ADDRESS_IN_NAME", "FAKE_REPLY", "LOOKALIKE_DOMAIN", "FIRST_CONTACT_REPLY", "REPLYTO_DIVERGES",
          "AUTH_FAIL_TRUSTED", "QUOTED_OUTLOOK_UNRELATED", "HIJACK_WITH_PAYLOAD", "GENUINE_REPLY"})
        EXPECT_TRUE(seen.contains(id)) << id;
}

// Needs mime::addresses_in_text (branch jptext); a placeholder returns nothing.
TEST_F(hijack, address_in_display_name) {
    auto m = msg_builder{}
                 .id("an@x")
                 .from("Yamada Taro【taro＠partner.co.jp】", "bot@compromised.example")
                 .subj("Hello")
                 .take();
    if (mime::addresses_in_text("a@b.example").empty()) GTEST_SKIP() << "mime::addresses_in_text is a placeholder";
    auto f = find(scan(m, false), "IMPERSONATION_ADDRESS_IN_NAME");
    ASSERT_TRUE(f);
    EXPECT_EQ(f->evidence["address_in_name"], "taro@partner.co.jp");
    m.from = hand::mb("taro@partner.co.jp", "taro@partner.co.jp");
    EXPECT_FALSE(find(scan(m, false), "IMPERSONATION_ADDRESS_IN_NAME"));
    m.from = hand::mb("Taro (taro@partner.co.jp)", "taro@mail.partner.co.jp");
    EXPECT_FALSE(find(scan(m, false), "IMPERSONATION_ADDRESS_IN_NAME"));
}

}  // namespace
