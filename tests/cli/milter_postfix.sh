#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/cli/milter_postfix.sh - `replyguard milter` end to end behind a real Postfix
#
#   bash tests/cli/milter_postfix.sh BINARY [CORPUS_DIR]
#
# Starts a private Postfix (config, queue and mailboxes under a temp dir;
# smtpd on 127.0.0.1:<free port> only; every non-local transport is `error:`,
# so nothing can reach the network) with `replyguard milter` as its smtpd
# milter, sends the demo inbox (scripts/make-demo.py) with smtplib and checks,
# for each message, that what Postfix did matches the verdict that
# `replyguard scan` gives on the same file with the same history:
#   phase 1 (default actions): clean -> delivered, byte-identical apart from
#     the added headers; suspicious -> delivered with the subject tag and the
#     banner; malicious -> 550 5.7.1 at end of DATA; and the milter's log says
#     it warmed one analysis thread a core before "listening on"
#     (apps/cli/milter_warm.cpp);
#   phase 2 (malicious = quarantine): held (postqueue -p shows '!'); released,
#     the ISO-2022-JP hijack arrives with a correct Japanese subject tag and
#     banner, and a forged X-Replyguard-Verdict header is gone;
#   phase 3 (timeout too short, on_incomplete = tempfail): 451 4.7.1;
#   phase 4 (learn = true): a clean delivered message is learnt;
#   phase 5: the milter on a unix socket;
#   phase 7 (issue 12, an analysis a limit cut short; tests/support/hostile_ooxml.py):
#     a known correspondent's reply carrying repeated-entity OOXML under a low
#     limits.archive_bytes is held by default (on_incomplete = hold), never
#     accepted: released, it carries scan's verdict and X-Replyguard-Incomplete;
#     with on_incomplete = tempfail it gets 451 4.7.1;
#   phase 8 (issue 12, the time limit): a hijack carrying sixty such documents
#     (an analysis of seconds) under [milter] timeout = 4 and a 1 s analysis
#     deadline is rejected (the analysis stops itself before the timeout and
#     the hijack it found stands), not accepted unchecked; and the milter's
#     CPU time stops growing after its answer (utime+stime from /proc/PID/stat, read 1 s and 6 s after
#     the answer: under 0.25 s; a bound on CPU, not on speed);
#   phase 6 (when redis-server is installed): a Redis history; while Redis is
#     down -> default_action tempfail (451), logged with the queue id; Redis
#     back -> the milter reconnects by itself and accepts again.
# Exit 77 (skipped) when Postfix is not installed or we are not root.
set -euo pipefail

