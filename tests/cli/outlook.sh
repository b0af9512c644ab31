#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/cli/outlook.sh - Outlook data files, .msg, forwarded messages and winmail.dat
#
#   outlook.sh BINARY CORPUS_DIR
#
# Checks:
#  1. `learn` of the corpus PST (outlook/apache-dev-age.pst) gives the same history
#     as `learn` of the same mail as an mbox and as a Maildir made from it: the same
#     messages, threads, participants, correspondents (names, who wrote to whom),
#     name index and domains, row for row.
#  2. `scan` of the PST names each message FILE#FOLDER#N, reports each folder on
#     stderr, and reads what the mbox gives (message ids, senders, dates).
#  3. A damaged PST (cut short, bytes overwritten) yields records with `error`
#     and exit status 2, never a crash.
#  4. The demo's hijacks (learn demo/mailbox first, as demo.sh does) as .msg files
#     written by scripts/make-msg.py (with and without transport headers), and
#     forwarded to the security team as message/rfc822 and as an attached .msg,
#     get the same verdict and findings as the bare .eml; the forward's record
#     carries the hijack as a nested record and is at least as bad.
#  5. winmail.dat (MimeKit's TNEF test files) attachments are opened and their
#     files analysed; a third-party .msg (msg-extractor) is read.
set -u
bin=$1
corpus=$2
root=$(cd "$(dirname "$0")/../.." && pwd)
pst=$corpus/outlook/apache-dev-age.pst
mbox=$corpus/outlook/apache-dev-age.mbox
data=$root/tests/data/outlook
[ -f "$pst" ] || { echo "no corpus PST at $pst"; exit 77; }
/usr/bin/python3 -c 'import gi; gi.require_version("Gsf", "1")' 2>/dev/null || {
  echo "python3-gi / gir1.2-gsf-1 missing (scripts/make-msg.py)"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/../support/checks.sh"  # check, py, checks_summary

# 1. PST, mbox and Maildir give the same history.
/usr/bin/python3 - "$mbox" "$tmp/maildir" <<'PY'
import mailbox, os, sys
md = mailbox.Maildir(sys.argv[2], create=True)
# learn reads a folder in name order and messages.id follows the order learnt, so
# the files must sort in mbox order. Maildir.add() names a file by the time with
# the microseconds not zero-padded ("M99800" sorts after "M100200"): adds that
# crossed a tenth of a second (or a second) came out of order, about 1 run in 7.
# Each file gets its place in the mbox in front of its name.
for i, m in enumerate(mailbox.mbox(sys.argv[1])):
    msg = mailbox.MaildirMessage(m)
    name = md.add(msg) + (md.colon + msg.get_info() if msg.get_info() else "")
    sub = os.path.join(sys.argv[2], msg.get_subdir())
    os.rename(os.path.join(sub, name), os.path.join(sub, f"{i:04d}.{name}"))
PY
"$bin" learn --db "$tmp/pst.db" "$pst" 2>"$tmp/learn-pst.err"
check "learn of the PST exits 0" test $? -eq 0
check "learn of the PST learns 10 messages" grep -q "learnt 10 message" "$tmp/learn-pst.err"
check "learn reports the PST's folders" grep -q "apache-dev-age.pst#dev_age_apache_org: 10 message(s)" "$tmp/learn-pst.err"
"$bin" learn --db "$tmp/mbox.db" "$mbox" 2>/dev/null
check "learn of the mbox exits 0" test $? -eq 0
"$bin" learn --db "$tmp/maildir.db" "$tmp/maildir" 2>/dev/null
check "learn of the Maildir exits 0" test $? -eq 0
same_history() {
  /usr/bin/python3 - "$1" "$2" <<'PY'
import sqlite3, sys
tables = ["messages", "threads", "thread_participants", "correspondents", "correspondent_names",
          "correspondent_wrote_to", "name_index", "domains"]
bad = False
for t in tables:
    a = sorted(sqlite3.connect(sys.argv[1]).execute(f"SELECT * FROM {t}"))
    b = sorted(sqlite3.connect(sys.argv[2]).execute(f"SELECT * FROM {t}"))
    if a != b or not a:
        bad = True
        print(f"{t}: {len(a)} vs {len(b)} rows; only in the first: {sorted(set(a) - set(b))[:3]}; "
              f"only in the second: {sorted(set(b) - set(a))[:3]}")
sys.exit(1 if bad else 0)
PY
}
check "PST history == mbox history" same_history "$tmp/pst.db" "$tmp/mbox.db"
check "PST history == Maildir history" same_history "$tmp/pst.db" "$tmp/maildir.db"
check "the history has 7 threads" test "$(/usr/bin/python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT COUNT(*) FROM threads').fetchone()[0])" "$tmp/pst.db")" = 7

