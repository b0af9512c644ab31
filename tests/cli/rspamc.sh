#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/cli/rspamc.sh - rspamd's own client (rspamc, Debian package rspamd) against `replyguard serve` /checkv2
#
#   rspamc.sh BINARY CORPUS_DIR
#
# The demo history (demo/mailbox learnt as sakura-shoji.example's, as
# scripts/demo.sh does) in a fresh store; `replyguard serve` on 127.0.0.1 with a
# port the kernel picks; the real rspamc 3.4 talks to it. What rspamc shows
# (symbols, -j, -z), the action from the configured per-verdict actions, the
# envelope headers and the Queue-Id in a kept detection, rspamc's exit status
# (3.4 has no verdict exit status: 0 for any verdict, 1 when the request
# failed), Password with a token, and bodies that must not be scanned as bytes
# (a corrupt or truncated zstd frame, a zstd bomb, a dictionary, gzip).
# Skipped (exit 77) when rspamc or zstd is not installed.
set -u
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
command -v rspamc >/dev/null || { echo "rspamc not installed (Debian package rspamd): skipped"; exit 77; }
command -v zstd >/dev/null || { echo "zstd not installed: skipped"; exit 77; }
. "$here/../support/checks.sh"
. "$here/../support/serve.sh"  # demo_learn, start_demo_serve
test_tmp

hijack=$demo/inbox/02-hijack-ja-password-zip.eml
hijack_en=$demo/inbox/03-hijack-en-download-link.eml
genuine=$demo/inbox/01-genuine-reply-ja.eml
suspicious=$demo/inbox/07-password-followup.eml

db=$tmp/demo.db
check "learn the demo history" demo_learn "$db"
# The demo's configuration with a 2 MiB message limit (the zstd bomb below
# decompresses to 32 MiB); the default [milter.actions]: malicious reject.
{ cat "$demo/replyguard.toml"; printf '\n[limits]\nmessage_bytes = 2097152\n'; } >"$tmp/rg.toml"

check "serve starts on a free port (no token)" start_demo_serve "$tmp/serve.out" --db "$db" --config "$tmp/rg.toml"
rc() { rspamc -h "127.0.0.1:$port" -t 20 "$@"; }

# --- rspamc symbols (the default command) ---------------------------------------
rc symbols "$hijack" >"$tmp/h.txt" 2>&1
st=$?
check "rspamc symbols on a demo hijack exits 0 (3.4: no verdict exit status; got $st)" test "$st" -eq 0
check "  ... Action: reject" grep -qx 'Action: reject' "$tmp/h.txt"
check "  ... Spam: true" grep -qx 'Spam: true' "$tmp/h.txt"
check "  ... Score: S / 10.00 (the malicious threshold is the reject score)" grep -qE '^Score: [0-9]+\.[0-9]+ / 10\.00$' "$tmp/h.txt"
check "  ... our symbols with options" grep -qE '^Symbol: HIJACK_WITH_PAYLOAD \(10\.00\)\[' "$tmp/h.txt"
check "  ... the reject text as rspamd's smtp_message" grep -q 'smtp_message: Message looks like reply-chain hijacking' "$tmp/h.txt"
check "  ... its Message-ID" grep -qx 'Message-ID: 8f2c1e0a9b7d4c3e@kagoshima-dental.example' "$tmp/h.txt"

rc symbols "$genuine" >"$tmp/g.txt" 2>&1
st=$?
check "rspamc symbols on a genuine reply exits 0 (got $st)" test "$st" -eq 0
check "  ... Action: no action" grep -qx 'Action: no action' "$tmp/g.txt"
check "  ... Spam: false" grep -qx 'Spam: false' "$tmp/g.txt"
check "  ... GENUINE_REPLY shown" grep -q '^Symbol: GENUINE_REPLY (-3.00)' "$tmp/g.txt"

