#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/cli/scan_jobs.sh - scan --jobs N prints what --jobs 1 prints
#
# USAGE
#   bash tests/cli/scan_jobs.sh REPLYGUARD_BINARY CORPUS_DIR
#
# DESCRIPTION
#   The parallel scan (apps/cli/scan_cmd.cpp) does per-message work on the
#   worker threads: the passwords a message offers to its thread (PPAP), the
#   JSON line, and it frees a result there keeping only what the ordered
#   writer reads. None of that may change the output. Over the demo inbox
#   (whose 06 is held until 07 offers the ZIP's password: the PPAP pair) and
#   a slice of the corpus, with the demo's SQLite history (one read
#   transaction per message, store/sqlite_history.cpp) and without one:
#   -j2, -j3 and -j8 print byte for byte what -j1 prints, as JSON lines and
#   as the table; the PPAP pair is still paired with -j8; with
#   --keep-detections, -j1 and -j4 keep the same detections. -j1 runs on one
#   thread, -j2 on three (two workers, one listing the inputs). The inputs
#   include mbox files (the corpus's, and one made here with a message past
#   64 KB): each gives, as a file (small messages handed to the workers with
#   their bytes, large ones as ranges), the records it gives from standard
#   input, but for their source.
# LIMITS
#   Local files only; no server. About 10 s.
set -u
bin=$1
corpus=$2
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$root/tests/support/checks.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Inputs: the demo inbox first, then every 20th single-message corpus file.
find "$corpus/phishing" "$corpus/benign" -type f ! -name '*.mbox*' ! -name '*.mbx*' -size +0c 2>/dev/null |
  LC_ALL=C sort | awk 'NR % 20 == 0' > "$tmp/slice"
mapfile -t slice < "$tmp/slice"
check "a corpus slice to scan" test "${#slice[@]}" -ge 20
inputs=("$root/demo/inbox" "${slice[@]}")
# mbox files: the corpus's real ones, and one made here whose second message is past
# 64 KB, so the listing hands its small messages over with their bytes and the large
# one as a byte range for the worker to read (io::mbox_stream::next_piece).
/usr/bin/python3 - "$tmp/made.mbox" <<'PY'
import sys
body = "".join(f"line {i} of a long report, quoted again and again\n" for i in range(1500))
msgs = [("one", "short note\n"), ("two", body), ("three", "Re: the report\n> " + body[:200])]
with open(sys.argv[1], "w") as f:
    for i, (subj, text) in enumerate(msgs):
        f.write(f"From a{i}@example.org Mon Mar  2 0{i}:00:00 2020\n")
        f.write(f"From: A {i} <a{i}@example.org>\nTo: b@example.com\nSubject: {subj}\n")
        f.write(f"Message-ID: <m{i}@example.org>\nDate: Mon, 2 Mar 2020 0{i}:00:00 +0000\n\n{text}\n")
PY
check "a made mbox with a message past 64 KB" test "$(stat -c %s "$tmp/made.mbox")" -gt 70000
inputs+=("$tmp/made.mbox")
for m in "$corpus/outlook/apache-dev-age.mbox" "$corpus/benign/mailing-lists/fedora-devel-list-2010-01.mbox"; do
  [[ -f $m ]] && inputs+=("$m")
done

# An mbox file's messages as the listing hands them over (small ones with their bytes,
# large ones as ranges) give the records the same mbox gives read from standard input
# (a stream, each message copied out of it), but for their source.
same_but_source() {  # same_but_source A B: the JSON lines of A and B equal without "source"
  /usr/bin/python3 - "$1" "$2" <<'PY'
import json, sys
a, b = ([json.loads(l) for l in open(p)] for p in sys.argv[1:3])
for r in a + b:
    r.pop("source")
sys.exit(0 if a and a == b else 1)
PY
}
for m in "${inputs[@]}"; do
  [[ $m == *.mbox ]] || continue
  "$bin" scan --db "$tmp/absent.db" --format jsonl --no-progress -j2 "$m" > "$tmp/file.jsonl" 2> /dev/null
  "$bin" scan --db "$tmp/absent.db" --format jsonl --no-progress -j2 - < "$m" > "$tmp/stdin.jsonl" 2> /dev/null
  check "$(basename "$m"): as a file = from standard input ($(wc -l < "$tmp/file.jsonl") records)" \
    same_but_source "$tmp/file.jsonl" "$tmp/stdin.jsonl"
done

"$bin" learn --db "$tmp/h.db" --org-domain sakura-shoji.example "$root/demo/mailbox" > /dev/null 2>&1
check "learn the demo history" test -s "$tmp/h.db"

