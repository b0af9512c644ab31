// SPDX-License-Identifier: Apache-2.0
// redis_history_test.cpp - what only the Redis backend does: URLs, TTLs, reconnecting, key design
#include "redis_server.hpp"
#include "store/history.hpp"

#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

#include <chrono>
#include <thread>

using namespace replyguard;
using namespace replyguard::store;

namespace {

learnt_message one(const std::string& key, const std::string& from) {
    learnt_message m;
    m.rec.key = m.rec.message_id = key;
    m.rec.thread_id = "T-" + key;
    m.rec.date = 1000;
    m.rec.from_address = from;
    m.rec.recipients = {"me@ours.example"};
    m.rec.subject_key = "s";
    m.participants = {{from, "From"}, {"me@ours.example", ""}};
    m.wrote_to = {"me@ours.example"};
    m.domains = {"partner.example", "ours.example"};
    m.fingerprints = {42};
    return m;
}

class redis_history_test : public ::testing::Test {
protected:
    void SetUp() override {
        auto& s = test::redis_server::instance();
        if (!s.unavailable().empty()) GTEST_SKIP() << s.unavailable();
        ASSERT_TRUE(s.flush());
    }
};

}  // namespace

TEST_F(redis_history_test, every_key_has_its_own_hash_tag) {
    auto& s = test::redis_server::instance();
    auto h = open_history(s.url(), open_mode::read_write);
    ASSERT_TRUE(h.has_value()) << h.error().message;
    ASSERT_TRUE(*(*h)->put(one("a@x", "taro@partner.example")));
    ASSERT_TRUE((*h)->add_org_domain("ours.example"));
    auto ks = s.keys();
    ASSERT_GT(ks.size(), 8u);
    for (const auto& k : ks) {
        EXPECT_TRUE(k.starts_with("rg:{")) << k;
        auto close = k.find('}');
        EXPECT_NE(close, std::string::npos) << k;
        EXPECT_GT(close, 4u) << k;  // a non-empty tag
    }
    EXPECT_NE(std::find(ks.begin(), ks.end(), "rg:{msg:a@x}"), ks.end());
    EXPECT_NE(std::find(ks.begin(), ks.end(), "rg:{addr:taro@partner.example}:wrote_to"), ks.end());
    EXPECT_NE(std::find(ks.begin(), ks.end(), "rg:{org}:domains"), ks.end());
}

TEST_F(redis_history_test, ttl_ages_messages_but_not_correspondents) {
    auto& s = test::redis_server::instance();
    auto h = open_history(s.url() + "?ttl=1", open_mode::read_write);
    ASSERT_TRUE(h.has_value()) << h.error().message;
    ASSERT_TRUE(*(*h)->put(one("a@x", "taro@partner.example")));
    EXPECT_TRUE((*h)->find_message("a@x")->has_value());
    std::this_thread::sleep_for(std::chrono::milliseconds(2200));
    EXPECT_FALSE((*h)->find_message("a@x")->has_value());
    EXPECT_FALSE((*h)->find_thread("T-a@x")->has_value());
    EXPECT_TRUE((*h)->match_fingerprints(std::vector<std::uint64_t>{42})->empty());
    EXPECT_TRUE((*h)->find_correspondent("taro@partner.example")->has_value());
    EXPECT_TRUE(*(*h)->is_known_domain("partner.example"));
}

TEST_F(redis_history_test, reconnects_after_the_server_goes_away) {
    auto& s = test::redis_server::instance();
    auto h = open_history(s.url(), open_mode::read_write);
    ASSERT_TRUE(h.has_value());
    ASSERT_TRUE(*(*h)->put(one("a@x", "taro@partner.example")));
    s.stop();
    auto down = (*h)->find_message("a@x");
    ASSERT_FALSE(down.has_value());  // an outage is an error, never "not found"
    EXPECT_EQ(down.error().code, errc::store);
    ASSERT_TRUE(s.start());
    // The server came back empty (no persistence); the same object works again.
    auto again = (*h)->find_message("a@x");
    ASSERT_TRUE(again.has_value()) << again.error().message;
    EXPECT_FALSE(again->has_value());
    EXPECT_TRUE(*(*h)->put(one("b@x", "jiro@partner.example")));
    EXPECT_TRUE((*h)->find_message("b@x")->has_value());
}

// While the server stays away, calls fail at once (a back-off, not a connect
// timeout each), and the same object picks the server up again afterwards.
TEST_F(redis_history_test, reconnects_with_backoff_while_the_server_is_away) {
    auto& s = test::redis_server::instance();
    auto h = open_history(s.url(), open_mode::read_only);
    ASSERT_TRUE(h.has_value());
    s.stop();
    EXPECT_FALSE((*h)->stats().has_value());  // the broken connection
    auto first = (*h)->stats();               // a reconnection attempt, refused
    ASSERT_FALSE(first.has_value());
    auto waiting = (*h)->stats();  // within the back-off: no attempt
    ASSERT_FALSE(waiting.has_value());
    EXPECT_NE(waiting.error().message.find("reconnecting in"), std::string::npos) << waiting.error().message;
    store::read_batch b;
    b.stats = true;
    EXPECT_FALSE((*h)->read(b).has_value());  // the pipelined read fails the same way
    ASSERT_TRUE(s.start());
    std::this_thread::sleep_for(std::chrono::milliseconds(700));  // past the 0.1-0.4 s back-off
    auto back = (*h)->read(b);
    EXPECT_TRUE(back.has_value()) << back.error().message;
}

TEST_F(redis_history_test, read_only_refuses_writes) {
    auto h = open_history(test::redis_server::instance().url(), open_mode::read_only);
    ASSERT_TRUE(h.has_value());
    EXPECT_FALSE((*h)->put(one("a@x", "t@p.example")).has_value());
}

TEST(redis_history_url, bad_urls_and_unreachable_servers_are_errors) {
    EXPECT_FALSE(open_history("redis://127.0.0.1:6379/0?bogus=1", open_mode::read_only).has_value());
    EXPECT_FALSE(open_history("redis://127.0.0.1:99999/0", open_mode::read_only).has_value());
    // Port 1 on loopback: nothing listens there.
    auto h = open_history("redis://127.0.0.1:1/0?timeout=200", open_mode::read_only);
    ASSERT_FALSE(h.has_value());
    EXPECT_EQ(h.error().code, errc::store);
}
