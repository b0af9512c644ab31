#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/milter_load.sh - Postfix with and without `replyguard milter`, in one run
#
# USAGE
#   bench/milter_load.sh [--messages N] [--concurrency C] [--quick] [--no-learn-phase]
#                        [--deliver discard|maildir] [--milter-socket inet|unix] [--redis]
#                        [--history FILE] [CORPUS]
#     --messages N      messages per phase and per client (default 2000)
#     --concurrency C   parallel SMTP sessions (default 4)
#     --quick           200 messages, concurrency 2, no phase C (checks the script works)
#     --no-learn-phase  leave out phase C
#     --deliver         discard (default) or maildir (virtual(8) into a Maildir)
#     --milter-socket   inet (default, 127.0.0.1) or unix (a socket in the temp dir)
#     --redis           the history in a private redis-server (127.0.0.1, a free
#                       port, no persistence) instead of an SQLite file
#     --history FILE    start from a copy of this SQLite history (e.g. one of
#                       bench/history_scale.sh --keep's h1000000.db), the corpus
#                       threads learnt into it as usual: the milter's lookups
#                       against a large history (not with --redis)
#     CORPUS            default $REPLYGUARD_CORPUS_DIR, else ../shared/corpus beside the repo
#   Environment: BUILD_DIR (default ./build), SEED (default 1), POSTCONF_EXTRA
#   (main.cf settings separated by ';', e.g. "milter_end_of_data_macros ="),
#   MILTER_ENV (NAME=VALUE pairs separated by spaces, set for the milter only),
#   CAPTURE (a path prefix: tcpdump on lo writes PREFIX.B.pcap, PREFIX.C.pcap
#   during the latency runs with the milter, the SMTP port and an inet milter
#   socket, and the milter's log lines of those runs as PREFIX.B.log;
#   bench/milter_trace.py reads them).
#
# DESCRIPTION
#   Starts one private Postfix (config, queue and mail under a temp dir; smtpd
#   only on 127.0.0.1; every non-local transport is `error:`; no DNS) with two
#   smtpd listeners: A without a milter, M with `replyguard milter` (inet on
#   127.0.0.1). The history (SQLite, or Redis with --redis) is learnt first with `replyguard learn`
#   from real threads in the corpus (bench/milter_load.py mix: the first 80%
#   of the fedora-devel mbox, most notmuch list mail, the ham not sent), so
#   the detectors do real lookups. The phases, each on the same mix of real
#   mail (thread replies, ham, Japanese, phishing with and without
#   attachments; see milter_load.py):
#     A  Postfix alone
#     B  Postfix + replyguard milter, learn = false (default actions: suspicious
#        mail is tagged and bannered, malicious mail rejected 550)
#     C  Postfix + replyguard milter, learn = true (clean mail is learnt)
#   Each phase is driven twice:
#     throughput  smtp-source (Postfix's own load generator, one connection
#                 per message, C sessions): wall time from the first
#                 connection until the queue is empty again (every accepted
#                 message delivered), msg/s over all messages sent;
#     latency     milter_load.py latency: C persistent connections, each
#                 message timed from its final "." to the server's reply,
#                 p50/p99. The milter's added latency is B - A.
#   A and B alternate (throughput A, B, then latency A, B) so drift on the
#   shared machine hits both alike. The milter's CPU time per message comes
#   from /proc/PID/stat (user+sys of the milter process, all its threads),
#   for the throughput and the latency run each. From the milter's log lines
#   of the latency run: analysis_ms (end of message to decision, wall) and
#   cpu_ms (CPU time of the analysis thread), p50/p99/p99.9; analysis_ms well
#   above cpu_ms is waiting (for a core, a lock, the store), not work.
#
#   Delivery: by default every accepted message goes to discard(8). The
#   question is what the milter adds before the queue; with maildir delivery
#   the fsync'd Maildir writes on this shared disk dominate the drain time and
#   their noise swamps the difference (--deliver maildir measures it anyway).
#   in_flow_delay = 0: Postfix otherwise stalls smtpd up to 1 s when the
#   queue manager falls behind, which would show up as latency of neither phase.
#
# LIMITS
#   Needs root (a private Postfix), postfix (smtp-source), python3, and
#   redis-server for --redis. Exit 77 when one is missing. p99.9 needs 1,000
#   messages or more to mean anything (--quick sends 200: it is the maximum). Loopback only: nothing reads or fetches a URL from the
#   mail; smtp-source and the client talk to 127.0.0.1 only.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BUILD_DIR:-$root/build}
seed=${SEED:-1}
messages=2000
conc=4
phase_c=1
deliver=discard
msock=inet
redis=0
history_from=""
corpus=""
while (($#)); do
    case $1 in
        --messages) messages=$2; shift 2 ;;
        --concurrency) conc=$2; shift 2 ;;
        --quick) messages=200; conc=2; phase_c=0; shift ;;
        --no-learn-phase) phase_c=0; shift ;;
        --deliver) deliver=$2; shift 2 ;;
        --milter-socket) msock=$2; shift 2 ;;
        --redis) redis=1; shift ;;
        --history) history_from=$2; shift 2 ;;
        -h|--help) sed -n '3,28p' "$0"; exit 0 ;;
        -*) echo "milter_load.sh: unknown option $1" >&2; exit 2 ;;
        *) corpus=$1; shift ;;
    esac
