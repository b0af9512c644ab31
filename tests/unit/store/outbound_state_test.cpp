// SPDX-License-Identifier: Apache-2.0
// outbound_state_test.cpp - the same per-account submission state from every backend
// (memory, SQLite, Redis), two handles on one SQLite file or one Redis counting together,
// and the Redis key design (hash tags, TTLs).
#include "store/outbound_state.hpp"
#include "redis_server.hpp"
#include "store/history.hpp"

#include <gtest/gtest.h>
#include <hiredis/hiredis.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <functional>

using namespace replyguard;
using namespace replyguard::store;

namespace {

std::string temp_db(const std::string& tag) {
    auto dir = std::filesystem::temp_directory_path() / ("rg-outbound-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    auto p = dir / (tag + ".sqlite");
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(p.string() + suffix);
    return p.string();
}

struct backend {
    const char* name;
    /// Open a handle; a second call with the same tag (and no reset) reaches the same state when shared.
    std::function<std::unique_ptr<outbound_state>(const std::string& tag, bool reset)> open;
    bool shared = true;  ///< two handles see one state
    std::function<std::string()> unavailable = [] { return std::string(); };
};

// gtest prints a parameter by its bytes unless told otherwise.
void PrintTo(const backend& b, std::ostream* os) { *os << b.name; }

class outbound_store_backends : public ::testing::TestWithParam<backend> {
protected:
    void SetUp() override {
        if (std::string why = GetParam().unavailable(); !why.empty()) GTEST_SKIP() << why;
    }
    std::unique_ptr<outbound_state> open(const std::string& tag = "t", bool reset = true) {
        return GetParam().open(tag, reset);
    }
};

outbound_seen rec(outbound_state& s, std::string_view acct, std::string_view ip, bool suspicious, std::int64_t now,
                  std::int64_t window = 600) {
    auto r = s.record({.account = acct, .client_ip = ip, .suspicious = suspicious, .now = now, .window = window});
    EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message);
    return r ? *r : outbound_seen{};
}

}  // namespace

TEST_P(outbound_store_backends, suspicious_sends_are_counted_within_the_window) {
    auto s = open();
    ASSERT_TRUE(s);
    EXPECT_EQ(rec(*s, "sato", "192.0.2.10", true, 1000).in_window, 1u);
    EXPECT_EQ(rec(*s, "sato", "192.0.2.10", false, 1100).in_window, 1u);  // ordinary mail does not count
    EXPECT_EQ(rec(*s, "sato", "192.0.2.10", true, 1100).in_window, 2u);
    EXPECT_EQ(rec(*s, "sato", "192.0.2.10", true, 1100).in_window, 3u);    // same second, still distinct sends
    EXPECT_EQ(rec(*s, "suzuki", "192.0.2.10", true, 1100).in_window, 1u);  // another account is separate
    // 1000 leaves the window at 1600 (times t with t <= now - window are gone).
    EXPECT_EQ(rec(*s, "sato", "192.0.2.10", false, 1599).in_window, 3u);
    EXPECT_EQ(rec(*s, "sato", "192.0.2.10", false, 1600).in_window, 2u);
    EXPECT_EQ(rec(*s, "sato", "192.0.2.10", false, 1700).in_window, 0u);
}

TEST_P(outbound_store_backends, a_new_client_address_is_noticed_once_the_account_has_one) {
    auto s = open();
    ASSERT_TRUE(s);
    EXPECT_FALSE(rec(*s, "b", "192.0.2.1", false, 1).new_ip);  // the first address is not "new"
    EXPECT_FALSE(rec(*s, "b", "192.0.2.1", false, 2).new_ip);
    EXPECT_TRUE(rec(*s, "b", "203.0.113.7", false, 3).new_ip);
    EXPECT_FALSE(rec(*s, "b", "203.0.113.7", false, 4).new_ip);  // remembered now
    EXPECT_FALSE(rec(*s, "b", "", false, 5).new_ip);             // no address: nothing to compare
    EXPECT_FALSE(rec(*s, "c", "203.0.113.7", false, 6).new_ip);  // per account
}

