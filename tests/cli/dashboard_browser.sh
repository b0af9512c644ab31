#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/cli/dashboard_browser.sh - the dashboard in a real headless Chromium
#
#   dashboard_browser.sh BINARY CORPUS_DIR
#
# Fills a store from the demo (learn demo/mailbox, scan demo/inbox with
# --keep-detections), runs `serve` on 127.0.0.1 (free ports), and loads the
# dashboard in Debian's chromium: --dump-dom after the page's scripts ran,
# and tests/support/cdp.py to type, click and read the page over the
# DevTools pipe. Checked (issue 14 item 4):
# - the chart counts detections per arrival day by verdict; the campaign
#   table has the 3 demo campaigns; export links give the campaign table
#   (CSV, Markdown) and the advisory draft exactly as `replyguard report`;
# - the message view explains every finding and lays its evidence out as
#   fields and tables (English, Japanese); Japanese headers do not wrap;
# - two more mails: one dated 2099 (arrival order and days unchanged, the
#   Date flagged) and one whose subject and sender are HTML (shown as text);
# - filtering by verdict, finding, sender, subject, arrival day (form and
#   address);
# - feedback: refused without a token (no buttons, 403); with a token the
#   buttons mark a detection genuine (left out of campaigns) and confirm a hijack.
# Screenshots go to build/artifacts/ (next to BINARY); with
# DASHBOARD_SCREENSHOTS=DIR the two documentation screenshots
# (dashboard-en.png, dashboard-ja.png, demo data only) are written to DIR too
# (scripts/dashboard-screenshots.sh regenerates docs/img/).
# Exits 77 (skipped, ctest SKIP_RETURN_CODE) when chromium is not installed.
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
here=$(cd "$(dirname "$0")" && pwd)
demo=$(cd "$here/../../demo" && pwd)
chromium=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$chromium" ]; then
  echo "SKIP: chromium is not installed (Debian package chromium, scripts/packages/report.txt)"
  exit 77
fi
artifacts=$(cd "$(dirname "$bin")" && pwd)/artifacts
mkdir -p "$artifacts"
. "$here/../support/checks.sh"  # check, py, checks_summary, test_tmp
. "$here/../support/serve.sh"   # demo_learn, start_demo_serve
test_tmp

db=$tmp/demo.db
demo_learn "$db"
# From the demo's parent, so sources read demo/inbox/... (the screenshots show them).
(cd "$demo/.." && "$bin" scan --no-progress --db "$db" --config demo/replyguard.toml --keep-detections demo/inbox >/dev/null)
start_demo_serve "$tmp/serve.out" --db "$db" --config "$demo/replyguard.toml" --no-keep-detections ||
  { echo "FAIL: serve did not start"; cat "$tmp/serve.out"; exit 1; }
base=http://127.0.0.1:$port

browse() {  # browse URL [extra chromium flags...] -> DOM on stdout
  local url=$1; shift
  timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync --disable-dev-shm-usage \
    --user-data-dir="$tmp/profile-$RANDOM" --virtual-time-budget=15000 "$@" "$url" 2>>"$tmp/chromium.err"
}
drive() {  # drive URL SCRIPT_FILE [WIDTH] -> the script's JSON result on stdout
  timeout 120 /usr/bin/python3 "$here/../support/cdp.py" "$chromium" "$tmp/profile-$RANDOM" "$1" "$2" \
    --window-size="${3:-1280}",1600 2>>"$tmp/chromium.err"
}

