// SPDX-License-Identifier: Apache-2.0
// cli/malloc_conf.hpp - jemalloc's arenas for a command whose threads share one heap; huge pages off for one
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
//
//   no_huge_pages(): the binary asks for transparent huge pages on jemalloc's heap
//   (malloc_conf.cpp, `thp:always`: a scan's page faults more than halved, CPU
//   -3%). `learn` holds a batch (up to 16 MiB of pending rows) that it builds,
//   commits and frees again and again: with huge pages every 2 MB region it ever
//   touched stayed resident whole, and its RSS crept with the input. Learning a
//   1M-message mbox, peak RSS 69.1 MB with huge pages, 48.4 MB without them
//   (MALLOC_CONF=thp:default), the same CPU (515.8 / 518.6 s, run side by side;
//   bench/README.md, Round 23). So learn turns them off for its process (prctl
//   PR_SET_THP_DISABLE, Linux 3.15+), which the kernel honours over jemalloc's
//   madvise: 52.4 MB for the same mbox, 510.6 CPU s.
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

/// No transparent huge pages for this process from now on (pages already huge stay
/// so). False when the kernel refused (errno kept): the process runs as before.
bool no_huge_pages();

}  // namespace replyguard::cli