# 2. scan: sources, progress, content.
"$bin" scan --format jsonl "$pst" >"$tmp/pst.jsonl" 2>"$tmp/pst.err"
check "scan of the PST exits 0" test $? -eq 0
"$bin" scan --format jsonl "$mbox" >"$tmp/mbox.jsonl" 2>/dev/null
check "PST records: FILE#FOLDER#N sources, same ids/senders/dates/subjects as the mbox" /usr/bin/python3 - "$tmp/pst.jsonl" "$tmp/mbox.jsonl" "$pst" <<'PY'
import json, sys
p = [json.loads(l) for l in open(sys.argv[1])]
m = [json.loads(l) for l in open(sys.argv[2])]
want = [f"{sys.argv[3]}#dev_age_apache_org#{i}" for i in range(10)]
if [r["source"] for r in p] != want: sys.exit(f"sources: {[r['source'] for r in p]}")
key = lambda r: (r["message_id"], r["from"]["address"], r["from"]["name"], r["date"], r["subject"],
                 [t["address"] for t in r["to"]], [c["address"] for c in r["cc"]])
if sorted(map(key, p)) != sorted(map(key, m)): sys.exit(f"differ: {sorted(map(key, p))[:2]} vs {sorted(map(key, m))[:2]}")
if any(r["error"] for r in p): sys.exit("errors in PST records")
if any(len(r["quoted"]) != len(q["quoted"]) for r, q in zip(sorted(p, key=key), sorted(m, key=key))):
    sys.exit("quoted blocks differ")
PY
check "scan reports each folder on stderr" grep -q "#dev_age_apache_org: 10 message(s)" "$tmp/pst.err"

# 3. Damaged PSTs: what can be read plus an error, never a crash.
head -c 60000 "$pst" >"$tmp/cut.pst"
"$bin" scan --format jsonl "$tmp/cut.pst" >"$tmp/cut.jsonl" 2>"$tmp/cut.err"
rc=$?
check "a PST cut short: exit 2 (rc=$rc)" test $rc -eq 2
check "a PST cut short: error records name the file and folder" /usr/bin/python3 - "$tmp/cut.jsonl" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
errs = [r["error"] for r in recs if r["error"]]
if not errs or not all("cut.pst" in e for e in errs): sys.exit(f"errors: {errs}")
PY
head -c 2000 "$pst" >"$tmp/tiny.pst"
"$bin" scan --format jsonl "$tmp/tiny.pst" >"$tmp/tiny.jsonl" 2>/dev/null
rc=$?
check "a PST header alone: exit 2 and one error record" test $rc -eq 2 -a "$(wc -l <"$tmp/tiny.jsonl")" -eq 1
/usr/bin/python3 - "$pst" "$tmp" <<'PY'
import random, sys
d = open(sys.argv[1], "rb").read()
for i in range(6):
    r = random.Random(i)
    x = bytearray(d)
    for _ in range(300):
        x[r.randrange(512, len(x))] = r.randrange(256)
    open(f"{sys.argv[2]}/noise{i}.pst", "wb").write(x)
PY
for i in 0 1 2 3 4 5; do
  "$bin" scan --format jsonl "$tmp/noise$i.pst" >"$tmp/noise.jsonl" 2>/dev/null
  rc=$?
  check "a PST with overwritten bytes ($i): no crash, valid records (rc=$rc)" \
    bash -c "[ $rc -le 2 ] && /usr/bin/python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' '$tmp/noise.jsonl'"
done

# 4. .msg and forwarded hijacks: the same verdict and findings as the bare .eml.
"$bin" learn --db "$tmp/demo.db" --org-domain sakura-shoji.example "$root/demo/mailbox" 2>/dev/null
for n in 02-hijack-ja-password-zip 03-hijack-en-download-link; do
  /usr/bin/python3 "$root/scripts/make-msg.py" --forward-rfc822 "$tmp/$n.fwd-rfc822.eml" \
    --forward-msg "$tmp/$n.fwd-msg.eml" "$root/demo/inbox/$n.eml" "$tmp/$n.msg"
  /usr/bin/python3 "$root/scripts/make-msg.py" --no-transport-headers "$root/demo/inbox/$n.eml" "$tmp/$n.props.msg"
  cp "$root/demo/inbox/$n.eml" "$tmp/$n.eml"
done
check "make-msg.py is deterministic" bash -c "/usr/bin/python3 '$root/scripts/make-msg.py' '$root/demo/inbox/03-hijack-en-download-link.eml' '$tmp/again.msg' && cmp -s '$tmp/again.msg' '$tmp/03-hijack-en-download-link.msg'"
check "file(1) calls the .msg an Outlook message" bash -c "file '$tmp/02-hijack-ja-password-zip.msg' | grep -q 'Outlook Message'"
"$bin" scan --db "$tmp/demo.db" --config "$root/demo/replyguard.toml" --format jsonl \
  "$tmp"/0[23]-*.eml "$tmp"/0[23]-*.msg >"$tmp/msg.jsonl" 2>/dev/null
