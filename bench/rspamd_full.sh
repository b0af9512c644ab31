#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/rspamd_full.sh - CPU time of rspamd's full scan over a file list (the anchor of throughput.sh)
#
# USAGE
#   bench/rspamd_full.sh LIST
#     LIST  a file of message paths, one a line
#   Prints one line: "<worker cpu s> <wall s> <results> <dns queries> <worker peak RSS KB>"
#   (of the round of median worker CPU), then a line a round:
#   "round R <worker cpu s> <wall s> <beside cpu s>".
#   Environment: RSPAMD_HS_CACHE (hyperscan cache, kept between runs; default
#   /var/tmp/replyguard-bench-rspamd-hs), RSPAMD_KEEP=DIR keeps the temp dir,
#   RSPAMD_ROUNDS (scans of LIST by the same worker, default 1), RSPAMD_BESIDE (a
#   bash command run after each round, timed: the tool compared, so that both
#   run in the same minutes on the same CPU; its user+sys CPU s is "beside").
#
# DESCRIPTION
#   A private rspamd with the Debian package's whole configuration
#   (/etc/rspamd/rspamd.conf: every module and rule it enables by default),
#   its own LOCAL_CONFDIR, DBDIR, RUNDIR and LOGDIR under a temp dir, exactly
#   one normal worker on 127.0.0.1:<free port> (controller, proxy and fuzzy
#   workers moved to free loopback ports), and its resolver pointed at a DNS
#   stub on 127.0.0.1 that answers NXDOMAIN at once (so DNS-based modules run
#   their lookups without waiting for timeouts). rspamc feeds it every file of
#   LIST (`rspamc symbols`, batches of 500 files, rspamc's default of 8
#   requests in flight). The anchor is the CPU time (user+sys from
#   /proc/PID/stat) of the normal worker over the scans, read after a warm-up
#   message once the worker has loaded its hyperscan database: start-up, the
#   main process, rspamc and the stub are not counted.
#
#   What a full scan cannot do here, on purpose: no Redis is configured, so
#   the modules that need it are off (bayes, neural, ratelimit, greylist,
#   replies, reputation, history); fuzzy_check is disabled (its servers are on
#   the Internet); every DNS answer is NXDOMAIN and the HTTPS maps
#   (maps.rspamd.com) fail to load, so their modules use only local data.
#
#   Nothing reaches the network: when run as root with unshare(1) available,
#   the whole run is in a new network namespace that has only a loopback
#   interface; otherwise rspamd still resolves only through the stub.
# Limits: needs rspamd and rspamc (scripts/packages/rspamd.txt), and root
# (rspamd -i runs its worker as root). Start-up takes 30 s to minutes.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
list=$(realpath "$1")

if [[ -z ${RG_IN_NETNS:-} && $(id -u) -eq 0 ]] && command -v unshare >/dev/null &&
    unshare --net true 2>/dev/null; then
    exec env RG_IN_NETNS=1 unshare --net bash -c 'ip link set lo up 2>/dev/null ||
        python3 -c "import fcntl,socket,struct; s=socket.socket(); f=fcntl.ioctl(s, 0x8913, struct.pack(\"16sh\", b\"lo\", 0)); fcntl.ioctl(s, 0x8914, struct.pack(\"16sh\", b\"lo\", struct.unpack(\"16sh\", f)[1] | 1))"
        exec bash "$0" "$1"' "${BASH_SOURCE[0]}" "$list"
fi
. "$here/../tests/support/loopback.sh"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/rg-rspamd-full.XXXXXX")
hs=${RSPAMD_HS_CACHE:-/var/tmp/replyguard-bench-rspamd-hs}
mkdir -p "$hs"
rspamd_pid=""
stub_pid=""
cleanup() {
    local p _
    for p in $rspamd_pid $stub_pid; do
        kill "$p" 2>/dev/null || continue
        for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$p" 2>/dev/null || true
    done
    if [[ -n ${RSPAMD_KEEP:-} ]]; then cp -r "$tmp"/. "$RSPAMD_KEEP"/; fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- DNS stub: NXDOMAIN for every question, one line per query into queries.log ---
dns_port=$(free_port)
python3 - "$dns_port" "$tmp/queries.log" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[1])))
log = open(sys.argv[2], "a", buffering=1)
while True:
    q, peer = s.recvfrom(4096)
    if len(q) < 12:
        continue
    # same id and question, QR=1, RD copied, RA=1, RCODE=3; no answers
    flags = 0x8000 | (q[2] << 8 & 0x0100) | 0x0080 | 3
    s.sendto(q[:2] + flags.to_bytes(2, "big") + q[4:6] + b"\0\0\0\0\0\0" + q[12:], peer)
    log.write("q\n")
PY
stub_pid=$!

# --- rspamd's own config dirs ------------------------------------------------------
d=$tmp/r
mkdir -p "$d/local/local.d" "$d/local/override.d" "$d/db" "$d/run" "$d/log"
port=$(free_port)
cat > "$d/local/local.d/options.inc" <<CONF
hs_cache_dir = "$hs";
dns {
  nameserver = ["127.0.0.1:$dns_port"];
  timeout = 1s;
  retransmits = 1;
}
CONF
cat > "$d/local/local.d/logging.inc" <<'CONF'
type = "file";
filename = "$LOGDIR/rspamd.log";
CONF
printf 'bind_socket = "127.0.0.1:%s";\ncount = 1;\n' "$port" > "$d/local/override.d/worker-normal.inc"
for w in controller proxy fuzzy; do
    printf 'bind_socket = "127.0.0.1:%s";\ncount = 1;\n' "$(free_port)" > "$d/local/override.d/worker-$w.inc"
