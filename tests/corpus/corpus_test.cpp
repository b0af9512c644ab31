// SPDX-License-Identifier: Apache-2.0
// tests/corpus/corpus_test.cpp - every real mail of ../shared/corpus through the whole engine
//
// DESCRIPTION
//   Walks each corpus folder with the CLI's own input layer (so mbox files are
//   split as `scan` splits them), analyses every message, and checks that each
//   gives exactly one JSON record that round-trips, carries the contract's
//   fields, and holds only valid UTF-8 (nlohmann would throw otherwise). The
//   same test runs under AddressSanitizer + UBSan in CI (the clang tree build-fuzz/).
#include "io/input.hpp"
#include "mime/charset.hpp"
#include "output/record.hpp"
#include "scan/engine.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <string>

namespace {

using namespace replyguard;

struct corpus_stats {
    std::size_t messages = 0;
    std::size_t with_from = 0;
    std::size_t with_attachments = 0;
    std::size_t with_quotes = 0;
};

corpus_stats scan_folder(const std::string& rel) {
    std::string dir = std::string(REPLYGUARD_CORPUS_DIR) + "/" + rel;
    if (!std::filesystem::exists(dir)) {
        ADD_FAILURE() << "corpus folder missing: " << dir;
        return {};
    }
    scan::engine eng(config{}, nullptr);
    auto items = io::expand_inputs({dir});
    corpus_stats st;
    std::set<std::string> sources;
    static const char* required[] = {"source",   "message_id",  "from", "subject",   "verdict", "score",
                                     "findings", "attachments", "urls", "anomalies", "error"};
    for (const auto& it : items) {
        EXPECT_FALSE(it.error.has_value()) << it.source << ": " << *it.error;
        auto bytes = io::load(it);
        if (!bytes) {
            ADD_FAILURE() << it.source << ": " << bytes.error().message;
            continue;
        }
        scan::scan_result r = eng.scan(*bytes, it.source);
        EXPECT_FALSE(r.error.has_value()) << it.source << ": " << r.error.value_or("");
        nlohmann::json j = output::to_json(r);
        std::string line = j.dump();  // throws on invalid UTF-8: that is a failure
        EXPECT_EQ(line.find('\n'), std::string::npos);
        nlohmann::json back = nlohmann::json::parse(line);
        for (const char* key : required) EXPECT_TRUE(back.contains(key)) << it.source << " lacks " << key;
        EXPECT_EQ(back["source"], it.source);
        EXPECT_TRUE(back["from"].contains("name") && back["from"].contains("address"));
        EXPECT_TRUE(sources.insert(it.source).second) << "duplicate source " << it.source;
        // Decoded text never carries raw escape or NUL bytes.
        EXPECT_EQ(r.msg.subject.decoded.find('\x1b'), std::string::npos) << it.source;
        EXPECT_EQ(r.msg.body_text.find('\0'), std::string::npos) << it.source;
        EXPECT_TRUE(mime::is_valid_utf8(r.msg.body_text)) << it.source;
        EXPECT_TRUE(mime::is_valid_utf8(r.msg.subject.decoded)) << it.source;
        ++st.messages;
        if (r.msg.from && !r.msg.from->address.empty()) ++st.with_from;
        if (!r.msg.attachments.empty()) ++st.with_attachments;
        if (!r.msg.quoted.empty()) ++st.with_quotes;
    }
    return st;
}

TEST(corpus, benign_spamassassin_public_corpus) {
    auto st = scan_folder("benign/spamassassin-public-corpus");
    EXPECT_EQ(st.messages, 1901u + 545u + 189u);  // SOURCES.md: easy_ham, easy_ham_2, hard_ham shares
    EXPECT_GT(st.with_from, st.messages * 99 / 100);
}

TEST(corpus, benign_mailing_lists) {
    auto st = scan_folder("benign/mailing-lists");
    EXPECT_EQ(st.messages, 237u + 115u + 30u);  // the fedora mbox holds 237 messages
    EXPECT_EQ(st.with_from, st.messages);
}

TEST(corpus, benign_japanese_and_testdata) {
    auto ja = scan_folder("benign/japanese");
    EXPECT_EQ(ja.messages, 17u);
    auto td = scan_folder("benign/spamassassin-testdata");
    EXPECT_EQ(td.messages, 25u + 44u);
}

TEST(corpus, phishing) {
    auto st = scan_folder("phishing");
    EXPECT_EQ(st.messages, 1011u);
    EXPECT_GT(st.with_from, 1000u);
}

TEST(corpus, mime_edge) {
    auto st = scan_folder("mime-edge");
    EXPECT_GE(st.messages, 1038u);  // mbox fixtures hold several messages each
    EXPECT_GT(st.with_attachments, 100u);
}

}  // namespace
