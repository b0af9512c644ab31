# SPDX-License-Identifier: Apache-2.0
# tests/support/checks.sh - the pass/fail counting the CLI tests share
#
# Sourced (bash) by tests/cli/*.sh:
#   check NAME COMMAND...   run COMMAND; count a pass, or print "FAIL: NAME"
#                           and count a failure
#   py CODE                 /usr/bin/python3 -c CODE (Debian's python, for its
#                           packages)
#   $passes, $fails         the counts, for the script's summary line and exit status
fails=0
passes=0
check() {  # check NAME COMMAND...
  local name=$1; shift
  if "$@"; then passes=$((passes + 1)); else echo "FAIL: $name"; fails=$((fails + 1)); fi
}
py() { /usr/bin/python3 -c "$@"; }