TEST_P(outbound_store_backends, an_address_unused_for_ip_ttl_is_forgotten) {
    auto s = open();
    ASSERT_TRUE(s);
    auto at = [&](std::string_view ip, std::int64_t now) {
        auto r = s->record({.account = "d", .client_ip = ip, .now = now, .window = 60, .ip_ttl = 100});
        EXPECT_TRUE(r.has_value());
        return r ? r->new_ip : false;
    };
    EXPECT_FALSE(at("192.0.2.1", 1000));
    EXPECT_TRUE(at("192.0.2.2", 1050));
    EXPECT_FALSE(at("192.0.2.1", 1090));  // still known (seen at 1000), refreshed
    EXPECT_FALSE(at("192.0.2.1", 1180));  // 192.0.2.2 (1050) is gone now, .1 (1090) is not
    EXPECT_TRUE(at("192.0.2.2", 1185));
}

TEST_P(outbound_store_backends, the_address_list_is_bounded) {
    auto s = open();
    ASSERT_TRUE(s);
    for (std::size_t i = 0; i < k_outbound_ips; ++i) rec(*s, "e", "10.0.0." + std::to_string(i), false, 10);
    EXPECT_TRUE(rec(*s, "e", "10.1.0.1", false, 11).new_ip);
    EXPECT_TRUE(rec(*s, "e", "10.1.0.1", false, 12).new_ip);  // not added: the list is full
    EXPECT_FALSE(rec(*s, "e", "10.0.0.3", false, 13).new_ip);
}

TEST_P(outbound_store_backends, two_handles_count_one_account_together) {
    auto a = open("shared", true);
    auto b = open("shared", false);
    ASSERT_TRUE(a && b);
    if (!GetParam().shared) {
        // One process's memory: a second handle starts from nothing (the milter
        // logs "outbound state in memory (this process)").
        EXPECT_FALSE(rec(*a, "sato", "192.0.2.10", true, 1000).new_ip);
        auto other = rec(*b, "sato", "203.0.113.9", true, 1001);
        EXPECT_FALSE(other.new_ip);  // b never saw a's address
        EXPECT_EQ(other.in_window, 1u);
        return;
    }
    EXPECT_FALSE(rec(*a, "sato", "192.0.2.10", true, 1000).new_ip);
    EXPECT_EQ(rec(*b, "sato", "192.0.2.10", true, 1001).in_window, 2u);
    EXPECT_EQ(rec(*a, "sato", "192.0.2.10", true, 1002).in_window, 3u);
    EXPECT_TRUE(rec(*b, "sato", "203.0.113.9", false, 1003).new_ip);  // b knows a's address
}

TEST_P(outbound_store_backends, an_empty_account_is_an_error) {
    auto s = open();
    ASSERT_TRUE(s);
    EXPECT_FALSE(s->record({.account = "", .client_ip = "192.0.2.1", .now = 1}).has_value());
}

INSTANTIATE_TEST_SUITE_P(
    all, outbound_store_backends,
    ::testing::Values(backend{"memory", [](const std::string&, bool) { return make_memory_outbound_state(); }, false},
                      backend{"sqlite",
                              [](const std::string& tag, bool reset) -> std::unique_ptr<outbound_state> {
                                  std::string p =
                                      reset ? temp_db(tag)
                                            : (std::filesystem::temp_directory_path() /
                                               ("rg-outbound-" + std::to_string(::getpid())) / (tag + ".sqlite"))
                                                  .string();
                                  auto s = open_outbound_state(p);
                                  EXPECT_TRUE(s.has_value()) << (s ? "" : s.error().message);
                                  return s ? std::move(*s) : nullptr;
                              }},
                      backend{"redis",
                              [](const std::string&, bool reset) -> std::unique_ptr<outbound_state> {
                                  auto& srv = test::redis_server::instance();
                                  if (reset) {
                                      EXPECT_TRUE(srv.flush());
                                  }
                                  auto s = open_outbound_state(srv.url());
                                  EXPECT_TRUE(s.has_value()) << (s ? "" : s.error().message);
                                  return s ? std::move(*s) : nullptr;
                              },
                              true, [] { return test::redis_server::instance().unavailable(); }}),
    [](const auto& info) { return std::string(info.param.name); });

// ---- SQLite specifics -----------------------------------------------------

