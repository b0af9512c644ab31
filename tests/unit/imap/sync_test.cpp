// SPDX-License-Identifier: Apache-2.0
// tests/unit/imap/sync_test.cpp - the incremental mailbox loop against a fake mailbox
//
// What the Dovecot test (tests/cli/imap_dovecot.sh) shows end to end, here for
// every interruption point: a failure at any step resumes at the first message
// not handled, none is missed, and only the one in flight is handled twice.
#include "imap/sync.hpp"
#include "store/history.hpp"
#include "store/imap_state.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include <unistd.h>

using namespace replyguard;
using namespace replyguard::imap;

namespace {

struct fake_mailbox final : mailbox_access {
    struct msg {
        std::vector<std::string> flags;
        std::string bytes;
    };
    std::uint32_t uidvalidity = 100;
    std::uint32_t uidnext = 1;
    std::map<std::uint32_t, msg> msgs;
    int fail_fetch_at = -1;  ///< the Nth fetch (from 0) fails with a dropped connection
    int fetches = 0;
    std::size_t too_large = 0;  ///< messages larger than this are refused (0: no limit)
    std::vector<std::uint32_t> unseen_restored;

    void deliver(std::string bytes, std::vector<std::string> flags = {}) {
        msgs[uidnext++] = msg{std::move(flags), std::move(bytes)};
    }
    imap_result<std::vector<list_entry>> list() override { return std::vector<list_entry>{}; }
    imap_result<mailbox_status> status(std::string_view mb) override {
        if (mb != "INBOX") return imap_fail(failure::no_mailbox, "no mailbox");
        return mailbox_status{uidvalidity, uidnext, static_cast<std::uint32_t>(msgs.size())};
    }
    imap_result<std::vector<uid_flags>> messages_after(std::string_view, std::uint32_t after) override {
        if (msgs.empty()) return imap_fail(failure::refused, "BAD Invalid messageset");  // as some servers answer
        std::vector<uid_flags> out;
        for (auto& [uid, m] : msgs)
            if (uid > after) out.push_back({uid, m.flags});
        if (out.empty() && !msgs.empty()) out.push_back({msgs.rbegin()->first, msgs.rbegin()->second.flags});  // "N:*"
        return out;
    }
    imap_result<std::string> fetch(std::string_view, std::uint32_t v, std::uint32_t uid) override {
        if (fetches++ == fail_fetch_at) return imap_fail(failure::connection, "connection reset");
        if (v != uidvalidity) return imap_fail(failure::uidvalidity, "rebuilt");
        auto it = msgs.find(uid);
        if (it == msgs.end()) return imap_fail(failure::gone, "gone");
        if (too_large && it->second.bytes.size() > too_large) return imap_fail(failure::too_large, "too large");
        it->second.flags.push_back("\\Seen");  // as BODY[] does
        return it->second.bytes;
    }
    imap_result<void> store_flags(std::string_view, std::uint32_t uid, bool add, std::string_view f) override {
        auto& fl = msgs.at(uid).flags;
        if (add)
            fl.emplace_back(f);
        else {
            std::erase(fl, std::string(f));
            unseen_restored.push_back(uid);
        }
        return {};
    }
    imap_result<void> move(std::string_view, std::uint32_t uid, std::string_view) override {
        msgs.erase(uid);
        return {};
    }
    imap_result<void> create(std::string_view) override { return {}; }
};

sync_options learn_opts() { return {"imaps://u@h:993", "learn", "$Replyguard", true, ""}; }
sync_options watch_opts() { return {"imaps://u@h:993", "watch", "$Replyguard", false, "learn"}; }

struct recorder {
    std::vector<std::uint32_t> uids;
    std::vector<std::string> errors;
    message_handler fn() {
        return [this](fetched_message& m) -> imap_result<void> {
            uids.push_back(m.uid);
            if (m.error) errors.push_back(*m.error);
            return {};
        };
    }
};

}  // namespace

TEST(ImapSync, LearnReadsEverythingOnceThenNothing) {
    fake_mailbox box;
    for (int i = 0; i < 5; ++i)
        box.deliver("m" + std::to_string(i), i % 2 ? std::vector<std::string>{"\\Seen"} : std::vector<std::string>{});
    auto marks = store::make_memory_imap_state();
    recorder r;
    auto rep = sync_mailbox(box, *marks, "INBOX", learn_opts(), r.fn());
    ASSERT_TRUE(rep) << rep.error().message;
    EXPECT_TRUE(rep->started_over);
    EXPECT_EQ(rep->found, 5u);
    EXPECT_EQ(r.uids, (std::vector<std::uint32_t>{1, 2, 3, 4, 5}));
    // Unread mail is made unread again after the fetch; read mail is left alone.
    EXPECT_EQ(box.unseen_restored, (std::vector<std::uint32_t>{1, 3, 5}));
    for (auto& [uid, m] : box.msgs) EXPECT_EQ(has_flag(m.flags, "\\Seen"), uid % 2 == 0) << uid;

    recorder again;
    auto rep2 = sync_mailbox(box, *marks, "INBOX", learn_opts(), again.fn());
    ASSERT_TRUE(rep2);
    EXPECT_FALSE(rep2->started_over);
    EXPECT_EQ(rep2->from_uid, 5u);
    EXPECT_EQ(rep2->found, 0u);
    EXPECT_TRUE(again.uids.empty());

    box.deliver("new");
    recorder third;
    ASSERT_TRUE(sync_mailbox(box, *marks, "INBOX", learn_opts(), third.fn()));
    EXPECT_EQ(third.uids, (std::vector<std::uint32_t>{6}));
}