# --- the demo: overview -------------------------------------------------
browse "$base/?lang=en" --dump-dom >"$tmp/main.html"
check "dashboard loaded its data" grep -q 'data-loaded="yes"' "$tmp/main.html"
check "timeline chart has bars" test "$(grep -o '<rect[^>]*class="bar"' "$tmp/main.html" | wc -l)" -ge 1
check "timeline bars are detections by verdict" py "
import re; s=open('$tmp/main.html').read()
bars=re.findall(r'<rect[^>]*data-verdict=\"(\w+)\"[^>]*data-count=\"(\d+)\"', s)
assert bars and sum(int(n) for _, n in bars)==4 and {v for v, _ in bars} <= {'malicious','suspicious'}, bars
"
check "per-day table: 4 detections today (arrival)" py "
import re, datetime; s=open('$tmp/main.html').read()
rows=re.findall(r'<tr class=\"perday\" data-day=\"([0-9-]+)\"><td class=\"t\">[^<]*</td><td class=\"n\">(\d+)</td>', s)
today=datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d')
assert rows==[(today,'4')], rows
"
check "per-day actions: none recorded for scanned mail" grep -q '<td class="actions">no action recorded 4</td>' "$tmp/main.html"
check "campaign table: 3 rows" test "$(grep -o '<tr class="campaign' "$tmp/main.html" | wc -l)" -eq 3
check "campaign table names the impersonated partner" grep -q 'fuji-kogyo.example' "$tmp/main.html"
check "detections table: 4 rows" test "$(grep -o '<tr class="detection' "$tmp/main.html" | wc -l)" -eq 4
check "no CDN or remote resource in the page" py "
import re; s=open('$tmp/main.html').read()
assert not re.search(r'(src|href)=\"(https?:)?//', s), re.findall(r'(?:src|href)=\"[^\"]*\"', s)
"

# --- export: the links give what `replyguard report` prints -----------------
for x in "campaigns csv --format csv" "campaigns markdown --format markdown" "advisory markdown --advisory"; do
  set -- $x
  kind=$1 fmt=$2; shift 2
  check "export link $kind/$fmt on the page" grep -q "class=\"export\" href=\"/api/v1/report?kind=$kind&amp;format=$fmt&amp;lang=en\"" "$tmp/main.html"
  curl -s -D "$tmp/x.hdr" -o "$tmp/x.body" "$base/api/v1/report?kind=$kind&format=$fmt&lang=en"
  "$bin" report --db "$db" --config "$demo/replyguard.toml" --lang en "$@" >"$tmp/x.want" 2>/dev/null
  check "export $kind/$fmt equals replyguard report" cmp -s "$tmp/x.body" "$tmp/x.want"
  check "export $kind/$fmt is a download" grep -qi '^content-disposition: attachment' "$tmp/x.hdr"
done
curl -s -o "$tmp/x.body" "$base/api/v1/report?kind=advisory&format=markdown&lang=ja&utc_offset=9"
check "advisory draft in Japanese (注意喚起)" grep -q '注意' "$tmp/x.body"
check "export refuses an unknown format (400)" test "$(curl -s -o /dev/null -w '%{http_code}' "$base/api/v1/report?format=pdf")" = 400

# --- the message view ---------------------------------------------------------
id=$(curl -s "$base/api/v1/detections" | py 'import json,sys; print(json.load(sys.stdin)["detections"][-1]["id"])')
browse "$base/?lang=en#/detection/$id" --dump-dom >"$tmp/msg.html"
check "message view shown" grep -q '<section id="message">' "$tmp/msg.html"
nf=$(grep -o '<tr class="finding"' "$tmp/msg.html" | wc -l)
check "message view lists findings ($nf)" test "$nf" -ge 3
check "every finding explained (English)" /usr/bin/python3 - "$tmp/msg.html" <<'PY'
import re, sys
s = open(sys.argv[1], encoding="utf-8").read()
ex = re.findall(r'<td class="explain">([^<]*)</td>', s)
assert ex and all(e.strip() for e in ex), ex
assert len(ex) == s.count('<tr class="finding"')
PY
check "evidence laid out as labelled fields, raw JSON folded" /usr/bin/python3 - "$tmp/msg.html" <<'PY'
import re, sys
s = open(sys.argv[1], encoding="utf-8").read()
ev = re.findall(r'<div class="evidence" data-id="(\w+)">(.*?)</details></div>', s, re.S)
assert len(ev) >= 2, len(ev)
for fid, block in ev:
    assert '<dl class="ev-fields">' in block or '<table class="ev-table">' in block, fid
    assert '<details><summary>raw JSON</summary><pre>' in block, fid
