#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/cli/milter_reload.sh - `replyguard milter` signals: SIGHUP reload, SIGTERM shutdown
#
#   bash tests/cli/milter_reload.sh BINARY [CORPUS_DIR]
#
# A scripted MTA (tests/support/milter_client.py) sends the demo's password
# follow-up from a lookalike domain (demo/inbox/07-..., suspicious, score 5)
# while the test rewrites the configuration file and signals the milter.
# Checks:
#   - option negotiation asks for no answers to header fields and body chunks
#     (the steps that carry no decision), and the subject is still changed;
#   - SIGHUP applies a new subject prefix and a new malicious threshold to the
#     next message (tagged "[OLD]" -> "[NEW]"; malicious = 4.5 -> 550 reject);
#   - a configuration that does not parse is logged on SIGHUP and the running
#     one stays (the message is still rejected, not tagged "[BAD]");
#   - a changed [milter] socket is logged as needing a restart and ignored,
#     while the other changes of the same file apply;
#   - 20 SIGHUPs in a burst leave the milter running and answering;
#   - SIGTERM while a message is in progress (body sent, end of message not
#     yet): a new connection gets a temporary failure, the message in progress
#     still gets its answer, then the milter exits 0 and logs "stopped";
#   - SIGTERM right after the end of a large message (the demo's English
#     hijack with a long quoted history, while it is analysed): that message
#     is answered, the milter exits 0;
#   - with REPLYGUARD_MILTER_NO_REPLY=0 (bench/milter_load.sh's switch for
#     comparing runs) the negotiation asks for an answer to each header field
#     and body chunk, every one is answered (the scripted MTA waits for each),
#     and the message is still tagged; the log line splits analysis_ms into
#     queued_ms and scan_ms.
set -euo pipefail

BIN=$(realpath "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
. "$HERE/../support/loopback.sh"  # free_port, wait_port
T=$(mktemp -d /tmp/rg-reload.XXXXXX)
MILTER_PID=""
cleanup() {
  rc=$?
  set +e
  if [ -n "$MILTER_PID" ]; then kill -KILL "$MILTER_PID" 2>/dev/null; wait "$MILTER_PID" 2>/dev/null; fi
  [ "$rc" != 0 ] && { echo "---- milter log"; tail -60 "$T/milter.log"; }
  rm -rf "$T"
  exit "$rc"
}
trap cleanup EXIT INT TERM

PORT=$(free_port)
OTHER_PORT=$(free_port)
python3 "$ROOT/scripts/make-demo.py" "$T/demo" >/dev/null
cp "$ROOT/demo/replyguard.toml" "$T/base.toml"
"$BIN" learn --no-progress --db "$T/history.db" --config "$T/base.toml" "$T/demo/mailbox" >/dev/null 2>&1
HIJACK="$T/demo/inbox/03-hijack-en-download-link.eml"
SUSPECT="$T/demo/inbox/07-password-followup.eml"

# write_config PREFIX MALICIOUS_THRESHOLD [PORT [EXTRA]]: the whole file, replaced atomically.
write_config() {
  {
    cat "$T/base.toml"
    printf '\n[thresholds]\nsuspicious = 3.0\nmalicious = %s\n' "$2"
    printf '\n[milter]\nsocket = "inet:%s@127.0.0.1"\nlearn = false\nsubject_prefix = "%s"\n%s\n' \
      "${3:-$PORT}" "$1" "${4:-}"
  } > "$T/milter.toml.new"
  mv "$T/milter.toml.new" "$T/milter.toml"
}
# start_milter LOGFILE
start_milter() {
  "$BIN" milter --config "$T/milter.toml" --db "$T/history.db" 2>> "$1" &
  MILTER_PID=$!
  wait_port "$PORT" "$MILTER_PID" && return 0
  echo "FAIL the milter did not start"; exit 1
}
# wait_milter: wait for the milter (already signalled); its exit status in $st.
wait_milter() {
  st=0
  wait "$MILTER_PID" || st=$?
  MILTER_PID=""
}

write_config "[OLD]" 10.0
start_milter "$T/milter.log"
rc=0

# --- reloads ----------------------------------------------------------------
PYTHONPATH="$ROOT/tests/support" python3 - "$T" "$PORT" "$MILTER_PID" "$SUSPECT" "$OTHER_PORT" <<'PY' || rc=1
import os, signal, sys, time
from milter_client import send_message

T, PORT, PID, SUSPECT, OTHER_PORT = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
LOG = os.path.join(T, "milter.log")
raw = open(SUSPECT, "rb").read()
fails = []
def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        fails.append(what)

def log():
    with open(LOG, encoding="utf-8", errors="replace") as f:
        return f.read()

def wait_log(text, count, timeout=20):
    """Wait until `text` occurs `count` times in the log; the final count."""
    end = time.time() + timeout
    while time.time() < end:
        n = log().count(text)
        if n >= count:
            return n
        time.sleep(0.05)
    return log().count(text)

def write_config(prefix, malicious, port=PORT, extra=""):
    """As write_config in the shell part: the whole file, replaced atomically."""
    base = open(os.path.join(T, "base.toml"), encoding="utf-8").read()
    text = (base + f"\n[thresholds]\nsuspicious = 3.0\nmalicious = {malicious}\n"
            + f'\n[milter]\nsocket = "inet:{port}@127.0.0.1"\nlearn = false\nsubject_prefix = "{prefix}"\n{extra}\n')
    tmp = os.path.join(T, "milter.toml.new")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, os.path.join(T, "milter.toml"))

