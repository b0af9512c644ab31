#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/cli/formulaic_ja.sh - no false alarm on formulaic Japanese business mail with common names
#
#   formulaic_ja.sh BINARY CORPUS_DIR
#
# Runs scripts/eval-formulaic-ja.py (our own generated text, no corpus needed):
# partner organisations whose people share common full names (田中 健 at two
# companies), threads on the same formulaic subjects (お見積りの件,
# 請求書送付のお願い) and the same greetings and closings. It learns the earlier
# part of every thread and scans the rest, all genuine: thread continuations,
# a namesake's first mail, and namesakes' replies in conversations that began
# outside the learnt mailbox. Fails when any scanned message is not clean.
# Before issue 11 (quote fingerprints weighed by rarity, subject-only matches
# needing an unambiguous subject, a known name needing a link to that person)
# namesakes' replies were flagged.
set -u
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
[ -x /usr/bin/python3 ] || { echo "SKIP: no python3"; exit 77; }
rc=0
for seed in 1 2; do
  /usr/bin/python3 "$here/../../scripts/eval-formulaic-ja.py" --binary "$bin" --orgs 16 --seed "$seed" --max-fp 0 || rc=1
done
exit $rc