# a hijack's evidence names the thread's past participants or the quoted message for a person
assert re.search(r'<dt>(Past participants of the thread|Quoted message|Thread subject|Known addresses|Sender)</dt>', s)
PY
check "no feedback buttons without a token" py "
s=open('$tmp/msg.html').read(); assert 'id=\"fb-genuine\"' not in s and 'id=\"feedback-off\"' in s"
browse "$base/?lang=ja#/detection/$id" --dump-dom >"$tmp/msg.ja.html"
check "message view in Japanese" grep -q '<th>意味</th>' "$tmp/msg.ja.html"
check "every finding explained in Japanese" /usr/bin/python3 - "$tmp/msg.ja.html" <<'PY'
import re, sys
s = open(sys.argv[1], encoding="utf-8").read()
ex = re.findall(r'<td class="explain">([^<]*)</td>', s)
assert ex and all(re.search(r'[\u3040-\u30ff\u4e00-\u9fff]', e) for e in ex), ex
PY
cat >"$tmp/labels_ja.py" <<'PY'
import re, sys
s = open(sys.argv[1], encoding="utf-8").read()
labels = re.findall(r'<(?:th|h2|dt|button|option|label><span)[^>]*>([^<]*)<', s)
same = ('Message-ID', 'URL', 'URI', 'In-Reply-To', 'References', 'JSON', 'Cc', 'DDE', 'Thread-Index', 'English')
english = [l for l in labels if re.fullmatch(r'[A-Za-z ()]+', l) and l not in same and not re.fullmatch(r'[A-Z0-9_]+', l)]
assert len(labels) > 30 and not english, english
PY
check "Japanese labels throughout the message view" /usr/bin/python3 "$tmp/labels_ja.py" "$tmp/msg.ja.html"
browse "$base/?lang=ja" --dump-dom >"$tmp/main.ja.html"
check "Japanese labels throughout the overview" /usr/bin/python3 "$tmp/labels_ja.py" "$tmp/main.ja.html"

# Japanese column headers stay on one line (no break per character).
cat >"$tmp/th.js" <<'JS'
const bad = [];
for (const th of document.querySelectorAll("th")) {
  if (!th.offsetParent) continue;
  const cs = getComputedStyle(th);
  const lh = parseFloat(cs.lineHeight) || parseFloat(cs.fontSize) * 1.4;
  if (th.clientHeight > lh * 1.8 + parseFloat(cs.paddingTop) + parseFloat(cs.paddingBottom)) bad.push(th.textContent);
  if (cs.whiteSpace !== "nowrap") bad.push("wrap:" + th.textContent);
}
return {lang: document.documentElement.lang, n: document.querySelectorAll("th").length, bad};
JS
drive "$base/?lang=ja#/detection/$id" "$tmp/th.js" >"$tmp/th.json"
check "Japanese headers on one line (window 1280)" py "
import json; r=json.load(open('$tmp/th.json')); assert r['lang']=='ja' and r['n']>=20 and not r['bad'], r"
drive "$base/?lang=ja" "$tmp/th.js" 640 >"$tmp/th.narrow.json"
check "Japanese headers on one line (overview, window 640)" py "
import json; r=json.load(open('$tmp/th.narrow.json')); assert r['lang']=='ja' and r['n']>=20 and not r['bad'], r"

# Screenshots of the demo (documentation: DASHBOARD_SCREENSHOTS=DIR).
browse "$base/?lang=en" --screenshot="$artifacts/dashboard-en.png" --window-size=1280,1500 >/dev/null
check "screenshot of the dashboard saved" test -s "$artifacts/dashboard-en.png"
browse "$base/?lang=ja#/detection/$id" --screenshot="$artifacts/dashboard-ja.png" --window-size=1280,1900 >/dev/null
check "screenshot of a message view (ja) saved" test -s "$artifacts/dashboard-ja.png"
if [ -n "${DASHBOARD_SCREENSHOTS:-}" ]; then
  mkdir -p "$DASHBOARD_SCREENSHOTS"
  cp "$artifacts/dashboard-en.png" "$artifacts/dashboard-ja.png" "$DASHBOARD_SCREENSHOTS/"
fi

