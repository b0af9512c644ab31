// SPDX-License-Identifier: Apache-2.0
// apps/cli/ordered_pool.hpp - items worked on by N threads, results handed on in input order
//
// DESCRIPTION
//   What `scan --jobs` and `learn --jobs` share (issue 13, "Threads that scale").
//   A producer reads items (files, mbox messages) on a thread of its own, ahead
//   of the workers; `jobs` workers (the calling thread and jobs - 1 others) each
//   take the first item read and work on it with no lock held; the results land
//   in a window of slots and are handed to `deliver` in input order, one thread
//   at a time.
//
//   There is no writer thread: the worker that fills the next slot in order,
//   when no other thread holds the writer's role, takes it, delivers every
//   result that is ready in order, and goes back to work. With a writer thread
//   that slept until its next slot was ready, `scan -j2` over the 3,877 corpus
//   files made 5,410 context switches and 8,540 futex calls (now ~500): on 2
//   cores each wake-up preempted a worker, and -j2 used 1.27x the CPU time of
//   -j1 (bench/README.md, "Threads"). Nobody is woken who is not asleep (the
//   waiters are counted), and a producer that waited for room is woken only
//   once half of what it may read ahead is taken.
//
//   With jobs == 1 the calling thread produces, works on and delivers each item
//   in turn: one thread, no lock. (With a producer thread beside one worker,
//   `scan -j1` took ~1.07 CPU seconds a wall second on 2 cores, and -j2's
//   speed-up over it compared two cores with 1.07.)
// LIMITS
//   Memory: at most `ahead_items` items produced and not yet taken, and
//   `ahead_bytes` of their bytes (as put() was told; one larger item is still let
//   in when none waits); at most `window` items taken and not yet delivered.
//   `deliver` returning false stops the run: put() returns false from then on,
//   workers take nothing more, results not yet delivered are dropped, and
//   run_in_order returns false. `work` must not throw (it runs on pool threads).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

namespace replyguard::cli {

struct order_bounds {
    std::size_t window = 32;             ///< items taken and not yet delivered
    std::size_t ahead_items = 1024;      ///< items produced and not yet taken
    std::size_t ahead_bytes = 1u << 20;  ///< their bytes
};

/// Results handed to `deliver`, in input order, with what the producer had done
/// when they were taken out of their slots (for a progress bar's total).
template <class Out>
struct delivery {
    std::vector<Out>& ready;
    std::size_t produced = 0;     ///< items put so far
    bool producing_done = false;  ///< the producer has returned
};

/// Runs `produce(put)`, where put(In&&, bytes) -> bool queues one item (false:
/// stopped, produce should return); `work(In&&) -> Out` on each item; and
/// `deliver(delivery<Out>&) -> bool` on the results in input order (false: stop).
/// Returns false when `deliver` stopped the run.
template <class In, class Out, class Produce, class Work, class Deliver>
bool run_in_order(unsigned jobs, const order_bounds& b, Produce&& produce, Work&& work, Deliver&& deliver) {
    if (jobs <= 1) {
        bool ok = true;
        std::size_t produced = 0;
        std::vector<Out> one;
        produce([&](In&& in, std::size_t) {
            if (!ok) return false;
            ++produced;
            {
                In taken = std::move(in);
                one.push_back(work(std::move(taken)));
            }
            delivery<Out> d{one, produced, false};
            ok = deliver(d);
            one.clear();
            return ok;
        });
        return ok;
    }

    const std::size_t window = b.window ? b.window : 1;
    std::mutex mu;
    std::condition_variable room, work_cv, producer_cv;
    std::deque<std::pair<In, std::size_t>> queued;  // produced, not yet taken; with their bytes
    std::size_t queued_bytes = 0;
    std::vector<std::optional<Out>> slots(window);
    std::size_t produced = 0, taken = 0, delivered = 0;
    bool producing_done = false;
    bool writing = false;         // a thread holds the writer's role
    bool stop = false;            // deliver said stop
    unsigned room_waiters = 0;    // workers asleep on `room`
    unsigned work_waiters = 0;    // workers asleep on `work_cv`
    bool producer_waits = false;  // the producer is asleep on `producer_cv`

    auto stop_all = [&] {  // with `mu` held
        stop = true;
        room.notify_all();
        work_cv.notify_all();
        producer_cv.notify_all();
    };
    // One item, on whichever worker calls it: the first produced item is taken,
    // worked on with `mu` released, put in its slot, and every result that is
    // then ready in order is delivered, unless another thread holds the
    // writer's role. Called with `lk` held, room in the window and an item
    // queued; returns with `lk` held.
    auto step = [&](std::unique_lock<std::mutex>& lk, std::vector<Out>& batch) {
        const std::size_t i = taken++;
        auto [in, bytes] = std::move(queued.front());
        queued.pop_front();
        queued_bytes -= bytes;
        const bool wake_producer =
            producer_waits && queued.size() <= b.ahead_items / 2 && queued_bytes <= b.ahead_bytes / 2;
        lk.unlock();
        if (wake_producer) producer_cv.notify_one();
        std::optional<Out> out;
        {
            In mine = std::move(in);  // freed here, by the thread that worked on it
            out.emplace(work(std::move(mine)));
        }
        lk.lock();
        slots[i % window] = std::move(out);
        // Re-checked after each batch: results that became ready while this
        // thread delivered are delivered by it too (their workers saw the role
        // taken and went on).
        while (!writing && !stop && delivered < taken && slots[delivered % window]) {
            writing = true;
            while (delivered < taken && slots[delivered % window]) {
                batch.push_back(std::move(*slots[delivered % window]));
                slots[delivered % window].reset();
                ++delivered;
            }
            delivery<Out> d{batch, produced, producing_done};
            const bool wake_room = room_waiters > 0;
            lk.unlock();
            if (wake_room) room.notify_all();
            const bool ok = deliver(d);
            batch.clear();
            lk.lock();
            writing = false;
            if (!ok) stop_all();
        }
    };
    auto worker = [&] {
        std::vector<Out> batch;
        std::unique_lock lk(mu);
        for (;;) {
            if (stop) {
                return;
            } else if (taken >= delivered + window) {
                ++room_waiters;
                room.wait(lk);
                --room_waiters;
            } else if (!queued.empty()) {
                step(lk, batch);
            } else if (producing_done) {
                return;
            } else {
                ++work_waiters;
                work_cv.wait(lk);
                --work_waiters;
            }
        }
    };
    std::jthread producer([&] {
        produce([&](In&& in, std::size_t bytes) {
            std::unique_lock lk(mu);
            // Full: never while nothing is queued, so the workers taking items
            // always come to wake it (at the latest when the queue is empty).
            while (!stop && !queued.empty() &&
                   (queued.size() >= b.ahead_items || queued_bytes + bytes > b.ahead_bytes)) {
                producer_waits = true;
                producer_cv.wait(lk);
                producer_waits = false;
            }
            if (stop) return false;
            queued_bytes += bytes;
            queued.emplace_back(std::move(in), bytes);
            ++produced;
            const bool wake = work_waiters > 0;
            lk.unlock();
            if (wake) work_cv.notify_one();
            return true;
        });
        {
            std::lock_guard lk(mu);
            producing_done = true;
        }
        work_cv.notify_all();
    });
    {
        std::vector<std::jthread> pool;
        for (unsigned t = 1; t < jobs; ++t) pool.emplace_back(worker);
        worker();
    }
    producer.join();
    return !stop;
}

}  // namespace replyguard::cli
