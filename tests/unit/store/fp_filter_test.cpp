// SPDX-License-Identifier: Apache-2.0
// fp_filter_test.cpp - the SQLite history's fingerprint filter (migration 7), its
// postings in two levels (migration 8, store/fp_levels.hpp) and the read-only
// connection's memos change no answer (store/sqlite_history.cpp)
//
// The reference is the memory backend given the same messages: it has no filter and
// no memo. Hashes are random 64-bit values (both halves of the signed range, as FNV
// gives), some shared by many messages (boilerplate at max_df 3).
#include "history_backends.hpp"
#include "old_history.hpp"
#include "sqlite_peek.hpp"
#include "store/fp_levels.hpp"
#include "store/history.hpp"
#include "store/posting_runs.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

using namespace replyguard;
using namespace replyguard::store;

namespace {

using test::exec;
using test::one_int;

constexpr std::size_t posting_runs_k_run = posting_runs::k_run;

learnt_message msg(const std::string& key, const std::string& thread, std::vector<std::uint64_t> fps) {
    learnt_message m;
    m.rec.key = key;
    m.rec.message_id = key;
    m.rec.thread_id = thread;
    m.rec.date = 1'700'000'000;
    m.rec.from_address = "a@partner.example";
    m.rec.subject = "q";
    m.rec.subject_key = "q";
    m.thread_subject = "q";
    m.participants.push_back({"a@partner.example", "A"});
    std::sort(fps.begin(), fps.end());
    fps.erase(std::unique(fps.begin(), fps.end()), fps.end());
    m.fingerprints = std::move(fps);
    return m;
}

std::string answers(history& h, const std::vector<std::uint64_t>& q, std::size_t max_df) {
    auto hits = h.match_fingerprints(q, max_df);
    EXPECT_TRUE(hits.has_value()) << hits.error().message;
    if (!hits) return "error";
    std::vector<std::string> v;
    for (const auto& x : *hits)
        v.push_back(x.message_key + ":" + std::to_string(x.matched) + "/" + std::to_string(x.stored));
    std::sort(v.begin(), v.end());
    std::string out;
    for (const auto& s : v) out += s + " ";
    return out;
}

/// `n` random hashes (a message's stored sample is 48).
std::vector<std::uint64_t> random_hashes(std::mt19937_64& rng, int n = 48) {
    std::vector<std::uint64_t> v;
    for (int k = 0; k < n; ++k) v.push_back(rng());
    return v;
}

/// A history of `n` messages of 48 random hashes, every fifth also carrying one of 8
/// boilerplate hashes, learnt in batches of `batch` into both backends; returns the
/// stored messages' hashes.
std::vector<std::vector<std::uint64_t>> learn_random(history& sql, history& mem, int n, std::mt19937_64& rng,
                                                     int batch = 500) {
    std::vector<std::vector<std::uint64_t>> all;
    std::vector<std::uint64_t> common;
    for (int i = 0; i < 8; ++i) common.push_back(rng());
    for (int i = 0; i < n; ++i) {
        if (i % batch == 0) {
            EXPECT_TRUE(sql.begin_batch().has_value());
        }
        std::vector<std::uint64_t> fps = random_hashes(rng);
        if (i % 5 == 0) fps.push_back(common[static_cast<std::size_t>(i) % common.size()]);
        auto m = msg("m" + std::to_string(i), "T" + std::to_string(i / 3), fps);
        EXPECT_TRUE(*sql.put(m));
        EXPECT_TRUE(*mem.put(m));
        all.push_back(m.fingerprints);
        if (i % batch == batch - 1 || i == n - 1) {
            EXPECT_TRUE(sql.commit_batch().has_value());
        }
    }
    return all;
}

/// A quote's hashes: some of a few stored messages' (enough to be a quoted source) and many never stored.
std::vector<std::uint64_t> query(const std::vector<std::vector<std::uint64_t>>& stored, std::mt19937_64& rng) {
    std::vector<std::uint64_t> q;
    for (int s = 0; s < 3; ++s) {
        const auto& m = stored[rng() % stored.size()];
        for (std::size_t k = 0; k < m.size(); k += 1 + rng() % 3) q.push_back(m[k]);
    }
    for (int k = 0; k < 80; ++k) q.push_back(rng());
    std::sort(q.begin(), q.end());
    return q;
}

TEST(fp_filter, answers_as_probing_every_hash_while_it_grows) {
    const auto path = test::temp_sqlite("rg-fpfilter", "grow");
    auto rw = open_history(path, open_mode::read_write);
    ASSERT_TRUE(rw.has_value()) << rw.error().message;
    auto mem = make_memory_history();
    std::mt19937_64 rng(13);
    auto stored = learn_random(**rw, *mem, 4000, rng);
    // Built by the first batch (under 10 bits of words would be too small for 4000 x 48
    // hashes) and grown: at most 4 hashes a word.
    const auto word_bits = one_int(path, "SELECT word_bits FROM fp_filter_meta");
    const auto keys = one_int(path, "SELECT keys FROM fp_filter_meta");
    EXPECT_GE(keys, 4000 * 48 * 95 / 100);  // new hashes are counted when their bits were not all set
    EXPECT_LE(keys, 4000 * 48 + 8);
    EXPECT_GE(word_bits, 16);
    EXPECT_LE(keys, std::int64_t{4} << word_bits);
    EXPECT_EQ(one_int(path, "SELECT count(*) FROM fp_filter"), std::int64_t{1} << (word_bits - 7));
    auto ro = open_history(path, open_mode::read_only);
    ASSERT_TRUE(ro.has_value()) << ro.error().message;
    int found = 0;
    for (int i = 0; i < 200; ++i) {
        const auto q = query(stored, rng);
        for (std::size_t df : {std::size_t{3}, std::size_t{20}}) {
            const auto want = answers(*mem, q, df);
            found += want.empty() ? 0 : 1;
            EXPECT_EQ(answers(**rw, q, df), want);
            EXPECT_EQ(answers(**ro, q, df), want);  // twice: the second from the memos
            EXPECT_EQ(answers(**ro, q, df), want);
        }
    }
    EXPECT_EQ(found, 400);
}

// 3,000 messages in one batch: 147,000 postings, past store/posting_runs.hpp's 65,536
// in memory, so two runs go to the temporary file and the commit merges them with the rest.
TEST(fp_filter, a_batch_whose_postings_went_to_sorted_runs_answers_as_probing) {
    const auto path = test::temp_sqlite("rg-fpfilter", "runs");
    auto rw = open_history(path, open_mode::read_write);
    ASSERT_TRUE(rw.has_value()) << rw.error().message;
    auto mem = make_memory_history();
    std::mt19937_64 rng(17);
    std::size_t postings = 0;
    ASSERT_TRUE((*rw)->begin_batch());
    std::size_t most = 0;
    for (int i = 0; i < 3000; ++i) {
        auto fps = random_hashes(rng);
        if (i % 5 == 0) fps.push_back(42);  // one hash in every run
        const auto m = msg("m" + std::to_string(i), "T" + std::to_string(i / 3), fps);
        postings += m.fingerprints.size();
        ASSERT_TRUE(*(*rw)->put(m));
        ASSERT_TRUE(*mem->put(m));
        most = std::max(most, (*rw)->batch_bytes());
    }
    ASSERT_GT(postings, 2 * posting_runs_k_run);
    // What the batch holds: its rows (~300 bytes a message here) and at most one run.
    EXPECT_LT(most, 3000 * 400 + 2 * posting_runs_k_run * 16);
    ASSERT_TRUE((*rw)->commit_batch());
    EXPECT_EQ((*rw)->batch_bytes(), 0u);
    // In two levels (store/fp_levels.hpp; the filter's builds inside the batch merged
    // what came before them).
    EXPECT_EQ(one_int(path, "SELECT (SELECT count(*) FROM fp_postings) + (SELECT count(*) FROM fp_recent)"),
              static_cast<std::int64_t>(postings));
    EXPECT_EQ(one_int(path,
                      "SELECT (SELECT count(*) FROM fp_postings WHERE hash=42) + "
                      "(SELECT count(*) FROM fp_recent WHERE hash=42)"),
              600);
    EXPECT_EQ(one_int(path, "SELECT recent + main FROM fp_levels"), static_cast<std::int64_t>(postings));
    EXPECT_GE(one_int(path, "SELECT keys FROM fp_filter_meta"), static_cast<std::int64_t>(postings - 600) * 95 / 100);
    for (int i = 0; i < 100; ++i) {
        std::vector<std::uint64_t> q = random_hashes(rng, 20);
        std::mt19937_64 again(17);  // some stored hashes: the first messages' again
        for (int k = 0; k < 1 + i % 48; ++k) q.push_back(again());
        std::sort(q.begin(), q.end());
        const auto want = answers(*mem, q, 3);
        EXPECT_FALSE(want.empty());
        EXPECT_EQ(answers(**rw, q, 3), want);
    }
}

/// fp_levels agrees with the tables it counts.
void expect_levels_counted(const std::string& path) {
    EXPECT_EQ(one_int(path, "SELECT recent FROM fp_levels"), one_int(path, "SELECT count(*) FROM fp_recent"));
    EXPECT_EQ(one_int(path, "SELECT main FROM fp_levels"), one_int(path, "SELECT count(*) FROM fp_postings"));
}

// Postings in both levels (store/fp_levels.hpp): batches merged into fp_postings and
// batches still in fp_recent, boilerplate hashes with postings in both; the answers
// are the memory backend's at every step, on the writer and on a reader.
TEST(fp_levels, postings_in_both_levels_answer_as_probing) {
    EXPECT_TRUE(recent_merge_due(k_recent_min, 0));
    EXPECT_FALSE(recent_merge_due(k_recent_min - 1, 0));  // a small history stays in fp_recent
    EXPECT_TRUE(recent_merge_due(k_recent_min, k_recent_ratio * k_recent_min));
    EXPECT_FALSE(recent_merge_due(k_recent_min, k_recent_ratio * k_recent_min + 1));
    const auto path = test::temp_sqlite("rg-fpfilter", "levels");
    auto rw = open_history(path, open_mode::read_write);
    ASSERT_TRUE(rw.has_value()) << rw.error().message;
    auto ro = open_history(path, open_mode::read_only);
    ASSERT_TRUE(ro.has_value()) << ro.error().message;
    auto mem = make_memory_history();
    std::mt19937_64 rng(23);
    std::vector<std::uint64_t> common;
    for (int i = 0; i < 8; ++i) common.push_back(rng());
    std::vector<std::vector<std::uint64_t>> stored;
    std::int64_t total = 0;
    auto batch = [&](int from, int to) {
        ASSERT_TRUE((*rw)->begin_batch());
        for (int i = from; i < to; ++i) {
            auto fps = random_hashes(rng);
            if (i % 5 == 0) fps.push_back(common[static_cast<std::size_t>(i) % common.size()]);
            const auto m = msg("m" + std::to_string(i), "T" + std::to_string(i / 3), fps);
            ASSERT_TRUE(*(*rw)->put(m));
            ASSERT_TRUE(*mem->put(m));
            stored.push_back(m.fingerprints);
            total += static_cast<std::int64_t>(m.fingerprints.size());
        }
        ASSERT_TRUE((*rw)->commit_batch());
        expect_levels_counted(path);
        EXPECT_EQ(one_int(path, "SELECT recent + main FROM fp_levels"), total);
    };
    auto same_answers = [&](int rounds) {
        int found = 0;
        for (int i = 0; i < rounds; ++i) {
            const auto q = query(stored, rng);
            for (std::size_t df : {std::size_t{3}, std::size_t{20}, std::size_t{200}}) {
                const auto want = answers(*mem, q, df);
                found += want.empty() ? 0 : 1;
                EXPECT_EQ(answers(**rw, q, df), want);
                EXPECT_EQ(answers(**ro, q, df), want);
            }
            // A boilerplate hash alone: over max_df 3 in either level, under 200 in both.
            const std::vector<std::uint64_t> b{common[static_cast<std::size_t>(i) % common.size()]};
            EXPECT_EQ(answers(**rw, b, 3), answers(*mem, b, 3));
            EXPECT_EQ(answers(**ro, b, 200), answers(*mem, b, 200));
        }
        EXPECT_EQ(found, 3 * rounds);
    };
    // The filter's first build and its growths merge too (filter_rebuild reads one
    // table): after these two batches half the postings are in each level.
    batch(0, 400);
    batch(400, 800);
    EXPECT_GT(one_int(path, "SELECT count(*) FROM fp_postings"), 0);
    EXPECT_GT(one_int(path, "SELECT count(*) FROM fp_recent"), 0);
    // Boilerplate hashes with postings in both.
    EXPECT_GT(one_int(path, "SELECT count(*) FROM fp_recent r JOIN fp_postings p ON p.hash = r.hash"), 0);
    same_answers(50);
    // The next commit finds a merge due (the count raised as if k_recent_min postings
    // had been learnt): every posting goes to fp_postings, the count follows the rows.
    exec(path, ("UPDATE fp_levels SET recent=recent+" + std::to_string(k_recent_min)).c_str());
    batch(800, 1200);
    EXPECT_EQ(one_int(path, "SELECT count(*) FROM fp_recent"), 0);
    EXPECT_EQ(one_int(path, "SELECT count(*) FROM fp_postings"), 1200 * 48 + 240);
    EXPECT_EQ(one_int(path, "SELECT main FROM fp_levels"), 1200 * 48 + 240);
    same_answers(50);
    batch(1200, 1500);
    same_answers(100);
    // A rebuild of the filter merges first, so it reads one table in key order (a batch
    // of one chunk of posting_runs: all of it inserted before the rebuild).
    exec(path, "UPDATE fp_filter_meta SET word_bits=0");
    batch(1500, 1540);
    EXPECT_EQ(one_int(path, "SELECT count(*) FROM fp_recent"), 0);
    EXPECT_GE(one_int(path, "SELECT word_bits FROM fp_filter_meta"), 16);
    expect_levels_counted(path);
    same_answers(50);
}

// A file of schema 7 (every posting in fp_postings): a reader opened before the
// migration reads it as it is, and sees what a learn writes into fp_recent after
// migrating it; the migration counts the postings already there.
TEST(fp_levels, a_reader_of_a_schema_7_file_follows_its_migration) {
    const auto path = test::temp_sqlite("rg-fpfilter", "v7");
    ASSERT_EQ(test::make_old_history(path, 7), "");
    exec(path,
         "INSERT INTO messages(key, message_id, thread_id, date, from_addr, from_name, recipients, subject, "
         "subject_key, sent, fp_n) VALUES ('old','old','T0',1700000000,'a@partner.example','A','','q','q',0,3);"
         "INSERT INTO fp_postings VALUES (101,1), (102,1), (103,1);"
         "UPDATE history_counts SET messages=1;");
    auto ro = open_history(path, open_mode::read_only);
    ASSERT_TRUE(ro.has_value()) << ro.error().message;
    EXPECT_EQ(answers(**ro, {101, 102, 103}, 3), "old:3/3 ");
    auto rw = open_history(path, open_mode::read_write);  // migrates to 8
    ASSERT_TRUE(rw.has_value()) << rw.error().message;
    EXPECT_EQ(one_int(path, "SELECT main FROM fp_levels"), 3);
    EXPECT_EQ(one_int(path, "SELECT recent FROM fp_levels"), 0);
    // The first commit builds the missing filter, which merges the levels first.
    ASSERT_TRUE(*(*rw)->put(msg("new", "T1", {101, 102, 104})));
    EXPECT_EQ(one_int(path, "SELECT count(*) FROM fp_postings"), 6);
    EXPECT_EQ(answers(**ro, {101, 102, 103, 104}, 3), "new:3/3 old:3/3 ");
    // The next one waits in fp_recent.
    ASSERT_TRUE(*(*rw)->put(msg("newer", "T2", {101, 105, 106})));
    EXPECT_EQ(one_int(path, "SELECT count(*) FROM fp_recent"), 3);
    expect_levels_counted(path);
    EXPECT_EQ(answers(**ro, {101, 102, 103, 104, 105, 106}, 3), "new:3/3 newer:3/3 old:3/3 ");
    // Three postings of 101, two in fp_postings and one in fp_recent: over max_df 2.
    EXPECT_EQ(answers(**ro, {101}, 2), "");
    EXPECT_EQ(answers(**ro, {101}, 3), "new:1/3 newer:1/3 old:1/3 ");
    EXPECT_EQ(answers(**rw, {101}, 2), "");
    EXPECT_EQ(answers(**rw, {101, 102, 103, 104, 105, 106}, 3), "new:3/3 newer:3/3 old:3/3 ");
}

TEST(fp_filter, inside_a_batch_the_pending_postings_are_found) {
    const auto path = test::temp_sqlite("rg-fpfilter", "batch");
    auto rw = open_history(path, open_mode::read_write);
    ASSERT_TRUE(rw.has_value());
    auto mem = make_memory_history();
    std::mt19937_64 rng(7);
    learn_random(**rw, *mem, 600, rng);  // a built filter
    ASSERT_TRUE((*rw)->begin_batch());
    const std::vector<std::uint64_t> fresh = random_hashes(rng);
    ASSERT_TRUE(*(*rw)->put(msg("new", "TN", fresh)));
    ASSERT_TRUE(*mem->put(msg("new", "TN", fresh)));
    // The learner's own lookup (quoted_sources) of the message just put.
    EXPECT_EQ(answers(**rw, fresh, 3), "new:48/48 ");
    ASSERT_TRUE((*rw)->rollback_batch());
    EXPECT_EQ(answers(**rw, fresh, 3), "");
}

TEST(fp_filter, a_reader_sees_what_is_learnt_after_its_memos_were_filled) {
    const auto path = test::temp_sqlite("rg-fpfilter", "reader");
    auto rw = open_history(path, open_mode::read_write);
    ASSERT_TRUE(rw.has_value());
    auto mem = make_memory_history();
    std::mt19937_64 rng(11);
    learn_random(**rw, *mem, 600, rng);
    auto ro = open_history(path, open_mode::read_only);
    ASSERT_TRUE(ro.has_value());
    const std::vector<std::uint64_t> fresh = random_hashes(rng);
    const std::uint64_t boiler = rng();
    EXPECT_EQ(answers(**ro, fresh, 3), "");
    EXPECT_FALSE((*ro)->find_thread("TX")->has_value());
    // Another connection learns: the reader's filter rows and thread memo are stale now.
    ASSERT_TRUE(*(*rw)->put(msg("x", "TX", fresh)));
    EXPECT_EQ(answers(**ro, fresh, 3), "x:48/48 ");
    auto t = (*ro)->find_thread("TX");
    ASSERT_TRUE(t.has_value() && t->has_value());
    EXPECT_EQ((*t)->messages, 1u);
    // A boilerplate hash remembered at max_df 3 still counts at a larger max_df.
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(*(*rw)->put(msg("b" + std::to_string(i), "TB", {boiler, rng()})));
    const std::vector<std::uint64_t> q{boiler};
    EXPECT_EQ(answers(**ro, q, 3), "");
    EXPECT_EQ(answers(**ro, q, 20), "b0:1/2 b1:1/2 b2:1/2 b3:1/2 b4:1/2 ");
    // Its whole posting list, remembered at max_df 20, answers for both again; a sixth
    // posting learnt by the other connection is seen.
    EXPECT_EQ(answers(**ro, q, 3), "");
    EXPECT_EQ(answers(**ro, q, 20), "b0:1/2 b1:1/2 b2:1/2 b3:1/2 b4:1/2 ");
    ASSERT_TRUE(*(*rw)->put(msg("b5", "TB", {boiler, rng()})));
    EXPECT_EQ(answers(**ro, q, 20), "b0:1/2 b1:1/2 b2:1/2 b3:1/2 b4:1/2 b5:1/2 ");
    EXPECT_EQ(answers(**ro, q, 5), "");
    // The same, asked through a batched read (one snapshot, memos checked once).
    read_batch b;
    b.fingerprints = fresh;
    b.max_df = 3;
    b.threads = {"TX", "TB", "none"};
    auto a = (*ro)->read(b);
    ASSERT_TRUE(a.has_value()) << a.error().message;
    ASSERT_EQ(a->fingerprint_hits.size(), 1u);
    EXPECT_EQ(a->fingerprint_hits[0].message_key, "x");
    ASSERT_EQ(a->threads.size(), 3u);
    EXPECT_TRUE(a->threads[0] && a->threads[1] && !a->threads[2]);
}

// find_profile's memo: a read-only connection reads a sender's profile once, and
// reads it again once another connection has learnt (or the profile appears).
TEST(fp_filter, a_reader_sees_profiles_learnt_after_its_memo_was_filled) {
    const auto path = test::temp_sqlite("rg-fpfilter", "profiles");
    auto rw = open_history(path, open_mode::read_write);
    ASSERT_TRUE(rw.has_value());
    ASSERT_TRUE(*(*rw)->put(msg("p0", "TP", {1, 2, 3})));
    auto ro = open_history(path, open_mode::read_only);
    ASSERT_TRUE(ro.has_value());
    const std::string who = "addr:a@partner.example";
    const auto update = [&](const std::string& key, const std::string& hour) {
        return profile_update{key, {who}, {{"mua", "microsoft outlook 16", 8}, {"hour", hour, 24}}};
    };
    const auto messages = [&](history& h) -> std::int64_t {
        auto p = h.find_profile(who);
        EXPECT_TRUE(p.has_value()) << p.error().message;
        return p && *p ? static_cast<std::int64_t>((*p)->messages) : -1;
    };
    EXPECT_EQ(messages(**ro), -1);  // no profile yet, remembered as such
    EXPECT_EQ(messages(**ro), -1);
    ASSERT_TRUE((*rw)->learn_profile(update("m1", "09")).has_value());
    EXPECT_EQ(messages(**ro), 1);
    EXPECT_EQ(messages(**ro), 1);  // from the memo
    ASSERT_TRUE((*rw)->learn_profile(update("m2", "10")).has_value());
    EXPECT_EQ(messages(**ro), 2);
    auto p = (*ro)->find_profile(who);
    ASSERT_TRUE(p.has_value() && p->has_value());
    EXPECT_EQ((*p)->axes.at("hour").size(), 2u);
    auto w = (*rw)->find_profile(who);
    ASSERT_TRUE(w.has_value() && w->has_value());
    EXPECT_EQ((*p)->axes, (*w)->axes);
}

// find_correspondent's and addresses_for_name's memos: answers of a read-only
// connection equal a writer's before and after the writer learns, also for a
// correspondent and a name with more strings than a memo keeps.
TEST(fp_filter, a_reader_sees_correspondents_and_names_learnt_after_its_memo_was_filled) {
    const auto path = test::temp_sqlite("rg-fpfilter", "people");
    auto rw = open_history(path, open_mode::read_write);
    ASSERT_TRUE(rw.has_value());
    auto from = [](const std::string& key, const std::string& sender, const std::string& name, int recipients) {
        learnt_message m = msg(key, "T" + key, {});
        m.rec.from_address = sender;
        m.participants = {{sender, name}};
        for (int i = 0; i < recipients; ++i) {
            const std::string to = "to" + std::to_string(i) + "@ours.example";
            m.rec.recipients.push_back(to);
            m.wrote_to.push_back(to);
            m.participants.push_back({to, ""});
        }
        m.names = {{"yamada taro", sender}};
        return m;
    };
    ASSERT_TRUE(*(*rw)->put(from("k0", "few@partner.example", "Yamada Taro", 2)));
    ASSERT_TRUE(*(*rw)->put(from("k1", "many@partner.example", "Yamada Taro", 40)));
    auto ro = open_history(path, open_mode::read_only);
    ASSERT_TRUE(ro.has_value());
    auto same = [&](const std::string& who) {
        auto a = (*ro)->find_correspondent(who);
        auto b = (*rw)->find_correspondent(who);
        ASSERT_TRUE(a.has_value() && b.has_value());
        ASSERT_EQ(a->has_value(), b->has_value()) << who;
        if (!*a) return;
        EXPECT_EQ((*a)->count, (*b)->count) << who;
        EXPECT_EQ((*a)->last_seen, (*b)->last_seen) << who;
        EXPECT_EQ((*a)->names, (*b)->names) << who;
        EXPECT_EQ((*a)->wrote_to, (*b)->wrote_to) << who;
    };
    auto names = [&](history& h) {
        auto v = h.addresses_for_name("yamada taro");
        EXPECT_TRUE(v.has_value());
        return v ? *v : std::vector<std::string>{};
    };
    for (int round = 0; round < 2; ++round) {  // the second from the memos
        for (const char* who : {"few@partner.example", "many@partner.example", "new@partner.example"}) same(who);
        EXPECT_EQ(names(**ro), names(**rw));
    }
    auto before = (*ro)->find_correspondent("few@partner.example");
    ASSERT_TRUE(before.has_value() && before->has_value());
    EXPECT_EQ((*before)->wrote_to.size(), 2u);
    ASSERT_TRUE(*(*rw)->put(from("k2", "few@partner.example", "Taro Yamada", 3)));
    ASSERT_TRUE(*(*rw)->put(from("k3", "many@partner.example", "Yamada T.", 41)));
    ASSERT_TRUE(*(*rw)->put(from("k4", "new@partner.example", "Yamada Taro", 1)));
    for (int round = 0; round < 2; ++round) {
        for (const char* who : {"few@partner.example", "many@partner.example", "new@partner.example"}) same(who);
        EXPECT_EQ(names(**ro), names(**rw));
    }
    auto after = (*ro)->find_correspondent("few@partner.example");
    ASSERT_TRUE(after.has_value() && after->has_value());
    EXPECT_EQ((*after)->wrote_to.size(), 3u);
    EXPECT_EQ((*after)->count, 2u);
    EXPECT_EQ(names(**ro).size(), 3u);

    // Our domains, the known domains and the counts, remembered the same way.
    auto org = [](history& h) {
        auto v = h.org_domains();
        EXPECT_TRUE(v.has_value());
        return v ? *v : std::vector<std::string>{};
    };
    auto known = [](history& h, std::string_view d) {
        auto v = h.is_known_domain(d);
        EXPECT_TRUE(v.has_value());
        return v && *v;
    };
    auto counted = [](history& h) {
        auto v = h.stats();
        EXPECT_TRUE(v.has_value());
        return v ? v->messages : 0;
    };
    for (int round = 0; round < 2; ++round) {
        EXPECT_TRUE(org(**ro).empty());
        EXPECT_FALSE(known(**ro, "later.example"));
        EXPECT_EQ(counted(**ro), 5u);
    }
    ASSERT_TRUE((*rw)->add_org_domain("ours.example").has_value());
    learnt_message later = from("k5", "someone@later.example", "Someone", 1);
    later.domains = {"later.example"};
    ASSERT_TRUE(*(*rw)->put(later));
    for (int round = 0; round < 2; ++round) {
        EXPECT_EQ(org(**ro), std::vector<std::string>{"ours.example"});
        EXPECT_TRUE(known(**ro, "later.example"));
        EXPECT_EQ(counted(**ro), 6u);
    }
}

TEST(fp_filter, is_consulted_and_a_missing_or_damaged_one_changes_no_answer) {
    const auto path = test::temp_sqlite("rg-fpfilter", "damaged");
    std::mt19937_64 rng(5);
    auto mem = make_memory_history();
    std::vector<std::vector<std::uint64_t>> stored;
    {
        auto rw = open_history(path, open_mode::read_write);
        ASSERT_TRUE(rw.has_value());
        stored = learn_random(**rw, *mem, 1000, rng);
    }
    const auto q = query(stored, rng);
    const auto want = answers(*mem, q, 3);
    ASSERT_NE(want, "");
    auto reader = [&] {
        auto ro = open_history(path, open_mode::read_only);
        EXPECT_TRUE(ro.has_value());
        return std::move(*ro);
    };
    EXPECT_EQ(answers(*reader(), q, 3), want);
    // Every row of the right size but empty: the filter says "absent" for every hash,
    // so it is what the lookup reads (a damage no check can see; it is not a case to support).
    exec(path, "UPDATE fp_filter SET bits=zeroblob(1024)");
    EXPECT_EQ(answers(*reader(), q, 3), "");
    // Rows of the wrong size are not read as a filter: the lookup probes every hash.
    exec(path, "UPDATE fp_filter SET bits=zeroblob(10)");
    EXPECT_EQ(answers(*reader(), q, 3), want);
    // No filter at all (a file migrated to 7 by a learn that wrote nothing yet).
    exec(path, "DELETE FROM fp_filter_meta");
    EXPECT_EQ(answers(*reader(), q, 3), want);
    {
        // The next learn commit builds it again from the postings.
        auto rw = open_history(path, open_mode::read_write);
        ASSERT_TRUE(rw.has_value());
        ASSERT_TRUE((*rw)->begin_batch());
        ASSERT_TRUE((*rw)->commit_batch());
    }
    EXPECT_GT(one_int(path, "SELECT word_bits FROM fp_filter_meta"), 0);
    EXPECT_EQ(one_int(path, "SELECT count(*) FROM fp_filter WHERE length(bits)=1024"),
              one_int(path, "SELECT count(*) FROM fp_filter"));
    EXPECT_EQ(answers(*reader(), q, 3), want);
}

}  // namespace
