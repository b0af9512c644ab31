#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/cli/milter_outbound.sh - outbound abuse and learning through the milter protocol
#
#   bash tests/cli/milter_outbound.sh BINARY [CORPUS_DIR]
#
# A scripted MTA (tests/support/milter_client.py, milter protocol v6) plays
# Postfix's part, so every macro ({auth_authen}, the client address) is ours
# to choose; milter_postfix_sasl.sh has {auth_authen} come from a real Postfix
# with SASL. Checks:
#   - an authenticated account of ours sending reply-prefixed mail with a link
#     to addresses it never wrote to is flagged OUTBOUND_ACCOUNT_ABUSE once it
#     passes max_unknown_replies: quarantined, X-Replyguard-Outbound header, a
#     log line with the queue id;
#   - an account known from one client address, sending such mail from a new
#     one, is flagged at once;
#   - a flagged message is held even when its verdict alone would reject it;
#   - the same mail without authentication is not an outbound event;
#   - a forged X-Replyguard-Verdict is deleted (chgheader with an empty value);
#   - a message over max_message_size, in its body or in its header block
#     alone, is accepted unchecked without analysis;
#   - a clean authenticated message teaches the history; a flagged one does not;
#   - the abuse events are kept as detections: `report` lists each account as
#     "our account is being abused", and `report --advisory` warns partners.
set -euo pipefail