reloads = 0
def hup_and_wait(expect_ok=True):
    global reloads
    before_fail = log().count("reload failed")
    os.kill(PID, signal.SIGHUP)
    if expect_ok:
        reloads += 1
        return wait_log("configuration reloaded from", reloads) >= reloads
    return wait_log("reload failed", before_fail + 1) > before_fail

def send(qid):
    return send_message("127.0.0.1", PORT, raw, "keiri@sakura-shoji-co.example", ["yamada@sakura-shoji.example"],
                        client_ip="192.0.2.23", queue_id=qid)

def subject_of(r):
    return [a[3] for a in r.actions if a[0] == "chgheader" and a[2] == "Subject"]

def verdict_of(r):
    return r.headers_added("X-Replyguard-Verdict")

# 1. As started: suspicious (3 <= 5 < 10), tagged [OLD].
r = send("R0001")
check(verdict_of(r) == ["suspicious"] and subject_of(r)[:1] and subject_of(r)[0].startswith("[OLD] "),
      f"before reload: suspicious, tagged [OLD] ({verdict_of(r)}, {subject_of(r)})")
# Option negotiation (cb_negotiate): header fields and body chunks are sent
# without waiting for an answer (SMFIP_NR_HDR 0x80, SMFIP_NR_BODY 0x80000), yet
# the subject above was still changed; HELO and end of headers, which have no
# callback, are not sent (SMFIP_NOHELO 0x2, SMFIP_NOEOH 0x40); connect, MAIL,
# RCPT and DATA are still answered (they can tempfail).
check(r.pflags & 0x80 and r.pflags & 0x80000, f"no reply asked for headers and body (0x{r.pflags:x})")
check(r.pflags & 0x2 and r.pflags & 0x40, f"HELO and end of headers not asked for (0x{r.pflags:x})")
check(not r.pflags & (0x1000 | 0x4000 | 0x8000 | 0x10000), f"connect, MAIL, RCPT, DATA answered (0x{r.pflags:x})")

# 2. New prefix.
write_config("[NEW]", 10.0)
check(hup_and_wait(), "SIGHUP: 'configuration reloaded' logged")
r = send("R0002")
check(subject_of(r)[:1] and subject_of(r)[0].startswith("[NEW] "), f"after reload: tagged [NEW] ({subject_of(r)})")

# 3. New threshold: the same message is now malicious, rejected.
write_config("[NEW]", 4.5)
check(hup_and_wait(), "SIGHUP: thresholds reloaded")
r = send("R0003")
check(r.final == "replycode" and r.reply.startswith("550 5.7.1"), f"after reload: malicious = 4.5 rejects it ({r.final} {r.reply!r})")
check("R0003: verdict=malicious" in log(), "log line R0003: verdict=malicious")

# 4. A file with new values and an error further down: nothing of it applies.
write_config("[BAD]", 10.0, extra="timeout = -1")
check(hup_and_wait(expect_ok=False), "SIGHUP with an invalid file: 'reload failed' logged")
check("milter.timeout must be a positive number" in log(), "the reason (milter.timeout) is logged")
r = send("R0004")
check(r.final == "replycode" and r.reply.startswith("550") and not subject_of(r),
      f"invalid file: the running configuration stays (still rejected, no [BAD] tag: {r.final} {subject_of(r)})")

