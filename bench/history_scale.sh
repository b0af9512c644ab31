#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/history_scale.sh - learn and scan at history sizes 0 / 10k / 1M (/ 10M): one table
#
# DESCRIPTION
#   For each size N, bench/history_gen.py writes N synthetic messages (corpus threads
#   with new ids, addresses, dates and text; deterministic) into `replyguard learn -`
#   through a pipe (learn streams it: nothing of size N is held), into a fresh SQLite
#   history. Measured: learn CPU seconds (user+sys of learn alone, not the generator),
#   msg/s per CPU second, peak RSS, the store's bytes per learnt message. Then the same
#   fixed sample (the first 3,000 messages of copy 1, --sample N; in every history of
#   10k or more the messages of copy 1 are learnt, so lookups find their threads) is
#   scanned against each history: `scan --format jsonl -j1`, msg/s per CPU second and
#   peak RSS. Rounds before 22 (bench/README.md) scanned 300: against a 1M history
#   a fifth or more of that figure is start-up (the page cache filling, pages first read).
#   Last (not with --no-rss), peak RSS against the input's size with the history held
#   fixed: scan of 100 vs 100k messages (--rss-inputs LIST: other counts, e.g.
#   "100 100000 1000000", ~5 GB of mbox and ~4 CPU minutes a command at 1M), as an
#   mbox (-j1, -j2) and as a folder of one file per message (up to 100k messages),
#   against no history and against one fixed 10k history; learn of each into a fresh
#   file with learn's own page cache at its default ([history] learn_cache_mb = 4)
#   and at 64 MB.
#   About 5 CPU minutes (a 100k scan is 20-50 CPU s).
#   Rates are per CPU second (the machine is shared: wall time means little).
# USAGE
#   bench/history_scale.sh [--quick] [--sizes "0 10000 1000000"] [--binary build/replyguard]
#                          [--corpus ../shared/corpus] [--work DIR] [--keep] [--sample N]
#                          [--no-rss] [--rss-inputs "100 100000"]
#   --quick: sizes 0 10000 100000 (and the RSS runs); default sizes 0 10000 1000000.
#   The 10M run: --sizes 10000000 (about 1.5 GB of store, hours of CPU; see bench/README.md).
# LIMITS
#   Not a test: nothing here asserts a time.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
bin=$here/../build/replyguard
corpus=$here/../../shared/corpus
sizes="0 10000 1000000"
work=""
keep=0
rss=1
nsample_want=3000
rss_inputs="100 100000"
while [ $# -gt 0 ]; do
  case $1 in
    --quick) sizes="0 10000 100000"; shift ;;
    --sizes) sizes=$2; shift 2 ;;
    --binary) bin=$2; shift 2 ;;
    --corpus) corpus=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    --no-rss) rss=0; shift ;;
    --sample) nsample_want=$2; shift 2 ;;
    --rss-inputs) rss_inputs=$2; shift 2 ;;
    *) echo "usage: $0 [--quick] [--sizes LIST] [--binary B] [--corpus DIR] [--work DIR] [--keep] [--no-rss] [--sample N] [--rss-inputs LIST]" >&2; exit 2 ;;
  esac
done
[ -x "$bin" ] || { echo "no binary $bin (ninja -C build replyguard)" >&2; exit 2; }
if [ -z "$work" ]; then work=$(mktemp -d /tmp/rg-history-scale.XXXXXX); fi
mkdir -p "$work"
[ $keep = 1 ] || trap 'rm -rf "$work"' EXIT
gen() { python3 "$here/history_gen.py" --corpus "$corpus" "$@"; }

