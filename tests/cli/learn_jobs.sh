#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/cli/learn_jobs.sh - learn --jobs N stores what --jobs 1 stores
#
# USAGE
#   bash tests/cli/learn_jobs.sh REPLYGUARD_BINARY CORPUS_DIR
#
# DESCRIPTION
#   `learn --jobs N` (apps/cli/learn_cmd.cpp) parses messages on N threads and
#   stores them from one thread at a time, in input order: the thread a message
#   joins depends on the messages learnt before it, so any other order would
#   learn another history. Over the demo mailbox, a slice of the corpus's
#   single-message files (English and Japanese), a real mailing-list mbox (read
#   as a stream), an mbox on standard input and a PATH that does not exist
#   (an error in the middle of the input): -j2, -j3 and -j8 leave a history
#   whose every table holds the same rows as -j1's (sorted `.dump`), say the
#   same on standard error (the error line at its place, the totals) and exit
#   with the same status (2: the missing PATH). Learning the same input again
#   with -j4 into -j1's file stores nothing new.
# LIMITS
#   Local files only; no server. About 15 s.
set -u
bin=$1
corpus=$2
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$root/tests/support/checks.sh"
tmp=$(mktemp -d)
[[ ${KEEP_TMP:-0} = 1 ]] && echo "learn_jobs: files in $tmp"
trap '[[ ${KEEP_TMP:-0} = 1 ]] || rm -rf "$tmp"' EXIT

mbox="$corpus/benign/mailing-lists/fedora-devel-list-2010-01.mbox"
if [[ ! -r $mbox ]]; then
  echo "learn_jobs: shared corpus not present at $corpus"
  exit 77
fi
find "$corpus/benign" "$corpus/phishing" -type f ! -name '*.mbox*' ! -name '*.mbx*' -size +0c 2>/dev/null |
  LC_ALL=C sort | awk 'NR % 7 == 0' > "$tmp/slice"
mapfile -t slice < "$tmp/slice"
check "a corpus slice to learn" test "${#slice[@]}" -ge 100
check "the slice holds Japanese mail" grep -q japanese "$tmp/slice"
half=$((${#slice[@]} / 2))
inputs=("$root/demo/mailbox" "${slice[@]:0:half}" "$tmp/no-such-file.eml" "$mbox" "${slice[@]:half}" -)

dump() {
  sqlite3 "$1" .dump | LC_ALL=C sort
}

for j in 1 2 3 8; do
  "$bin" learn --no-progress -j"$j" --db "$tmp/h$j.db" --org-domain sakura-shoji.example "${inputs[@]}" \
    < "$mbox" > "$tmp/out$j" 2> "$tmp/err$j"
  echo $? > "$tmp/rc$j"
  dump "$tmp/h$j.db" > "$tmp/dump$j"
done
check "-j1 learnt hundreds of messages" grep -Eq "^learnt [0-9]{3,} message" "$tmp/err1"
check "-j1 reported the missing PATH" grep -q "no-such-file.eml" "$tmp/err1"
check "-j1 exit status 2 (an input could not be read)" test "$(cat "$tmp/rc1")" = 2
check "-j1 learnt rows" test "$(wc -l < "$tmp/dump1")" -gt 5000
for j in 2 3 8; do
  check "-j$j history = -j1 history (every table, sorted dump)" cmp -s "$tmp/dump1" "$tmp/dump$j"
  check "-j$j standard error = -j1's" cmp -s "$tmp/err1" "$tmp/err$j"
  check "-j$j exit status = -j1's" cmp -s "$tmp/rc1" "$tmp/rc$j"
done

# Again with -j4 into -j1's file: everything is known, nothing changes.
"$bin" learn --no-progress -j4 --db "$tmp/h1.db" --org-domain sakura-shoji.example "${inputs[@]}" \
  < "$mbox" > /dev/null 2> "$tmp/again.err"
check "learning it again learns nothing new" grep -Eq "^learnt 0 message" "$tmp/again.err"
check "learning it again leaves the same history" cmp -s "$tmp/dump1" <(dump "$tmp/h1.db")

echo "learn_jobs: $passes passed, $fails failed"
((fails == 0))
