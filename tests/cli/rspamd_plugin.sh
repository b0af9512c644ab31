#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/cli/rspamd_plugin.sh - the rspamd plugin (contrib/rspamd/) in a real rspamd, end to end
#
#   bash tests/cli/rspamd_plugin.sh BINARY [CORPUS_DIR]
#
# Starts `replyguard serve` (demo/mailbox learnt as sakura-shoji.example's
# history; a second one with --token) and a private rspamd (config, database, logs under a temp dir; its
# normal worker alone, on 127.0.0.1:<free port>) that loads our plugin as a
# site would install it (plugins.d/replyguard.lua, the rspamd.conf.local
# section, local.d/replyguard.conf and the shipped local.d/replyguard_symbols.conf),
# the standard rules and scores of the rspamd package, and no other plugin:
# no module that uses the network (rbl, surbl, fuzzy_check, dkim, spf, dmarc,
# asn, phishing, multimap, ...) is loaded, and rspamd's resolver is pointed at
# a dead port on 127.0.0.1, so it never reaches the machine's DNS. Then rspamc
# to that worker, asserting on what it prints:
#   - a demo hijack gets REPLYGUARD_* symbols with the scores of
#     `replyguard findings` and the finding's detail, REPLYGUARD_MALICIOUS, and a
#     higher rspamd score than the same message when replyguard is down;
#   - a genuine reply gets REPLYGUARD_CLEAN and none of the hijack symbols;
#   - a second rspamd whose plugin has `token` set, against `serve --token`:
#     the hijack gets the same symbols (serve answers 401 without the token);
#     a message above its max_size gets REPLYGUARD_FAIL without being sent;
#   - replyguard hanging (SIGSTOP: its socket still accepts, nobody answers): a
#     result with REPLYGUARD_FAIL after the plugin's timeout (2 s here), not later;
#   - replyguard stopped (connection refused): a result with REPLYGUARD_FAIL at once;
#   - rspamd made no DNS request for any message (its task log: "dns req: 0").
# RG_KEEP=DIR keeps rspamc's outputs (*.up, *.down, *.hang) in DIR.
# Exit 77 (skipped) when rspamd is not installed (scripts/packages/rspamd.txt)
# or we are not root (rspamd runs its worker as root with --insecure here).
set -u
bin=$(realpath "$1")
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
demo=$root/demo

command -v rspamd >/dev/null && command -v rspamc >/dev/null || { echo "SKIP: rspamd is not installed (scripts/packages/rspamd.txt)"; exit 77; }
[ "$(id -u)" = 0 ] || { echo "SKIP: rspamd --insecure as root is how this test runs it"; exit 77; }
. "$here/../support/loopback.sh"

