# SPDX-License-Identifier: Apache-2.0
# tests/support/checks.sh - the pass/fail counting the CLI tests share
#
# Sourced (bash) by tests/cli/*.sh:
#   check NAME COMMAND...   run COMMAND; count a pass, or print "FAIL: NAME"
#                           and count a failure. With CHECKS_VERBOSE=1 a pass
#                           prints "ok   NAME" too.
#   py CODE                 /usr/bin/python3 -c CODE (Debian's python, for its
#                           packages)
#   $passes, $fails         the counts, for the script's summary line and exit status
#   checks_summary NAME     print "NAME: P passed, F failed"; status 0 when
#                           nothing failed (the script's last command)
#   test_tmp                make $tmp (a fresh directory) and an empty `pids`
#                           array; on exit every pid in it is killed and
#                           waited for, and $tmp removed. A script with more to
#                           clean sets its own trap instead.
fails=0
passes=0
check() {  # check NAME COMMAND...
  local name=$1; shift
  if "$@"; then
    passes=$((passes + 1))
    [ "${CHECKS_VERBOSE:-0}" = 1 ] && echo "ok   $name"
  else
    echo "FAIL: $name"; fails=$((fails + 1))
  fi
  return 0
}
py() { /usr/bin/python3 -c "$@"; }
checks_summary() {  # checks_summary NAME
  echo "$1: $passes passed, $fails failed"
  [ "$fails" -eq 0 ]
}

_checks_cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  rm -rf "$tmp"
}
test_tmp() {
  tmp=$(mktemp -d)
  pids=()
  trap _checks_cleanup EXIT
}
