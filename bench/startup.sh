#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/startup.sh - the fixed cost of starting replyguard: --version and a one-file scan
#
# USAGE
#   bench/startup.sh [--rounds R] [--runs N] [--against DIR] [FILE]
#     --rounds   interleaved rounds of `perf stat -r N` per binary and command (default 3)
#     --runs     runs per `perf stat` (default 30)
#     --against DIR  also measure DIR/replyguard (e.g. main's build) in the same rounds
#     FILE       the message scanned (default: the first file of the sorted corpus
#                list, bench/common.sh; a Japanese mail with a text attachment, so
#                libmagic's first use is in it)
#   Environment: BUILD_DIR (default ./build).
#
# DESCRIPTION
#   For each binary: the shared objects the loader maps (ldd), then
#   `replyguard --version` and `replyguard scan --format jsonl --no-progress FILE`
#   under callgrind (instructions: independent of the machine's load) and under
#   `perf stat -r N -e task-clock,page-faults` (CPU milliseconds per run and page
#   faults; the binaries alternate, round by round, so drift hits both alike).
#   Prints one table per command: objects, instructions, and per round the
#   task-clock in ms; then the ratio of the medians (this build / the other).
#   No hardware counters in these VMs, hence callgrind for instructions.
# LIMITS
#   Task-clock on a busy machine moves by 20-50% between runs; read it in the
#   same round only, and trust the instruction counts for small differences.
#   Needs valgrind and perf (Debian valgrind, linux-perf).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build}
bench=startup.sh
. "$root/bench/common.sh"
rounds=3 runs=30 against="" file=""
while (($#)); do
    case $1 in
    --rounds) rounds=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --against) against=$2; shift 2 ;;
    -*) die "unknown option $1" ;;
    *) file=$1; shift ;;
    esac
done
command -v valgrind >/dev/null || die "valgrind missing (Debian valgrind)"
command -v perf >/dev/null || die "perf missing (Debian linux-perf)"
bench_build replyguard
bins=("$build/replyguard")
names=("this")
if [[ -n $against ]]; then
    [[ -x $against/replyguard ]] || die "no $against/replyguard"
    bins+=("$against/replyguard")
    names+=("against")
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [[ -z $file ]]; then
    bench_inputs
    bench_list "$tmp/list"
    file=$(head -1 "$tmp/list")
fi
[[ -f $file ]] || die "no file $file"
echo "file: $file"
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"

# instructions BIN ARGS...: callgrind's total
instructions() {
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null |
        sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
# clock BIN ARGS...: "task-clock-ms page-faults" of perf stat -r $runs
clock() {
    perf stat -x, -r "$runs" -e task-clock,page-faults "$@" 2>&1 >/dev/null |
        awk -F, '$3=="task-clock"{t=$1} $3=="page-faults"{p=$1} END{printf "%.1f %d\n", t, p}'
}

for cmd in version scan; do
    declare -A ms=()
    for i in "${!bins[@]}"; do
        b=${bins[$i]}
        args=(--version)
        [[ $cmd == scan ]] && args=(scan --format jsonl --no-progress "$file")
        objs=$(ldd "$b" | wc -l)
        ins=$(instructions "$b" "${args[@]}")
        printf '%-8s %-8s objects %3d  instructions %12d\n' "$cmd" "${names[$i]}" "$objs" "$ins"
    done
    for r in $(seq "$rounds"); do
        line="round $r:"
        order=("${!bins[@]}")
        ((r % 2 == 0)) && order=($(printf '%s\n' "${order[@]}" | tac))
        for i in "${order[@]}"; do
            b=${bins[$i]}
            args=(--version)
            [[ $cmd == scan ]] && args=(scan --format jsonl --no-progress "$file")
            read -r t p < <(clock "$b" "${args[@]}")
            ms[$i]+="$t "
            line+=" ${names[$i]} ${t} ms ${p} faults;"
        done
        echo "$cmd $line"
    done
    if ((${#bins[@]} == 2)); then
        med() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
        m0=$(med <<<"${ms[0]}") m1=$(med <<<"${ms[1]}")
        awk -v a="$m0" -v b="$m1" -v c="$cmd" 'BEGIN{printf "%s median task-clock: this %.1f ms, against %.1f ms, ratio %.2f\n", c, a, b, a/b}'
    fi
    unset ms
done