TEST(ImapSync, DroppedConnectionAtEveryFetchResumesWithoutLossOrRepeat) {
    for (int at = 0; at < 6; ++at) {
        fake_mailbox box;
        for (int i = 0; i < 6; ++i) box.deliver("m");
        box.fail_fetch_at = at;
        auto marks = store::make_memory_imap_state();
        recorder r;
        auto first = sync_mailbox(box, *marks, "INBOX", learn_opts(), r.fn());
        ASSERT_FALSE(first);
        EXPECT_TRUE(first.error().retryable());
        auto second = sync_mailbox(box, *marks, "INBOX", learn_opts(), r.fn());
        ASSERT_TRUE(second) << second.error().message;
        EXPECT_EQ(r.uids, (std::vector<std::uint32_t>{1, 2, 3, 4, 5, 6})) << "failure at fetch " << at;
    }
}

TEST(ImapSync, HandlerFailureKeepsTheMarkSoTheMessageIsRetried) {
    fake_mailbox box;
    for (int i = 0; i < 3; ++i) box.deliver("m");
    auto marks = store::make_memory_imap_state();
    std::vector<std::uint32_t> seen;
    bool fail_once = true;
    auto h = [&](fetched_message& m) -> imap_result<void> {
        seen.push_back(m.uid);
        if (m.uid == 2 && fail_once) {
            fail_once = false;
            return imap_fail(failure::connection, "dropped while moving");
        }
        return {};
    };
    EXPECT_FALSE(sync_mailbox(box, *marks, "INBOX", learn_opts(), h));
    auto mark = marks->get("imaps://u@h:993", "INBOX", "learn");
    ASSERT_TRUE(mark && *mark);
    EXPECT_EQ((*mark)->last_uid, 1u);
    ASSERT_TRUE(sync_mailbox(box, *marks, "INBOX", learn_opts(), h));
    EXPECT_EQ(seen, (std::vector<std::uint32_t>{1, 2, 2, 3}));  // only the one in flight twice
}

TEST(ImapSync, KeywordSkippedTooLargePassedWithError) {
    fake_mailbox box;
    box.deliver("small");
    box.deliver("judged", {"\\Flagged", "$replyguard"});
    box.deliver(std::string(100, 'x'));
    box.too_large = 50;
    auto marks = store::make_memory_imap_state();
    recorder r;
    auto rep = sync_mailbox(box, *marks, "INBOX", learn_opts(), r.fn());
    ASSERT_TRUE(rep);
    EXPECT_EQ(rep->skipped, 1u);
    EXPECT_EQ(r.uids, (std::vector<std::uint32_t>{1, 3}));
    ASSERT_EQ(r.errors.size(), 1u);
    EXPECT_EQ((*marks->get("imaps://u@h:993", "INBOX", "learn"))->last_uid, 3u);
}

TEST(ImapSync, UidValidityChangeStartsOver) {
    fake_mailbox box;
    for (int i = 0; i < 3; ++i) box.deliver("m");
    auto marks = store::make_memory_imap_state();
    recorder r;
    ASSERT_TRUE(sync_mailbox(box, *marks, "INBOX", learn_opts(), r.fn()));
    box.uidvalidity = 200;  // the mailbox was rebuilt: UIDs mean something else now
    recorder again;
    auto rep = sync_mailbox(box, *marks, "INBOX", learn_opts(), again.fn());
    ASSERT_TRUE(rep);
    EXPECT_TRUE(rep->validity_changed);
    EXPECT_EQ(again.uids, (std::vector<std::uint32_t>{1, 2, 3}));
}

TEST(ImapSync, WatchStartsAtNewMailOrWhereLearnStopped) {
    fake_mailbox box;
    for (int i = 0; i < 3; ++i) box.deliver("old");
    auto marks = store::make_memory_imap_state();
    recorder r;
    auto rep = sync_mailbox(box, *marks, "INBOX", watch_opts(), r.fn());
    ASSERT_TRUE(rep);
    EXPECT_EQ(rep->from_uid, 3u);  // never learnt: only mail arriving from now on
    EXPECT_TRUE(r.uids.empty());
    // Mail that arrives while watch is down is handled at the next start.
    box.deliver("while down");
    ASSERT_TRUE(sync_mailbox(box, *marks, "INBOX", watch_opts(), r.fn()));
    EXPECT_EQ(r.uids, (std::vector<std::uint32_t>{4}));

    // With a learn mark of the same UIDVALIDITY, watch continues from it.
    fake_mailbox box2;
    for (int i = 0; i < 4; ++i) box2.deliver("m");
    auto marks2 = store::make_memory_imap_state();
    ASSERT_TRUE(marks2->put("imaps://u@h:993", "INBOX", "learn", {100, 2}));
    recorder r2;
    ASSERT_TRUE(sync_mailbox(box2, *marks2, "INBOX", watch_opts(), r2.fn()));
    EXPECT_EQ(r2.uids, (std::vector<std::uint32_t>{3, 4}));
    // ...and later learning does not move watch's mark.
    ASSERT_TRUE(marks2->put("imaps://u@h:993", "INBOX", "learn", {100, 9}));
    box2.deliver("m5");
    recorder r3;
    ASSERT_TRUE(sync_mailbox(box2, *marks2, "INBOX", watch_opts(), r3.fn()));
    EXPECT_EQ(r3.uids, (std::vector<std::uint32_t>{5}));
}