BIN=$(realpath "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)

command -v postfix >/dev/null && command -v postconf >/dev/null || { echo "SKIP: Postfix is not installed (scripts/packages/milter.txt)"; exit 77; }
[ "$(id -u)" = 0 ] || { echo "SKIP: starting a private Postfix needs root"; exit 77; }
id nobody >/dev/null 2>&1 && id postfix >/dev/null 2>&1 || { echo "SKIP: users nobody/postfix missing"; exit 77; }

. "$HERE/../support/loopback.sh"
T=$(mktemp -d /tmp/rg-milter.XXXXXX)
chmod 755 "$T"
MILTER_PID=""
REDIS_PID=""
POSTFIX_UP=0

stop_milter() {
  if [ -n "$MILTER_PID" ]; then
    kill "$MILTER_PID" 2>/dev/null || true
    wait "$MILTER_PID" 2>/dev/null || true
    MILTER_PID=""
  fi
}
cleanup() {
  rc=$?
  set +e
  stop_milter
  if [ -n "$REDIS_PID" ]; then kill "$REDIS_PID" 2>/dev/null; wait "$REDIS_PID" 2>/dev/null; fi
  [ "$POSTFIX_UP" = 1 ] && postfix_stop "$T"
  if [ "$rc" != 0 ]; then
    echo "---- milter log"; cat "$T"/milter*.log 2>/dev/null | tail -40
    echo "---- postfix log"; tail -40 "$T/maillog" 2>/dev/null
  fi
  rm -rf "$T"
  exit "$rc"
}
trap cleanup EXIT INT TERM

SPORT=$(free_port)
MPORT=$(free_port)
while [ "$MPORT" = "$SPORT" ]; do MPORT=$(free_port); done

# --- data: the demo organisation's history and inbox -------------------------
python3 "$ROOT/scripts/make-demo.py" "$T/demo" >/dev/null
cp "$ROOT/demo/replyguard.toml" "$T/base.toml" 2>/dev/null || printf '[org]\ndomains = ["sakura-shoji.example"]\n' > "$T/base.toml"
"$BIN" learn --no-progress --db "$T/history.db" --config "$T/base.toml" "$T/demo/mailbox" >/dev/null
"$BIN" scan --no-progress --db "$T/history.db" --config "$T/base.toml" --format jsonl "$T/demo/inbox" > "$T/expected.jsonl" || true

# --- a private Postfix (tests/support/loopback.sh) -------------------------------
postfix_private "$T" "smtpd_milters = inet:127.0.0.1:$MPORT"
postfix_listen "$T" "$SPORT"
PC=(postconf -c "$T/etc")
POSTFIX_UP=1
postfix -c "$T/etc" start >/dev/null 2>&1 || { echo "FAIL: postfix did not start"; exit 1; }

start_milter() {  # $1: config file, $2: log name, $3: socket (default inet on MPORT)
  local spec=${3:-inet:$MPORT@127.0.0.1}
  # umask: Postfix's smtpd (user postfix) must be able to write to a unix socket
  ( umask 000; exec "$BIN" milter --config "$1" --db "$T/history.db" --socket "$spec" 2> "$T/$2.log" ) &
  MILTER_PID=$!
  case "$spec" in
    unix:*)
      for _ in $(seq 100); do
        [ -S "${spec#unix:}" ] && return 0
        kill -0 "$MILTER_PID" 2>/dev/null || break
        sleep 0.1
      done ;;
    *) wait_port "$MPORT" "$MILTER_PID" && return 0 ;;
  esac
  kill -0 "$MILTER_PID" 2>/dev/null || { echo "milter exited"; cat "$T/$2.log"; return 1; }
  echo "milter did not listen"; return 1
}

wait_port "$SPORT" || true

CHECK="$T/check.py"
cat > "$CHECK" <<'PY'
import email, email.header, email.policy, json, os, smtplib, sqlite3, subprocess, sys, time, glob

T, SPORT, PHASE = sys.argv[1], int(sys.argv[2]), sys.argv[3]
PREFIX = "[要注意]"
inbox = os.path.join(T, "demo", "inbox")
expected = {}
for line in open(os.path.join(T, "expected.jsonl"), encoding="utf-8"):
    r = json.loads(line)
    expected[os.path.basename(r["source"])] = r
fails = []

def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        fails.append(what)

def send(raw, mail_from="info@partner.example"):
    """Send raw bytes; returns (code, message) of the final reply."""
    s = smtplib.SMTP("127.0.0.1", SPORT, timeout=120)
    try:
        s.sendmail(mail_from, ["sato@sakura-shoji.example"], raw)
        return 250, ""
    except smtplib.SMTPDataError as e:
        return e.smtp_code, e.smtp_error.decode("utf-8", "replace")
    except smtplib.SMTPRecipientsRefused as e:
        code, msg = list(e.recipients.values())[0]
        return code, msg.decode("utf-8", "replace")
    finally:
        try:
            s.quit()
        except Exception:
            pass