# --- a mail dated 2099 and a mail with HTML in its subject -------------------
src=$demo/inbox/03-hijack-en-download-link.eml
sed -e 's/^Date: .*/Date: Thu, 01 Jan 2099 09:00:00 +0900/' -e 's/^Message-ID: .*/Message-ID: <future-2099@hotel-bluesky.example>/' \
    "$src" >"$tmp/future.eml"
sed -e 's/^Message-ID: .*/Message-ID: <xss-1@hotel-bluesky.example>/' \
    -e 's/^Subject: .*/Subject: RE: <img src=x onerror="document.title=\x27pwned\x27"><script>document.title="pwned"<\/script>/' \
    -e 's/^From: .*/From: "<b onmouseover=alert(1)>John<\/b>" <billing@hotel-bluesky.example>/' "$src" >"$tmp/xss.eml"
"$bin" scan --no-progress --db "$db" --config "$demo/replyguard.toml" --keep-detections "$tmp/future.eml" "$tmp/xss.eml" >/dev/null
curl -s "$base/api/v1/detections" >"$tmp/list.json"
check "the 2099 mail is listed by arrival, its Date flagged" py "
import json, datetime; ds=json.load(open('$tmp/list.json'))['detections']
today=datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d')
f=[d for d in ds if d['message_id']=='future-2099@hotel-bluesky.example']
assert len(ds)==6 and len(f)==1 and f[0]['day']==today and f[0]['date_day']=='2099-01-01' and f[0]['date_future'], f
assert [d['time'] for d in ds]==sorted((d['time'] for d in ds), reverse=True)
"
curl -s "$base/api/v1/timeline" >"$tmp/tl.json"
check "timeline: days by arrival, none in 2099, every detection counted once" py "
import json; t=json.load(open('$tmp/tl.json'))
assert t['days'] and all(not d['day'].startswith('2099') for d in t['days']), t['days']
assert sum(d['detections'] for d in t['days'])==6 and sum(sum(d['verdicts'].values()) for d in t['days'])==6, t['days']
assert sum(sum(d['actions'].values()) for d in t['days'])==6, t['days']
"
browse "$base/?lang=en" --dump-dom >"$tmp/xss.html"
check "HTML in a subject renders as text (no element, no script ran)" py "
s=open('$tmp/xss.html').read()
assert 'pwned' not in s.split('<title>')[1].split('</title>')[0]
assert '&lt;img src=x onerror=' in s and '<img src=\"x\"' not in s and '<img src=x' not in s
assert '&lt;b onmouseover=alert(1)&gt;John&lt;/b&gt;' in s and '<b onmouseover' not in s
"
check "the 2099 Date shown with a warning" grep -q 'class="warn"[^>]*>2099-01-01 00:00 ⚠' "$tmp/xss.html"

# --- filtering ----------------------------------------------------------------
rows() { grep -o '<tr class="detection[^"]*" data-id="[0-9]*"' "$1" | wc -l; }
want() {  # want QUERY -> how many the API matches
  curl -s "$base/api/v1/detections?$1" | py 'import json,sys; print(json.load(sys.stdin)["matched"])'
}
nmal=$(want 'verdict=malicious')
check "API filter by verdict ($nmal malicious of 6)" test "$nmal" -ge 1 -a "$nmal" -lt 6
browse "$base/?lang=en&verdict=malicious" --dump-dom >"$tmp/f1.html"
check "page filter from the address: verdict" test "$(rows "$tmp/f1.html")" -eq "$nmal"
check "  ... only malicious rows" py "
import re; s=open('$tmp/f1.html').read(); v=re.findall(r'<tr class=\"detection[^\"]*\" data-id=\"\d+\" data-verdict=\"(\w+)\"', s)
assert v and set(v)=={'malicious'}, v"
check "API filter by sender (hotel-bluesky: 3)" test "$(want 'q=hotel-bluesky')" = 3
check "API filter by subject (case-insensitive; the HTML one has another)" test "$(want 'subject=shipment%20SCHEDULE')" = 2
check "API filter by finding" test "$(want 'finding=HIJACK_WITH_PAYLOAD')" -ge 1
check "API filter by finding: unknown id matches none" test "$(want 'finding=NO_SUCH_FINDING')" = 0
today=$(date -u +%Y-%m-%d)
check "API filter by arrival day (today: 6, tomorrow on: 0)" test "$(want "day_from=$today&day_to=$today")-$(want 'day_from=2099-01-01')" = 6-0
check "API filter: bad day refused (400)" test "$(curl -s -o /dev/null -w '%{http_code}' "$base/api/v1/detections?day_from=yesterday")" = 400
cat >"$tmp/filter.js" <<'JS'
document.getElementById("f-q").value = "hotel-bluesky";
document.getElementById("f-finding").value = "HIJACK_WITH_PAYLOAD";
document.getElementById("f-apply").click();
await until(() => document.querySelectorAll("#detections tr.detection").length &&
                  [...document.querySelectorAll("#detections tr.detection")].every(r => r.textContent.includes("hotel-bluesky")));