done
corpus=${corpus:-${REPLYGUARD_CORPUS_DIR:-$root/../shared/corpus}}
[[ $deliver == discard || $deliver == maildir ]] || { echo "milter_load.sh: --deliver discard|maildir" >&2; exit 2; }
[[ $msock == inet || $msock == unix ]] || { echo "milter_load.sh: --milter-socket inet|unix" >&2; exit 2; }
[[ -f $corpus/MANIFEST.tsv ]] || { echo "milter_load.sh: no corpus (MANIFEST.tsv) at $corpus" >&2; exit 2; }
if [[ -n $history_from ]]; then
    ((redis == 0)) || { echo "milter_load.sh: --history is an SQLite file: not with --redis" >&2; exit 2; }
    [[ -f $history_from ]] || { echo "milter_load.sh: --history $history_from: no such file" >&2; exit 2; }
fi
skip() { echo "SKIP: $*"; exit 77; }
command -v postfix >/dev/null && command -v postconf >/dev/null || skip "Postfix is not installed (scripts/packages/milter.txt)"
SMTP_SOURCE=$(command -v smtp-source || echo /usr/sbin/smtp-source)
[[ -x $SMTP_SOURCE ]] || skip "smtp-source (Debian postfix) missing"
[[ $(id -u) == 0 ]] || skip "a private Postfix needs root"
id nobody >/dev/null 2>&1 && id postfix >/dev/null 2>&1 || skip "users nobody/postfix missing"
command -v python3 >/dev/null || skip "python3 missing"
((redis == 0)) || command -v redis-server >/dev/null || skip "redis-server is not installed (scripts/packages/milter.txt)"
[[ -z ${CAPTURE:-} ]] || command -v tcpdump >/dev/null || { echo "milter_load.sh: CAPTURE needs tcpdump (scripts/packages/milter.txt)" >&2; exit 2; }
BIN=$build/replyguard
if [[ ! -x $BIN ]]; then
    [[ -f $build/build.ninja ]] || { echo "milter_load.sh: no build in $build" >&2; exit 2; }
    ninja -C "$build" -j2 replyguard >&2
fi
PY=$root/bench/milter_load.py
. "$root/tests/support/loopback.sh"  # free_port, wait_port, the private Postfix

# Distinct messages in the mix; each is sent messages/k times.
k=$((messages < 200 ? messages : 200))
reps=$(((messages + k - 1) / k))
messages=$((k * reps))

