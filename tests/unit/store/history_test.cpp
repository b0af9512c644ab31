// SPDX-License-Identifier: Apache-2.0
// history_test.cpp - the same behaviour from every history backend (memory, SQLite)
#include "store/history.hpp"
#include "history_backends.hpp"
#include "old_history.hpp"
#include "redis_server.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>

using namespace replyguard;
using namespace replyguard::store;

namespace {

std::string temp_db(const std::string& tag) { return test::temp_sqlite("rg-store", tag); }

learnt_message sample(const std::string& key, const std::string& thread, const std::string& from,
                      std::vector<std::string> to, std::int64_t date, std::vector<std::uint64_t> fps = {}) {
    learnt_message m;
    m.rec.key = key;
    m.rec.message_id = key;
    m.rec.thread_id = thread;
    m.rec.date = date;
    m.rec.from_address = from;
    m.rec.from_name = "Name of " + from;
    m.rec.recipients = to;
    m.rec.subject = "Re: quarterly report";
    m.rec.subject_key = "quarterly report";
    m.thread_subject = "quarterly report";
    m.participants.push_back({from, "Name of " + from});
    for (const auto& t : to) m.participants.push_back({t, ""});
    m.names.emplace_back("nameof" + from, from);
    m.wrote_to = to;
    for (const auto& a : m.participants) m.domains.push_back(a.address.substr(a.address.find('@') + 1));
    m.fingerprints = std::move(fps);
    return m;
}

using backend = test::history_backend;

class history_backends : public ::testing::TestWithParam<backend> {
protected:
    void SetUp() override {
        if (std::string why = GetParam().unavailable(); !why.empty()) GTEST_SKIP() << why;
    }
    std::unique_ptr<history> open(const std::string& tag = "t") { return GetParam().open(tag); }
};

TEST_P(history_backends, stores_and_reads_one_message) {
    auto h = open("one");
    ASSERT_TRUE(h);
    auto put = h->put(sample("a@x", "T1", "taro@partner.co.jp", {"me@ours.co.jp"}, 1000, {11, 12, 13}));
    ASSERT_TRUE(put.has_value()) << put.error().message;
    EXPECT_TRUE(*put);
    auto m = h->find_message("a@x");
    ASSERT_TRUE(m && *m);
    EXPECT_EQ((*m)->thread_id, "T1");
    EXPECT_EQ((*m)->from_address, "taro@partner.co.jp");
    EXPECT_EQ((*m)->recipients, std::vector<std::string>{"me@ours.co.jp"});
    EXPECT_EQ((*m)->date, 1000);
    auto t = h->find_thread("T1");
    ASSERT_TRUE(t && *t);
    EXPECT_EQ((*t)->messages, 1u);
    ASSERT_EQ((*t)->participants.size(), 2u);
    EXPECT_EQ((*t)->participants[0].address, "me@ours.co.jp");
    EXPECT_EQ((*t)->participants[1].name, "Name of taro@partner.co.jp");
    auto c = h->find_correspondent("taro@partner.co.jp");
    ASSERT_TRUE(c && *c);
    EXPECT_EQ((*c)->count, 1u);
    EXPECT_EQ((*c)->wrote_to, std::vector<std::string>{"me@ours.co.jp"});
    auto n = h->addresses_for_name("nameoftaro@partner.co.jp");
    ASSERT_TRUE(n);
    EXPECT_EQ(*n, std::vector<std::string>{"taro@partner.co.jp"});
    auto s = h->threads_by_subject("quarterly report");
    ASSERT_TRUE(s);
    EXPECT_EQ(*s, std::vector<std::string>{"T1"});
    EXPECT_TRUE(*h->is_known_domain("partner.co.jp"));
    EXPECT_FALSE(*h->is_known_domain("other.example"));
    EXPECT_FALSE(h->find_message("missing@x")->has_value());
}

TEST_P(history_backends, relearning_changes_nothing) {
    auto h = open("relearn");
    auto msg = sample("a@x", "T1", "taro@partner.co.jp", {"me@ours.co.jp"}, 1000, {1, 2});
    ASSERT_TRUE(*h->put(msg));
    auto before_c = **h->find_correspondent("taro@partner.co.jp");
    auto before_t = **h->find_thread("T1");
    auto before_s = *h->stats();
    // Same key, even with different content: nothing changes.
    auto again = msg;
    again.rec.date = 5000;
    again.participants.push_back({"new@else.example", "New"});
    auto r = h->put(again);
    ASSERT_TRUE(r);
    EXPECT_FALSE(*r);
    auto after_c = **h->find_correspondent("taro@partner.co.jp");
    EXPECT_EQ(after_c.count, before_c.count);
    EXPECT_EQ(after_c.last_seen, before_c.last_seen);
    EXPECT_EQ((*h->find_thread("T1"))->participants.size(), before_t.participants.size());
    EXPECT_EQ((*h->find_thread("T1"))->messages, before_t.messages);
    EXPECT_EQ(h->stats()->messages, before_s.messages);
    EXPECT_FALSE(h->find_correspondent("new@else.example")->has_value());
}

TEST_P(history_backends, thread_and_correspondent_accumulate) {
    auto h = open("accumulate");
    ASSERT_TRUE(*h->put(sample("a@x", "T1", "taro@partner.co.jp", {"me@ours.co.jp"}, 2000)));
    ASSERT_TRUE(*h->put(sample("b@x", "T1", "me@ours.co.jp", {"taro@partner.co.jp", "jiro@partner.co.jp"}, 1000)));
    auto t = **h->find_thread("T1");
    EXPECT_EQ(t.messages, 2u);
    EXPECT_EQ(t.first_seen, 1000);
    EXPECT_EQ(t.last_seen, 2000);
    EXPECT_EQ(t.participants.size(), 3u);
    auto c = **h->find_correspondent("taro@partner.co.jp");
    EXPECT_EQ(c.count, 2u);
    EXPECT_EQ(c.first_seen, 1000);
    EXPECT_EQ(c.last_seen, 2000);
    // The participant name is kept when a later message names it without a display name.
    EXPECT_EQ(t.participants[2].address, "taro@partner.co.jp");
    EXPECT_EQ(t.participants[2].name, "Name of taro@partner.co.jp");
}

// A thread is indexed under the subject key of its first message only (a later
// "Re: something else" in the same thread does not index it there).
TEST_P(history_backends, a_thread_is_indexed_under_its_first_subject_only) {
    auto h = open("subjects");
    ASSERT_TRUE(h->begin_batch());
    ASSERT_TRUE(*h->put(sample("a@x", "T1", "taro@partner.co.jp", {"me@ours.co.jp"}, 1000)));
    auto second = sample("b@x", "T1", "me@ours.co.jp", {"taro@partner.co.jp"}, 2000);
    second.rec.subject_key = "something else";
    ASSERT_TRUE(*h->put(second));
    ASSERT_TRUE(h->commit_batch());
    EXPECT_EQ(*h->threads_by_subject("quarterly report"), std::vector<std::string>{"T1"});
    EXPECT_TRUE(h->threads_by_subject("something else")->empty());
    EXPECT_EQ((*h->find_thread("T1"))->subject_key, "quarterly report");
}

// Inside a batch the learner reads the threads of the messages before (find_thread,
// threads_by_subject) before anything is committed: SQLite keeps them in memory until
// the commit and reads through them. The answers equal those after the commit, for a
// thread new in the batch and for a stored one the batch adds to.
TEST_P(history_backends, inside_a_batch_threads_read_as_stored) {
    auto h = open("batch-threads");
    auto stored = sample("s@x", "T0", "x@partner.co.jp", {"me@ours.co.jp"}, 2000);
    stored.participants[0].name = "X";
    ASSERT_TRUE(*h->put(stored));
    ASSERT_TRUE(h->begin_batch());
    auto m1 = sample("a@x", "T1", "taro@partner.co.jp", {"me@ours.co.jp"}, 1000);
    m1.participants[0].name = "Taro";
    auto m2 = sample("b@x", "T1", "taro@partner.co.jp", {"hanako@partner.co.jp"}, 500);
    m2.participants[0].name = "";  // keeps Taro
    m2.participants[1].name = "Hanako";
    m2.thread_subject = "not the first subject";
    auto m3 = sample("c@x", "T0", "x@partner.co.jp", {"y@partner.co.jp"}, 0);
    m3.participants[0].name = "";  // keeps X
    m3.participants[1].name = "Y";
    auto m4 = sample("d@x", "T2", "z@partner.co.jp", {}, 3000);
    m4.rec.subject_key = "other";
    for (const auto* m : {&m1, &m2, &m3, &m4}) ASSERT_TRUE(*h->put(*m));
    auto seen = [&]() {
        std::string out;
        for (const char* id : {"T0", "T1", "T2", "T9"}) {
            auto t = h->find_thread(id);
            EXPECT_TRUE(t.has_value());
            if (!t || !*t) {
                out += std::string(id) + ": none\n";
                continue;
            }
            const auto& v = **t;
            out += v.id + " " + v.subject + " / " + v.subject_key + " " + std::to_string(v.first_seen) + "-" +
                   std::to_string(v.last_seen) + " x" + std::to_string(v.messages) + ":";
            for (const auto& p : v.participants) out += " " + p.address + "=" + p.name;
            out += "\n";
        }
        for (const char* key : {"quarterly report", "other", "none"}) {
            auto ids = h->threads_by_subject(key, 20);
            EXPECT_TRUE(ids.has_value());
            out += std::string(key) + ":";
            for (const auto& id : ids ? *ids : std::vector<std::string>{}) out += " " + id;
            out += "\n";
        }
        auto one = h->threads_by_subject("quarterly report", 1);
        EXPECT_TRUE(one.has_value());
        out += "first: " + (one && !one->empty() ? one->front() : std::string("none")) + "\n";
        return out;
    };
    const std::string in_batch = seen();
    ASSERT_TRUE(h->commit_batch());
    EXPECT_EQ(in_batch, seen());
    EXPECT_EQ(in_batch,
              "T0 quarterly report / quarterly report 2000-2000 x2: me@ours.co.jp= x@partner.co.jp=X "
              "y@partner.co.jp=Y\n"
              "T1 quarterly report / quarterly report 500-1000 x2: hanako@partner.co.jp=Hanako "
              "me@ours.co.jp= taro@partner.co.jp=Taro\n"
              "T2 quarterly report / other 3000-3000 x1: z@partner.co.jp=Name of z@partner.co.jp\n"
              "T9: none\n"
              "quarterly report: T0 T1\nother: T2\nnone:\nfirst: T0\n");
}

TEST_P(history_backends, surely_without_fingerprints_never_hides_a_match) {
    auto h = open("nofp");
    // A store may say it holds no fingerprint only when that is so (the gather then
    // skips hashing quoted text): never once one is stored.
    ASSERT_TRUE(*h->put(sample("n@x", "T0", "n@p.jp", {"me@o.jp"}, 1)));  // no fingerprints
    if (h->surely_without_fingerprints()) {
        EXPECT_TRUE(h->match_fingerprints(std::vector<std::uint64_t>{1})->empty());
    }
    ASSERT_TRUE(*h->put(sample("a@x", "T1", "a@p.jp", {"me@o.jp"}, 2, {1, 2})));
    EXPECT_FALSE(h->surely_without_fingerprints());
    // A fingerprint asked twice counts once.
    auto hits = h->match_fingerprints(std::vector<std::uint64_t>{2, 1, 1, 2, 2}, 20);
    ASSERT_TRUE(hits);
    ASSERT_EQ(hits->size(), 1u);
    EXPECT_EQ((*hits)[0].message_key, "a@x");
    EXPECT_EQ((*hits)[0].matched, 2u);
}

TEST(memory_history, says_when_it_surely_holds_no_fingerprint) {
    auto h = make_memory_history();
    EXPECT_TRUE(h->surely_without_fingerprints());
    ASSERT_TRUE(*h->put(sample("n@x", "T0", "n@p.jp", {"me@o.jp"}, 1)));
    EXPECT_TRUE(h->surely_without_fingerprints());  // a message without text to match
    ASSERT_TRUE(*h->put(sample("a@x", "T1", "a@p.jp", {"me@o.jp"}, 2, {7})));
    EXPECT_FALSE(h->surely_without_fingerprints());
}

TEST_P(history_backends, fingerprints_match_and_boilerplate_is_ignored) {
    auto h = open("fps");
    ASSERT_TRUE(*h->put(sample("a@x", "T1", "a@p.jp", {"me@o.jp"}, 1, {1, 2, 3, 4, 100})));
    ASSERT_TRUE(*h->put(sample("b@x", "T2", "b@p.jp", {"me@o.jp"}, 2, {5, 6, 100})));
    ASSERT_TRUE(*h->put(sample("c@x", "T3", "c@p.jp", {"me@o.jp"}, 3, {7, 100})));
    std::vector<std::uint64_t> q{1, 2, 3, 6, 100, 999};
    auto hits = h->match_fingerprints(q, 2);  // 100 is in 3 messages: boilerplate at max_df 2
    ASSERT_TRUE(hits);
    ASSERT_EQ(hits->size(), 2u);
    EXPECT_EQ((*hits)[0].message_key, "a@x");
    EXPECT_EQ((*hits)[0].matched, 3u);
    EXPECT_EQ((*hits)[0].stored, 5u);
    EXPECT_EQ((*hits)[1].message_key, "b@x");
    EXPECT_EQ((*hits)[1].matched, 1u);
    auto all = h->match_fingerprints(q, 20);
    ASSERT_TRUE(all);
    EXPECT_EQ(all->size(), 3u);
    // min_matched leaves out the messages matching fewer (a@x 4, b@x 2, c@x 1 at max_df 20).
    auto two = h->match_fingerprints(q, 20, 2);
    ASSERT_TRUE(two);
    ASSERT_EQ(two->size(), 2u);
    EXPECT_EQ((*two)[0].message_key, "a@x");
    EXPECT_EQ((*two)[0].matched, 4u);
    EXPECT_EQ((*two)[1].message_key, "b@x");
    EXPECT_EQ((*two)[1].stored, 3u);
    read_batch b;
    b.fingerprints = q;
    b.min_matched = 3;
    auto batched = h->read(b);
    ASSERT_TRUE(batched);
    ASSERT_EQ(batched->fingerprint_hits.size(), 1u);
    EXPECT_EQ(batched->fingerprint_hits[0].message_key, "a@x");
}

TEST_P(history_backends, rolled_back_batch_leaves_the_committed_state) {
    auto h = open("rollback");
    ASSERT_TRUE(h->begin_batch());
    ASSERT_TRUE(*h->put(sample("a@x", "T1", "taro@partner.co.jp", {"me@ours.co.jp"}, 1000, {1})));
    ASSERT_TRUE(h->commit_batch());
    ASSERT_TRUE(h->begin_batch());
    ASSERT_TRUE(*h->put(sample("b@x", "T1", "evil@bad.example", {"me@ours.co.jp"}, 2000, {2})));
    ASSERT_TRUE(*h->put(sample("c@x", "T9", "taro@partner.co.jp", {"me@ours.co.jp"}, 3000)));
    ASSERT_TRUE(h->rollback_batch());  // what a crash mid-batch amounts to
    EXPECT_TRUE(h->find_message("a@x")->has_value());
    EXPECT_FALSE(h->find_message("b@x")->has_value());
    EXPECT_FALSE(h->find_message("c@x")->has_value());
    EXPECT_FALSE(h->find_thread("T9")->has_value());
    EXPECT_EQ((*h->find_thread("T1"))->messages, 1u);
    EXPECT_EQ((*h->find_thread("T1"))->participants.size(), 2u);
    EXPECT_EQ((*h->find_correspondent("taro@partner.co.jp"))->count, 1u);
    EXPECT_FALSE(h->find_correspondent("evil@bad.example")->has_value());
    EXPECT_TRUE(h->match_fingerprints(std::vector<std::uint64_t>{2})->empty());
    // And the store is still usable afterwards.
    EXPECT_TRUE(*h->put(sample("b@x", "T1", "evil@bad.example", {"me@ours.co.jp"}, 2000)));
    EXPECT_EQ((*h->find_thread("T1"))->messages, 2u);
}

TEST_P(history_backends, batch_misuse_is_an_error_not_a_crash) {
    auto h = open("misuse");
    EXPECT_FALSE(h->commit_batch());
    EXPECT_FALSE(h->rollback_batch());
    ASSERT_TRUE(h->begin_batch());
    EXPECT_FALSE(h->begin_batch());
    EXPECT_TRUE(h->commit_batch());
}

TEST_P(history_backends, org_domains) {
    auto h = open("org");
    ASSERT_TRUE(h->add_org_domain("ours.co.jp"));
    ASSERT_TRUE(h->add_org_domain("ours.co.jp"));
    EXPECT_EQ(*h->org_domains(), std::vector<std::string>{"ours.co.jp"});
}

// The engine's gather asks in batches (store::read_batch); every backend must
// answer exactly what the single-item reads answer (Redis: from one pipeline).
TEST_P(history_backends, batched_read_answers_as_the_single_reads) {
    auto h = open();
    ASSERT_TRUE(h);
    std::vector<std::uint64_t> fps;
    for (std::uint64_t i = 1; i <= 8; ++i) fps.push_back(i);
    ASSERT_TRUE(*h->put(sample("a@x", "T1", "taro@partner.co.jp", {"me@ours.co.jp"}, 100, fps)));
    ASSERT_TRUE(*h->put(
        sample("b@x", "T1", "me@ours.co.jp", {"taro@partner.co.jp", "jiro@partner.co.jp"}, 200, {5, 6, 7, 8, 9})));
    ASSERT_TRUE(h->add_org_domain("ours.co.jp"));
    read_batch b;
    b.messages = {"a@x", "nope@x", "b@x"};
    b.threads = {"T1", "T-none"};
    b.correspondents = {"taro@partner.co.jp", "nobody@x.jp", "me@ours.co.jp"};
    b.names = {"nameoftaro@partner.co.jp", "no-name"};
    b.domains = {"partner.co.jp", "elsewhere.jp"};
    b.subject_key = "quarterly report";
    b.fingerprints = {1, 2, 5, 6, 99};
    b.stats = b.org_domains = b.known_domains = true;
    auto a = h->read(b);
    ASSERT_TRUE(a.has_value()) << a.error().message;
    ASSERT_EQ(a->messages.size(), 3u);
    EXPECT_EQ(a->messages[0]->from_address, "taro@partner.co.jp");
    EXPECT_FALSE(a->messages[1].has_value());
    EXPECT_EQ(a->messages[2]->recipients, (std::vector<std::string>{"taro@partner.co.jp", "jiro@partner.co.jp"}));
    ASSERT_EQ(a->threads.size(), 2u);
    ASSERT_TRUE(a->threads[0].has_value());
    EXPECT_EQ(a->threads[0]->messages, 2u);
    EXPECT_EQ(a->threads[0]->participants.size(), h->find_thread("T1")->value().participants.size());
    EXPECT_FALSE(a->threads[1].has_value());
    ASSERT_EQ(a->correspondents.size(), 3u);
    EXPECT_EQ(a->correspondents[0]->wrote_to, h->find_correspondent("taro@partner.co.jp")->value().wrote_to);
    EXPECT_EQ(a->correspondents[0]->names, h->find_correspondent("taro@partner.co.jp")->value().names);
    EXPECT_EQ(a->correspondents[0]->count, 2u);
    EXPECT_FALSE(a->correspondents[1].has_value());
    EXPECT_TRUE(a->correspondents[2].has_value());
    ASSERT_EQ(a->names.size(), 2u);
    EXPECT_EQ(a->names[0], std::vector<std::string>{"taro@partner.co.jp"});
    EXPECT_TRUE(a->names[1].empty());
    EXPECT_EQ(a->domains, (std::vector<bool>{true, false}));
    EXPECT_EQ(a->subject_threads, *h->threads_by_subject("quarterly report", 50));
    auto single = h->match_fingerprints(b.fingerprints, 20);
    ASSERT_TRUE(single.has_value());
    ASSERT_EQ(a->fingerprint_hits.size(), single->size());
    for (std::size_t i = 0; i < single->size(); ++i) {
        EXPECT_EQ(a->fingerprint_hits[i].message_key, (*single)[i].message_key);
        EXPECT_EQ(a->fingerprint_hits[i].matched, (*single)[i].matched);
        EXPECT_EQ(a->fingerprint_hits[i].stored, (*single)[i].stored);
    }
    EXPECT_EQ(a->stats.messages, 2u);
    EXPECT_EQ(a->org_domains, std::vector<std::string>{"ours.co.jp"});
    EXPECT_EQ(a->known_domains, *h->known_domains());
    // An empty batch asks nothing and answers nothing.
    auto none = h->read(read_batch{});
    ASSERT_TRUE(none.has_value());
    EXPECT_TRUE(none->messages.empty() && none->fingerprint_hits.empty() && none->org_domains.empty());
}

TEST_P(history_backends, a_name_answers_at_most_one_address_past_its_bound) {
    auto h = open("names");
    ASSERT_TRUE(h);
    // Learnt in reverse order: the answer is the first addresses in address order.
    std::vector<std::string> all;
    for (std::size_t i = k_name_addresses_max + 6; i >= 1; --i) {
        const auto a = fmt::format("p{:03}@org{}.example", i, i % 7);
        auto m = sample(fmt::format("m{}@x", i), fmt::format("T{}", i), a, {"me@ours.co.jp"}, 1000);
        m.names = {{"common name", a}};
        ASSERT_TRUE(*h->put(m));
        all.push_back(a);
        if (all.size() == k_name_addresses_max) {
            // Up to the bound: every address.
            std::vector<std::string> want = all;
            std::sort(want.begin(), want.end());
            EXPECT_EQ(*h->addresses_for_name("common name"), want);
        }
    }
    std::sort(all.begin(), all.end());
    const std::vector<std::string> first(all.begin(), all.begin() + k_name_addresses_max + 1);
    auto n = h->addresses_for_name("common name");
    ASSERT_TRUE(n) << n.error().message;
    EXPECT_EQ(*n, first);
    read_batch b;
    b.names = {"common name"};
    auto a = h->read(b);
    ASSERT_TRUE(a) << a.error().message;
    ASSERT_EQ(a->names.size(), 1u);
    EXPECT_EQ(a->names[0], first);
}

INSTANTIATE_TEST_SUITE_P(all, history_backends, ::testing::ValuesIn(test::history_backends("rg-store")),
                         [](const auto& info) { return std::string(info.param.name); });

// ---- SQLite specifics -----------------------------------------------------

TEST(sqlite_history, missing_file_is_an_empty_history_and_is_not_created_for_scan) {
    auto p = temp_db("absent");
    auto h = open_history(p, open_mode::read_only);
    ASSERT_TRUE(h.has_value());
    EXPECT_EQ((*h)->stats()->messages, 0u);
    EXPECT_FALSE((*h)->find_message("x")->has_value());
    EXPECT_FALSE(std::filesystem::exists(p));
}

TEST(sqlite_history, learn_creates_the_file_with_the_schema_version) {
    auto p = temp_db("version");
    {
        auto h = open_history(p, open_mode::read_write);
        ASSERT_TRUE(h.has_value()) << h.error().message;
        ASSERT_TRUE(*(*h)->put(sample("a@x", "T1", "a@p.jp", {"me@o.jp"}, 1)));
    }
    ASSERT_TRUE(std::filesystem::exists(p));
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open_v2(p.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    sqlite3_stmt* s = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT version FROM schema_version", -1, &s, nullptr), SQLITE_OK);
    ASSERT_EQ(sqlite3_step(s), SQLITE_ROW);
    EXPECT_EQ(sqlite3_column_int(s, 0), sqlite_schema_version());
    sqlite3_finalize(s);
    ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &s, nullptr), SQLITE_OK);
    ASSERT_EQ(sqlite3_step(s), SQLITE_ROW);
    EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(s, 0)), "wal");
    sqlite3_finalize(s);
    sqlite3_close(db);
    // Reopened read-only, the data is there.
    auto ro = open_history(p, open_mode::read_only);
    ASSERT_TRUE(ro.has_value()) << ro.error().message;
    EXPECT_TRUE((*ro)->find_message("a@x")->has_value());
    EXPECT_FALSE((*ro)->put(sample("b@x", "T1", "a@p.jp", {"me@o.jp"}, 1)).has_value());
}