const rows = [...document.querySelectorAll("#detections tr.detection")];
return {n: rows.length, url: location.search, count: document.getElementById("match-count").textContent,
        all: rows.every(r => r.textContent.includes("HIJACK_WITH_PAYLOAD"))};
JS
drive "$base/?lang=en" "$tmp/filter.js" >"$tmp/filter.json"
nboth=$(want 'q=hotel-bluesky&finding=HIJACK_WITH_PAYLOAD')
check "form filter (sender + finding) typed and clicked: $nboth rows" py "
import json; r=json.load(open('$tmp/filter.json'))
assert r['n']==$nboth and r['all'] and 'finding=HIJACK_WITH_PAYLOAD' in r['url'], r"

# --- feedback -------------------------------------------------------------------
code=$(curl -s -o "$tmp/fb.body" -w '%{http_code}' -H 'Content-Type: application/json' -d '{"feedback":"genuine"}' \
  "$base/api/v1/detections/$id/feedback")
check "feedback without a token refused (403)" test "$code" = 403
check "  ... JSON error names the token" grep -q 'token' "$tmp/fb.body"
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: text/plain' -d '{"feedback":"genuine"}' \
  "$base/api/v1/detections/$id/feedback")
check "feedback as a form-like request without a token refused (415, CSRF rule)" test "$code" = 415

token=rg-test-$RANDOM$RANDOM
start_demo_serve "$tmp/serve2.out" --db "$db" --config "$demo/replyguard.toml" --keep-detections --token "$token" ||
  { echo "FAIL: serve with a token did not start"; cat "$tmp/serve2.out"; exit 1; }
port2=$port
base2=http://127.0.0.1:$port2
auth="Authorization: Bearer $token"
check "with a token: feedback without it refused (401)" \
  test "$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' -d '{"feedback":"hijack"}' "$base2/api/v1/detections/$id/feedback")" = 401
check "with a token: a bad feedback word refused (400)" \
  test "$(curl -s -o /dev/null -w '%{http_code}' -H "$auth" -H 'Content-Type: application/json' -d '{"feedback":"maybe"}' "$base2/api/v1/detections/$id/feedback")" = 400
ncamp_before=$(curl -s -H "$auth" "$base2/api/v1/campaigns" | py 'import json,sys; print(sum(c["count"] for c in json.load(sys.stdin)["campaigns"]))')
# The detection to call genuine: one in a campaign.
gid=$(curl -s -H "$auth" "$base2/api/v1/campaigns" | py 'import json,sys; print(json.load(sys.stdin)["campaigns"][0]["detection_ids"][0])')
cat >"$tmp/fb.js" <<'JS'
await until(() => document.getElementById("fb-genuine"));
document.getElementById("fb-genuine").click();
await until(() => (document.getElementById("feedback-status") || {}).textContent);
const row = document.querySelector('#detections tr.detection[data-id="' + location.hash.split("/").pop() + '"]');
return {status: document.getElementById("feedback-status").textContent, badge: document.querySelector("#feedback .badge").textContent,
        row: row && row.className, genuine: [...document.querySelectorAll("#perday tr td:nth-child(5)")].map(td => td.textContent)};
