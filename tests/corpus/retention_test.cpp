// SPDX-License-Identifier: Apache-2.0
// tests/corpus/retention_test.cpp - a pruned history still catches the hijack of a live thread
//
// DESCRIPTION
//   The real list conversations of ../shared/corpus/benign/mailing-lists (2009-2011)
//   are learnt into an SQLite history; `now` is the day after the last of them and
//   the policy keeps 60 days of fingerprints, 180 of threads, a year of people.
//   A hijack (a participant's name on an unrelated address, the subject, the
//   Message-ID and the quoted text of a message in a thread still active at the
//   end) is scanned through the whole engine before and after the prune: same
//   verdict, score and findings (id, score, detail; a detail that quotes the number
//   of learnt messages quotes the new one), and caught. The prune must
//   have removed something of every kind it keeps by days, and the counts follow.
#include "core/config.hpp"
#include "history/learner.hpp"
#include "history/lookup.hpp"
#include "io/input.hpp"
#include "mime/parser.hpp"
#include "scan/engine.hpp"
#include "store/history.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <iostream>

using namespace replyguard;

namespace {

const std::string k_lists = std::string(REPLYGUARD_CORPUS_DIR) + "/benign/mailing-lists";
constexpr std::int64_t k_day = 86400;

/// Verdict, score and findings (id, score, detail). The one thing a prune may change in
/// them is the size of the history a detail quotes (FIRST_CONTACT_REPLY: "never appeared
/// in N learnt messages"): `learnt` is written as N.
std::string findings_of(const scan::scan_result& r, std::uint64_t learnt) {
    std::string out = fmt::format("verdict {} score {}\n", static_cast<int>(r.outcome.v), r.outcome.score);
    const std::string size = fmt::format(" {} learnt messages", learnt);
    for (const auto& f : r.findings) {
        std::string d = f.detail;
        if (auto at = d.find(size); at != std::string::npos) d.replace(at, size.size(), " N learnt messages");
        out += fmt::format("{} {} {}\n", f.id, f.score, d);
    }
    return out;
}

TEST(corpus_retention, a_hijack_of_a_live_thread_is_caught_the_same_after_a_prune) {
    if (!std::filesystem::exists(k_lists)) GTEST_SKIP() << "corpus not found: " << k_lists;
    mime::init();
    std::vector<std::unique_ptr<mime::message>> msgs;
    for (const auto& it : io::expand_inputs({k_lists})) {
        auto b = io::load(it);
        if (b) msgs.push_back(std::make_unique<mime::message>(mime::parse_message(*b)));
    }
    ASSERT_GT(msgs.size(), 100u);
    std::stable_sort(msgs.begin(), msgs.end(),
                     [](const auto& a, const auto& b) { return a->date.value_or(0) < b->date.value_or(0); });
    const std::int64_t now = msgs.back()->date.value_or(0) + k_day;
    ASSERT_GT(now, k_day);

    auto path = std::filesystem::temp_directory_path() / ("rg-corpus-retention-" + std::to_string(::getpid()) + ".db");
    for (const char* ext : {"", "-wal", "-shm"}) std::filesystem::remove(path.string() + ext);
    auto opened = store::open_history(path.string(), store::open_mode::read_write);
    ASSERT_TRUE(opened.has_value()) << opened.error().message;
    auto& h = **opened;
    {
        history::learn_session s(h, {}, 500);
        for (const auto& m : msgs) ASSERT_TRUE(s.add(*m));
        ASSERT_TRUE(s.finish());
    }

    // The victim: the latest message with a named sender, a recipient and text to quote.
    const mime::message* victim = nullptr;
    for (auto it = msgs.rbegin(); it != msgs.rend() && !victim; ++it) {
        const auto& m = **it;
        if (!m.message_id.empty() && m.from && m.from->name.size() > 3 && !m.to.empty() && m.new_text.size() > 200 &&
            m.date && *m.date > now - 60 * k_day)
            victim = &m;
    }
    ASSERT_TRUE(victim);
    const std::string raw = "From: \"" + victim->from->name + "\" <office@compromised.example>\r\n" +
                            "To: " + victim->to[0].address + "\r\n" + "Subject: RE: " + victim->subject.base + "\r\n" +
                            "Message-ID: <bot1@compromised.example>\r\n" + "In-Reply-To: <" + victim->message_id +
                            ">\r\n" + "References: <" + victim->message_id + ">\r\n" +
                            "Date: Tue, 3 Dec 2019 10:00:00 +0900\r\n" +
                            "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" +
                            "Please see the attached file.\r\nhttps://files.compromised.example/invoice.zip\r\n\r\n"
                            "-----Original Message-----\r\nFrom: " +
                            victim->from->name + " <" + victim->from->address + ">\r\nSent: " + victim->date_raw +
                            "\r\nSubject: " + victim->subject.decoded + "\r\n\r\n" + victim->new_text + "\r\n";

    config cfg;
    scan::engine eng(cfg, &h);
    const auto before = eng.scan(raw, "hijack.eml");
    ASSERT_FALSE(before.error) << *before.error;
    const auto st0 = *h.stats();
    ASSERT_NE(before.outcome.v, score::verdict::clean) << findings_of(before, st0.messages);
    ASSERT_TRUE(std::ranges::any_of(before.findings, [](const auto& f) {
        return f.id == "HIJACK_THREAD_OUTSIDER_NAME";
    })) << findings_of(before, st0.messages);

    const store::retention_policy p{60, 180, 365};
    auto dry = h.prune(p, now, true);
    ASSERT_TRUE(dry.has_value()) << dry.error().message;
    auto rep = h.prune(p, now, false);
    ASSERT_TRUE(rep.has_value()) << rep.error().message;
    EXPECT_GT(rep->messages, 0u);
    EXPECT_GT(rep->threads, 0u);
    EXPECT_GT(rep->fingerprints, 0u);
    EXPECT_GT(rep->correspondents, 0u);
    EXPECT_EQ(rep->messages, dry->messages);
    EXPECT_EQ(rep->threads, dry->threads);
    EXPECT_EQ(rep->fingerprints, dry->fingerprints);
    EXPECT_EQ(rep->correspondents, dry->correspondents);
    EXPECT_EQ(rep->profiles, dry->profiles);
    const auto st1 = *h.stats();
    EXPECT_EQ(st1.messages, st0.messages - rep->messages);
    EXPECT_EQ(st1.threads, st0.threads - rep->threads);
    EXPECT_EQ(st1.correspondents, st0.correspondents - rep->correspondents);
    EXPECT_GT(st1.messages, 0u);
    std::cout << "corpus retention: " << st0.messages << " messages learnt; pruned " << rep->messages << " messages, "
              << rep->threads << " threads, " << rep->fingerprints << " fingerprint postings, " << rep->correspondents
              << " correspondents, " << rep->profiles << " profiles\n";
    // The victim's thread was active: its message is still there.
    EXPECT_TRUE(h.find_message(history::message_key(*victim))->has_value());

    const auto after = eng.scan(raw, "hijack.eml");
    ASSERT_FALSE(after.error) << *after.error;
    EXPECT_EQ(findings_of(after, st1.messages), findings_of(before, st0.messages));
    opened->reset();
    for (const char* ext : {"", "-wal", "-shm"}) std::filesystem::remove(path.string() + ext);
}

}  // namespace
