#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/cli/cli_ux.sh - what a person at a terminal sees
#
#   bash tests/cli/cli_ux.sh BINARY CORPUS_DIR
#
# Checks:
#   - `scan` on a terminal (a pty from script(1)): stdout and the progress bar
#     (stderr) share the screen; replayed through a minimal terminal model
#     (\r, ESC[K, \n), no table row may end up on the same screen line as the bar;
#   - a long SOURCE is cut from the left so the file name survives;
#   - `report --db` naming a store that does not exist is an error (exit 2),
#     not an empty report.
set -uo pipefail
BIN=$(realpath "$1")
CORPUS=$(realpath "$2")
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
CHECKS_VERBOSE=1  # an "ok" line for every pass too
. "$(dirname "$0")/../support/checks.sh"  # check, py, checks_summary

# --- progress bar vs table rows on one terminal --------------------------------
if command -v script >/dev/null; then
  # -j1 lists the inputs first (the bar knows its total); -j2 lists them while
  # scanning (the bar reads N/M+ until the listing ends; apps/cli/progress.hpp).
  for jobs in 1 2; do
    # Enough messages that the bar is drawn (it redraws at most every 100 ms).
    COLUMNS=160 script -qfec "stty cols 160 rows 50; '$BIN' scan --jobs $jobs --no-color '$CORPUS/phishing' '$CORPUS/benign/mailing-lists/fedora-devel-list-2010-01.mbox'" "$T/tty$jobs.raw" >/dev/null 2>&1
    /usr/bin/python3 - "$T/tty$jobs.raw" > "$T/screen$jobs.txt" <<'PY'
import sys, re
data = open(sys.argv[1], 'rb').read().decode('utf-8', 'replace')
lines, cur, pos = [], [], 0
i = 0
while i < len(data):
    c = data[i]
    if data.startswith('\x1b[K', i):
        del cur[pos:]; i += 3; continue
    m = re.match(r'\x1b\[[0-9;]*[A-Za-z]', data[i:])
    if m: i += len(m.group(0)); continue
    if c == '\r': pos = 0
    elif c == '\n': lines.append(''.join(cur)); cur, pos = [], 0
    else:
        if pos < len(cur): cur[pos] = c
        else: cur.append(c)
        pos += 1
    i += 1
lines.append(''.join(cur))
print('\n'.join(lines))
PY
    rows=$(grep -cE '^(clean|suspicious|malicious|error) ' "$T/screen$jobs.txt")
    check "-j$jobs: scan on a terminal printed table rows ($rows)" test "$rows" -gt 1000
    check "-j$jobs: the progress bar was drawn while scanning" grep -q 'messages' "$T/tty$jobs.raw"
    mixed=$(grep -cE '\] [0-9]+/[0-9]+\+? messages.*(clean|suspicious|malicious) ' "$T/screen$jobs.txt")
    check "-j$jobs: no table row shares a screen line with the progress bar ($mixed)" test "$mixed" -eq 0
    check "-j$jobs: the bar is erased at the end (no bar left on screen)" bash -c "! grep -qE '\\] [0-9]+/[0-9]+\\+? messages' '$T/screen$jobs.txt'"
  done
else
  echo "SKIP terminal checks: script(1) not installed (bsdutils)"
fi

# --- a long path keeps its file name ---------------------------------------------
deep="$T/a-rather-long-folder-name/with/several/levels/of/nesting/inside"
mkdir -p "$deep"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cp "$ROOT/demo/inbox/03-hijack-en-download-link.eml" "$deep/the-file-name-that-matters.eml"
"$BIN" scan --no-color "$deep/the-file-name-that-matters.eml" > "$T/table.txt" 2>/dev/null
row=$(grep -E '^(clean|suspicious|malicious) ' "$T/table.txt" | head -n 1)
check "the SOURCE column ends with the file name: ${row##* }" bash -c "[[ '$row' == *the-file-name-that-matters.eml ]]"
check "the SOURCE column was cut from the left" bash -c "[[ '$row' == *…* ]]"

# --- report on a missing store --------------------------------------------------
"$BIN" report --db "$T/no-such-store.db" > "$T/r.out" 2> "$T/r.err"
rc=$?
check "report --db MISSING exits 2 (got $rc)" test "$rc" -eq 2
check "report --db MISSING says why" grep -q 'no such store' "$T/r.err"
check "report --db MISSING creates no file" test ! -e "$T/no-such-store.db"

# --- learn --org-domain D PATH: PATH is a path, not a second domain ---------------------
/usr/bin/python3 "$ROOT/scripts/make-demo.py" "$T/demo" >/dev/null
"$BIN" learn --no-progress --db "$T/h.db" --org-domain sakura-shoji.example "$T/demo/mailbox" > "$T/learn.out" 2>&1
check "learn --org-domain D PATH learns PATH ($(tail -n 1 "$T/learn.out"))" grep -q "learnt 7 message" "$T/learn.out"

# --- check-config -------------------------------------------------------------------
cat > "$T/bad.toml" <<'TOML'
[thresholds]
suspicious = "high"
malicious = 10.0

[nosuch]
x = 1

[limits]
typo_key = 4

[milter]
timeout = "x"
TOML
"$BIN" check-config "$T/bad.toml" > "$T/cc.out" 2>&1
rc=$?
check "check-config on a bad file exits 1 (got $rc)" test "$rc" -eq 1
for want in "bad.toml:2:" "bad.toml:5:" "bad.toml:9:" "bad.toml:12:"; do
  check "check-config reports the error at ${want#bad.toml}" grep -q "$want" "$T/cc.out"
done
check "check-config counts 4 errors" grep -q ": 4 errors" "$T/cc.out"
"$BIN" check-config "$ROOT/debian/etc/replyguard.toml" > "$T/cc2.out" 2>&1
rc=$?
check "check-config accepts the packaged default configuration (rc $rc)" bash -c "[ $rc -eq 0 ] && grep -q 'syntax OK' '$T/cc2.out'"
printf '[milter]\nlearn = false\non_incomplete = "accept"\n' > "$T/inc.toml"
"$BIN" check-config "$T/inc.toml" > "$T/cc3.out" 2>&1
rc=$?
check "check-config: on_incomplete = \"accept\" is an error at inc.toml:3 (rc $rc)" \
  bash -c "[ $rc -eq 1 ] && grep -q 'inc.toml:3:.*milter.on_incomplete must be \"hold\", \"tempfail\" or \"verdict\"' '$T/cc3.out'"
printf '[milter]\non_incomplete = "tempfail"\n' > "$T/inc2.toml"
"$BIN" check-config "$T/inc2.toml" > /dev/null 2>&1
rc=$?
check "check-config accepts on_incomplete = \"tempfail\" (rc $rc)" test "$rc" -eq 0
"$BIN" check-config "$T/missing.toml" > /dev/null 2>&1
rc=$?
check "check-config on a missing file exits 2 (got $rc)" test "$rc" -eq 2

checks_summary cli_ux
