#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/cli/rspamd_proxy.sh - Postfix -> rspamd proxy (milter mode) -> `replyguard serve` /checkv2
#
#   rspamd_proxy.sh BINARY [CORPUS_DIR]
#
# Issue 14 item 1: rspamd 3.4's proxy sends each scan upstream as
# "GET /checkv2" with the message as the body (and Queue-ID, IP "addr:port",
# From/Rcpt in angle brackets, Helo, Hostname, MTA-Name, Flags:
# milter,body_block, User-Agent: Postfix ...), and reads the reply only when
# its Content-Type is exactly "application/json". serve (apps/cli/http_server.cpp,
# libmicrohttpd) reads GET bodies and /checkv2 answers so; with cpp-httplib
# 0.11, which never read the body of a GET, serve answered 405 and the proxy
# tempfailed every message ("cannot find scan results, tempfail"; Postfix
# 451 4.7.1).
#
# A private Postfix (tests/support/loopback.sh: loopback only, no DNS, every
# non-local transport error:) whose smtpd milter is rspamd 3.4's rspamd_proxy
# worker in milter mode with self_scan = no and `replyguard serve` as its only
# upstream. rspamd runs from a private config (this file writes it: only the
# proxy worker, no controller, no normal worker, no Lua rules) on free ports,
# as root with -i (insecure), its DNS pointed at a free loopback port where
# nothing answers, and is stopped at the end. The demo history is learnt;
# through Postfix:
#   a demo hijack (02) -> rejected at end of DATA with replyguard's reject text;
#   a genuine reply (01) -> delivered with X-Replyguard-Verdict: clean, and a
#     forged X-Replyguard-Verdict that came with it removed;
#   a suspicious message (07) -> delivered with X-Replyguard-Verdict: suspicious;
#   the kept detection of the hijack names Postfix's queue id (rspamd:QUEUEID).
# Exit 77 (skipped) without Postfix or rspamd, or when not root.
set -uo pipefail

