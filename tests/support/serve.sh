# SPDX-License-Identifier: Apache-2.0
# tests/support/serve.sh - the demo history and `replyguard serve` on a free loopback port
#
# Sourced (bash) by the tests that talk to serve (report_serve.sh, rspamc.sh,
# serve_slowloris.sh, feedback_learn.sh, metrics.sh, dashboard_browser.sh,
# rspamd_proxy.sh). The caller sets $bin (the binary) and a `pids` array its
# EXIT trap kills; $demo is the repository's demo/ unless the caller set it.
#   demo_learn DB              learn demo/mailbox (sakura-shoji.example's
#                              history, as scripts/demo.sh does) into DB
#   start_demo_serve [--err FILE] OUT [SERVE ARGS...]
#                              `$bin serve --port 0 ARGS...` (the kernel picks
#                              the port) with stdout (and stderr, unless --err
#                              names its own file) in OUT; waits (10 s) for its
#                              "listening on" line (printed once the server is
#                              bound and its threads run: no request is made,
#                              so the tests' request counts stay exact). Sets
#                              $port and $serve_pid and adds the pid to $pids.
#                              Fails (1) when serve exited or never listened;
#                              OUT then says why.
# Nothing listens beyond 127.0.0.1 (serve's default --listen).
: "${demo:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../demo" && pwd)}"

demo_learn() {  # demo_learn DB
    "$bin" learn --no-progress --db "$1" --org-domain sakura-shoji.example "$demo/mailbox" >/dev/null 2>&1
}

start_demo_serve() {  # start_demo_serve [--err FILE] OUT ARGS...
    local err=""
    if [ "${1:-}" = --err ]; then err=$2; shift 2; fi
    local out=$1 _
    shift
    if [ -n "$err" ]; then
        "$bin" serve --port 0 "$@" >"$out" 2>"$err" &
    else
        "$bin" serve --port 0 "$@" >"$out" 2>&1 &
    fi
    serve_pid=$!
    pids+=("$serve_pid")
    port=
    for _ in $(seq 1 100); do
        port=$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$out")
        [ -n "$port" ] && break
        kill -0 "$serve_pid" 2>/dev/null || return 1
        sleep 0.1
    done
    [ -n "$port" ]
}
