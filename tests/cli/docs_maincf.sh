#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/cli/docs_maincf.sh - the main.cf snippet in docs/milter.md is what Postfix reads
#
#   bash tests/cli/docs_maincf.sh BINARY [CORPUS_DIR]
#
# Takes the first ``` block under "## Postfix" in docs/milter.md, appends it to
# an empty main.cf in a temporary config directory and asks `postconf -c DIR -n`
# what Postfix makes of it. Checks that every "name = value" line of the block
# comes back with exactly the value written (a trailing "# comment" would come
# back as part of the value: Postfix takes '#' as a comment only at the start of
# a line) and that milter_default_action is one Postfix knows.
# Exit 77 (skipped) when postconf is not installed (scripts/packages/milter.txt).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
DOC=${REPLYGUARD_MILTER_DOC:-$ROOT/docs/milter.md}
command -v postconf >/dev/null || { echo "SKIP: postconf is not installed (postfix)"; exit 77; }

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
awk '/^## Postfix/{p=1} p&&/^```/{if(b){exit} b=1; next} b{print}' "$DOC" > "$T/snippet"
[ -s "$T/snippet" ] || { echo "FAIL no main.cf block under '## Postfix' in $DOC"; exit 1; }
cp /etc/postfix/master.cf "$T/"
cp "$T/snippet" "$T/main.cf"

fails=0 checks=0
while IFS= read -r line; do
  case "$line" in ''|'#'*|[[:space:]]*) continue ;; esac
  name=$(printf '%s' "$line" | sed -E 's/[[:space:]]*=.*//')
  want=$(printf '%s' "$line" | sed -E 's/^[^=]*=[[:space:]]*//')
  got=$(postconf -c "$T" -h "$name" 2>&1 || true)
  checks=$((checks + 1))
  if [ "$got" != "$want" ]; then
    echo "FAIL $name: Postfix reads '$got', the doc means '$want'"; fails=$((fails + 1))
  else
    echo "ok   $name = $got"
  fi
done < "$T/snippet"
action=$(postconf -c "$T" -h milter_default_action)
checks=$((checks + 1))
case "$action" in
  accept|reject|tempfail|quarantine) echo "ok   milter_default_action is a Postfix action ($action)" ;;
  *) echo "FAIL milter_default_action '$action' is not an action Postfix knows"; fails=$((fails + 1)) ;;
esac
# postconf warns about unknown names or bad syntax on stderr.
warn=$(postconf -c "$T" -n 2>&1 >/dev/null || true)
checks=$((checks + 1))
if [ -n "$warn" ]; then echo "FAIL postconf warns: $warn"; fails=$((fails + 1)); else echo "ok   postconf -n gives no warning"; fi
[ "$checks" -ge 6 ] || { echo "FAIL only $checks checks ran: snippet not found as expected"; exit 1; }
echo "$((checks - fails)) passed, $fails failed"
[ "$fails" -eq 0 ]