for db in none sqlite; do
  dbargs=()
  [[ $db == sqlite ]] && dbargs=(--db "$tmp/h.db" --config "$root/demo/replyguard.toml")
  [[ $db == none ]] && dbargs=(--db "$tmp/absent.db")
  for fmt in jsonl table; do
    for j in 1 2 3 8; do
      "$bin" scan "${dbargs[@]}" --format "$fmt" --no-progress --no-color -j"$j" "${inputs[@]}" \
        > "$tmp/$db.$fmt.$j" 2> "$tmp/$db.$fmt.$j.err"
      echo $? > "$tmp/$db.$fmt.$j.rc"
    done
    check "$db $fmt -j1 printed records" test "$(wc -l < "$tmp/$db.$fmt.1")" -ge "${#slice[@]}"
    for j in 2 3 8; do
      check "$db $fmt -j$j output = -j1 output" cmp -s "$tmp/$db.$fmt.1" "$tmp/$db.$fmt.$j"
      check "$db $fmt -j$j exit status = -j1's" cmp -s "$tmp/$db.$fmt.1.rc" "$tmp/$db.$fmt.$j.rc"
    done
  done
done

check "the PPAP pair is paired with -j8 (history, jsonl)" py '
import json, sys
recs = {r["source"].rsplit("/", 1)[-1]: r for r in map(json.loads, open(sys.argv[1]))}
six = recs["06-fake-reply-stranger.eml"]
ids = {f["id"] for f in six["findings"]}
sys.exit(0 if (six.get("pairing") or {}).get("opened") and "ARCHIVE_PASSWORD_FROM_THREAD" in ids else 1)
' "$tmp/sqlite.jsonl.8"

# --keep-detections keeps whole results on the ordered side: same detections with -j4.
for j in 1 4; do
  cp "$tmp/h.db" "$tmp/k$j.db"
  "$bin" scan --db "$tmp/k$j.db" --config "$root/demo/replyguard.toml" --keep-detections --format jsonl \
    --no-progress -j"$j" "${inputs[@]}" > "$tmp/k$j.out" 2> "$tmp/k$j.err"
  py '
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
cur = db.execute("SELECT * FROM detections")
cols = [d[0] for d in cur.description]
out = []
for row in cur.fetchall():
    r = {c: v for c, v in zip(cols, row) if c not in ("id", "time")}  # time: when the scan ran
    if isinstance(r.get("data"), str):
        d = json.loads(r["data"])
        d.pop("time", None)
        r["data"] = d
    out.append(json.dumps(r, sort_keys=True, default=repr))
out.sort()
open(sys.argv[2], "w").write("\n".join(out))
print(len(out))
' "$tmp/k$j.db" "$tmp/k$j.rows" > "$tmp/k$j.n" 2> "$tmp/k$j.pyerr"
done
check "--keep-detections kept some detections" test "$(cat "$tmp/k1.n" 2>/dev/null || echo 0)" -gt 0
check "--keep-detections -j4 output = -j1 output" cmp -s "$tmp/k1.out" "$tmp/k4.out"
check "--keep-detections -j4 kept the same detections as -j1" cmp -s "$tmp/k1.rows" "$tmp/k4.rows"

# Threads: -j1 is one thread (it lists each input and analyses it), -j2 two
# workers and the listing thread. Counted while the listing is blocked reading
# standard input from a FIFO nobody has written to yet: every thread exists then.
threads_while_reading() {  # threads_while_reading JOBS -> prints the thread count, or "none"
  local j=$1 fifo="$tmp/fifo$1" pid n=none w t
  mkfifo "$fifo"
  "$bin" scan --db "$tmp/absent.db" --format jsonl --no-progress -j"$j" - < "$fifo" > "$tmp/fifo$j.out" 2>&1 &
  pid=$!
  exec {w}> "$fifo"  # the writer's end: scan's standard input opens, its first read blocks
  for _ in $(seq 100); do
    # A thread of it asleep in read(2) (syscall 0) of its standard input (fd 0).
    for t in /proc/$pid/task/*; do
      if [[ $(cut -d' ' -f1,2 "$t/syscall" 2>/dev/null) == "0 0x0" ]]; then
        sleep 0.2  # the other threads, if any, started before the listing reads
        n=$(find /proc/$pid/task -mindepth 1 -maxdepth 1 | wc -l)
        break 2
      fi
    done
    sleep 0.1
  done
  cat "$root/demo/inbox/01-genuine-reply-ja.eml" >&"$w"
  exec {w}>&-
  wait "$pid"
  echo "$n"
}
n1=$(threads_while_reading 1)
n2=$(threads_while_reading 2)
check "-j1 runs on one thread ($n1)" test "$n1" = 1
check "-j2 runs two workers and the listing thread ($n2)" test "$n2" = 3
check "-j1 from a FIFO printed one record" test "$(wc -l < "$tmp/fifo1.out")" -eq 1

echo "scan_jobs: $passes passed, $fails failed"
((fails == 0))
