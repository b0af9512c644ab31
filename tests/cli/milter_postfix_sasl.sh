#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/cli/milter_postfix_sasl.sh - {auth_authen} from a real Postfix with SASL
#
#   bash tests/cli/milter_postfix_sasl.sh BINARY [CORPUS_DIR]
#
# milter_outbound.sh feeds {auth_authen} through a scripted MTA; here it comes
# from Postfix itself. A private Postfix (config, queue and mailboxes under a
# temp dir; smtpd on 127.0.0.1:<free port> only; every non-local transport is
# `discard:` (accepted, then dropped: the milter has seen it; nothing reaches
# the network)) with Cyrus SASL (sasldb in the
# temp config directory, written by saslpasswd2 -f; smtpd.conf in its sasl/,
# where Debian's Postfix looks) and `replyguard milter` as its smtpd milter.
# smtplib logs in with AUTH PLAIN. Checks:
#   - a wrong password is refused (535), the right one accepted;
#   - an authenticated submission's log line carries auth=<user>; an
#     unauthenticated one's does not;
#   - the outbound tracker sees the account (Postfix passes the login with
#     its realm, sato@sakura-shoji.example): with max_unknown_replies = 2 the
#     2nd reply-prefixed mail with a link to strangers is held (postqueue -p
#     shows '!'), logged OUTBOUND_ACCOUNT_ABUSE with the account; the same mail
#     without AUTH is neither held nor an outbound event.
# Exit 77 (skipped) when Postfix or saslpasswd2 (sasl2-bin) is missing, Postfix
# has no Cyrus SASL, or we are not root.
set -euo pipefail

BIN=$(realpath "$1")

command -v postfix >/dev/null && command -v postconf >/dev/null || { echo "SKIP: Postfix is not installed (scripts/packages/milter.txt)"; exit 77; }
command -v saslpasswd2 >/dev/null || { echo "SKIP: saslpasswd2 is not installed (sasl2-bin, scripts/packages/milter.txt)"; exit 77; }
postconf -a 2>/dev/null | grep -qx cyrus || { echo "SKIP: this Postfix has no Cyrus SASL"; exit 77; }
[ "$(id -u)" = 0 ] || { echo "SKIP: starting a private Postfix needs root"; exit 77; }
id nobody >/dev/null 2>&1 && id postfix >/dev/null 2>&1 || { echo "SKIP: users nobody/postfix missing"; exit 77; }

. "$(cd "$(dirname "$0")" && pwd)/../support/loopback.sh"
T=$(mktemp -d /tmp/rg-sasl.XXXXXX)
chmod 755 "$T"
MILTER_PID=""
POSTFIX_UP=0
cleanup() {
  rc=$?
  set +e
  if [ -n "$MILTER_PID" ]; then kill "$MILTER_PID" 2>/dev/null; wait "$MILTER_PID" 2>/dev/null; fi
  [ "$POSTFIX_UP" = 1 ] && postfix_stop "$T"
  if [ "$rc" != 0 ]; then
    echo "---- milter log"; tail -30 "$T/milter.log" 2>/dev/null
    echo "---- postfix log"; tail -30 "$T/maillog" 2>/dev/null
  fi
  rm -rf "$T"
  exit "$rc"
}
trap cleanup EXIT INT TERM

SPORT=$(free_port)
MPORT=$(free_port)
while [ "$MPORT" = "$SPORT" ]; do MPORT=$(free_port); done

mkdir -p "$T/etc"
# --- SASL: a private sasldb and smtpd.conf --------------------------------------
# Debian's Postfix reads <config_directory>/sasl/<smtpd_sasl_path>.conf (its
# patch puts the Cyrus config path there), so that is where smtpd.conf goes.
mkdir -p "$T/etc/sasl"
printf 'pwcheck_method: auxprop\nauxprop_plugin: sasldb\nmech_list: PLAIN LOGIN\nsasldb_path: %s\n' "$T/etc/sasl/sasldb2" > "$T/etc/sasl/smtpd.conf"
# A user in the realm Postfix passes (smtpd_sasl_local_domain below).
printf 'correct-horse-battery\n' | saslpasswd2 -f "$T/etc/sasl/sasldb2" -p -c -u sakura-shoji.example sato
chown root:postfix "$T/etc/sasl/sasldb2"
chmod 640 "$T/etc/sasl/sasldb2"

# --- a private Postfix (tests/support/loopback.sh), with SASL -------------------
# Only 127.0.0.1 is "mynetworks"; mail to strangers is discarded, not refused
# (error: would reject the recipient at RCPT time, before the milter sees it).
postfix_private "$T" "mynetworks = 127.0.0.1/32" \
  "default_transport = discard:nothing leaves this test" "relay_transport = discard:nothing leaves this test" \
  "smtpd_sasl_auth_enable = yes" "smtpd_sasl_type = cyrus" "smtpd_sasl_path = smtpd" \
  "cyrus_sasl_config_path = $T/etc/sasl" "smtpd_sasl_local_domain = sakura-shoji.example" \
  "smtpd_sasl_security_options = noanonymous" "smtpd_tls_auth_only = no" \
  "smtpd_relay_restrictions = permit_sasl_authenticated, permit_mynetworks, reject_unauth_destination" \
  "smtpd_milters = inet:127.0.0.1:$MPORT"
postfix_listen "$T" "$SPORT"

