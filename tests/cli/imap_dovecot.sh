#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/cli/imap_dovecot.sh - learn imap:// and watch imaps:// against a real Dovecot on 127.0.0.1
#
#   imap_dovecot.sh BINARY CORPUS_DIR
#
# A private Dovecot (tests/support/dovecot.sh: own base_dir, passwd-file user,
# Maildir in a temp dir, self-signed certificate made here) holds the demo
# organisation's history: demo/mailbox's sent mail in Sent, its received mail
# in INBOX, corpus mailing-list mail in "Lists/notmuch" and Japanese corpus mail
# in "アーカイブ". Checks:
#   - learn over IMAPS (Sent + INBOX by default) and over imap:// (STARTTLS),
#     a folder named by --folder (also a Japanese name, modified UTF-7);
#     INBOX mail stays unread; a re-run fetches nothing new;
#   - clear errors: wrong password, unverified certificate, no such folder;
#   - watch: the demo's hijack delivered into INBOX is flagged and moved to
#     Quarantine, the genuine reply is left alone (unread, not flagged) and learnt;
#   - Dovecot stopped and started again while watch runs (mail delivered in
#     between), then only watch's connection killed: watch reconnects and
#     handles every message exactly once;
#   - learn after watch: the moved hijacks are not learnt, nothing is fetched twice.
# Needs root (Dovecot) and Debian dovecot-imapd; exit 77 (skipped) otherwise.
set -u
bin=$1
corpus=${2:-}
root=$(cd "$(dirname "$0")/../.." && pwd)
if [ "$(id -u)" != 0 ] || ! command -v dovecot >/dev/null || ! command -v doveadm >/dev/null || ! command -v curl >/dev/null; then
  echo "imap_dovecot: needs root, dovecot-imapd and curl; skipped"
  exit 77
fi
. "$root/tests/support/loopback.sh"
. "$root/tests/support/dovecot.sh"

tmp=$(mktemp -d)
chmod 711 "$tmp"  # Dovecot's auth process (user dovecot) reads the passwd-file below it
watch_pid=
cleanup() {
  [ -n "$watch_pid" ] && kill "$watch_pid" 2>/dev/null && wait "$watch_pid" 2>/dev/null
  dovecot_stop "$tmp/dc"
  rm -rf "$tmp"
}
trap cleanup EXIT
. "$(dirname "$0")/../support/checks.sh"  # check, py, checks_summary

user=sato@sakura-shoji.example
pass="pw-$RANDOM-$RANDOM"
dovecot_private "$tmp/dc" "$user" "$pass" || { echo "cannot set up Dovecot"; exit 1; }
dovecot_start "$tmp/dc" || { echo "Dovecot did not start"; cat "$tmp/dc/dovecot.log"; exit 1; }
printf '%s\n' "$pass" > "$tmp/pw"
chmod 600 "$tmp/pw"
ca=$tmp/dc/ca.pem
url="imaps://sato%40sakura-shoji.example@127.0.0.1:$IMAPS_PORT"
starttls_url="imap://sato%40sakura-shoji.example@127.0.0.1:$IMAP_PORT"
maildir=$tmp/dc/mail/$user/Maildir

# An independent IMAP client (curl's) for the assertions.
imapq() { curl -s -u "$user:$pass" --cacert "$ca" "imaps://127.0.0.1:$IMAPS_PORT/$1" -X "$2"; }
uid_of() {  # MAILBOX MESSAGE-ID -> UIDs found
  imapq "$1" "UID SEARCH HEADER Message-ID \"$2\"" | tr -d '\r' | sed -n 's/^\* SEARCH *//p'
}
flags_of() {  # MAILBOX UID -> flags
  imapq "$1" "UID FETCH $2 (FLAGS)" | tr -d '\r' | sed -n 's/.*FLAGS (\(.*\))).*/\1/p'
}
# Deliver into INBOX's Maildir directly (works while Dovecot is down), the Maildir way.
deliver_file() {
  local f=$1 name
  name="$(date +%s).$RANDOM$RANDOM.test"
  cp "$f" "$maildir/tmp/$name" && chown nobody:nogroup "$maildir/tmp/$name" && mv "$maildir/tmp/$name" "$maildir/new/$name"
}
wait_grep() {  # PATTERN FILE: wait (30 s) until FILE has a line matching PATTERN
  local _
  for _ in $(seq 300); do
    grep -q "$1" "$2" && return 0
    sleep 0.1
  done
  return 1
}
wait_lines() {  # FILE N: wait (30 s) until FILE has N lines
  local _
  for _ in $(seq 300); do
    [ "$(wc -l < "$1")" -ge "$2" ] && return 0
    sleep 0.1
  done
  return 1
}

