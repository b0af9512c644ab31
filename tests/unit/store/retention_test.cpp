// SPDX-License-Identifier: Apache-2.0
// retention_test.cpp - history::prune() (issue 13 item 3): the same rules from every backend
//
// A history laid over eleven years and a fixed `now`: exactly what the policy says
// is gone, everything else is kept (a thread answered last month is kept whole,
// undated mail is never judged old), a dry run counts what the real prune then
// removes, the counts of stats() follow, and a second prune finds nothing. Then
// SQLite specifics: an upgrade of a schema 5 file, a dry run on a read-only open,
// a prune larger than one write transaction.
#include "history_backends.hpp"
#include "old_history.hpp"
#include "redis_server.hpp"
#include "sqlite_peek.hpp"
#include "store/fp_levels.hpp"
#include "store/history.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <functional>

using namespace replyguard;
using namespace replyguard::store;

namespace {

using test::exec;
using test::one_int;

constexpr std::int64_t k_day = 86400;
constexpr std::int64_t k_now = 1'796'083'200;  // 2026-12-01T00:00:00Z
constexpr std::int64_t ago(std::int64_t days) { return k_now - days * k_day; }

std::string temp_db(const std::string& tag) { return test::temp_sqlite("rg-retention", tag); }

learnt_message mail(const std::string& key, const std::string& thread, const std::string& from,
                    std::vector<std::string> to, std::int64_t date, std::vector<std::uint64_t> fps = {}) {
    learnt_message m;
    m.rec.key = key;
    m.rec.message_id = key;
    m.rec.thread_id = thread;
    m.rec.date = date;
    m.rec.from_address = from;
    m.rec.from_name = "Name " + from;
    m.rec.recipients = to;
    m.rec.subject = "Re: about " + thread;
    m.rec.subject_key = "about " + thread;
    m.thread_subject = "about " + thread;
    m.participants.push_back({from, "Name " + from});
    for (const auto& t : to) m.participants.push_back({t, ""});
    m.names.emplace_back("name" + from, from);
    m.wrote_to = to;
    for (const auto& a : m.participants) m.domains.push_back(a.address.substr(a.address.find('@') + 1));
    m.fingerprints = std::move(fps);
    return m;
}

profile_update seen_from(const std::string& key, const std::string& from, const std::string& org) {
    return profile_update{key, {"addr:" + from, "org:" + org}, {{"client", "Outlook 16", 16}}};
}

using backend = test::history_backend;

class retention : public ::testing::TestWithParam<backend> {
protected:
    void SetUp() override {
        if (std::string why = GetParam().unavailable(); !why.empty()) GTEST_SKIP() << why;
        std::string tag = ::testing::UnitTest::GetInstance()->current_test_info()->name();
        std::replace(tag.begin(), tag.end(), '/', '_');
        h_ = GetParam().open(tag);
        ASSERT_TRUE(h_);
        // A backend without prune (Redis before its override) says so and is skipped.
        auto probe = h_->prune(retention_policy{}, k_now, true);
        if (!probe && probe.error().code == errc::unsupported) GTEST_SKIP() << probe.error().message;
        ASSERT_TRUE(probe.has_value()) << probe.error().message;
        const std::string me = "me@ours.example";
        auto put = [&](const learnt_message& m) { ASSERT_TRUE(*h_->put(m)) << m.rec.key; };
        // Dead for 11 years: the message, its thread and, past 3650 days, its people.
        put(mail("ancient1", "T_ANCIENT", "ancient@ancient.example", {me, "cc@ancient.example"}, ago(4000), {50}));
        // Dead for 8 years (messages, threads, fingerprints go; the people stay: < 3650 days).
        put(mail("old1", "T_OLD", "old@gone.example", {me}, ago(3000), {1, 2, 3}));
        put(mail("old2", "T_OLD", me, {"old@gone.example"}, ago(2900), {4, 5}));
        // Started 7 years ago, answered last month: kept whole; fingerprints of its old messages go.
        put(mail("live1", "T_LIVE", "x@mail.partner.example", {me}, ago(2500), {10, 11}));
        put(mail("live2", "T_LIVE", me, {"x@mail.partner.example"}, ago(2000), {13}));
        put(mail("live3", "T_LIVE", "x@mail.partner.example", {me}, ago(30), {12}));
        // 600 days: kept, but past the fingerprint days.
        put(mail("mid1", "T_MID", "y@partner.example", {me}, ago(600), {20, 21, 22}));
        // Last week, and undated: kept with their fingerprints.
        put(mail("new1", "T_NEW", "z@new.example", {me}, ago(7), {30}));
        put(mail("nodate1", "T_NODATE", "undated@nodate.example", {me}, 0, {40}));
        for (const auto& [k, from, org] :
             std::vector<std::array<std::string, 3>>{{"ancient1", "ancient@ancient.example", "ancient.example"},
                                                     {"old1", "old@gone.example", "gone.example"},
                                                     {"live1", "x@mail.partner.example", "partner.example"},
                                                     {"live3", "x@mail.partner.example", "partner.example"},
                                                     {"nodate1", "undated@nodate.example", "nodate.example"}})
            ASSERT_TRUE(*h_->learn_profile(seen_from(k, from, org)));
    }