// [history] mmap_mb (store::set_sqlite_mmap_mb): off by default, the file is not mapped;
// set, a reader maps it (seen in /proc/self/maps once a lookup has read a page) and
// answers as before. Reset to 0 at the end: the setting is process-wide.
TEST(sqlite_history, mmap_mb_maps_the_file_only_when_set_and_answers_the_same) {
    auto p = temp_db("mmap");
    {
        auto h = open_history(p, open_mode::read_write);
        ASSERT_TRUE(h.has_value()) << h.error().message;
        for (int i = 0; i < 200; ++i)
            ASSERT_TRUE(*(*h)->put(sample(fmt::format("m{}@x", i), fmt::format("T{}", i % 20), "a@p.jp", {"me@o.jp"}, i,
                                          {std::uint64_t(1000 + i), std::uint64_t(77)})));
    }
    const std::string canonical = std::filesystem::canonical(p).string();
    auto mapped = [&] {
        std::ifstream maps("/proc/self/maps");
        for (std::string line; std::getline(maps, line);)
            if (line.ends_with(" " + canonical)) return true;
        return false;
    };
    auto answers = [&](history& h) {
        std::string out;
        auto t = h.find_thread("T3");
        out += t && *t ? fmt::format("thread {} {};", (*t)->id, (*t)->messages) : "no thread;";
        auto m = h.find_message("m150@x");
        out += m && *m ? fmt::format("message {} {};", (*m)->key, (*m)->date) : "no message;";
        auto f = h.match_fingerprints(std::vector<std::uint64_t>{1003, 77}, 3, 1);
        if (f)
            for (const auto& hit : *f) out += fmt::format("hit {} {} {};", hit.message_key, hit.matched, hit.stored);
        return out;
    };
    std::string off, on;
    {
        auto ro = open_history(p, open_mode::read_only);
        ASSERT_TRUE(ro.has_value()) << ro.error().message;
        off = answers(**ro);
        EXPECT_FALSE(mapped());
    }
    set_sqlite_mmap_mb(64);
    {
        auto ro = open_history(p, open_mode::read_only);
        ASSERT_TRUE(ro.has_value()) << ro.error().message;
        on = answers(**ro);
        EXPECT_TRUE(mapped());
    }
    set_sqlite_mmap_mb(0);
    EXPECT_FALSE(mapped());  // unmapped at close
    EXPECT_NE(off.find("message m150@x 150;"), std::string::npos) << off;
    EXPECT_NE(off.find("hit m3@x"), std::string::npos) << off;
    EXPECT_EQ(on, off);
}

