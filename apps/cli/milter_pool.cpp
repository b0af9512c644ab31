// SPDX-License-Identifier: Apache-2.0
// apps/cli/milter_pool.cpp - reused analysis threads (apps/cli/milter_pool.hpp)
#include "cli/milter_pool.hpp"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <system_error>
#include <thread>

namespace replyguard::cli::milterd {

namespace {

struct pool_state {
    std::mutex mu;
    std::condition_variable cv;
    std::deque<std::function<void()>> jobs;  ///< handed over, not yet taken
    std::size_t waiting = 0;                 ///< threads asleep on cv (or woken, not yet past the wait)
    std::size_t threads = 0;
};

// Never destroyed: detached threads may still wait on it while the process exits.
pool_state& pool() {
    static auto* p = new pool_state;
    return *p;
}

void thread_main() {
    pool_state& p = pool();
    for (;;) {
        std::function<void()> job;
        {
            std::unique_lock lk(p.mu);
            ++p.waiting;
            p.cv.wait(lk, [&] { return !p.jobs.empty(); });
            --p.waiting;
            job = std::move(p.jobs.front());
            p.jobs.pop_front();
        }
        job();  // the job catches its own exceptions (a packaged_task keeps them)
        job = nullptr;
        std::lock_guard lk(p.mu);
        if (p.threads > k_keep_idle) {
            --p.threads;
            return;
        }
    }
}

}  // namespace

void run_analysis(std::function<void()> job) {
    pool_state& p = pool();
    bool start;
    {
        std::lock_guard lk(p.mu);
        p.jobs.push_back(std::move(job));
        // Every queued job has a waiting thread, or gets a new one.
        start = p.jobs.size() > p.waiting;
        if (start) ++p.threads;
    }
    if (!start) {
        p.cv.notify_one();
        return;
    }
    try {
        std::thread(thread_main).detach();
    } catch (const std::system_error&) {
        // No thread to be had: the job stays queued for the next thread that
        // finishes one (the message then waits, at most until its time limit).
        std::lock_guard lk(p.mu);
        --p.threads;
    }
}

void run_on_threads(std::size_t n, const std::function<void()>& job) {
    struct gate {
        std::mutex mu;
        std::condition_variable cv;
        std::size_t started = 0, done = 0;
    };
    auto g = std::make_shared<gate>();
    for (std::size_t i = 0; i < n; ++i) {
        run_analysis([g, n, job] {
            {
                std::unique_lock lk(g->mu);
                ++g->started;
                g->cv.notify_all();
                // Bounded: when a thread could not be started, a job waits for
                // one of these to finish (run_analysis), so they must not wait
                // for it forever.
                g->cv.wait_for(lk, std::chrono::seconds(2), [&] { return g->started >= n; });
            }
            try {
                job();
            } catch (...) {
                // A warm-up that failed leaves the thread as it was: still counted as done.
            }
            std::lock_guard lk(g->mu);
            ++g->done;
            g->cv.notify_all();
        });
    }
    std::unique_lock lk(g->mu);
    g->cv.wait(lk, [&] { return g->done >= n; });
}

std::size_t analysis_threads() {
    pool_state& p = pool();
    std::lock_guard lk(p.mu);
    return p.threads;
}

}  // namespace replyguard::cli::milterd
