// SPDX-License-Identifier: Apache-2.0
// apps/cli/milter_pool.cpp - reused analysis threads (apps/cli/milter_pool.hpp)
#include "cli/milter_pool.hpp"

#include <condition_variable>
#include <deque>
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

std::size_t analysis_threads() {
    pool_state& p = pool();
    std::lock_guard lk(p.mu);
    return p.threads;
}

}  // namespace replyguard::cli::milterd
