// SPDX-License-Identifier: Apache-2.0
// tests/unit/cli/ordered_pool_test.cpp - cli::run_in_order, the worker pool of scan and learn
//
// Results reach `deliver` in input order, each once, whatever the threads'
// speeds; the producer stays within its bounds; a `deliver` that says stop
// stops the producer and every worker. Work times are random (a spin of up to
// a few microseconds), so the threads finish out of order; nothing is timed.
#include "cli/ordered_pool.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <random>
#include <thread>

namespace replyguard::cli {
namespace {

// Busy work of a random length (no sleep: a sleeping worker would hide races).
void spin(unsigned seed) {
    std::minstd_rand r(seed);
    const auto until = std::chrono::steady_clock::now() + std::chrono::nanoseconds(r() % 20000);
    while (std::chrono::steady_clock::now() < until) {}
}

struct item {
    std::size_t index = 0;
    std::unique_ptr<int> payload;  // move-only, as io::input_item's bytes are in practice
};

class ordered_pool : public ::testing::TestWithParam<unsigned> {};

TEST_P(ordered_pool, every_result_once_in_input_order) {
    const unsigned jobs = GetParam();
    constexpr std::size_t n = 3000;
    std::vector<std::size_t> got;
    std::size_t last_produced = 0;
    bool saw_done = false;
    const bool ok = run_in_order<item, item>(
        jobs, order_bounds{jobs * 4u, 64, 1u << 20},
        [&](const auto& put) {
            for (std::size_t i = 0; i < n; ++i)
                if (!put(item{i, std::make_unique<int>(static_cast<int>(i))}, 100)) return;
        },
        [&](item&& in) {
            spin(static_cast<unsigned>(in.index * 7919 + jobs));
            return std::move(in);
        },
        [&](delivery<item>& d) {
            EXPECT_FALSE(d.ready.empty());
            EXPECT_GE(d.produced, last_produced);  // never goes back
            last_produced = d.produced;
            for (auto& r : d.ready) {
                EXPECT_EQ(*r.payload, static_cast<int>(r.index));
                got.push_back(r.index);
                EXPECT_LE(got.size(), d.produced);  // nothing delivered that was not produced
            }
            if (d.producing_done) {
                EXPECT_EQ(d.produced, n);
                saw_done = true;
            }
            return true;
        });
    EXPECT_TRUE(ok);
    ASSERT_EQ(got.size(), n);
    for (std::size_t i = 0; i < n; ++i) ASSERT_EQ(got[i], i) << "jobs " << jobs;
    if (jobs == 1) {
        EXPECT_FALSE(saw_done);  // one thread: delivered as produced
    }
}

TEST_P(ordered_pool, producer_and_workers_stay_within_bounds) {
    const unsigned jobs = GetParam();
    constexpr std::size_t n = 2000;
    // Either bound binds: 8 items, or 1,000 bytes (3 items of 300).
    for (const order_bounds b : {order_bounds{jobs * 2u, 8, 1u << 20}, order_bounds{jobs * 2u, 1000, 1000}}) {
        std::atomic<std::size_t> started{0}, delivered{0};
        std::atomic<std::size_t> worst_ahead{0}, worst_in_flight{0};
        auto note_max = [](std::atomic<std::size_t>& m, std::size_t v) {
            for (auto cur = m.load(); v > cur && !m.compare_exchange_weak(cur, v);) {}
        };
        // `a - b` for counters read at different moments, never below zero.
        auto excess = [](std::size_t a, std::size_t b) { return a > b ? a - b : 0; };
        const std::size_t bound_items = std::min<std::size_t>(b.ahead_items, b.ahead_bytes / 300 + 1);
        run_in_order<item, item>(
            jobs, b,
            [&](const auto& put) {
                for (std::size_t i = 0; i < n; ++i) {
                    if (!put(item{i, nullptr}, 300)) return;
                    // When put(i) returns, at most bound_items are queued, so i + 1 items
                    // were put and all but those were taken; a taken item's work has begun
                    // (`started`, read later, only grows) but for at most one per worker.
                    note_max(worst_ahead, excess(i + 1, started.load()));
                }
            },
            [&](item&& in) {
                ++started;
                // Item i was taken while i < (delivered by the pool) + window, and the
                // pool's count runs ahead of `delivered` (read later, only grows) by at
                // most the batch in deliver's hands, itself at most a window.
                note_max(worst_in_flight, excess(in.index + 1, delivered.load()));
                spin(static_cast<unsigned>(in.index));
                return std::move(in);
            },
            [&](delivery<item>& d) {
                // A slow writer: without the window, workers would run far ahead.
                spin(static_cast<unsigned>(d.ready.front().index + 1));
                delivered += d.ready.size();
                return true;
            });
        EXPECT_EQ(delivered.load(), n);
        if (jobs > 1) {
            EXPECT_LE(worst_ahead.load(), bound_items + jobs) << "ahead_items " << b.ahead_items;
            // Taken and not yet delivered: the window, plus the batch being delivered.
            EXPECT_LE(worst_in_flight.load(), 2 * b.window) << "window " << b.window;
        }
    }
}

TEST_P(ordered_pool, deliver_saying_stop_stops_everything) {
    const unsigned jobs = GetParam();
    constexpr std::size_t n = 100000, stop_at = 500;
    std::atomic<std::size_t> puts{0};
    bool put_refused = false, called_after_stop = false, stopped = false;
    std::size_t delivered = 0;
    const bool ok = run_in_order<item, item>(
        jobs, order_bounds{jobs * 4u, 16, 1u << 20},
        [&](const auto& put) {
            for (std::size_t i = 0; i < n; ++i) {
                if (!put(item{i, nullptr}, 10)) {
                    put_refused = true;
                    return;
                }
                ++puts;
            }
        },
        [&](item&& in) { return std::move(in); },
        [&](delivery<item>& d) {
            if (stopped) called_after_stop = true;
            for (auto& r : d.ready) {
                EXPECT_EQ(r.index, delivered);
                if (r.index == stop_at) return !(stopped = true);
                ++delivered;
            }
            return true;
        });
    EXPECT_FALSE(ok);
    EXPECT_TRUE(stopped);
    EXPECT_FALSE(called_after_stop);
    EXPECT_EQ(delivered, stop_at);
    EXPECT_TRUE(put_refused);
    // The producer stopped near the failure: past it, at most the batch that held it
    // (a window), the window taken after it, the 16 queued and the one in hand.
    EXPECT_LE(puts.load(), stop_at + 2 + 16 + 2 * jobs * 4u);
}

INSTANTIATE_TEST_SUITE_P(jobs, ordered_pool, ::testing::Values(1u, 2u, 3u, 8u));

}  // namespace
}  // namespace replyguard::cli