BIN=$(realpath "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
. "$HERE/../support/loopback.sh"  # free_port, wait_port
T=$(mktemp -d /tmp/rg-outbound.XXXXXX)
MILTER_PID=""
cleanup() {
  rc=$?
  set +e
  if [ -n "$MILTER_PID" ]; then kill "$MILTER_PID" 2>/dev/null; wait "$MILTER_PID" 2>/dev/null; fi
  [ "$rc" != 0 ] && { echo "---- milter log"; tail -30 "$T/milter.log"; }
  rm -rf "$T"
  exit "$rc"
}
trap cleanup EXIT INT TERM

PORT=$(free_port)
python3 "$ROOT/scripts/make-demo.py" "$T/demo" >/dev/null
cp "$ROOT/demo/replyguard.toml" "$T/base.toml"
"$BIN" learn --no-progress --db "$T/history.db" --config "$T/base.toml" "$T/demo/mailbox" >/dev/null 2>&1
cat "$T/base.toml" - > "$T/milter.toml" <<'EOF'
[milter]
learn = true
[milter.outbound]
max_unknown_replies = 2
window = 3600
response = "hold"
EOF
"$BIN" milter --config "$T/milter.toml" --db "$T/history.db" --socket "inet:$PORT@127.0.0.1" 2> "$T/milter.log" &
MILTER_PID=$!
wait_port "$PORT" "$MILTER_PID" || true

rc=0
PYTHONPATH="$ROOT/tests/support" python3 - "$T" "$PORT" <<'PY' || rc=1
import os, sqlite3, sys
from email.message import EmailMessage
from email.utils import make_msgid
from milter_client import send_message

T, PORT = sys.argv[1], int(sys.argv[2])
fails = []
def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        fails.append(what)

def mail(to, subject, body, forged=False):
    m = EmailMessage()
    if forged:
        m["X-Replyguard-Verdict"] = "clean"
    m["From"] = "佐藤 花子 <sato@sakura-shoji.example>"
    m["To"] = to
    m["Subject"] = subject
    m["Message-ID"] = make_msgid(domain="sakura-shoji.example")
    m["Date"] = "Mon, 13 Apr 2026 09:00:00 +0900"
    m.set_content(body)
    return m.as_bytes()

def messages():
    c = sqlite3.connect(os.path.join(T, "history.db"))
    try:
        return c.execute("SELECT COUNT(*) FROM messages").fetchone()[0]
    finally:
        c.close()

auth = {"{auth_authen}": "sato", "{auth_type}": "PLAIN"}
payload = "ご確認ください。\nhttps://files.unrelated.example/doc/invoice.docm\n"

# 1. A clean authenticated message from the usual address: learnt, not flagged.
before = messages()
r = send_message("127.0.0.1", PORT, mail("yamada@fuji-kogyo.example", "お打ち合わせの日程", "来週の件、よろしくお願いします。\n"),
                 "sato@sakura-shoji.example", ["yamada@fuji-kogyo.example"], client_ip="192.0.2.10", macros=auth, queue_id="A0001")
check(r.final in ("accept", "continue") and not r.quarantined(), f"ordinary submission accepted ({r.final})")
check(r.analysed() and r.headers_added("X-Replyguard-Outbound") == [], "ordinary submission not flagged")
check(messages() == before + 1, f"clean authenticated mail learnt ({before} -> {messages()})")

# 2. Reply-prefixed mail with a link to strangers: the 2nd within the window is flagged.
r1 = send_message("127.0.0.1", PORT, mail("a@stranger-one.example", "Re: 請求書の件", payload),
                  "sato@sakura-shoji.example", ["a@stranger-one.example"], client_ip="192.0.2.10", macros=auth, queue_id="A0002")
check(r1.analysed() and not r1.quarantined() and r1.headers_added("X-Replyguard-Outbound") == [], "first such mail not yet flagged")
before = messages()
r2 = send_message("127.0.0.1", PORT, mail("b@stranger-two.example", "RE: お見積りの件", payload, forged=True),
                  "sato@sakura-shoji.example", ["b@stranger-two.example"], client_ip="192.0.2.10", macros=auth, queue_id="A0003")
check(r2.quarantined(), f"second such mail held (actions {[a[0] for a in r2.actions]}, final {r2.final})")
out = r2.headers_added("X-Replyguard-Outbound")
check(len(out) == 1 and "sato" in out[0], f"X-Replyguard-Outbound names the account: {out}")
check(any("OUTBOUND_ACCOUNT_ABUSE" in v for v in r2.headers_added("X-Replyguard-Findings")), "finding in X-Replyguard-Findings")
check(("chgheader", 1, "X-Replyguard-Verdict", "") in r2.actions, "forged X-Replyguard-Verdict deleted")
check(messages() == before, "flagged mail not learnt")

# 3. Another account, known from one address, suddenly from a new one: flagged at once.
acct = {"{auth_authen}": "suzuki"}
r = send_message("127.0.0.1", PORT, mail("yamada@fuji-kogyo.example", "日程の件", "承知しました。\n"),
                 "sato@sakura-shoji.example", ["yamada@fuji-kogyo.example"], client_ip="192.0.2.20", macros=acct, queue_id="A0010")
check(r.analysed() and r.headers_added("X-Replyguard-Outbound") == [], "suzuki from its usual address: not flagged")
r3 = send_message("127.0.0.1", PORT, mail("c@stranger-three.example", "Fw: 資料", payload),
                  "sato@sakura-shoji.example", ["c@stranger-three.example"], client_ip="203.0.113.66", macros=acct, queue_id="A0011")
out = r3.headers_added("X-Replyguard-Outbound")
check(r3.quarantined() and len(out) == 1 and "new client address 203.0.113.66" in out[0],
      f"reply with payload from a new client address held: {out}")

# 4. Without authentication it is not about our account.
r4 = send_message("127.0.0.1", PORT, mail("d@stranger-four.example", "Re: 請求書の件", payload),
                  "sato@sakura-shoji.example", ["d@stranger-four.example"], client_ip="198.51.100.9", queue_id="A0005")
check(r4.analysed() and r4.headers_added("X-Replyguard-Outbound") == [], "unauthenticated mail is no outbound event")

sys.exit(1 if fails else 0)
PY

# The abuse events are kept as detections (in the history file, [milter] detections
# unset): the report shows each account as "our account is being abused", and the
# advisory warns partners about mail from it.
if "$BIN" report --db "$T/history.db" --config "$T/base.toml" --format json > "$T/report.json" 2> "$T/report.err"; then
  python3 - "$T/report.json" <<'PY' || rc=1
import json, sys
cs = json.load(open(sys.argv[1]))["campaigns"]
fails = 0
for acct in ("sato", "suzuki"):
    mine = [c for c in cs if acct in c.get("abused_accounts", [])]
    ok = len(mine) == 1 and f"Our own account {acct}" in mine[0]["summary_en"] \
         and f"自組織のアカウント {acct}" in mine[0]["summary_ja"] and "OUTBOUND_ACCOUNT_ABUSE" in mine[0]["finding_ids"]
    print(("ok   " if ok else "FAIL ") + f"report: one campaign of account {acct} being abused: "
          + json.dumps([(c["id"], c["abused_accounts"], c["summary_en"]) for c in mine], ensure_ascii=False))
    fails += not ok
import sqlite3, os
db = sqlite3.connect(os.path.join(os.path.dirname(sys.argv[1]), "history.db"))
sources = [r[0] for r in db.execute("SELECT json_extract(data, '$.source') FROM detections")]
ok = "milter:A0003 (quarantine)" in sources and "milter:A0011 (quarantine)" in sources
print(("ok   " if ok else "FAIL ") + f"detections kept with the queue id and the action: {sources}")
fails += not ok
raws = [r[0] for r in db.execute("SELECT raw FROM detections")]
ok = bool(raws) and all(r is not None and b"\nSubject:" in r.replace(b"\r\n", b"\n") for r in raws)
print(("ok   " if ok else "FAIL ") + f"detections keep the raw message the milter saw (for feedback): "
      f"{[None if r is None else len(r) for r in raws]}")
fails += not ok
sys.exit(1 if fails else 0)
PY
else
  echo "FAIL report exited non-zero: $(cat "$T/report.err")"; rc=1
fi
"$BIN" report --db "$T/history.db" --config "$T/base.toml" --advisory > "$T/advisory.md" 2>&1 || true
grep -q "were abused by a third party" "$T/advisory.md" && grep -q "が第三者に不正利用され" "$T/advisory.md" \
  && grep -q "sato" "$T/advisory.md" \
  && echo "ok   advisory tells partners our account was abused (en + ja)" \
  || { echo "FAIL advisory does not mention the abused account"; head -40 "$T/advisory.md"; rc=1; }

# A message over max_message_size: accepted unanalysed, even with default_action = tempfail.
kill "$MILTER_PID"; wait "$MILTER_PID" 2>/dev/null || true
printf '[milter]\nlearn = false\nmax_message_size = 2000\ndefault_action = "tempfail"\n' | cat "$T/base.toml" - > "$T/small.toml"
"$BIN" milter --config "$T/small.toml" --db "$T/history.db" --socket "inet:$PORT@127.0.0.1" 2> "$T/milter-small.log" &
MILTER_PID=$!
wait_port "$PORT" "$MILTER_PID" || true
PYTHONPATH="$ROOT/tests/support" python3 - "$PORT" <<'PY' || rc=1
import sys
from milter_client import send_message
port = int(sys.argv[1])
big = b"From: a@partner.example\r\nTo: sato@sakura-shoji.example\r\nSubject: big\r\nX-Replyguard-Verdict: clean\r\n\r\n" + b"x" * 70 + b"\r\n"
big = big + (b"y" * 70 + b"\r\n") * 100
r = send_message("127.0.0.1", port, big, "a@partner.example", ["sato@sakura-shoji.example"], queue_id="B0001")
ok = r.final in ("accept", "continue") and r.headers_added("X-Replyguard-Verdict") == ["unchecked"] \
     and ("chgheader", 1, "X-Replyguard-Verdict", "") in r.actions
print(("ok   " if ok else "FAIL ") + f"oversized message accepted unchecked ({r.final}, {r.actions})")
fails = 0 if ok else 1
# Issue 12 item 12: the header block counts against the limit too. 30 headers of
# 100 bytes and a one-line body: over 2000 bytes before the body starts. The
# forged X-Replyguard-Verdict after the limit is still removed.
fat = b"From: a@partner.example\r\nTo: sato@sakura-shoji.example\r\nSubject: fat headers\r\n"
fat += b"".join(b"X-Filler-%02d: " % i + b"h" * 100 + b"\r\n" for i in range(30))
fat += b"X-Replyguard-Verdict: clean\r\n\r\nhello\r\n"
r = send_message("127.0.0.1", port, fat, "a@partner.example", ["sato@sakura-shoji.example"], queue_id="B0002")
ok = r.final in ("accept", "continue") and r.headers_added("X-Replyguard-Verdict") == ["unchecked"] \
     and ("chgheader", 1, "X-Replyguard-Verdict", "") in r.actions
print(("ok   " if ok else "FAIL ") + f"headers over max_message_size: accepted unchecked ({r.final}, {r.actions})")
fails += not ok
sys.exit(1 if fails else 0)
PY
grep -q "B0001: message larger than 2000 bytes, not analysed; accepted unchecked" "$T/milter-small.log" \
  && echo "ok   oversized message logged" || { echo "FAIL oversized message not logged"; rc=1; }
grep -q "B0002: message larger than 2000 bytes, not analysed; accepted unchecked" "$T/milter-small.log" \
  && echo "ok   oversized header block logged" || { echo "FAIL oversized header block not logged"; rc=1; }
cat "$T/milter-small.log" >> "$T/milter.log"

grep -Eq "replyguard milter: A0003: OUTBOUND_ACCOUNT_ABUSE: our account sato may be abused" "$T/milter.log" \
  && echo "ok   abuse event logged with the queue id" || { echo "FAIL abuse event not logged"; rc=1; }
exit $rc
