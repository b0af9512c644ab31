#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/cli/feedback_learn.sh - serve's "genuine" feedback learns the kept raw message into the history
#
#   feedback_learn.sh BINARY CORPUS_DIR
#
# Issue 14 item 4. The demo history (demo/mailbox) knows the thread "Shipment
# schedule for order #4471" between John Miller and Kenji Suzuki. Anna Weber, a
# freight agent nobody has written with, replies in it (message A): a kept
# suspicious detection (HIJACK_THREAD_OUTSIDER). Her next reply (message B)
# is flagged the same way until an admin says A is genuine: then A is learnt
# (the learner `replyguard learn` uses) and B is a known participant's reply.
# "hijack" learns nothing (B stays flagged). A message over
# limits.kept_raw_bytes (512 KiB) keeps no raw copy, and its feedback says it
# cannot learn. serve runs on 127.0.0.1 with a port the kernel picks.
set -u
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../support/checks.sh"
. "$here/../support/serve.sh"  # demo_learn, start_demo_serve
test_tmp

db=$tmp/demo.db
demo_learn "$db"
cp "$db" "$tmp/cli.db"

cat >"$tmp/a.eml" <<'EOF'
Return-Path: <anna.weber@gp-logistics.example>
Received: from mail.gp-logistics.example (mail.gp-logistics.example [192.0.2.77]) by mx.sakura-shoji.example with ESMTPS id 9911; Tue, 07 Apr 2026 10:00:00 +0900
From: Anna Weber <anna.weber@gp-logistics.example>
To: Kenji Suzuki <k.suzuki@sakura-shoji.example>
Cc: John Miller <j.miller@global-parts.example>
Subject: RE: Shipment schedule for order #4471
Date: Tue, 07 Apr 2026 10:00:00 +0900
Message-ID: <aw-4471-1@gp-logistics.example>
In-Reply-To: <CAF=4471.b3@mail.global-parts.example>
References: <CAF=4471.b1@mail.global-parts.example> <000b01dcc2b3$aa11bb22$sakura@sakura-shoji.example> <CAF=4471.b3@mail.global-parts.example>
X-Mailer: Microsoft Outlook 16.0
MIME-Version: 1.0
Content-Type: text/plain; charset="utf-8"

Hi Kenji,

I handle the freight for John's team. The booking for May 6 is confirmed;
the tracking page is at https://track.gp-logistics.example/b/4471 .

Anna
EOF
# B: Anna again, replying to her own message in the same thread.
sed -e 's/aw-4471-1@/aw-4471-2@/' -e 's/^In-Reply-To: .*/In-Reply-To: <aw-4471-1@gp-logistics.example>/' \
    -e 's/^References: \(.*\)/References: \1 <aw-4471-1@gp-logistics.example>/' -e 's/10:00:00/15:00:00/g' \
    -e 's/The booking for May 6 is confirmed;/The container left the port today;/' "$tmp/a.eml" >"$tmp/b.eml"
# C: over 512 KiB (a 600 KiB attachment), from another newcomer in the thread.
python3 - "$tmp/a.eml" "$tmp/c.eml" <<'PY'
import base64, sys
a = open(sys.argv[1]).read()
head, body = a.split("\n\n", 1)
head = head.replace("aw-4471-1@", "big-4471@").replace("anna.weber@", "otto.big@").replace("Anna Weber", "Otto Big")
head = head.replace('Content-Type: text/plain; charset="utf-8"', "Content-Type: multipart/mixed; boundary=bb")
blob = base64.encodebytes(bytes(range(256)) * 2400).decode()
open(sys.argv[2], "w").write(head + "\n\n--bb\nContent-Type: text/plain; charset=utf-8\n\n" + body +
    "--bb\nContent-Type: application/octet-stream; name=manifest.bin\nContent-Disposition: attachment; filename=manifest.bin\n"
    "Content-Transfer-Encoding: base64\n\n" + blob + "--bb--\n")
PY

scan_b() {  # scan_b OUT: B scanned with the history as it is now (read-only, beside serve)
  "$bin" scan --no-progress --db "$db" --format jsonl "$tmp/b.eml" >"$1"
}
outsider() { py "import json,sys; r=json.load(open('$1')); sys.exit(0 if any(f['id']=='HIJACK_THREAD_OUTSIDER' for f in r['findings']) else 1)"; }
no_outsider() { ! outsider "$1"; }
score() { py "import json; print(json.load(open('$1'))['score'])"; }

