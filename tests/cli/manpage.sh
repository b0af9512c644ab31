#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/cli/manpage.sh - docs/replyguard.1 renders cleanly and documents every option
#
#   bash tests/cli/manpage.sh BINARY [CORPUS_DIR]
#
# Checks:
#   - groff renders the page with every warning enabled (-ww) and prints none;
#   - every command listed by `replyguard --help` has its own section
#     (.SS "replyguard COMMAND ...") in the page;
#   - every long option printed by `replyguard COMMAND --help` is written (as
#     roff, "\-\-name") in that command's section, or, for --help and
#     --version, in the section of options every command has; so a new option
#     without documentation fails here.
# Exit 77 (skipped) when groff is not installed (scripts/packages/core.txt).
set -euo pipefail

BIN=$(realpath "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PAGE=${REPLYGUARD_MANPAGE:-$ROOT/docs/replyguard.1}

command -v groff >/dev/null || { echo "SKIP: groff is not installed (groff-base)"; exit 77; }
[ -f "$PAGE" ] || { echo "FAIL no manual page at $PAGE"; exit 1; }

rc=0
warnings=$(groff -man -Tutf8 -ww -z "$PAGE" 2>&1 || true)
if [ -n "$warnings" ]; then
  echo "FAIL groff warns about $PAGE:"; echo "$warnings"; rc=1
else
  echo "ok   groff -man -ww renders $PAGE without a warning"
fi

# Long options of one --help text, one per line.
long_options() { grep -oE -- '--[a-z][a-z0-9-]*[a-z0-9]' | sort -u; }
# The roff source of one .SS section, by the start of its title.
section() { awk -v t=".SS \"$1" 'index($0, t) == 1 {on=1; print; next} on && /^\.S[SH] / {on=0} on' "$PAGE"; }
COMMON=$(section "Options of every command")
# Is option $1 written (as roff: every '-' as '\-') in the text $2, or among the
# common options? As a whole word: "\-\-db" does not count for "\-\-dbx".
in_text() {
  local re; re="$(printf '%s' "$1" | sed 's/-/\\\\-/g')([^a-z0-9\\\\]|\\\\[^-]|$)"
  grep -qE -- "$re" <<<"$2" || grep -qE -- "$re" <<<"$COMMON"
}

top=$("$BIN" --help)
# CLI11 lists the commands under "Subcommands:", two spaces in, one per line.
commands=$(printf '%s\n' "$top" | awk 'tolower($0) ~ /^subcommands:/ {on=1; next} on && /^  [a-z]/ {print $1} on && /^[^ ]/ {on=0}')
[ -n "$commands" ] || { echo "FAIL no commands found in 'replyguard --help'"; exit 1; }
echo "     commands: $(echo $commands)"

checked=0
[ -n "$COMMON" ] || { echo "FAIL no section \"Options of every command\""; rc=1; }
for opt in $(printf '%s\n' "$top" | long_options); do
  checked=$((checked + 1))
  in_text "$opt" "" || { echo "FAIL replyguard $opt is not among the options of every command"; rc=1; }
done
for cmd in $commands; do
  text=$(section "replyguard $cmd ")
  [ -n "$text" ] || { echo "FAIL command $cmd has no section (.SS \"replyguard $cmd ...\") in the manual page"; rc=1; }
  opts=$("$BIN" "$cmd" --help | long_options)
  [ -n "$opts" ] || { echo "FAIL 'replyguard $cmd --help' lists no option"; rc=1; }
  missing=""
  for opt in $opts; do
    checked=$((checked + 1))
    in_text "$opt" "$text" || missing="$missing $opt"
  done
  if [ -n "$missing" ]; then
    echo "FAIL replyguard $cmd:$missing not in the manual page"; rc=1
  else
    echo "ok   replyguard $cmd: every option documented ($(echo $opts))"
  fi
done
echo "     $checked options checked"
exit $rc
