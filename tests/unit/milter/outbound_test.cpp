// SPDX-License-Identifier: Apache-2.0
// Tests of milter/outbound.hpp: an authenticated account suddenly sending hijack-like mail.
#include "milter/outbound.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>

using namespace replyguard::milter;

namespace {

/// A tracker configuration that flags the `max`-th reply-like send with a payload.
outbound_config flag_at(unsigned max) {
    outbound_config c;
    c.max_unknown_replies = max;
    return c;
}

/// sato's stolen account: a reply-like send with a payload to `unknown` people it never wrote to.
outbound_event sato_send(std::int64_t now, std::size_t unknown = 2) {
    return {.account = "sato",
            .client_ip = "192.0.2.10",
            .reply_like = true,
            .payload = true,
            .unknown_recipients = unknown,
            .now = now};
}

/// An event of `account` from 192.0.2.1 (a reply-like send with a payload unless said).
outbound_event send_of(const char* account, std::int64_t now, std::size_t unknown, bool reply_like = true) {
    return {.account = account,
            .client_ip = "192.0.2.1",
            .reply_like = reply_like,
            .payload = true,
            .unknown_recipients = unknown,
            .now = now};
}

}  // namespace

TEST(Outbound, ManyReplyPayloadsToUnknownRecipientsFlagged) {
    outbound_config c = flag_at(3);
    c.window = 600;
    outbound_tracker t(c);
    outbound_event e = sato_send(1000);
    EXPECT_FALSE(t.observe(e));
    e.now = 1100;
    EXPECT_FALSE(t.observe(e));
    e.now = 1200;
    auto f = t.observe(e);
    ASSERT_TRUE(f);
    EXPECT_EQ(f->id, "OUTBOUND_ACCOUNT_ABUSE");
    EXPECT_NE(f->detail.find("sato"), std::string::npos);
    // Outside the window the old ones no longer count.
    e.now = 5000;
    EXPECT_FALSE(t.observe(e));
}

TEST(Outbound, OrdinaryMailNeverCounts) {
    outbound_tracker t(flag_at(2));
    for (int i = 0; i < 10; ++i) {
        // Replies to people it wrote to before, and new mail with attachments: normal work.
        EXPECT_FALSE(t.observe(send_of("a", 100 + i, 0)));
        EXPECT_FALSE(t.observe(send_of("a", 100 + i, 3, false)));
    }
}

TEST(Outbound, NewClientAddressWithReplyPayload) {
    outbound_tracker t(outbound_config{});
    EXPECT_FALSE(t.observe({.account = "b", .client_ip = "192.0.2.1", .reply_like = false, .now = 1}));
    EXPECT_FALSE(t.observe({.account = "b", .client_ip = "192.0.2.1", .reply_like = true, .payload = true, .now = 2}));
    auto f = t.observe({.account = "b", .client_ip = "203.0.113.7", .reply_like = true, .payload = true, .now = 3});
    ASSERT_TRUE(f);
    EXPECT_NE(f->detail.find("203.0.113.7"), std::string::npos);
    // Another account is unaffected; unauthenticated mail is ignored.
    EXPECT_FALSE(
        t.observe({.account = "c", .client_ip = "203.0.113.7", .reply_like = true, .payload = true, .now = 4}));
    EXPECT_FALSE(t.observe({.account = "",
                            .client_ip = "198.51.100.1",
                            .reply_like = true,
                            .payload = true,
                            .unknown_recipients = 9,
                            .now = 5}));
}

TEST(Outbound, DisabledNeverFlags) {
    outbound_config c = flag_at(1);
    c.enabled = false;
    outbound_tracker t(c);
    EXPECT_FALSE(t.observe(send_of("a", 1, 5)));
}

namespace {
// A store that is down: what the milter meets during a Redis outage.
struct failing_state final : replyguard::store::outbound_state {
    replyguard::result<replyguard::store::outbound_seen> record(
        const replyguard::store::outbound_submission&) override {
        return replyguard::fail(replyguard::errc::store, "redis 127.0.0.1:1: connection refused");
    }
};
}  // namespace

TEST(outbound_store_tracker, StoreFailureIsReportedByCheck) {
    outbound_tracker t(flag_at(1), std::make_unique<failing_state>());
    outbound_event e = sato_send(1000);
    auto r = t.check(e);
    ASSERT_FALSE(r.has_value());
    EXPECT_NE(r.error().message.find("connection refused"), std::string::npos);
    EXPECT_FALSE(t.observe(e));  // the compatibility call cannot tell; the milter uses check()
    // Unauthenticated mail never reaches the store.
    e.account.clear();
    EXPECT_TRUE(t.check(e).has_value());
}

TEST(outbound_store_tracker, TwoTrackersOnOneSharedStateCountTogether) {
    // Two milter processes on one Redis: here two trackers over one SQLite file.
    auto path = std::filesystem::temp_directory_path() / ("rg-outbound-trackers-" + std::to_string(::getpid()) + ".db");
    std::filesystem::remove(path);
    const outbound_config c = flag_at(3);
    auto s1 = replyguard::store::open_outbound_state(path.string());
    auto s2 = replyguard::store::open_outbound_state(path.string());
    ASSERT_TRUE(s1 && s2);
    outbound_tracker t1(c, std::move(*s1)), t2(c, std::move(*s2));
    outbound_event e = sato_send(1000, 1);
    auto r0 = t1.check(e);
    ASSERT_TRUE(r0.has_value()) << r0.error().message;
    EXPECT_FALSE(*r0);
    e.now = 1001;
    auto r1 = t1.check(e);
    ASSERT_TRUE(r1.has_value()) << r1.error().message;
    EXPECT_FALSE(*r1);
    e.now = 1002;
    auto f = t2.check(e);
    ASSERT_TRUE(f.has_value()) << f.error().message;
    ASSERT_TRUE(*f);
    EXPECT_NE((*f)->detail.find("3 reply-like messages"), std::string::npos) << (*f)->detail;
    // A separate memory tracker would not have flagged the third.
    outbound_tracker alone(c);
    EXPECT_FALSE(alone.observe(e));
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path.string() + suffix);
}
