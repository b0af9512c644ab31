#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# scripts/fuzz-smoke.sh - build the libFuzzer targets and run each one briefly
#
# USAGE
#   scripts/fuzz-smoke.sh [SECONDS] [TARGET...]
#     SECONDS  per target (default 30)
#     TARGET   fuzz_parser, fuzz_rfc2047, ... (default: every fuzz/fuzz_*.cpp)
#   Environment: CXX/CC (default: the newest clang++-NN found, then clang++),
#   FUZZ_BUILD_DIR (default ./build-fuzz), REPLYGUARD_CORPUS_DIR (default
#   ../shared/corpus beside the repository), SEED_SAMPLE (mail files per seed set, default 300),
#   CRASH_DIR (default: a temp folder, printed), REPLYGUARD_FUZZ_STRICT=1 to
#   check the decoders' output contracts too (see fuzz/README.md).
#
# DESCRIPTION
#   Configures build-fuzz/ with -DREPLYGUARD_FUZZ=ON (ASan + UBSan + libFuzzer)
#   under clang, builds the fuzz targets (-j2), then seeds each target from a
#   temporary copy of a sample of the shared corpus (never from files inside the
#   repository, and nothing is copied into it): whole messages for fuzz_parser
#   and fuzz_engine (the whole scan::engine), header values for fuzz_rfc2047, text/HTML bodies for the others. Each target
#   runs for SECONDS (-max_total_time) on one process.
# DIAGNOSTICS
#   Exit status 0 when no target crashed, 1 when one did (its crash-*, leak-*,
#   timeout-* or oom-* reproducer is left in CRASH_DIR and named here), 2 when
#   the build failed. Note: std::expected needs clang >= 16 with libstdc++ 12;
#   Debian bookworm's clang 14 cannot build the tree (apt-get install clang-19
#   libclang-rt-19-dev).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
secs=${1:-30}
shift || true
bdir=${FUZZ_BUILD_DIR:-$root/build-fuzz}
corpus=${REPLYGUARD_CORPUS_DIR:-$root/../shared/corpus}
sample=${SEED_SAMPLE:-300}

die() { echo "fuzz-smoke: $*" >&2; exit 2; }

# shellcheck source=scripts/fuzz-common.sh
. "$root/scripts/fuzz-common.sh"
fuzz_build fuzz-smoke "$@"

work=$(mktemp -d "${TMPDIR:-/tmp}/rg-fuzz.XXXXXX")
crash_dir=${CRASH_DIR:-$work/crashes}
mkdir -p "$crash_dir"
cleanup() {
    # Keep the work folder when it holds the crash reproducers.
    if [[ $crash_dir == "$work"/* ]] && compgen -G "$crash_dir/*" >/dev/null; then
        rm -rf "$work/seeds-"* "$work/corpus-"*
    else
        rm -rf "$work"
    fi
}
trap cleanup EXIT

# --- seeds (temporary copies of a sample of the shared corpus) -------------------
mail_sample() {  # one message per line, a deterministic sample
    find "$corpus/phishing" "$corpus/benign" "$corpus/mime-edge" -type f -size +0c -size -512k \
        ! -name '*.mbox*' 2>/dev/null | LC_ALL=C sort | awk -v n="$sample" '{ a[NR] = $0 } END {
            step = NR > n ? NR / n : 1; for (i = 1; i <= NR && c < n; i += step) { print a[int(i)]; c++ } }'
}
seed_dir() {  # seed_dir TARGET -> prints the folder
    local t=$1 d="$work/seeds-$1" i=0
    mkdir -p "$d"
    case $t in
    fuzz_rfc2047)
        # Header values: Subject, From, To, Cc of the sample, unfolded, one per file.
        mail_sample | while IFS= read -r f; do
            awk 'BEGIN { RS = "\r?\n" } /^$/ { exit } /^[ \t]/ { v = v $0; next }
                 { if (v != "") print v; v = "" } tolower($0) ~ /^(subject|from|to|cc|reply-to):/ { v = substr($0, index($0, ":") + 1) }
                 END { if (v != "") print v }' "$f"
        done | LC_ALL=C sort -u | head -2000 | while IFS= read -r line; do
            printf '%s' "$line" > "$d/h$((i++))"
        done
        ;;
    fuzz_charset | fuzz_text)
        # Bodies: the bytes after the header block (raw, still transfer-encoded
        # in places: the fuzzer mutates from there).
        mail_sample | while IFS= read -r f; do
            i=$((i + 1))  # not inside the redirection: that expands in the pipeline's subshell
            awk 'f { print } /^\r?$/ { f = 1 }' "$f" | head -c 65536 > "$d/b$i"
        done
        ;;
    fuzz_outlook)
        # Outlook .msg and TNEF files (third-party test files, tests/data/SOURCES.md).
        cp "$root"/tests/data/outlook/* "$d/"
        ;;
    fuzz_parser | fuzz_engine | *)
        # Whole messages (fuzz_engine: through the whole engine, with a small history).
        mail_sample | while IFS= read -r f; do cp "$f" "$d/m$((i++))"; done
        ;;
    esac
    find "$d" -type f -size 0 -delete
    echo "$d"
}

# --- run ------------------------------------------------------------------------
status=0
for t in "${targets[@]}"; do
    bin=$bdir/fuzz/$t
    [[ -x $bin ]] || die "$bin was not built"
    seeds=$(seed_dir "$t")
    mkdir -p "$work/corpus-$t"
    echo "== $t: ${secs}s, $(ls "$seeds" | wc -l) seeds" >&2
    rc=0
    # The suppressions the unit suites use under LSan (tests/lsan.supp: GLib, GObject,
    # GMime, libmagic and ICU keep process-lifetime state). Without them, fuzz_rfc2047
    # once reported a 128-byte g_realloc block after 176k inputs (2026-12-05; empty
    # reproducer, not seen again in 150 s with full stacks).
    LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$root/tests/lsan.supp} \
    ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1} \
    UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
        "$bin" -max_total_time="$secs" -timeout=25 -rss_limit_mb=2560 -max_len=1048576 \
        -print_final_stats=1 -artifact_prefix="$crash_dir/$t-" \
        "$work/corpus-$t" "$seeds" > "$work/$t.log" 2>&1 || rc=$?
    grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|Done )' "$work/$t.log" >&2 || true
    if ((rc != 0)); then
        status=1
        echo "!! $t failed (exit $rc); reproducer(s):" >&2
        ls "$crash_dir"/"$t"-* >&2 2>/dev/null || true
        # The end of the log: the target's own message (e.g. fuzz_rfc2047's
        # "simple_mailbox: ..."), the sanitizer's report, the stack and the input.
        echo "-- the last lines of $t's log:" >&2
        grep -v -E '^(#[0-9]+[[:space:]]|[[:space:]]*NEW_FUNC)' "$work/$t.log" | tail -n 40 >&2 || true
        cp "$work/$t.log" "$crash_dir/$t.log"
    fi
done
if ((status)); then
    echo "fuzz-smoke: crash(es) found; reproducers and logs in $crash_dir" >&2
else
    echo "fuzz-smoke: no crash in ${#targets[@]} target(s), ${secs}s each" >&2
fi
exit $status
