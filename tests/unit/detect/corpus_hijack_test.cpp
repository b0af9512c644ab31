// SPDX-License-Identifier: Apache-2.0
// corpus_hijack_test.cpp - the hijack detectors on real parsed mail from the shared corpus
//
// Real list conversations (notmuch list Maildir, fedora-devel mbox): the earlier
// part by date is learnt, the later part must raise no hijack finding; a hijack
// made in this test from a real learnt message (a participant's name on an
// unrelated address, its subject and Message-ID, its text quoted) must be caught.
#include "core/config.hpp"
#include "detect/detector.hpp"
#include "history/learner.hpp"
#include "io/input.hpp"
#include "mime/parser.hpp"
#include "scan/gather.hpp"
#include "store/history.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

using namespace replyguard;

namespace {

const std::string k_lists = std::string(REPLYGUARD_CORPUS_DIR) + "/benign/mailing-lists";

std::vector<std::unique_ptr<mime::message>> load_sorted() {
    std::vector<std::unique_ptr<mime::message>> out;
    for (const auto& it : io::expand_inputs({k_lists})) {
        auto b = io::load(it);
        if (!b) continue;
        out.push_back(std::make_unique<mime::message>(mime::parse_message(*b)));
    }
    std::stable_sort(out.begin(), out.end(),
                     [](const auto& a, const auto& b) { return a->date.value_or(0) < b->date.value_or(0); });
    return out;
}

std::vector<finding> run_all(const mime::message& m, store::history* h, const config& cfg) {
    std::optional<history::view> v;
    if (h) {
        auto g = scan::gather_history(*h, m, cfg);
        EXPECT_TRUE(g.has_value()) << g.error().message;
        if (g) v = std::move(*g);
    }
    detect::scan_context ctx{m, {}, v ? &*v : nullptr, cfg};
    finding_sink sink(cfg);
    for (const auto& d : detect::make_detectors()) d->run(ctx, sink);
    return sink.take();
}

class corpus_hijack : public ::testing::Test {
protected:
    void SetUp() override {
        if (!std::filesystem::exists(k_lists)) GTEST_SKIP() << "corpus not found: " << k_lists;
        mime::init();
        msgs_ = load_sorted();
        ASSERT_GT(msgs_.size(), 20u);
        cut_ = msgs_.size() * 6 / 10;
        h_ = store::make_memory_history();
        history::learn_session s(*h_, {}, 100);
        for (std::size_t i = 0; i < cut_; ++i) ASSERT_TRUE(s.add(*msgs_[i]));
        ASSERT_TRUE(s.finish());
    }
    std::vector<std::unique_ptr<mime::message>> msgs_;
    std::size_t cut_ = 0;
    std::unique_ptr<store::history> h_;
    config cfg_;
};

TEST_F(corpus_hijack, later_list_mail_raises_no_hijack_finding) {
    std::size_t scanned = 0;
    std::vector<std::string> hits;
    for (std::size_t i = cut_; i < msgs_.size(); ++i) {
        ++scanned;
        for (const auto& f : run_all(*msgs_[i], h_.get(), cfg_))
            if (f.group == "hijack" || f.group == "composite")
                hits.push_back(msgs_[i]->message_id + " " + f.id + ": " + f.detail);
    }
    EXPECT_GT(scanned, 10u);
    EXPECT_TRUE(hits.empty()) << ::testing::PrintToString(hits);
}

TEST_F(corpus_hijack, hijack_of_a_learnt_message_is_caught) {
    const mime::message* victim = nullptr;
    for (std::size_t i = 0; i < cut_ && !victim; ++i) {
        const auto& m = *msgs_[i];
        if (!m.message_id.empty() && m.from && m.from->name.size() > 3 && !m.to.empty() && m.new_text.size() > 200)
            victim = &m;
    }
    ASSERT_TRUE(victim);
    std::string raw = "From: \"" + victim->from->name + "\" <office@compromised.example>\r\n" +
                      "To: " + victim->to[0].address + "\r\n" + "Subject: RE: " + victim->subject.base + "\r\n" +
                      "Message-ID: <bot1@compromised.example>\r\n" + "In-Reply-To: <" + victim->message_id + ">\r\n" +
                      "References: <" + victim->message_id + ">\r\n" + "Date: Tue, 3 Dec 2019 10:00:00 +0900\r\n" +
                      "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" +
                      "Please see the attached file.\r\n\r\n-----Original Message-----\r\nFrom: " + victim->from->name +
                      " <" + victim->from->address + ">\r\nSent: " + victim->date_raw +
                      "\r\nSubject: " + victim->subject.decoded + "\r\n\r\n" + victim->new_text + "\r\n";
    auto m = mime::parse_message(raw);
    auto fs = run_all(m, h_.get(), cfg_);
    const finding* f = nullptr;
    for (const auto& x : fs)
        if (x.id == "HIJACK_THREAD_OUTSIDER_NAME") f = &x;
    ASSERT_TRUE(f) << raw;
    EXPECT_EQ(f->evidence["via_message"]["message_id"], victim->message_id);
    EXPECT_EQ(f->evidence["impersonated"]["address"], victim->from->address_key);
    // Without a history nothing history-based may fire.
    for (const auto& x : run_all(m, nullptr, cfg_))
        EXPECT_TRUE(x.id != "HIJACK_THREAD_OUTSIDER_NAME" && x.id != "HIJACK_THREAD_OUTSIDER") << x.id;
}

}  // namespace