# --- rspamc -j ------------------------------------------------------------------
rc -j "$hijack" >"$tmp/h.json"
check "rspamc -j on the hijack exits 0 (got $?)" test $? -eq 0
check "  ... rspamd's reply: action reject, score, required_score, symbols, milter; our record under replyguard" py "
import json; j=json.load(open('$tmp/h.json'))
assert j['action']=='reject' and j['is_skipped'] is False, j['action']
assert j['score']>=10 and j['required_score']==10, (j['score'], j['required_score'])
s=j['symbols']['HIJACK_THREAD_OUTSIDER_NAME']
assert s['name']=='HIJACK_THREAD_OUTSIDER_NAME' and s['score']==s['metric_score']>0 and s['description'] and s['options'], s
assert j['messages']['smtp_message'].startswith('Message looks like'), j['messages']
assert j['message-id']=='8f2c1e0a9b7d4c3e@kagoshima-dental.example' and j['time_real']>=0
assert j['milter']=={'add_headers':{},'remove_headers':{}}, j['milter']  # rejected: nothing to rewrite
r=j['replyguard']
assert r['verdict']=='malicious' and r['score']==j['score'] and r['source']=='rspamd', (r['verdict'], r['source'])
assert sorted(f['id'] for f in r['findings'])==sorted(j['symbols']), 'symbols = our findings'
"
rc -j "$suspicious" >"$tmp/s.json"
check "rspamc -j on a suspicious message: add header, the milter's X-Replyguard-* fields (forged copies removed)" py "
import json; j=json.load(open('$tmp/s.json'))
assert j['action']=='add header', j['action']
a=j['milter']['add_headers']
assert a['X-Replyguard-Verdict']=='suspicious' and a['X-Replyguard-Score']=='%.2f' % j['score'], a
assert a['X-Replyguard-Findings'].startswith('LOOKALIKE_DOMAIN='), a
assert j['milter']['remove_headers']=={h:0 for h in ['X-Replyguard-Verdict','X-Replyguard-Score','X-Replyguard-Findings','X-Replyguard-Banner','X-Replyguard-Outbound','X-Replyguard-Incomplete']}, j['milter']['remove_headers']
"
rc -j "$genuine" >"$tmp/g.json"
check "rspamc -j on the genuine reply: no action, X-Replyguard-Verdict clean" py "
import json; j=json.load(open('$tmp/g.json'))
assert j['action']=='no action' and j['milter']['add_headers']['X-Replyguard-Verdict']=='clean', j['action']
"

# --- rspamc -z (zstd) -----------------------------------------------------------
for m in hijack genuine suspicious; do
  rc -z -j "${!m}" >"$tmp/$m.z.json"
  check "rspamc -z -j ($m): the same action and score as without -z" py "
import json; a=json.load(open('$tmp/$m.z.json')); b=json.load(open('$tmp/${m:0:1}.json'))
assert (a['action'], a['score'], sorted(a['symbols'])) == (b['action'], b['score'], sorted(b['symbols'])), (a['action'], b['action'])
assert a['replyguard']['subject']==b['replyguard']['subject']
"
done
rc -z symbols "$hijack" >"$tmp/hz.txt" 2>&1
check "rspamc -z symbols on the hijack: Action: reject" grep -qx 'Action: reject' "$tmp/hz.txt"

# --- envelope headers and the Queue-Id of a kept detection ------------------------
# rspamc 3.4 has no --queue-id option: the header goes with --header.
rc -j --header 'Queue-Id: 4QTEST1' -F billing@hotel-bluesky.example -r k.suzuki@sakura-shoji.example \
  -r sato@sakura-shoji.example -i 192.0.2.7 --helo mail.hotel-bluesky.example --hostname mail.hotel-bluesky.example \
  -u someone -d k.suzuki -p "$hijack_en" >"$tmp/q.json"
check "rspamc with envelope options and Queue-Id: action reject" py "
import json; j=json.load(open('$tmp/q.json')); assert j['action']=='reject', j['action']
"
check "  ... the envelope recorded, source rspamd:4QTEST1" py "
import json; r=json.load(open('$tmp/q.json'))['replyguard']
assert r['source']=='rspamd:4QTEST1', r['source']
e=r['envelope']
assert e['from']=='billing@hotel-bluesky.example' and e['rcpt']==['k.suzuki@sakura-shoji.example','sato@sakura-shoji.example'], e
assert e['ip']=='192.0.2.7' and e['helo']=='mail.hotel-bluesky.example' and e['hostname']=='mail.hotel-bluesky.example', e
assert e['user']=='someone' and e['deliver_to']=='k.suzuki' and e['queue_id']=='4QTEST1' and e['pass_all'] is True, e
assert isinstance(r['detection_id'], int), r['detection_id']
"
id=$(py "import json; print(json.load(open('$tmp/q.json'))['replyguard']['detection_id'])")
curl -s "http://127.0.0.1:$port/api/v1/detections/$id" >"$tmp/det.json"
check "  ... the kept detection's source is rspamd:4QTEST1" py "
import json; d=json.load(open('$tmp/det.json')); assert d['source']=='rspamd:4QTEST1', d.get('source')
"

# --- /api/v1/scan keeps the native record -----------------------------------------
curl -s -H 'Content-Type: message/rfc822' --data-binary @"$genuine" "http://127.0.0.1:$port/api/v1/scan" >"$tmp/native.json"
check "POST /api/v1/scan still answers the native record (no rspamd keys)" py "
import json; j=json.load(open('$tmp/native.json'))
assert j['verdict']=='clean' and 'action' not in j and 'replyguard' not in j and 'envelope' not in j and j['source']=='http', j.get('verdict')
"

