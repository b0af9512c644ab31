#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/cli/milter_shared_redis.sh - two milter processes sharing one Redis history
#
#   bash tests/cli/milter_shared_redis.sh BINARY CORPUS_DIR
#
# Several MTA hosts must share one history. One private redis-server
# (127.0.0.1, free port, no persistence) and two `replyguard milter`
# processes (A and B, each on its own socket, learning on, the same
# redis:// store), driven by the scripted MTA tests/support/milter_client.py.
# A real thread from the corpus (notmuch list, "Mac OS X/Darwin compatibility
# issues": Jjgod Jiang starts it in cur__31_2 and answers in cur__35_2):
#   - before anything is learnt, a hijack reply to cur__31_2 (Jjgod's name on
#     an unrelated address, his text quoted, a link and a script, so it is not
#     clean and B does not learn it) through B raises no thread-outsider
#     finding (no thread is known);
#   - cur__31_2 delivered clean through A is learnt into Redis;
#   - the same hijack through B is now caught: HIJACK_THREAD_OUTSIDER(_NAME);
#   - the genuine answer cur__35_2 through B stays clean;
# Outbound abuse is counted across both processes (max_unknown_replies = 3):
#   - sato sends two reply-prefixed mails with a link to strangers through A
#     (neither flagged), the third through B is held, "3 reply-like messages";
#   - suzuki is known from 192.0.2.20 through A; a reply with a link from
#     203.0.113.66 through B is held as coming from a new client address.
# Exit 77 (skipped) when redis-server, python3 or the corpus thread is missing.
set -euo pipefail

BIN=$(realpath "$1")
CORPUS=${2:-}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
. "$HERE/../support/loopback.sh"  # free_port, wait_port
[ -n "$CORPUS" ] || CORPUS="$ROOT/../shared/corpus"
THREAD="$CORPUS/benign/mailing-lists/notmuch-list"

command -v redis-server >/dev/null || { echo "SKIP: redis-server is not installed (scripts/packages/milter.txt)"; exit 77; }
command -v python3 >/dev/null || { echo "SKIP: python3 is not installed"; exit 77; }
for f in cur__31_2.eml cur__34_2.eml cur__35_2.eml; do
  [ -f "$THREAD/$f" ] || { echo "SKIP: corpus thread not found: $THREAD/$f"; exit 77; }
done

T=$(mktemp -d /tmp/rg-shared.XXXXXX)
REDIS_PID=""
A_PID=""
B_PID=""
cleanup() {
  rc=$?
  set +e
  for p in "$A_PID" "$B_PID" "$REDIS_PID"; do
    [ -n "$p" ] && { kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; }
  done
  if [ "$rc" != 0 ]; then
    echo "---- milter A log"; tail -30 "$T/a.log" 2>/dev/null
    echo "---- milter B log"; tail -30 "$T/b.log" 2>/dev/null
  fi
  rm -rf "$T"
  exit "$rc"
}
trap cleanup EXIT INT TERM

RPORT=$(free_port)
APORT=$(free_port)
BPORT=$(free_port)

redis-server --port "$RPORT" --bind 127.0.0.1 --save "" --appendonly no --daemonize no --loglevel warning \
  --dir "$T" > "$T/redis.log" 2>&1 &
REDIS_PID=$!
wait_port "$RPORT" "$REDIS_PID" || { echo "FAIL: redis-server did not start"; cat "$T/redis.log"; exit 1; }
STORE="redis://127.0.0.1:$RPORT/0"

