#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# scripts/check-format.sh - the C++ tree is formatted as .clang-format says
#
#   scripts/check-format.sh          check (ctest `format`): lists every file
#                                    clang-format would change, exit 1 if any
#   scripts/check-format.sh --fix    format those files in place
#
# clang-format comes from Debian's clang-format package (scripts/packages/core.txt;
# version 14 on Debian 12). Another version may format a few constructs
# differently: the check names the version it ran so a mismatch is easy to see.
set -euo pipefail
cd "$(dirname "$0")/.."
cf=${CLANG_FORMAT:-clang-format}
if ! command -v "$cf" >/dev/null; then
  echo "check-format: $cf not found (Debian package clang-format; scripts/setup.sh installs it)" >&2
  exit 2
fi
mapfile -t files < <(find apps src tests fuzz bench -type f \( -name '*.cpp' -o -name '*.hpp' -o -name '*.h' \) | sort)
if [ "${1:-}" = "--fix" ]; then
  "$cf" -i "${files[@]}"
  exit 0
fi
bad=0
for f in "${files[@]}"; do
  if ! "$cf" --dry-run --Werror "$f" >/dev/null 2>&1; then
    echo "not formatted: $f"
    bad=$((bad + 1))
  fi
done
echo "check-format: $("$cf" --version | head -n1); ${#files[@]} files, $bad not formatted"
[ "$bad" -eq 0 ] || { echo "run scripts/check-format.sh --fix" >&2; exit 1; }
