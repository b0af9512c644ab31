// SPDX-License-Identifier: Apache-2.0
// apps/cli/milter_pool.hpp - the threads the milter's analyses run on
//
// DESCRIPTION
//   Each message's analysis runs on a thread of its own so that [milter]
//   timeout holds (milter_session.cpp stops waiting; the analysis finishes
//   later and its result is discarded). Those threads are kept and reused
//   instead of started per message: the engine keeps per-thread state
//   (libmagic handles with their loaded database, ICU converters, the
//   uchardet detector, GMime parser options, glibc's per-thread malloc
//   cache), and a new thread per message built all of it again inside the
//   measured end-of-message time (bench/milter_load.sh: analysis_ms p99).
//   run() never waits: an idle thread takes the job, else a new one is
//   started, so as many analyses run at once as before (one per MTA
//   session at end of message, plus timed-out ones still finishing).
// LIMITS
//   At most k_keep_idle threads stay once their job is done; more than that
//   end after their job. Threads are detached and never joined: a timed-out
//   analysis may still run when the process exits (milter_cmd.cpp).
#pragma once

#include <cstddef>
#include <functional>

namespace replyguard::cli::milterd {

inline constexpr std::size_t k_keep_idle = 16;

/// Run `job` on a pooled thread (see above). When no new thread can be
/// started, the job waits for the next thread that finishes one.
void run_analysis(std::function<void()> job);

/// Run `job` once on each of `n` pooled threads, all started at once (each
/// call waits, up to 2 s, until all n have begun, so no thread takes two),
/// and return when all have finished. For the warm-up at start
/// (milter_warm.cpp): the threads stay in the pool with their state built.
void run_on_threads(std::size_t n, const std::function<void()>& job);

/// Threads the pool has now (running or idle), for tests and metrics.
std::size_t analysis_threads();

}  // namespace replyguard::cli::milterd