cat > "$T/milter.toml" <<'EOF'
[org]
domains = ["sakura-shoji.example"]
[milter]
learn = true
[milter.outbound]
max_unknown_replies = 3
window = 3600
response = "hold"
EOF
"$BIN" milter --config "$T/milter.toml" --db "$STORE" --socket "inet:$APORT@127.0.0.1" 2> "$T/a.log" &
A_PID=$!
"$BIN" milter --config "$T/milter.toml" --db "$STORE" --socket "inet:$BPORT@127.0.0.1" 2> "$T/b.log" &
B_PID=$!
wait_port "$APORT" "$A_PID" || { echo "FAIL: milter A did not listen"; exit 1; }
wait_port "$BPORT" "$B_PID" || { echo "FAIL: milter B did not listen"; exit 1; }
grep -q "outbound state in $STORE" "$T/a.log" && grep -q "outbound state in $STORE" "$T/b.log" \
  && echo "ok   both milters keep their outbound state in $STORE" \
  || { echo "FAIL outbound state not in the shared store"; exit 1; }

PYTHONPATH="$ROOT/tests/support" python3 - "$T" "$THREAD" "$APORT" "$BPORT" "$RPORT" <<'PY'
import email, email.policy, os, re, subprocess, sys, time
from email.message import EmailMessage
from email.utils import make_msgid, parseaddr
from milter_client import send_message
from hijack_mail import HIJACK_FROM, SATO_AUTH, hijack_of, outbound_mail

T, THREAD, APORT, BPORT, RPORT = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
fails = []
def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        fails.append(what)

def redis(*args):
    return subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", RPORT, "--raw", *args],
                          capture_output=True, text=True, check=True).stdout.strip()

def logged(log, qid, timeout=10):
    """The per-message summary line of `qid` in milter log `log` ('a' or 'b'): (verdict, [finding ids])."""
    pat = re.compile(r"replyguard milter: %s: verdict=(\S+) score=\S+ action=\S+ findings=(.*?)( auth=\S+)?$" % re.escape(qid))
    deadline = time.time() + timeout
    while time.time() < deadline:
        for line in open(os.path.join(T, log + ".log"), encoding="utf-8", errors="replace"):
            m = pat.search(line.rstrip("\n"))
            if m:
                ids = [x.split("(")[0].strip() for x in m.group(2).split(",") if x.strip()]
                return m.group(1), ids
        time.sleep(0.1)
    return None, []

def outsider(ids):
    return [i for i in ids if i.startswith("HIJACK_THREAD_OUTSIDER")]

def corpus(name):
    return open(os.path.join(THREAD, name), "rb").read()

def send(port, raw, qid, mail_from, rcpts, **kw):
    return send_message("127.0.0.1", port, raw, mail_from, rcpts, queue_id=qid, **kw)

start, genuine = corpus("cur__31_2.eml"), corpus("cur__35_2.eml")
ans = email.message_from_bytes(start, policy=email.policy.default)
ans_id = ans["Message-ID"].strip()
name, addr = parseaddr(ans["From"])

# The hijack: the starter's name on an unrelated address, his subject and text, a link.
h = hijack_of(THREAD, "Please see the updated script attached, and the document:\nhttps://docs.hijacked-host.example/d/update.php\n")
# A script attachment: never clean, so B does not learn the hijack (and poison the thread) before the test.
h.add_attachment(b"var update = 1;\r\n", maintype="application", subtype="octet-stream", filename="update_0420.js")
hijack = h.as_bytes()
outer = HIJACK_FROM

# 1. Nothing learnt yet: the hijack through B meets no known thread.
send(BPORT, hijack, "B0001", outer, ["sato@sakura-shoji.example"], client_ip="198.51.100.7")
v, ids = logged("b", "B0001")
check(v is not None, f"hijack analysed by B before learning (verdict {v})")
check(v in ("suspicious", "malicious"), f"the hijack carries a payload: not clean, so not learnt ({v})")
check(outsider(ids) == [], f"before learning: no thread-outsider finding through B ({ids})")
check(redis("EXISTS", f"rg:{{msg:{ans_id.strip('<>')}}}") == "0", "the thread is not in Redis yet")

