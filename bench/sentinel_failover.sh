#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/sentinel_failover.sh - the milter under load while the Redis master fails (issue 12)
#
# USAGE
#   bench/sentinel_failover.sh [--seconds S] [--kill-at K] [--concurrency C] [CORPUS]
#     --seconds S       length of the load run (default 30)
#     --kill-at K       kill -9 the master K seconds into it (default 8)
#     --concurrency C   parallel milter sessions (default 4)
#     CORPUS            default $REPLYGUARD_CORPUS_DIR, else ../shared/corpus beside the repo
#   Environment: BUILD_DIR (default ./build).
#
# DESCRIPTION
#   The Sentinel set-up of tests/support/sentinel.sh (master, replica, three
#   sentinels on 127.0.0.1, down-after 1000 ms), a history learnt through
#   redis+sentinel:// from the notmuch list, lkml and fedora-devel mail, and
#   one `replyguard milter` (default_action accept, learn off) on that
#   address. C clients (tests/support/milter_client.py: the MTA side of the
#   milter protocol, one connection per message) send real mail (the notmuch
#   list's messages, and a hijack of one of its threads) for S seconds; the
#   master is killed at K s. Each message is counted by how it was answered:
#   analysed, default action (X-Replyguard-Verdict: unchecked), or lost (no
#   answer: an MTA would retry or, without a milter timeout, stall). The
#   outage is the time from the kill to the first message analysed again;
#   the failover the time until the sentinels name the new master.
# LIMITS
#   The MTA is the scripted client, not Postfix (bench/milter_load.sh measures
#   Postfix + milter); what is measured is the milter and its store. Loopback
#   only.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BUILD_DIR:-$root/build}
seconds=30
kill_at=8
conc=4
corpus=""
while (($#)); do
    case $1 in
        --seconds) seconds=$2; shift 2 ;;
        --kill-at) kill_at=$2; shift 2 ;;
        --concurrency) conc=$2; shift 2 ;;
        -h|--help) sed -n '3,11p' "$0"; exit 0 ;;
        -*) echo "sentinel_failover.sh: unknown option $1" >&2; exit 2 ;;
        *) corpus=$1; shift ;;
    esac
done
corpus=${corpus:-${REPLYGUARD_CORPUS_DIR:-$root/../shared/corpus}}
ml=$corpus/benign/mailing-lists
for c in redis-server redis-sentinel redis-cli python3; do
    command -v $c >/dev/null || { echo "sentinel_failover.sh: $c missing (scripts/packages/milter.txt)" >&2; exit 77; }
done
[ -d "$ml/notmuch-list" ] || { echo "sentinel_failover.sh: $ml/notmuch-list not found" >&2; exit 77; }

. "$root/tests/support/loopback.sh"
. "$root/tests/support/sentinel.sh"
T=$(mktemp -d /tmp/rg-sentinel-bench.XXXXXX)
MILTER_PID=""
cleanup() {
    set +e
    [ -n "$MILTER_PID" ] && { kill "$MILTER_PID"; wait "$MILTER_PID"; } 2>/dev/null
    sentinel_stop
    rm -rf "$T"
}
trap cleanup EXIT INT TERM

sentinel_start "$T/rs" || { echo "sentinel_failover.sh: the Sentinel set-up did not start" >&2; exit 1; }
store="$RS_URL?timeout=500"
"$build/replyguard" learn --no-progress --db "$store" "$ml/notmuch-list" "$ml/notmuch-lkml" \
    "$ml/fedora-devel-list-2010-01.mbox" 2>&1 | tail -1
sentinel_milter "$build/replyguard" "$T" "$store" || { echo "sentinel_failover.sh: the milter did not listen" >&2; exit 1; }
mport=$MILTER_PORT

PYTHONPATH="$root/tests/support" python3 - "$ml/notmuch-list" "$mport" "${RS_PID[${RS_PORT[a]}]}" "$seconds" \
    "$kill_at" "$conc" "${RS_SENTINELS[0]}" "${RS_PORT[a]}" "$RS_NAME" <<'PY'
import os, subprocess, sys, threading, time
from milter_client import send_message
from hijack_mail import hijack_of

thread_dir, mport, apid, seconds, kill_at, conc, sport, aport, name = sys.argv[1:]
mport, apid, seconds, kill_at, conc = int(mport), int(apid), float(seconds), float(kill_at), int(conc)
mail = [open(os.path.join(thread_dir, f), "rb").read() for f in sorted(os.listdir(thread_dir))]
mail.append(hijack_of(thread_dir, "Please see the updated document:\nhttps://docs.hijacked-host.example/d/update.php\n",
                      quote=False, references=False).as_bytes())

lock = threading.Lock()
log = []  # (time sent, outcome)
t0 = time.time()
def worker(w):
    i = 0
    while time.time() - t0 < seconds:
        raw = mail[(w * 7 + i) % len(mail)]
        i += 1
        ts = time.time() - t0
        try:
            r = send_message("127.0.0.1", mport, raw, "a@example.org", ["sato@sakura-shoji.example"],
                             queue_id=f"W{w}N{i}", client_ip="198.51.100.7", timeout=30)
            o = "lost" if r.final is None else ("analysed" if r.analysed() else "default")
        except Exception:
            o = "lost"
        with lock:
            log.append((ts, o))

ts = [threading.Thread(target=worker, args=(w,)) for w in range(conc)]
for t in ts:
    t.start()
time.sleep(kill_at)
os.kill(apid, 9)
t_kill = time.time() - t0
t_master = None
while time.time() - t0 < seconds and t_master is None:
    out = subprocess.run(["redis-cli", "-p", sport, "SENTINEL", "get-master-addr-by-name", name],
                         capture_output=True, text=True).stdout.split()
    if len(out) == 2 and out[1] != aport:
        t_master = time.time() - t0
    time.sleep(0.05)
for t in ts:
    t.join()
log.sort()
n = {k: sum(1 for _, o in log if o == k) for k in ("analysed", "default", "lost")}
back = next((t for t, o in log if t > t_kill and o == "analysed"), None)
last_default = max((t for t, o in log if o == "default"), default=None)
before = [o for t, o in log if t < t_kill]
print(f"messages            {len(log)} in {seconds:.0f} s, {conc} sessions ({len(log) / seconds:.1f} msg/s)")
print(f"before the kill     {len(before)} ({sum(1 for o in before if o == 'analysed')} analysed)")
print(f"analysed            {n['analysed']}")
print(f"default action      {n['default']} (last one sent {last_default - t_kill:.1f} s after the kill)"
      if last_default is not None else "default action      0")
print(f"lost                {n['lost']}")
print(f"failover            {t_master - t_kill:.1f} s (kill -9 -> the sentinels name the new master)"
      if t_master else "failover            not seen")
print(f"outage              {back - t_kill:.1f} s (kill -9 -> first message analysed again)"
      if back else "outage              not over")
after = [o for t, o in log if back and t > back]
print(f"after recovery      {len(after)} ({sum(1 for o in after if o != 'analysed')} not analysed)")
PY
echo "milter log lines naming the store: $(grep -c 'store' "$T/milter.log" || true)"