    bool has_message(const char* k) { return h_->find_message(k)->has_value(); }
    bool has_thread(const char* t) { return h_->find_thread(t)->has_value(); }
    bool has_corr(const char* a) { return h_->find_correspondent(a)->has_value(); }
    bool has_profile(const std::string& p) { return h_->find_profile(p)->has_value(); }
    /// Keys of the messages a fingerprint finds.
    std::vector<std::string> fp_hits(std::uint64_t fp) {
        std::vector<std::string> out;
        auto hits = h_->match_fingerprints(std::vector<std::uint64_t>{fp}, 20);
        EXPECT_TRUE(hits.has_value());
        if (hits)
            for (const auto& x : *hits) out.push_back(x.message_key);
        return out;
    }

    std::unique_ptr<history> h_;
};

using strings = std::vector<std::string>;

TEST_P(retention, the_default_policy_removes_exactly_what_it_says) {
    const auto before = *h_->stats();
    EXPECT_EQ(before.messages, 9u);
    EXPECT_EQ(before.threads, 6u);

    auto dry = h_->prune(retention_policy{}, k_now, true);
    ASSERT_TRUE(dry.has_value()) << dry.error().message;
    // fingerprints: T_ANCIENT 1, T_OLD 5, T_LIVE's two old messages 3, T_MID 3.
    EXPECT_EQ(dry->fingerprints, 12u);
    EXPECT_EQ(dry->messages, 3u);
    EXPECT_EQ(dry->threads, 2u);
    EXPECT_EQ(dry->correspondents, 2u);  // ancient@ and cc@ancient.example
    EXPECT_EQ(dry->profiles, 2u);        // addr:ancient@ancient.example, org:ancient.example
    // A dry run changes nothing.
    EXPECT_TRUE(has_message("ancient1") && has_message("old1") && has_thread("T_OLD"));
    EXPECT_EQ(fp_hits(1), strings{"old1"});
    EXPECT_EQ(h_->stats()->messages, 9u);

    auto real = h_->prune(retention_policy{}, k_now, false);
    ASSERT_TRUE(real.has_value()) << real.error().message;
    EXPECT_EQ(real->fingerprints, dry->fingerprints);
    EXPECT_EQ(real->messages, dry->messages);
    EXPECT_EQ(real->threads, dry->threads);
    EXPECT_EQ(real->correspondents, dry->correspondents);
    EXPECT_EQ(real->profiles, dry->profiles);

    // Gone: the dead threads, their messages, subjects and fingerprints.
    for (const char* k : {"ancient1", "old1", "old2"}) EXPECT_FALSE(has_message(k)) << k;
    EXPECT_FALSE(has_thread("T_ANCIENT"));
    EXPECT_FALSE(has_thread("T_OLD"));
    EXPECT_TRUE(h_->threads_by_subject("about T_OLD")->empty());
    for (std::uint64_t fp : {1, 2, 3, 4, 5, 50, 10, 11, 13, 20, 21, 22}) EXPECT_TRUE(fp_hits(fp).empty()) << fp;
    // Kept: the answered thread whole, the recent and the undated mail.
    for (const char* k : {"live1", "live2", "live3", "mid1", "new1", "nodate1"}) EXPECT_TRUE(has_message(k)) << k;
    auto live = **h_->find_thread("T_LIVE");
    EXPECT_EQ(live.messages, 3u);
    EXPECT_EQ(live.participants.size(), 2u);
    EXPECT_EQ(*h_->threads_by_subject("about T_LIVE"), strings{"T_LIVE"});
    EXPECT_TRUE(has_thread("T_MID") && has_thread("T_NEW") && has_thread("T_NODATE"));
    EXPECT_EQ(fp_hits(12), strings{"live3"});
    EXPECT_EQ(fp_hits(30), strings{"new1"});
    EXPECT_EQ(fp_hits(40), strings{"nodate1"});
    // People: seen within ten years are kept, with their names; the others go with their name-index rows.
    EXPECT_FALSE(has_corr("ancient@ancient.example"));
    EXPECT_FALSE(has_corr("cc@ancient.example"));
    EXPECT_TRUE(h_->addresses_for_name("nameancient@ancient.example")->empty());
    ASSERT_TRUE(has_corr("old@gone.example"));
    EXPECT_EQ((*h_->find_correspondent("old@gone.example"))->names, strings{"Name old@gone.example"});
    EXPECT_EQ(*h_->addresses_for_name("nameold@gone.example"), strings{"old@gone.example"});
    EXPECT_TRUE(has_corr("me@ours.example") && has_corr("undated@nodate.example"));
    EXPECT_FALSE(has_profile("addr:ancient@ancient.example"));
    EXPECT_FALSE(has_profile("org:ancient.example"));
    for (const char* p : {"addr:old@gone.example", "org:gone.example", "addr:x@mail.partner.example",
                          "org:partner.example", "org:nodate.example"})
        EXPECT_TRUE(has_profile(p)) << p;
    EXPECT_EQ((*h_->find_profile("org:partner.example"))->messages, 2u);

    // The counts follow.
    const auto after = *h_->stats();
    EXPECT_EQ(after.messages, before.messages - 3);
    EXPECT_EQ(after.threads, before.threads - 2);
    EXPECT_EQ(after.correspondents, before.correspondents - 2);

    // Nothing is left to remove.
    auto again = h_->prune(retention_policy{}, k_now, false);
    ASSERT_TRUE(again.has_value());
    EXPECT_EQ(again->fingerprints + again->messages + again->threads + again->correspondents + again->profiles, 0u);
}

TEST_P(retention, zero_days_keep_for_ever_and_kinds_are_independent) {
    auto none = h_->prune(retention_policy{0, 0, 0}, k_now, false);
    ASSERT_TRUE(none.has_value()) << none.error().message;
    EXPECT_EQ(none->fingerprints + none->messages + none->threads + none->correspondents + none->profiles, 0u);
    EXPECT_EQ(h_->stats()->messages, 9u);

    // Fingerprints only (30 days): every message stays, only the old postings go.
    auto fps = h_->prune(retention_policy{30, 0, 0}, k_now, false);
    ASSERT_TRUE(fps.has_value());
    EXPECT_EQ(fps->fingerprints, 12u);  // all but live3's (30 days old: not older), new1's and the undated one's
    EXPECT_EQ(fps->messages, 0u);
    EXPECT_EQ(h_->stats()->messages, 9u);
    EXPECT_EQ(fp_hits(12), strings{"live3"});
    EXPECT_TRUE(fp_hits(50).empty());

    // Messages kept for ever, correspondents for a year: the people of old threads go,
    // their threads stay.
    auto people = h_->prune(retention_policy{0, 0, 365}, k_now, false);
    ASSERT_TRUE(people.has_value());
    EXPECT_EQ(people->messages, 0u);
    EXPECT_EQ(people->correspondents, 4u);  // ancient@, cc@ancient, old@gone, y@partner (x@mail.partner: last month)
    EXPECT_TRUE(has_thread("T_ANCIENT"));
    EXPECT_TRUE(has_corr("x@mail.partner.example"));
    EXPECT_FALSE(has_corr("y@partner.example"));
    // org:partner.example is kept through its subdomain's correspondent seen last month.
    EXPECT_TRUE(has_profile("org:partner.example"));
    EXPECT_FALSE(has_profile("org:gone.example"));
    EXPECT_TRUE(has_profile("org:nodate.example"));  // undated: never judged old
}

TEST_P(retention, a_dead_thread_answered_is_alive_again) {
    // A reply to T_OLD today: the whole thread is kept, its old fingerprints still go.
    ASSERT_TRUE(*h_->put(mail("old3", "T_OLD", "old@gone.example", {"me@ours.example"}, ago(1), {6})));
    auto r = h_->prune(retention_policy{}, k_now, false);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->messages, 1u);  // ancient1 only
    EXPECT_EQ(r->threads, 1u);
    for (const char* k : {"old1", "old2", "old3"}) EXPECT_TRUE(has_message(k)) << k;
    EXPECT_EQ((*h_->find_thread("T_OLD"))->messages, 3u);
    EXPECT_TRUE(fp_hits(1).empty());
    EXPECT_EQ(fp_hits(6), strings{"old3"});
}

