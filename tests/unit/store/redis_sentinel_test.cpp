// SPDX-License-Identifier: Apache-2.0
// redis_sentinel_test.cpp - redis+sentinel:// addresses and the replies that mean "failover"
// (the failover itself, with real sentinels: tests/cli/redis_sentinel.sh)
#include "store/redis_sentinel.hpp"
#include "store/history.hpp"

#include <gtest/gtest.h>

using namespace replyguard;
using namespace replyguard::store;

TEST(redis_sentinel, parses_sentinels_master_password_and_db) {
    auto t = parse_sentinel_url("redis+sentinel://:s3cret@127.0.0.1:26379,localhost:26380,10.0.0.3/mymaster/2");
    ASSERT_TRUE(t) << t.error().message;
    ASSERT_EQ(t->sentinels.size(), 3u);
    EXPECT_EQ(t->sentinels[0].host, "127.0.0.1");
    EXPECT_EQ(t->sentinels[0].port, 26379);
    EXPECT_EQ(t->sentinels[1].host, "localhost");
    EXPECT_EQ(t->sentinels[1].port, 26380);
    EXPECT_EQ(t->sentinels[2].port, 26379);  // the Sentinel default
    EXPECT_EQ(t->master_name, "mymaster");
    EXPECT_EQ(t->password, "s3cret");
    EXPECT_EQ(t->db, 2);

    auto plain = parse_sentinel_url("redis+sentinel://127.0.0.1:5000/m");
    ASSERT_TRUE(plain);
    EXPECT_EQ(plain->db, 0);
    EXPECT_TRUE(plain->password.empty());
}

TEST(redis_sentinel, rejects_what_it_cannot_use) {
    for (const char* bad :
         {"redis://127.0.0.1/0", "redis+sentinel://127.0.0.1:26379", "redis+sentinel://127.0.0.1:26379/",
          "redis+sentinel:///m", "redis+sentinel://h:0/m", "redis+sentinel://h:99999/m", "redis+sentinel://h:x/m",
          "redis+sentinel://user:pw@h:1/m", "redis+sentinel://h:1/m/-1"})
        EXPECT_FALSE(parse_sentinel_url(bad)) << bad;
}

TEST(redis_sentinel, open_history_takes_the_scheme_and_the_query_options) {
    EXPECT_TRUE(is_redis_url("redis+sentinel://127.0.0.1:1/m"));
    EXPECT_TRUE(is_redis_url("redis://127.0.0.1"));
    EXPECT_FALSE(is_redis_url("history.db"));
    // Nothing listens on port 1: the error names the sentinel asked, not an SQLite file.
    auto h = open_history("redis+sentinel://127.0.0.1:1/m?timeout=200", open_mode::read_only);
    ASSERT_FALSE(h);
    EXPECT_EQ(h.error().code, errc::store);
    EXPECT_NE(h.error().message.find("sentinel 127.0.0.1:1"), std::string::npos) << h.error().message;
    auto q = open_history("redis+sentinel://127.0.0.1:1/m?colour=red", open_mode::read_only);
    ASSERT_FALSE(q);
    EXPECT_NE(q.error().message.find("unknown parameter 'colour'"), std::string::npos) << q.error().message;
}

TEST(redis_sentinel, failover_replies) {
    EXPECT_TRUE(is_failover_reply("READONLY You can't write against a read only replica."));
    EXPECT_TRUE(is_failover_reply("LOADING Redis is loading the dataset in memory"));
    EXPECT_TRUE(is_failover_reply("MASTERDOWN Link with MASTER is down"));
    EXPECT_FALSE(is_failover_reply("WRONGTYPE Operation against a key holding the wrong kind of value"));
    EXPECT_FALSE(is_failover_reply("ERR unknown command"));
}
