#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/cli/scan_history_fault.sh - a history store failure during `scan` is visible (issue 12)
#
#   scan_history_fault.sh BINARY CORPUS_DIR
#
# A private redis-server on 127.0.0.1 holds a learnt history; with it up, scan
# records say "history": {"status": "ok"} and the exit status is the verdicts'.
# When it stops answering after scan connected (CLIENT PAUSE: every command
# times out, deterministically, where a kill would race the scan), every
# record still comes (error null: the mail was read) but says "history":
# {"status": "unavailable", "error": "..."}, standard error has exactly one
# line about it, and scan exits 2. Once it answers again, so does the store. A --db file that does not
# exist is an empty history: "ok" (status "none" is an engine without any store).
# Exit 77 (skipped) when redis-server or the corpus is missing.
set -u
bin=$1
corpus=$2
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../support/loopback.sh"  # free_port, wait_port
command -v redis-server >/dev/null && command -v redis-cli >/dev/null || { echo "SKIP: redis-server is not installed (scripts/packages/milter.txt)"; exit 77; }
mail="$corpus/benign/mailing-lists/notmuch-list"
[ -d "$mail" ] || { echo "SKIP: $mail not found"; exit 77; }
T=$(mktemp -d)
REDIS_PID=
cleanup() { [ -n "$REDIS_PID" ] && kill "$REDIS_PID" 2>/dev/null && wait "$REDIS_PID" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
CHECKS_VERBOSE=1  # an "ok" line for every pass too
. "$(dirname "$0")/../support/checks.sh"  # check, py, checks_summary

PORT=$(free_port)
redis-server --port "$PORT" --bind 127.0.0.1 --save "" --appendonly no --daemonize no --loglevel warning \
  >"$T/redis.log" 2>&1 &
REDIS_PID=$!
wait_port "$PORT" "$REDIS_PID" || { echo "FAIL: redis-server did not start"; cat "$T/redis.log"; exit 1; }
db="redis://127.0.0.1:$PORT/0?timeout=300"
ls "$mail" | head -20 | sed "s|^|$mail/|" > "$T/learn.list"
ls "$mail" | sed -n '21,$p' | sed "s|^|$mail/|" > "$T/scan.list"
N=$(wc -l < "$T/scan.list")
[ "$N" -ge 5 ] || { echo "SKIP: too few messages in $mail"; exit 77; }
"$bin" learn --db "$db" $(cat "$T/learn.list") >"$T/learn.out" 2>&1 || { echo "FAIL: learn"; cat "$T/learn.out"; exit 1; }

# 1. The store answers.
"$bin" scan --db "$db" --format jsonl --no-progress $(cat "$T/scan.list") >"$T/up.jsonl" 2>"$T/up.err"
up=$?
check "store up: exit 0 or 1" test "$up" -le 1 || cat "$T/up.err"
check "store up: nothing on stderr" test ! -s "$T/up.err"
check "store up: every record says history ok" python3 - "$T/up.jsonl" "$N" <<'PY'
import json, sys
rs = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
sys.exit(0 if len(rs) == int(sys.argv[2]) and all(r["history"] == {"status": "ok", "error": None} for r in rs) else 1)
PY

# 2. The store stops answering: scored without history, and said so.
redis-cli -p "$PORT" CLIENT PAUSE 60000 ALL >/dev/null
"$bin" scan --db "$db" --format jsonl --no-progress $(cat "$T/scan.list") >"$T/down.jsonl" 2>"$T/down.err"
down=$?
check "store down: exit 2" test "$down" -eq 2
check "store down: one line on stderr" test "$(wc -l < "$T/down.err")" -eq 1
check "store down: stderr names the count" grep -q "failed for $N of $N messages" "$T/down.err"
check "store down: records read, marked unavailable" python3 - "$T/down.jsonl" "$N" <<'PY'
import json, sys
rs = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
ok = len(rs) == int(sys.argv[2]) and all(
    r["error"] is None and r["verdict"] in ("clean", "suspicious", "malicious")
    and r["history"]["status"] == "unavailable" and "redis" in r["history"]["error"].lower() for r in rs)
sys.exit(0 if ok else 1)
PY

redis-cli -p "$PORT" CLIENT UNPAUSE >/dev/null
"$bin" scan --db "$db" --format jsonl --no-progress $(cat "$T/scan.list") >"$T/again.jsonl" 2>"$T/again.err"
check "store back: same records as before the outage" cmp -s "$T/up.jsonl" "$T/again.jsonl"

# 3. A missing history file is an empty history, asked like any other.
"$bin" scan --db "$T/none.db" --format jsonl --no-progress "$mail/$(ls "$mail" | head -1)" >"$T/none.jsonl" 2>/dev/null
check "missing file: status ok" python3 -c '
import json, sys
r = json.loads(open(sys.argv[1]).readline())
sys.exit(0 if r["history"] == {"status": "ok", "error": None} else 1)' "$T/none.jsonl"

checks_summary "scan history fault"
