#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/cli/hostile_input.sh - issue 12 cases 2, 7, 8, 9, 10, 14 end to end through `scan`
#
#   hostile_input.sh BINARY CORPUS_DIR
#
# Every hostile input is generated here, small (limits lowered through a
# configuration where the report's sizes would be hundreds of MB). Memory is
# asserted as the peak RSS of the scan (getrusage of the child) staying far
# below the input it was fed; nothing asserts wall time.
#   2  the demo's hijack behind twelve 95 KB headers is still malicious, with
#      MIME_SIZE_LIMIT and `incomplete`
#   7  `scan -` of an input over limits.message_bytes: a record with `error` and
#      MIME_SIZE_LIMIT, the next PATH is still scanned, exit 2, memory bounded;
#      a sparse file far over the limit the same
#   8  a 20 MB Subject of RFC 2047 words: cut at header_field_bytes (lowered by
#      configuration), decoded, From kept, memory bounded
#   9  --keep-detections: each kept detection is bounded (evidence truncated,
#      no raw copy over limits.kept_raw_bytes)
#   10 symbolic links in a scanned folder are not followed (a loop of `ln -s .`
#      ends, a link to /etc is not read); --follow-symlinks follows them once;
#      FIFOs are skipped with a record and exit 2
#   14 a folder holding only a FIFO gives a record and exit 2; thresholds = nan
#      is refused with a clear error
set -u
bin=$1
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/../support/checks.sh"  # check, py, checks_summary

"$bin" learn --no-progress --db "$tmp/h.db" --org-domain sakura-shoji.example "$root/demo/mailbox" 2>/dev/null

# --- case 2: header flood before From: -----------------------------------------
python3 - "$root/demo/inbox/03-hijack-en-download-link.eml" "$tmp/flood.eml" <<'PY'
import sys
msg = open(sys.argv[1], "rb").read()
junk = b""
for i in range(12):
    h = b"X-Junk-%d: " % i
    while len(h) < 95 * 1024:
        h += b"a" * 76 + b"\r\n "
    junk += h + b"end\r\n"
open(sys.argv[2], "wb").write(junk + msg)
PY
"$bin" scan --db "$tmp/h.db" --config "$root/demo/replyguard.toml" --format jsonl "$tmp/flood.eml" >"$tmp/flood.jsonl"
check "case 2: scan exits 1 (the hijack is found)" test $? -eq 1
check "case 2: the flooded hijack is still malicious, the flood is a finding" python3 - "$tmp/flood.jsonl" <<'PY'
import json, sys
r = json.loads(open(sys.argv[1]).readline())
ids = {f["id"] for f in r["findings"]}
ok = r["verdict"] == "malicious" and "MIME_SIZE_LIMIT" in ids and "HIJACK_WITH_PAYLOAD" in ids and r["incomplete"]
if not ok: sys.exit(f"{r['verdict']} {r['score']} {sorted(ids)} incomplete={r.get('incomplete')}")
PY

