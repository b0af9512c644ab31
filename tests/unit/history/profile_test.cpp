// SPDX-License-Identifier: Apache-2.0
// profile_test.cpp - sender profiles: what a message shows, the bounded merge, judging an axis, learning
#include "history/profile.hpp"
#include "hand_message.hpp"
#include "history/learner.hpp"
#include "profile_mail.hpp"
#include "store/history.hpp"

#include <gtest/gtest.h>

#include <algorithm>

using namespace replyguard;
using replyguard::hand::msg_builder;

namespace {

std::string value_of(const std::vector<store::profile_value>& obs, std::string_view axis) {
    for (const auto& v : obs)
        if (v.axis == axis) return v.value;
    return "(absent)";
}

mime::message outlook_mail(int i, int hour_jst = 10) { return hand::partner_mail(i, hour_jst); }

}  // namespace

TEST(profile, mua_family_keeps_the_program_and_its_major_version) {
    EXPECT_EQ(history::mua_family("Microsoft Outlook 16.0"), "microsoft outlook 16");
    EXPECT_EQ(history::mua_family("Microsoft Office Outlook 12.0"), "microsoft office outlook 12");
    EXPECT_EQ(
        history::mua_family("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:102.0) Gecko/20100101 Thunderbird/102.8.0"),
        "thunderbird 102");
    EXPECT_EQ(history::mua_family("Becky! ver. 2.75.04 [ja]"), "becky ver 2");
    EXPECT_EQ(history::mua_family("Apple Mail (2.3696.120.41.1.1)"), "apple mail");
    EXPECT_EQ(history::mua_family("Roundcube Webmail/1.4.13"), "roundcube webmail 1");
    EXPECT_EQ(history::mua_family(""), "none");
}

TEST(profile, zones_networks_and_shapes) {
    EXPECT_EQ(history::date_zone_minutes("Mon, 4 Mar 2024 10:15:00 +0900 (JST)"), 540);
    EXPECT_EQ(history::date_zone_minutes("Mon, 4 Mar 2024 10:15:00 -0430"), -270);
    EXPECT_EQ(history::date_zone_minutes("4 Mar 2024 10:15:00 GMT"), 0);
    EXPECT_FALSE(history::date_zone_minutes("yesterday"));
    EXPECT_EQ(history::network_of("[203.0.113.25]"), "203.0.113.0/24");
    EXPECT_EQ(history::network_of("2001:db8:1234:5678::1"), "2001:db8:1234::/48");
    EXPECT_FALSE(history::is_public_ip("10.1.2.3"));
    EXPECT_FALSE(history::is_public_ip("127.0.0.1"));
    EXPECT_FALSE(history::is_public_ip("fe80::1"));
    EXPECT_TRUE(history::is_public_ip("203.0.113.25"));
    EXPECT_EQ(history::boundary_style("----=_NextPart_000_0012_01D9A1B2.12345670"), "nextpart");
    EXPECT_EQ(history::boundary_style("000000000000a1b2c3d4e5f60718293a"), "hex32");
    // Two random ids of one generator have one shape; another generator's differs.
    EXPECT_EQ(history::id_shape("a1b2c3d4e5f6a7b8"), history::id_shape("ffee0011aabb2233"));
    EXPECT_NE(history::id_shape("a1b2c3d4e5f6a7b8"), history::id_shape("CAH+w=7sdf_SDF-12"));
}

TEST(profile, a_message_shows_client_path_zone_hour_and_text) {
    auto obs = history::observe_profile(outlook_mail(1), {"ours.example"});
    EXPECT_EQ(value_of(obs, "mua"), "microsoft outlook 16");
    EXPECT_EQ(value_of(obs, "ti"), "y");
    EXPECT_EQ(value_of(obs, "mid"), "outlook.com");
    EXPECT_EQ(value_of(obs, "body"), "plain+html");
    EXPECT_EQ(value_of(obs, "cs"), "iso-2022-jp");
    EXPECT_EQ(value_of(obs, "cte"), "(absent)");  // multipart: per-part encodings are not in the model
    EXPECT_EQ(value_of(obs, "bnd"), "nextpart");
    EXPECT_EQ(value_of(obs, "quote"), "none");
    // The first hop not ours with a public address; our own internal hop is skipped.
    EXPECT_EQ(value_of(obs, "relay"), "fuji-kogyo.example");
    EXPECT_EQ(value_of(obs, "net"), "203.0.113.0/24");
    EXPECT_EQ(value_of(obs, "origin"), "198.51.100.0/24");
    EXPECT_EQ(value_of(obs, "tz"), "+0900");
    EXPECT_EQ(value_of(obs, "hour"), "10");
    EXPECT_EQ(value_of(obs, "len"), "100");
}

TEST(profile, keys_never_group_free_mail_users) {
    EXPECT_EQ(history::profile_keys("tanaka@fuji-kogyo.example"),
              (std::vector<std::string>{"addr:tanaka@fuji-kogyo.example", "org:fuji-kogyo.example"}));
    EXPECT_EQ(history::profile_keys("someone@gmail.com"), (std::vector<std::string>{"addr:someone@gmail.com"}));
    EXPECT_TRUE(history::profile_keys("not-an-address").empty());
}

TEST(profile, merge_is_bounded_by_the_axis_cap) {
    store::profile_counts p;
    for (int i = 0; i < 10; ++i) {
        store::profile_update u{"m" + std::to_string(i), {"addr:x@y"}, {{"mua", "client " + std::to_string(i), 4}}};
        store::apply_profile_update(p, u);
    }
    EXPECT_EQ(p.messages, 10u);
    ASSERT_EQ(p.axes["mua"].size(), 5u);  // 4 values + the overflow
    EXPECT_EQ(p.axes["mua"][std::string(store::k_profile_other)], 6u);
    EXPECT_EQ(p.axes["mua"]["client 0"], 1u);
}