# 5. A changed socket needs a restart: logged, ignored; the rest applies.
write_config("[FIVE]", 10.0, port=OTHER_PORT)
check(hup_and_wait(), "SIGHUP with a new socket: reloaded")
check("milter.socket changed; that needs a restart, ignored" in log(), "socket change logged as needing a restart")
r = send("R0005")
check(subject_of(r)[:1] and subject_of(r)[0].startswith("[FIVE] "), f"still on the old socket, new prefix applies ({subject_of(r)})")

# 6. Bursts of SIGHUPs: 20 back to back, then 20 more 10 ms apart (so some
# arrive while a reload is running).
write_config("[SIX]", 10.0)
for _ in range(20):
    os.kill(PID, signal.SIGHUP)
for _ in range(20):
    os.kill(PID, signal.SIGHUP)
    time.sleep(0.01)
# The kernel merges a SIGHUP that is still pending with the next one, so fewer
# than 40 reloads may run; at least one must.
n = wait_log("configuration reloaded from", reloads + 1)
time.sleep(1.0)
n = log().count("configuration reloaded from")
check(n > reloads, f"bursts of 2 x 20 SIGHUPs: {n - reloads} reload(s) ran")
reloads = n
alive = True
try:
    os.kill(PID, 0)
except ProcessLookupError:
    alive = False
check(alive and "stopped" not in log(), "after the burst the milter is still running")
r = send("R0006")
check(r.final in ("accept", "continue") and subject_of(r)[:1] and subject_of(r)[0].startswith("[SIX] "),
      f"after the burst it answers with the last configuration ({r.final}, {subject_of(r)})")

sys.exit(1 if fails else 0)
PY

# --- SIGTERM with a message in progress ---------------------------------------
PYTHONPATH="$ROOT/tests/support" python3 - "$T" "$PORT" "$MILTER_PID" "$SUSPECT" <<'PY' || rc=1
import os, signal, sys, time
from milter_client import send_message

T, PORT, PID, SUSPECT = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
raw = open(SUSPECT, "rb").read()
LOG = os.path.join(T, "milter.log")
fails = []
def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        fails.append(what)

state = {}
def term_and_wait():
    os.kill(PID, signal.SIGTERM)
    end = time.time() + 10
    while time.time() < end and "SIGTERM: stopping" not in open(LOG, encoding="utf-8").read():
        time.sleep(0.05)
    state["logged"] = "SIGTERM: stopping; 1 message(s) in progress" in open(LOG, encoding="utf-8").read()
    try:
        state["new"] = send_message("127.0.0.1", PORT, raw, "keiri@sakura-shoji-co.example",
                                    ["yamada@sakura-shoji.example"], queue_id="T0009", timeout=10)
    except OSError as e:  # refused outright is fine too
        state["new"] = e

r = send_message("127.0.0.1", PORT, raw, "keiri@sakura-shoji-co.example",
                 ["yamada@sakura-shoji.example"], queue_id="T0001", before_eom=term_and_wait)
check(state.get("logged"), "SIGTERM logged with the message in progress")
new = state.get("new")
check(isinstance(new, OSError) or (new is not None and new.final == "tempfail"),
      f"while stopping, a new connection is not served ({getattr(new, 'final', new)}, stage {getattr(new, 'stage', None)})")
check(r.final in ("accept", "continue") and r.headers_added("X-Replyguard-Verdict") == ["suspicious"],
      f"the message in progress still gets its answer ({r.final}, {r.headers_added('X-Replyguard-Verdict')})")
sys.exit(1 if fails else 0)
PY
wait_milter
[ "$st" = 0 ] && echo "ok   the milter exited 0 after SIGTERM" || { echo "FAIL exit status $st after SIGTERM"; rc=1; }
tail -1 "$T/milter.log" | grep -q "NOQUEUE: stopped$" && echo "ok   'stopped' is the last log line" \
  || { echo "FAIL no final 'stopped' line"; rc=1; }
grep -q "T0001: verdict=suspicious" "$T/milter.log" && echo "ok   T0001 logged" || { echo "FAIL T0001 not logged"; rc=1; }

