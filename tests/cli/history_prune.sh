#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/cli/history_prune.sh - `replyguard history prune|stats` and [history.retention]
#
#   history_prune.sh BINARY [CORPUS_DIR]
#
# Learns threads dated 2014 (dead), 2017 answered in November 2026 (alive), and
# last month; then, as of 2026-12-01: the dry run counts, writes nothing (the
# file's bytes are the same), and its counts are what the real prune removes;
# stats follow; a second prune removes nothing; [history.retention] from --config
# is obeyed (message_days = 0 keeps every message); check-config names the line
# of a negative or fractional number of days; a missing file, a bad --now and a
# bad ACTION are exit status 2.
set -u
bin=$1
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/tests/support/checks.sh"
tmp=$(mktemp -d)
[ -n "${KEEP:-}" ] || trap 'rm -rf "$tmp"' EXIT; [ -n "${KEEP:-}" ] && echo "kept $tmp"

/usr/bin/python3 - "$tmp/mail" <<'PY'
import os, sys
out = sys.argv[1]; os.makedirs(out)
def mail(name, mid, date, frm, to, subject, text, reply_to=None):
    h = [f"From: {frm}", f"To: {to}", f"Subject: {subject}", f"Date: {date}", f"Message-ID: <{mid}>",
         "MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8"]
    if reply_to: h += [f"In-Reply-To: <{reply_to}>", f"References: <{reply_to}>"]
    open(f"{out}/{name}.eml", "w").write("\r\n".join(h) + "\r\n\r\n" + text + "\r\n")
old = "Sato Hanako <sato@old-partner.example>"; me = "Suzuki Ichiro <suzuki@ours.example>"
kept = "Tanaka Taro <tanaka@partner.example>"
mail("a1", "a1@old-partner.example", "Mon, 3 Mar 2014 10:00:00 +0900", old, me, "Old order 2014",
     "Please find the order for March. The delivery schedule follows the usual plan for the spring season.")
mail("a2", "a2@ours.example", "Tue, 4 Mar 2014 10:00:00 +0900", me, old, "Re: Old order 2014",
     "Thank you, we confirm the March order and the delivery schedule.\n\n> Please find the order for March.",
     reply_to="a1@old-partner.example")
mail("b1", "b1@partner.example", "Wed, 5 Apr 2017 10:00:00 +0900", kept, me, "Drawing revision",
     "The drawing revision C is attached to our portal. Please check the tolerance of part seven.")
mail("b2", "b2@ours.example", "Mon, 16 Nov 2026 10:00:00 +0900", me, kept, "Re: Drawing revision",
     "We checked revision C again this month; part seven is fine.\n\n> The drawing revision C is attached.",
     reply_to="b1@partner.example")
mail("c1", "c1@partner.example", "Tue, 17 Nov 2026 09:00:00 +0900", kept, me, "Invoice November",
     "The invoice for November will be sent by post this week. Kind regards.")
PY

db=$tmp/h.db
"$bin" learn --db "$db" --org-domain ours.example --no-progress "$tmp/mail" 2>"$tmp/learn.err"
check "learn the five mails" grep -q "learnt 5 message" "$tmp/learn.err"
"$bin" history stats --db "$db" >"$tmp/stats0"; rc=$?
check "stats exit 0" test $rc = 0
check "stats counts 5 messages" grep -qx "messages 5" "$tmp/stats0"
check "stats counts 3 threads" grep -qx "threads 3" "$tmp/stats0"
check "stats prints the size" grep -qE "^store size: [0-9]+ bytes \(file\), [0-9]+ bytes in use$" "$tmp/stats0"

# Dry run: counts, writes nothing.
sum_before=$(cat "$db" "$db-wal" 2>/dev/null | sha256sum)
"$bin" history prune --db "$db" --now 2026-12-01 --dry-run >"$tmp/dry"; rc=$?
check "dry run exit 0" test $rc = 0
check "dry run says so" grep -q "dry run: nothing removed" "$tmp/dry"
check "dry run: the 2014 thread's two messages" grep -qx "would remove messages 2" "$tmp/dry"
check "dry run: one thread" grep -qx "would remove threads 1" "$tmp/dry"
check "dry run: the default policy" grep -qx "kept: fingerprints 400 days, messages 1825 days, correspondents 3650 days" "$tmp/dry"
check "dry run: the 2014 correspondent" grep -qx "would remove correspondents 1" "$tmp/dry"
check "dry run wrote nothing" test "$(cat "$db" "$db-wal" 2>/dev/null | sha256sum)" = "$sum_before"

