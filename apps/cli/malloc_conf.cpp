// SPDX-License-Identifier: Apache-2.0
// cli/malloc_conf.cpp - jemalloc's options for the replyguard binary, and its arenas
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
//
//   current_arena / use_arena (cli/malloc_conf.hpp): jemalloc's "thread.arena",
//   through mallctl found with dlsym, so that a build without jemalloc links too.
// LIMITS
//   Only jemalloc reads the symbol; with the system allocator or mimalloc it is unused.
#include "cli/malloc_conf.hpp"

#include <dlfcn.h>
#include <sys/prctl.h>

#include <cstddef>

extern "C" {
// NOLINTNEXTLINE: the name and type are jemalloc's (its weak definition is replaced).
const char* malloc_conf = "thp:always";
}

namespace replyguard::cli {
namespace {

using mallctl_fn = int (*)(const char*, void*, std::size_t*, void*, std::size_t);

mallctl_fn mallctl_of_process() {
    // jemalloc's own symbol (Debian's is not prefixed); null when it is not linked.
    static const auto f = reinterpret_cast<mallctl_fn>(dlsym(RTLD_DEFAULT, "mallctl"));
    return f;
}

}  // namespace

int current_arena() {
    const auto mallctl = mallctl_of_process();
    if (!mallctl) return -1;
    unsigned arena = 0;
    std::size_t len = sizeof arena;
    if (mallctl("thread.arena", &arena, &len, nullptr, 0) != 0) return -1;
    return static_cast<int>(arena);
}

void use_arena(int arena) {
    const auto mallctl = mallctl_of_process();
    if (!mallctl || arena < 0) return;
    unsigned a = static_cast<unsigned>(arena);
    (void)mallctl("thread.arena", nullptr, nullptr, &a, sizeof a);
}

bool no_huge_pages() { return ::prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0) == 0; }

}  // namespace replyguard::cli