# 2. The thread's first message delivered through A: clean, learnt into the shared Redis.
send(APORT, start, "A0001", addr, ["sato@sakura-shoji.example"], client_ip="198.51.100.20")
v, ids = logged("a", "A0001")
check(v == "clean", f"{ans_id} clean through A ({v} {ids})")
check(redis("EXISTS", f"rg:{{msg:{ans_id.strip('<>')}}}") == "1", f"A learnt {ans_id} into Redis")
check(addr in redis("HKEYS", f"rg:{{thread:{redis('HGET', 'rg:{msg:' + ans_id.strip('<>') + '}', 't')}}}:participants").split(),
      f"{addr} is a participant of the learnt thread")

# 3. The same hijack through B: caught with the thread-outsider finding.
r = send(BPORT, hijack, "B0002", outer, ["sato@sakura-shoji.example"], client_ip="198.51.100.7")
v, ids = logged("b", "B0002")
check(outsider(ids) != [], f"after A learnt the thread, B catches the hijack: {outsider(ids)} (verdict {v}, {r.final})")
check(v in ("suspicious", "malicious"), f"hijack verdict through B is not clean ({v})")

# 4. The genuine answer from the corpus through B: clean.
g = email.message_from_bytes(genuine)
send(BPORT, genuine, "B0003", parseaddr(g["From"])[1], ["sato@sakura-shoji.example"], client_ip="198.51.100.21")
v, ids = logged("b", "B0003")
check(v == "clean" and not outsider(ids), f"genuine reply {g['Message-ID']} through B stays clean ({v} {ids})")

# 5. Outbound abuse counted across both processes.
for i, port, qid in ((1, APORT, "A0101"), (2, APORT, "A0102"), (3, BPORT, "B0103")):
    to = f"x{i}@stranger-{i}.example"
    r = send(port, outbound_mail(to, f"Re: 請求書の件 {i}"), qid, "sato@sakura-shoji.example", [to],
             client_ip="192.0.2.10", macros=SATO_AUTH)
    out = r.headers_added("X-Replyguard-Outbound")
    if i < 3:
        check(r.analysed() and out == [] and not r.quarantined(), f"sato's suspicious send {i} through A: not yet flagged ({out})")
    else:
        check(r.quarantined() and len(out) == 1 and "3 reply-like messages" in out[0],
              f"sato's 3rd suspicious send, through B, is held: {out}")
check(redis("ZCARD", "rg:{acct:sato}:sends") == "3", "Redis holds sato's 3 suspicious sends")
ttl = int(redis("TTL", "rg:{acct:sato}:sends"))
check(0 < ttl <= 3600, f"rg:{{acct:sato}}:sends expires with the window (TTL {ttl})")

suzuki = {"{auth_authen}": "suzuki"}
m = EmailMessage()
m["From"] = "鈴木 一郎 <suzuki@sakura-shoji.example>"
m["To"] = "yamada@fuji-kogyo.example"
m["Subject"] = "日程の件"
m["Message-ID"] = make_msgid(domain="sakura-shoji.example")
m["Date"] = "Mon, 13 Apr 2026 09:10:00 +0900"
m.set_content("承知しました。\n")
r = send(APORT, m.as_bytes(), "A0201", "suzuki@sakura-shoji.example", ["yamada@fuji-kogyo.example"],
         client_ip="192.0.2.20", macros=suzuki)
check(r.analysed() and r.headers_added("X-Replyguard-Outbound") == [], "suzuki from 192.0.2.20 through A: not flagged")
r = send(BPORT, outbound_mail("c@stranger-three.example", "Fw: 資料"), "B0202", "suzuki@sakura-shoji.example",
         ["c@stranger-three.example"], client_ip="203.0.113.66", macros=suzuki)
out = r.headers_added("X-Replyguard-Outbound")
check(r.quarantined() and len(out) == 1 and "new client address 203.0.113.66" in out[0],
      f"suzuki from a new address through B is held, B knowing A's address: {out}")

sys.exit(1 if fails else 0)
PY
