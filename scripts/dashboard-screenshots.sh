#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# scripts/dashboard-screenshots.sh - regenerate docs/img/dashboard-{en,ja}.png from the demo
#
#   scripts/dashboard-screenshots.sh [BUILD_DIR]
#
# Runs tests/cli/dashboard_browser.sh (demo data: learn demo/mailbox, scan
# demo/inbox, serve on a free loopback port, Debian's headless chromium) with
# DASHBOARD_SCREENSHOTS=docs/img, so the pictures in the README are the
# test's own, taken after its checks of the same page. Needs a built
# BUILD_DIR/replyguard (default build/) and chromium.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
DASHBOARD_SCREENSHOTS=$root/docs/img bash "$root/tests/cli/dashboard_browser.sh" "$build/replyguard" "$root/../shared/corpus"
ls -l "$root/docs/img/dashboard-en.png" "$root/docs/img/dashboard-ja.png"
