#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/cli/report_serve.sh - scan --keep-detections, report (every format), and serve's API, end to end
#
#   report_serve.sh BINARY CORPUS_DIR
#
# Uses the demo (demo/mailbox learnt as sakura-shoji.example's history, demo/inbox
# scanned) as the filled store, and a real message of the corpus for POST /scan.
# The server runs on 127.0.0.1 with a port the kernel picks (--port 0). Issue 12
# items 4 and 13: writes a web page could forge, DNS rebinding (Host) and
# ambiguous HTTP framing are refused (each its own check).
set -u
bin=$1
corpus=$2
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../support/checks.sh"
. "$here/../support/serve.sh"  # demo_learn, start_demo_serve
test_tmp

db=$tmp/demo.db
demo_learn "$db"
"$bin" scan --no-progress --db "$db" --config "$demo/replyguard.toml" --keep-detections --format jsonl "$demo/inbox" >"$tmp/scan.jsonl"
rc=$?
check "scan --keep-detections exits 1 on the demo (got $rc)" test "$rc" -eq 1

# --- report ------------------------------------------------------------------
"$bin" report --db "$db" --config "$demo/replyguard.toml" --format json >"$tmp/r.json"
check "report json exits 0" test $? -eq 0
check "report json: 3 campaigns; the lookalike pair (06+07) is the one against us" py "
import json,sys
j=json.load(open('$tmp/r.json'))
c=j['campaigns']
assert len(c)==3, len(c)
own=[x for x in c if x['own_org_impersonated']]
assert len(own)==1 and own[0]['count']==2, own
assert all(x['count']==1 for x in c if not x['own_org_impersonated'])
orgs=sorted(o for x in c for o in x['organisations'])
assert orgs==['fuji-kogyo.example','global-parts.example','sakura-shoji.example'], orgs
assert j['org_domains']==['sakura-shoji.example']
"
"$bin" report --db "$db" --config "$demo/replyguard.toml" >"$tmp/r.md"
check "report markdown: header + 3 rows" test "$(grep -c '^| 2026-' "$tmp/r.md")" -eq 3
check "report markdown: English header" grep -q '^| Date | Impersonated organisation |' "$tmp/r.md"
"$bin" report --db "$db" --format markdown --lang ja >"$tmp/r.ja.md"
check "report --lang ja: Japanese header and summaries" grep -q 'なりすまし' "$tmp/r.ja.md"
check "report without --config: org from the history" grep -q '^| 期間 | なりすまされた組織' "$tmp/r.ja.md"
"$bin" report --db "$db" --format csv >"$tmp/r.csv"
check "report csv: 4 records" py "
import csv
rows=list(csv.reader(open('$tmp/r.csv',newline='')))
assert len(rows)==4 and all(len(r)==11 for r in rows), rows
"
"$bin" report --db "$db" --format html >"$tmp/r.html"
check "report html: 3 campaign rows, no script" py "
s=open('$tmp/r.html').read()
assert s.count('<tr class=\"campaign')==3 and '<script' not in s and s.startswith('<!DOCTYPE html>')
"
"$bin" report --db "$db" --config "$demo/replyguard.toml" --advisory >"$tmp/adv.txt"
check "advisory on the demo: drafted for the lookalike of our domain" grep -q 'keiri@sakura-shoji-co.example' "$tmp/adv.txt"
# The same store seen from the impersonated partner's side: its advisory names the real sender.
printf '[org]\ndomains = ["fuji-kogyo.example"]\n' >"$tmp/fuji.toml"
"$bin" report --db "$db" --config "$tmp/fuji.toml" --advisory --lang ja >"$tmp/adv-fuji.txt"
check "advisory for fuji-kogyo.example: Japanese first" grep -q '^# 【注意喚起】当社（fuji-kogyo.example）を装った' "$tmp/adv-fuji.txt"
check "advisory names the real sender" grep -q '実際の送信元アドレス: info@kagoshima-dental.example' "$tmp/adv-fuji.txt"
check "advisory has the English part" grep -q '^# Warning: suspicious mail impersonating fuji-kogyo.example' "$tmp/adv-fuji.txt"
"$bin" report --db "$db" --format xml >/dev/null 2>&1
check "report --format xml is a usage error (2)" test $? -eq 2
"$bin" report --db "$tmp/none.db" --format json >"$tmp/none.json" 2>"$tmp/none.err"
rc=$?
# A store that is not there is a typo or the wrong host, not an empty report.
check "report on a missing store: exit 2 with the reason" bash -c "[ $rc -eq 2 ] && grep -q 'no such store' '$tmp/none.err'"
check "report on a missing store creates nothing" test ! -e "$tmp/none.db"