// issue 12: a history the user may only read (file 0444 in a folder 0555, as
// another user) must serve scan: opened read-only, nothing written (no WAL
// switch, no -shm/-wal created). Run as root, the reading side drops to
// nobody in a child process (root ignores file modes).
TEST(sqlite_history, a_file_the_user_may_only_read_serves_scan) {
    const auto dir = std::filesystem::temp_directory_path() / ("rg-ro-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    const std::string p = (dir / "history.db").string();
    {
        auto h = open_history(p, open_mode::read_write);
        ASSERT_TRUE(h.has_value()) << h.error().message;
        ASSERT_TRUE(*(*h)->put(sample("a@x", "T1", "a@p.jp", {"me@o.jp"}, 1)));
    }
    ASSERT_FALSE(std::filesystem::exists(p + "-wal"));  // a clean close leaves the file alone
    std::filesystem::permissions(p, std::filesystem::perms::owner_read | std::filesystem::perms::group_read |
                                        std::filesystem::perms::others_read);
    std::filesystem::permissions(dir, std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec |
                                          std::filesystem::perms::group_read | std::filesystem::perms::group_exec |
                                          std::filesystem::perms::others_read | std::filesystem::perms::others_exec);
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        if (::geteuid() == 0 && (::setgid(65534) != 0 || ::setuid(65534) != 0)) ::_exit(10);
        auto h = open_history(p, open_mode::read_only);
        if (!h) {
            std::fprintf(stderr, "open: %s\n", h.error().message.c_str());
            ::_exit(11);
        }
        auto m = (*h)->find_message("a@x");
        if (!m) {
            std::fprintf(stderr, "read: %s\n", m.error().message.c_str());
            ::_exit(12);
        }
        if (!m->has_value()) ::_exit(13);
        auto st = (*h)->stats();
        if (!st || st->messages != 1) ::_exit(14);
        ::_exit(0);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    std::filesystem::permissions(dir, std::filesystem::perms::owner_all);
    EXPECT_FALSE(std::filesystem::exists(p + "-wal"));
    EXPECT_FALSE(std::filesystem::exists(p + "-shm"));
    std::filesystem::remove_all(dir);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0)
        << "10: cannot drop privileges, 11: open failed, 12: read failed, 13/14: wrong data";
}

