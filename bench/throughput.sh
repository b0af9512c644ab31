#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/throughput.sh - replyguard scan vs rspamd's full scan, rspamadm mime extract and the bare GMime loop
#
# USAGE
#   bench/throughput.sh [--quick] [PATH...]
#     --quick  every 10th file of the list only (about 390 of the corpus's 3,877;
#              a few minutes, most of it rspamd's start-up)
#     PATH  a folder or a message file; a corpus root holding phishing/ and
#           benign/ means those two folders. Default: $REPLYGUARD_CORPUS_DIR,
#           else ../shared/corpus beside the repository.
#   Environment: BUILD_DIR (default ./build), RSPAMD_BATCH (files per rspamadm
#   invocation, default 200), ROUNDS (runs of scan -j1, -j2 and the floor, default 5),
#   PIN_CPU (the vCPU of the one-core rows, default 0; empty: not pinned),
#   FULL_ROUNDS (rounds of rspamd's full scan, each followed by a scan -j1 on the
#   same vCPU, default 3),
#   SKIP_RSPAMD=1 (both rspamd rows), SKIP_RSPAMD_FULL=1,
#   SKIP_INPROCESS=1.
#
# DESCRIPTION
#   In one run, over the same list of single-message files:
#     (a) replyguard scan --format jsonl -j1 --no-progress (the headline, one core),
#         and again with -j2;
#     (b) rspamadm mime extract -t, fed RSPAMD_BATCH files per invocation (it keeps
#         every task of one invocation in memory). -t still runs the whole of
#         rspamd's message processing (task:process_message: MIME, charset
#         conversion, HTML, text extraction) but prints only plain-text parts.
#         The per-invocation start-up (Lua, config) is measured on one small
#         message and reported, and also subtracted in a second row;
#     (c) build/bench/gmime_floor: GMime parse + transfer decode + header decode;
#     (d) rspamd's full scan (bench/rspamd_full.sh): a private rspamd with the
#         package's whole configuration and one normal worker on 127.0.0.1, fed
#         by rspamc, its resolver on a local NXDOMAIN stub, in a network
#         namespace of its own; the anchor is the worker's user+sys CPU time
#         (from /proc) over the scans, start-up excluded. This is the "20x" anchor.
#         Its FULL_ROUNDS rounds (default 3) are each followed, inside the same
#         pinned process tree, by one `scan -j1` of the list: the "interleaved"
#         ratio is the sum of rspamd's CPU over the sum of ours, both measured in
#         the same minutes on the same vCPU (this VM's vCPUs drift in speed over
#         minutes, and the short -j1 runs of (a) need not fall in the minutes of
#         rspamd's long ones).
#   (a) and (c) run ROUNDS times (default 5), interleaved; the run of median CPU
#   time is the row (and the median wall times give -j2's speed-up).
#   Each is timed by /usr/bin/time: wall seconds, user+sys CPU seconds and
#   peak RSS (for rspamadm: the largest batch). Rates are given per wall second
#   and per CPU second; on a shared machine the CPU figure is the honest
#   "per core" one, so the ratios use it. Optionally (bench_parser built)
#   the in-process parse_message vs floor figures are added, which isolate
#   the parse+model stage from the CLI's file reading, detectors and JSON.
#
#   Counting: the list holds only files that are one message each. *.mbox*/*.mbx*
#   names are left out, and so is any file the CLI itself splits as an mbox
#   (a warm-up scan lists them as "FILE#N" sources), so all three count the same
#   messages. The warm-up also fills the page cache for every tool.
#
# INSTALLS
#   Only when missing and running as root: Debian `time` (/usr/bin/time) and
#   `rspamd` (rspamadm), with apt-get install -y. Nothing else.
set -euo pipefail

quick=0
if [[ ${1:-} == --quick ]]; then quick=1; shift; fi
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BUILD_DIR:-$root/build}
batch=${RSPAMD_BATCH:-200}
rg=$build/replyguard
floor=$build/bench/gmime_floor
bench_bin=$build/bench/bench_parser

bench=throughput.sh
. "$root/bench/common.sh"  # die, bench_build, bench_inputs, bench_list, bench_argmax

ensure_pkg() {  # ensure_pkg COMMAND PACKAGE
    command -v "$1" >/dev/null 2>&1 && return 0
    [[ $(id -u) -eq 0 ]] || die "$1 missing: apt-get install -y $2"
    echo "installing $2 (for $1)..." >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y "$2" >/dev/null || die "could not install $2"
}
[[ -x /usr/bin/time ]] || ensure_pkg /usr/bin/time time
[[ ${SKIP_RSPAMD:-0} == 1 ]] || ensure_pkg rspamadm rspamd

