// SPDX-License-Identifier: Apache-2.0
// cli/malloc_conf.cpp - jemalloc's options for the replyguard binary
//
// DESCRIPTION
//   jemalloc (linked by CMake's REPLYGUARD_MALLOC=jemalloc, the default) reads the
//   string `malloc_conf` of the program at its first allocation, before main; the
//   environment's MALLOC_CONF is read after it and wins, so a user can still change
//   or undo any of this.
//
//   thp:always  jemalloc asks the kernel for transparent huge pages on its heap
//               (madvise MADV_HUGEPAGE; Debian's default THP mode is "madvise", so
//               nothing else in the process gets them). A scan is a stream of
//               short-lived allocations spread over the heap, and on this VM a page
//               fault costs microseconds: `scan -j1` over the 3,877 corpus files
//               took 5,829 page faults with 4 KB pages and 2,434 with huge pages
//               (1,178 of them are the start-up's), CPU time -3% (bench/README.md,
//               "Allocator"), peak RSS 54 -> 62 MB: a fixed cost, not one that grows
//               with the input.
// LIMITS
//   Only jemalloc reads the symbol; with the system allocator or mimalloc it is unused.
extern "C" {
// NOLINTNEXTLINE: the name and type are jemalloc's (its weak definition is replaced).
const char* malloc_conf = "thp:always";
}
