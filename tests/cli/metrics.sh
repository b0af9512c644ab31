#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/cli/metrics.sh - Prometheus metrics of serve and the milter, and serve's request log, end to end
#
#   bash tests/cli/metrics.sh BINARY [CORPUS_DIR]
#
# The demo (demo/mailbox learnt, demo/inbox scanned) goes through
#   - `replyguard scan --format jsonl`: the verdicts expected;
#   - `replyguard serve` (POST /checkv2, with a token), then GET /metrics;
#   - `replyguard milter` driven by tests/support/milter_client.py (the milter
#     protocol without Postfix), with [milter] metrics (a loopback listener)
#     and metrics_file (a node_exporter textfile).
# Checks: the counts by verdict equal the messages sent by verdict, histogram
# _count equals the scans (cumulative buckets, +Inf = _count, _sum > 0),
# actions and requests by label, build_info, the textfile written atomically,
# serve's log lines (one per request, no token, no query string; none with
# --quiet), a non-loopback metrics address refused; every exposition parses
# with prometheus_client's text parser (Debian python3-prometheus-client;
# exit 77 without it). Servers on 127.0.0.1 with free ports, stopped on exit.
set -u
BIN=$(realpath "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
DEMO=$ROOT/demo
PY=/usr/bin/python3  # Debian's, with python3-prometheus-client
. "$HERE/../support/loopback.sh"  # free_port, wait_port
$PY -c 'import prometheus_client.parser' 2>/dev/null || { echo "SKIP: python3-prometheus-client missing"; exit 77; }
T=$(mktemp -d /tmp/rg-metrics.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  rm -rf "$T"
}
trap cleanup EXIT INT TERM
. "$HERE/../support/checks.sh"  # check, $passes, $fails
bin=$BIN demo=$DEMO
. "$HERE/../support/serve.sh"   # start_demo_serve

# A checker over an exposition file: parses it with prometheus_client and
# evaluates one Python expression with v(name, **labels) (a sample's value, 0
# when absent), hist_ok(name) and exp (the expected counts by verdict).
cat > "$T/expo.py" <<'PYEND'
import json, sys
from prometheus_client.parser import text_string_to_metric_families
text = open(sys.argv[1], encoding="utf-8").read()
fams = {f.name: f for f in text_string_to_metric_families(text)}
samples = [s for f in fams.values() for s in f.samples]
def v(name, **labels):
    for s in samples:
        if s.name == name and all(s.labels.get(k) == str(w) for k, w in labels.items()):
            return s.value
    return 0
def hist_ok(name):
    """Buckets cumulative and increasing in le, +Inf == _count, _sum > 0."""
    b = [(float(s.labels["le"]), s.value) for s in samples if s.name == name + "_bucket"]
    les = [x[0] for x in b]
    counts = [x[1] for x in b]
    return (len(b) > 1 and les == sorted(les) and les[-1] == float("inf") and counts == sorted(counts)
            and counts[-1] == v(name + "_count") and v(name + "_sum") > 0)
exp = json.load(open(sys.argv[2]))
ok = eval(sys.argv[3])
if not ok:
    print("   expression false: " + sys.argv[3], file=sys.stderr)
sys.exit(0 if ok else 1)
PYEND
expo() {  # expo FILE EXPR
  $PY "$T/expo.py" "$1" "$T/expected.json" "$2"
}

# --- the verdicts expected ------------------------------------------------------
db=$T/h.db
demo_learn "$db"
"$BIN" scan --no-progress --db "$db" --config "$DEMO/replyguard.toml" --format jsonl "$DEMO/inbox" >"$T/scan.jsonl"
$PY - "$T/scan.jsonl" "$T/expected.json" <<'PYEND'
import collections, json, sys
n = collections.Counter(json.loads(l)["verdict"] for l in open(sys.argv[1]))
json.dump({k: n.get(k, 0) for k in ("clean", "suspicious", "malicious")}, open(sys.argv[2], "w"))
PYEND
msgs=$(ls "$DEMO"/inbox/*.eml | wc -l)
check "the demo inbox has mail of every verdict" $PY -c "
import json; e=json.load(open('$T/expected.json')); assert all(e[k] > 0 for k in e) and sum(e.values()) == $msgs, e"
version=$("$BIN" --version | grep -o '[0-9][0-9.]*' | head -1)

# --- serve ---------------------------------------------------------------------
token=metrics-test-token-$$
check "serve starts" start_demo_serve --err "$T/serve.err" "$T/serve.out" --db "$db" --config "$DEMO/replyguard.toml" --token "$token"
get_metrics() { curl -s -o "$1" -w '%{http_code}' -H "Authorization: Bearer $token" "http://127.0.0.1:$port/metrics"; }
check "serve: GET /metrics 200 before any scan" test "$(get_metrics "$T/s0.prom")" = 200
check "serve: the exposition parses; zero scans, every verdict present" \
  expo "$T/s0.prom" "v('replyguard_scans_total', verdict='clean') == 0 and 'verdict=\"malicious\"' in text and v('replyguard_scan_duration_seconds_count') == 0"
check "serve: build_info 1 with the version ($version)" expo "$T/s0.prom" "v('replyguard_build_info', version='$version') == 1"
sent=0
for f in "$DEMO"/inbox/*.eml; do
  code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" -H 'Content-Type: message/rfc822' \
    --data-binary @"$f" "http://127.0.0.1:$port/checkv2?source=secret-name-$(basename "$f")")
  [ "$code" = 200 ] && sent=$((sent + 1))
done
check "serve: every message scanned ($sent of $msgs)" test "$sent" -eq "$msgs"
curl -s -o /dev/null "http://127.0.0.1:$port/api/v1/symbols"  # no token: 401
check "serve: GET /metrics 200 after" test "$(get_metrics "$T/s1.prom")" = 200
check "serve: scans by verdict equal the messages sent by verdict" \
  expo "$T/s1.prom" "all(v('replyguard_scans_total', verdict=k) == exp[k] for k in exp)"
check "serve: scan histogram _count equals the scans; buckets cumulative, +Inf = _count, _sum > 0" \
  expo "$T/s1.prom" "v('replyguard_scan_duration_seconds_count') == $msgs and hist_ok('replyguard_scan_duration_seconds')"
check "serve: detections kept = non-clean scans = stored" \
  expo "$T/s1.prom" "v('replyguard_detections_kept_total') == exp['suspicious'] + exp['malicious'] == v('replyguard_detections_stored')"
check "serve: requests by route and code (POST /checkv2 200 x$msgs, GET /metrics 200 x1, symbols 401 x1)" \
  expo "$T/s1.prom" "v('replyguard_http_requests_total', route='/checkv2', code=200) == $msgs and v('replyguard_http_requests_total', route='/metrics', code=200) == 1 and v('replyguard_http_requests_total', route='/api/v1/symbols', code=401) == 1 and v('replyguard_http_unauthorized_total') == 1"
check "serve: request histogram counts the answered requests" \
  expo "$T/s1.prom" "v('replyguard_http_request_duration_seconds_count') == $msgs + 2 and hist_ok('replyguard_http_request_duration_seconds')"
check "serve: no scan errors, no store errors" \
  expo "$T/s1.prom" "v('replyguard_scan_errors_total') == 0 and sum(v('replyguard_store_errors_total', store=s) for s in ('history','detections','outbound')) == 0"
check "serve: one log line per POST (status, bytes, time)" \
  test "$(grep -cE '^replyguard serve: 127\.0\.0\.1 "POST /checkv2" 200 [0-9]+ [0-9.]+ms$' "$T/serve.err")" -eq "$msgs"
check "serve: the refused request is logged with its status" grep -q '"GET /api/v1/symbols" 401 ' "$T/serve.err"
check "serve: the log never holds the token" bash -c "! grep -q '$token' '$T/serve.err'"
check "serve: the log never holds the query string" bash -c "! grep -q 'secret-name' '$T/serve.err'"

start_demo_serve --err "$T/quiet.err" "$T/quiet.out" --db "$db" --quiet
qport=$port
check "serve --quiet: answers" test "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$qport/health")" = 200
check "serve --quiet: no request line" bash -c "! grep -q 'GET /health' '$T/quiet.err'"

# --- the milter -------------------------------------------------------------------
MPORT=$(free_port)
SPORT=$(free_port)
cp "$DEMO/replyguard.toml" "$T/milter.toml"
printf '[milter]\nlearn = false\ndetections = "off"\nmax_message_size = 100000\nmetrics = "127.0.0.1:%s"\nmetrics_file = "%s"\nmetrics_interval = 1\n' \
  "$MPORT" "$T/textfile/replyguard.prom" >>"$T/milter.toml"
mkdir -p "$T/textfile"
check "check-config accepts the metrics keys" "$BIN" check-config "$T/milter.toml"
"$BIN" milter --config "$T/milter.toml" --db "$db" --socket "inet:$SPORT@127.0.0.1" 2>"$T/milter.log" &
mpid=$!
pids+=($mpid)
wait_port "$SPORT" "$mpid"
check "milter: the metrics listener is up" wait_port "$MPORT" "$mpid"
check "milter: GET /metrics 200 before any mail" \
  test "$(curl -s -o "$T/m0.prom" -w '%{http_code}' "http://127.0.0.1:$MPORT/metrics")" = 200
check "milter: the exposition parses; zero messages; build_info" \
  expo "$T/m0.prom" "v('replyguard_milter_analysis_duration_seconds_count') == 0 and v('replyguard_build_info', version='$version') == 1"
PYTHONPATH="$ROOT/tests/support" $PY - "$SPORT" "$DEMO/inbox" >"$T/milter.sent" <<'PYEND'
import glob, sys
from milter_client import send_message
port, inbox = int(sys.argv[1]), sys.argv[2]
for i, f in enumerate(sorted(glob.glob(inbox + "/*.eml"))):
    r = send_message("127.0.0.1", port, open(f, "rb").read(), mail_from="someone@example.net",
                     rcpts=["sato@sakura-shoji.example"], client_ip="192.0.2.7", queue_id="MQ%d" % i)
    print(r.final, "analysed" if r.analysed() else "not-analysed")
# Over max_message_size: accepted unchecked, never scanned.
big = b"From: a@example.net\r\nTo: sato@sakura-shoji.example\r\nSubject: big\r\n\r\n" + b"x" * 76 + b"\r\n"
r = send_message("127.0.0.1", port, big + b"y" * 76 * 2000, mail_from="a@example.net",
                 rcpts=["sato@sakura-shoji.example"], queue_id="MQBIG")
print(r.final, "big", r.headers_added("X-Replyguard-Verdict"))
PYEND
check "milter: every demo message analysed" test "$(grep -c ' analysed$' "$T/milter.sent")" -eq "$msgs"
check "milter: GET /metrics 200 after" \
  test "$(curl -s -o "$T/m1.prom" -w '%{http_code}' "http://127.0.0.1:$MPORT/metrics")" = 200
check "milter: scans by verdict equal the messages sent by verdict" \
  expo "$T/m1.prom" "all(v('replyguard_scans_total', verdict=k) == exp[k] for k in exp)"
check "milter: scan histogram _count equals the scans" \
  expo "$T/m1.prom" "v('replyguard_scan_duration_seconds_count') == $msgs and hist_ok('replyguard_scan_duration_seconds')"
check "milter: the message over max_message_size was accepted unchecked" grep -q "^accept big \\['unchecked'\\]" "$T/milter.sent"
check "milter: analysis histogram _count equals the messages (the unscanned one too)" \
  expo "$T/m1.prom" "v('replyguard_milter_analysis_duration_seconds_count') == $msgs + 1 and hist_ok('replyguard_milter_analysis_duration_seconds')"
check "milter: messages by state ($msgs done, 1 too_large)" \
  expo "$T/m1.prom" "v('replyguard_milter_messages_total', state='done') == $msgs and v('replyguard_milter_messages_total', state='too_large') == 1 and v('replyguard_milter_messages_total', state='timed_out') == 0"
check "milter: actions: reject = malicious, accept = clean + suspicious + the unchecked one (the default [milter.actions])" \
  expo "$T/m1.prom" "v('replyguard_milter_actions_total', action='reject') == exp['malicious'] and v('replyguard_milter_actions_total', action='accept') == exp['clean'] + exp['suspicious'] + 1"
check "milter: the MTA got as many rejects (reply codes) as malicious mail" \
  test "$(grep -c '^replycode ' "$T/milter.sent")" -eq "$($PY -c "import json; print(json.load(open('$T/expected.json'))['malicious'])")"
# The textfile is rewritten every metrics_interval (1 s): wait for a write made after
# the last message (up to 30 s on a loaded machine; an event, not a time, is checked).
textfile_counts="all(v('replyguard_scans_total', verdict=k) == exp[k] for k in exp) and v('replyguard_milter_analysis_duration_seconds_count') == $msgs + 1"
for _ in $(seq 60); do expo "$T/textfile/replyguard.prom" "$textfile_counts" 2>/dev/null && break; sleep 0.5; done
check "milter: the textfile parses and holds the same counts" expo "$T/textfile/replyguard.prom" "$textfile_counts"
check "milter: no temporary file left beside the textfile" test "$(ls "$T/textfile" | wc -l)" -eq 1
kill "$mpid"; wait "$mpid" 2>/dev/null
check "milter: stops; the textfile is still there" test -s "$T/textfile/replyguard.prom"

# A metrics listener needs no token only because nobody else can reach it.
cp "$DEMO/replyguard.toml" "$T/bad.toml"
printf '[milter]\nmetrics = "0.0.0.0:%s"\n' "$MPORT" >>"$T/bad.toml"
"$BIN" check-config "$T/bad.toml" >"$T/bad.out" 2>&1
check "check-config refuses a metrics address that is not loopback (exit 1)" test $? -eq 1
check "  ... and says why" grep -q 'milter.metrics must be a loopback address' "$T/bad.out"
"$BIN" milter --config "$T/bad.toml" --db "$db" --socket "inet:$(free_port)@127.0.0.1" >/dev/null 2>"$T/bad.log"
check "the milter refuses to start with it (exit 2)" test $? -eq 2

echo "metrics: $passes passed, $fails failed"
[ "$fails" -eq 0 ]