# --- case 7: streaming input over the per-message limit --------------------------
printf '[limits]\nmessage_bytes = 1048576\n' >"$tmp/small.toml"
cp "$root/demo/inbox/04-genuine-reply-en.eml" "$tmp/after.eml"
# peak RSS (KiB) of BINARY ARGS... with stdin from the generator; prints "rc rss"
cat >"$tmp/rss.py" <<'PY'
import base64, os, resource, subprocess, sys
mb, out = int(sys.argv[1]), sys.argv[2]
cmd = sys.argv[3:]
with open(out, "wb") as o:
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=o, stderr=subprocess.DEVNULL)
    if mb:
        p.stdin.write(b"From: a@b.example\r\nSubject: big\r\nContent-Type: application/octet-stream\r\n"
                      b"Content-Transfer-Encoding: base64\r\n\r\n")
        line = base64.b64encode(os.urandom(57)) + b"\r\n"
        block = line * (1 << 14)  # ~1.2 MB
        for _ in range(mb * 1024 * 1024 // len(block)):
            p.stdin.write(block)
    p.stdin.close()
    rc = p.wait()
print(rc, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
PY
read -r rc rss < <(python3 "$tmp/rss.py" 300 "$tmp/stdin.jsonl" "$bin" scan --config "$tmp/small.toml" \
  --db "$tmp/none.db" --format jsonl --no-progress -j 1 - "$tmp/after.eml")
check "case 7: scan - of 300 MB exits 2 (the oversized input is an error)" test "$rc" -eq 2
check "case 7: peak memory bounded by the limit, not the input (${rss} KiB < 200 MiB)" test "$rss" -lt 204800
check "case 7: a record with error and MIME_SIZE_LIMIT, then the next input" python3 - "$tmp/stdin.jsonl" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
if len(recs) != 2: sys.exit(f"{len(recs)} records")
big, after = recs
ids = {f["id"] for f in big["findings"]}
if not (big["source"] == "-" and big["error"] and "larger than limits.message_bytes" in big["error"]
        and "MIME_SIZE_LIMIT" in ids and big["incomplete"]):
    sys.exit(f"big: {big['error']} {sorted(ids)}")
if after["error"] is not None or not after["source"].endswith("after.eml"): sys.exit(f"after: {after}")
PY
truncate -s 5G "$tmp/sparse.eml"
read -r rc rss < <(python3 "$tmp/rss.py" 0 "$tmp/sparse.jsonl" "$bin" scan --config "$tmp/small.toml" \
  --db "$tmp/none.db" --format jsonl --no-progress -j 1 "$tmp/sparse.eml" "$tmp/after.eml")
rm -f "$tmp/sparse.eml"
check "case 7: a 5 GB sparse file exits 2 with bounded memory (${rss} KiB)" test "$rc" -eq 2 -a "$rss" -lt 204800
check "case 7: the sparse file is an error record, the next file is scanned" python3 - "$tmp/sparse.jsonl" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
if len(recs) != 2 or not recs[0]["error"] or recs[1]["error"] is not None: sys.exit(str(recs)[:400])
if "5368709120 bytes" not in recs[0]["error"]: sys.exit(recs[0]["error"])
PY

# --- case 8: a 20 MB header of RFC 2047 words in a Subject (50/60 MB in the report) --
python3 - "$tmp/subject.eml" <<'PY'
import sys
with open(sys.argv[1], "wb") as f:
    f.write(b"From: \"Tanaka\" <tanaka@partner.example>\r\nTo: y@sakura-shoji.example\r\nSubject: ")
    word = b"=?ISO-2022-JP?B?GyRCJCIbKEI=?= "
    f.write(word * (20 * 1024 * 1024 // len(word)))
    f.write(b"\r\nDate: Tue, 03 Mar 2026 10:00:00 +0900\r\nMessage-ID: <s@partner.example>\r\n\r\nbody\r\n")
PY
printf '[limits]\nheader_bytes = 262144\nheader_field_bytes = 16384\n' >"$tmp/hdr.toml"
read -r rc rss < <(python3 "$tmp/rss.py" 0 "$tmp/subject.jsonl" "$bin" scan --config "$tmp/hdr.toml" \
  --db "$tmp/none.db" --format jsonl --no-progress -j 1 "$tmp/subject.eml")
rm -f "$tmp/subject.eml"
check "case 8: peak memory bounded by the header limits (${rss} KiB < 150 MiB)" test "$rss" -lt 153600
check "case 8: the Subject is cut and decoded, From kept, the limit is a finding" python3 - "$tmp/subject.jsonl" <<'PY'
import json, sys
r = json.loads(open(sys.argv[1]).readline())
ids = {f["id"] for f in r["findings"]}
anom = {a["id"] for a in r["anomalies"]}
if not (r["from"]["address"] == "tanaka@partner.example" and r["subject"].startswith("\u3042\u3042")
        and len(r["subject"].encode()) <= 16384 and "HEADER_FIELD_TOO_LONG" in anom and "MIME_SIZE_LIMIT" in ids
        and r["incomplete"]):
    sys.exit(f"{r['from']} {r['subject'][:20]!r} {len(r['subject'])} {sorted(anom)} {sorted(ids)}")
PY

# --- case 9: kept detections are bounded -----------------------------------------
python3 - "$tmp/kept" <<'PY'
import base64, io, os, sys, zipfile
os.makedirs(sys.argv[1])
for n in range(3):
    # a zip of 1,500 members, each named long: thousands of member records per mail
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        for i in range(1500):
            z.writestr(f"{'invoice-' * 12}{i:05d}.js", f"WScript.Shell {n}")
    b = base64.encodebytes(buf.getvalue()).decode()
    open(f"{sys.argv[1]}/{n}.eml", "w").write(
        f"From: x{n}@evil.example\nTo: y@sakura-shoji.example\nSubject: invoice {n}\nMessage-ID: <k{n}@evil.example>\n"
        "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nsee attached\n"
        f"--b\nContent-Type: application/zip; name=a.zip\nContent-Disposition: attachment; filename=a.zip\n"
        f"Content-Transfer-Encoding: base64\n\n{b}--b--\n")
PY
# kept_raw_bytes bounds the raw copy a detection keeps (512 KiB by default, so
# these ~470 KB mails would keep theirs): 65536 here, so each row stays within 4 x 64 KiB.
printf '[limits]\nkept_detection_bytes = 65536\nkept_raw_bytes = 65536\n' >"$tmp/kept.toml"
"$bin" scan --config "$tmp/kept.toml" --db "$tmp/kept.db" --keep-detections --format jsonl --no-progress "$tmp/kept" >/dev/null
check "case 9: the scan kept its detections (exit 1)" test $? -eq 1
check "case 9: each kept detection is bounded and marked evidence_truncated" python3 - "$tmp/kept.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
rows = db.execute("select * from detections").fetchall()
if len(rows) != 3: sys.exit(f"{len(rows)} detections")
for row in rows:
    size = sum(len(v) if isinstance(v, (str, bytes)) else 8 for v in row)
    text = " ".join(v if isinstance(v, str) else "" for v in row)
    if size > 4 * 65536: sys.exit(f"a detection of {size} bytes")
    if "evidence_truncated" not in text: sys.exit("not marked evidence_truncated")
PY
check "case 9: a mail over kept_raw_bytes keeps no raw copy" python3 - "$tmp/kept.db" <<'PY'
import sqlite3, sys
n = sqlite3.connect(sys.argv[1]).execute("select count(*) from detections where raw is not null").fetchone()[0]
if n: sys.exit(f"{n} raw copies")
PY

# --- case 10: symbolic links and FIFOs in scanned folders ------------------------
mkdir -p "$tmp/links/sub"
cp "$root/demo/inbox/04-genuine-reply-en.eml" "$tmp/links/sub/a.eml"
ln -s . "$tmp/links/loop1"
ln -s . "$tmp/links/sub/loop2"
ln -s /etc "$tmp/links/etc"
ln -s "$tmp/after.eml" "$tmp/links/outside.eml"
"$bin" scan --db "$tmp/none.db" --format jsonl --no-progress "$tmp/links" >"$tmp/links.jsonl"
check "case 10: links are not followed by default (exit 0)" test $? -eq 0
check "case 10: one record, sub/a.eml, nothing through a link" python3 - "$tmp/links.jsonl" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
srcs = [r["source"].rsplit("links/", 1)[-1] for r in recs]
if srcs != ["sub/a.eml"]: sys.exit(str(srcs))
PY
rm "$tmp/links/etc"
"$bin" scan --db "$tmp/none.db" --format jsonl --no-progress --follow-symlinks "$tmp/links" >"$tmp/follow.jsonl"
check "case 10: --follow-symlinks: the loop ends, each folder read once, the link to a file read" python3 - "$tmp/follow.jsonl" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
srcs = sorted(r["source"].rsplit("links/", 1)[-1] for r in recs)
if srcs != ["outside.eml", "sub/a.eml"]: sys.exit(str(srcs))
PY

# --- case 14 (and 10): a folder holding only a FIFO -------------------------------
mkdir "$tmp/fifo"
mkfifo "$tmp/fifo/pipe.eml"
"$bin" scan --db "$tmp/none.db" --format jsonl --no-progress "$tmp/fifo" >"$tmp/fifo.jsonl"
check "case 14: a FIFO-only folder exits 2" test $? -eq 2
check "case 14: the FIFO has a record with an error" python3 - "$tmp/fifo.jsonl" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
if len(recs) != 1 or "FIFO" not in (recs[0]["error"] or ""): sys.exit(str(recs))
PY

# --- case 14: thresholds = nan ------------------------------------------------------
printf '[thresholds]\nsuspicious = nan\n' >"$tmp/nan.toml"
"$bin" scan --config "$tmp/nan.toml" --db "$tmp/none.db" "$tmp/after.eml" >/dev/null 2>"$tmp/nan.err"
check "case 14: thresholds = nan exits 2" test $? -eq 2
check "case 14: the error names the key" grep -q "thresholds.suspicious must be a finite number" "$tmp/nan.err"

checks_summary "hostile_input"