T=$(mktemp -d /tmp/rg-milterload.XXXXXX)
chmod 755 "$T"
MILTER_PID=""
CLIENT_PID=""
POSTFIX_UP=0
REDIS_PID=""
CAPTURE_PID=""
stop_milter() {
    if [[ -n $MILTER_PID ]]; then
        kill "$MILTER_PID" 2>/dev/null || true
        wait "$MILTER_PID" 2>/dev/null || true
        MILTER_PID=""
    fi
}
cleanup() {
    local rc=$?
    set +e
    # The client we started (xargs and its smtp-source children, or the Python client).
    if [[ -n $CLIENT_PID ]]; then
        pkill -TERM -P "$CLIENT_PID" 2>/dev/null
        kill "$CLIENT_PID" 2>/dev/null
        wait "$CLIENT_PID" 2>/dev/null
    fi
    [[ -n $CAPTURE_PID ]] && kill "$CAPTURE_PID" 2>/dev/null
    stop_milter
    [[ $POSTFIX_UP == 1 ]] && postfix_stop "$T"
    if [[ -n $REDIS_PID ]]; then
        kill "$REDIS_PID" 2>/dev/null
        wait "$REDIS_PID" 2>/dev/null
    fi
    if [[ $rc != 0 ]]; then
        echo "---- milter log (tail)" >&2; tail -20 "$T"/milter*.log >&2 2>/dev/null
        echo "---- postfix log (tail)" >&2; tail -20 "$T/maillog" >&2 2>/dev/null
    fi
    rm -rf "$T"
    exit "$rc"
}
trap cleanup EXIT INT TERM
say() { printf '[%s] %s\n' "$(date +%T)" "$*" >&2; }
ports=()
while ((${#ports[@]} < 4)); do
    p=$(free_port)
    [[ " ${ports[*]} " == *" $p "* ]] || ports+=("$p")
done
PORT_A=${ports[0]} PORT_M=${ports[1]} MPORT=${ports[2]} RPORT=${ports[3]}
FROM=bench@client.example
RCPT=sato@sakura-shoji.example

# --- data ----------------------------------------------------------------------
say "message mix ($k distinct messages x $reps) and learning set from $corpus"
mixinfo=$(python3 "$PY" mix "$corpus" "$T/mix" "$T/learn" "$k" "$seed")
cut -f1 "$T/mix/mix.tsv" | sed "s|^|$T/mix/|" > "$T/mix.list"
cp "$root/demo/replyguard.toml" "$T/base.toml" 2>/dev/null || printf '[org]\ndomains = ["sakura-shoji.example"]\n' > "$T/base.toml"
if ((redis)); then
    redis-server --port "$RPORT" --bind 127.0.0.1 --save "" --appendonly no --daemonize no --loglevel warning \
        --dir "$T" > "$T/redis.log" 2>&1 &
    REDIS_PID=$!
    wait_port "$RPORT" "$REDIS_PID" || { echo "milter_load.sh: redis-server did not start" >&2; cat "$T/redis.log" >&2; exit 1; }
    STORE="redis://127.0.0.1:$RPORT/0"
    store_name="Redis $(redis-server --version | grep -o 'v=[0-9.]*' | cut -d= -f2), 127.0.0.1"
else
    STORE=$T/history.db
    store_name=SQLite
    if [[ -n $history_from ]]; then
        # A copy (phase C learns into ours), with its WAL when it has one: the two
        # together are the history (nothing may write to it meanwhile).
        say "copying the history $history_from ($(($(stat -c %s "$history_from") / 1000000)) MB)..."
        cp "$history_from" "$STORE"
        if [[ -s $history_from-wal ]]; then cp "$history_from-wal" "$STORE-wal"; fi
        store_name="SQLite, from $(basename "$history_from")"
    fi
fi
# Messages in the history (SQLite only; a Redis history has no single count).
hist_count() {
    ((redis)) && { echo "?"; return; }
    python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT COUNT(*) FROM messages').fetchone()[0])" "$STORE" 2>/dev/null || echo "?"
}
say "replyguard learn ($store_name history)..."
t0=$(date +%s.%N)
"$BIN" learn --no-progress --db "$STORE" --config "$T/base.toml" "$T/learn" > "$T/learn.out" 2>&1 ||
    { cat "$T/learn.out" >&2; exit 1; }
learn_s=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
hist_msgs=$(hist_count)
say "history: $hist_msgs messages learnt in ${learn_s}s"

if [[ $msock == unix ]]; then
    milter_spec=unix:$T/milter.sock postfix_milter=unix:$T/milter.sock
else
    milter_spec=inet:$MPORT@127.0.0.1 postfix_milter=inet:127.0.0.1:$MPORT
fi

# --- a private Postfix (tests/support/loopback.sh) -----------------------------
# Postfix's own flow control off: it would pause smtpd up to 1 s when the queue lags.
postfix_private "$T" "in_flow_delay = 0s" "smtpd_client_connection_count_limit = 0" \
    "default_transport = error:nothing leaves this bench" "relay_transport = error:nothing leaves this bench"
PC=(postconf -c "$T/etc")
[[ $deliver == discard ]] && "${PC[@]}" -e "virtual_transport = discard:bench"
# POSTCONF_EXTRA: more main.cf settings for experiments, separated by ';'
if [[ -n ${POSTCONF_EXTRA:-} ]]; then
    IFS=';' read -ra extra <<< "$POSTCONF_EXTRA"
    "${PC[@]}" -e "${extra[@]}"
fi
postfix_listen "$T" "$PORT_A"
postfix_listen "$T" "$PORT_M" -o "smtpd_milters=$postfix_milter"
POSTFIX_UP=1
postfix -c "$T/etc" start >/dev/null 2>&1 || { echo "milter_load.sh: postfix did not start" >&2; exit 1; }
wait_port "$PORT_A" && wait_port "$PORT_M" || { echo "milter_load.sh: smtpd does not listen" >&2; exit 1; }

start_milter() {  # start_milter LEARN(true|false) LOGNAME
    printf '[milter]\nlearn = %s\ndefault_action = "tempfail"\n' "$1" | cat "$T/base.toml" - > "$T/$2.toml"
    rm -f "$T/milter.sock"
    # umask: smtpd (user postfix) must be able to write to a unix socket
    # shellcheck disable=SC2086  # MILTER_ENV is split into NAME=VALUE words on purpose
    ( umask 000; exec env ${MILTER_ENV:-} "$BIN" milter --config "$T/$2.toml" --db "$STORE" --socket "$milter_spec" 2> "$T/$2.log" ) &
    MILTER_PID=$!
    MILTER_LOG=$T/$2.log
    if [[ $msock == unix ]]; then
        for _ in $(seq 100); do [[ -S $T/milter.sock ]] && break; sleep 0.1; done
        [[ -S $T/milter.sock ]] || { echo "milter_load.sh: milter did not listen" >&2; exit 1; }
    else
        wait_port "$MPORT" || { echo "milter_load.sh: milter did not listen" >&2; exit 1; }
    fi
}
milter_cpu() {  # user+sys seconds of the milter process so far
    awk -v hz="$(getconf CLK_TCK)" '{ printf "%.3f\n", ($14 + $15) / hz }' "/proc/$MILTER_PID/stat"
}
queue_files() { find "$T/spool/incoming" "$T/spool/active" "$T/spool/deferred" "$T/spool/maildrop" -type f 2>/dev/null | wc -l; }
log_count() { grep -c "$1" "$T/maillog" 2>/dev/null || true; }

# throughput NAME PORT: smtp-source over the mix, then wait for an empty queue.
throughput() {
    local name=$1 port=$2 c0 c1 sent0 rej0 t0 t1 n_sent n_rej
    say "phase $name: smtp-source, $messages messages, $conc sessions -> 127.0.0.1:$port"
    [[ -n $MILTER_PID ]] && c0=$(milter_cpu) || c0=0
    sent0=$(log_count 'status=sent')
    rej0=$(log_count 'milter-reject')
    t0=$(date +%s.%N)
    # One smtp-source per distinct message (-F sends one file), C at a time;
    # each sends its file reps times, one connection per message.
    # In the background and waited for, so that a signal runs the cleanup at once.
    xargs -a "$T/mix.list" -P "$conc" -I{} "$SMTP_SOURCE" -s 1 -m "$reps" -M bench.client.example \
        -f "$FROM" -t "$RCPT" -F {} "127.0.0.1:$port" 2>> "$T/smtp-source.$name.err" &
    CLIENT_PID=$!
    wait "$CLIENT_PID" || true
    CLIENT_PID=""
    t1=$(date +%s.%N)
    local deadline=$((SECONDS + 600))
    while (($(queue_files) > 0 && SECONDS < deadline)); do sleep 0.05; done
    local t2
    t2=$(date +%s.%N)
    sleep 1  # postlogd writes asynchronously
    n_sent=$(($(log_count 'status=sent') - sent0))
    n_rej=$(($(log_count 'milter-reject') - rej0))
    [[ -n $MILTER_PID ]] && c1=$(milter_cpu) || c1=0
    local errs
    errs=$(grep -c . "$T/smtp-source.$name.err" 2>/dev/null || true)
    awk -v n="$messages" -v a="$t0" -v b="$t1" -v c="$t2" -v s="$n_sent" -v r="$n_rej" -v e="$errs" \
        -v cpu0="$c0" -v cpu1="$c1" 'BEGIN {
            printf "%d %.3f %.3f %.1f %d %d %d %.3f\n", n, b - a, c - a, n / (c - a), s, r, e, (cpu1 - cpu0) * 1000 / n }' \
        > "$T/thr.$name"
    read -r _ cw tw rate ns nr ne cpu < "$T/thr.$name"
    say "  $rate msg/s (clients done ${cw}s, queue empty ${tw}s; delivered $ns, milter-rejected $nr, smtp-source messages $ne; milter CPU ${cpu} ms/msg)"
}

# latency NAME PORT
latency() {
    local name=$1 port=$2 c0 c1
    say "phase $name: SMTP client, $messages messages over $conc connections -> 127.0.0.1:$port"
    [[ -n $MILTER_PID ]] && c0=$(milter_cpu) || c0=0
    local l0=0
    [[ $name != A && -n $MILTER_PID ]] && l0=$(wc -l < "$MILTER_LOG")
    if [[ -n ${CAPTURE:-} && $name != A ]]; then
        local filter="tcp port $port"
        [[ $msock == inet ]] && filter+=" or tcp port $MPORT"
        tcpdump -i lo -U -s 0 -w "$CAPTURE.$name.pcap" "$filter" 2> "$T/tcpdump.$name.err" &
        CAPTURE_PID=$!
        sleep 1  # tcpdump needs a moment to attach
    fi
    python3 "$PY" latency "$port" "$T/mix" "$messages" "$conc" "$seed" "$FROM" "$RCPT" "$T/lat.$name.json" "$name" &
    CLIENT_PID=$!
    wait "$CLIENT_PID"
    CLIENT_PID=""
    if [[ -n $CAPTURE_PID ]]; then
        sleep 0.5
        kill "$CAPTURE_PID" 2>/dev/null || true
        wait "$CAPTURE_PID" 2>/dev/null || true
        CAPTURE_PID=""
        tail -n +"$((l0 + 1))" "$MILTER_LOG" > "$CAPTURE.$name.log"
    fi
    [[ -n $MILTER_PID ]] && c1=$(milter_cpu) || c1=0
    awk -v a="$c0" -v b="$c1" -v n="$messages" 'BEGIN { printf "%.3f\n", (b - a) * 1000 / n }' > "$T/latcpu.$name"
    # The milter's own time per message (analysis_ms in its log line), when it logs one.
    if [[ $name != A && -n $MILTER_PID ]]; then
        tail -n +"$((l0 + 1))" "$MILTER_LOG" | grep -o 'analysis_ms=[0-9.]*' | cut -d= -f2 | sort -n > "$T/ams.$name" || true
        tail -n +"$((l0 + 1))" "$MILTER_LOG" | grep -o 'cpu_ms=[0-9.]*' | cut -d= -f2 | sort -n > "$T/cms.$name" || true
    fi
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("  p50 %.1f ms, p99 %.1f ms, p99.9 %.1f ms, %.1f msg/s; replies %s, errors %d %s" % (d["p50_ms"], d["p99_ms"], d["p999_ms"], d["msg_per_s"], d["replies"], d["errors"], d["first_errors"]))' "$T/lat.$name.json" >&2
}

warm_up() {  # a few messages through both listeners: smtpd processes, milter caches, page cache
    python3 "$PY" latency "$PORT_A" "$T/mix" 20 2 "$seed" "$FROM" "$RCPT" "$T/warm.a.json" warm-A
    python3 "$PY" latency "$PORT_M" "$T/mix" 20 2 "$seed" "$FROM" "$RCPT" "$T/warm.m.json" warm-M
    while (($(queue_files) > 0)); do sleep 0.05; done
}

start_milter false milter_b
warm_up
throughput A "$PORT_A"
throughput B "$PORT_M"
latency A "$PORT_A"
latency B "$PORT_M"
grep -c 'verdict=' "$T/milter_b.log" > "$T/verdicts.B" || true
grep -o 'verdict=[a-z]*' "$T/milter_b.log" | sort | uniq -c | awk '{ sub(/verdict=/, "", $2); printf "%s%s %s", sep, $2, $1; sep = ", " }' > "$T/vmix.B" || true
stop_milter
if ((phase_c)); then
    before=$(hist_count)
    start_milter true milter_c
    throughput C "$PORT_M"
    latency C "$PORT_M"
    stop_milter
    after=$(hist_count)
fi

# --- report --------------------------------------------------------------------
phases=(A B)
((phase_c)) && phases+=(C)
printf '\nreplyguard milter load benchmark, %s\n' "$(date -u '+%Y-%m-%d %H:%M UTC')"
[[ -n ${POSTCONF_EXTRA:-} ]] && printf 'POSTCONF_EXTRA: %s\n' "$POSTCONF_EXTRA"
printf 'machine: %s cores, load %s; Postfix %s; delivery: %s; milter socket: %s; history: %s\n' "$(nproc)" \
    "$(cut -d' ' -f1-3 /proc/loadavg)" "$(postconf -h mail_version)" "$deliver" "$msock" "$store_name"
printf 'mix: %s\n' "$mixinfo"
printf 'history: %s messages learnt (replyguard learn, %s s); milter verdicts in B: %s\n' "$hist_msgs" "$learn_s" "$(cat "$T/vmix.B")"
((phase_c)) && [[ $before != "?" && $after != "?" ]] &&
    printf 'phase C learnt %s new messages (%s -> %s)\n' "$((after - before))" "$before" "$after"
printf '\n%-28s %8s %9s %9s %9s %9s %9s %9s %10s %10s\n' phase messages wall_s msg/s p50_ms p99_ms p999_ms max_ms CPU/msg CPU/msg_lat
for p in "${phases[@]}"; do
    read -r n _ tw rate _ _ _ cpu < "$T/thr.$p"
    read -r p50 p99 p999 mx < <(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("%.1f %.1f %.1f %.1f" % (d["p50_ms"], d["p99_ms"], d["p999_ms"], d["max_ms"]))' "$T/lat.$p.json")
    case $p in A) label="A  Postfix alone" ;; B) label="B  + milter" ;; C) label="C  + milter, learn=true" ;; esac
    if [[ $p == A ]]; then cpu="-" lcpu="-"; else cpu="$cpu ms" lcpu="$(cat "$T/latcpu.$p") ms"; fi
    printf '%-28s %8s %9s %9s %9s %9s %9s %9s %10s %10s\n' "$label" "$n" "$tw" "$rate" "$p50" "$p99" "$p999" "$mx" "$cpu" "$lcpu"
