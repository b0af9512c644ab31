// SPDX-License-Identifier: Apache-2.0
// core/finding_test.cpp - the finding sink, the string helpers and SHA-256 hex of core/
#include "core/finding.hpp"
#include "core/config.hpp"
#include "core/digest.hpp"
#include "core/strings.hpp"

#include <gtest/gtest.h>

using namespace replyguard;

namespace {
constexpr symbol_info k_sym{"TEST_SYMBOL", "test", 2.5, "a test symbol", "テスト用のシンボル"};
}

TEST(FindingSink, EmitAppliesTheConfiguredScore) {
    config cfg;
    cfg.score_overrides["TEST_SYMBOL"] = 7.0;
    finding_sink sink(cfg);
    sink.emit(k_sym, "detail", {{"k", "v"}});
    ASSERT_EQ(sink.findings().size(), 1u);
    const finding& f = sink.findings().front();
    EXPECT_EQ(f.id, "TEST_SYMBOL");
    EXPECT_EQ(f.group, "test");
    EXPECT_EQ(f.score, 7.0);
    EXPECT_EQ(f.detail, "detail");
    EXPECT_EQ(f.evidence["k"], "v");
}

TEST(FindingSink, EmitKeepsTheDefaultScoreAndOnlyTheFirstFindingOfASymbol) {
    config cfg;
    finding_sink sink(cfg);
    sink.emit(k_sym, "first");
    sink.emit(k_sym, "second");
    ASSERT_EQ(sink.findings().size(), 1u);
    EXPECT_EQ(sink.findings().front().score, 2.5);
    EXPECT_EQ(sink.findings().front().detail, "first");
}

TEST(FindingSink, AddKeepsTheScoreItIsGiven) {
    // detector.hpp / finding.hpp: add() applies no override (the engine did).
    config cfg;
    cfg.score_overrides["OTHER"] = 9.0;
    finding_sink sink(cfg);
    sink.add(finding{"OTHER", "payload", 1.25, "from an analyser", nullptr});
    EXPECT_EQ(sink.findings().front().score, 1.25);
    EXPECT_TRUE(sink.has("OTHER"));
    EXPECT_TRUE(sink.has_group("payload"));
    EXPECT_FALSE(sink.has("TEST_SYMBOL"));
    EXPECT_FALSE(sink.has_group("hijack"));
    auto taken = sink.take();
    EXPECT_EQ(taken.size(), 1u);
}

TEST(Strings, LowerIsAsciiOnly) {
    EXPECT_EQ(lower("Content-Type: TEXT/Plain"), "content-type: text/plain");
    EXPECT_EQ(lower("ÄÖ Ｒｅ 返信 ABC"), "ÄÖ Ｒｅ 返信 abc");  // UTF-8 bytes are left alone
    EXPECT_EQ(lower('Q'), 'q');
    EXPECT_EQ(lower('\xC3'), '\xC3');
}

TEST(Strings, TrimStripsAsciiWhiteSpaceOnly) {
    EXPECT_EQ(trim(" \t value \r\n"), "value");
    EXPECT_EQ(trim("   "), "");
    EXPECT_EQ(trim(""), "");
    EXPECT_EQ(trim("\xE3\x80\x80x\xE3\x80\x80"), "\xE3\x80\x80x\xE3\x80\x80");  // ideographic space is text, kept
}

TEST(Strings, CaseInsensitiveComparisons) {
    EXPECT_TRUE(ieq("Message-ID", "message-id"));
    EXPECT_FALSE(ieq("Message-ID", "Message-IDs"));
    EXPECT_FALSE(ieq("a", "b"));
    EXPECT_TRUE(starts_with_ci("Attribute VB_Name", "attribute "));
    EXPECT_FALSE(starts_with_ci("Attr", "attribute "));
    EXPECT_TRUE(ends_with_ci("invoice.DOCM", ".docm"));
    EXPECT_FALSE(ends_with_ci("docm", ".docm"));
}

TEST(Digest, Sha256HexMatchesTheKnownVectors) {
    // FIPS 180-2 test vectors.
    EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(sha256_hex("abc", 10), "ba7816bf8f");
    EXPECT_EQ(sha256_hex("abc", 200).size(), 64u);
}