# Scanning again keeps nothing twice; without the flag nothing is kept.
"$bin" scan --no-progress --db "$db" --config "$demo/replyguard.toml" --keep-detections "$demo/inbox" >/dev/null
check "rescan keeps no duplicate" py "
import json,subprocess
j=json.loads(subprocess.run(['$bin','report','--db','$db','--format','json'],capture_output=True).stdout)
assert sum(c['count'] for c in j['campaigns'])==4
"
"$bin" scan --no-progress --db "$tmp/plain.db" "$demo/inbox" >/dev/null
check "scan without --keep-detections creates no store" test ! -e "$tmp/plain.db"
"$bin" scan --no-progress --db "$tmp/fresh.db" --keep-detections "$demo/inbox" >/dev/null
"$bin" scan --no-progress --db "$tmp/fresh.db" "$demo/inbox" >/dev/null
check "a store created by --keep-detections is a valid history for scan (rc $?)" test $? -le 1

# --- serve -------------------------------------------------------------------
req() {  # req METHOD PATH [curl args...] -> body in $tmp/body, status echoed
  local m=$1 p=$2; shift 2
  curl -s -o "$tmp/body" -w '%{http_code}' -X "$m" "$@" "http://127.0.0.1:$port$p"
}
is_json_error() {  # is_json_error CODE
  py "import json; j=json.load(open('$tmp/body')); assert j['error']=='$1' and j['message'], j"
}

check "serve starts on a free port" start_demo_serve "$tmp/serve.out" --db "$db" --config "$demo/replyguard.toml"
check "GET /health 200" test "$(req GET /health)" = 200
check "/health counts 4 detections" py "import json; j=json.load(open('$tmp/body')); assert j['status']=='ok' and j['detections']==4, j"
check "GET /api/v1/campaigns 200" test "$(req GET '/api/v1/campaigns?lang=ja')" = 200
check "campaigns: 3 with Japanese summaries" py "
import json; c=json.load(open('$tmp/body'))['campaigns']
assert len(c)==3 and all(x['summary']==x['summary_ja'] for x in c)
"
check "GET /api/v1/detections 200" test "$(req GET /api/v1/detections)" = 200
first=$(py "import json; print(json.load(open('$tmp/body'))['detections'][-1]['id'])")
check "detections: 4 listed" py "import json; assert len(json.load(open('$tmp/body'))['detections'])==4"
check "GET /api/v1/detections/ID 200" test "$(req GET "/api/v1/detections/$first")" = 200
check "detection: every finding explained in en and ja" py "
import json; d=json.load(open('$tmp/body'))
assert d['findings'] and all(f['description_en'] and f['description_ja'] for f in d['findings']), d['findings']
assert d['record']['verdict'] in ('suspicious','malicious')
"
check "GET /api/v1/timeline 200" test "$(req GET /api/v1/timeline)" = 200
check "timeline: days with hijack counts" py "
import json; t=json.load(open('$tmp/body'))
assert sum(d['detections'] for d in t['days'])==4 and sum(d['groups'].get('hijack',0) for d in t['days'])==4, t
"
check "GET /api/v1/symbols 200" test "$(req GET /api/v1/symbols)" = 200
check "GET /api/v1/detections/abc 400" test "$(req GET /api/v1/detections/abc)" = 400
check "  ... JSON error" is_json_error bad_request
check "GET /api/v1/detections/99999 404" test "$(req GET /api/v1/detections/99999)" = 404
check "  ... JSON error" is_json_error not_found
check "GET /api/v1/detections?limit=x 400" test "$(req GET '/api/v1/detections?limit=x')" = 400
check "GET /api/v1/campaigns?lang=fr 400" test "$(req GET '/api/v1/campaigns?lang=fr')" = 400
check "GET /nowhere 404 JSON" test "$(req GET /nowhere)" = 404
check "  ... JSON error" is_json_error not_found
check "GET /api/v1/scan 405" test "$(req GET /api/v1/scan)" = 405
check "  ... JSON error" is_json_error method_not_allowed
check "POST /api/v1/scan without a body 400" test "$(req POST /api/v1/scan -H 'Content-Type: message/rfc822')" = 400
check "  ... JSON error" is_json_error bad_request
msg=$(find "$corpus/phishing" -type f ! -name '.*' | sort | head -1)
if [ -n "$msg" ]; then
  check "POST a corpus message: 200" test "$(req POST '/api/v1/scan?source=corpus' -H 'Content-Type: message/rfc822' --data-binary @"$msg")" = 200
  check "  ... a contract record" py "
