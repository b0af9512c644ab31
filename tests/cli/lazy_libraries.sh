#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/cli/lazy_libraries.sh - libcurl, libmicrohttpd and libsystemd are loaded only by the commands that use them
#
#   bash tests/cli/lazy_libraries.sh BINARY [CORPUS_DIR]
#
# The binary does not link libcurl (learn imap://, watch), libmicrohttpd
# (serve, the milter's /metrics) nor libsystemd (sd_notify under systemd):
# they are opened by what uses them (src/core/dynlib.hpp), so every other
# command starts without them and the libraries they bring (GnuTLS, Kerberos,
# LDAP, libgcrypt, ...; bench/README.md, "Start-up").
# Checks, with the dynamic loader's own trace (LD_DEBUG=libs):
#   - none is NEEDED by the binary (readelf -d);
#   - --version, a scan of one corpus file, learn of a folder, findings and
#     history stats load none;
#   - serve (on a free loopback port) loads libmicrohttpd and neither libcurl
#     nor libsystemd (no $NOTIFY_SOCKET), and answers /health;
#   - serve with $NOTIFY_SOCKET (a datagram socket of the test's) loads
#     libsystemd and says READY=1 there;
#   - a running milter without a metrics listener maps none of the three
#     (/proc/PID/maps), and one with `metrics = "127.0.0.1:PORT"` maps
#     libmicrohttpd;
#   - learn imaps:// (to a closed loopback port) loads libcurl and not
#     libmicrohttpd, and fails as a connection failure (exit 2), not a
#     missing library;
#   - with libcurl and libmicrohttpd made unloadable (an empty file bound over
#     each, in a private mount namespace: `unshare -m`, root; skipped
#     otherwise): a scan still works, learn imaps:// exits 2 saying
#     "libcurl.so.4 cannot be loaded ... install the Debian package libcurl4",
#     serve exits 2 naming libmicrohttpd12.
# Nothing reaches beyond 127.0.0.1.
set -u
BIN=$(realpath "$1")
CORPUS=${2:-$(cd "$(dirname "$0")/../../../shared/corpus" 2>/dev/null && pwd)}
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../support/checks.sh"   # check, checks_summary, test_tmp
. "$HERE/../support/loopback.sh" # free_port, wait_port
test_tmp
bin=$BIN
. "$HERE/../support/serve.sh"    # demo_learn, start_demo_serve

command -v readelf >/dev/null || { echo "SKIP: readelf (binutils) missing"; exit 77; }
[ -d "$CORPUS" ] || { echo "SKIP: no corpus at $CORPUS"; exit 77; }
one=$(find "$CORPUS/benign" -type f | sort | head -1)

# loads NAME LIBRARY: the loader's trace of run NAME (files $tmp/NAME.ld.PID) names LIBRARY
loads() { cat "$tmp/$1".ld.* 2>/dev/null | grep -q "find library=$2"; }
# traced NAME COMMAND...: run COMMAND with the loader's library trace in $tmp/NAME.ld.PID
traced() { local n=$1; shift; LD_DEBUG=libs LD_DEBUG_OUTPUT="$tmp/$n.ld" "$@"; }

