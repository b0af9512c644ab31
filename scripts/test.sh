#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# scripts/test.sh - set up, build and run the whole test suite (what CI runs).
#
#   scripts/test.sh [--quick]
#
# 1. scripts/setup.sh --asan: Debian packages (idempotent), build/ and build-fuzz/
#    (clang, ASan + UBSan + libFuzzer instrumentation).
# 2. The whole CTest suite in build/ (unit, corpus, golden, CLI, Postfix, browser tests).
# 3. The unit, corpus and golden suites again under AddressSanitizer + UBSan (build-fuzz/).
# 4. A short libFuzzer run of every fuzz target (scripts/fuzz-smoke.sh, build-fuzz/).
# --quick skips 3 and 4. The corpus is read from ../shared/corpus (never copied).
set -euo pipefail
cd "$(dirname "$0")/.."
quick=0
[ "${1:-}" = "--quick" ] && quick=1

if ((quick)); then scripts/setup.sh; else scripts/setup.sh --asan; fi
jobs=$(nproc 2>/dev/null || echo 2)

status=0
echo "== test: build/ (all suites)"
log=$(mktemp)
ctest --test-dir build -j "$jobs" --output-on-failure --timeout 900 2>&1 | tee "$log" || status=1

if ((!quick)); then
  echo "== test: build-fuzz/ (unit, corpus and golden suites under ASan + UBSan)"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 LSAN_OPTIONS=suppressions=$PWD/tests/lsan.supp UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build-fuzz -j "$jobs" --output-on-failure --timeout 1800 -L "corpus|unit|golden" || status=1
  echo "== test: fuzz smoke (each target 15 s)"
  FUZZ_BUILD_DIR=$PWD/build-fuzz CC=clang-19 CXX=clang++-19 scripts/fuzz-smoke.sh 15 || status=1
fi
# The last line is the verdict CI reads.
echo "== test: summary of build/ (ASan and fuzz results above; exit status covers all)"
grep -E "tests passed|tests failed" "$log" | tail -n 1
rm -f "$log"
exit $status
