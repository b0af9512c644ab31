#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/cli/debian_package.sh - the .deb builds, installs, starts and holds a hijack
#
#   bash tests/cli/debian_package.sh BINARY CORPUS_DIR
#
# 1. Builds replyguard_*.deb from a copy of this source tree with
#    dpkg-buildpackage -b (debian/: the CLI only, no test suites).
# 2. Installs it with dpkg -i and checks what the package promises: the binary,
#    the man page, /etc/replyguard/replyguard.toml as a conffile that
#    `replyguard check-config` accepts, the replyguard system user owning
#    /var/lib/replyguard, two systemd units that systemd-analyze accepts.
# 3. Starts both units' ExecStart lines exactly as written, as the unit's User=
#    (systemd is not PID 1 here), with a $NOTIFY_SOCKET of our own: both must
#    say READY=1 (Type=notify). The history is learnt first from the demo
#    organisation's mailbox, as the package's README tells an admin to.
# 4. A private Postfix on loopback (tests/support/loopback.sh) with
#    smtpd_milters = inet:127.0.0.1:8894 (the package default): the demo's
#    hijack is put on hold, the genuine reply is delivered; serve's /checkv2
#    calls the hijack malicious.
# 5. dpkg --purge removes the package, the store and the user.
# Needs root (dpkg -i). Exit 77 (skipped) when not root or dpkg-buildpackage,
# debhelper or postfix are missing (scripts/packages/milter.txt).
set -uo pipefail
BIN=$(realpath "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
. "$HERE/../support/loopback.sh"

[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root (dpkg -i)"; exit 77; }
for c in dpkg-buildpackage dh postfix postconf curl setpriv; do
  command -v "$c" >/dev/null || { echo "SKIP: $c is not installed"; exit 77; }
done
if dpkg-query -W -f='${Status}' replyguard 2>/dev/null | grep -q "install ok installed"; then
  echo "SKIP: a replyguard package is already installed on this machine; not touching it"; exit 77
fi

T=$(mktemp -d /tmp/rg-deb.XXXXXX)
chmod 755 "$T"
CHECKS_VERBOSE=1  # an "ok" line for every pass too
. "$(dirname "$0")/../support/checks.sh"  # check, py, checks_summary
PIDS=()
POSTFIX_UP=0
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
  ((POSTFIX_UP)) && postfix_stop "$T/pf"
  if dpkg-query -W -f='${Status}' replyguard 2>/dev/null | grep -q "installed"; then
    dpkg --purge replyguard >/dev/null 2>&1
  fi
  rm -rf "$T"
}
trap cleanup EXIT INT TERM

# --- 1. build ----------------------------------------------------------------------
src="$T/src/replyguard-0.1.0"
mkdir -p "$src"
# The files git knows (tracked, and new ones not ignored): no build trees.
(cd "$ROOT" && git ls-files -z --cached --others --exclude-standard | xargs -0 tar cf - 2>/dev/null) | tar xf - -C "$src"
echo "building the package (dpkg-buildpackage -b; about as long as one build of the CLI)"
( cd "$src" && DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" dpkg-buildpackage -b -uc -us ) > "$T/build.log" 2>&1
deb=$(ls "$T"/src/replyguard_*.deb 2>/dev/null | head -n 1)
check "dpkg-buildpackage produced replyguard_*.deb" test -n "$deb"
if [ -z "$deb" ]; then tail -n 40 "$T/build.log"; checks_summary debian_package; exit 1; fi
check "lintian-style basics: the .deb holds the binary, the man page, the units, the conffile" \
  bash -c "dpkg-deb -c '$deb' | grep -q './usr/bin/replyguard\$' && dpkg-deb -c '$deb' | grep -q 'man1/replyguard.1.gz' && dpkg-deb -c '$deb' | grep -q 'replyguard-milter.service' && dpkg-deb -c '$deb' | grep -q 'replyguard-serve.service' && dpkg-deb -c '$deb' | grep -q './etc/replyguard/replyguard.toml'"

# --- 2. install ---------------------------------------------------------------------
dpkg -i "$deb" > "$T/install.log" 2>&1
check "dpkg -i installs it" dpkg-query -W -f='${Status}' replyguard
check "/usr/bin/replyguard runs" /usr/bin/replyguard --version
check "the man page is installed" test -f /usr/share/man/man1/replyguard.1.gz
check "the rspamd plugin is under /usr/share/replyguard/rspamd, its symbols as the binary prints them" \
  bash -c "test -f /usr/share/replyguard/rspamd/replyguard.lua && test -f /usr/share/replyguard/rspamd/rspamd.conf.local && /usr/bin/replyguard findings --format rspamd | cmp -s - /usr/share/replyguard/rspamd/local.d/replyguard_symbols.conf"
check "/etc/replyguard/replyguard.toml is a conffile" bash -c "dpkg-query -W -f='\${Conffiles}' replyguard | grep -q /etc/replyguard/replyguard.toml"
check "check-config accepts the package's configuration" /usr/bin/replyguard check-config /etc/replyguard/replyguard.toml
check "the replyguard system user exists" getent passwd replyguard
check "/var/lib/replyguard belongs to replyguard" test "$(stat -c %U /var/lib/replyguard)" = replyguard
UNITDIR=/lib/systemd/system
[ -d "$UNITDIR" ] || UNITDIR=/usr/lib/systemd/system
for u in replyguard-milter replyguard-serve; do
  check "$u.service is installed" test -f "$UNITDIR/$u.service"
  check "$u.service is Type=notify with hardening" bash -c "grep -q '^Type=notify' '$UNITDIR/$u.service' && grep -q '^ProtectSystem=strict' '$UNITDIR/$u.service' && grep -q '^NoNewPrivileges=yes' '$UNITDIR/$u.service' && grep -q '^PrivateTmp=yes' '$UNITDIR/$u.service' && grep -q '^ReadWritePaths=/var/lib/replyguard' '$UNITDIR/$u.service'"
  if command -v systemd-analyze >/dev/null; then
    out=$(systemd-analyze verify "$UNITDIR/$u.service" 2>&1 | grep -i "$u" || true)
    check "systemd-analyze verify $u.service has nothing to say about it${out:+: $out}" test -z "$out"
  fi
done

# --- 3. start the units' ExecStart lines as their User= ------------------------------
exec_of() { sed -n 's/^ExecStart=//p' "$UNITDIR/$1.service"; }
# The admin's first step (docs): learn the organisation's mail into the store.
python3 "$ROOT/scripts/make-demo.py" "$T/demo" >/dev/null
chmod -R a+rX "$T/demo"
setpriv --reuid replyguard --regid replyguard --init-groups \
  /usr/bin/replyguard learn --no-progress --db /var/lib/replyguard/history.db --org-domain sakura-shoji.example "$T/demo/mailbox" > "$T/learn.log" 2>&1
check "learn into /var/lib/replyguard/history.db as replyguard" test -s /var/lib/replyguard/history.db

start_unit() {  # $1 unit name; READY=1 lands in $T/$1.notify
  local u=$1
  /usr/bin/python3 - "$T/$u.sock" "$T/$u.notify" <<'PY' &
import socket, sys, os
path, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path); os.chmod(path, 0o777)
s.settimeout(120)
with open(out, "w") as f:
    try:
        while True:
            msg = s.recv(4096).decode("utf-8", "replace")
            f.write(msg + "\n"); f.flush()
            if "READY=1" in msg: break
    except socket.timeout:
        pass
PY
  PIDS+=($!)
  for _ in $(seq 50); do [ -S "$T/$u.sock" ] && break; sleep 0.1; done
  # shellcheck disable=SC2046
  ( cd /; NOTIFY_SOCKET="$T/$u.sock" exec setpriv --reuid replyguard --regid replyguard --init-groups $(exec_of "$u") ) > "$T/$u.log" 2>&1 &
  PIDS+=($!)
}
# The package's configuration logs to syslog; without a syslog daemon here the
# lines are lost, which is what they would be on a machine without one.
start_unit replyguard-milter
start_unit replyguard-serve
wait_port 8894 || true
wait_port 8895 || true
for _ in $(seq 100); do grep -q READY=1 "$T/replyguard-milter.notify" 2>/dev/null && grep -q READY=1 "$T/replyguard-serve.notify" 2>/dev/null && break; sleep 0.1; done
check "the milter listens on the package default 127.0.0.1:8894" wait_port 8894
check "serve listens on the package default 127.0.0.1:8895" wait_port 8895
check "the milter told systemd READY=1" grep -q READY=1 "$T/replyguard-milter.notify"
check "serve told systemd READY=1" grep -q READY=1 "$T/replyguard-serve.notify"

# --- 4. Postfix with the milter; serve's /checkv2 -------------------------------------
SPORT=$(free_port)
postfix_private "$T/pf" "smtpd_milters = inet:127.0.0.1:8894"
postfix_listen "$T/pf" "$SPORT"
postfix -c "$T/pf/etc" start >/dev/null 2>&1 && POSTFIX_UP=1
check "a private Postfix started" test "$POSTFIX_UP" = 1
wait_port "$SPORT" || true
/usr/bin/python3 - "$T" "$SPORT" <<'PY'
import smtplib, subprocess, sys, os, time, glob
T, SPORT = sys.argv[1], int(sys.argv[2])
def send(name):
    raw = open(os.path.join(T, "demo", "inbox", name), "rb").read()
    s = smtplib.SMTP("127.0.0.1", SPORT, timeout=120)
    try:
        s.sendmail("info@partner.example", ["sato@sakura-shoji.example"], raw)
    finally:
        s.quit()
send("02-hijack-ja-password-zip.eml")
send("01-genuine-reply-ja.eml")
import email
genuine_id = email.message_from_bytes(open(os.path.join(T, "demo", "inbox", "01-genuine-reply-ja.eml"), "rb").read())["Message-ID"].strip()
deadline = time.time() + 60
held = delivered = False
while time.time() < deadline and not (held and delivered):
    q = subprocess.run(["postqueue", "-c", os.path.join(T, "pf", "etc"), "-p"], capture_output=True, text=True).stdout
    held = "!" in q
    got = [open(f, "rb").read() for f in glob.glob(os.path.join(T, "pf", "mail", "sato", "new", "*"))]
    delivered = len(got) == 1 and genuine_id.encode() in got[0]
    time.sleep(0.5)
open(os.path.join(T, "smtp.result"), "w").write(f"held={int(held)} delivered={int(delivered)}\n")
PY
check "the demo hijack is on hold in Postfix (postqueue -p shows '!')" grep -q "held=1" "$T/smtp.result"
check "the genuine reply is delivered" grep -q "delivered=1" "$T/smtp.result"
code=$(curl -s -o "$T/check.json" -w "%{http_code}" -H "Content-Type: message/rfc822" --data-binary @"$T/demo/inbox/02-hijack-ja-password-zip.eml" http://127.0.0.1:8895/checkv2)
check "serve /checkv2 answers 200 (got $code)" test "$code" = 200
check "serve /checkv2 calls the hijack malicious" grep -q '"malicious"' "$T/check.json"

for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
PIDS=()

# --- 5. purge -------------------------------------------------------------------------
dpkg --purge replyguard > "$T/purge.log" 2>&1
check "dpkg --purge removes the package" bash -c "! dpkg-query -W -f='\${Status}' replyguard 2>/dev/null | grep -q 'install ok installed'"
check "purge removes /var/lib/replyguard" test ! -e /var/lib/replyguard
check "purge removes the replyguard user" bash -c "! getent passwd replyguard >/dev/null"

if [ "$fails" -ne 0 ]; then
  for f in build.log install.log learn.log replyguard-milter.log replyguard-serve.log; do
    [ -f "$T/$f" ] && { echo "--- $f (tail)"; tail -n 20 "$T/$f"; }
  done
fi
checks_summary debian_package