BIN=$(realpath "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)

command -v postfix >/dev/null && command -v postconf >/dev/null || { echo "SKIP: Postfix is not installed"; exit 77; }
command -v rspamd >/dev/null || { echo "SKIP: rspamd is not installed (scripts/packages/report.txt)"; exit 77; }
[ "$(id -u)" = 0 ] || { echo "SKIP: starting a private Postfix needs root"; exit 77; }
id nobody >/dev/null 2>&1 && id postfix >/dev/null 2>&1 || { echo "SKIP: users nobody/postfix missing"; exit 77; }

. "$HERE/../support/loopback.sh"
T=$(mktemp -d /tmp/rg-rproxy.XXXXXX)
chmod 755 "$T"
SERVE_PID=""
RSPAMD_PID=""
POSTFIX_UP=0
. "$HERE/../support/checks.sh"  # check, checks_summary
bin=$BIN demo=$ROOT/demo pids=()
. "$HERE/../support/serve.sh"   # start_demo_serve
cleanup() {
  set +e
  [ "$POSTFIX_UP" = 1 ] && postfix_stop "$T"
  if [ -n "$RSPAMD_PID" ]; then
    kill "$RSPAMD_PID" 2>/dev/null
    for _ in $(seq 100); do kill -0 "$RSPAMD_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$RSPAMD_PID" 2>/dev/null
    wait "$RSPAMD_PID" 2>/dev/null
  fi
  if [ -n "$SERVE_PID" ]; then kill "$SERVE_PID" 2>/dev/null; wait "$SERVE_PID" 2>/dev/null; fi
  if [ "$fails" != 0 ]; then
    echo "---- rspamd log"; grep -v 'hs_helper\|terminat\|main;' "$T/rspamd/rspamd.log" 2>/dev/null | tail -30
    echo "---- postfix log"; tail -30 "$T/maillog" 2>/dev/null
    echo "---- serve log"; tail -20 "$T/serve.out" 2>/dev/null
  fi
  rm -rf "$T"
}
trap cleanup EXIT INT TERM

SPORT=$(free_port)   # Postfix smtpd
PPORT=$(free_port)   # rspamd proxy (milter)
DPORT=$(free_port)   # DNS: nothing listens there
while [ "$PPORT" = "$SPORT" ]; do PPORT=$(free_port); done
while [ "$DPORT" = "$SPORT" ] || [ "$DPORT" = "$PPORT" ]; do DPORT=$(free_port); done

# --- replyguard serve over the learnt demo history --------------------------------
demo_learn "$T/history.db"
start_demo_serve "$T/serve.out" --db "$T/history.db" --config "$ROOT/demo/replyguard.toml"
SERVE_PID=$serve_pid
RG=$port
check "serve starts" test -n "$RG"

# --- rspamd: the proxy worker only ------------------------------------------------
mkdir -p "$T/rspamd/db" "$T/rspamd/run"
cat >"$T/rspamd/rspamd.conf" <<EOF
options {
  pidfile = "$T/rspamd/run/rspamd.pid";
  dbdir = "$T/rspamd/db";
  tempdir = "$T/rspamd";
  dns { nameserver = ["127.0.0.1:$DPORT"]; timeout = 1s; retransmits = 1; }
}
logging { type = "file"; filename = "$T/rspamd/rspamd.log"; level = "info"; }
worker "rspamd_proxy" {
  bind_socket = "127.0.0.1:$PPORT";
  milter = yes;
  timeout = 120s;
  count = 1;
  upstream "replyguard" {
    default = yes;
    self_scan = no;
    hosts = "127.0.0.1:$RG";
  }
}
EOF
rspamd -f -i -u root -g root -c "$T/rspamd/rspamd.conf" >"$T/rspamd/stdout.log" 2>&1 &
RSPAMD_PID=$!
# rspamd compiles its URL suffix list before it listens: up to a minute on a busy host.
up=1
for _ in $(seq 1800); do
  python3 -c "import socket,sys; s=socket.socket(); sys.exit(s.connect_ex(('127.0.0.1',$PPORT)))" && { up=0; break; }
  kill -0 "$RSPAMD_PID" 2>/dev/null || break
  sleep 0.1
done
check "the rspamd proxy listens on 127.0.0.1:$PPORT" test "$up" = 0
[ "$up" = 0 ] || { cat "$T/rspamd/stdout.log" | tail -20; exit 1; }

# --- a private Postfix with the proxy as its milter -------------------------------
postfix_private "$T" "smtpd_milters = inet:127.0.0.1:$PPORT"
postfix_listen "$T" "$SPORT"
POSTFIX_UP=1
postfix -c "$T/etc" start >/dev/null 2>&1
check "postfix starts" test $? = 0
wait_port "$SPORT"

python3 - "$T" "$SPORT" "$ROOT/demo/inbox" "$RG" >"$T/check.out" 2>&1 <<'PY'
import email, glob, json, os, smtplib, sys, time, urllib.request
T, SPORT, INBOX, RG = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
fails = []
def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond: fails.append(what)
def send(raw):
    s = smtplib.SMTP("127.0.0.1", SPORT, timeout=120)
    try:
        s.sendmail("info@partner.example", ["sato@sakura-shoji.example"], raw)
        return 250, ""
    except smtplib.SMTPDataError as e:
        return e.smtp_code, e.smtp_error.decode("utf-8", "replace")
    finally:
        try: s.quit()
        except Exception: pass
def delivered(msgid, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        for p in glob.glob(os.path.join(T, "mail", "sato", "new", "*")):
            m = email.message_from_bytes(open(p, "rb").read())
            if (m.get("Message-ID") or "").strip() == msgid: return m
        time.sleep(0.2)
    return None
def raw(name): return open(os.path.join(INBOX, name), "rb").read()

code, text = send(raw("02-hijack-ja-password-zip.eml"))
check(500 <= code < 600 and "reply-chain hijacking" in text, f"demo hijack 02: rejected 5xx with our reject text (got {code} {text!r})")
code, text = send(raw("03-hijack-en-download-link.eml"))
check(500 <= code < 600, f"demo hijack 03: rejected 5xx (got {code} {text!r})")

g = raw("01-genuine-reply-ja.eml")
forged = b"X-Replyguard-Verdict: clean-forged-by-sender\r\n" + g
code, text = send(forged)
check(code == 250, f"genuine reply 01 (with a forged X-Replyguard-Verdict): accepted (got {code} {text!r})")
msgid = email.message_from_bytes(g).get("Message-ID").strip()
m = delivered(msgid)
check(m is not None, "genuine reply 01: delivered")
if m is not None:
    check(m.get_all("X-Replyguard-Verdict") == ["clean"], f"  ... X-Replyguard-Verdict: clean only, the forged copy removed (got {m.get_all('X-Replyguard-Verdict')})")
    check(m.get("X-Replyguard-Findings", "").startswith("GENUINE_REPLY="), f"  ... X-Replyguard-Findings (got {m.get('X-Replyguard-Findings')})")

s = raw("07-password-followup.eml")
code, text = send(s)
check(code == 250, f"suspicious 07: accepted (got {code} {text!r})")
m = delivered(email.message_from_bytes(s).get("Message-ID").strip())
check(m is not None and m.get_all("X-Replyguard-Verdict") == ["suspicious"], f"  ... delivered with X-Replyguard-Verdict: suspicious (got {m and m.get_all('X-Replyguard-Verdict')})")

dets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{RG}/api/v1/detections?limit=100"))
items = dets["detections"] if isinstance(dets, dict) else dets
srcs = [d.get("source", "") for d in items]
check(any(x.startswith("rspamd:") and len(x) > len("rspamd:") for x in srcs), f"kept detections name Postfix's queue id (sources {srcs})")
print("check.py:", len(fails), "failed")
sys.exit(1 if fails else 0)
PY
st=$?
cat "$T/check.out"
check "mail through Postfix and the rspamd proxy (check.py above)" test "$st" = 0

checks_summary rspamd_proxy