TEST(profile, a_stable_axis_breaks_a_varied_one_does_not) {
    store::profile_counts p;
    p.messages = 12;
    p.axes["mua"] = {{"microsoft outlook 16", 12}};
    p.axes["tz"] = {{"+0900", 6}, {"+0000", 1}, {"-0500", 1}, {"+0100", 1}, {"+0800", 1}, {"+0200", 1}, {"+0300", 1}};
    p.axes["hour"] = {{"09", 4}, {"10", 4}, {"14", 2}, {"18", 2}};
    std::vector<store::profile_value> obs{{"mua", "none", 8}, {"tz", "-0800", 6}, {"hour", "02", 24}};
    auto br = history::compare_profile(p, obs);
    ASSERT_EQ(br.size(), 2u);  // the zone varied too much to say anything
    EXPECT_EQ(br[0].axis, "mua");
    EXPECT_NEAR(br[0].p_new, 1.0 / 13, 1e-9);
    EXPECT_EQ(br[1].axis, "hour");
    EXPECT_EQ(br[1].usual, "09-18h");
    // Within an hour of a usual hour, or a value seen: nothing.
    EXPECT_TRUE(history::compare_profile(p, {{"mua", "microsoft outlook 16", 8}, {"hour", "19", 24}}).empty());
    // Too little history: nothing.
    store::profile_counts thin;
    thin.messages = 2;
    thin.axes["mua"] = {{"microsoft outlook 16", 2}};
    EXPECT_TRUE(history::compare_profile(thin, obs).empty());
}

TEST(profile, learnt_once_per_message_and_never_for_our_own_mail) {
    auto h = store::make_memory_history();
    history::learn_options o{{"ours.example"}};
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(history::learn_message(*h, outlook_mail(i), o));
    ASSERT_TRUE(history::learn_message(*h, outlook_mail(1), o));  // relearnt: nothing changes
    auto p = history::lookup_profile(*h, "tanaka@fuji-kogyo.example");
    ASSERT_TRUE(p.has_value());
    ASSERT_TRUE(p->address);
    EXPECT_EQ(p->address->messages, 3u);
    EXPECT_EQ(p->address->axes.at("mua").at("microsoft outlook 16"), 3u);
    ASSERT_TRUE(p->org);
    EXPECT_EQ(p->org->messages, 3u);
    auto ours = msg_builder{}
                    .id("o1@ours.example")
                    .from("Suzuki", "suzuki@ours.example")
                    .to("T", "tanaka@fuji-kogyo.example")
                    .subj("Re: 見積書の件")
                    .date(1'700'000'000)
                    .text("ok")
                    .take();
    ASSERT_TRUE(history::learn_message(*h, ours, o));
    auto q = history::lookup_profile(*h, "suzuki@ours.example");
    ASSERT_TRUE(q.has_value());
    EXPECT_FALSE(q->address);
}

TEST(profile, a_message_stored_before_profiles_existed_is_counted_when_learnt_again) {
    auto h = store::make_memory_history();
    history::learn_options o{{"ours.example"}};
    auto m = outlook_mail(7);
    // The record alone, as a history written before profiles existed holds it.
    auto lm = history::prepare_learn(*h, m, o);
    ASSERT_TRUE(lm.has_value());
    ASSERT_TRUE(*h->put(*lm));
    auto before = history::lookup_profile(*h, "tanaka@fuji-kogyo.example");
    ASSERT_TRUE(before.has_value());
    EXPECT_FALSE(before->address);
    auto st = history::learn_message(*h, m, o);
    ASSERT_TRUE(st.has_value());
    EXPECT_EQ(st->already_known, 1u);
    auto after = history::lookup_profile(*h, "tanaka@fuji-kogyo.example");
    ASSERT_TRUE(after.has_value() && after->address);
    EXPECT_EQ(after->address->messages, 1u);
    ASSERT_TRUE(history::learn_message(*h, m, o));
    EXPECT_EQ(history::lookup_profile(*h, "tanaka@fuji-kogyo.example")->address->messages, 1u);
}

TEST(profile, lists_and_automated_mail_are_not_profiled) {
    auto m = outlook_mail(1);
    EXPECT_TRUE(history::profilable(m));
    m.headers.push_back({"List-Id", "<dev.lists.example>"});
    EXPECT_FALSE(history::profilable(m));
    auto a = outlook_mail(2);
    a.headers.push_back({"Auto-Submitted", "auto-replied"});
    EXPECT_FALSE(history::profilable(a));
}

TEST(profile, quoted_dates_in_the_usual_quote_headers) {
    const std::int64_t d20240304 = 1'709'510'400;  // 2024-03-04 00:00 UTC
    EXPECT_EQ(history::quoted_date("Monday, March 4, 2024 10:15 AM"), d20240304);
    EXPECT_EQ(history::quoted_date("2024年3月4日 10:15"), d20240304);
    EXPECT_EQ(history::quoted_date("2024年3月4日(月) 10:15 田中 <t@a.example>:"), d20240304);
    EXPECT_EQ(history::quoted_date("On Mon, 4 Mar 2024 at 10:15, Taro wrote:"), d20240304);
    EXPECT_EQ(history::quoted_date("2024/03/04 10:15"), d20240304);
    EXPECT_FALSE(history::quoted_date("yesterday at ten"));
    EXPECT_FALSE(history::quoted_date("2024年13月40日"));
}
