// SPDX-License-Identifier: Apache-2.0
// posting_runs_test.cpp - a batch's postings in sorted runs come back as one sorted,
// de-duplicated stream (store/posting_runs.hpp)
//
// The reference is std::sort + std::unique of everything added. Hashes are random
// 64-bit values of both signs; duplicates within a run and across runs; small runs
// and read buffers so that a test crosses many run and chunk boundaries.
#include "store/posting_runs.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

using namespace replyguard;
using namespace replyguard::store;

namespace {

std::vector<posting> random_postings(std::size_t n, std::uint64_t seed, std::size_t distinct_hashes) {
    std::mt19937_64 rng(seed);
    std::vector<std::int64_t> hashes(distinct_hashes);
    for (auto& h : hashes) h = static_cast<std::int64_t>(rng());
    std::vector<posting> v;
    v.reserve(n);
    for (std::size_t i = 0; i < n; ++i)
        v.emplace_back(hashes[rng() % distinct_hashes], static_cast<std::int64_t>(1 + rng() % 50));
    return v;
}

std::vector<posting> reference(std::vector<posting> v) {
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
    return v;
}

struct drained {
    std::vector<posting> all;
    std::size_t chunks = 0;
    std::size_t largest = 0;
};

drained drain(posting_runs& r) {
    drained d;
    auto x = r.drain([&](std::span<const posting> c) -> result<void> {
        ++d.chunks;
        d.largest = std::max(d.largest, c.size());
        d.all.insert(d.all.end(), c.begin(), c.end());
        return {};
    });
    EXPECT_TRUE(x.has_value()) << (x ? "" : x.error().message);
    return d;
}

}  // namespace

TEST(PostingRuns, MergedRunsEqualOneSort) {
    for (const std::size_t run : {1u, 7u, 100u, 4096u}) {
        for (const std::size_t read : {1u, 3u, 64u}) {
            posting_runs r(run, read);
            const auto in = random_postings(5000, run * 31 + read, 800);
            for (const auto& p : in) r.add(p);
            EXPECT_EQ(r.size(), in.size());
            const bool spilled = r.runs() > 0;
            EXPECT_TRUE(spilled) << "run " << run;
            const auto d = drain(r);
            EXPECT_EQ(d.all, reference(in)) << "run " << run << " read " << read;
            EXPECT_TRUE(r.empty());
            EXPECT_EQ(r.runs(), 0u);
            EXPECT_LE(d.largest, read);  // merged chunks: a read buffer's worth each
        }
    }
}

TEST(PostingRuns, MemoryStaysAtTheRunWhateverTheBatch) {
    posting_runs r(256, 32);
    const auto in = random_postings(100'000, 7, 50'000);
    std::size_t most = 0;
    for (const auto& p : in) {
        r.add(p);
        most = std::max(most, r.memory_bytes());
    }
    // A vector of 256 postings at most (its capacity may round up once).
    EXPECT_LE(most, 512 * sizeof(posting));
    EXPECT_GE(r.runs(), 100'000u / 256);
    EXPECT_EQ(drain(r).all, reference(in));
}

TEST(PostingRuns, ReusedAfterDrainAndClear) {
    posting_runs r(50, 8);
    const auto a = random_postings(1000, 1, 300);
    for (const auto& p : a) r.add(p);
    EXPECT_EQ(drain(r).all, reference(a));
    // A rolled-back batch: nothing of it comes back in the next one.
    for (const auto& p : random_postings(777, 2, 300)) r.add(p);
    r.clear();
    EXPECT_TRUE(r.empty());
    const auto b = random_postings(1234, 3, 5000);
    for (const auto& p : b) r.add(p);
    EXPECT_EQ(drain(r).all, reference(b));
    EXPECT_TRUE(drain(r).all.empty());
}

TEST(PostingRuns, DuplicateAtAChunkBoundaryHandedOnOnce) {
    // Every posting twice, in two runs, read 1 at a time: each output chunk ends
    // where the next posting is its own duplicate.
    posting_runs r(10, 1);
    std::vector<posting> in;
    for (std::int64_t i = -10; i < 10; ++i) in.emplace_back(i * 1'000'003, 5);
    for (const auto& p : in) r.add(p);
    for (const auto& p : in) r.add(p);
    const auto d = drain(r);
    EXPECT_EQ(d.all, reference(in));
    EXPECT_EQ(d.chunks, in.size());
}

TEST(PostingRuns, SinkErrorStopsTheDrainAndEmpties) {
    posting_runs r(16, 4);
    for (const auto& p : random_postings(500, 9, 200)) r.add(p);
    std::size_t calls = 0;
    auto x = r.drain([&](std::span<const posting>) -> result<void> {
        if (++calls == 3) return fail(errc::store, "disk full");
        return {};
    });
    ASSERT_FALSE(x.has_value());
    EXPECT_EQ(x.error().message, "disk full");
    EXPECT_EQ(calls, 3u);
    EXPECT_TRUE(r.empty());
}

TEST(PostingRuns, WithoutATemporaryDirectoryTheyStayInMemory) {
    const char* old = std::getenv("TMPDIR");
    const std::string saved = old ? old : "";
    ::setenv("TMPDIR", "/nonexistent/replyguard-test", 1);
    posting_runs r(10, 4);
    const auto in = random_postings(300, 11, 100);
    for (const auto& p : in) r.add(p);
    EXPECT_EQ(r.runs(), 0u);
    EXPECT_GE(r.memory_bytes(), 300 * sizeof(posting));
    EXPECT_EQ(drain(r).all, reference(in));
    if (old)
        ::setenv("TMPDIR", saved.c_str(), 1);
    else
        ::unsetenv("TMPDIR");
}