bench_build replyguard gmime_floor

# --- the file list -------------------------------------------------------------
bench_inputs "$@"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/rg-throughput.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
bench_list "$tmp/candidates"
if ((quick)); then
    awk '(NR - 1) % 10 == 0' "$tmp/candidates" > "$tmp/candidates.q" && mv "$tmp/candidates.q" "$tmp/candidates"
fi
mapfile -t files < "$tmp/candidates"
bench_argmax "$tmp/candidates"

echo "warm-up scan of ${#files[@]} files (page cache, mbox check)..." >&2
"$rg" scan --format jsonl -j2 --no-progress "${files[@]}" > "$tmp/warm.jsonl" || true
grep -o '"source":"[^"]*#[0-9][0-9]*"' "$tmp/warm.jsonl" | sed 's/^"source":"//; s/#[0-9]*"$//' |
    LC_ALL=C sort -u > "$tmp/mboxes" || true
if [[ -s $tmp/mboxes ]]; then
    echo "leaving out $(wc -l < "$tmp/mboxes") file(s) the CLI reads as mbox" >&2
    LC_ALL=C comm -23 "$tmp/candidates" "$tmp/mboxes" > "$tmp/list"
else
    cp "$tmp/candidates" "$tmp/list"
fi
mapfile -t files < "$tmp/list"
n_msgs=${#files[@]}
n_bytes=$(tr '\n' '\0' < "$tmp/list" | du -cb --apparent-size --files0-from=- | tail -1 | cut -f1)

calc() { awk "BEGIN { printf \"%.3f\", $* }"; }

# --- measuring -----------------------------------------------------------------
# measure NAME CMD... : wall, user+sys CPU and peak RSS (KB) of CMD (and its children) into $tmp/NAME.t
measure() {
    local name=$1; shift
    local rc=0
    /usr/bin/time -f '%e %U %S %M' -o "$tmp/$name.t" "$@" > "$tmp/$name.out" 2> "$tmp/$name.err" || rc=$?
    # replyguard exits 1 when it found suspicious mail: that is a result, not a failure.
    if ((rc > 1)); then
        echo "throughput.sh: $name exited $rc:" >&2
        tail -5 "$tmp/$name.err" >&2
    fi
    tail -1 "$tmp/$name.t" > "$tmp/$name.t1"
}

rows=()
add_row() {  # add_row LABEL WALL CPU RSS_KB [MSGS]
    rows+=("$1|$2|$3|$4|${5:-$n_msgs}")
}

# The three short runs (under a second of CPU each) are repeated $rounds times,
# interleaved (rg1 rg2 floor rg1 ...), and the run of median CPU time counts for
# each: on a shared VM one short run can land in a slow moment (0.61-0.97 s for the
# same -j1 scan within minutes). rspamd's full scan is one long run (~12 CPU s).
rounds=${ROUNDS:-5}
# The one-core figures (scan -j1, the floor, rspamadm, rspamd's full scan) run pinned
# to one vCPU (PIN_CPU, default 0; PIN_CPU= for none): on this VM the two vCPUs are
# not alike for memory-heavy work, and which one is slow changes (bench/README.md,
# "Idle run, 2026-12-05 22:53 UTC"): a -j1 scan took 0.62-0.63 or 0.83-0.89 CPU s
# depending on where it ran, and rspamd's worker 12.0-16.7 CPU s. Pinned, tool and
# anchor share one vCPU. scan -j2 is not pinned.
pin=${PIN_CPU-0}
on_pin=()
if [[ -n $pin ]]; then
    command -v taskset > /dev/null || die "taskset missing (util-linux)"
    on_pin=(taskset -c "$pin")
fi
# pick_median NAME: of NAME_1..NAME_$rounds, the run of median CPU time becomes NAME
# (its .t1 and .out); the median wall of all rounds goes to NAME.wall
pick_median() {
    local name=$1 i
    for ((i = 1; i <= rounds; i++)); do
        read -r w u s m < "$tmp/${name}_$i.t1"
        echo "$(calc "$u + $s") $i $w"
    done > "$tmp/$name.rounds"
    local med=$(( (rounds + 1) / 2 ))
    i=$(sort -n "$tmp/$name.rounds" | sed -n "${med}p" | cut -d' ' -f2)
    cp "$tmp/${name}_$i.t1" "$tmp/$name.t1"
    cp "$tmp/${name}_$i.out" "$tmp/$name.out"
    cut -d' ' -f3 "$tmp/$name.rounds" | sort -n | sed -n "${med}p" > "$tmp/$name.wall"
}
echo "replyguard scan -j1, -j2 and gmime_floor, $rounds interleaved rounds..." >&2
for ((round = 1; round <= rounds; round++)); do
    measure "rg1_$round" "${on_pin[@]}" "$rg" scan --format jsonl -j1 --no-progress "${files[@]}"
    measure "rg2_$round" "$rg" scan --format jsonl -j2 --no-progress "${files[@]}"
    measure "floor_$round" "${on_pin[@]}" "$floor" "$tmp/list"
done
pick_median rg1
pick_median rg2
pick_median floor
read -r w u s m < "$tmp/rg1.t1"
rg1_count=$(wc -l < "$tmp/rg1.out")
((rg1_count == n_msgs)) || echo "warning: replyguard printed $rg1_count records for $n_msgs files" >&2
add_row "replyguard scan -j1" "$w" "$(calc "$u + $s")" "$m"

read -r w u s m < "$tmp/rg2.t1"
add_row "replyguard scan -j2" "$w" "$(calc "$u + $s")" "$m"

read -r w u s m < "$tmp/floor.t1"
add_row "bare GMime parse+decode" "$w" "$(calc "$u + $s")" "$m"
floor_info=$(tail -1 "$tmp/floor.out")

rsp_note=""
if [[ ${SKIP_RSPAMD:-0} != 1 ]]; then
    # Start-up cost of one invocation: median of 3 runs on the smallest listed message.
    smallest=$(tr '\n' '\0' < "$tmp/list" | xargs -0 ls -S | tail -1)
    for i in 1 2 3; do
        "${on_pin[@]}" /usr/bin/time -f '%e %U %S' -o "$tmp/start$i.t" rspamadm mime extract -t "$smallest" > /dev/null 2>&1 || true
        tail -1 "$tmp/start$i.t"
    done | awk '{print $1, $2 + $3}' | sort -n | sed -n 2p > "$tmp/startup"
    read -r start_wall start_cpu < "$tmp/startup"
    echo "rspamadm mime extract -t, $batch files per invocation..." >&2
    # The batch script fails the run if any invocation fails (rspamadm stops a
    # whole batch at the first message it cannot load, which would undercount).
    measure rspamd "${on_pin[@]}" xargs -a "$tmp/list" -d '\n' -n "$batch" rspamadm mime extract -t
    read -r w u s m < "$tmp/rspamd.t1"
    if grep -q 'cannot read message' "$tmp/rspamd.err"; then
        echo "warning: rspamadm could not read some messages; its figures are too high:" >&2
        grep 'cannot read message' "$tmp/rspamd.err" | head -3 >&2
    fi
    n_batches=$(((n_msgs + batch - 1) / batch))
    cpu=$(calc "$u + $s")
    add_row "rspamadm mime extract -t" "$w" "$cpu" "$m"
    add_row "rspamadm, start-up subtracted" "$(calc "$w - $n_batches * $start_wall")" \
        "$(calc "$cpu - $n_batches * $start_cpu")" "$m"
    rsp_note="rspamadm: $n_batches invocations of <= $batch files; one start-up = ${start_wall}s wall, ${start_cpu}s CPU"
fi

if [[ ${SKIP_RSPAMD:-0} != 1 && ${SKIP_RSPAMD_FULL:-0} != 1 ]]; then
    if command -v rspamc >/dev/null && [[ $(id -u) -eq 0 ]]; then
        echo "rspamd full scan (private rspamd, one worker, rspamc; start-up takes a while)..." >&2
        # The -j1 scan after each round: a short command (a list of 3,877 paths is over
        # the 128 KB a single environment string may hold).
        if RSPAMD_ROUNDS=${FULL_ROUNDS:-3} \
            RSPAMD_BESIDE="mapfile -t f < '$tmp/list'; '$rg' scan --format jsonl -j1 --no-progress \"\${f[@]}\"" \
            "${on_pin[@]}" bash "$root/bench/rspamd_full.sh" "$tmp/list" > "$tmp/full.out" 2> "$tmp/full.err"; then
            read -r cpu w nres dnsq rss < <(head -1 "$tmp/full.out")
            full_rounds=$(grep '^round ' "$tmp/full.out" || true)
            add_row "rspamd full scan (rspamc)" "$w" "$cpu" "$rss" "$nres"
            ((nres == n_msgs)) || echo "warning: rspamc returned $nres results for $n_msgs files" >&2
            rsp_note+="${rsp_note:+; }rspamd full scan: $nres results, $dnsq DNS queries answered by the local stub"
        else
            echo "warning: rspamd full scan failed:" >&2
            tail -5 "$tmp/full.err" >&2
        fi
    else
        echo "rspamd full scan skipped: needs rspamc and root" >&2
    fi
fi

inproc=""
if [[ ${SKIP_INPROCESS:-0} != 1 && -x $bench_bin ]]; then
    echo "bench_parser (in-process parse_message vs floor)..." >&2
    "$bench_bin" --benchmark_filter='BM_(parse_message|gmime_floor)/set:0$' --benchmark_format=csv \
        > "$tmp/bench.csv" 2> /dev/null || true
    inproc=$(awk -F, '/^"BM_/ { gsub(/"/, "", $1); printf "  %-32s %8.0f msg/s per core  %6.1f MB/s\n", $1, $7, $6 / 1e6 }' \
        "$tmp/bench.csv" 2>/dev/null || true)
fi

# --- report --------------------------------------------------------------------
printf '\nCorpus: %s\n' "${inputs[*]}"
printf '%d single-message files%s, %.1f MB; %s\n' "$n_msgs" "$( ((quick)) && echo ' (--quick: every 10th)')" "$(calc "$n_bytes / 1000000")" "$(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
printf 'gmime_floor: %s\n' "$floor_info"
[[ -n $rsp_note ]] && printf '%s\n' "$rsp_note"
printf '\n%-32s %8s %8s %10s %10s %9s %9s %9s\n' tool wall_s cpu_s msg/s msg/s/cpu MB/s MB/s/cpu RSS_MB
declare -A per_cpu
for r in "${rows[@]}"; do
    IFS='|' read -r label wall cpu rss msgs <<< "$r"
    read -r mps mpc bps bpc < <(awk -v n="$msgs" -v b="$n_bytes" -v w="$wall" -v c="$cpu" \
        'BEGIN { printf "%.0f %.0f %.2f %.2f\n", n / w, n / c, b / w / 1e6, b / c / 1e6 }')
    per_cpu[$label]=$mpc
    printf '%-32s %8.2f %8.2f %10s %10s %9s %9s %9.1f\n' "$label" "$wall" "$cpu" "$mps" "$mpc" "$bps" "$bpc" \
        "$(calc "$rss / 1024")"
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
rg=${per_cpu["replyguard scan -j1"]}
printf '\nHeadline (one core, CPU time): replyguard scan -j1 = %s msg/s\n' "$rg"
printf 'one-core rows pinned to vCPU: %s\n' "${pin:-none}"
printf 'replyguard -j2 wall speed-up over -j1 (median walls of %d rounds): %s\n' "$rounds" \
    "$(ratio "$(cat "$tmp/rg1.wall")" "$(cat "$tmp/rg2.wall")")"
printf 'replyguard -j1 CPU s of the %d rounds: %s\n' "$rounds" "$(sort -n "$tmp/rg1.rounds" | cut -d' ' -f1 | tr '\n' ' ')"
printf 'gmime_floor CPU s of the %d rounds: %s\n' "$rounds" "$(sort -n "$tmp/floor.rounds" | cut -d' ' -f1 | tr '\n' ' ')"
printf 'ratio replyguard/gmime  (msg per CPU s): %s   (goal >= 0.50)\n' "$(ratio "$rg" "${per_cpu["bare GMime parse+decode"]}")"
if [[ -n ${per_cpu["rspamd full scan (rspamc)"]:-} ]]; then
    printf 'ratio replyguard/rspamd full scan (msg per CPU s): %s   (goal >= 20)\n' \
        "$(ratio "$rg" "${per_cpu["rspamd full scan (rspamc)"]}")"
fi
if [[ -n ${full_rounds:-} ]]; then
    # "round R rspamd_cpu wall scan_cpu": the same messages each round, so the ratio
    # of messages per CPU s is rspamd's CPU over ours.
    awk '{ r = r sprintf(" %.2f/%.2f", $3, $5); a += $3; b += $5; n++ }
        END { printf "ratio replyguard/rspamd full scan, interleaved (%d rounds on the pinned vCPU, sum of CPU s): %.2f   (goal >= 20)\n  rspamd/scan -j1 CPU s per round:%s\n", n, (b > 0 ? a / b : 0), r }' \
        <<< "$full_rounds"
fi
if [[ -n ${per_cpu["rspamadm mime extract -t"]:-} ]]; then
    printf 'ratio replyguard/rspamd (msg per CPU s): %s   (goal >= 3.00)\n' "$(ratio "$rg" "${per_cpu["rspamadm mime extract -t"]}")"
    printf 'ratio replyguard/rspamd, start-up subtracted: %s\n' \
        "$(ratio "$rg" "${per_cpu["rspamadm, start-up subtracted"]}")"
fi
if [[ -n $inproc ]]; then
    printf '\nIn-process (bench_parser, parse stage only, CPU time; over %s phishing+benign,\nwhatever PATH was given):\n%s\n' \
        "${REPLYGUARD_CORPUS_DIR:-the corpus bench_parser was built with}" "$inproc"
fi