# --- scan --keep-detections keeps the raw bytes ------------------------------------
"$bin" scan --no-progress --db "$tmp/cli.db" --keep-detections --format jsonl "$tmp/a.eml" "$tmp/c.eml" >/dev/null
check "scan --keep-detections: A kept with its raw bytes, C (over 512 KiB) without" py "
import sqlite3
rows = dict(sqlite3.connect('$tmp/cli.db').execute('select key, raw from detections').fetchall())
assert rows['aw-4471-1@gp-logistics.example'] == open('$tmp/a.eml','rb').read(), 'A raw'
assert rows['big-4471@gp-logistics.example'] is None, 'C raw'"

# --- before: B from a newcomer is flagged ---------------------------------------
scan_b "$tmp/b0.json"
check "before: B is flagged HIJACK_THREAD_OUTSIDER" outsider "$tmp/b0.json"

token=rg-test-$RANDOM$RANDOM
auth="Authorization: Bearer $token"
start_demo_serve "$tmp/serve.out" --db "$db" --token "$token" ||
  { echo "FAIL: serve did not start"; cat "$tmp/serve.out"; exit 1; }
base=http://127.0.0.1:$port
post_scan() { curl -s -H "$auth" -H 'Content-Type: message/rfc822' --data-binary @"$1" "$base/api/v1/scan"; }
feedback() {  # feedback ID WORD OUT -> HTTP status
  curl -s -o "$3" -w '%{http_code}' -H "$auth" -H 'Content-Type: application/json' -d "{\"feedback\":\"$2\"}" \
    "$base/api/v1/detections/$1/feedback"
}

ida=$(post_scan "$tmp/a.eml" | py 'import json,sys; print(json.load(sys.stdin)["detection_id"])')
check "serve keeps A as a detection (id $ida)" test "$ida" -gt 0 2>/dev/null
check "  ... with its raw copy (raw_kept, raw_bytes)" py "
import json, subprocess
d = json.loads(subprocess.run(['curl','-s','-H','$auth','$base/api/v1/detections/$ida'],capture_output=True).stdout)
assert d['raw_kept'] is True and d['raw_bytes'] == $(stat -c %s "$tmp/a.eml"), d.get('raw_kept')"

# C now, before anything is learnt (C is from a newcomer of the same thread).
idc=$(post_scan "$tmp/c.eml" | py 'import json,sys; print(json.load(sys.stdin)["detection_id"])')

# --- hijack: nothing learnt ----------------------------------------------------------
check "hijack feedback on A: 200" test "$(feedback "$ida" hijack "$tmp/fh.json")" = 200
check "  ... history_updated false, says a hijack is never learnt" py "
import json; j=json.load(open('$tmp/fh.json')); assert j['history_updated'] is False and 'never learnt' in j['note'], j"
scan_b "$tmp/b1.json"
check "  ... B still flagged HIJACK_THREAD_OUTSIDER" outsider "$tmp/b1.json"

# --- genuine: A learnt, B known --------------------------------------------------
check "genuine feedback on A: 200" test "$(feedback "$ida" genuine "$tmp/fg.json")" = 200
check "  ... history_updated true" py "
import json; j=json.load(open('$tmp/fg.json')); assert j['history_updated'] is True and j['feedback']=='genuine', j"
scan_b "$tmp/b2.json"
check "after: B has no HIJACK_THREAD_OUTSIDER" no_outsider "$tmp/b2.json"
check "after: B scores lower ($(score "$tmp/b0.json") -> $(score "$tmp/b2.json"))" py "
import json; a=json.load(open('$tmp/b0.json')); b=json.load(open('$tmp/b2.json'))
assert b['score'] < a['score'] and b['verdict']=='clean', (a['score'], b['score'], b['verdict'])"
check "genuine again: 200, history_updated false (known already)" py "
import json, subprocess
r = subprocess.run(['curl','-s','-H','$auth','-H','Content-Type: application/json','-d','{\"feedback\":\"genuine\"}','$base/api/v1/detections/$ida/feedback'],capture_output=True).stdout
j = json.loads(r); assert j['history_updated'] is False and 'already' in j['note'], j"

# --- over the raw limit: cannot learn ----------------------------------------------
check "serve keeps C (over 512 KiB) as a detection (id $idc)" test "$idc" -gt 0 2>/dev/null
check "  ... without a raw copy (raw_kept false, raw_bytes > 524288)" py "
import json, subprocess
d = json.loads(subprocess.run(['curl','-s','-H','$auth','$base/api/v1/detections/$idc'],capture_output=True).stdout)
assert d['raw_kept'] is False and d['raw_bytes'] > 524288, (d.get('raw_kept'), d.get('raw_bytes'))"
check "genuine feedback on C: 200" test "$(feedback "$idc" genuine "$tmp/fc.json")" = 200
check "  ... history_updated false, says the raw message was not kept" py "
import json; j=json.load(open('$tmp/fc.json'))
assert j['history_updated'] is False and 'not kept' in j['note'] and 'kept_raw_bytes' in j['note'], j"

checks_summary feedback_learn
