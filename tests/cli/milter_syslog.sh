#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/cli/milter_syslog.sh - `replyguard milter --log syslog`: lines reach syslog(3)
#
#   bash tests/cli/milter_syslog.sh BINARY [CORPUS_DIR]
#
# syslog(3) writes to /dev/log, which a test must not take from the machine.
# So the milter runs in a private mount namespace (unshare) whose /dev is an
# overlay of the real one; a datagram listener bound to /dev/log there
# records what arrives. Checks:
#   - with --log syslog, the per-message line arrives as facility mail, level
#     info (<22>), ident replyguard[PID], with the queue id, verdict, score and
#     finding ids; it is not written to standard error;
#   - a reload that fails arrives at level err (<19>);
#   - a reload switching [milter] log to "both" is ignored while --log is given
#     (the command line wins), and every line still goes to syslog.
# Exit 77 (skipped) when we are not root or the kernel refuses the namespace
# or the overlay.
set -euo pipefail

BIN=$(realpath "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
. "$HERE/../support/loopback.sh"  # free_port, wait_port
[ "$(id -u)" = 0 ] || { echo "SKIP: a private /dev/log needs root"; exit 77; }
command -v unshare >/dev/null || { echo "SKIP: unshare is not installed"; exit 77; }

T=$(mktemp -d /tmp/rg-syslog.XXXXXX)
MILTER_PID=""
cleanup() {
  rc=$?
  set +e
  if [ -n "$MILTER_PID" ]; then kill "$MILTER_PID" 2>/dev/null; wait "$MILTER_PID" 2>/dev/null; fi
  [ -f "$T/listener.pid" ] && kill "$(cat "$T/listener.pid")" 2>/dev/null
  if [ "$rc" != 0 ] && [ "$rc" != 77 ]; then
    echo "---- stderr"; tail -20 "$T/milter.log"; echo "---- syslog"; tail -20 "$T/syslog.txt"
  fi
  rm -rf "$T"
  exit "$rc"
}
trap cleanup EXIT INT TERM

# Can this machine give us a private /dev at all?
unshare --mount --propagation private bash -c "mount -t tmpfs tmpfs '$T' 2>/dev/null && mkdir '$T/u' '$T/w' \
  && mount -t overlay overlay -o 'lowerdir=/dev,upperdir=$T/u,workdir=$T/w' /dev 2>/dev/null" \
  || { echo "SKIP: no private mount namespace with an overlay over /dev here"; exit 77; }

PORT=$(free_port)
python3 "$ROOT/scripts/make-demo.py" "$T/demo" >/dev/null
cp "$ROOT/demo/replyguard.toml" "$T/base.toml"
"$BIN" learn --no-progress --db "$T/history.db" --config "$T/base.toml" "$T/demo/mailbox" >/dev/null 2>&1
{ cat "$T/base.toml"; printf '\n[milter]\nlearn = false\n'; } > "$T/milter.toml"
mkdir -p "$T/ov"
: > "$T/syslog.txt"

# In the namespace: overlay /dev, bind the listener to /dev/log, then become the milter.
unshare --mount --propagation private bash -c '
  set -e
  T=$1; BIN=$2; PORT=$3
  mount -t tmpfs tmpfs "$T/ov"
  mkdir "$T/ov/u" "$T/ov/w"
  mount -t overlay overlay -o "lowerdir=/dev,upperdir=$T/ov/u,workdir=$T/ov/w" /dev
  python3 -c "
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(\"/dev/log\")
open(sys.argv[1] + \"/listener.pid\", \"w\").write(str(os.getpid()))
with open(sys.argv[1] + \"/syslog.txt\", \"ab\", buffering=0) as out:
    while True:
        out.write(s.recv(65536).rstrip(b\"\\0\") + b\"\\n\")
" "$T" &
  for _ in $(seq 100); do [ -S /dev/log ] && break; sleep 0.05; done
  exec "$BIN" milter --config "$T/milter.toml" --db "$T/history.db" --socket "inet:$PORT@127.0.0.1" --log syslog
' bash "$T" "$BIN" "$PORT" 2> "$T/milter.log" &
MILTER_PID=$!
wait_port "$PORT" "$MILTER_PID" || true

rc=0
PYTHONPATH="$ROOT/tests/support" python3 - "$T" "$PORT" "$MILTER_PID" <<'PY' || rc=1
import os, re, signal, sys, time
from milter_client import send_message

T, PORT, PID = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
fails = []
def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        fails.append(what)

def syslog_text():
    return open(os.path.join(T, "syslog.txt"), encoding="utf-8", errors="replace").read()

def wait_for(text, timeout=10):
    end = time.time() + timeout
    while time.time() < end:
        if text in syslog_text():
            return True
        time.sleep(0.05)
    return False

raw = open(os.path.join(T, "demo/inbox/03-hijack-en-download-link.eml"), "rb").read()
r = send_message("127.0.0.1", PORT, raw, "billing@hotel-bluesky.example", ["k.suzuki@sakura-shoji.example"],
                 queue_id="S0001")
check(r.final is not None, f"message answered ({r.final})")
wait_for("S0001:")
line = next((l for l in syslog_text().splitlines() if "S0001:" in l), "")
check(re.match(r"<22>.*replyguard\[\d+\]: milter: S0001: verdict=(suspicious|malicious) score=\d+\.\d\d "
               r"action=\w+ findings=[A-Z_]+=", line) is not None,
      f"syslog line: mail.info, ident, queue id, verdict, score, finding ids: {line!r}")
stderr = open(os.path.join(T, "milter.log"), encoding="utf-8", errors="replace").read()
check("S0001" not in stderr, "the per-message line is not on standard error")

# A failed reload: level err.
with open(os.path.join(T, "milter.toml"), "a", encoding="utf-8") as f:
    f.write('log = "both"\ntimeout = -1\n')
os.kill(PID, signal.SIGHUP)
check(wait_for("reload failed"), "failed reload logged to syslog")
line = next((l for l in syslog_text().splitlines() if "reload failed" in l), "")
check(line.startswith("<19>"), f"failed reload at mail.err: {line[:60]!r}")

# A valid reload asking for "both": --log syslog still wins.
text = open(os.path.join(T, "milter.toml"), encoding="utf-8").read().replace("timeout = -1\n", "")
open(os.path.join(T, "milter.toml"), "w", encoding="utf-8").write(text)
os.kill(PID, signal.SIGHUP)
check(wait_for("configuration reloaded"), "reload logged to syslog")
r = send_message("127.0.0.1", PORT, raw, "billing@hotel-bluesky.example", ["k.suzuki@sakura-shoji.example"],
                 queue_id="S0002")
check(wait_for("S0002: verdict="), "second message logged to syslog")
stderr = open(os.path.join(T, "milter.log"), encoding="utf-8", errors="replace").read()
check("S0002" not in stderr, "--log syslog wins over log = \"both\" in the reloaded file")
sys.exit(1 if fails else 0)
PY
exit $rc
