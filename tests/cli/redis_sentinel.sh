#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/cli/redis_sentinel.sh - the history behind Redis Sentinel survives a failover (issue 12)
#
#   bash tests/cli/redis_sentinel.sh BINARY CORPUS_DIR
#
# A private Sentinel set-up on 127.0.0.1 (tests/support/sentinel.sh: master
# A, replica B, three sentinels, quorum 2, down-after 1000 ms), and a plain
# redis-server R for the reference. The store is always the
# redis+sentinel:// address.
#   a. `learn` of real mail (notmuch list and lkml threads, the fedora-devel
#      mbox) runs; after 40 messages A is killed (kill -9). learn finishes or
#      exits 2 naming the store; the sentinels promote B. The same learn
#      again exits 0 and completes it. The keys in B are then exactly the keys
#      of the same learn into R without a failover, and scan gives the same
#      verdicts from both.
#   b. A comes back (the sentinels make it B's replica); a fake sentinel
#      naming A makes `scan` fail with "is a slave now" (the ROLE check).
#      `replyguard milter`
#      (default_action accept) on the sentinel address catches a hijack of a
#      learnt notmuch thread; the hijack is sent again and again while B is
#      killed: every message is answered (lost = 0), those of the outage with
#      the default action (X-Replyguard-Verdict: unchecked), and after the
#      failover the same process (no restart) catches the hijack again from
#      the history on A; an authenticated send is counted into the outbound
#      state on the new master, its first call after the failover not lost
#      on the connection the dead master closed while it was idle.
# Exit 77 (skipped) when redis-server, redis-sentinel, python3 or the corpus is missing.
set -u
BIN=$(realpath "$1")
CORPUS=${2:-}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
. "$HERE/../support/loopback.sh"  # free_port, wait_port
. "$HERE/../support/sentinel.sh"  # sentinel_start, sentinel_kill, ...
. "$HERE/../support/checks.sh"    # check, passes, fails
[ -n "$CORPUS" ] || CORPUS="$ROOT/../shared/corpus"
ML="$CORPUS/benign/mailing-lists"
for c in redis-server redis-sentinel redis-cli python3; do
  command -v $c >/dev/null || { echo "SKIP: $c is not installed (scripts/packages/milter.txt)"; exit 77; }
done
for f in notmuch-list/cur__31_2.eml notmuch-lkml fedora-devel-list-2010-01.mbox; do
  [ -e "$ML/$f" ] || { echo "SKIP: corpus not found: $ML/$f"; exit 77; }
done

T=$(mktemp -d /tmp/rg-sentinel.XXXXXX)
REF_PID=""
MILTER_PID=""
LEARN_PID=""
FAKE_PID=""
cleanup() {
  rc=$?
  set +e
  for p in "$LEARN_PID" "$MILTER_PID" "$REF_PID" "$FAKE_PID"; do
    [ -n "$p" ] && { kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; }
  done
  sentinel_stop
  if [ "$rc" != 0 ]; then
    echo "---- learn"; cat "$T"/learn*.err 2>/dev/null | tail -20
    echo "---- milter"; tail -30 "$T/milter.log" 2>/dev/null
  fi
  rm -rf "$T"
  exit "$rc"
}
trap cleanup EXIT INT TERM