done
python3 - "$T" "${phases[@]}" <<'PY'
import json, math, sys
T, phases = sys.argv[1], sys.argv[2:]
thr = {p: open(f"{T}/thr.{p}").read().split() for p in phases}
lat = {p: json.load(open(f"{T}/lat.{p}.json")) for p in phases}
print()
for p in phases[1:]:
    ratio = float(thr[p][3]) / float(thr["A"][3])
    print(f"{p}/A throughput: {ratio:.2f}   added latency ({p} - A): p50 {lat[p]['p50_ms'] - lat['A']['p50_ms']:+.1f} ms, "
          f"p99 {lat[p]['p99_ms'] - lat['A']['p99_ms']:+.1f} ms, p99.9 {lat[p]['p999_ms'] - lat['A']['p999_ms']:+.1f} ms   "
          f"(latency client: {lat[p]['msg_per_s']:.1f} vs {lat['A']['msg_per_s']:.1f} msg/s)")
for p in phases:
    r = lat[p]["replies"]
    cats = ", ".join(f"{c} {v['p50_ms']:.1f}/{v['p99_ms']:.1f}" for c, v in lat[p]["by_category"].items())
    def values(name):
        try:
            return [float(x) for x in open(f"{T}/{name}.{p}").read().split()]
        except OSError:
            return []
    def q(v, pc):  # nearest rank, as milter_load.py's pct
        return v[max(0, min(len(v) - 1, math.ceil(pc / 100.0 * len(v)) - 1))]
    ams, cms = values("ams"), values("cms")
    if ams:
        line = (f"{p}: milter's own time (its log, latency run, {len(ams)} messages): analysis_ms p50 {q(ams, 50):.1f} "
                f"p99 {q(ams, 99):.1f} p99.9 {q(ams, 99.9):.1f}")
        if cms:
            line += f"; cpu_ms p50 {q(cms, 50):.1f} p99 {q(cms, 99):.1f} p99.9 {q(cms, 99.9):.1f}"
        print(line)
    print(f"{p}: replies 2xx {r['2xx']} 4xx {r['4xx']} 5xx {r['5xx']}, errors {lat[p]['errors']}; p50/p99 ms by category: {cats}")
PY
printf '\nthroughput: smtp-source, one connection per message, %s sessions; wall = first connection to empty queue.\n' "$conc"
printf 'latency: %s persistent connections, final "." to reply. CPU/msg = user+sys of the milter process per message, throughput run and latency run.\n' "$conc"