// issue 13: migration 4 (integer postings, fp_n in messages, WITHOUT ROWID threads and
// correspondents) upgrades a file written by schema 3 in place; scan reads the old file
// as it is, and the answers are the same before and after.
TEST(sqlite_history, a_schema_3_file_reads_the_same_before_and_after_migration_4) {
    auto p = temp_db("v3");
    ASSERT_EQ(test::make_old_history(p, 3), "");
    {
        // Two messages as schema 3's put() wrote them.
        sqlite3* db = nullptr;
        ASSERT_EQ(sqlite3_open(p.c_str(), &db), SQLITE_OK);
        const char* rows = R"sql(
INSERT INTO messages VALUES ('a@x','a@x','T1',1000,'taro@partner.co.jp','Taro','me@ours.co.jp','Re: q','q',0);
INSERT INTO messages VALUES ('b@x','b@x','T1',2000,'me@ours.co.jp','Me','taro@partner.co.jp
hanako@partner.co.jp','Re: q','q',1);
INSERT INTO threads VALUES ('T1','q','q',1000,2000,2);
INSERT INTO thread_participants VALUES ('T1','taro@partner.co.jp','Taro'), ('T1','me@ours.co.jp','Me');
INSERT INTO correspondents VALUES ('taro@partner.co.jp',1000,2000,2), ('me@ours.co.jp',1000,2000,2);
INSERT INTO correspondent_names VALUES ('taro@partner.co.jp','Taro');
INSERT INTO fingerprints VALUES (11,'a@x'), (12,'a@x'), (13,'a@x'), (12,'b@x'), (99,'b@x');
INSERT INTO message_fp_count VALUES ('a@x',3), ('b@x',2);
)sql";
        ASSERT_EQ(sqlite3_exec(db, rows, nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
        sqlite3_close(db);
    }
    const std::vector<std::uint64_t> q{11, 12, 99, 7};
    auto answers = [&](history& h) {
        std::string out;
        auto hits = h.match_fingerprints(q, 20);
        EXPECT_TRUE(hits.has_value()) << hits.error().message;
        for (const auto& x : *hits)
            out += x.message_key + ":" + std::to_string(x.matched) + "/" + std::to_string(x.stored) + " ";
        auto m = h.find_message("b@x");
        EXPECT_TRUE(m.has_value() && m->has_value());
        if (m && *m)
            out += (*m)->thread_id + " " + std::to_string((*m)->recipients.size()) + " " + std::to_string((*m)->date) +
                   ((*m)->sent ? " sent " : " received ");
        auto t = h.find_thread("T1");
        EXPECT_TRUE(t.has_value() && t->has_value());
        if (t && *t) out += std::to_string((*t)->messages) + " " + std::to_string((*t)->participants.size()) + " ";
        auto c = h.find_correspondent("taro@partner.co.jp");
        EXPECT_TRUE(c.has_value() && c->has_value());
        if (c && *c) out += std::to_string((*c)->count) + " " + std::to_string((*c)->names.size()) + " ";
        auto st = h.stats();
        EXPECT_TRUE(st.has_value());
        if (st)
            out += std::to_string(st->messages) + "/" + std::to_string(st->threads) + "/" +
                   std::to_string(st->correspondents);
        return out;
    };
    const std::string expected = "a@x:2/3 b@x:2/2 T1 2 2000 sent 2 2 2 1 2/1/2";
    {
        auto ro = open_history(p, open_mode::read_only);  // scan: reads schema 3 as it is
        ASSERT_TRUE(ro.has_value()) << ro.error().message;
        EXPECT_EQ(answers(**ro), expected);
    }
    auto rw = open_history(p, open_mode::read_write);  // learn: migrates to 4 in place
    ASSERT_TRUE(rw.has_value()) << rw.error().message;
    EXPECT_EQ(answers(**rw), expected);
    // A message learnt after the migration joins the old ones in the postings.
    ASSERT_TRUE(*(*rw)->put(sample("c@x", "T1", "taro@partner.co.jp", {"me@ours.co.jp"}, 3000, {11, 50})));
    auto hits = (*rw)->match_fingerprints(std::vector<std::uint64_t>{11}, 20);
    ASSERT_TRUE(hits.has_value());
    ASSERT_EQ(hits->size(), 2u);
    EXPECT_EQ((*hits)[0].message_key, "a@x");
    EXPECT_EQ((*hits)[1].message_key, "c@x");
    EXPECT_EQ((*hits)[1].stored, 2u);
    rw->reset();
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(p.c_str(), &db), SQLITE_OK);
    sqlite3_stmt* s = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT version FROM schema_version", -1, &s, nullptr), SQLITE_OK);
    ASSERT_EQ(sqlite3_step(s), SQLITE_ROW);
    EXPECT_EQ(sqlite3_column_int(s, 0), sqlite_schema_version());
    sqlite3_finalize(s);
    EXPECT_NE(sqlite3_exec(db, "SELECT 1 FROM message_fp_count", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
}

TEST(sqlite_history, newer_schema_is_refused) {
    auto p = temp_db("newer");
    { ASSERT_TRUE(open_history(p, open_mode::read_write).has_value()); }
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(p.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "UPDATE schema_version SET version=version+1", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
    auto h = open_history(p, open_mode::read_write);
    ASSERT_FALSE(h.has_value());
    EXPECT_EQ(h.error().code, errc::store);
    EXPECT_NE(h.error().message.find("newer"), std::string::npos);
}

TEST(sqlite_history, a_process_killed_mid_batch_leaves_the_committed_state) {
    auto p = temp_db("crash");
    {
        auto h = open_history(p, open_mode::read_write);
        ASSERT_TRUE(h.has_value());
        ASSERT_TRUE(*(*h)->put(sample("a@x", "T1", "taro@partner.co.jp", {"me@ours.co.jp"}, 1000, {1})));
    }
    pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        auto h = open_history(p, open_mode::read_write);
        if (!h) ::_exit(3);
        if (!(*h)->begin_batch()) ::_exit(4);
        for (int i = 0; i < 300; ++i)
            if (!(*h)->put(sample("m" + std::to_string(i) + "@x", "T1", "evil@bad.example", {"me@ours.co.jp"}, 2000,
                                  {static_cast<std::uint64_t>(i + 10)})))
                ::_exit(5);
        ::_exit(0);  // no commit, no destructor: the process dies mid-batch
    }
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status));
    ASSERT_EQ(WEXITSTATUS(status), 0);
    auto h = open_history(p, open_mode::read_write);
    ASSERT_TRUE(h.has_value()) << h.error().message;
    EXPECT_EQ((*h)->stats()->messages, 1u);
    EXPECT_EQ((*(*h)->find_thread("T1"))->messages, 1u);
    EXPECT_FALSE((*h)->find_correspondent("evil@bad.example")->has_value());
    EXPECT_TRUE(*(*h)->put(sample("m0@x", "T1", "evil@bad.example", {"me@ours.co.jp"}, 2000)));
}

}  // namespace
