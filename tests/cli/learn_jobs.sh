#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/cli/learn_jobs.sh - learn --jobs N stores what --jobs 1 stores
#
# USAGE
#   bash tests/cli/learn_jobs.sh REPLYGUARD_BINARY CORPUS_DIR
#
# DESCRIPTION
#   `learn --jobs N` (apps/cli/learn_cmd.cpp) parses messages on N threads and
#   stores them from one thread at a time, in input order: the thread a message
#   joins depends on the messages learnt before it, so any other order would
#   learn another history. Over the demo mailbox, a slice of the corpus's
#   single-message files (English and Japanese), a real mailing-list mbox (read
#   as a stream), an mbox on standard input and a PATH that does not exist
#   (an error in the middle of the input): -j2, -j3 and -j8 leave a history
#   whose every table holds the same rows as -j1's (sorted), say the
#   same on standard error (the error line at its place, the totals) and exit
#   with the same status (2: the missing PATH). Learning the same input again
#   with -j4 into -j1's file stores nothing new.
#
#   With jemalloc linked (the default build), `learn -j2`'s threads allocate
#   from one arena (cli/malloc_conf.hpp): jemalloc's statistics at exit
#   (MALLOC_CONF=stats_print) show allocations in arena 0 only, where -j2 used
#   three before. Skipped for a build without jemalloc (no statistics printed).
#   learn turns transparent huge pages off for its process, scan keeps them
#   (/proc/PID/status: THP_enabled 0 and 1 while each waits on its input).
#
#   A store that stops answering in the middle (a private redis-server on
#   127.0.0.1, CLIENT PAUSE for 3 s once learn's per-message reads are under
#   way, told by the server's command count) stops learn at -j1, -j2 and -j8
#   alike: exit 2, the message that failed named with "the history store
#   failed at", nothing tried after it (two lines on standard error, no
#   totals), and the command returns (no parse thread or reader left
#   waiting). Learning again with the store back completes.
# LIMITS
#   Local files and a loopback redis-server (that part is skipped without
#   it). About 20 s.
set -u
bin=$1
corpus=$2
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$root/tests/support/checks.sh"
test_tmp  # $tmp, and $pids killed and waited for at exit

mbox="$corpus/benign/mailing-lists/fedora-devel-list-2010-01.mbox"
if [[ ! -r $mbox ]]; then
  echo "learn_jobs: shared corpus not present at $corpus"
  exit 77
fi
find "$corpus/benign" "$corpus/phishing" -type f ! -name '*.mbox*' ! -name '*.mbx*' -size +0c 2>/dev/null |
  LC_ALL=C sort | awk 'NR % 7 == 0' > "$tmp/slice"
