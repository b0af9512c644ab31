#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/cli/rspamd_symbols.sh - the rspamd plugin's shipped symbols list is what replyguard prints
#
#   rspamd_symbols.sh BINARY CORPUS_DIR
#
# contrib/rspamd/local.d/replyguard_symbols.conf must be exactly
# `replyguard findings --format rspamd` (regenerate it with that command when a
# finding or a default score changes); every finding of `findings --format json`
# is in it as REPLYGUARD_<ID> with its score and group; --config overrides reach it.
# Needs no rspamd (tests/cli/rspamd_plugin.sh runs the plugin in one).
set -u
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
shipped=$root/contrib/rspamd/local.d/replyguard_symbols.conf
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$here/../support/checks.sh"

"$bin" findings --format rspamd >"$tmp/gen.conf"
check "findings --format rspamd exits 0" test $? -eq 0
check "contrib/rspamd/local.d/replyguard_symbols.conf is current (regenerate: replyguard findings --format rspamd > it)" \
  cmp -s "$tmp/gen.conf" "$shipped"
"$bin" findings --format json >"$tmp/f.jsonl"
check "every finding is a symbol with its score and group, nothing else" python3 - "$tmp/f.jsonl" "$tmp/gen.conf" <<'PY'
import json, re, sys
want = {"REPLYGUARD_" + j["id"]: (j["score"], j["group"]) for j in map(json.loads, open(sys.argv[1]))}
got = {}
for line in open(sys.argv[2], encoding="utf-8"):
    m = re.match(r'  "(REPLYGUARD_[A-Z0-9_]+)" \{ score = (-?[0-9.]+); group = "([a-z_]+)"; description = "(.+)"; \}$', line)
    if m:
        got[m.group(1)] = (float(m.group(2)), m.group(3))
    else:
        assert line.startswith("#") or line in ("symbols {\n", "}\n"), line
assert len(want) > 50, len(want)
assert got == want, set(got) ^ set(want)
PY
printf '[scores]\nHIJACK_THREAD_OUTSIDER = 9.25\n' >"$tmp/c.toml"
"$bin" findings --format rspamd --config "$tmp/c.toml" >"$tmp/over.conf"
check "--config: the overridden score is the one written" grep -q '^  "REPLYGUARD_HIJACK_THREAD_OUTSIDER" { score = 9.25;' "$tmp/over.conf"
check "--config: only that line differs" test "$(diff "$tmp/gen.conf" "$tmp/over.conf" | grep -c '^[<>]')" -eq 2
"$bin" findings --format ucl >/dev/null 2>&1
check "an unknown format is a usage error (exit 2)" test $? -eq 2

echo "rspamd_symbols: $passes passed, $fails failed"
[ "$fails" -eq 0 ]
