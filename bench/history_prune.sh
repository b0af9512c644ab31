#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/history_prune.sh - `replyguard history prune` on a generated history: time and bytes
#
# DESCRIPTION
#   bench/history_gen.py writes N messages (default 10,000: corpus threads laid over
#   2016-2026, see bench/README.md "History at scale"), learnt into a fresh SQLite
#   history. As of --now (default 2026-12-01) with the default retention policy
#   (400 / 1825 / 3650 days): a dry run, the prune, and the prune with --vacuum, each on
#   a fresh copy of the learnt file. Measured: CPU seconds (user+sys) and peak RSS of
#   each, what was removed per kind, the file and in-use bytes before and after, and
#   per table (SQLite's dbstat) before and after. Then the cost of schema 6's index
#   (messages_date): its bytes, and learn's CPU with and without it, same input.
# USAGE
#   bench/history_prune.sh [--messages N] [--now DATE] [--binary build/replyguard]
#                          [--corpus ../shared/corpus] [--work DIR] [--keep]
# LIMITS
#   Not a test: nothing here asserts a time. CPU time, not wall time (a shared machine).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
bin=$here/../build/replyguard
corpus=$here/../../shared/corpus
n=10000
now=2026-12-01
work=""
keep=0
while [ $# -gt 0 ]; do
  case $1 in
    --messages) n=$2; shift 2 ;;
    --now) now=$2; shift 2 ;;
    --binary) bin=$2; shift 2 ;;
    --corpus) corpus=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    *) echo "usage: $0 [--messages N] [--now DATE] [--binary B] [--corpus DIR] [--work DIR] [--keep]" >&2; exit 2 ;;
  esac
done
[ -x "$bin" ] || { echo "no binary $bin (ninja -C build replyguard)" >&2; exit 2; }
if [ -z "$work" ]; then work=$(mktemp -d /tmp/rg-history-prune.XXXXXX); fi
mkdir -p "$work"
[ $keep = 1 ] || trap 'rm -rf "$work"' EXIT

cpu() { awk '{printf "%.2f", $1 + $2}' "$1"; }
rss() { awk '{printf "%d MB", $3 / 1024}' "$1"; }
tables() {  # bytes per table and index (dbstat), largest first
  sqlite3 "$1" "SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC" | awk -F'|' '{printf "  %-34s %12d\n", $1, $2}'
}

python3 "$here/history_gen.py" --corpus "$corpus" --messages "$n" > "$work/h.mbox"
/usr/bin/time -f "%U %S %M %e" -o "$work/learn.time" "$bin" learn --db "$work/base.db" --no-progress - < "$work/h.mbox" 2> "$work/learn.err"
echo "learnt: $(tail -1 "$work/learn.err") in $(cpu "$work/learn.time") CPU s, peak $(rss "$work/learn.time")"
"$bin" history stats --db "$work/base.db"
echo "tables before:"; tables "$work/base.db"

for run in dry prune vacuum; do
  cp "$work/base.db" "$work/$run.db"
  args=(); [ $run = dry ] && args=(--dry-run); [ $run = vacuum ] && args=(--vacuum)
  /usr/bin/time -f "%U %S %M %e" -o "$work/$run.time" "$bin" history prune --db "$work/$run.db" --now "$now" "${args[@]}" > "$work/$run.out"
  echo "--- history prune ${args[*]}: $(cpu "$work/$run.time") CPU s, peak $(rss "$work/$run.time"), wall $(awk '{print $4}' "$work/$run.time") s"
  cat "$work/$run.out"
done
echo "tables after the prune (no vacuum):"; tables "$work/prune.db"
"$bin" history stats --db "$work/prune.db"

# Schema 6's index: learn the same mbox with and without it (dropped from a fresh file).
"$bin" learn --db "$work/noindex.db" --no-progress - </dev/null 2>/dev/null  # an empty history of schema 6
sqlite3 "$work/noindex.db" "DROP INDEX messages_date"
/usr/bin/time -f "%U %S %M %e" -o "$work/learn-noindex.time" "$bin" learn --db "$work/noindex.db" --no-progress - < "$work/h.mbox" 2>/dev/null
echo "index messages_date: $(sqlite3 "$work/base.db" "SELECT sum(pgsize) FROM dbstat WHERE name='messages_date'") bytes;" \
     "learn $(cpu "$work/learn.time") CPU s with it, $(cpu "$work/learn-noindex.time") without"
