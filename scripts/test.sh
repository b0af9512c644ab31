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
build_status=0
ctest --test-dir build -j "$jobs" --output-on-failure --timeout 900 2>&1 | tee "$log" || build_status=1
((build_status)) && status=1

asan_status=0
if ((!quick)); then
  echo "== test: build-fuzz/ (unit, corpus and golden suites under ASan + UBSan)"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 LSAN_OPTIONS=suppressions=$PWD/tests/lsan.supp UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build-fuzz -j "$jobs" --output-on-failure --timeout 1800 -L "corpus|unit|golden" || asan_status=1
  ((asan_status)) && status=1
  echo "== test: fuzz smoke (each target 15 s)"
  FUZZ_BUILD_DIR=$PWD/build-fuzz CC=clang-19 CXX=clang++-19 scripts/fuzz-smoke.sh 15 || status=1
fi

# A CI log is often read from its end only: name each failed test of a suite
# and repeat the last lines of its output here, taken from CTest's own record
# (Testing/Temporary/LastTest.log), so a failure far up the log is not lost.
show_failures() { # $1 build directory
  local dir=$1 failed=$1/Testing/Temporary/LastTestsFailed.log name
  [ -s "$failed" ] || return 0
  echo "== test: failed in $dir/"
  while IFS= read -r line; do
    name=${line#*:}
    echo "-- $name (last 40 lines of its output)"
    awk -v name="$name" '
      $0 ~ /^[0-9]+\/[0-9]+ Testing: / { sub(/^[0-9]+\/[0-9]+ Testing: /, ""); on = ($0 == name); next }
      on && /^Test (Passed|Failed)\.$/ { on = 0 }
      on { print }' "$dir/Testing/Temporary/LastTest.log" | tail -n 40
  done < "$failed"
}
((build_status)) && show_failures build
((asan_status)) && show_failures build-fuzz
# The last line is the verdict CI reads.
echo "== test: summary of build/ (ASan and fuzz results above; exit status covers all)"
grep -E "tests passed|tests failed" "$log" | tail -n 1
rm -f "$log"
exit $status