mapfile -t slice < "$tmp/slice"
check "a corpus slice to learn" test "${#slice[@]}" -ge 100
check "the slice holds Japanese mail" grep -q japanese "$tmp/slice"
half=$((${#slice[@]} / 2))
inputs=("$root/demo/mailbox" "${slice[@]:0:half}" "$tmp/no-such-file.eml" "$mbox" "${slice[@]:half}" -)

# Every table's rows, sorted (Python's sqlite3: the sqlite3 command is not among our packages).
dump() {
  py '
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for (t,) in db.execute("SELECT name FROM sqlite_master WHERE type = \"table\" ORDER BY name"):
    for row in sorted(repr(r) for r in db.execute(f"SELECT * FROM \"{t}\"")):
        print(t, row)
' "$1"
}

for j in 1 2 3 8; do
  "$bin" learn --no-progress -j"$j" --db "$tmp/h$j.db" --org-domain sakura-shoji.example "${inputs[@]}" \
    < "$mbox" > "$tmp/out$j" 2> "$tmp/err$j"
  echo $? > "$tmp/rc$j"
  dump "$tmp/h$j.db" > "$tmp/dump$j"
done
check "-j1 learnt hundreds of messages" grep -Eq "^learnt [0-9]{3,} message" "$tmp/err1"
check "-j1 reported the missing PATH" grep -q "no-such-file.eml" "$tmp/err1"
check "-j1 exit status 2 (an input could not be read)" test "$(cat "$tmp/rc1")" = 2
check "-j1 learnt rows" test "$(wc -l < "$tmp/dump1")" -gt 5000
for j in 2 3 8; do
  check "-j$j history = -j1 history (every table's rows)" cmp -s "$tmp/dump1" "$tmp/dump$j"
  check "-j$j standard error = -j1's" cmp -s "$tmp/err1" "$tmp/err$j"
  check "-j$j exit status = -j1's" cmp -s "$tmp/rc1" "$tmp/rc$j"
done

# Again with -j4 into -j1's file: everything is known, nothing changes.
"$bin" learn --no-progress -j4 --db "$tmp/h1.db" --org-domain sakura-shoji.example "${inputs[@]}" \
  < "$mbox" > /dev/null 2> "$tmp/again.err"
check "learning it again learns nothing new" grep -Eq "^learnt 0 message" "$tmp/again.err"
check "learning it again leaves the same history" cmp -s "$tmp/dump1" <(dump "$tmp/h1.db")

# learn -j2's threads in one jemalloc arena: the arenas its allocations came from.
MALLOC_CONF=stats_print:true,stats_print_opts:J "$bin" learn --no-progress -j2 --db "$tmp/arena.db" \
  "$mbox" > /dev/null 2> "$tmp/arena.err"
if grep -q '"jemalloc"' "$tmp/arena.err"; then
  py '
import json, sys
text = open(sys.argv[1]).read()
je = json.loads(text[text.index("{\"jemalloc\""):])["jemalloc"]
# The automatic arenas only: past them is the one for allocations of 8 MiB and more.
for name, a in je["stats.arenas"].items():
    if name.isdigit() and int(name) < je["opt"]["narenas"]:
        print(name, a["small"]["nmalloc"] + a["large"]["nmalloc"])
' "$tmp/arena.err" > "$tmp/arenas"
  check "-j2: jemalloc's statistics list arena 0" grep -Eq '^0 [1-9]' "$tmp/arenas"
  check "-j2: no other arena allocated (one heap for the reader and both workers)" \
    bash -c "! grep -Ev '^0 |^[0-9]+ 0\$' '$tmp/arenas' | grep -q ."
else
  echo "learn_jobs: not linked with jemalloc: the arena part is skipped"
fi

# learn runs without transparent huge pages (cli/malloc_conf.hpp: its batches' pages
# stayed resident whole), scan with them: /proc/PID/status of each while it waits on
# its standard input (a fifo held open here), polled for up to 10 s.
thp_of() {  # thp_of COMMAND: the THP_enabled line of `replyguard COMMAND -` while it reads
  local fifo=$tmp/thp.fifo p line="" _
  rm -f "$fifo"; mkfifo "$fifo"
  "$bin" "$1" --no-progress --db "$tmp/thp.db" - < "$fifo" > /dev/null 2>&1 &
  p=$!
  exec 9> "$fifo"
  for _ in $(seq 100); do
    # Once the binary runs (not the shell before its exec); learn: once it has turned them off.
    if [[ $(readlink "/proc/$p/exe") == "$(readlink -f "$bin")" ]]; then
      line=$(grep '^THP_enabled:' "/proc/$p/status" 2>/dev/null)
      [[ $1 != learn || $line == *0 ]] && break
    fi
    sleep 0.1
  done
  exec 9>&-
  wait "$p"
  echo "$line"
}
if grep -q '^THP_enabled:' /proc/self/status && [ -d /sys/kernel/mm/transparent_hugepage ]; then
  check "learn: no transparent huge pages (THP_enabled: 0)" [ "$(thp_of learn | tr -d ' \t')" = "THP_enabled:0" ]
  check "scan: huge pages as configured (THP_enabled: 1)" [ "$(thp_of scan | tr -d ' \t')" = "THP_enabled:1" ]
else
  echo "learn_jobs: a kernel without transparent huge pages (or THP_enabled): the huge-page part is skipped"
fi

# A store failure in the middle of the input (Redis stops answering).
. "$root/tests/support/loopback.sh"  # free_port, wait_port
if command -v redis-server >/dev/null && command -v redis-cli >/dev/null; then
  port=$(free_port)
  redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --daemonize no --loglevel warning \
    > "$tmp/redis.log" 2>&1 &
  redis_pid=$!
  pids+=("$redis_pid")
  if wait_port "$port" "$redis_pid"; then
    rdb="redis://127.0.0.1:$port/0?timeout=300"
    commands() { redis-cli -p "$port" INFO stats | tr -d '\r' | sed -n 's/^total_commands_processed://p'; }
    for j in 1 2 8; do
      redis-cli -p "$port" FLUSHALL > /dev/null
      before=$(commands)
      timeout 300 "$bin" learn --no-progress -j"$j" --db "$rdb" "$corpus/benign" > /dev/null 2> "$tmp/fault$j.err" &
      learn_pid=$!
      # Pause once learn is under way: its per-message reads have begun (300 commands
      # of the ~700,000 it sends for the benign corpus), whatever the machine's speed.
      for _ in $(seq 400); do
        (($(commands) > before + 300)) && break
        sleep 0.05
      done
      # 3 s: learn's commands time out after 300 ms. (CLIENT UNPAUSE would wait for
      # the pause itself: redis-cli's own connection is paused too.)
      redis-cli -p "$port" CLIENT PAUSE 3000 ALL > /dev/null
      wait "$learn_pid"
      rc=$?
      redis-cli -p "$port" PING > /dev/null  # answered when the pause ends
      check "store failure -j$j: exit 2 (not a timeout: 124)" test "$rc" = 2
      check "store failure -j$j: the failing message named" grep -q "the history store failed at $corpus/benign/" "$tmp/fault$j.err"
      check "store failure -j$j: no totals" bash -c "! grep -q '^learnt ' '$tmp/fault$j.err'"
      check "store failure -j$j: two lines (the error, where it stopped): nothing learnt after it" \
        test "$(wc -l < "$tmp/fault$j.err")" = 2
    done
    "$bin" learn --no-progress -j2 --db "$rdb" "$corpus/benign" > /dev/null 2> "$tmp/back.err"
    check "store back: learn completes (exit 0)" test $? = 0
    check "store back: learnt messages" grep -Eq "^learnt [1-9][0-9]* message" "$tmp/back.err"
  else
    echo "FAIL: redis-server did not start"
    fails=$((fails + 1))
  fi
else
  echo "learn_jobs: redis-server not installed: the store-failure part is skipped"
fi

checks_summary learn_jobs
