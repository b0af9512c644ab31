#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/cli/demo.sh - learn then scan on the demo mailbox, as README's first command does
#
#   demo.sh BINARY CORPUS_DIR
#
# Checks: scripts/make-demo.py reproduces demo/ byte for byte; `learn` imports the
# history; `scan` catches both reply-chain hijacks (with evidence naming the
# stolen thread) and the PPAP pair (password from the follow-up opens the ZIP),
# flags the password mail from a lookalike of our own domain, and leaves the
# genuine replies and the newsletter clean.
set -u
bin=$1
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/../support/checks.sh"  # check, py, checks_summary

/usr/bin/python3 "$root/scripts/make-demo.py" "$tmp/demo" >/dev/null
check "make-demo.py reproduces demo/ exactly" diff -r "$root/demo/mailbox" "$tmp/demo/mailbox"
check "make-demo.py reproduces demo/inbox exactly" diff -r "$root/demo/inbox" "$tmp/demo/inbox"

"$bin" learn --db "$tmp/h.db" --org-domain sakura-shoji.example "$root/demo/mailbox" 2>"$tmp/learn.err"
check "learn exits 0" test $? -eq 0
check "learn reports 7 messages" grep -q "learnt 7 message" "$tmp/learn.err"
"$bin" learn --db "$tmp/h.db" --org-domain sakura-shoji.example "$root/demo/mailbox" 2>"$tmp/relearn.err"
check "relearning changes nothing" grep -q "learnt 0 message(s).*7 already known" "$tmp/relearn.err"

"$bin" scan --db "$tmp/h.db" --config "$root/demo/replyguard.toml" --format jsonl "$root/demo/inbox" >"$tmp/scan.jsonl"
check "scan exits 1 (hijacks present)" test $? -eq 1
check "verdicts and evidence" /usr/bin/python3 - "$tmp/scan.jsonl" <<'PY'
import json, sys
recs = {r["source"].rsplit("/", 1)[-1]: r for r in map(json.loads, open(sys.argv[1]))}
def ids(name): return {f["id"] for f in recs[name]["findings"]}
want = {"01-genuine-reply-ja.eml": "clean", "02-hijack-ja-password-zip.eml": "malicious",
        "03-hijack-en-download-link.eml": "malicious", "04-genuine-reply-en.eml": "clean",
        "05-newsletter.eml": "clean", "06-fake-reply-stranger.eml": "malicious",
        "07-password-followup.eml": "suspicious"}
bad = [(n, recs[n]["verdict"], v) for n, v in want.items() if recs[n]["verdict"] != v]
if bad: sys.exit(f"wrong verdicts: {bad}")
h = ids("02-hijack-ja-password-zip.eml")
for need in ("HIJACK_THREAD_OUTSIDER_NAME", "HIJACK_WITH_PAYLOAD", "ARCHIVE_PASSWORD_FROM_BODY"):
    if need not in h: sys.exit(f"02 lacks {need}: {sorted(h)}")
ev = next(f for f in recs["02-hijack-ja-password-zip.eml"]["findings"] if f["id"] == "HIJACK_THREAD_OUTSIDER_NAME")
if "tanaka@fuji-kogyo.example" not in json.dumps(ev, ensure_ascii=False):
    sys.exit(f"02 evidence does not name the real participant: {ev}")
if "HIJACK_WITH_PAYLOAD" not in ids("03-hijack-en-download-link.eml"):
    sys.exit("03 lacks HIJACK_WITH_PAYLOAD")
if "LOOKALIKE_DOMAIN" not in ids("07-password-followup.eml"):
    sys.exit("07 (from a lookalike of our own domain) lacks LOOKALIKE_DOMAIN")
six = recs["06-fake-reply-stranger.eml"]
if not (six.get("pairing") or {}).get("opened"):
    sys.exit(f"06 not paired with its password mail: {six.get('pairing')}")
if "ARCHIVE_PASSWORD_FROM_THREAD" not in ids("06-fake-reply-stranger.eml"):
    sys.exit("06 lacks ARCHIVE_PASSWORD_FROM_THREAD")
PY

checks_summary "demo"