TEST(ImapSync, EmptyMailboxAsksNothingMore) {
    fake_mailbox box;
    auto marks = store::make_memory_imap_state();
    recorder r;
    auto rep = sync_mailbox(box, *marks, "INBOX", watch_opts(), r.fn());
    ASSERT_TRUE(rep);
    EXPECT_EQ(rep->found, 0u);
    EXPECT_EQ(rep->from_uid, 0u);
    box.deliver("first");
    ASSERT_TRUE(sync_mailbox(box, *marks, "INBOX", watch_opts(), r.fn()));
    EXPECT_EQ(r.uids, (std::vector<std::uint32_t>{1}));
}

TEST(ImapSync, NoSuchMailboxIsNotRetryable) {
    fake_mailbox box;
    auto marks = store::make_memory_imap_state();
    recorder r;
    auto rep = sync_mailbox(box, *marks, "Nope", learn_opts(), r.fn());
    ASSERT_FALSE(rep);
    EXPECT_EQ(rep.error().kind, failure::no_mailbox);
    EXPECT_FALSE(rep.error().retryable());
}

TEST(ImapSync, DefaultMailboxes) {
    std::vector<list_entry> special{
        {"Quarantine", {"\\Junk"}}, {"&kAFP4W4IMH8wojCkMMYw4A-", {"\\HasNoChildren", "\\Sent"}}, {"INBOX", {}}};
    EXPECT_EQ(default_mailboxes(special), (std::vector<std::string>{"&kAFP4W4IMH8wojCkMMYw4A-", "INBOX"}));
    std::vector<list_entry> plain{{"INBOX", {}}, {"sent items", {}}};
    EXPECT_EQ(default_mailboxes(plain), (std::vector<std::string>{"sent items", "INBOX"}));
    std::vector<list_entry> none{{"INBOX", {}}, {"Sent", {"\\Noselect"}}};
    EXPECT_EQ(default_mailboxes(none), (std::vector<std::string>{"INBOX"}));
}

TEST(ImapSync, Backoff) {
    using std::chrono::seconds;
    EXPECT_EQ(next_backoff(seconds(0), seconds(60)), seconds(1));
    EXPECT_EQ(next_backoff(seconds(1), seconds(60)), seconds(2));
    EXPECT_EQ(next_backoff(seconds(32), seconds(60)), seconds(60));
    EXPECT_EQ(next_backoff(seconds(60), seconds(60)), seconds(60));
}

TEST(ImapState, SqliteMarksSurviveReopenAndSitBesideTheHistory) {
    auto path = std::filesystem::temp_directory_path() / ("rg_imap_state_" + std::to_string(::getpid()) + ".db");
    std::filesystem::remove(path);
    {
        auto h = store::open_history(path.string(), store::open_mode::read_write);  // the history file first
        ASSERT_TRUE(h) << h.error().message;
        auto s = store::open_imap_state(path.string());
        ASSERT_TRUE(s) << s.error().message;
        auto none = (*s)->get("a", "INBOX", "learn");
        ASSERT_TRUE(none);
        EXPECT_FALSE(*none);
        ASSERT_TRUE((*s)->put("a", "INBOX", "learn", {7, 40}));
        ASSERT_TRUE((*s)->put("a", "INBOX", "learn", {7, 41}));
        ASSERT_TRUE((*s)->put("a", "INBOX", "watch", {7, 3}));
    }
    auto s = store::open_imap_state(path.string());
    ASSERT_TRUE(s);
    auto m = (*s)->get("a", "INBOX", "learn");
    ASSERT_TRUE(m && *m);
    EXPECT_EQ((*m)->uidvalidity, 7u);
    EXPECT_EQ((*m)->last_uid, 41u);
    EXPECT_EQ((*(*s)->get("a", "INBOX", "watch"))->last_uid, 3u);
    // The history still opens read-only (the extra table is invisible to it).
    EXPECT_TRUE(store::open_history(path.string(), store::open_mode::read_only));
    EXPECT_FALSE(store::open_imap_state("redis://127.0.0.1:1/"));
    std::filesystem::remove(path);
    std::filesystem::remove(path.string() + "-wal");
    std::filesystem::remove(path.string() + "-shm");
}