"$bin" history prune --db "$db" --now 2026-12-01 >"$tmp/real"; rc=$?
check "prune exit 0" test $rc = 0
for kind in fingerprints messages threads correspondents profiles; do
  d=$(sed -n "s/^would remove $kind //p" "$tmp/dry"); r=$(sed -n "s/^removed $kind //p" "$tmp/real")
  check "dry run count of $kind ($d) = removed ($r)" test -n "$d" -a "$d" = "$r"
done
check "prune prints the size before and after" grep -qE "^store after: [0-9]+ bytes" "$tmp/real"
"$bin" history stats --db "$db" >"$tmp/stats1"
check "stats after: 3 messages" grep -qx "messages 3" "$tmp/stats1"
check "stats after: 2 threads" grep -qx "threads 2" "$tmp/stats1"
"$bin" history prune --db "$db" --now 2026-12-01 >"$tmp/again"
check "a second prune removes nothing" test "$(grep -c '^removed [a-z]* 0$' "$tmp/again")" = 5

# The answered 2017 thread is kept whole: a reply quoting its first message is still a known thread.
"$bin" scan --db "$db" --format jsonl "$tmp/mail/b2.eml" >"$tmp/scan.jsonl"
check "the kept thread's reply scans clean" py "import json,sys; r=json.loads(open('$tmp/scan.jsonl').readline()); sys.exit(r['verdict']!='clean')"

# [history.retention] from --config.
"$bin" learn --db "$tmp/h2.db" --org-domain ours.example --no-progress "$tmp/mail" 2>/dev/null
printf '[history.retention]\nmessage_days = 0\nfingerprint_days = 30\n' >"$tmp/keep.toml"
"$bin" history prune --db "$tmp/h2.db" --config "$tmp/keep.toml" --now 2026-12-01 >"$tmp/cfg"; rc=$?
check "config prune exit 0" test $rc = 0
check "message_days = 0 keeps every message" grep -qx "removed messages 0" "$tmp/cfg"
check "the policy printed is the configuration's" grep -qx "kept: fingerprints 30 days, messages for ever, correspondents 3650 days" "$tmp/cfg"
check "fingerprints of mail older than 30 days go" py "import sys; n=int(open('$tmp/cfg').read().split('removed fingerprints ')[1].split()[0]); sys.exit(n <= 0)"

# check-config: file:line for bad values.
printf '[org]\ndomains = ["ours.example"]\n\n[history.retention]\nmessage_days = -5\nfingerprint_days = 1.5\ncorrespondent_days = "10"\n' >"$tmp/bad.toml"
"$bin" check-config "$tmp/bad.toml" >"$tmp/chk" 2>&1; rc=$?
check "check-config: exit 1 on bad days" test $rc = 1
check "check-config: the negative value's line" grep -q "bad.toml:5:.*history.retention.message_days" "$tmp/chk"
check "check-config: the fraction's line" grep -q "bad.toml:6:.*history.retention.fingerprint_days" "$tmp/chk"
check "check-config: the string's line" grep -q "bad.toml:7:.*history.retention.correspondent_days" "$tmp/chk"
printf '[history.retention]\nmessage_dayz = 5\n' >"$tmp/typo.toml"
"$bin" check-config "$tmp/typo.toml" >"$tmp/chk2" 2>&1
check "check-config: an unknown key is named" grep -q "typo.toml:2:.*unknown key history.retention.message_dayz" "$tmp/chk2"
printf '[history.retention]\nfingerprint_days = 90\nmessage_days = 1000\ncorrespondent_days = 0\n' >"$tmp/good.toml"
check "check-config: good days are OK" "$bin" check-config "$tmp/good.toml"

# Errors: exit status 2, nothing created.
"$bin" history prune --db "$tmp/none.db" >/dev/null 2>"$tmp/err1"; rc=$?
check "missing file: exit 2" test $rc = 2
check "missing file: said so" grep -q "no such history file" "$tmp/err1"
check "missing file: not created" test ! -e "$tmp/none.db"
"$bin" history prune --db "$db" --now 2026-13-45 >/dev/null 2>"$tmp/err2"; rc=$?
check "bad --now: exit 2" test $rc = 2
check "bad --now: said so" grep -q "not a date" "$tmp/err2"
"$bin" history shrink --db "$db" >/dev/null 2>&1; rc=$?
check "bad action: exit 2" test $rc = 2

echo "history_prune: $passes passed, $fails failed"
[ $fails = 0 ]