import json; r=json.load(open('$tmp/body'))
for k in ('source','message_id','from','subject','verdict','score','findings','attachments','urls','anomalies','error','detection_id'): assert k in r, k
assert r['source']=='corpus' and r['verdict'] in ('clean','suspicious','malicious')
"
fi
check "POST a multipart form instead of the message: 415" test "$(req POST /api/v1/scan -F "file=@$demo/inbox/05-newsletter.eml")" = 415
check "  ... JSON error" is_json_error unsupported_media_type
check "POST /checkv2 a kept demo message: 200" test "$(req POST /checkv2 -H 'Content-Type: message/rfc822' --data-binary @"$demo/inbox/02-hijack-ja-password-zip.eml")" = 200
check "  ... rspamd's reply (action reject), our record malicious, already kept (detection_id null)" py "
import json; j=json.load(open('$tmp/body')); r=j['replyguard']
assert j['action']=='reject' and r['verdict']=='malicious' and r['detection_id'] is None, (j['action'], r['detection_id'])
"
check "GET /metrics 200" test "$(req GET /metrics)" = 200
check "  ... Prometheus counters" grep -q '^replyguard_scans_total{verdict="malicious"} 1$' "$tmp/body"
check "  ... stored gauge" grep -qE '^replyguard_detections_stored (3|4)$' "$tmp/body"
check "GET / the dashboard" test "$(req GET /)" = 200
check "  ... is the embedded page" grep -q '<title>replyguard dashboard</title>' "$tmp/body"

# Issue 12 items 4 and 13: without a token, on loopback, a write must be a
# request no web page can send from another site; Host must be ours (DNS
# rebinding); HTTP framing that a proxy could read another way is refused.
nl=$demo/inbox/05-newsletter.eml
check "POST as a form (curl's default), no token: 415" test "$(req POST /api/v1/scan --data-binary @"$nl")" = 415
check "  ... JSON error" is_json_error unsupported_media_type
check "POST text/plain, no token: 415" test "$(req POST /checkv2 -H 'Content-Type: text/plain' --data-binary @"$nl")" = 415
check "POST with Origin: http://evil.example: 403" \
  test "$(req POST /checkv2 -H 'Origin: http://evil.example' -H 'Content-Type: message/rfc822' --data-binary @"$nl")" = 403
check "  ... JSON error" is_json_error forbidden
check "POST with Sec-Fetch-Site: cross-site: 403" \
  test "$(req POST /api/v1/scan -H 'Sec-Fetch-Site: cross-site' -H 'Content-Type: message/rfc822' --data-binary @"$nl")" = 403
check "POST same-origin (Origin http://127.0.0.1:PORT): 200" \
  test "$(req POST /api/v1/scan -H "Origin: http://127.0.0.1:$port" -H 'Content-Type: message/rfc822' --data-binary @"$nl")" = 200
check "POST with an X- header and curl's default type: 200" \
  test "$(req POST /api/v1/scan -H 'X-Replyguard-Client: test' --data-binary @"$nl")" = 200
