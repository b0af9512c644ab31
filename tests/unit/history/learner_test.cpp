// SPDX-License-Identifier: Apache-2.0
// learner_test.cpp - learning messages: threads, direction, names, fingerprints
#include "history/learner.hpp"
#include "hand_message.hpp"
#include "history/fingerprint.hpp"
#include "history/lookup.hpp"
#include "store/history.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

using namespace replyguard;
using namespace replyguard::history;
using replyguard::hand::msg_builder;

namespace {

const learn_options k_opt{{"ours.co.jp"}};

mime::message root() {
    return msg_builder{}
        .id("root@partner.co.jp")
        .from("Yamada Taro", "taro@partner.co.jp")
        .to("Suzuki Hanako", "hanako@ours.co.jp")
        .subj("Quarterly report")
        .date(1'600'000'000)
        .text("Dear Hanako, please find the quarterly figures for the Osaka branch attached. Best regards, Taro")
        .take();
}

mime::message reply() {
    return msg_builder{}
        .id("r1@ours.co.jp")
        .from("Suzuki Hanako", "hanako@mail.ours.co.jp")
        .to("Yamada Taro", "taro@partner.co.jp")
        .cc("Sato Jiro", "jiro@partner.co.jp")
        .subj("Re: Quarterly report")
        .irt("root@partner.co.jp")
        .refs({"root@partner.co.jp"})
        .date(1'600'000'100)
        .text("Thank you Taro, the figures look right. I will forward them to accounting today.")
        .take();
}

TEST(learner, joins_replies_by_headers_and_records_direction) {
    auto h = store::make_memory_history();
    auto a = learn_message(*h, root(), k_opt);
    ASSERT_TRUE(a) << a.error().message;
    EXPECT_EQ(a->learnt, 1u);
    EXPECT_EQ(a->received, 1u);
    EXPECT_EQ(a->new_threads, 1u);
    auto b = learn_message(*h, reply(), k_opt);
    ASSERT_TRUE(b);
    EXPECT_EQ(b->sent, 1u);  // mail.ours.co.jp: registrable domain ours.co.jp
    EXPECT_EQ(b->new_threads, 0u);
    auto r = **h->find_message("root@partner.co.jp");
    auto s = **h->find_message("r1@ours.co.jp");
    EXPECT_EQ(r.thread_id, s.thread_id);
    EXPECT_FALSE(r.sent);
    EXPECT_TRUE(s.sent);
    auto t = **h->find_thread(r.thread_id);
    EXPECT_EQ(t.messages, 2u);
    EXPECT_EQ(t.subject, "Quarterly report");
    std::vector<std::string> parts;
    for (const auto& p : t.participants) parts.push_back(p.address);
    EXPECT_EQ(parts, (std::vector<std::string>{"hanako@mail.ours.co.jp", "hanako@ours.co.jp", "jiro@partner.co.jp",
                                               "taro@partner.co.jp"}));
    auto c = **h->find_correspondent("taro@partner.co.jp");
    EXPECT_EQ(c.count, 2u);
    EXPECT_EQ(c.wrote_to, std::vector<std::string>{"hanako@ours.co.jp"});
    EXPECT_EQ(c.names, std::vector<std::string>{"Yamada Taro"});
    EXPECT_EQ(*h->org_domains(), std::vector<std::string>{"ours.co.jp"});
}

TEST(learner, relearning_is_idempotent) {
    auto h = store::make_memory_history();
    ASSERT_TRUE(learn_message(*h, root(), k_opt));
    ASSERT_TRUE(learn_message(*h, reply(), k_opt));
    auto before = *h->stats();
    auto again = learn_message(*h, reply(), k_opt);
    ASSERT_TRUE(again);
    EXPECT_EQ(again->already_known, 1u);
    EXPECT_EQ(again->learnt, 0u);
    EXPECT_EQ(h->stats()->messages, before.messages);
    EXPECT_EQ((*h->find_correspondent("taro@partner.co.jp"))->count, 2u);
}

TEST(learner, message_without_id_is_keyed_by_its_headers) {
    auto h = store::make_memory_history();
    auto m = root();
    m.message_id.clear();
    ASSERT_EQ(learn_message(*h, m, k_opt)->learnt, 1u);
    EXPECT_EQ(learn_message(*h, m, k_opt)->already_known, 1u);
    auto k = message_key(m);
    EXPECT_TRUE(k.starts_with("hdr:"));
    EXPECT_TRUE(h->find_message(k)->has_value());
    auto other = root();
    other.message_id.clear();
    other.headers.push_back({"Subject", "x"});
    EXPECT_NE(message_key(other), k);
}

TEST(learner, reply_learnt_before_its_parent_ends_in_the_same_thread) {
    auto h = store::make_memory_history();
    ASSERT_TRUE(learn_message(*h, reply(), k_opt));
    ASSERT_TRUE(learn_message(*h, root(), k_opt));
    EXPECT_EQ((*h->find_message("root@partner.co.jp"))->thread_id, (*h->find_message("r1@ours.co.jp"))->thread_id);
    EXPECT_EQ(h->stats()->threads, 1u);
}

TEST(learner, joins_by_subject_and_participants_when_headers_are_missing) {
    auto h = store::make_memory_history();
    ASSERT_TRUE(learn_message(*h, root(), k_opt));
    auto m = msg_builder{}
                 .id("nohdr@ours.co.jp")
                 .from("Suzuki Hanako", "hanako@ours.co.jp")
                 .to("Yamada Taro", "taro@partner.co.jp")
                 .subj("RE: Quarterly report")
                 .date(1'600'000'200)
                 .take();
    ASSERT_TRUE(learn_message(*h, m, k_opt));
    EXPECT_EQ((*h->find_message("nohdr@ours.co.jp"))->thread_id, (*h->find_message("root@partner.co.jp"))->thread_id);
    // Same subject between strangers: a different conversation.
    auto n = msg_builder{}
                 .id("stranger@else.example")
                 .from("X", "x@else.example")
                 .to("Y", "y@ours.co.jp")
                 .subj("Re: Quarterly report")
                 .take();
    ASSERT_TRUE(learn_message(*h, n, k_opt));
    EXPECT_NE((*h->find_message("stranger@else.example"))->thread_id,
              (*h->find_message("root@partner.co.jp"))->thread_id);
}

TEST(learner, name_index_has_the_name_as_written_and_reversed) {
    auto h = store::make_memory_history();
    ASSERT_TRUE(learn_message(*h, root(), k_opt));
    auto fwd = h->addresses_for_name(mime::name_key("Yamada Taro"));
    auto rev = h->addresses_for_name(mime::name_key("Taro Yamada"));
    ASSERT_TRUE(fwd && rev);
    EXPECT_EQ(*fwd, std::vector<std::string>{"taro@partner.co.jp"});
    EXPECT_EQ(*rev, std::vector<std::string>{"taro@partner.co.jp"});
    // An address used as a display name is not a person's name.
    EXPECT_TRUE(name_keys_for(mime::make_mailbox("taro@partner.co.jp", "x@y.example")).empty());
}

TEST(learner, session_batches_and_commits) {
    auto h = store::make_memory_history();
    {
        learn_session s(*h, k_opt, 1);
        ASSERT_TRUE(s.add(root()));
        ASSERT_TRUE(s.add(reply()));
        auto tot = s.finish();
        ASSERT_TRUE(tot);
        EXPECT_EQ(tot->learnt, 2u);
    }
    EXPECT_EQ(h->stats()->messages, 2u);
    {
        learn_session s(*h, k_opt, 100);
        auto m = root();
        m.message_id = "uncommitted@x";
        ASSERT_TRUE(s.add(m));
        // destroyed without finish(): the open batch is rolled back
    }
    EXPECT_FALSE(h->find_message("uncommitted@x")->has_value());
}

// A batch is committed early once the store holds batch_bytes of it: SQLite counts
// what its open batch keeps in memory (the memory backend counts nothing).
TEST(learner, session_commits_early_past_its_bytes_bound) {
    const auto dir = std::filesystem::temp_directory_path() / ("rg-learner-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const auto path = (dir / "bytes.sqlite").string();
    for (const char* ext : {"", "-wal", "-shm"}) std::filesystem::remove(path + ext);
    auto h = store::open_history(path, store::open_mode::read_write);
    ASSERT_TRUE(h.has_value()) << h.error().message;
    ASSERT_TRUE((*h)->begin_batch());
    EXPECT_EQ((*h)->batch_bytes(), 0u);
    ASSERT_TRUE(learn_message(**h, root(), k_opt));
    // The root's thread, participants, correspondents, names and postings.
    EXPECT_GT((*h)->batch_bytes(), 500u);
    EXPECT_LT((*h)->batch_bytes(), 64u * 1024);
    ASSERT_TRUE((*h)->rollback_batch());
    EXPECT_EQ((*h)->batch_bytes(), 0u);
    {
        learn_session s(**h, k_opt, 100);  // no bytes bound: one open batch
        ASSERT_TRUE(s.add(root()));
    }  // destroyed without finish(): rolled back
    EXPECT_FALSE((*h)->find_message("root@partner.co.jp")->has_value());
    {
        learn_session s(**h, k_opt, 100, 1);  // any message passes 1 byte: committed at once
        ASSERT_TRUE(s.add(root()));
    }
    EXPECT_TRUE((*h)->find_message("root@partner.co.jp")->has_value());
    auto mem = store::make_memory_history();
    {
        learn_session s(*mem, k_opt, 100, 1);
        ASSERT_TRUE(s.add(root()));
    }
    EXPECT_FALSE(mem->find_message("root@partner.co.jp")->has_value());
    std::filesystem::remove_all(dir);
}

TEST(learner, quoted_copy_of_a_learnt_message_is_found) {
    auto h = store::make_memory_history();
    ASSERT_TRUE(learn_message(*h, root(), k_opt));
    mime::quoted_block q;
    q.kind = mime::quoted_block::style::outlook;
    // Re-wrapped, with quote markers, an Outlook header block and extra spaces.
    q.text =
        "From: Yamada Taro\nSent: Monday\n> Dear Hanako,   please find the quarterly\n> figures for the Osaka "
        "branch\n> attached.";
    auto m = msg_builder{}.id("q@else.example").from("X", "x@else.example").subj("Re: something").quote(q).take();
    auto src = quoted_sources(*h, m);
    ASSERT_TRUE(src);
    ASSERT_EQ(src->size(), 1u);
    EXPECT_EQ((*src)[0].first.key, "root@partner.co.jp");
    // Unrelated quoted text finds nothing.
    m.quoted[0].text = "The weather in Sapporo was cold and the train to Otaru was delayed by snow again.";
    EXPECT_TRUE(quoted_sources(*h, m)->empty());
}

TEST(fingerprint, robust_to_wrapping_markers_and_punctuation) {
    const std::string a = "Please find the quarterly figures for the Osaka branch attached.";
    const std::string b = "> Please  find the\n> quarterly figures,\n>> for the Osaka branch -- attached!";
    EXPECT_EQ(fingerprint_text(a), fingerprint_text(b));
    EXPECT_EQ(text_fingerprints(a), text_fingerprints(b));
    EXPECT_FALSE(text_fingerprints(a).empty());
    EXPECT_TRUE(text_fingerprints("ok").empty());
    // Japanese text keeps its characters; a full-width quote marker goes.
    EXPECT_EQ(fingerprint_text("＞お世話になっております。\n＞見積書を送付します。"),
              "お世話になっております見積書を送付します");
    EXPECT_EQ(fingerprint_text("件名: 見積\n差出人： 山田\n本文です"), "本文です");
}

TEST(fingerprint, partial_quote_shares_a_proportional_sample) {
    std::string whole;
    for (int i = 0; i < 40; ++i)
        whole += "Sentence number " + std::to_string(i) + " talks about shipment lot " + std::to_string(i * 7) + ".\n";
    auto stored = text_fingerprints(whole, k_stored_fingerprints);
    ASSERT_EQ(stored.size(), k_stored_fingerprints);
    auto half = text_fingerprints(whole.substr(0, whole.size() / 2));
    std::size_t common = 0;
    for (auto f : stored) common += std::binary_search(half.begin(), half.end(), f) ? 1 : 0;
    EXPECT_GE(common * 4, stored.size());  // at least a quarter of the sample
}

}  // namespace
