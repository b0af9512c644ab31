#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/cli/dashboard_browser.sh - the dashboard in a real headless Chromium
#
#   dashboard_browser.sh BINARY CORPUS_DIR
#
# Fills a store from the demo (learn demo/mailbox, scan demo/inbox with
# --keep-detections), runs `serve` on 127.0.0.1, and loads the dashboard in
# Debian's chromium (--headless --dump-dom after the page's scripts ran):
# the timeline has bars, the campaign table has the 3 demo campaigns, the
# message view of a detection explains every finding (English, and Japanese
# with ?lang=ja). Screenshots go to build/artifacts/ (next to BINARY).
# Exits 77 (skipped, ctest SKIP_RETURN_CODE) when chromium is not installed.
set -u
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
demo=$here/../../demo
chromium=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$chromium" ]; then
  echo "SKIP: chromium is not installed (Debian package chromium, scripts/packages/report.txt)"
  exit 77
fi
artifacts=$(cd "$(dirname "$bin")" && pwd)/artifacts
mkdir -p "$artifacts"
tmp=$(mktemp -d)
srv=
cleanup() {
  [ -n "$srv" ] && { kill "$srv" 2>/dev/null; wait "$srv" 2>/dev/null; }
  rm -rf "$tmp"
}
trap cleanup EXIT
fails=0
passes=0
check() {
  local name=$1; shift
  if "$@"; then passes=$((passes + 1)); else echo "FAIL: $name"; fails=$((fails + 1)); fi
}

db=$tmp/demo.db
"$bin" learn --no-progress --db "$db" --org-domain sakura-shoji.example "$demo/mailbox" >/dev/null
"$bin" scan --no-progress --db "$db" --config "$demo/replyguard.toml" --keep-detections "$demo/inbox" >/dev/null
"$bin" serve --port 0 --db "$db" --config "$demo/replyguard.toml" --no-keep-detections >"$tmp/serve.out" 2>&1 &
srv=$!
port=
for _ in $(seq 1 100); do
  port=$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$tmp/serve.out")
  [ -n "$port" ] && break
  sleep 0.1
done
if [ -z "$port" ]; then echo "FAIL: serve did not start"; cat "$tmp/serve.out"; exit 1; fi
base=http://127.0.0.1:$port

browse() {  # browse URL [extra chromium flags...] -> DOM on stdout
  local url=$1; shift
  timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync --disable-dev-shm-usage \
    --user-data-dir="$tmp/profile-$RANDOM" --virtual-time-budget=15000 "$@" "$url" 2>>"$tmp/chromium.err"
}

browse "$base/?lang=en" --dump-dom >"$tmp/main.html"
check "dashboard loaded its data" grep -q 'data-loaded="yes"' "$tmp/main.html"
check "timeline chart has bars" test "$(grep -o '<rect[^>]*class="bar"' "$tmp/main.html" | wc -l)" -ge 3
check "timeline bars carry hijack counts" grep -q 'data-group="hijack"' "$tmp/main.html"
check "campaign table: 3 rows" test "$(grep -o '<tr class="campaign' "$tmp/main.html" | wc -l)" -eq 3
check "campaign table names the impersonated partner" grep -q 'fuji-kogyo.example' "$tmp/main.html"
check "detections table: 4 rows" test "$(grep -o '<tr class="detection"' "$tmp/main.html" | wc -l)" -eq 4

id=$(curl -s "$base/api/v1/detections" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["detections"][-1]["id"])')
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
browse "$base/?lang=ja#/detection/$id" --dump-dom >"$tmp/msg.ja.html"
check "message view in Japanese" grep -q '<th>意味</th>' "$tmp/msg.ja.html"
check "every finding explained in Japanese" /usr/bin/python3 - "$tmp/msg.ja.html" <<'PY'
import re, sys
s = open(sys.argv[1], encoding="utf-8").read()
ex = re.findall(r'<td class="explain">([^<]*)</td>', s)
assert ex and all(re.search(r'[\u3040-\u30ff\u4e00-\u9fff]', e) for e in ex), ex
PY

browse "$base/?lang=en" --screenshot="$artifacts/dashboard.png" --window-size=1280,1600 >/dev/null
check "screenshot of the dashboard saved" test -s "$artifacts/dashboard.png"
browse "$base/?lang=ja#/detection/$id" --screenshot="$artifacts/dashboard-message-ja.png" --window-size=1280,2200 >/dev/null
check "screenshot of a message view saved" test -s "$artifacts/dashboard-message-ja.png"

echo "dashboard_browser: $passes passed, $fails failed (screenshots in $artifacts)"
[ "$fails" -eq 0 ] || { grep -v dbus "$tmp/chromium.err" | tail -20; exit 1; }
