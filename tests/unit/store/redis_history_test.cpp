// SPDX-License-Identifier: Apache-2.0
// redis_history_test.cpp - what only the Redis backend does: URLs, TTLs, reconnecting, key design,
// the compact layout (fingerprint buckets, the layout key), pipelined batches, prune()
#include "redis_server.hpp"
#include "store/history.hpp"
#include "store/outbound_state.hpp"

#include <gtest/gtest.h>
#include <hiredis/hiredis.h>
#include <sys/wait.h>
#include <unistd.h>

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

/// One command on a connection of our own (not the backend's), for looking at the raw keys.
struct raw_redis {
    redisContext* c;
    explicit raw_redis(int port, int db = 0) : c(redisConnect("127.0.0.1", port)) {
        if (db != 0) freeReplyObject(redisCommand(c, "SELECT %d", db));
    }
    ~raw_redis() { redisFree(c); }
    raw_redis(const raw_redis&) = delete;
    raw_redis& operator=(const raw_redis&) = delete;
    /// A string or status reply as text, an integer as its decimal, an array as its element count.
    std::string cmd(const std::vector<std::string>& args) {
        std::vector<const char*> argv;
        std::vector<std::size_t> lens;
        for (const auto& a : args) {
            argv.push_back(a.data());
            lens.push_back(a.size());
        }
        auto* r =
            static_cast<redisReply*>(redisCommandArgv(c, static_cast<int>(argv.size()), argv.data(), lens.data()));
        std::string out;
        if (!r) return "(no reply)";
        if (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS || r->type == REDIS_REPLY_ERROR)
            out.assign(r->str, r->len);
        else if (r->type == REDIS_REPLY_INTEGER)
            out = std::to_string(r->integer);
        else if (r->type == REDIS_REPLY_ARRAY)
            out = std::to_string(r->elements);
        else if (r->type == REDIS_REPLY_NIL)
            out = "(nil)";
        freeReplyObject(r);
        return out;
    }
};