sentinel_start "$T/rs" || { echo "FAIL: the Sentinel set-up did not start"; tail -5 "$T"/rs/*/log; exit 1; }
A=${RS_PORT[a]}
B=${RS_PORT[b]}
STORE="$RS_URL?timeout=500"
REF=$(free_port)
redis-server --port "$REF" --bind 127.0.0.1 --save "" --appendonly no --daemonize no --loglevel warning \
  --dir "$T" >"$T/ref.log" 2>&1 &
REF_PID=$!
wait_port "$REF" "$REF_PID" || { echo "FAIL: reference redis-server did not start"; exit 1; }
echo "sentinels: $STORE (master A=$A, replica B=$B); reference redis://127.0.0.1:$REF"

INPUT=("$ML/notmuch-list" "$ML/notmuch-lkml" "$ML/fedora-devel-list-2010-01.mbox")

# --- a. learn through a failover ------------------------------------------------
"$BIN" learn --no-progress --db "redis://127.0.0.1:$REF/0" "${INPUT[@]}" >"$T/learn-ref.out" 2>"$T/learn-ref.err"
check "reference learn without a failover exits 0" test $? = 0
total=$(redis-cli -p "$REF" HGET 'rg:{stats}' messages)

"$BIN" learn --no-progress --db "$STORE" "${INPUT[@]}" >"$T/learn1.out" 2>"$T/learn1.err" &
LEARN_PID=$!
at_kill=0
for _ in $(seq 3000); do
  at_kill=$(redis-cli -p "$A" HGET 'rg:{stats}' messages 2>/dev/null)
  [ "${at_kill:-0}" -ge 40 ] && break
  kill -0 "$LEARN_PID" 2>/dev/null || break
  sleep 0.01
done
t_kill=$(date +%s.%N)
sentinel_kill "$A"
wait "$LEARN_PID"
rc1=$?
LEARN_PID=""
echo "learn 1: A killed after ${at_kill:-0} of $total messages; exit $rc1: $(tail -1 "$T/learn1.err")"
check "A was killed in the middle of the learn (${at_kill:-0} of $total)" \
  test "${at_kill:-0}" -ge 40 -a "${at_kill:-0}" -lt "$total"
check "learn 1 ends: exit 0, or 2 naming the store" \
  bash -c "[ $rc1 = 0 ] || { [ $rc1 = 2 ] && grep -q 'redis' '$T/learn1.err' && grep -q 'learn again' '$T/learn1.err'; }"
NEW=$(sentinel_wait_master "$A" 30)
t_new=$(date +%s.%N)
check "the sentinels promote B" test "$NEW" = "$B"
echo "failover: B is master $(python3 -c "print(round($t_new - $t_kill, 1))") s after the kill"

"$BIN" learn --no-progress --db "$STORE" "${INPUT[@]}" >"$T/learn2.out" 2>"$T/learn2.err"
rc2=$?
echo "learn 2: exit $rc2: $(tail -1 "$T/learn2.err")"
check "learn 2 over the same input exits 0" test "$rc2" = 0
check "learn 2 skips what learn 1 stored (already known > 0)" \
  grep -Eq '; [1-9][0-9]* already known; 0 error' "$T/learn2.err"
# Message ids (rg:{ids}, the id buckets rg:{mid:<id >> 7>}) are reserved 64 at a time per
# connection: a reconnection skips some, so those keys may differ; every other key may not.
redis-cli -p "$REF" --scan | grep -v '^rg:{mid:\|^rg:{ids}$' | sort >"$T/keys-ref"
redis-cli -p "$B" --scan | grep -v '^rg:{mid:\|^rg:{ids}$' | sort >"$T/keys-b"
check "B holds exactly the keys of the reference ($(wc -l <"$T/keys-ref") keys)" cmp -s "$T/keys-ref" "$T/keys-b"
check "every learnt message is in B ($total)" \
  test "$(grep -c '^rg:{msg:' "$T/keys-b")" = "$(grep -c '^rg:{msg:' "$T/keys-ref")"
diff "$T/keys-ref" "$T/keys-b" | head -5
# Not checked (docs/milter.md, redis_history.cpp LIMITS): a message cut in the middle of its
# writes by the kill is learnt again whole, so its thread and correspondent counts can be one higher.
echo "rg:{stats} reference: $(redis-cli -p "$REF" HGETALL 'rg:{stats}' | paste -sd' ');" \
  "after the failover: $(redis-cli -p "$B" HGETALL 'rg:{stats}' | paste -sd' ')"
verdicts() { "$BIN" scan --no-progress --format jsonl --db "$1" "$ML/notmuch-list" |
  python3 -c 'import json,sys; [print(r["source"], r["verdict"], sorted(f["id"] for f in r["findings"])) for r in map(json.loads, sys.stdin)]'; }
verdicts "redis://127.0.0.1:$REF/0" >"$T/scan-ref"
verdicts "$STORE" >"$T/scan-b"
check "scan through the sentinels gives the reference's verdicts ($(wc -l <"$T/scan-ref") messages)" \
  bash -c "[ -s '$T/scan-ref' ] && cmp -s '$T/scan-ref' '$T/scan-b'"

# --- b. the milter through a failover -------------------------------------------------
sentinel_restart "$A" && sentinel_wait_synced "$A" 60
check "A is back as B's replica" test "$(redis-cli -p "$A" ROLE | head -1)" = slave
# A sentinel that names a replica (as one may, for a moment, after a failover): ROLE refuses it.
FAKE=$(free_port)
python3 - "$FAKE" "$A" <<'PY' &
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen()
host, port = b"127.0.0.1", sys.argv[2].encode()
while True:
    c, _ = s.accept()
    c.recv(4096)  # SENTINEL get-master-addr-by-name NAME
    c.sendall(b"*2\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (len(host), host, len(port), port))
    c.close()
PY
FAKE_PID=$!
wait_port "$FAKE" "$FAKE_PID"
"$BIN" scan --no-progress --db "redis+sentinel://127.0.0.1:$FAKE/$RS_NAME?timeout=500" "$ML/notmuch-list/cur__31_2.eml" \
  >/dev/null 2>"$T/fake.err"
check "a replica named by a sentinel is refused: $(head -c 160 "$T/fake.err")" \
  grep -q "at 127.0.0.1:$A: is a slave now, not the master" "$T/fake.err"
kill "$FAKE_PID" 2>/dev/null; wait "$FAKE_PID" 2>/dev/null; FAKE_PID=""
sentinel_milter "$BIN" "$T" "$STORE" '[milter.outbound]' 'max_unknown_replies = 3' 'window = 3600' ||
  { echo "FAIL: the milter did not listen"; exit 1; }
MPORT=$MILTER_PORT

PYTHONPATH="$ROOT/tests/support" python3 - "$ML/notmuch-list" "$MPORT" "$B" "${RS_PID[$B]}" >"$T/milter.out" <<'PY'
import os, sys, time
from milter_client import send_message
from hijack_mail import HIJACK_FROM, SATO_AUTH, hijack_of, outbound_mail

THREAD, MPORT, BPORT, BPID = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
hijack = hijack_of(THREAD, "Please see the updated document:\nhttps://docs.hijacked-host.example/d/update.php\n").as_bytes()

def once(i, **kw):
    try:
        r = send_message("127.0.0.1", MPORT, hijack, HIJACK_FROM, ["sato@sakura-shoji.example"],
                         queue_id=f"Q{i:04d}", client_ip="198.51.100.7", **kw)
    except Exception as e:  # no answer: the message would be lost or retried by the MTA
        return "lost"
    if r.final is None:
        return "lost"
    if not r.analysed():
        return "default"
    found = ",".join(r.headers_added("X-Replyguard-Findings"))
    return "caught" if "HIJACK_THREAD_OUTSIDER" in found else "missed"

first = once(0)
print("before", first)
counts = {"caught": 0, "missed": 0, "default": 0, "lost": 0}
i, t_kill, t_back, after = 0, None, None, []
deadline = time.time() + 90
while time.time() < deadline:
    i += 1
    if i == 10:
        os.kill(BPID, 9)
        t_kill = time.time()
    o = once(i)
    counts[o] += 1
    if t_kill and o == "caught" and t_back is None:
        t_back = time.time()
    if t_back:
        after.append(o)
        if len(after) >= 20:
            break
    time.sleep(0.02)

# The outbound state (its own connection, idle since the kill): authenticated sends after the failover.
def outbound(i):
    return send_message("127.0.0.1", MPORT, outbound_mail("x@stranger.example", "Re: 請求書の件"), "sato@sakura-shoji.example",
                        ["x@stranger.example"], queue_id=f"OUT{i}", client_ip="192.0.2.10", macros=SATO_AUTH)
print("outbound", "".join("a" if outbound(i).analysed() else "d" for i in (1, 2)))
print("total", i)
for k, v in counts.items():
    print(k, v)
print("outage_s", round(t_back - t_kill, 1) if t_back and t_kill else -1)
print("after_caught", sum(1 for o in after if o == "caught"), "of", len(after))
PY
cat "$T/milter.out"
val() { awk -v k="$1" '$1 == k { print $2 }' "$T/milter.out"; }
check "the milter catches the hijack before the failover" test "$(val before)" = caught
check "no message lost during the failover ($(val lost) of $(val total))" test "$(val lost)" = 0
check "messages of the outage got the default action ($(val default))" test "${val_default:-$(val default)}" -ge 1
check "after the failover the hijack is caught again (outage $(val outage_s) s)" \
  bash -c "[ '$(val outage_s)' != -1 ] && grep -q '^after_caught 20 of 20' '$T/milter.out'"
check "the same milter process, never restarted" kill -0 "$MILTER_PID"
check "the outbound sends were analysed after the failover" test "$(val outbound)" = aa
NEW2=$(sentinel_wait_master "$B" 10)
check "A is the master again" test "$NEW2" = "$A"
check "the outbound state's idle connection to the dead master was replaced before use (no store failure logged)" \
  bash -c "! grep -q 'outbound state store failed' '$T/milter.log'"
check "A holds sato's outbound state, written after the failover" \
  test "$(redis-cli -p "$A" EXISTS 'rg:{acct:sato}:ips')" = 1
grep -c "store" "$T/milter.log" | sed 's/^/milter log lines naming the store: /'

echo "redis_sentinel: $passes passed, $fails failed"
[ "$fails" = 0 ]