needed=$(readelf -d "$BIN" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
check "libcurl not NEEDED" bash -c "! grep -q '^libcurl' <<<'$needed'"
check "libmicrohttpd not NEEDED" bash -c "! grep -q '^libmicrohttpd' <<<'$needed'"
check "libsystemd not NEEDED" bash -c "! grep -q '^libsystemd' <<<'$needed'"
check "libgmime still NEEDED (the readelf check reads the binary)" grep -q '^libgmime' <<<"$needed"

traced version "$BIN" --version >/dev/null
traced scan "$BIN" scan --no-progress --format jsonl "$one" >"$tmp/scan.jsonl"
traced learn "$BIN" learn --no-progress --db "$tmp/h.db" "$CORPUS/benign/japanese" >/dev/null 2>&1
traced findings "$BIN" findings >/dev/null
traced stats "$BIN" history stats --db "$tmp/h.db" >/dev/null 2>&1
check "scan wrote its record" grep -q '"verdict"' "$tmp/scan.jsonl"
for n in version scan learn findings stats; do
  check "$n traced" loads $n libgmime
  check "$n loads no libcurl" bash -c "! cat '$tmp/$n'.ld.* | grep -q 'find library=libcurl'"
  check "$n loads no libmicrohttpd" bash -c "! cat '$tmp/$n'.ld.* | grep -q 'find library=libmicrohttpd'"
  check "$n loads no libsystemd" bash -c "! cat '$tmp/$n'.ld.* | grep -q 'find library=libsystemd'"
done

# serve: libmicrohttpd when the server starts.
export LD_DEBUG=libs LD_DEBUG_OUTPUT="$tmp/serve.ld"
start_demo_serve "$tmp/serve.out" --db "$tmp/h.db"
started=$?
unset LD_DEBUG LD_DEBUG_OUTPUT
check "serve started" test "$started" -eq 0
if [ "$started" -eq 0 ]; then
  check "serve answers /health" python3 -c "
import urllib.request, sys
sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:$port/health', timeout=10).status == 200 else 1)"
  check "serve loaded libmicrohttpd" grep -q "find library=libmicrohttpd.so.12" "$tmp/serve.ld.$serve_pid"
  check "serve loaded no libcurl" bash -c "! grep -q 'find library=libcurl' '$tmp/serve.ld.$serve_pid'"
  check "serve outside systemd loaded no libsystemd" bash -c "! grep -q 'find library=libsystemd' '$tmp/serve.ld.$serve_pid'"
fi

# serve under a (pretend) systemd: READY=1 on $NOTIFY_SOCKET, through the libsystemd it opened.
python3 -c "
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind('$tmp/notify.sock')
s.settimeout(20)
open('$tmp/notify.bound', 'w').close()
try:
    sys.stdout.write(s.recv(4096).decode())
except socket.timeout:
    pass
" >"$tmp/notify.got" &
listener=$!
pids+=("$listener")
for _ in $(seq 50); do [ -e "$tmp/notify.bound" ] && break; sleep 0.1; done
export NOTIFY_SOCKET="$tmp/notify.sock" LD_DEBUG=libs LD_DEBUG_OUTPUT="$tmp/notify.ld"
start_demo_serve "$tmp/serve2.out" --db "$tmp/h.db"
started=$?
unset NOTIFY_SOCKET LD_DEBUG LD_DEBUG_OUTPUT
check "serve under systemd started" test "$started" -eq 0
wait "$listener"
check "serve said READY=1 on \$NOTIFY_SOCKET" grep -q "^READY=1" "$tmp/notify.got"
[ "$started" -eq 0 ] && check "serve under systemd loaded libsystemd" grep -q "find library=libsystemd.so.0" "$tmp/notify.ld.$serve_pid"

# The milter, as it runs: its mapped files (/proc/PID/maps) once it listens.
# milter_maps NAME TOML: start the milter with [milter] TOML on a free port, copy its maps to $tmp/NAME.maps
milter_maps() {
  local port pid
  port=$(free_port)
  printf '[milter]\nsocket = "inet:%s@127.0.0.1"\n%s\n' "$port" "$2" >"$tmp/$1.toml"
  "$BIN" milter --config "$tmp/$1.toml" --db "$tmp/h.db" 2>"$tmp/$1.log" &
  pid=$!
  pids+=("$pid")
  wait_port "$port" "$pid" && cat "/proc/$pid/maps" >"$tmp/$1.maps"
  kill "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  [ -s "$tmp/$1.maps" ]
}
check "milter listened" milter_maps milter ""
check "milter maps libgmime" grep -q "libgmime" "$tmp/milter.maps"
check "milter maps no libcurl" bash -c "! grep -q libcurl '$tmp/milter.maps'"
check "milter maps no libmicrohttpd" bash -c "! grep -q libmicrohttpd '$tmp/milter.maps'"
check "milter maps no libsystemd" bash -c "! grep -q libsystemd '$tmp/milter.maps'"
mport=$(free_port)
check "milter with metrics listened" milter_maps metrics "metrics = \"127.0.0.1:$mport\""
check "milter with metrics maps libmicrohttpd" grep -q "libmicrohttpd.so.12" "$tmp/metrics.maps"

# learn imaps://: libcurl when the client is made; a closed port is a connection failure.
closed=$(free_port)
REPLYGUARD_IMAP_PASSWORD=x traced imap "$BIN" learn --no-progress --db "$tmp/h.db" \
  "imaps://u@127.0.0.1:$closed/INBOX" >"$tmp/imap.out" 2>&1
rc=$?
check "learn imaps:// to a closed port exits 2" test "$rc" -eq 2
check "learn imaps:// says connection" grep -qi "connect" "$tmp/imap.out"
check "learn imaps:// loaded libcurl" loads imap libcurl.so.4
check "learn imaps:// loaded no libmicrohttpd" bash -c "! cat '$tmp/imap'.ld.* | grep -q 'find library=libmicrohttpd'"

# Missing libraries: only the command that needs one fails, and says what to install.
curl_so=$(readlink -f /usr/lib/x86_64-linux-gnu/libcurl.so.4 2>/dev/null)
mhd_so=$(readlink -f /usr/lib/x86_64-linux-gnu/libmicrohttpd.so.12 2>/dev/null)
if [ -f "$curl_so" ] && [ -f "$mhd_so" ] && unshare -m true 2>/dev/null; then
  # hidden CMD...: CMD with both libraries replaced by an empty file, in its own mount namespace
  hidden() { unshare -m bash -c 'mount --bind /dev/null "$1" && mount --bind /dev/null "$2" && shift 2 && exec "$@"' _ "$curl_so" "$mhd_so" "$@"; }
  hidden "$BIN" scan --no-progress --format jsonl "$one" >"$tmp/hidden-scan.jsonl" 2>"$tmp/hidden-scan.err"
  check "without libcurl and libmicrohttpd: scan works" cmp -s "$tmp/scan.jsonl" "$tmp/hidden-scan.jsonl"
  REPLYGUARD_IMAP_PASSWORD=x hidden "$BIN" learn --no-progress --db "$tmp/h.db" "imaps://u@127.0.0.1:$closed/INBOX" \
    >"$tmp/hidden-imap.out" 2>&1
  rc=$?
  check "without libcurl: learn imaps:// exits 2" test "$rc" -eq 2
  check "without libcurl: learn imaps:// names libcurl4" \
    grep -q "libcurl.so.4 cannot be loaded (.*): install the Debian package libcurl4" "$tmp/hidden-imap.out"
  timeout 60 bash -c "$(declare -f hidden); curl_so='$curl_so' mhd_so='$mhd_so'; hidden '$BIN' serve --port 0 --db '$tmp/h.db'" \
    >"$tmp/hidden-serve.out" 2>&1
  rc=$?
  check "without libmicrohttpd: serve exits 2" test "$rc" -eq 2
  check "without libmicrohttpd: serve names libmicrohttpd12" \
    grep -q "libmicrohttpd.so.12 cannot be loaded (.*): install the Debian package libmicrohttpd12" "$tmp/hidden-serve.out"
else
  echo "note: the missing-library checks need root and unshare -m; skipped"
fi

checks_summary lazy_libraries