tmp=$(mktemp -d /tmp/rg-rspamd.XXXXXX)
serve_pid=""
serve_tok_pid=""
rspamd_pid=""
rspamd_tok_pid=""
stop() {  # stop PID: TERM, wait (5 s), then KILL
  local p=$1 _
  [ -n "$p" ] || return 0
  kill "$p" 2>/dev/null
  kill -CONT "$p" 2>/dev/null
  for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$p" 2>/dev/null
  wait "$p" 2>/dev/null
}
cleanup() {
  stop "$serve_pid"
  stop "$serve_tok_pid"
  stop "$rspamd_pid"
  stop "$rspamd_tok_pid"
  if [ "${fails:-1}" -ne 0 ]; then
    for r in r1 r2; do
      [ -f "$tmp/$r/log/rspamd.log" ] || continue
      echo "--- $r/log/rspamd.log (last 30 lines)"; tail -n 30 "$tmp/$r/log/rspamd.log"
    done
  fi
  [ -n "${RG_KEEP:-}" ] && cp "$tmp"/*.up "$tmp"/*.down "$tmp"/*.hang "$RG_KEEP"/ 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
. "$here/../support/checks.sh"

# --- replyguard serve with the demo history: open (loopback), and with a token ---------
db=$tmp/demo.db
"$bin" learn --no-progress --db "$db" --org-domain sakura-shoji.example "$demo/mailbox" >/dev/null
rg_port=$(free_port)
"$bin" serve --db "$db" --config "$demo/replyguard.toml" --port "$rg_port" --no-keep-detections >"$tmp/serve.out" 2>&1 &
serve_pid=$!
check "replyguard serve listens on 127.0.0.1:$rg_port" wait_port "$rg_port" "$serve_pid"
token=tok-$RANDOM$RANDOM
tok_port=$(free_port)
"$bin" serve --db "$db" --config "$demo/replyguard.toml" --port "$tok_port" --token "$token" --no-keep-detections \
  >"$tmp/serve-tok.out" 2>&1 &
serve_tok_pid=$!
check "replyguard serve --token listens on 127.0.0.1:$tok_port" wait_port "$tok_port" "$serve_tok_pid"

# --- private rspamds -------------------------------------------------------------------
dns_port=$(free_port)  # nothing listens there: every DNS query rspamd might send goes nowhere
printf '%s\n' com net org jp co.jp ne.jp or.jp example >"$tmp/tld.dat"
# start_rspamd DIR PORT OPTIONS: an rspamd under DIR, its normal worker on 127.0.0.1:PORT,
# OPTIONS as its local.d/replyguard.conf; its pid in $started
start_rspamd() {
  local d=$1 port=$2
  mkdir -p "$d/local/local.d" "$d/local/plugins.d" "$d/db" "$d/run" "$d/log"
  cp "$root/contrib/rspamd/replyguard.lua" "$d/local/plugins.d/"
  cp "$root/contrib/rspamd/local.d/replyguard_symbols.conf" "$d/local/local.d/"
  printf '%s\n' "$3" >"$d/local/local.d/replyguard.conf"
  cat >"$d/rspamd.conf" <<CONF
# The rspamd package's metrics, actions, groups (scores) and rules; no statistics
# (bayes needs Redis), and only our plugin in the module path.
.include "\$CONFDIR/metrics.conf"
.include "\$CONFDIR/actions.conf"
.include "\$CONFDIR/groups.conf"
.include "\$CONFDIR/composites.conf"
lua = "\$RULESDIR/rspamd.lua"
modules {
  path = "\$LOCAL_CONFDIR/plugins.d/";
}
options {
  pidfile = "\$RUNDIR/rspamd.pid";
  filters = "chartable,regexp";
  cache_file = "\$DBDIR/symbols.cache";
  hs_cache_dir = "\$DBDIR/";
  history_file = "\$DBDIR/rspamd.history";
  dynamic_conf = "\$DBDIR/rspamd_dynamic";
  control_socket = "\$RUNDIR/rspamd.sock mode=0600";
  rrd = "";
  local_addrs = "127.0.0.0/8";
  # a few public suffixes instead of the package's 9628 (compiling those takes minutes on a busy machine)
  url_tld = "$tmp/tld.dat";
  dns {
    nameserver = ["127.0.0.1:$dns_port"];
    timeout = 0.2s;
    retransmits = 1;
  }
}
logging {
  type = "file";
  filename = "\$LOGDIR/rspamd.log";
  level = "info";
}
worker "normal" {
  bind_socket = "127.0.0.1:$port";
  count = 1;
  task_timeout = 8s;
}
# As a site installs it: contrib/rspamd/rspamd.conf.local appended to rspamd.conf.local.
.include "$root/contrib/rspamd/rspamd.conf.local"
CONF
  rspamd -f -i -c "$d/rspamd.conf" \
    --var="CONFDIR=/etc/rspamd" --var="LOCAL_CONFDIR=$d/local" --var="DBDIR=$d/db" \
    --var="RUNDIR=$d/run" --var="LOGDIR=$d/log" >"$d/rspamd.out" 2>&1 &
  started=$!
}
# wait_rspamd PORT PID: its worker loads the rules and languages first (25 s alone here, minutes on a busy machine: 5 at most)
wait_rspamd() {
  local _
  for _ in $(seq 30); do
    wait_port "$1" "$2" && return 0
    kill -0 "$2" 2>/dev/null || return 1
  done
  return 1
}
w_port=$(free_port)
start_rspamd "$tmp/r1" "$w_port" "url = \"http://127.0.0.1:$rg_port/api/v1/scan\"; timeout = 2s;"
rspamd_pid=$started
w_tok_port=$(free_port)
start_rspamd "$tmp/r2" "$w_tok_port" "url = \"http://127.0.0.1:$tok_port/api/v1/scan\"; timeout = 2s; token = \"$token\"; max_size = 2000;"
rspamd_tok_pid=$started
for x in "$w_port $rspamd_pid r1" "$w_tok_port $rspamd_tok_pid r2"; do
  set -- $x
  if ! wait_rspamd "$1" "$2"; then
    echo "FAIL: rspamd ($3) did not start"; cat "$tmp/$3/rspamd.out"; fails=1; exit 1
  fi
done
check "the plugin loaded with every finding symbol" \
  grep -q "replyguard: $("$bin" findings --format json | wc -l) finding symbols, url http://127.0.0.1:$rg_port/api/v1/scan, timeout 2 s$" "$tmp/r1/log/rspamd.log"
check "the second one with the token" grep -q "replyguard: .* finding symbols, .*, with token$" "$tmp/r2/log/rspamd.log"

# rspamc FILE OUT [PORT]: rspamc's plain output for FILE (to the first rspamd, or PORT),
# and the seconds it took in OUT.time
scan() {
  local t0 t1
  t0=$(date +%s.%N)
  rspamc -h "127.0.0.1:${3:-$w_port}" -t 20 symbols "$1" >"$2" 2>"$2.err"
  t1=$(date +%s.%N)
  python3 -c "print($t1 - $t0)" >"$2.time"
}
# summary OUT: "score<TAB>SYMBOL=score[options],..." from rspamc's output (its own lines:
# "Score: 12.3 / 15.00" and "Symbol: NAME (score)[options]")
summary() {
  python3 - "$1" <<'PY'
import re, sys
score, syms = None, {}
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    m = re.match(r"Score: (-?[0-9.]+) / ", line)
    if m: score = float(m.group(1))
    m = re.match(r"Symbol: (\S+) \((-?[0-9.]+)\)(?:\[(.*)\])?\s*$", line)
    if m: syms[m.group(1)] = (float(m.group(2)), m.group(3) or "")
print(score)
for k, (s, o) in sorted(syms.items()): print(f"{k}\t{s}\t{o}")
PY
}
# has OUT SYMBOL: the symbol is in rspamc's output
has() { summary "$1" >"$1.sum"; cut -f1 "$1.sum" | grep -qx "$2"; }
score_of() { summary "$1" >"$1.sum"; head -n 1 "$1.sum"; }

hijack=$demo/inbox/03-hijack-en-download-link.eml
hijack_ja=$demo/inbox/02-hijack-ja-password-zip.eml
genuine=$demo/inbox/01-genuine-reply-ja.eml
genuine_en=$demo/inbox/04-genuine-reply-en.eml

# --- replyguard up ---------------------------------------------------------------
"$bin" findings --format json >"$tmp/findings.jsonl"
# expect OUT JSONL: every finding of replyguard's record (JSONL, one message) is in
# rspamc's output as REPLYGUARD_<ID> with the score `replyguard findings` lists and
# the finding's detail as option; the verdict symbol is there; nothing else of ours
expect() {
  summary "$1" >"$1.sum"
  python3 - "$1.sum" "$2" "$tmp/findings.jsonl" <<'PY'
import json, sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
syms = {l.split("\t")[0]: (float(l.split("\t")[1]), l.split("\t")[2]) for l in lines[1:]}
rec = json.loads(open(sys.argv[2], encoding="utf-8").readline())
listed = {j["id"]: j["score"] for j in map(json.loads, open(sys.argv[3], encoding="utf-8"))}
want = {"REPLYGUARD_" + f["id"] for f in rec["findings"]} | {"REPLYGUARD_" + rec["verdict"].upper()}
ours = {k for k in syms if k.startswith("REPLYGUARD_")}
assert ours == want, (sorted(ours), sorted(want))
for f in rec["findings"]:
    score, opt = syms["REPLYGUARD_" + f["id"]]
    assert abs(score - listed[f["id"]]) < 0.01, (f["id"], score, listed[f["id"]])
    assert f["detail"][:40] in opt, (f["id"], f["detail"], opt)
PY
}
rscan() { "$bin" scan --no-progress --db "$db" --config "$demo/replyguard.toml" --format jsonl "$1" >"$2"; }

scan "$hijack" "$tmp/hijack.up"
check "rspamc answers for the hijack" grep -q '^Score: ' "$tmp/hijack.up"
rscan "$hijack" "$tmp/hijack.jsonl"
check "replyguard calls 03 malicious" grep -q '"verdict":"malicious"' "$tmp/hijack.jsonl"
check "03 hijack: its findings as REPLYGUARD_ symbols, our scores and details, REPLYGUARD_MALICIOUS" \
  expect "$tmp/hijack.up" "$tmp/hijack.jsonl"
check "03 hijack: a hijack symbol is among them" grep -q '^Symbol: REPLYGUARD_HIJACK_' "$tmp/hijack.up"

scan "$hijack_ja" "$tmp/hijack_ja.up"
rscan "$hijack_ja" "$tmp/hijack_ja.jsonl"
check "02 hijack (ISO-2022-JP, password ZIP): its findings as symbols, REPLYGUARD_MALICIOUS" \
  expect "$tmp/hijack_ja.up" "$tmp/hijack_ja.jsonl"
check "02 hijack: the password found in the body is among them" has "$tmp/hijack_ja.up" REPLYGUARD_ARCHIVE_PASSWORD_FROM_BODY

for g in "$genuine" "$genuine_en"; do
  n=$(basename "$g" .eml)
  scan "$g" "$tmp/$n.up"
  rscan "$g" "$tmp/$n.jsonl"
  check "$n: rspamc answers" grep -q '^Score: ' "$tmp/$n.up"
  check "$n: REPLYGUARD_CLEAN, no hijack or impersonation symbol" bash -c "
    grep -q '^Symbol: REPLYGUARD_CLEAN ' '$tmp/$n.up' &&
    ! grep -Eq '^Symbol: REPLYGUARD_(HIJACK|FAKE_REPLY|IMPERSONATION|LOOKALIKE|QUOTED|SUSPICIOUS|MALICIOUS|FAIL)' '$tmp/$n.up'"
  check "$n: as replyguard says" expect "$tmp/$n.up" "$tmp/$n.jsonl"
done
check "the hijack scores higher in rspamd than the genuine reply" \
  python3 -c "import sys; sys.exit(not $(score_of "$tmp/hijack.up") > $(score_of "$tmp/04-genuine-reply-en.up"))"

# --- with a token: serve --token answers the plugin that sends it ----------------------
scan "$hijack" "$tmp/hijack_tok.up" "$w_tok_port"
check "with the token: the hijack gets the same REPLYGUARD_ symbols" expect "$tmp/hijack_tok.up" "$tmp/hijack.jsonl"
scan "$hijack_ja" "$tmp/hijack_ja_tok.up" "$w_tok_port"
check "max_size = 2000: the 2383-byte hijack is not sent, REPLYGUARD_FAIL says why, no other REPLYGUARD_ symbol" bash -c "
  grep -q '^Symbol: REPLYGUARD_FAIL (0.00)\[too large (2383 bytes, max_size 2000)\]' '$tmp/hijack_ja_tok.up' &&
  test \"\$(grep -c '^Symbol: REPLYGUARD_' '$tmp/hijack_ja_tok.up')\" -eq 1"
check "that serve refuses the same request without the token (401): the plugin sent it" \
  test "$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: message/rfc822' --data-binary @"$hijack" "http://127.0.0.1:$tok_port/api/v1/scan")" = 401

# --- replyguard hanging: stopped with SIGSTOP, its socket still accepts -------------
kill -STOP "$serve_pid"
scan "$hijack" "$tmp/hijack.hang"
kill -CONT "$serve_pid"
check "replyguard hanging: rspamc still gets a result" grep -q '^Score: ' "$tmp/hijack.hang"
check "replyguard hanging: REPLYGUARD_FAIL (0.00) with the timeout as reason, no other REPLYGUARD_ symbol" bash -c "
  grep -q '^Symbol: REPLYGUARD_FAIL (0.00)\[.*timeout' '$tmp/hijack.hang' &&
  test \"\$(grep -c '^Symbol: REPLYGUARD_' '$tmp/hijack.hang')\" -eq 1"
check "replyguard hanging: answered after the 2 s timeout, before rspamd's own (8 s) (took $(cat "$tmp/hijack.hang.time") s)" \
  python3 -c "import sys; t=$(cat "$tmp/hijack.hang.time"); sys.exit(not 1.9 < t < 6)"  # rspamd task_timeout 8 s, rspamc 20 s

# --- replyguard stopped: connection refused ---------------------------------------
stop "$serve_pid"; serve_pid=""
scan "$hijack" "$tmp/hijack.down"
check "replyguard down: rspamc still gets a result" grep -q '^Score: ' "$tmp/hijack.down"
check "replyguard down: REPLYGUARD_FAIL (0.00), no other REPLYGUARD_ symbol" bash -c "
  grep -q '^Symbol: REPLYGUARD_FAIL (0.00)' '$tmp/hijack.down' &&
  test \"\$(grep -c '^Symbol: REPLYGUARD_' '$tmp/hijack.down')\" -eq 1"
check "replyguard down: answered at once (took $(cat "$tmp/hijack.down.time") s)" \
  python3 -c "import sys; sys.exit(not $(cat "$tmp/hijack.down.time") < 2)"
up=$(score_of "$tmp/hijack.up"); down=$(score_of "$tmp/hijack.down")
check "the hijack's rspamd score with replyguard ($up) is higher than without ($down)" \
  python3 -c "import sys; sys.exit(not $up > $down + 5)"

check "rspamd made no DNS request for any message (its task log says dns req: 0)" bash -c "
  grep -q 'rspamd_task_write_log' '$tmp/r1/log/rspamd.log' &&
  ! grep 'rspamd_task_write_log' '$tmp/r1/log/rspamd.log' '$tmp/r2/log/rspamd.log' | grep -qv 'dns req: 0,'"

echo "rspamd_plugin: $passes passed, $fails failed"
[ "$fails" -eq 0 ]