# The scan sample: copy 1's first N messages (copy 0 is the corpus order, copy 1 follows).
ncorpus=$(python3 - "$corpus" "$here" <<'EOF'
import sys; sys.path.insert(0, sys.argv[2]); import history_gen
print(len(history_gen.read_corpus(sys.argv[1])))
EOF
)
gen --messages $((ncorpus + nsample_want)) --copies-in-span 3500 | python3 -c "
import sys
data = sys.stdin.buffer.read()
parts = data.split(b'\nFrom gen@bench ')
# message index ncorpus.. in the stream: keep the envelope lines
keep = parts[$ncorpus:]
sys.stdout.buffer.write(b'From gen@bench ' + b'\nFrom gen@bench '.join(keep))
" > "$work/sample.mbox"
nsample=$(grep -c '^From gen@bench ' "$work/sample.mbox")

# time_cmd OUT CMD...: runs CMD under GNU time; OUT gets "user sys maxrss_kb wall" (only
# that line: GNU time writes "Command exited with non-zero status N" before it, and a
# scan that finds threats exits 1).
time_cmd() {
  local out=$1 rc=0; shift
  /usr/bin/time -f "%U %S %M %e" -o "$out.raw" "$@" || rc=$?
  tail -n 1 "$out.raw" > "$out"
  rm -f "$out.raw"
  return $rc
}

printf '%s\n' "| history (learnt messages) | learn CPU s | learn msg/s per CPU s | learn peak RSS | store bytes / message (file, in use) | store size (file) | scan msg/s per CPU s ($nsample msgs) | scan peak RSS |" \
  "|---|---|---|---|---|---|---|---|" > "$work/table.md"
for n in $sizes; do
  db=$work/h$n.db
  rm -f "$db" "$db-wal" "$db-shm"
  learnt=0; lcpu="-"; lrate="-"; lrss="-"; bpm="-"; size="-"
  if [ "$n" -gt 0 ]; then
    # Dates: 3,500 copies (10M messages) fill the ten years, so a copy has the same dates in every history.
    gen --messages "$n" --copies-in-span 3500 | time_cmd "$work/learn$n.time" "$bin" learn --db "$db" --no-progress - 2> "$work/learn$n.err"
    read -r u s m _ < "$work/learn$n.time"
    learnt=$(sed -n 's/^learnt \([0-9]*\) message.*/\1/p' "$work/learn$n.err")
    bytes=$(stat -c %s "$db")
    lcpu=$(python3 -c "print(f'{$u+$s:.1f}')")
    lrate=$(python3 -c "print(f'{$learnt/max($u+$s,1e-9):,.0f}')")
    lrss="$((m / 1024)) MB"
    # In use: the file less its free pages (`history stats`). A learn's last merge of
    # the recent postings into the large table (store/fp_levels.hpp) frees the small
    # table's pages; the next learn's commits fill them again.
    used=$("$bin" history stats --db "$db" 2> /dev/null | sed -n 's/.*bytes (file), \([0-9]*\) bytes in use.*/\1/p')
    bpm=$(python3 -c "print(f'{$bytes/max($learnt,1):,.0f}, {${used:-0}/max($learnt,1):,.0f}')")
    size=$(python3 -c "print(f'{$bytes/1e6:,.1f} MB')")
  fi
  time_cmd "$work/scan$n.time" "$bin" scan --db "$db" --format jsonl -j1 --no-progress "$work/sample.mbox" > "$work/scan$n.jsonl" 2> "$work/scan$n.err" || true
  read -r u s m _ < "$work/scan$n.time"
  scanned=$(wc -l < "$work/scan$n.jsonl")
  srate=$(python3 -c "print(f'{$scanned/max($u+$s,1e-9):,.0f}')")
  printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$(python3 -c "print(f'{$n:,}')") ($learnt)" "$lcpu" "$lrate" "$lrss" "$bpm" "$size" "$srate" "$((m / 1024)) MB" >> "$work/table.md"
  echo "size $n done: $(tail -n 1 "$work/table.md")" >&2
  [ $keep = 1 ] || rm -f "$db" "$db-wal" "$db-shm"
done
cat "$work/table.md"

