#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/scaling.sh - replyguard scan --jobs 1, 2, 4 over the same files, in one run
#
# USAGE
#   bench/scaling.sh [--quick] [--jobs "1 2 4"] [--rounds R] [--repeat K] [--no-pair]
#                    [--no-machine] [--against DIR] [PATH...]
#     --quick    every 4th file, one round (well under a minute on 2 cores)
#     --jobs     the --jobs values to compare (default "1 2 4"; the first is the base)
#     --rounds   runs per --jobs value, interleaved; the median wall time counts
#                (default 3)
#     --repeat   scan the file list K times over in each run (default 1): longer
#                runs, so that start-up and the last large file weigh less. The
#                whole list must fit on one command line (half of ARG_MAX): 3 for
#                the shared corpus by its default path, which is resolved
#                (/work/shared/corpus, not /work/main/../shared/corpus)
#     --no-pair  leave out the anchor "pair" (two -j1 processes, half each)
#     --no-machine  leave out the machine anchors (one and two at once of a
#                compute loop, a compressor and gmime_floor, see below)
#     --against DIR  also run DIR/replyguard (another build, e.g. main's) in
#                the same rounds, each run beside the same run of this build
#                (which goes first alternates), with a table of its own
#     PATH       a folder or a message file; a corpus root holding phishing/ and
#                benign/ means those two folders. Default: $REPLYGUARD_CORPUS_DIR,
#                else ../shared/corpus beside the repository.
#   Environment: BUILD_DIR (default ./build).
#
# DESCRIPTION
#   Runs `replyguard scan --format jsonl --no-progress -jN` over one list of
#   files (*.mbox* and *.mbx* names left out, as throughput.sh does) for each N,
#   round-robin (1 2 4 1 2 4 ...) so drift on the machine hits every N alike,
#   after one warm-up run that fills the page cache. Each run is timed by
#   /usr/bin/time: wall seconds and user+sys CPU seconds of the process (all
#   its threads). Prints per N: median wall, its CPU, messages (records
#   printed), msg/s per wall second and per CPU second, the wall speed-up
#   over the first N and the CPU ratio (CPU of N / CPU of the first N: above
#   1 is work that threads add, e.g. contention; the wall speed-up on C cores
#   is at most C / that ratio) and "busy", CPU seconds a wall second (how many
#   cores the run kept working: -j1 ~1.00, since it is one thread; the wall
#   speed-up is busy(-jN) / busy(-j1) / cpu_ratio, so a -jN busy near N with a
#   lower speed-up lost CPU time, not parallelism). Checks that every run
#   printed the same records. Then "best": each N's (and the pair's) fastest
#   round and the speed-up of those walls over the first N's fastest. Another
#   tenant's work on the host only ever slows a run down, so the fastest round
#   is the nearest this machine came to being idle; the median stays the
#   headline, and the two apart say how much the host moved during the run.
#
#   The anchor "pair" (unless --no-pair) is measured in the same rounds: the
#   list split in two alike halves (alternate files), two `scan -j1`
#   processes started together, one per half; its wall time runs until the
#   later one ends, its CPU time is both. Its speed-up over the first N is
#   what this machine gives right now to two pieces of perfectly independent
#   work (on a VM whose two vCPUs share a host, less than 2x); a line
#   "of pair" gives each -jN's speed-up divided by the pair's: the share of
#   it our threads get. The pair's records, put back in list order, must
#   equal the others'.
#
#   The machine anchors (unless --no-machine), in the same rounds: what two
#   processes at once get over one on this machine, for work that is not ours.
#   "compute": an awk loop whose data fits in any cache; "memory": `xz -1 -T1` of
#   the first 24 MB of the listed files (a compressor's match finder: much
#   memory traffic); "gmime": build/bench/gmime_floor over the whole list (the
#   bare GMime parse-and-decode loop of throughput.sh, the library our parse
#   stands on, with none of our code). Each runs alone, then two copies at
#   once; speed-up = 2 x wall(one) / wall(two), of the median walls. Two vCPUs
#   that are whole cores give ~2x to all; below that for "memory" and "gmime"
#   only, they share caches or memory bandwidth (or are two threads of one
#   core), and no -jN can beat what "gmime" and "pair" show.
#
#   With --against, the other build's figures follow in the same form, then
#   per --jobs value and the pair: this build's wall and CPU time over the
#   other's (medians; below 1: this build is faster), and the same of the
#   median CPU time over the rounds. On a busy machine the CPU ratios are the
#   figures to compare.
#
#   The wall speed-up means something only on an otherwise idle machine: the
#   load average before the runs is printed, with a warning above 0.5 per core.
#   On a busy machine compare the CPU ratio only.
#
# LIMITS
#   Reads only local files; nothing is installed. The whole list goes on one
#   command line (refused when longer than half of ARG_MAX). Exit 1 when the
#   runs disagree on the output, 2 on a usage or build error.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BUILD_DIR:-$root/build}
rg=$build/replyguard
quick=0
jobs_list="1 2 4"
rounds=3
repeat=1
pair=1
machine=1
against=""
bench=scaling.sh
. "$root/bench/common.sh"  # die, bench_build, bench_inputs, bench_list, bench_argmax
while (($#)); do
    case $1 in
        --quick) quick=1; rounds=1; shift ;;
        --jobs) jobs_list=$2; shift 2 ;;
        --rounds) rounds=$2; shift 2 ;;
        --repeat) repeat=$2; shift 2 ;;
        --no-pair) pair=0; shift ;;
        --no-machine) machine=0; shift ;;
        --against) against=$2; shift 2 ;;
        -h|--help) sed -n '3,25p' "$0"; exit 0 ;;
        --) shift; break ;;
        -*) die "unknown option $1" ;;
        *) break ;;
    esac
