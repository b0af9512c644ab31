#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# scripts/fuzz-nightly.sh - the long fuzz run: every target for a given time, corpus kept and minimised
#
# USAGE
#   scripts/fuzz-nightly.sh [SECONDS] [TARGET...]
#     SECONDS  per target (default 3600: the nightly hour)
#     TARGET   fuzz_parser, fuzz_archive, ... (default: every fuzz/fuzz_*.cpp,
#              the whole-engine target included once it exists)
#   Environment: CXX/CC (default: the newest clang++-NN found), FUZZ_BUILD_DIR
#   (default ./build-fuzz), FUZZ_CORPUS_ROOT (default fuzz/corpus: one folder per
#   target, kept between runs), REPLYGUARD_CORPUS_DIR (default ../shared/corpus:
#   extra seeds, read from a temporary copy, never merged into the kept corpus
#   unless they add coverage), SEED_SAMPLE (mail files, default 300), CRASH_DIR
#   (default fuzz-crashes/ under the build folder), FUZZ_TIMEOUT (libFuzzer -timeout,
#   wall seconds per input, default 25: raise it for a niced run on a busy
#   machine), REPORT (default
#   FUZZ_BUILD_DIR/nightly-<UTC date>.txt).
#
# DESCRIPTION
#   For each target, one process (the machine is shared; run targets in
#   parallel only where cores are free):
#   1. fuzz for SECONDS (-max_total_time) from the kept corpus
#      fuzz/corpus/<target>/, the hostile seeds (scripts/make-hostile-seeds.py
#      writes them there) and a sample of the shared corpus; new inputs go to a
#      scratch folder;
#   2. minimise: `-merge=1` of the kept corpus and the new inputs into a fresh
#      folder, which then replaces fuzz/corpus/<target>/ (only inputs that add
#      coverage stay, so the folder does not grow without bound);
#   3. coverage: a `-runs=0` pass over the minimised corpus prints libFuzzer's
#      INITED line (cov = edges covered, ft = features).
#   The table at the end (also in REPORT) has, per target: seconds, CPU seconds
#   (user+sys, with /usr/bin/time), executions,
#   exec/s, cov, ft, corpus files and bytes, crashes. fuzz/README.md records the
#   figures of the last long run.
# DIAGNOSTICS
#   Exit status 0 when no target crashed, 1 when one did (reproducers in
#   CRASH_DIR, named in the table), 2 when the build failed.
#   The kept corpus may hold inputs derived from the shared corpus (real
#   phishing): review before committing it (see fuzz/README.md).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
secs=${1:-3600}
shift || true
bdir=${FUZZ_BUILD_DIR:-$root/build-fuzz}
keep_root=${FUZZ_CORPUS_ROOT:-$root/fuzz/corpus}
corpus=${REPLYGUARD_CORPUS_DIR:-$root/../shared/corpus}
sample=${SEED_SAMPLE:-300}
crash_dir=${CRASH_DIR:-$bdir/fuzz-crashes}
report=${REPORT:-$bdir/nightly-$(date -u +%Y%m%d).txt}
# libFuzzer's -timeout is wall-clock time: a niced fuzzer on a busy machine
# gets a few percent of a core, so an input of 0.3 s CPU can pass 25 s.
timeout=${FUZZ_TIMEOUT:-25}

die() { echo "fuzz-nightly: $*" >&2; exit 2; }

# shellcheck source=scripts/fuzz-common.sh
. "$root/scripts/fuzz-common.sh"
fuzz_build fuzz-nightly "$@"

work=$(mktemp -d "${TMPDIR:-/tmp}/rg-nightly.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$crash_dir" "$keep_root" "$(dirname "$report")"

# The hostile inputs of issue 12, small, as seeds (idempotent).
python3 "$root/scripts/make-hostile-seeds.py" "$keep_root" >/dev/null || echo "fuzz-nightly: no hostile seeds" >&2

# Shared-corpus seeds: whole messages for every target (the rfc2047/charset/text
# targets also take them: their first bytes are headers and text).
seeds=$work/seeds
mkdir -p "$seeds"
if [[ -d $corpus ]]; then
    find "$corpus/phishing" "$corpus/benign" "$corpus/mime-edge" "$corpus/office" -type f -size +0c -size -512k \
        ! -name '*.mbox*' 2>/dev/null | LC_ALL=C sort | awk -v n="$sample" '{ a[NR] = $0 } END {
            step = NR > n ? NR / n : 1; for (i = 1; i <= NR && c < n; i += step) { print a[int(i)]; c++ } }' |
        while IFS= read -r f; do cp "$f" "$seeds/$(sha1sum "$f" | cut -c1-16)"; done