learnt_message dated(const std::string& key, const std::string& thread, const std::string& from, std::int64_t date,
                     std::vector<std::uint64_t> fps) {
    learnt_message m;
    m.rec.key = m.rec.message_id = key;
    m.rec.thread_id = thread;
    m.rec.date = date;
    m.rec.from_address = from;
    m.rec.from_name = "Name of " + from;
    m.rec.recipients = {"me@ours.example"};
    m.rec.subject = "Re: " + thread;
    m.rec.subject_key = "subject of " + thread;
    m.thread_subject = thread;
    m.participants = {{from, "Name of " + from}, {"me@ours.example", ""}};
    m.names = {{"nameof" + from, from}};
    m.wrote_to = {"me@ours.example"};
    m.domains = {from.substr(from.find('@') + 1), "ours.example"};
    m.fingerprints = std::move(fps);
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
    // The next call falls within the back-off (0.1 s after one failed attempt, doubling
    // to 5 s): it fails at once, naming it. A machine that stalls longer than the
    // back-off between two calls sees another refused attempt first, which doubles it:
    // what is asserted is that some call waits, not how soon.
    bool waited = false;
    for (int i = 0; i < 8 && !waited; ++i) {
        auto waiting = (*h)->stats();
        ASSERT_FALSE(waiting.has_value());
        waited = waiting.error().message.find("reconnecting in") != std::string::npos;
    }
    EXPECT_TRUE(waited) << "no call fell within the back-off";
    store::read_batch b;
    b.stats = true;
    EXPECT_FALSE((*h)->read(b).has_value());  // the pipelined read fails the same way
    ASSERT_TRUE(s.start());
    // Once the back-off has passed (at most 5 s), the same object reads again.
    result<read_answers> back = std::unexpected(error{errc::store, "not tried"});
    for (int i = 0; i < 120 && !back; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        back = (*h)->read(b);
    }
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

// ---- layout 2: the compact history (issue 13) ------------------------------

TEST_F(redis_history_test, a_new_database_gets_the_layout_key_and_fingerprint_buckets) {
    auto& s = test::redis_server::instance();
    auto h = open_history(s.url() + "?fpbits=12", open_mode::read_write);
    ASSERT_TRUE(h.has_value()) << h.error().message;
    const std::uint64_t fp = 0xabc0000000000042ULL;
    ASSERT_TRUE(*(*h)->put(dated("a@x", "T1", "taro@partner.example", 1000, {fp, 7})));
    raw_redis r(s.port());
    EXPECT_EQ(r.cmd({"HGET", "rg:{meta}", "layout"}), "2");
    EXPECT_EQ(r.cmd({"HGET", "rg:{meta}", "fpbits"}), "12");
    // Layout 1's one set per fingerprint is gone: two fingerprints, two fields of bucket hashes
    // named by 12 bits (at most 3 hex digits), listpack-encoded.
    std::size_t fields = 0;
    for (const auto& k : s.keys()) {
        EXPECT_FALSE(k.starts_with("rg:{fp:")) << k;
        if (!k.starts_with("rg:{fpb:")) continue;
        EXPECT_LE(k.size(), std::string("rg:{fpb:abc}").size()) << k;
        EXPECT_EQ(r.cmd({"OBJECT", "ENCODING", k}), "listpack") << k;
        fields += std::stoul(r.cmd({"HLEN", k}));
    }
    EXPECT_EQ(fields, 2u);
    // The message hash names its integer id; the id bucket maps it back to the key.
    std::string id = r.cmd({"HGET", "rg:{msg:a@x}", "i"});
    ASSERT_NE(id, "(nil)");
    EXPECT_EQ(r.cmd({"HGET", "rg:{mid:0}", id}), "a@x");
    // fpbits is read from the URL only for a new database: the stored value wins afterwards.
    auto again = open_history(s.url() + "?fpbits=20", open_mode::read_write);
    ASSERT_TRUE(again.has_value()) << again.error().message;
    auto hits = (*again)->match_fingerprints(std::vector<std::uint64_t>{fp}, 3);
    ASSERT_TRUE(hits.has_value()) << hits.error().message;
    ASSERT_EQ(hits->size(), 1u);
    EXPECT_EQ((*hits)[0].message_key, "a@x");
    EXPECT_EQ((*hits)[0].stored, 2u);
    EXPECT_EQ(r.cmd({"HGET", "rg:{meta}", "fpbits"}), "12");
}

TEST_F(redis_history_test, a_layout_1_database_is_refused_with_what_to_do) {
    auto& s = test::redis_server::instance();
    {  // What the build before the compact layout wrote for one message (in part).
        raw_redis r(s.port());
        r.cmd({"HSET", "rg:{stats}", "messages", "1", "threads", "1", "correspondents", "2"});
        r.cmd({"SADD", "rg:{fp:000000000000002a}", "a@x"});
        r.cmd({"HSET", "rg:{msg:a@x}", "message_id", "a@x", "thread", "T1", "fps", "1"});
    }
    for (auto mode : {open_mode::read_only, open_mode::read_write}) {
        auto h = open_history(s.url(), mode);
        ASSERT_FALSE(h.has_value());
        EXPECT_EQ(h.error().code, errc::store);
        EXPECT_NE(h.error().message.find("layout 1"), std::string::npos) << h.error().message;
        EXPECT_NE(h.error().message.find("FLUSHDB"), std::string::npos) << h.error().message;
        EXPECT_NE(h.error().message.find("learn"), std::string::npos) << h.error().message;
    }
    EXPECT_EQ(raw_redis(s.port()).cmd({"EXISTS", "rg:{meta}"}), "0");  // nothing written to it
    // The milter's outbound state does not depend on the history's layout.
    EXPECT_TRUE(open_redis_outbound_state(s.url()).has_value());
    // An empty database (another number) is a new history.
    auto other = open_history(s.url(3), open_mode::read_write);
    ASSERT_TRUE(other.has_value()) << other.error().message;
    EXPECT_TRUE(*(*other)->put(dated("a@x", "T1", "taro@partner.example", 1000, {42})));
}

TEST_F(redis_history_test, a_newer_layout_is_refused) {
    auto& s = test::redis_server::instance();
    raw_redis(s.port()).cmd({"HSET", "rg:{meta}", "layout", "3", "fpbits", "16"});
    auto h = open_history(s.url(), open_mode::read_only);
    ASSERT_FALSE(h.has_value());
    EXPECT_NE(h.error().message.find("layout '3'"), std::string::npos) << h.error().message;
}

// A fingerprint keeps at most 16 message ids (<= 64 bytes: the bucket stays a listpack);
// the 17th makes it boilerplate. max_df up to 15 is answered exactly.
TEST_F(redis_history_test, boilerplate_fingerprints_stay_small_and_match_nothing) {
    auto& s = test::redis_server::instance();
    auto h = open_history(s.url(), open_mode::read_write);
    ASSERT_TRUE(h.has_value()) << h.error().message;
    ASSERT_TRUE((*h)->begin_batch());
    for (int i = 0; i < 40; ++i) {
        std::vector<std::uint64_t> fps{5};  // in every message: boilerplate
        if (i < 15) fps.push_back(6);       // in 15
        if (i < 2) fps.push_back(8);        // in 2: rare
        fps.push_back(1000 + i);            // in one
        ASSERT_TRUE(
            *(*h)->put(dated("m" + std::to_string(i) + "@x", "T" + std::to_string(i), "a@p.example", 1000 + i, fps)));
    }
    ASSERT_TRUE((*h)->commit_batch());
    raw_redis r(s.port());
    for (const auto& k : s.keys()) {  // the boilerplate one too: its value stays <= 64 bytes
        if (k.starts_with("rg:{fpb:")) {
            EXPECT_EQ(r.cmd({"OBJECT", "ENCODING", k}), "listpack") << k;
        }
    }
    EXPECT_TRUE((*h)->match_fingerprints(std::vector<std::uint64_t>{5}, 15)->empty());
    auto fifteen = (*h)->match_fingerprints(std::vector<std::uint64_t>{6}, 15);
    ASSERT_TRUE(fifteen.has_value());
    EXPECT_EQ(fifteen->size(), 15u);
    EXPECT_TRUE((*h)->match_fingerprints(std::vector<std::uint64_t>{6}, 3)->empty());
    auto best = (*h)->match_fingerprints(std::vector<std::uint64_t>{5, 8, 1001}, 3);
    ASSERT_TRUE(best.has_value());
    ASSERT_EQ(best->size(), 2u);
    EXPECT_EQ((*best)[0].message_key, "m1@x");  // two matched (8 and 1001), first
    EXPECT_EQ((*best)[0].matched, 2u);
    EXPECT_EQ((*best)[0].stored, 4u);
    EXPECT_EQ((*best)[1].message_key, "m0@x");
}

// Inside a batch the writes wait for commit_batch() (one pipeline for many messages);
// reads of what the batch wrote see it.
TEST_F(redis_history_test, a_batch_sends_its_writes_together_and_reads_its_own_writes) {
    auto& s = test::redis_server::instance();
    auto h = open_history(s.url(), open_mode::read_write);
    ASSERT_TRUE(h.has_value()) << h.error().message;
    raw_redis r(s.port());
    auto processed = [&] {
        std::string info = r.cmd({"INFO", "stats"});
        auto p = info.find("total_commands_processed:");
        return std::stoll(info.substr(p + 25));
    };
    ASSERT_TRUE((*h)->begin_batch());
    for (int i = 0; i < 30; ++i)
        ASSERT_TRUE(*(*h)->put(dated("m" + std::to_string(i) + "@x", "T" + std::to_string(i), "a@p.example", 1000 + i,
                                     {std::uint64_t(i) + 1})));
    EXPECT_EQ(r.cmd({"EXISTS", "rg:{msg:m0@x}"}), "0");  // not sent yet
    EXPECT_EQ((*h)->batch_bytes(), 0u);                  // nothing journalled yet
    auto queued = (*h)->find_message("m3@x");            // answered from the queue
    ASSERT_TRUE(queued && *queued);
    EXPECT_EQ((*queued)->thread_id, "T3");
    EXPECT_FALSE(*(*h)->put(dated("m3@x", "T3", "a@p.example", 1003, {})));  // queued: already stored
    const auto before = processed();
    auto t = (*h)->find_thread("T29");  // a key the queue writes: sent first
    ASSERT_TRUE(t && *t);
    EXPECT_EQ((*t)->messages, 1u);
    EXPECT_EQ(r.cmd({"EXISTS", "rg:{msg:m0@x}"}), "1");
    // 30 messages' writes (and their journal) went in one flush, not one per command with a reply each.
    EXPECT_GT(processed() - before, 30 * 10);
    // The journal (each key's value before the batch, for a rollback) is what the batch
    // holds in memory now: learn_session commits early past its bound.
    EXPECT_GT((*h)->batch_bytes(), 30u * 128);
    ASSERT_TRUE((*h)->commit_batch());
    EXPECT_EQ((*h)->batch_bytes(), 0u);
    EXPECT_EQ((*h)->stats()->messages, 30u);
    EXPECT_EQ((*h)->stats()->threads, 30u);
    EXPECT_EQ((*h)->stats()->correspondents, 2u);
}

// A learner killed mid-batch (after part of the batch reached Redis) leaves whole
// messages or none; importing the same mail again converges on what one import gives.
TEST_F(redis_history_test, a_killed_import_retried_converges) {
    auto& s = test::redis_server::instance();
    std::vector<learnt_message> mail;
    for (int i = 0; i < 20; ++i)
        mail.push_back(dated("m" + std::to_string(i) + "@x", "T" + std::to_string(i % 4),
                             "p" + std::to_string(i % 3) + "@p.example", 1000 + i,
                             {std::uint64_t(i) + 1, std::uint64_t(i) + 2}));
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        auto h = open_history(s.url(), open_mode::read_write);
        if (!h) ::_exit(2);
        (void)(*h)->begin_batch();
        for (int i = 0; i < 10; ++i) (void)(*h)->put(mail[i]);
        (void)(*h)->commit_batch();
        (void)(*h)->begin_batch();
        for (int i = 10; i < 15; ++i) (void)(*h)->put(mail[i]);
        (void)(*h)->find_thread("T0");  // sends the queue: part of this batch is written
        for (int i = 15; i < 20; ++i) (void)(*h)->put(mail[i]);
        ::_exit(0);  // killed: neither commit nor rollback
    }
    int st = 0;
    ASSERT_EQ(::waitpid(pid, &st, 0), pid);
    ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    auto h = open_history(s.url(), open_mode::read_write);
    ASSERT_TRUE(h.has_value()) << h.error().message;
    EXPECT_TRUE((*h)->find_message("m14@x")->has_value());
    EXPECT_FALSE((*h)->find_message("m15@x")->has_value());
    ASSERT_TRUE((*h)->begin_batch());
    for (const auto& m : mail) ASSERT_TRUE((*h)->put(m).has_value());
    ASSERT_TRUE((*h)->commit_batch());
    auto clean = open_history(s.url(5), open_mode::read_write);  // the same mail, imported once
    ASSERT_TRUE(clean.has_value()) << clean.error().message;
    for (const auto& m : mail) ASSERT_TRUE(*(*clean)->put(m));
    for (auto* x : {&*h, &*clean}) EXPECT_EQ((*x)->stats()->messages, 20u);
    for (int t = 0; t < 4; ++t) {
        auto a = **(*h)->find_thread("T" + std::to_string(t));
        auto b = **(*clean)->find_thread("T" + std::to_string(t));
        EXPECT_EQ(a.messages, b.messages);
        EXPECT_EQ(a.participants.size(), b.participants.size());
    }
    for (int p = 0; p < 3; ++p) {
        auto a = **(*h)->find_correspondent("p" + std::to_string(p) + "@p.example");
        auto b = **(*clean)->find_correspondent("p" + std::to_string(p) + "@p.example");
        EXPECT_EQ(a.count, b.count);
    }
    for (std::uint64_t fp = 1; fp <= 21; ++fp) {
        auto a = *(*h)->match_fingerprints(std::vector<std::uint64_t>{fp}, 3);
        auto b = *(*clean)->match_fingerprints(std::vector<std::uint64_t>{fp}, 3);
        ASSERT_EQ(a.size(), b.size()) << fp;
        for (std::size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].message_key, b[i].message_key);
    }
}