done
[[ $rounds =~ ^[1-9][0-9]*$ ]] || die "--rounds takes a positive number"
[[ $repeat =~ ^[1-9][0-9]*$ ]] || die "--repeat takes a positive number"
read -ra jobs <<< "$jobs_list"
((${#jobs[@]})) || die "--jobs is empty"
for j in "${jobs[@]}"; do [[ $j =~ ^[1-9][0-9]*$ ]] || die "--jobs: not a positive number: $j"; done
[[ -x /usr/bin/time ]] || die "/usr/bin/time missing (Debian package time)"
bench_build replyguard $( ((machine)) && echo gmime_floor)
bench_inputs "$@"
builds=("")  # file name prefixes: "" this build, "b." the --against build
if [[ -n $against ]]; then
    [[ -x $against/replyguard ]] || die "--against: no $against/replyguard"
    builds+=("b.")
fi
bin_of() { [[ -z $1 ]] && echo "$rg" || echo "$against/replyguard"; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/rg-scaling.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
bench_list "$tmp/all"
if ((quick)); then awk 'NR % 4 == 1' "$tmp/all" > "$tmp/once"; else cp "$tmp/all" "$tmp/once"; fi
for ((k = 0; k < repeat; k++)); do cat "$tmp/once"; done > "$tmp/list"
bench_argmax "$tmp/list"
mapfile -t files < "$tmp/list"
n_bytes=$(($(tr '\n' '\0' < "$tmp/once" | du -cb --apparent-size --files0-from=- | tail -1 | cut -f1) * repeat))

run() {  # run N ROUND [PREFIX]: one timed scan -jN into $tmp/PREFIXjN.R.{out,t}
    local rc=0 o=$tmp/${3:-}j$1.$2
    /usr/bin/time -f '%e %U %S' -o "$o.t" "$(bin_of "${3:-}")" scan --format jsonl --no-progress -j"$1" "${files[@]}" \
        > "$o.out" 2> "$o.err" || rc=$?
    # 1: suspicious mail found, 2: some message could not be read: results, not failures.
    ((rc <= 2)) || { echo "scaling.sh: $(bin_of "${3:-}") scan -j$1 exited $rc:" >&2; tail -5 "$o.err" >&2; exit 2; }
}

# The pair: alternate files to each half, so both halves are alike.
awk 'NR % 2 == 1' "$tmp/list" > "$tmp/half.a"
awk 'NR % 2 == 0' "$tmp/list" > "$tmp/half.b"
# Two scan -j1 at once, one per half; exits with the larger status. A script
# of its own, so that /usr/bin/time measures until the later one ends and
# counts both processes' CPU time (their shell waits for them).
cat > "$tmp/pair.sh" <<'EOF'
#!/usr/bin/env bash
# pair.sh RG LIST_A LIST_B OUT_A OUT_B
mapfile -t a < "$2"
mapfile -t b < "$3"
"$1" scan --format jsonl --no-progress -j1 "${a[@]}" > "$4" 2> "$4.err" & pa=$!
"$1" scan --format jsonl --no-progress -j1 "${b[@]}" > "$5" 2> "$5.err" & pb=$!
ra=0 rb=0
wait "$pa" || ra=$?
wait "$pb" || rb=$?
exit $((ra > rb ? ra : rb))
EOF
chmod +x "$tmp/pair.sh"
run_pair() {  # run_pair ROUND [PREFIX]: one timed pair into $tmp/PREFIXpair.R.{a,b,t}
    local rc=0 o=$tmp/${2:-}pair.$1
    /usr/bin/time -f '%e %U %S' -o "$o.t" "$tmp/pair.sh" "$(bin_of "${2:-}")" "$tmp/half.a" "$tmp/half.b" \
        "$o.a" "$o.b" || rc=$?
    ((rc <= 2)) || { echo "scaling.sh: the pair exited $rc:" >&2; tail -5 "$o".?.err >&2; exit 2; }
}

# The machine anchors: one, then two at once (a script, so /usr/bin/time waits for both).
if ((machine)); then
    command -v xz > /dev/null || die "xz missing (Debian package xz-utils), or --no-machine"
    # head stops reading at 24 MB: cat's SIGPIPE then is expected (pipefail).
    cat "${files[@]}" | head -c $((24 << 20)) > "$tmp/blob" || true
    [[ -s $tmp/blob ]] || die "no bytes for the memory anchor"
    cat > "$tmp/anchor.sh" <<'EOF'
#!/usr/bin/env bash
# anchor.sh KIND COPIES BLOB FLOOR LIST: KIND (compute|memory|gmime) run COPIES times at once
one() {
    case $1 in
        compute) awk 'BEGIN { for (i = 0; i < 6e7; i++) s += i % 7; print s }' > /dev/null ;;
        memory) xz -1 -T1 -c "$2" > /dev/null ;;
        gmime) "$3" "$4" > /dev/null ;;
    esac
}
pids=()
for ((k = 0; k < $2; k++)); do one "$1" "$3" "$4" "$5" & pids+=($!); done
for p in "${pids[@]}"; do wait "$p"; done
EOF
    chmod +x "$tmp/anchor.sh"
fi
run_anchor() {  # run_anchor KIND COPIES ROUND: into $tmp/KIND.COPIES.ROUND.t
    /usr/bin/time -f '%e %U %S' -o "$tmp/$1.$2.$3.t" "$tmp/anchor.sh" "$1" "$2" "$tmp/blob" \
        "$build/bench/gmime_floor" "$tmp/list" ||
        die "the $1 anchor failed"
}

echo "warm-up: $(wc -l < "$tmp/once") files$( ((repeat > 1)) && echo " ($repeat times over)")..." >&2
for b in "${builds[@]}"; do run "${jobs[0]}" warm "$b"; done
load=$(cut -d' ' -f1 /proc/loadavg)
for ((r = 1; r <= rounds; r++)); do
    order=("${builds[@]}")
    ((r % 2 || ${#builds[@]} < 2)) || order=("${builds[1]}" "${builds[0]}")  # who goes first alternates
    for j in "${jobs[@]}"; do
        for b in "${order[@]}"; do
            echo "round $r: ${b:+the other build: }scan -j$j..." >&2
            run "$j" "$r" "$b"
        done
    done
    if ((pair)); then
        for b in "${order[@]}"; do
            echo "round $r: ${b:+the other build: }pair (2 x scan -j1, half each)..." >&2
            run_pair "$r" "$b"
        done
    fi
    if ((machine)); then
        for kind in compute memory gmime; do
            echo "round $r: machine anchor: $kind, one and two at once..." >&2
            run_anchor "$kind" 1 "$r"
            run_anchor "$kind" 2 "$r"
        done
    fi
done

# Every run must have printed the same records (input order is the contract).
ref=$(sha256sum < "$tmp/j${jobs[0]}.warm.out")
bad=0
for f in "$tmp"/j*.out "$tmp"/b.j*.out; do
    [[ -e $f ]] || continue
    [[ $(sha256sum < "$f") == "$ref" ]] || { echo "scaling.sh: $(basename "$f") differs from the warm-up output" >&2; bad=1; }
done
n_msgs=$(wc -l < "$tmp/j${jobs[0]}.warm.out")
# The pair's records, put back in list order (a file is one record, one line).
if ((pair)); then
    na=$(wc -l < "$tmp/half.a") nb=$(wc -l < "$tmp/half.b")
    for b in "${builds[@]}"; do
        for ((r = 1; r <= rounds; r++)); do
            o=$tmp/${b}pair.$r
            if (($(wc -l < "$o.a") != na || $(wc -l < "$o.b") != nb)); then
                echo "scaling.sh: ${b}pair round $r: not one record per file" >&2; bad=1; continue
            fi
            [[ $(paste -d '\n' "$o.a" "$o.b" | head -n $((na + nb)) | sha256sum) == "$ref" ]] ||
                { echo "scaling.sh: ${b}pair round $r differs from the warm-up output" >&2; bad=1; }
        done
    done
fi

printf '\nreplyguard scan scaling, %s\n' "$(date -u '+%Y-%m-%d %H:%M UTC')"
printf 'corpus: %s\n' "${inputs[*]}"
printf '%d files, %d records, %.1f MB; %d cores; load average before the runs %s%s%s\n' "$(wc -l < "$tmp/once")" "$n_msgs" \
    "$(awk -v b="$n_bytes" 'BEGIN { print b / 1e6 }')" "$(nproc)" "$load" "$( ((quick)) && echo '; --quick')" \
    "$( ((repeat > 1)) && echo "; the list $repeat times over")"
if awk -v l="$load" -v c="$(nproc)" 'BEGIN { exit !(l > 0.5 * c) }'; then
    printf 'WARNING: the machine is busy (load %s on %d cores): wall times and the speed-up mean little; compare the CPU ratio.\n' \
        "$load" "$(nproc)"
fi
printf '%d round(s) per --jobs value, interleaved; median wall time (and the CPU time of that run)\n\n' "$rounds"
table() {  # table PREFIX: the table (and of_pair lines) of one build
    local b=$1 j w c pw pc
    printf '%-6s %8s %8s %8s %10s %12s %10s %10s %6s\n' jobs wall_s cpu_s records msg/s msg/cpu_s speed-up cpu_ratio busy
    base_w="" base_c=""
    for j in "${jobs[@]}"; do
        read -r w c < <(median "${b}j$j")
        [[ -n $base_w ]] || { base_w=$w; base_c=$c; }
        row "-j$j" "$w" "$c"
    done
    ((pair)) || return 0
    read -r pw pc < <(median "${b}pair")
    row pair "$pw" "$pc"
    # Per round too: the pair and each -jN ran seconds apart, so a round's
    # own ratio is less exposed to the machine's drift than the medians'.
    printf '\n%-6s %10s %16s\n' jobs of_pair of_pair_rounds
    for j in "${jobs[@]:1}"; do
        for ((r = 1; r <= rounds; r++)); do
            read -r w _ < <(tail -1 "$tmp/${b}j$j.$r.t")
            read -r p _ < <(tail -1 "$tmp/${b}pair.$r.t")
            awk -v w="$w" -v p="$p" 'BEGIN { printf "%.3f\n", p / w }'
        done | sort -n | sed -n "$(((rounds + 1) / 2))p" > "$tmp/ratio"
        read -r w _ < <(median "${b}j$j")
        awk -v j="$j" -v w="$w" -v p="$pw" -v q="$(cat "$tmp/ratio")" 'BEGIN {
            printf "%-6s %9.2fx %15.2fx\n", "-j" j, p / w, q }'
    done
    best_table "$b"
}
best() {  # best NAME: the shortest wall time over the rounds
    by_wall "$1" | head -1 | cut -d' ' -f1
}
best_table() {  # best_table PREFIX: each -jN's and the pair's fastest round, and the speed-ups of those
    local b=$1 j w w1
    printf '\n%-6s %10s %10s\n' jobs best_wall best_speedup
    w1=$(best "${b}j${jobs[0]}")
    for j in "${jobs[@]}"; do
        w=$(best "${b}j$j")
        awk -v j="-j$j" -v w="$w" -v w1="$w1" 'BEGIN { printf "%-6s %10.2f %9.2fx\n", j, w, w1 / w }'
    done
    if ((pair)); then
        w=$(best "${b}pair")
        awk -v w="$w" -v w1="$w1" 'BEGIN { printf "%-6s %10.2f %9.2fx\n", "pair", w, w1 / w }'
    fi
}
by_wall() {  # by_wall NAME: "wall cpu" (cpu: user+sys) of each round, fastest first, from $tmp/NAME.R.t
    local r w u s
    for ((r = 1; r <= rounds; r++)); do
        read -r w u s < <(tail -1 "$tmp/$1.$r.t")
        echo "$w $(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }')"
    done | sort -n
}
median() {  # median NAME: "wall cpu" of the median run by wall time
    by_wall "$1" | sed -n "$(((rounds + 1) / 2))p"
}
median_cpu() {  # median_cpu NAME: the median CPU time (user+sys) over the rounds
    by_wall "$1" | cut -d' ' -f2 | sort -n | sed -n "$(((rounds + 1) / 2))p"
}
row() {  # row LABEL WALL CPU
    awk -v j="$1" -v w="$2" -v c="$3" -v n="$n_msgs" -v bw="$base_w" -v bc="$base_c" 'BEGIN {
        printf "%-6s %8.2f %8.2f %8d %10.0f %12.0f %9.2fx %10.2f %6.2f\n", j, w, c, n, n / w, n / c, bw / w, c / bc, c / w }'
}
table ""
if ((machine)); then
    printf '\nthis machine, the same rounds: two at once against one (speed-up = 2 x wall(one) / wall(two), median walls)\n'
    for kind in compute memory gmime; do
        read -r w1 _ < <(median "$kind.1")
        read -r w2 _ < <(median "$kind.2")
        awk -v k="$kind" -v a="$w1" -v b="$w2" -v mb="$(($(stat -c %s "$tmp/blob") / 1000000))" 'BEGIN {
            d = "(gmime_floor, whole list)"
            if (k == "compute") d = "(awk loop, in cache)     "
            if (k == "memory") d = sprintf("(xz -1 of %4.1f MB, memory)", mb)
            printf "  %-8s %s: %.2fx (one %.2f s, two %.2f s)\n", k, d, 2 * a / b, a, b }'
    done
    if ((pair)); then
        read -r pw _ < <(median pair)
        read -r w1 _ < <(median "j${jobs[0]}")
        awk -v a="$w1" -v b="$pw" 'BEGIN { printf "  %-8s %s: %.2fx\n", "pair", "(two scan -j1, half each) ", a / b }'
    fi
fi
if [[ -n $against ]]; then
    printf '\nagainst %s (the same rounds):\n' "$against/replyguard"
    table b.
    printf '\n%-6s %14s %14s %14s\n' jobs wall_vs_other cpu_vs_other cpu_med_vs
    for n in "${jobs[@]/#/j}" $( ((pair)) && echo pair); do
        read -r w c < <(median "$n")
        read -r ow oc < <(median "b.$n")
        awk -v n="$n" -v w="$w" -v c="$c" -v ow="$ow" -v oc="$oc" -v m="$(median_cpu "$n")" \
            -v om="$(median_cpu "b.$n")" 'BEGIN {
            printf "%-6s %14.2f %14.2f %14.2f\n", (n == "pair" ? n : "-" n), w / ow, c / oc, m / om }'
    done
fi
if ((bad)); then
    echo "FAIL: the runs disagree on the output" >&2
    exit 1
fi
printf '\nspeed-up = wall(-j%s) / wall(-jN); cpu_ratio = cpu(-jN) / cpu(-j%s); busy = cpu_s / wall_s. All runs printed identical records.\n' \
    "${jobs[0]}" "${jobs[0]}"
[[ -z $against ]] || printf 'wall_vs_other, cpu_vs_other = median run of this build / of the other build (below 1: this build is faster);\ncpu_med_vs = the same of the median CPU time over the rounds (whichever run it was: steadier on a busy machine).\n'
if ((pair)); then
    printf 'pair = two scan -j1 processes at once, alternate files each (wall: until the later one ends; CPU: both).\n'
    printf 'of_pair = speed-up(-jN) / speed-up(pair) = wall(pair) / wall(-jN): of the medians, and the median of the rounds'"'"' own.\n'
fi
printf 'best_wall = the fastest round; best_speedup = best_wall(-j%s) / best_wall(-jN): the machine at its quietest in this run.\n' "${jobs[0]}"
