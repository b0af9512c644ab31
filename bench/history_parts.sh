#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/history_parts.sh - a long synthetic history (10M messages) learnt in parts, resumable
#
# DESCRIPTION
#   The 10M row of bench/history_scale.sh's table takes hours of CPU: more than one
#   sitting on a shared machine. This learns the same stream that
#   `history_gen.py --messages N --copies-in-span 3500` writes (history_scale.sh's
#   stream, so a history_scale.sh 1M file can be the start) into ONE SQLite file,
#   part after part: each part is `history_gen.py --skip FROM --messages STEP` piped
#   into `replyguard learn --db FILE -`, timed by /usr/bin/time. A line per part goes to
#   FILE.parts (from, to, learnt, user s, sys s, peak RSS KB, wall s, file bytes, WAL
#   bytes, date, binary); the next run starts where the last finished part ended.
#   A part stopped half-way (Ctrl-C, the end of a sitting) is learnt again from its
#   start: learn skips the messages it already knows ("already known"), so the file's
#   contents do not depend on where the parts were cut. Sums at the end: learn CPU s
#   over all parts, msg/s per CPU s, the largest peak RSS, bytes per learnt message.
# USAGE
#   bench/history_parts.sh --db FILE --upto N [--step 1000000] [--binary B] [--corpus DIR]
#                          [--config TOML]
#   --db:     the history file (created if missing; e.g. a copy of history_scale.sh's
#             1M file, whose parts line is then given by --seed)
#   --upto:   stop once the stream's first N messages are learnt (e.g. 10000000)
#   --config: passed to learn (e.g. a larger `[history] cache_mb` for a bulk import;
#             the parts line then shows its peak RSS)
#   --seed "TO LEARNT USER SYS RSS_KB WALL": record an existing file's first part
#             (messages 0..TO-1, learnt elsewhere, e.g. by history_scale.sh: its
#             learnN.time and learnN.err) without learning it
# LIMITS
#   Not a test: nothing asserts a time. One learn at a time per file (SQLite allows one
#   writer). Disk: ~1.6 KB a message plus a WAL of up to one commit's pages.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
bin=$here/../build/replyguard
corpus=$here/../../shared/corpus
db=""; upto=0; step=1000000; seed=""; config=()
while [ $# -gt 0 ]; do
  case $1 in
    --db) db=$2; shift 2 ;;
    --upto) upto=$2; shift 2 ;;
    --step) step=$2; shift 2 ;;
    --binary) bin=$2; shift 2 ;;
    --corpus) corpus=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --config) config=(--config "$2"); shift 2 ;;
    *) echo "usage: $0 --db FILE --upto N [--step N] [--binary B] [--corpus DIR] [--config TOML] [--seed \"TO LEARNT USER SYS RSS_KB WALL\"]" >&2; exit 2 ;;
  esac
done
[ -n "$db" ] && [ "$upto" -gt 0 ] || { echo "$0: --db and --upto are needed" >&2; exit 2; }
[ -x "$bin" ] || { echo "$0: no binary $bin" >&2; exit 2; }
parts=$db.parts
if [ -n "$seed" ] && [ ! -s "$parts" ]; then
  read -r to l u s m w <<< "$seed"
  echo "0 $to $l $u $s $m $w $(stat -c %s "$db") 0 $(date -u +%FT%TZ) seed" > "$parts"
fi
touch "$parts"
tag=$(basename "$bin")   # the parts line's last field: the binary, and the config if any
[ ${#config[@]} -eq 0 ] || tag="$tag+$(basename "${config[1]}")"

while :; do
  from=$(awk 'END { print ($2 == "" ? 0 : $2) }' "$parts")
  [ "$from" -lt "$upto" ] || break
  n=$((upto - from < step ? upto - from : step))
  echo "$(date -u +%T) learning messages $from..$((from + n - 1)) into $db" >&2
  tmp=$(mktemp)
  python3 "$here/history_gen.py" --corpus "$corpus" --skip "$from" --messages "$n" --copies-in-span 3500 |
    /usr/bin/time -f "%U %S %M %e" -o "$tmp.time" "$bin" learn --db "$db" "${config[@]}" --no-progress - 2> "$tmp.err"
  learnt=$(sed -n 's/^learnt \([0-9]*\) message.*/\1/p' "$tmp.err")
  read -r u s m w < "$tmp.time"
  wal=$(stat -c %s "$db-wal" 2>/dev/null || echo 0)
  echo "$from $((from + n)) ${learnt:-?} $u $s $m $w $(stat -c %s "$db") $wal $(date -u +%FT%TZ) $tag" >> "$parts"
  echo "$(date -u +%T) part done: $(tail -n 1 "$parts")" >&2
  rm -f "$tmp" "$tmp.time" "$tmp.err"
done

# The table: one row per part, then the sums.
awk -v db="$db" '
  { cpu = $4 + $5; n = $2 - $1
    printf "| %s-%s | %s | %.1f | %s | %d MB | %.0f | %.1f GB |\n", $1, $2, $3, cpu,
      cpu == 0 ? "-" : sprintf("%.0f", $3 / cpu), $6 / 1024, $7, $8 / 1e9
    tc += cpu; if ($6 > rss) rss = $6; ln += $3; bytes = $8; to = $2 }
  BEGIN { print "| stream messages | learnt | learn CPU s | msg/s per CPU s | peak RSS | wall s | file |"
          print "|---|---|---|---|---|---|---|" }
  END { printf "\n%d stream messages (%d learnt) in %s: learn CPU %.0f s in all (%.0f msg/s per CPU s), peak RSS %d MB, %.2f GB (%.0f bytes per learnt message)\n",
          to, ln, db, tc, ln / (tc ? tc : 1), rss / 1024, bytes / 1e9, bytes / (ln ? ln : 1) }' "$parts"