# --- bodies that must not be scanned as bytes -------------------------------------
post() {  # post PATH [curl args...] -> status; body in $tmp/body
  local p=$1; shift
  curl -s -o "$tmp/body" -w '%{http_code}' "$@" "http://127.0.0.1:$port$p"
}
err_is() { py "import json; j=json.load(open('$tmp/body')); assert j['error']=='$1' and j['message'], j"; }
printf 'this is not a zstd frame at all' >"$tmp/corrupt.zst"
check "a corrupt zstd body: 400" test "$(post /checkv2 -H 'Compression: zstd' -H 'Flags: body_block' --data-binary @"$tmp/corrupt.zst")" = 400
check "  ... bad_request, not scanned" err_is bad_request
zstd -q -c "$hijack" | head -c 200 >"$tmp/trunc.zst"
check "a truncated zstd body: 400" test "$(post /checkv2 -H 'Compression: zstd' -H 'Flags: body_block' --data-binary @"$tmp/trunc.zst")" = 400
head -c 33554432 /dev/zero | zstd -q -19 -c >"$tmp/bomb.zst"
check "a zstd bomb ($(stat -c %s "$tmp/bomb.zst") bytes -> 32 MiB, limit 2 MiB): 413" \
  test "$(post /checkv2 -H 'Compression: zstd' -H 'Flags: body_block' --data-binary @"$tmp/bomb.zst")" = 413
check "  ... too_large" err_is too_large
zstd -q -c "$hijack" >"$tmp/h.zst"
check "a zstd body with a Dictionary header: 415" \
  test "$(post /checkv2 -H 'Compression: zstd' -H 'Dictionary: 1234' -H 'Flags: body_block' --data-binary @"$tmp/h.zst")" = 415
check "Compression: gzip: 415" test "$(post /checkv2 -H 'Compression: gzip' -H 'Flags: body_block' --data-binary @"$hijack")" = 415
check "Content-Encoding: gzip: 415" \
  test "$(post /checkv2 -H 'Content-Encoding: gzip' -H 'Content-Type: message/rfc822' --data-binary @"$hijack")" = 415
check "the zstd body on /api/v1/scan is read too (malicious)" py "
import subprocess,json
out=subprocess.run(['curl','-s','-H','Compression: zstd','-H','Content-Type: message/rfc822','--data-binary','@$tmp/h.zst','http://127.0.0.1:$port/api/v1/scan'],capture_output=True).stdout
assert json.loads(out)['verdict']=='malicious'
"
# Without a token a web page's form (text/plain) is still refused; rspamc's text/plain passed above.
check "a text/plain post without rspamd's fields (what a web page's form sends), no token: 415" \
  test "$(post /checkv2 -H 'Content-Type: text/plain' --data-binary @"$hijack")" = 415
check "rspamd's fields from another origin: 403" \
  test "$(post /checkv2 -H 'Content-Type: text/plain' -H 'Flags: body_block' -H 'Origin: http://evil.example' --data-binary @"$hijack")" = 403

# --- a token: rspamc -P -----------------------------------------------------------
# Also: the action follows [milter.actions] (suspicious mail rejected here).
{ cat "$tmp/rg.toml"; printf '\n[milter.actions]\nsuspicious = ["reject"]\n'; } >"$tmp/strict.toml"
check "serve with a token and suspicious = reject starts" start_demo_serve "$tmp/serve2.out" --db "$db" --config "$tmp/strict.toml" --token t0ken-rspamc
rc symbols "$hijack" >"$tmp/nopass.txt" 2>&1
st=$?
check "rspamc without -P: exit 1 (got $st), HTTP 401" test "$st" -eq 1 -a -n "$(grep 'HTTP error: 401' "$tmp/nopass.txt")"
rc -P wrong symbols "$hijack" >"$tmp/wrong.txt" 2>&1
st=$?
check "rspamc -P wrong: exit 1 (got $st), HTTP 401" test "$st" -eq 1 -a -n "$(grep 'HTTP error: 401' "$tmp/wrong.txt")"
rc -P t0ken-rspamc symbols "$hijack" >"$tmp/pass.txt" 2>&1
st=$?
check "rspamc -P TOKEN: exit 0 (got $st), Action: reject" test "$st" -eq 0 -a -n "$(grep -x 'Action: reject' "$tmp/pass.txt")"
rc -P t0ken-rspamc -j "$suspicious" >"$tmp/strict.json"
check "  ... suspicious mail under suspicious = [\"reject\"]: reject, required_score 5" py "
import json; j=json.load(open('$tmp/strict.json')); assert j['action']=='reject' and j['required_score']==5, (j['action'], j['required_score'])
"
check "a text/plain form post with a token but none sent: 401" \
  test "$(post /checkv2 -H 'Content-Type: text/plain' --data-binary @"$hijack")" = 401

checks_summary rspamc
