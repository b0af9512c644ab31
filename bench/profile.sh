#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/profile.sh - where `replyguard scan -j1` spends its time (callgrind)
#
# USAGE
#   bench/profile.sh [EVERY_NTH] [PATH...]
#     EVERY_NTH  profile every N-th single-message file (default 4: a quarter)
#     PATH       as for throughput.sh (default: $REPLYGUARD_CORPUS_DIR or
#                ../shared/corpus beside the repository: its phishing/ and benign/)
#   Environment: BUILD_DIR (default ./build), OUT (callgrind file, default
#   a temp file that is printed).
#
# DESCRIPTION
#   Counts instructions with valgrind --tool=callgrind, so the result does not
#   depend on how busy the shared machine is (perf's hardware counters are not
#   available in these VMs), and prints the top functions by inclusive and by
#   self cost. Open the output with callgrind_annotate or kcachegrind for more.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BUILD_DIR:-$root/build}
nth=${1:-4}
shift || true
bench=profile.sh
. "$root/bench/common.sh"  # die, bench_inputs, bench_list
command -v valgrind >/dev/null || die "apt-get install -y valgrind"
bench_inputs "$@"
out=${OUT:-$(mktemp "${TMPDIR:-/tmp}/rg-callgrind.XXXXXX")}
bench_list "$out.list"
mapfile -t files < <(awk -v n="$nth" '(NR - 1) % n == 0' "$out.list")
rm -f "$out.list"
echo "profiling replyguard scan -j1 over ${#files[@]} files -> $out" >&2
valgrind --tool=callgrind --callgrind-out-file="$out" \
    "$build/replyguard" scan --format jsonl -j1 --no-progress "${files[@]}" > /dev/null 2> "$out.log" || true
grep -E 'Collected' "$out.log" >&2 || { tail "$out.log" >&2; exit 2; }
echo "== inclusive (top 40)"
callgrind_annotate --inclusive=yes "$out" 2>/dev/null | sed -n '/file:function/,$p' | sed -n '2,41p' | cut -c1-180
echo "== self (top 30)"
callgrind_annotate "$out" 2>/dev/null | sed -n '/file:function/,$p' | sed -n '2,31p' | cut -c1-180
echo "(messages: ${#files[@]}; divide Ir by it for instructions per message)"