cat > "$T/milter.toml" <<'EOF'
[org]
domains = ["sakura-shoji.example"]
[milter]
learn = true
[milter.outbound]
max_unknown_replies = 2
window = 3600
response = "hold"
EOF
"$BIN" milter --config "$T/milter.toml" --db "$T/history.db" --socket "inet:$MPORT@127.0.0.1" 2> "$T/milter.log" &
MILTER_PID=$!
wait_port "$MPORT" "$MILTER_PID" || { echo "FAIL: milter exited or did not listen"; exit 1; }

POSTFIX_UP=1
postfix -c "$T/etc" start >/dev/null 2>&1 || { echo "FAIL: postfix did not start"; exit 1; }
wait_port "$SPORT" || true

python3 - "$T" "$SPORT" <<'PY'
import os, re, smtplib, subprocess, sys, time
from email.message import EmailMessage
from email.utils import make_msgid

T, SPORT = sys.argv[1], int(sys.argv[2])
fails = []
def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        fails.append(what)

def mail(to, subject, body):
    m = EmailMessage()
    m["From"] = "佐藤 花子 <sato@sakura-shoji.example>"
    m["To"] = to
    m["Subject"] = subject
    m["Message-ID"] = make_msgid(domain="sakura-shoji.example")
    m["Date"] = "Mon, 13 Apr 2026 09:00:00 +0900"
    m.set_content(body)
    return m

def submit(m, rcpt, login=None):
    """Returns (code, queue id or error text)."""
    s = smtplib.SMTP("127.0.0.1", SPORT, timeout=120)
    try:
        s.ehlo("client.sakura-shoji.example")
        if login:
            s.login(*login)
        s.send_message(m, from_addr="sato@sakura-shoji.example", to_addrs=[rcpt])
        return 250, ""
    except smtplib.SMTPAuthenticationError as e:
        return e.smtp_code, e.smtp_error.decode("utf-8", "replace")
    except smtplib.SMTPRecipientsRefused as e:
        code, msg = list(e.recipients.values())[0]
        return code, msg.decode("utf-8", "replace")
    except smtplib.SMTPResponseException as e:
        return e.smtp_code, e.smtp_error.decode("utf-8", "replace")
    finally:
        try:
            s.quit()
        except Exception:
            pass

def summary(msgid, timeout=20):
    """The milter's log line for the message with this Message-ID (via Postfix's queue id)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        qid = None
        for line in open(os.path.join(T, "maillog"), errors="replace"):
            m = re.search(r"postfix/cleanup\[\d+\]: ([0-9A-F]+): message-id=" + re.escape(msgid), line)
            if m:
                qid = m.group(1)
        if qid:
            for line in open(os.path.join(T, "milter.log"), errors="replace"):
                if f"replyguard milter: {qid}: verdict=" in line:
                    return qid, line.rstrip("\n")
        time.sleep(0.2)
    return None, None

def held():
    q = subprocess.run(["postqueue", "-c", os.path.join(T, "etc"), "-p"], capture_output=True, text=True).stdout
    return re.findall(r"^([0-9A-F]+)!", q, re.M)

good = ("sato", "correct-horse-battery")
code, text = submit(mail("yamada@fuji-kogyo.example", "test", "x\n"), "yamada@fuji-kogyo.example", ("sato", "wrong"))
check(code == 535, f"a wrong password is refused ({code} {text!r})")

m = mail("yamada@fuji-kogyo.example", "お打ち合わせの日程", "来週の件、よろしくお願いします。\n")
code, text = submit(m, "yamada@fuji-kogyo.example", good)
check(code == 250, f"AUTH PLAIN as sato and submission accepted ({code} {text!r})")
qid, line = summary(m["Message-ID"])
check(line is not None and re.search(r" auth=sato(@sakura-shoji\.example)?( |$)", line) is not None,
      f"the milter's log line carries auth=<user>: {line!r}")
user = re.search(r" auth=(\S+)", line).group(1) if line and " auth=" in line else "sato"

payload = "ご確認ください。\nhttps://files.unrelated.example/doc/invoice.docm\n"
m1 = mail("a@stranger-one.example", "Re: 請求書の件", payload)
code, _ = submit(m1, "a@stranger-one.example", good)
q1, l1 = summary(m1["Message-ID"])
# (Its own verdict may reject it - a Re: without references, with a link - but it counts.)
check(l1 is not None and " auth=" in l1 and "OUTBOUND_ACCOUNT_ABUSE" not in l1 and q1 not in held(),
      f"1st reply with a link to a stranger: analysed as {user}'s, not flagged, not held ({code}; {l1!r})")
m2 = mail("b@stranger-two.example", "RE: お見積りの件", payload)
code, _ = submit(m2, "b@stranger-two.example", good)
q2, l2 = summary(m2["Message-ID"])
log = open(os.path.join(T, "milter.log"), errors="replace").read()
check(q2 is not None and f"{q2}: OUTBOUND_ACCOUNT_ABUSE: our account {user} may be abused" in log,
      f"2nd one: OUTBOUND_ACCOUNT_ABUSE logged for {user} with queue id {q2}")
check(q2 in held(), f"2nd one held by Postfix (postqueue -p shows {q2}!: {held()})")

# The same mail unauthenticated (to our own domain, so Postfix takes it): not an outbound event.
m3 = mail("sato@sakura-shoji.example", "Re: 請求書の件", payload)
code, _ = submit(m3, "sato@sakura-shoji.example")
q3, l3 = summary(m3["Message-ID"])
check(l3 is not None and " auth=" not in l3 and "OUTBOUND_ACCOUNT_ABUSE" not in l3 and q3 not in held(),
      f"without AUTH: no auth= in the log line, no outbound event, not held ({code}; {l3!r})")

sys.exit(1 if fails else 0)
PY
