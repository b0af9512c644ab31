// SPDX-License-Identifier: Apache-2.0
// cli/malloc_conf.hpp - jemalloc's arenas, for a command whose threads share one heap
//
// DESCRIPTION
//   jemalloc gives each new thread an arena of its own (up to 4 a core). `learn
//   --jobs 2` has three: the reader, this thread and one more parse worker, and the
//   store's work (a batch's pending rows, SQLite's pages) runs on whichever worker
//   takes the writer's role (cli/ordered_pool.hpp), so each arena came to hold
//   pages of every batch and kept them after it was committed. With the threads in
//   one arena, peak RSS of `learn -j2` of 100,000 messages 75.0 -> 69.4 MB (medians
//   of nine runs) and the same CPU time (bench/README.md, "Round 19").
//   Without jemalloc (the system allocator, mimalloc, a sanitizer's) these do
//   nothing: mallctl is looked up at run time, not linked.
// LIMITS
//   One arena is one lock when the threads' caches miss: right for learn, whose
//   store half is one thread at a time anyway; `scan` and the milter keep theirs.
#pragma once

namespace replyguard::cli {

/// The calling thread's jemalloc arena, or -1 (not jemalloc, or mallctl failed).
int current_arena();

/// Moves the calling thread's allocations to arena `arena` (from current_arena()
/// on another thread); nothing for -1 or without jemalloc.
void use_arena(int arena);

}  // namespace replyguard::cli