// ---- retention: prune() -----------------------------------------------------

TEST_F(redis_history_test, prune_removes_what_the_policy_no_longer_keeps) {
    auto& s = test::redis_server::instance();
    auto h = open_history(s.url(), open_mode::read_write);
    ASSERT_TRUE(h.has_value()) << h.error().message;
    const std::int64_t now = 1'800'000'000, day = 86400;
    ASSERT_TRUE(*(*h)->put(dated("old@x", "TOLD", "old@partner.example", now - 1000 * day, {1, 2})));
    ASSERT_TRUE(*(*h)->put(dated("mid@x", "TMID", "mid@partner.example", now - 500 * day, {4})));
    ASSERT_TRUE(*(*h)->put(dated("new@x", "TNEW", "new@partner.example", now - 10 * day, {2, 3})));
    ASSERT_TRUE(*(*h)->learn_profile({"old@x", {"addr:old@partner.example"}, {{"mua", "outlook", 8}}}));
    ASSERT_TRUE(*(*h)->learn_profile({"new@x", {"addr:new@partner.example"}, {{"mua", "outlook", 8}}}));
    const auto before = *(*h)->stats();
    retention_policy p;  // fingerprints 400 days, messages 1825, correspondents 3650
    p.message_days = 800;
    p.correspondent_days = 900;

    auto dry = (*h)->prune(p, now, true);
    ASSERT_TRUE(dry.has_value()) << dry.error().message;
    EXPECT_EQ(dry->messages, 1u);      // old@x
    EXPECT_EQ(dry->threads, 1u);       // TOLD
    EXPECT_EQ(dry->fingerprints, 3u);  // old@x's 1 and 2, mid@x's 4
    EXPECT_EQ(dry->correspondents, 1u);
    EXPECT_EQ(dry->profiles, 1u);
    EXPECT_TRUE((*h)->find_message("old@x")->has_value());  // a dry run changes nothing
    EXPECT_EQ((*h)->match_fingerprints(std::vector<std::uint64_t>{1, 4}, 3)->size(), 2u);

    auto done = (*h)->prune(p, now, false);
    ASSERT_TRUE(done.has_value()) << done.error().message;
    EXPECT_EQ(done->messages, dry->messages);
    EXPECT_EQ(done->threads, dry->threads);
    EXPECT_EQ(done->fingerprints, dry->fingerprints);
    EXPECT_EQ(done->correspondents, dry->correspondents);
    EXPECT_EQ(done->profiles, dry->profiles);

    EXPECT_FALSE((*h)->find_message("old@x")->has_value());
    EXPECT_TRUE((*h)->find_message("mid@x")->has_value());  // its fingerprints went, not the message
    EXPECT_FALSE((*h)->find_thread("TOLD")->has_value());
    EXPECT_TRUE((*h)->threads_by_subject("subject of TOLD")->empty());
    EXPECT_TRUE((*h)->find_thread("TMID")->has_value());
    auto hits = (*h)->match_fingerprints(std::vector<std::uint64_t>{1, 2, 3, 4}, 3);
    ASSERT_TRUE(hits.has_value());
    ASSERT_EQ(hits->size(), 1u);
    EXPECT_EQ((*hits)[0].message_key, "new@x");
    EXPECT_EQ((*hits)[0].matched, 2u);
    EXPECT_FALSE((*h)->find_correspondent("old@partner.example")->has_value());
    EXPECT_TRUE((*h)->find_correspondent("mid@partner.example")->has_value());
    EXPECT_TRUE((*h)->find_correspondent("me@ours.example")->has_value());  // last seen 10 days ago
    EXPECT_TRUE((*h)->addresses_for_name("nameofold@partner.example")->empty());
    EXPECT_FALSE((*h)->find_profile("addr:old@partner.example")->has_value());
    EXPECT_TRUE((*h)->find_profile("addr:new@partner.example")->has_value());
    auto after = *(*h)->stats();
    EXPECT_EQ(after.messages, before.messages - 1);
    EXPECT_EQ(after.threads, before.threads - 1);
    EXPECT_EQ(after.correspondents, before.correspondents - 1);
    // Pruned once, nothing is left to prune; days = 0 keeps a kind for ever.
    auto again = (*h)->prune(p, now, false);
    ASSERT_TRUE(again.has_value());
    EXPECT_EQ(again->messages + again->threads + again->fingerprints + again->correspondents + again->profiles, 0u);
    auto keep_all = (*h)->prune(retention_policy{0, 0, 0}, now + 100000 * day, true);
    ASSERT_TRUE(keep_all.has_value());
    EXPECT_EQ(keep_all->messages + keep_all->fingerprints + keep_all->correspondents, 0u);
    // Read-only opens may count, not remove.
    auto ro = open_history(s.url(), open_mode::read_only);
    ASSERT_TRUE(ro.has_value());
    EXPECT_TRUE((*ro)->prune(p, now + 1000 * day, true).has_value());
    EXPECT_FALSE((*ro)->prune(p, now + 1000 * day, false).has_value());
}