def delivered(msgid, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        for p in glob.glob(os.path.join(T, "mail", "sato", "new", "*")):
            data = open(p, "rb").read()
            m = email.message_from_bytes(data)
            if (m.get("Message-ID") or "").strip() == msgid:
                return data
        time.sleep(0.2)
    return None

def split(raw):
    raw = raw.replace(b"\r\n", b"\n")
    i = raw.find(b"\n\n")
    return raw[:i + 1], raw[i + 2:]

def header_lines(block):
    out = []
    for line in block.split(b"\n"):
        if not line:
            continue
        if line[:1] in (b" ", b"\t") and out:
            out[-1] += b"\n" + line
        else:
            out.append(line)
    return out

def dec(v):
    return str(email.header.make_header(email.header.decode_header(v)))

def text_of(m):
    for part in m.walk():
        if part.get_content_type() == "text/plain" and part.get_content_disposition() != "attachment":
            return part.get_payload(decode=True).decode(part.get_content_charset() or "us-ascii")
    return None

def postqueue():
    return subprocess.run(["postqueue", "-c", os.path.join(T, "etc"), "-p"], capture_output=True, text=True).stdout

files = sorted(expected)
verdicts = {expected[f]["verdict"] for f in files}

if PHASE == "1":
    check("clean" in verdicts and (verdicts & {"suspicious", "malicious"}) != set(),
          f"demo inbox has clean and non-clean mail per scan ({sorted(verdicts)})")
    for f in files:
        exp = expected[f]
        raw = open(os.path.join(inbox, f), "rb").read()
        msgid = email.message_from_bytes(raw).get("Message-ID").strip()
        code, text = send(raw)
        v = exp["verdict"]
        if v == "malicious":
            check(code == 550 and "5.7.1" in text, f"{f}: malicious -> rejected 550 5.7.1 (got {code} {text!r})")
            continue
        check(code == 250, f"{f}: {v} -> accepted (got {code} {text!r})")
        got = delivered(msgid)
        check(got is not None, f"{f}: delivered")
        if got is None:
            continue
        m = email.message_from_bytes(got)
        check(m.get_all("X-Replyguard-Verdict") == [v], f"{f}: X-Replyguard-Verdict: {v} (got {m.get_all('X-Replyguard-Verdict')})")
        check(m.get("X-Replyguard-Score") == f"{exp['score']:.2f}", f"{f}: score header {m.get('X-Replyguard-Score')} == scan {exp['score']:.2f}")
        ids = [x["id"] for x in exp["findings"]]
        check(all(i in (m.get("X-Replyguard-Findings") or "") for i in ids), f"{f}: findings header names scan's findings {ids}")
        oh, ob = split(raw)
        gh, gb = split(got)
        if v == "clean":
            check(gb == ob, f"{f}: clean body byte-identical")
            orig = header_lines(oh)
            got_lines = header_lines(gh)
            added = [l for l in got_lines if l not in orig]
            allowed = (b"Return-Path:", b"Delivered-To:", b"X-Original-To:", b"Received:", b"X-Replyguard-")
            check(all(l.startswith(allowed) for l in added), f"{f}: only trace and X-Replyguard headers added ({[l[:30] for l in added if not l.startswith(allowed)]})")
            # Postfix itself replaces Return-Path (the envelope sender) at delivery.
            kept = [l for l in orig if not l.startswith(b"Return-Path:")]
            check([l for l in got_lines if l in kept] == kept, f"{f}: original headers unchanged and in order ({[l[:40] for l in kept if l not in got_lines]} missing)")
        else:
            subj = dec(m["Subject"])
            osubj = dec(email.message_from_bytes(raw)["Subject"])
            check(subj == PREFIX + " " + osubj, f"{f}: subject tagged: {subj!r}")
            t = text_of(m)
            check(m.get("X-Replyguard-Banner") is not None or (t is not None and t.startswith("【注意】")),
                  f"{f}: banner inserted or its skip stated")

elif PHASE == "2":
    mal = [f for f in files if expected[f]["verdict"] == "malicious"]
    check(len(mal) > 0, f"demo inbox has malicious mail per scan ({len(mal)})")
    ids = {}
    for f in mal:
        raw = open(os.path.join(inbox, f), "rb").read()
        # A forged verdict from outside must not survive.
        raw = b"X-Replyguard-Verdict: clean\r\nX-REPLYGUARD-SCORE: 0.00\r\n" + raw
        ids[f] = email.message_from_bytes(raw).get("Message-ID").strip()
        code, text = send(raw)
        check(code == 250, f"{f}: malicious -> accepted for quarantine (got {code} {text!r})")
    time.sleep(1)
    q = postqueue()
    held = [l for l in q.splitlines() if l[:1].isalnum() and "!" in l.split()[0]]
    check(len(held) == len(mal), f"{len(mal)} message(s) on hold per postqueue -p ({len(held)} held)")
    subprocess.run(["postsuper", "-c", os.path.join(T, "etc"), "-H", "ALL"], capture_output=True)
    subprocess.run(["postqueue", "-c", os.path.join(T, "etc"), "-f"], capture_output=True)
    for f in mal:
        got = delivered(ids[f])
        check(got is not None, f"{f}: released from hold and delivered")
        if got is None:
            continue
        m = email.message_from_bytes(got)
        orig = email.message_from_bytes(open(os.path.join(inbox, f), "rb").read())
        check(m.get_all("X-Replyguard-Verdict") == ["malicious"], f"{f}: forged verdict removed, ours added ({m.get_all('X-Replyguard-Verdict')})")
        check(len(m.get_all("X-Replyguard-Score") or []) == 1, f"{f}: one X-Replyguard-Score")
        osubj = dec(orig["Subject"])
        check(dec(m["Subject"]) == PREFIX + " " + osubj, f"{f}: subject {dec(m['Subject'])!r}")
        check(all(ord(c) < 128 for c in m["Subject"]), f"{f}: subject header is RFC 2047-encoded ASCII")
        t, ot = text_of(m), text_of(orig)
        if m.get("X-Replyguard-Banner"):
            check(False, f"{f}: banner skipped: {m.get('X-Replyguard-Banner')}")
        else:
            check(t is not None and t.startswith("【注意】") and "WARNING: replyguard" in t, f"{f}: banner in Japanese and English at the top")
            check(t is not None and ot is not None and ot.replace("\r\n", "\n").strip() in t.replace("\r\n", "\n"), f"{f}: original text kept intact after the banner")
        oatt = [p.get_payload(decode=True) for p in orig.walk() if p.get_content_disposition() == "attachment"]
        gatt = [p.get_payload(decode=True) for p in m.walk() if p.get_content_disposition() == "attachment"]
        check(oatt == gatt, f"{f}: attachments unchanged ({len(gatt)})")

elif PHASE == "3":
    f = next(f for f in files if expected[f]["verdict"] == "clean")
    raw = open(os.path.join(inbox, f), "rb").read().replace(b"Message-ID: <", b"Message-ID: <p3.", 1)
    code, text = send(raw)
    check(code == 451 and "4.7.1" in text, f"{f}: analysis over the time limit -> default action tempfail 451 4.7.1 (got {code} {text!r})")

elif PHASE == "4":
    db = os.path.join(T, "history.db")
    def count():
        c = sqlite3.connect(db)
        try:
            return c.execute("SELECT COUNT(*) FROM messages").fetchone()[0]
        finally:
            c.close()
    before = count()
    f = next(f for f in files if expected[f]["verdict"] == "clean")
    raw = open(os.path.join(inbox, f), "rb").read().replace(b"Message-ID: <", b"Message-ID: <p4.", 1)
    code, text = send(raw)
    check(code == 250, f"{f}: accepted")
    msgid = email.message_from_bytes(raw).get("Message-ID").strip()
    check(delivered(msgid) is not None, f"{f}: delivered")
    # The milter learns after its answer: wait for the write (up to 30 s on a loaded
    # machine; the count is what is checked, not how soon).
    deadline = time.time() + 30
    after = count()
    while after < before + 1 and time.time() < deadline:
        time.sleep(0.2)
        after = count()
    check(after == before + 1, f"clean delivered mail learnt: messages {before} -> {after}")

elif PHASE.startswith("7"):
    # 7hold / 7tempfail: the reply carrying repeated-entity OOXML, its analysis cut
    # short by limits.archive_bytes.
    raw = open(os.path.join(T, "hostile-limit.eml"), "rb").read().replace(b"Message-ID: <", f"Message-ID: <{PHASE}.".encode(), 1)
    exp = json.loads(open(os.path.join(T, "hostile-limit.jsonl")).readline())
    check(exp["incomplete"] and exp["verdict"] != "malicious",
          f"scan: the analysis is cut short ({[h['id'] for h in exp.get('limits_hit', [])]}), verdict {exp['verdict']}")
    code, text = send(raw)
    if PHASE == "7tempfail":
        check(code == 451 and "4.7.1" in text, f"incomplete analysis, on_incomplete = tempfail -> 451 4.7.1 (got {code} {text!r})")
    else:
        check(code == 250, f"incomplete analysis -> accepted for quarantine (got {code} {text!r})")
        time.sleep(1)
        held = [l for l in postqueue().splitlines() if l[:1].isalnum() and "!" in l.split()[0]]
        msgid = email.message_from_bytes(raw).get("Message-ID").strip()
        check(len(held) == 1 and delivered(msgid, timeout=2) is None,
              f"incomplete analysis -> held, not delivered (on_incomplete default hold; {len(held)} held)")
        subprocess.run(["postsuper", "-c", os.path.join(T, "etc"), "-H", "ALL"], capture_output=True)
        subprocess.run(["postqueue", "-c", os.path.join(T, "etc"), "-f"], capture_output=True)
        got = delivered(msgid)
        check(got is not None, "released from hold and delivered")
        if got is not None:
            m = email.message_from_bytes(got)
            check(m.get_all("X-Replyguard-Verdict") == [exp["verdict"]],
                  f"X-Replyguard-Verdict stays scan's verdict {exp['verdict']} ({m.get_all('X-Replyguard-Verdict')})")
            inc = m.get("X-Replyguard-Incomplete") or ""
            check("ANALYSIS_LIMIT" in inc, f"X-Replyguard-Incomplete names the limit ({inc!r})")

elif PHASE == "8":
    raw = open(os.path.join(T, "hostile-time.eml"), "rb").read().replace(b"Message-ID: <", b"Message-ID: <p8.", 1)
    t0 = time.time()
    code, text = send(raw)
    # On a loaded machine the verdict of what was found may come after the milter's
    # timeout: then the timed-out state's action (on_incomplete = hold) applies. Either
    # is right; accepted and delivered is not.
    took = time.time() - t0
    if code == 250:
        time.sleep(1)
        held = [l for l in postqueue().splitlines() if l[:1].isalnum() and "!" in l.split()[0]]
        msgid = email.message_from_bytes(raw).get("Message-ID").strip()
        check(len(held) == 1 and delivered(msgid, timeout=2) is None,
              f"hijack whose analysis outlasts its deadline -> held (late verdict), not delivered ({len(held)} held, {took:.1f} s)")
        subprocess.run(["postsuper", "-c", os.path.join(T, "etc"), "-d", "ALL"], capture_output=True)
    else:
        check(code == 550 and "5.7.1" in text,
              f"hijack whose analysis outlasts its deadline -> rejected on what was found, not accepted unchecked "
              f"(got {code} {text!r} after {took:.1f} s)")

elif PHASE == "5":
    f = next(f for f in files if expected[f]["verdict"] == "clean")
    raw = open(os.path.join(inbox, f), "rb").read().replace(b"Message-ID: <", b"Message-ID: <p5.", 1)
    code, text = send(raw)
    check(code == 250, f"{f}: accepted through the unix socket (got {code} {text!r})")
    got = delivered(email.message_from_bytes(raw).get("Message-ID").strip())
    check(got is not None and email.message_from_bytes(got).get("X-Replyguard-Verdict") == "clean",
          f"{f}: delivered with X-Replyguard-Verdict: clean")

elif PHASE.startswith("6"):
    # 6up: accepted with a verdict; 6down: the store is gone -> default action tempfail.
    f = next(f for f in files if expected[f]["verdict"] == "clean")
    raw = open(os.path.join(inbox, f), "rb").read().replace(b"Message-ID: <", f"Message-ID: <{PHASE}.{time.time()}.".encode(), 1)
    code, text = send(raw)
    if PHASE == "6down":
        check(code == 451 and "4.7.1" in text, f"{f}: Redis history down -> default action tempfail (got {code} {text!r})")
    else:
        check(code == 250, f"{f}: accepted with the Redis history (got {code} {text!r})")
        got = delivered(email.message_from_bytes(raw).get("Message-ID").strip())
        check(got is not None and email.message_from_bytes(got).get("X-Replyguard-Verdict") is not None,
              f"{f}: delivered with a verdict header")

print(f"phase {PHASE}: {len(fails)} failure(s)")
sys.exit(1 if fails else 0)
PY

rc=0
# Phase 1: default actions, no learning (so scan's verdicts stay the reference).
printf '[milter]\nlearn = false\n' | cat "$T/base.toml" - > "$T/p1.toml"
start_milter "$T/p1.toml" milter1
python3 "$CHECK" "$T" "$SPORT" 1 || rc=1
stop_milter
# The analysis threads, one a core, were warmed before the first connection was
# accepted (apps/cli/milter_warm.cpp): the line comes before "listening on".
nwarm=$(nproc); ((nwarm > 16)) && nwarm=16
wl=$(grep -En "warmed $nwarm analysis thread\(s\) in [0-9]+ ms" "$T/milter1.log" | head -1 | cut -d: -f1)
ll=$(grep -n "listening on" "$T/milter1.log" | head -1 | cut -d: -f1)
if [ -n "$wl" ] && [ -n "$ll" ] && [ "$wl" -lt "$ll" ]; then
  echo "ok   $nwarm analysis thread(s) warmed before the milter accepted a connection"
else
  echo "FAIL no warm-up of $nwarm thread(s) before 'listening on'"; grep -v '^$' "$T/milter1.log" | head -5; rc=1
fi

# Phase 2: malicious mail is tagged, bannered and held.
printf '[milter]\nlearn = false\n[milter.actions]\nmalicious = ["headers", "subject", "banner", "quarantine"]\n' | cat "$T/base.toml" - > "$T/p2.toml"
start_milter "$T/p2.toml" milter2
python3 "$CHECK" "$T" "$SPORT" 2 || rc=1
stop_milter

# Phase 3: the per-message time limit gives on_incomplete, logged with the queue id.
printf '[milter]\nlearn = false\ntimeout = 0.000001\non_incomplete = "tempfail"\n' | cat "$T/base.toml" - > "$T/p3.toml"
start_milter "$T/p3.toml" milter3
python3 "$CHECK" "$T" "$SPORT" 3 || rc=1
stop_milter
if grep -Eq 'replyguard milter: [0-9A-F]+: analysis took longer than .* on_incomplete tempfail' "$T/milter3.log"; then
  echo "ok   timeout logged with the queue id"
else
  echo "FAIL timeout not logged with a queue id"; cat "$T/milter3.log"; rc=1
fi

# Phase 4: clean delivered mail teaches the history.
printf '[milter]\nlearn = true\n' | cat "$T/base.toml" - > "$T/p4.toml"
start_milter "$T/p4.toml" milter4
python3 "$CHECK" "$T" "$SPORT" 4 || rc=1
stop_milter

# Phase 5: the same over a unix socket.
"${PC[@]}" -e "smtpd_milters = unix:$T/milter.sock"
postfix -c "$T/etc" reload >/dev/null 2>&1
start_milter "$T/p1.toml" milter5 "unix:$T/milter.sock"
sleep 1
python3 "$CHECK" "$T" "$SPORT" 5 || rc=1
stop_milter

# Phase 7: an analysis cut short by a limit is held (default) or tempfailed, never accepted.
python3 "$ROOT/tests/support/hostile_ooxml.py" "$T/demo/inbox/04-genuine-reply-en.eml" "$T/hostile-limit.eml" 2 10000000
printf '[milter]\nlearn = false\n[limits]\narchive_bytes = 1048576\n' | cat "$T/base.toml" - > "$T/p7.toml"
"$BIN" scan --no-progress --db "$T/history.db" --config "$T/p7.toml" --format jsonl "$T/hostile-limit.eml" > "$T/hostile-limit.jsonl" || true
rm -f "$T/milter.sock"; start_milter "$T/p7.toml" milter7 "unix:$T/milter.sock"
python3 "$CHECK" "$T" "$SPORT" 7hold || rc=1
stop_milter
printf '[milter]\nlearn = false\non_incomplete = "tempfail"\n[limits]\narchive_bytes = 1048576\n' | cat "$T/base.toml" - > "$T/p7t.toml"
rm -f "$T/milter.sock"; start_milter "$T/p7t.toml" milter7t "unix:$T/milter.sock"
python3 "$CHECK" "$T" "$SPORT" 7tempfail || rc=1
stop_milter

# Phase 8: an analysis longer than [milter] timeout (archive_bytes raised so the
# byte budget does not stop it first) stops itself at its deadline; the milter's
# CPU time stops growing after its answer. The deadline is limits.message_millis =
# 1000, under the one the milter derives from its timeout (3 s for timeout = 4;
# that derivation: tests/unit/milter/policy_test.cpp): the sixty documents are ~3 s
# of work on this machine on 2026-12-06 (the largest that fits Postfix's 10 MB
# message limit here), and with the derived 3 s deadline the analysis sometimes
# ended just before it and the line carried no incomplete= (a test of the
# machine's speed, not of the deadline).
python3 "$ROOT/tests/support/hostile_ooxml.py" "$T/demo/inbox/03-hijack-en-download-link.eml" "$T/hostile-time.eml" 60 13000000
printf '[milter]\nlearn = false\ntimeout = 4\n[limits]\narchive_bytes = 17179869184\nmessage_millis = 1000\n' | cat "$T/base.toml" - > "$T/p8.toml"
rm -f "$T/milter.sock"; start_milter "$T/p8.toml" milter8 "unix:$T/milter.sock"
python3 "$CHECK" "$T" "$SPORT" 8 || rc=1
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
sleep 1
c1=$(cpu_ticks "$MILTER_PID")
sleep 5
c2=$(cpu_ticks "$MILTER_PID")
hz=$(getconf CLK_TCK)
burnt=$(awk -v a="$c1" -v b="$c2" -v hz="$hz" 'BEGIN { printf "%.2f", (b - a) / hz }')
if awk -v x="$burnt" 'BEGIN { exit !(x < 0.25) }'; then
  echo "ok   the milter's CPU time stops growing after its answer (${burnt} s CPU from 1 s to 6 s after it)"
else
  echo "FAIL the analysis keeps burning CPU after the milter answered (${burnt} s CPU from 1 s to 6 s after it)"; rc=1
fi
stop_milter
grep -Eq 'incomplete=[A-Z_,]*ANALYSIS_TIMEOUT' "$T/milter8.log" \
  && echo "ok   the per-message line says the analysis was cut short (incomplete=...)" \
  || { echo "FAIL no incomplete= on the per-message line"; grep -v '^$' "$T/milter8.log" | tail -5; rc=1; }

# Phase 6: a Redis history that goes away and comes back (when redis-server is installed).
if command -v redis-server >/dev/null; then
  RPORT=$(free_port)
  start_redis() {
    redis-server --port "$RPORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$T" --loglevel warning > "$T/redis.log" 2>&1 &
    REDIS_PID=$!
    wait_port "$RPORT" "$REDIS_PID"
  }
  stop_redis() { kill "$REDIS_PID" 2>/dev/null; wait "$REDIS_PID" 2>/dev/null; REDIS_PID=""; }
  start_redis
  printf '[milter]\nlearn = true\ndefault_action = "tempfail"\ndb = "redis://127.0.0.1:%s/0"\n' "$RPORT" | cat "$T/base.toml" - > "$T/p6.toml"
  "$BIN" learn --no-progress --db "redis://127.0.0.1:$RPORT/0" --config "$T/base.toml" "$T/demo/mailbox" >/dev/null
  rm -f "$T/milter.sock"
  ( umask 000; exec "$BIN" milter --config "$T/p6.toml" --socket "unix:$T/milter.sock" 2> "$T/milter6.log" ) &
  MILTER_PID=$!
  for _ in $(seq 100); do [ -S "$T/milter.sock" ] && break; sleep 0.1; done
  python3 "$CHECK" "$T" "$SPORT" 6up || rc=1
  stop_redis
  python3 "$CHECK" "$T" "$SPORT" 6down || rc=1
  start_redis
  python3 "$CHECK" "$T" "$SPORT" 6up || rc=1   # reconnected by itself
  stop_milter
  stop_redis
  grep -Eq "replyguard milter: [0-9A-F]+: the history store failed during the analysis; default action tempfail" "$T/milter6.log" \
    && echo "ok   store outage logged with the queue id" || { echo "FAIL store outage not logged"; rc=1; }
else
  echo "SKIP phase 6: redis-server is not installed"
fi

exit $rc