JS
drive "$base2/?lang=en#/detection/$gid&token=$token" "$tmp/fb.js" >"$tmp/fb.json"
check "with a token: the 'genuine' button marks the detection" py "
import json; r=json.load(open('$tmp/fb.json'))
assert r['badge'].startswith('genuine') and 'fb-genuine' in r['row'] and 'false positive' in r['status'] and '1' in r['genuine'], r"
curl -s -H "$auth" "$base2/api/v1/detections/$gid" >"$tmp/g.json"
check "  ... kept in the store (feedback genuine, time set)" py "
import json; d=json.load(open('$tmp/g.json')); assert d['feedback']=='genuine' and d['feedback_time']>0, d.get('feedback')"
check "  ... left out of the campaigns" test "$(curl -s -H "$auth" "$base2/api/v1/campaigns" | py 'import json,sys; c=json.load(sys.stdin)["campaigns"]; print(sum(x["count"] for x in c), any('"$gid"' in x["detection_ids"] for x in c))')" = "$((ncamp_before - 1)) False"
check "  ... and out of the exported table and \`replyguard report\`" py "
import subprocess
a=subprocess.run(['curl','-s','-H','$auth','$base2/api/v1/report?kind=campaigns&format=csv&lang=en'],capture_output=True).stdout
b=subprocess.run(['$bin','report','--db','$db','--config','$demo/replyguard.toml','--format','csv','--lang','en'],capture_output=True).stdout
assert a==b and a, (a,b)"
check "  ... filter feedback=genuine finds it" test "$(curl -s -H "$auth" "$base2/api/v1/detections?feedback=genuine" | py 'import json,sys; print([d["id"] for d in json.load(sys.stdin)["detections"]])')" = "[$gid]"
hid=$(curl -s -H "$auth" "$base2/api/v1/detections?feedback=none&verdict=malicious" | py 'import json,sys; print(json.load(sys.stdin)["detections"][0]["id"])')
cat >"$tmp/fb2.js" <<'JS'
await until(() => document.getElementById("fb-hijack"));
document.getElementById("fb-hijack").click();
await until(() => (document.getElementById("feedback-status") || {}).textContent);
return {status: document.getElementById("feedback-status").textContent, badge: document.querySelector("#feedback .badge").textContent};
JS
drive "$base2/?lang=ja#/detection/$hid&token=$token" "$tmp/fb2.js" >"$tmp/fb2.json"
check "with a token: the 'hijack' button (Japanese page) confirms" py "
import json; r=json.load(open('$tmp/fb2.json')); assert r['badge']=='攻撃（確認済み）' and r['status'].startswith('登録しました'), r"
check "  ... kept in the store" test "$(curl -s -H "$auth" "$base2/api/v1/detections/$hid" | py 'import json,sys; print(json.load(sys.stdin)["feedback"])')" = hijack
check "  ... the history is not claimed to change" py "
import json, subprocess
r=subprocess.run(['curl','-s','-H','$auth','-H','Content-Type: application/json','-d','{\"feedback\":\"hijack\"}','$base2/api/v1/detections/$hid/feedback'],capture_output=True).stdout
j=json.loads(r); assert j['history_updated'] is False and j['feedback']=='hijack', j"

# --- actions: the milter writes its disposition into the source ("milter:QID (reject)") ------
sed -e 's/^Message-ID: .*/Message-ID: <milter-1@hotel-bluesky.example>/' "$src" >"$tmp/milter:Q1 (reject)"
(cd "$tmp" && "$bin" scan --no-progress --db "$db" --config "$demo/replyguard.toml" --keep-detections "milter:Q1 (reject)" >/dev/null)
check "a milter's reject is counted as an action" py "
import json, subprocess
t=json.loads(subprocess.run(['curl','-s','$base/api/v1/timeline'],capture_output=True).stdout)
acts={}
for d in t['days']:
    for k, n in d['actions'].items(): acts[k]=acts.get(k,0)+n
assert acts=={'none': 6, 'reject': 1}, acts"

echo "screenshots in $artifacts"
checks_summary dashboard_browser || { grep -v dbus "$tmp/chromium.err" | tail -20; exit 1; }