TEST(sqlite_outbound_store, lives_in_the_history_file_and_a_reader_of_the_old_schema_still_opens_it) {
    std::string p = temp_db("schema");
    {
        auto h = open_history(p, open_mode::read_write);
        ASSERT_TRUE(h.has_value()) << h.error().message;
        auto s = open_sqlite_outbound_state(p);
        ASSERT_TRUE(s.has_value()) << s.error().message;
        ASSERT_TRUE((*s)->record({.account = "sato", .client_ip = "192.0.2.1", .suspicious = true, .now = 5}));
        EXPECT_EQ((*h)->stats()->messages, 0u);  // the history itself is untouched
    }
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(p.c_str(), &db), SQLITE_OK);
    auto one = [&](const char* sql) {
        sqlite3_stmt* st = nullptr;
        EXPECT_EQ(sqlite3_prepare_v2(db, sql, -1, &st, nullptr), SQLITE_OK) << sql;
        std::int64_t v = -1;
        if (st && sqlite3_step(st) == SQLITE_ROW) v = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        return v;
    };
    EXPECT_EQ(one("SELECT count(*) FROM outbound_sends WHERE account='sato'"), 1);
    EXPECT_EQ(one("SELECT count(*) FROM outbound_ips WHERE account='sato' AND ip='192.0.2.1'"), 1);
    EXPECT_EQ(one("SELECT version FROM schema_version"), sqlite_schema_version());
    // A file of schema 1 (before the outbound tables): scan (read-only) still reads it.
    ASSERT_EQ(sqlite3_exec(db, "UPDATE schema_version SET version=1", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
    auto ro = open_history(p, open_mode::read_only);
    EXPECT_TRUE(ro.has_value()) << ro.error().message;
}

// ---- Redis specifics ------------------------------------------------------

namespace {

class redis_outbound_store_test : public ::testing::Test {
protected:
    void SetUp() override {
        auto& s = test::redis_server::instance();
        if (!s.unavailable().empty()) GTEST_SKIP() << s.unavailable();
        ASSERT_TRUE(s.flush());
    }
    long long ttl(const std::string& key) { return test::redis_server::instance().ttl(key); }
    std::vector<std::string> keys() { return test::redis_server::instance().keys(); }
};

}  // namespace

TEST_F(redis_outbound_store_test, two_keys_per_account_under_one_hash_tag_with_ttls) {
    auto s = open_outbound_state(test::redis_server::instance().url());
    ASSERT_TRUE(s.has_value()) << s.error().message;
    ASSERT_TRUE((*s)->record(
        {.account = "sato", .client_ip = "192.0.2.1", .suspicious = true, .now = 100, .window = 600, .ip_ttl = 86400}));
    ASSERT_TRUE((*s)->record({.account = "we{ird}", .client_ip = "192.0.2.1", .now = 100}));
    auto ks = keys();
    ASSERT_EQ(ks.size(), 3u);  // the odd account has addresses but no suspicious sends
    EXPECT_TRUE(ks[0].starts_with("rg:{acct:h:") && ks[0].ends_with("}:ips")) << ks[0];  // braces hashed away
    EXPECT_EQ(ks[1], "rg:{acct:sato}:ips");
    EXPECT_EQ(ks[2], "rg:{acct:sato}:sends");
    EXPECT_GT(ttl("rg:{acct:sato}:sends"), 590);
    EXPECT_LE(ttl("rg:{acct:sato}:sends"), 600);
    EXPECT_GT(ttl("rg:{acct:sato}:ips"), 86000);
}

TEST_F(redis_outbound_store_test, an_outage_is_an_error_and_the_next_call_reconnects) {
    auto& srv = test::redis_server::instance();
    auto s = open_outbound_state(srv.url());
    ASSERT_TRUE(s.has_value()) << s.error().message;
    ASSERT_TRUE((*s)->record({.account = "a", .client_ip = "192.0.2.1", .now = 1}));
    srv.stop();
    auto r = (*s)->record({.account = "a", .client_ip = "192.0.2.1", .suspicious = true, .now = 2});
    EXPECT_FALSE(r.has_value());
    ASSERT_TRUE(srv.start());
    auto again = (*s)->record({.account = "a", .client_ip = "192.0.2.1", .suspicious = true, .now = 3});
    ASSERT_TRUE(again.has_value()) << again.error().message;
    EXPECT_EQ(again->in_window, 1u);  // the restarted server (no persistence) starts empty
}

TEST(redis_outbound_store_url, unreachable_server_is_an_error) {
    EXPECT_FALSE(open_outbound_state("redis://127.0.0.1:1/0?timeout=200").has_value());
    EXPECT_FALSE(open_outbound_state("redis://127.0.0.1:1/0?bogus=1").has_value());
}