check "scan of the .msg and forwards exits 1" test $? -eq 1
check ".msg and forwarded hijacks: same verdict and findings as the .eml" /usr/bin/python3 - "$tmp/msg.jsonl" <<'PY'
import json, sys
recs = {r["source"].rsplit("/", 1)[-1]: r for r in map(json.loads, open(sys.argv[1]))}
def ids(r): return sorted(f["id"] for f in r["findings"])
for n in ("02-hijack-ja-password-zip", "03-hijack-en-download-link"):
    bare = recs[f"{n}.eml"]
    if bare["verdict"] != "malicious": sys.exit(f"{n}: bare verdict {bare['verdict']}")
    for v in (f"{n}.msg", f"{n}.props.msg"):
        r = recs[v]
        if r["error"] or (r["verdict"], r["score"], ids(r)) != (bare["verdict"], bare["score"], ids(bare)):
            sys.exit(f"{v}: {r['verdict']} {r['score']} {ids(r)} {r['error']} vs {bare['score']} {ids(bare)}")
        for k in ("message_id", "subject", "in_reply_to", "references"):
            if r[k] != bare[k]: sys.exit(f"{v}: {k} {r[k]!r} vs {bare[k]!r}")
        if r["from"] != bare["from"]: sys.exit(f"{v}: from {r['from']} vs {bare['from']}")
        if [a["sha256"] for a in r["attachments"]] != [a["sha256"] for a in bare["attachments"]]:
            sys.exit(f"{v}: attachments differ")
    for v, kind in ((f"{n}.fwd-rfc822.eml", "rfc822"), (f"{n}.fwd-msg.eml", "msg")):
        r = recs[v]
        nested = r["attached_messages"]
        if len(nested) != 1: sys.exit(f"{v}: {len(nested)} nested records")
        x = nested[0]
        if x["attached_as"] != kind or not x["source"].startswith(r["source"] + ">"):
            sys.exit(f"{v}: nested {x['attached_as']} {x['source']}")
        if (x["verdict"], x["score"], ids(x)) != (bare["verdict"], bare["score"], ids(bare)):
            sys.exit(f"{v}: nested {x['verdict']} {x['score']} {ids(x)} vs {ids(bare)}")
        if x["from"] != bare["from"]: sys.exit(f"{v}: nested from {x['from']}")
        if r["verdict"] != "malicious" or r["score"] < bare["score"]:
            sys.exit(f"{v}: outer {r['verdict']} {r['score']}")
        f = [f for f in r["findings"] if f["id"] == "ATTACHED_MESSAGE_MALICIOUS"]
        if not f or f[0]["evidence"]["findings"] != [g["id"] for g in x["findings"]]:
            sys.exit(f"{v}: ATTACHED_MESSAGE_MALICIOUS missing or wrong: {f}")
PY

# 5. winmail.dat and a third-party .msg.
/usr/bin/python3 - "$data" "$tmp" <<'PY'
import sys
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
for name in ("two-files", "data-before-name", "long-filename", "garbage-at-end"):
    m = MIMEMultipart(boundary="=_tnef")
    m["From"] = "Exchange User <user@example.com>"
    m["To"] = "peer@example.org"
    m["Subject"] = "rich text " + name
    m["Message-ID"] = f"<{name}@example.com>"
    m.attach(MIMEText("see the attachments\n"))
    p = MIMEApplication(open(f"{sys.argv[1]}/{name}.tnef", "rb").read(), "ms-tnef")
    p.add_header("Content-Disposition", "attachment", filename="winmail.dat")
    m.attach(p)
    open(f"{sys.argv[2]}/{name}.tnef.eml", "wb").write(m.as_bytes())
PY
"$bin" scan --format jsonl "$tmp"/*.tnef.eml "$data/strangeDate.msg" >"$tmp/tnef.jsonl" 2>/dev/null
rc=$?
check "winmail.dat scan: exit 0 or 1 (rc=$rc)" test $rc -le 1
check "winmail.dat files are opened and analysed; the .msg is read" /usr/bin/python3 - "$tmp/tnef.jsonl" <<'PY'
import json, sys
recs = {r["source"].rsplit("/", 1)[-1]: r for r in map(json.loads, open(sys.argv[1]))}
# Expected names: MimeKit's own .list files for these streams.
want = {"two-files": ["AUTHORS", "README"], "data-before-name": ["AUTOEXEC.BAT", "CONFIG.SYS", "boot.ini"],
        "long-filename": ["allproductsmar2000.dat"]}
for n, names in want.items():
    a = recs[f"{n}.tnef.eml"]["attachments"][0]
    got = [f["name"] for f in a["details"].get("tnef_files", [])]
    if a.get("kind") != "tnef" or got != names: sys.exit(f"{n}: {a.get('kind')} {got}")
boot = [f for f in recs["data-before-name.tnef.eml"]["attachments"][0]["details"]["tnef_files"] if f["name"] == "boot.ini"][0]
if boot["size"] != 289 or not boot.get("sha256"): sys.exit(f"boot.ini: {boot}")
if "ATTACH_SCRIPT" not in {f["id"] for f in recs["data-before-name.tnef.eml"]["findings"]}:
    sys.exit("AUTOEXEC.BAT inside winmail.dat not analysed")
m = recs["strangeDate.msg"]
if m["error"] or m["subject"] != "MSG Test File" or [t["address"] for t in m["to"]] != ["time2talk@online-convert.com"]:
    sys.exit(f"strangeDate.msg: {m['error']} {m['subject']} {m['to']}")
PY

checks_summary "outlook"