# --- SIGTERM while a large message is analysed --------------------------------
# The hijack with a long quoted history (several MB), so its analysis takes a
# while; SIGTERM right after its end of message.
python3 - "$HIJACK" "$T/big.eml" <<'PY'
import sys
raw = open(sys.argv[1], "rb").read()
quote = b"".join(b"> Order #%d leaves Yokohama on April 22, shipping documents follow.\n" % i for i in range(60000))
open(sys.argv[2], "wb").write(raw.rstrip(b"\n") + b"\n\n" + quote)
PY
start_milter "$T/milter2.log"
PYTHONPATH="$ROOT/tests/support" python3 - "$T" "$PORT" "$MILTER_PID" <<'PY' || rc=1
import os, signal, sys, time
from milter_client import send_message

T, PORT, PID = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
t0 = {}
def term():
    t0["t"] = time.time()
    os.kill(PID, signal.SIGTERM)
r = send_message("127.0.0.1", PORT, open(os.path.join(T, "big.eml"), "rb").read(), "billing@hotel-bluesky.example",
                 ["k.suzuki@sakura-shoji.example"], queue_id="T0002", after_eom=term)
waited = time.time() - t0["t"]
# The hijack is malicious: its answer is the reject.
ok = r.final == "replycode" and r.reply.startswith("550 5.7.1")
print(("ok   " if ok else "FAIL ") + f"SIGTERM during the analysis: answered after {waited:.2f} s ({r.final} {r.reply[:9]!r})")
sys.exit(0 if ok else 1)
PY
wait_milter
cat "$T/milter2.log" >> "$T/milter.log"
[ "$st" = 0 ] && echo "ok   the milter exited 0 after SIGTERM during an analysis" || { echo "FAIL exit status $st"; rc=1; }
grep -q "SIGTERM: stopping; 1 message(s) in progress" "$T/milter2.log" \
  && echo "ok   SIGTERM arrived while T0002 was in progress" || { echo "FAIL SIGTERM not logged with T0002 in progress"; rc=1; }
grep -q "T0002: verdict=malicious" "$T/milter2.log" && echo "ok   T0002 logged" || { echo "FAIL T0002 not logged"; rc=1; }
tail -1 "$T/milter2.log" | grep -q "NOQUEUE: stopped$" && echo "ok   'stopped' is the last log line" \
  || { echo "FAIL no final 'stopped' line"; rc=1; }

# --- a reply to every header field and body chunk (the bench's switch) ---------
write_config "[NR]" 10.0
REPLYGUARD_MILTER_NO_REPLY=0 start_milter "$T/milter3.log"
PYTHONPATH="$ROOT/tests/support" python3 - "$PORT" "$SUSPECT" <<'PY' || rc=1
import socket, sys
from milter_client import send_message

socket.setdefaulttimeout(20)  # a header the milter leaves unanswered fails here, not hangs
PORT, SUSPECT = int(sys.argv[1]), sys.argv[2]
r = send_message("127.0.0.1", PORT, open(SUSPECT, "rb").read(), "keiri@sakura-shoji-co.example",
                 ["yamada@sakura-shoji.example"], client_ip="192.0.2.23", queue_id="N0001")
subj = [a[3] for a in r.actions if a[0] == "chgheader" and a[2] == "Subject"]
ok = not r.pflags & (0x80 | 0x80000) and r.pflags & 0x2 and r.pflags & 0x40
print(("ok   " if ok else "FAIL ") + f"REPLYGUARD_MILTER_NO_REPLY=0: headers and body answered, HELO/EOH still not sent (0x{r.pflags:x})")
ok2 = r.headers_added("X-Replyguard-Verdict") == ["suspicious"] and subj[:1] and subj[0].startswith("[NR] ")
print(("ok   " if ok2 else "FAIL ") + f"... and the message is still tagged ({r.headers_added('X-Replyguard-Verdict')}, {subj})")
sys.exit(0 if ok and ok2 else 1)
PY
kill -TERM "$MILTER_PID"
wait_milter
grep -Eq "N0001: verdict=suspicious .*analysis_ms=[0-9.]+ cpu_ms=[0-9.]+ queued_ms=[0-9.]+ scan_ms=[0-9.]+$" "$T/milter3.log" \
  && echo "ok   N0001 logged with analysis_ms, cpu_ms, queued_ms, scan_ms" \
  || { echo "FAIL N0001 log line"; cat "$T/milter3.log"; rc=1; }
exit $rc