TEST_P(retention, negative_days_are_refused) {
    auto r = h_->prune(retention_policy{-1, 1825, 3650}, k_now, true);
    EXPECT_FALSE(r.has_value());
}

INSTANTIATE_TEST_SUITE_P(all, retention, ::testing::ValuesIn(test::history_backends("rg-retention")),
                         [](const auto& info) { return std::string(info.param.name); });

// ---- SQLite specifics -----------------------------------------------------

// Migration 6 (the date index) upgrades a file of schema 5 in place; the prune then
// removes its old rows and keeps history_counts equal to the tables.
TEST(sqlite_retention, a_schema_5_file_is_upgraded_and_pruned) {
    auto p = temp_db("v5");
    ASSERT_EQ(test::make_old_history(p, 5), "");
    {
        sqlite3* db = nullptr;
        ASSERT_EQ(sqlite3_open(p.c_str(), &db), SQLITE_OK);
        const std::string rows =
            "INSERT INTO messages(key, message_id, thread_id, date, from_addr, from_name, recipients, subject, "
            "subject_key, sent, fp_n) VALUES ('a@x','a@x','T1'," +
            std::to_string(ago(3000)) +
            ",'taro@partner.co.jp','Taro','me@ours.co.jp','Re: q','q',0,2), ('b@x','b@x','T2'," +
            std::to_string(ago(10)) + ",'taro@partner.co.jp','Taro','me@ours.co.jp','Re: r','r',0,1);" +
            "INSERT INTO threads VALUES ('T1','q','q'," + std::to_string(ago(3000)) + "," + std::to_string(ago(3000)) +
            ",1), ('T2','r','r'," + std::to_string(ago(10)) + "," + std::to_string(ago(10)) + ",1);" +
            "INSERT INTO thread_participants VALUES ('T1','taro@partner.co.jp','Taro'), ('T2','taro@partner.co.jp','Taro');"
            "INSERT INTO correspondents VALUES ('taro@partner.co.jp'," +
            std::to_string(ago(3000)) + "," + std::to_string(ago(10)) + ",2);" +
            "INSERT INTO fp_postings VALUES (11,1), (12,1), (13,2);"
            "DELETE FROM history_counts; INSERT INTO history_counts VALUES (2, 2, 1);";
        ASSERT_EQ(sqlite3_exec(db, rows.c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
        sqlite3_close(db);
    }
    {
        auto ro = open_history(p, open_mode::read_only);  // a dry run on the old file, read only
        ASSERT_TRUE(ro.has_value()) << ro.error().message;
        auto dry = (*ro)->prune(retention_policy{}, k_now, true);
        ASSERT_TRUE(dry.has_value()) << dry.error().message;
        EXPECT_EQ(dry->messages, 1u);
        EXPECT_EQ(dry->fingerprints, 2u);
        EXPECT_FALSE((*ro)->prune(retention_policy{}, k_now, false).has_value());  // read only: no real prune
    }
    EXPECT_EQ(one_int(p, "SELECT version FROM schema_version"), 5);  // the dry run wrote nothing
    auto rw = open_history(p, open_mode::read_write);
    ASSERT_TRUE(rw.has_value()) << rw.error().message;
    auto r = (*rw)->prune(retention_policy{}, k_now, false);
    ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_EQ(r->messages, 1u);
    EXPECT_EQ(r->threads, 1u);
    EXPECT_EQ(r->fingerprints, 2u);
    EXPECT_EQ(r->correspondents, 0u);
    rw->reset();
    EXPECT_EQ(one_int(p, "SELECT version FROM schema_version"), sqlite_schema_version());
    EXPECT_EQ(one_int(p, "SELECT count(*) FROM sqlite_master WHERE type='index' AND name='messages_date'"), 1);
    EXPECT_EQ(one_int(p, "SELECT count(*) FROM fp_postings"), 1);
    EXPECT_EQ(one_int(p, "SELECT count(*) FROM thread_participants"), 1);
    EXPECT_EQ(one_int(p, "SELECT messages FROM history_counts"), one_int(p, "SELECT count(*) FROM messages"));
    EXPECT_EQ(one_int(p, "SELECT threads FROM history_counts"), one_int(p, "SELECT count(*) FROM threads"));
}

// More than one write transaction of each kind (k_prune_rows, k_prune_postings):
// the batches together remove exactly what one would, and the counts stay equal to the tables.
// The postings in both levels (store/fp_levels.hpp): the first two batches merged into
// fp_postings, the third still in fp_recent; the dry run counts both, the prune merges
// them and removes from the one table.
TEST(sqlite_retention, a_prune_larger_than_one_transaction) {
    auto p = temp_db("large");
    auto h = open_history(p, open_mode::read_write);
    ASSERT_TRUE(h.has_value()) << h.error().message;
    constexpr int k_old = 4100, k_kept = 300, k_fps = 15;  // 61,500 old postings
    for (int i = 0; i < k_old + k_kept; ++i) {
        if (i == 0 || i == 2000 || i == 3500) {
            if (i > 0) {
                ASSERT_TRUE((*h)->commit_batch());
            }
            // The second commit finds a merge due (as if k_recent_min postings were learnt).
            if (i == 2000) exec(p, "UPDATE fp_levels SET recent=recent+" + std::to_string(k_recent_min));
            ASSERT_TRUE((*h)->begin_batch());
        }
        const bool old = i < k_old;
        std::vector<std::uint64_t> fps;
        for (int f = 0; f < k_fps; ++f) fps.push_back(static_cast<std::uint64_t>(i) * 1000003u + f);
        const std::string from = "p" + std::to_string(i % 2500) + (old ? "@old.example" : "@kept.example");
        ASSERT_TRUE(*(*h)->put(mail("m" + std::to_string(i), "T" + std::to_string(i), from, {"me@ours.example"},
                                    old ? ago(4000 + i % 50) : ago(10), fps)));
    }
    ASSERT_TRUE((*h)->commit_batch());
    EXPECT_EQ(one_int(p, "SELECT count(*) FROM fp_postings"), 3500 * k_fps);
    EXPECT_EQ(one_int(p, "SELECT count(*) FROM fp_recent"), 900 * k_fps);
    auto dry = (*h)->prune(retention_policy{}, k_now, true);
    ASSERT_TRUE(dry.has_value()) << dry.error().message;
    auto r = (*h)->prune(retention_policy{}, k_now, false);
    ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_EQ(r->messages, static_cast<std::uint64_t>(k_old));
    EXPECT_EQ(r->threads, static_cast<std::uint64_t>(k_old));
    EXPECT_EQ(r->fingerprints, static_cast<std::uint64_t>(k_old * k_fps));
    EXPECT_EQ(r->correspondents, 2500u);
    EXPECT_EQ(dry->messages, r->messages);
    EXPECT_EQ(dry->fingerprints, r->fingerprints);
    EXPECT_EQ(dry->correspondents, r->correspondents);
    EXPECT_EQ(dry->profiles, r->profiles);
    h->reset();
    EXPECT_EQ(one_int(p, "SELECT count(*) FROM messages"), k_kept);
    EXPECT_EQ(one_int(p, "SELECT count(*) FROM fp_postings"), k_kept * k_fps);
    EXPECT_EQ(one_int(p, "SELECT count(*) FROM fp_recent"), 0);
    EXPECT_EQ(one_int(p, "SELECT main FROM fp_levels"), k_kept * k_fps);
    EXPECT_EQ(one_int(p, "SELECT recent FROM fp_levels"), 0);
    EXPECT_EQ(one_int(p, "SELECT count(*) FROM name_index"), 300 + 0);  // the kept senders' names only
    EXPECT_EQ(one_int(p, "SELECT messages FROM history_counts"), k_kept);
    EXPECT_EQ(one_int(p, "SELECT threads FROM history_counts"), k_kept);
    EXPECT_EQ(one_int(p, "SELECT correspondents FROM history_counts"),
              one_int(p, "SELECT count(*) FROM correspondents"));
}

}  // namespace