done
echo 'enabled = false;' > "$d/local/override.d/fuzzy_check.conf"

rspamd -f -i -c /etc/rspamd/rspamd.conf --var="CONFDIR=/etc/rspamd" --var="LOCAL_CONFDIR=$d/local" \
    --var="DBDIR=$d/db" --var="RUNDIR=$d/run" --var="LOGDIR=$d/log" > "$d/rspamd.out" 2>&1 &
rspamd_pid=$!

up=0
for _ in $(seq 60); do  # 60 x 10 s at most: rules, languages and hyperscan on a busy machine
    if wait_port "$port" "$rspamd_pid"; then up=1; break; fi
    kill -0 "$rspamd_pid" 2>/dev/null || break
done
((up)) || { echo "rspamd_full.sh: rspamd did not start" >&2; tail -20 "$d/rspamd.out" "$d/log/rspamd.log" >&2; exit 2; }

worker_pids() {  # the normal worker(s): children of the main process titled "rspamd: normal process"
    local p
    for p in $(pgrep -P "$rspamd_pid"); do
        tr '\0' ' ' < "/proc/$p/cmdline" 2>/dev/null | grep -q 'normal' && echo "$p"
    done
    return 0
}
worker_cpu() {  # user+sys seconds of the normal worker(s)
    local t=0 p
    for p in $(worker_pids); do
        t=$(awk -v t="$t" -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); print t + ($12 + $13) / hz }' "/proc/$p/stat")
    done
    echo "$t"
}

first=$(head -1 "$list")
# Warm-up until hyperscan is ready (the worker scans with PCRE until then): the
# worker says so after a compilation; from a warm cache only the hs_helper
# does ("compiled 0 regular expressions", notice sent a second later). 10 min at most.
for _ in $(seq 120); do
    rspamc -h "127.0.0.1:$port" -t 60 symbols "$first" > /dev/null 2>&1 || true
    grep -qiE '\(normal\).*hyperscan|regular expressions to the hyperscan tree' "$d/log/rspamd.log" && break
    sleep 5
done
sleep 3
rspamc -h "127.0.0.1:$port" -t 60 symbols "$first" > /dev/null 2>&1 || true
[[ -n $(worker_pids) ]] || { echo "rspamd_full.sh: no normal worker" >&2; exit 2; }

# Round after round; the tool compared (RSPAMD_BESIDE) right after each: on a VM
# whose CPU speed drifts over minutes, alternating puts both in the same minutes.
rounds=${RSPAMD_ROUNDS:-1}
[[ $rounds =~ ^[1-9][0-9]*$ ]] || { echo "rspamd_full.sh: RSPAMD_ROUNDS must be a positive number" >&2; exit 2; }
: > "$tmp/rounds"
for ((r = 1; r <= rounds; r++)); do
    c0=$(worker_cpu)
    q0=$(wc -l < "$tmp/queries.log" 2>/dev/null || echo 0)
    t0=$(date +%s.%N)
    xargs -a "$list" -d '\n' -n 500 rspamc -h "127.0.0.1:$port" -t 60 symbols > "$tmp/rspamc.out" 2> "$tmp/rspamc.err" || true
    t1=$(date +%s.%N)
    c1=$(worker_cpu)
    q1=$(wc -l < "$tmp/queries.log" 2>/dev/null || echo 0)
    n=$(grep -c '^Action:' "$tmp/rspamc.out" || true)
    beside=0
    if [[ -n ${RSPAMD_BESIDE:-} ]]; then
        # Exit 1 and 2 of a replyguard scan are results (suspicious mail, unreadable input).
        rc=0
        /usr/bin/time -f '%U %S' -o "$tmp/beside.t" bash -c "$RSPAMD_BESIDE" > /dev/null 2> "$tmp/beside.err" || rc=$?
        ((rc <= 2)) || { echo "rspamd_full.sh: RSPAMD_BESIDE exited $rc:" >&2; tail -5 "$tmp/beside.err" >&2; exit 2; }
        beside=$(awk '{ print $1 + $2 }' < <(tail -1 "$tmp/beside.t"))
    fi
    awk -v c0="$c0" -v c1="$c1" -v t0="$t0" -v t1="$t1" -v n="$n" -v q="$((q1 - q0))" -v b="$beside" \
        'BEGIN { printf "%.2f %.2f %d %d %.2f\n", c1 - c0, t1 - t0, n, q, b }' >> "$tmp/rounds"
done
read -r cpu wall n q _ < <(sort -n "$tmp/rounds" | sed -n "$(((rounds + 1) / 2))p")
rss=0
for p in $(worker_pids); do
    rss=$((rss + $(awk '/^VmHWM:/ { print $2 }' "/proc/$p/status")))
done
echo "$cpu $wall $n $q $rss"
awk '{ printf "round %d %s %s %s\n", NR, $1, $2, $5 }' "$tmp/rounds"