if [ $rss = 1 ]; then
  echo
  # Peak RSS against the INPUT's size, the history held fixed: 100 vs 100k messages of
  # input (copies from 2000: never learnt elsewhere), scanned as one mbox and as a
  # folder of one file per message, against no history and against one fixed history
  # of 10k learnt messages (made once here; SQLite's page cache, [history] cache_mb,
  # fills with at most that file). Then learn of each input into a fresh file, with
  # learn's own page cache at its default ([history] learn_cache_mb = 4) and at 64 MB
  # (the 100k history outgrows it), so what the cache adds shows.
  fixed=$work/fixed10k.db
  rm -f "$fixed" "$fixed-wal" "$fixed-shm"
  gen --messages 10000 --copies-in-span 3500 | "$bin" learn --db "$fixed" --no-progress - 2> /dev/null
  printf '[history]\nlearn_cache_mb = 64\n' > "$work/learn64.toml"
  cell() {  # cell TIMEFILE: "MB (CPU s)"
    local u s m
    read -r u s m _ < "$1"
    echo "$((m / 1024)) MB ($(python3 -c "print(f'{$u+$s:.1f}')"))"
  }
  echo "Peak RSS (CPU s, user+sys); scans \`--format jsonl --no-progress\`, history none or the fixed 10k one ($(($(stat -c %s "$fixed") / 1000000)) MB file):"
  echo
  echo "| input messages | scan mbox -j1, none | mbox -j2, none | folder -j1, none | mbox -j1, 10k | mbox -j2, 10k | folder -j1, 10k | learn, learn_cache_mb 4 (default) | learn, learn_cache_mb 64 |"
  echo "|---|---|---|---|---|---|---|---|---|"
  for n in $rss_inputs; do
    gen --messages "$n" --copy-offset 2000 --copies-in-span 3500 > "$work/in$n.mbox"
    rm -rf "$work/in$n.d"
    # The folder form up to 100k messages (a file a message: 1M files is the file
    # system's test, not ours).
    [ "$n" -le 100000 ] && python3 - "$work/in$n.mbox" "$work/in$n.d" <<'EOF2'
import os, sys
os.makedirs(sys.argv[2])
data = open(sys.argv[1], 'rb').read()
for i, part in enumerate(data.split(b'\nFrom gen@bench ')):
    body = part.split(b'\n', 1)[1] if b'\n' in part else b''
    with open(os.path.join(sys.argv[2], f'{i:07d}.eml'), 'wb') as f:
        f.write(body.replace(b'\n>From ', b'\nFrom '))
EOF2
    row="| $n"
    for db in "$work/none.db" "$fixed"; do
      for run in "mbox 1" "mbox 2" "d 1"; do
        read -r kind jobs <<< "$run"
        in=$work/in$n.mbox; [ "$kind" = d ] && in=$work/in$n.d
        if [ ! -e "$in" ]; then row="$row | -"; continue; fi
        time_cmd "$work/rss.time" "$bin" scan --db "$db" --format jsonl -j"$jobs" --no-progress "$in" > /dev/null 2>&1 || true
        row="$row | $(cell "$work/rss.time")"
      done
    done
    for conf in "" "--config $work/learn64.toml"; do
      rm -f "$work/rss.db" "$work/rss.db-wal" "$work/rss.db-shm"
      # shellcheck disable=SC2086 # $conf is empty or two words
      time_cmd "$work/rss.time" "$bin" learn --db "$work/rss.db" --no-progress $conf "$work/in$n.mbox" 2> /dev/null
      row="$row | $(cell "$work/rss.time")"
    done
    echo "$row |"
    rm -rf "$work/in$n.mbox" "$work/in$n.d" "$work/rss.db" "$work/rss.db-wal" "$work/rss.db-shm"
  done
  [ $keep = 1 ] || rm -f "$fixed" "$fixed-wal" "$fixed-shm"
fi