# --- the mailbox: demo history, corpus folders -----------------------------
dovecot_save "$tmp/dc" "$user" Sent "$root"/demo/mailbox/*-sent.eml
dovecot_save "$tmp/dc" "$user" INBOX "$root"/demo/mailbox/*-received.eml
lists=0
if [ -d "$corpus/benign/mailing-lists/notmuch-list" ]; then
  doveadm -c "$tmp/dc/dovecot.conf" mailbox create -u "$user" "Lists/notmuch"
  mapfile -t lm < <(ls "$corpus"/benign/mailing-lists/notmuch-list/*.eml | head -20)
  dovecot_save "$tmp/dc" "$user" "Lists/notmuch" "${lm[@]}"
  lists=${#lm[@]}
fi
ja=0
if [ -d "$corpus/benign/japanese/spamassassin-cjk" ]; then
  doveadm -c "$tmp/dc/dovecot.conf" mailbox create -u "$user" "アーカイブ"
  mapfile -t jm < <(ls "$corpus"/benign/japanese/spamassassin-cjk/* | head -5)
  dovecot_save "$tmp/dc" "$user" "アーカイブ" "${jm[@]}"
  ja=${#jm[@]}
fi

# --- learn -------------------------------------------------------------------
"$bin" learn --db "$tmp/h.db" --org-domain sakura-shoji.example --password-file "$tmp/pw" --ca-file "$ca" \
  --no-progress "$url" 2>"$tmp/learn1.err"
check "learn exits 0" test $? -eq 0
check "learn reads Sent (3 new)" grep -q "/Sent: 3 new message(s) after UID 0" "$tmp/learn1.err"
check "learn reads INBOX (4 new)" grep -q "/INBOX: 4 new message(s) after UID 0" "$tmp/learn1.err"
check "learn stores the 7 demo messages (3 sent)" grep -q "learnt 7 message(s) (3 sent, 4 received" "$tmp/learn1.err"
a1=$(uid_of INBOX "<20260401091200.A1F3@fuji-kogyo.example>")
check "learn leaves INBOX mail unread" bash -c "! grep -q Seen <<< '$(flags_of INBOX "$a1")'"

"$bin" learn --db "$tmp/h.db" --org-domain sakura-shoji.example --password-file "$tmp/pw" --ca-file "$ca" \
  --no-progress "$url" 2>"$tmp/learn2.err"
check "learn re-run exits 0" test $? -eq 0
check "learn re-run fetches nothing (Sent)" grep -q "/Sent: 0 new message(s) after UID 3" "$tmp/learn2.err"
check "learn re-run fetches nothing (INBOX)" grep -q "/INBOX: 0 new message(s) after UID 4" "$tmp/learn2.err"
check "learn re-run learns nothing" grep -q "learnt 0 message(s).*0 already known" "$tmp/learn2.err"

# --marks keeps the read marks in a file of their own (as a redis:// history needs)
for run in 1 2; do
  "$bin" learn --db "$tmp/h2.db" --marks "$tmp/marks.db" --org-domain sakura-shoji.example --password-file "$tmp/pw" \
    --ca-file "$ca" --no-progress "$url/Sent" 2>"$tmp/marks$run.err"
done
check "--marks: the first run reads Sent, the second nothing" \
  bash -c "grep -q '/Sent: 3 new message(s) after UID 0' '$tmp/marks1.err' && grep -q '/Sent: 0 new message(s) after UID 3' '$tmp/marks2.err'"
check "--marks: the marks are in that file" \
  bash -c "python3 -c 'import sqlite3,sys; sys.exit(0 if sqlite3.connect(sys.argv[1]).execute(\"select count(*) from imap_state\").fetchone()[0] == 1 else 1)' '$tmp/marks.db'"

# imap:// is STARTTLS (another account key: read again, already known)
REPLYGUARD_IMAP_PASSWORD=$pass "$bin" learn --db "$tmp/h.db" --org-domain sakura-shoji.example --ca-file "$ca" \
  --no-progress "$starttls_url/INBOX" 2>"$tmp/learn3.err"
check "learn over STARTTLS with the password from the environment" grep -q "learnt 0 message(s).*4 already known" "$tmp/learn3.err"

if [ "$lists" -gt 0 ]; then
  "$bin" learn --db "$tmp/h.db" --password-file "$tmp/pw" --ca-file "$ca" --no-progress \
    --folder "Lists/notmuch" --folder "アーカイブ" "$url" 2>"$tmp/learn4.err"
  check "learn --folder exits 0" test $? -eq 0
  check "learn --folder Lists/notmuch reads the corpus mail" grep -q "/Lists/notmuch: $lists new message(s)" "$tmp/learn4.err"
  check "learn --folder アーカイブ (modified UTF-7) reads the Japanese mail" grep -q "/アーカイブ: $ja new message(s)" "$tmp/learn4.err"
fi

# --- clear errors ------------------------------------------------------------
printf 'wrong\n' > "$tmp/badpw"
"$bin" learn --db "$tmp/h.db" --password-file "$tmp/badpw" --ca-file "$ca" "$url" 2>"$tmp/e1.err"
check "wrong password: exit 2, says authentication failed" \
  bash -c "test $? -eq 2 && grep -q 'authentication failed' '$tmp/e1.err'"
"$bin" learn --db "$tmp/h.db" --password-file "$tmp/pw" "$url" 2>"$tmp/e2.err"
check "unverified certificate: exit 2, says TLS failure" bash -c "test $? -eq 2 && grep -q 'TLS failure' '$tmp/e2.err'"
"$bin" learn --db "$tmp/h.db" --password-file "$tmp/pw" --ca-file "$ca" "$url/NoSuchFolder" 2>"$tmp/e3.err"
check "no such folder: exit 2, names it" bash -c "test $? -eq 2 && grep -q \"no mailbox 'NoSuchFolder'\" '$tmp/e3.err'"
"$bin" watch --db "$tmp/h.db" --ca-file "$ca" "imaps://sato:$pass@127.0.0.1:$IMAPS_PORT" 2>"$tmp/e4.err"
check "a password in the URL is refused" bash -c "test $? -eq 2 && grep -q 'password in the URL is refused' '$tmp/e4.err'"

# --- watch ---------------------------------------------------------------------
"$bin" watch --db "$tmp/h.db" --config "$root/demo/replyguard.toml" --password-file "$tmp/pw" --ca-file "$ca" \
  --poll 1 --max-backoff 2 --format jsonl "$url" >"$tmp/watch.jsonl" 2>"$tmp/watch.err" &
watch_pid=$!
check "watch starts after the learnt INBOX mail" wait_grep "starting after UID 4" "$tmp/watch.err"

dovecot_save "$tmp/dc" "$user" INBOX "$root/demo/inbox/01-genuine-reply-ja.eml" "$root/demo/inbox/02-hijack-ja-password-zip.eml"
check "watch handles the two new messages" wait_lines "$tmp/watch.jsonl" 2

hijack=$(uid_of Quarantine "<8f2c1e0a9b7d4c3e@kagoshima-dental.example>")
check "the hijack was moved to Quarantine" test -n "$hijack"
check "the hijack is no longer in INBOX" test -z "$(uid_of INBOX "<8f2c1e0a9b7d4c3e@kagoshima-dental.example>")"
qflags=$(flags_of Quarantine "$hijack")
check "the quarantined hijack carries \\Flagged and \$Replyguard" bash -c "grep -q 'Flagged' <<< '$qflags' && grep -q 'Replyguard' <<< '$qflags'"
check "the quarantined hijack is still unread" bash -c "! grep -q Seen <<< '$qflags'"
genuine=$(uid_of INBOX "<20260408090000.F2A1@fuji-kogyo.example>")
check "the genuine reply stays in INBOX" test -n "$genuine"
gflags=$(flags_of INBOX "$genuine")
check "the genuine reply is neither flagged nor read" bash -c "! grep -qE 'Flagged|Replyguard|Seen' <<< '$gflags'"

# Dovecot goes away; one message arrives while it is down, one after it is back.
dovecot_stop "$tmp/dc"
deliver_file "$root/demo/inbox/03-hijack-en-download-link.eml"
check "watch notices the dropped server and retries" wait_grep "retrying in" "$tmp/watch.err"
dovecot_start "$tmp/dc" || { echo "Dovecot did not restart"; cat "$tmp/dc/dovecot.log"; }
dovecot_save "$tmp/dc" "$user" INBOX "$root/demo/inbox/04-genuine-reply-en.eml"
check "watch handles the mail of the outage and after it" wait_lines "$tmp/watch.jsonl" 4
check "watch reconnected" wait_grep "reconnected" "$tmp/watch.err"
# Mail sent meanwhile (a new Message-ID on a demo sent mail) is learnt by watch's Sent pass.
sed 's/^Message-ID: <000c01dcc3c4/Message-ID: <000d01dcc3c4/' "$root/demo/mailbox/2026-04-04-c1-sent.eml" > "$tmp/new-sent.eml"
dovecot_save "$tmp/dc" "$user" Sent "$tmp/new-sent.eml"
# Only the connection drops (its imap process is killed; the server stays up).
master=$(cat "$tmp/dc/run/master.pid")
for p in $(pgrep -P "$master" -x imap); do kill "$p"; done
dovecot_save "$tmp/dc" "$user" INBOX "$root/demo/inbox/05-newsletter.eml"
check "watch handles the mail after its connection was killed" wait_lines "$tmp/watch.jsonl" 5
sleep 2  # two more passes: nothing may be handled twice

kill -TERM "$watch_pid"
wait "$watch_pid"
check "watch stops on SIGTERM with exit 0" test $? -eq 0
watch_pid=

check "each message handled exactly once, with the right action" /usr/bin/python3 - "$tmp/watch.jsonl" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
ids = [r["message_id"] for r in recs]
want = {"20260408090000.F2A1@fuji-kogyo.example": ("clean", "learnt"),
        "8f2c1e0a9b7d4c3e@kagoshima-dental.example": ("malicious", "moved to Quarantine"),
        "20260413021700.77aa@hotel-bluesky.example": ("malicious", "moved to Quarantine"),
        "CAF=4471.b3@mail.global-parts.example": ("clean", "learnt"),
        "news-2026-04-09@expo-tokyo.example": ("clean", "learnt")}
norm = [i.strip("<>") for i in ids]
if sorted(norm) != sorted(want):
    sys.exit(f"handled {norm}, want each of {sorted(want)} once")
for r, i in zip(recs, norm):
    if (r["verdict"], r["action"]) != want[i]:
        sys.exit(f"{i}: {r['verdict']}/{r['action']}, want {want[i]}")
    if not r["source"].startswith("imaps://127.0.0.1:") or r["imap"]["mailbox"] != "INBOX":
        sys.exit(f"bad source/imap fields: {r['source']} {r['imap']}")
uids = [r["imap"]["uid"] for r in recs]
if uids != sorted(uids) or len(set(uids)) != 5:
    sys.exit(f"UIDs not handled once in order: {uids}")
PY
check "the second hijack is in Quarantine too" test -n "$(uid_of Quarantine "<20260413021700.77aa@hotel-bluesky.example>")"

"$bin" report --db "$tmp/h.db" --format json >"$tmp/report.json" 2>/dev/null
check "watch kept both hijacks for report" /usr/bin/python3 -c '
import json, sys
t = json.dumps(json.load(open(sys.argv[1])))
sys.exit(0 if "kagoshima-dental.example" in t and "hotel-bluesky.example" in t else 1)' "$tmp/report.json"

# watch --once: nothing new, nothing printed
"$bin" watch --db "$tmp/h.db" --config "$root/demo/replyguard.toml" --password-file "$tmp/pw" --ca-file "$ca" \
  --once --format jsonl "$url" >"$tmp/once.jsonl" 2>"$tmp/once.err"
check "watch --once with nothing new exits 0 and prints nothing" bash -c "test $? -eq 0 && test ! -s '$tmp/once.jsonl'"

# --- learn after watch ----------------------------------------------------------
"$bin" learn --db "$tmp/h.db" --org-domain sakura-shoji.example --password-file "$tmp/pw" --ca-file "$ca" \
  --no-progress "$url" 2>"$tmp/learn5.err"
check "learn after watch: only the three clean messages are new, all known from watch" \
  bash -c "grep -q '/INBOX: 3 new message(s) after UID 4' '$tmp/learn5.err' && grep -q 'learnt 0 message(s).*3 already known' '$tmp/learn5.err'"
"$bin" learn --db "$tmp/h.db" --org-domain sakura-shoji.example --password-file "$tmp/pw" --ca-file "$ca" \
  --no-progress "$url" 2>"$tmp/learn6.err"
check "watch learnt the new sent mail (learn finds nothing new in Sent)" grep -q "/Sent: 0 new message(s) after UID 4" "$tmp/learn5.err"
check "learn again fetches nothing new" bash -c "grep -q '/INBOX: 0 new message(s)' '$tmp/learn6.err' && grep -q '/Sent: 0 new message(s)' '$tmp/learn6.err'"
"$bin" scan --db "$tmp/h.db" --config "$root/demo/replyguard.toml" --format jsonl "$root/demo/inbox/02-hijack-ja-password-zip.eml" >"$tmp/scan.jsonl"
check "the hijack was never learnt: still malicious" grep -q '"verdict":"malicious"' "$tmp/scan.jsonl"

if [ "$fails" -ne 0 ] || [ -n "${IMAP_TEST_VERBOSE:-}" ]; then
  echo "--- learn1.err"; cat "$tmp/learn1.err"; echo "--- watch.err"; cat "$tmp/watch.err"
  echo "--- watch.jsonl (verdicts)"; python3 -c 'import json,sys; [print(r["message_id"], r["verdict"], r["action"], r["imap"]) for r in map(json.loads, open(sys.argv[1]))]' "$tmp/watch.jsonl"
  echo "--- dovecot.log (tail)"; tail -20 "$tmp/dc/dovecot.log"
fi
checks_summary "imap_dovecot"