check "Host: rebind.attacker.example: 421" test "$(req GET /api/v1/detections -H 'Host: rebind.attacker.example')" = 421
check "  ... JSON error" is_json_error misdirected_request
check "Host: localhost:PORT: 200" test "$(req GET /api/v1/detections -H "Host: localhost:$port")" = 200
raw_http="
import socket
def raw(req, timeout=10):
    s = socket.create_connection(('127.0.0.1', $port)); s.settimeout(timeout); s.sendall(req)
    out = b''
    try:
        while True:
            d = s.recv(65536)
            if not d: break
            out += d
    except ConnectionResetError:
        pass
    s.close()
    return out
h = b'Host: 127.0.0.1\\r\\nContent-Type: message/rfc822\\r\\n'
"
check "two Content-Length headers: 400" py "$raw_http
r = raw(b'POST /api/v1/scan HTTP/1.1\\r\\n' + h + b'Content-Length: 4\\r\\nContent-Length: 40\\r\\n\\r\\n')
assert r.startswith(b'HTTP/1.1 400'), r[:80]"
check "Content-Length with Transfer-Encoding: chunked: 400" py "$raw_http
r = raw(b'POST /api/v1/scan HTTP/1.1\\r\\n' + h + b'Content-Length: 4\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n')
assert r.startswith(b'HTTP/1.1 400'), r[:80]"
check "Content-Length of 1 GB: 413 before the body" py "$raw_http
r = raw(b'POST /api/v1/scan HTTP/1.1\\r\\n' + h + b'Content-Length: 1073741824\\r\\n\\r\\n')
assert r.startswith(b'HTTP/1.1 413'), r[:80]"
check "one request per connection (nothing after it is read as another)" py "$raw_http
r = raw(b'GET /health HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\n\\r\\nGET /health HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\n\\r\\n')
assert r.count(b'HTTP/1.1 200') == 1, r"
check "eight connections trickling bytes: /health still answers" py "
import socket, threading, time
stop = time.time() + 6
def trickle():
    s = socket.create_connection(('127.0.0.1', $port))
    s.sendall(b'GET /health HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\nX-Slow: ')
    while time.time() < stop:
        try: s.sendall(b'a')
        except OSError: break
        time.sleep(0.5)
    s.close()
ts = [threading.Thread(target=trickle) for _ in range(8)]
for t in ts: t.start()
time.sleep(1)
reply = b''
try:
    c = socket.create_connection(('127.0.0.1', $port)); c.settimeout(4)
    c.sendall(b'GET /health HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\n\\r\\n')
    reply = c.recv(4096)
except OSError as e:
    reply = repr(e).encode()
finally:
    for t in ts: t.join()
assert reply.startswith(b'HTTP/1.1 200'), reply[:80]
"

# Token: required on /api and /metrics once set; /health stays open.
check "serve with a token starts" start_demo_serve "$tmp/serve2.out" --db "$db" --token s3cret
check "no token: 401" test "$(req GET /api/v1/campaigns)" = 401
check "  ... JSON error" is_json_error unauthorized
check "wrong token: 401" test "$(req GET /metrics -H 'Authorization: Bearer nope')" = 401
check "right token: 200" test "$(req GET /api/v1/campaigns -H 'Authorization: Bearer s3cret')" = 200
check "/health needs no token" test "$(req GET /health)" = 200
check "with a token any Host is served (a rebinding page has no token)" \
  test "$(req GET /api/v1/campaigns -H 'Authorization: Bearer s3cret' -H 'Host: replyguard.example.co.jp')" = 200
check "POST without token: 401" test "$(req POST /api/v1/scan --data-binary @"$demo/inbox/05-newsletter.eml")" = 401

# A non-loopback address without a token is refused before binding.
"$bin" serve --listen 0.0.0.0 --port 0 --db "$db" >"$tmp/open.out" 2>&1
check "serve on 0.0.0.0 without token exits 2" test $? -eq 2
check "  ... and says why" grep -q 'refusing to listen on 0.0.0.0 without a token' "$tmp/open.out"
REPLYGUARD_TOKEN= "$bin" serve --listen :: --port 0 --db "$db" >/dev/null 2>&1
check "serve on :: without token exits 2" test $? -eq 2

checks_summary report_serve