fi

fmt_row() { printf '%-18s %7s %7s %12s %9s %8s %8s %7s %10s %7s\n' "$@"; }
{
    echo "fuzz-nightly $(date -u +%FT%TZ), ${secs}s per target, clang: $CXX"
    fmt_row target seconds cpu_s executions exec/s cov ft files bytes crashes
} | tee "$report"

status=0
for t in "${targets[@]}"; do
    bin=$bdir/fuzz/$t
    [[ -x $bin ]] || die "$bin was not built"
    keep=$keep_root/$t
    new=$work/new-$t
    mkdir -p "$keep" "$new"
    log=$work/$t.log
    rc=0
    # CPU seconds as well as wall seconds: on a shared machine the fuzzer runs
    # niced, and its CPU time says how much fuzzing the wall hour held.
    timer=()
    [[ -x /usr/bin/time ]] && timer=(/usr/bin/time -o "$work/$t.time" -f '%U %S %e')
    ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1} \
    UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
        "${timer[@]}" nice "$bin" -max_total_time="$secs" -timeout="$timeout" -rss_limit_mb=2560 -max_len=1048576 \
        -print_final_stats=1 -artifact_prefix="$crash_dir/$t-" \
        "$new" "$keep" "$seeds" >"$log" 2>&1 || rc=$?
    cpu=? ran=$secs
    if [[ -s $work/$t.time ]]; then
        cpu=$(awk 'END { printf "%d", $1 + $2 }' "$work/$t.time")
        ran=$(awk 'END { printf "%d", $3 }' "$work/$t.time") # less than SECONDS when a finding stopped it
    fi
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    # Minimise: only inputs that add coverage stay in the kept corpus.
    min=$work/min-$t
    mkdir -p "$min"
    if nice "$bin" -merge=1 -timeout="$timeout" -rss_limit_mb=2560 -max_len=1048576 "$min" "$keep" "$new" \
        >"$work/$t.merge.log" 2>&1; then
        rm -rf "$keep"
        mkdir -p "$keep"
        cp -a "$min"/. "$keep"/
    else
        echo "fuzz-nightly: $t: merge failed, corpus left as it was (see below)" >&2
        tail -5 "$work/$t.merge.log" >&2 || true
    fi
    # The merge names inputs by their hash: put the named hostile seeds back.
    python3 "$root/scripts/make-hostile-seeds.py" "$keep_root" >/dev/null 2>&1 || true
    # Coverage of the kept corpus: libFuzzer's INITED line.
    nice "$bin" -runs=0 -timeout="$timeout" -rss_limit_mb=2560 -max_len=1048576 "$keep" >"$work/$t.cov.log" 2>&1 || true
    inited=$(grep -m1 -E '(INITED|DONE) +cov:' "$work/$t.cov.log" || true)
    cov=$(sed -n 's/.*cov: \([0-9]*\).*/\1/p' <<<"$inited")
    ft=$(sed -n 's/.*ft: \([0-9]*\).*/\1/p' <<<"$inited")
    files=$(find "$keep" -type f | wc -l)
    bytes=$(du -sb "$keep" | cut -f1)
    # Findings only: libFuzzer's slow-unit-* files (inputs slower than
    # -report_slow_units, 10 s of wall time) are kept beside them but are none.
    crashes=$(find "$crash_dir" -maxdepth 1 -type f \( -name "$t-crash-*" -o -name "$t-leak-*" \
        -o -name "$t-oom-*" -o -name "$t-timeout-*" \) | wc -l)
    rate=$(( ${execs:-0} / (ran > 0 ? ran : 1) ))
    fmt_row "$t" "$ran" "$cpu" "${execs:-?}" "$rate" "${cov:-?}" "${ft:-?}" "$files" "$bytes" "$crashes" | tee -a "$report"
    if ((rc != 0)); then
        status=1
        {
            echo "!! $t failed (exit $rc); reproducer(s):"
            ls "$crash_dir"/"$t"-* 2>/dev/null || true
            grep -m1 -E 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error|SUMMARY' "$log" || true
        } | tee -a "$report" >&2
        cp "$log" "$crash_dir/$t.log"
    fi
done
echo "report: $report" >&2
exit $status
