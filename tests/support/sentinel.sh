# SPDX-License-Identifier: Apache-2.0
# tests/support/sentinel.sh - a private Redis Sentinel set-up on 127.0.0.1
#
# Sourced (bash, after loopback.sh) by tests/cli/redis_sentinel.sh and
# bench/sentinel_failover.sh:
#   sentinel_start DIR         one master, one replica (replicaof) and three
#                              sentinels (quorum 2, down-after 1000 ms,
#                              failover-timeout 3000 ms), each on a free port,
#                              with its own config and dir under DIR, no
#                              persistence. Sets RS_NAME (the master name),
#                              RS_URL (redis+sentinel://...:P1,...:P3/RS_NAME),
#                              RS_PORT[a|b] (the two data servers' ports) and
#                              RS_PID[port] (their pids, and the sentinels').
#   sentinel_master            print the master port the first sentinel names
#   sentinel_kill PORT         kill -9 the data server on PORT
#   sentinel_restart PORT      start it again (empty, as a master: the
#                              sentinels make it a replica of the new master)
#   sentinel_wait_master NOT [SECONDS]
#                              wait until every sentinel names a master other
#                              than port NOT and it answers ROLE master; print
#                              its port
#   sentinel_wait_synced PORT [SECONDS]
#                              wait until PORT is a replica with its link up
#   sentinel_stop              stop every process sentinel_start started
#   sentinel_milter BIN DIR STORE [TOML...]
#                              `BIN milter` on STORE (the redis+sentinel://
#                              address) and a free port: DIR/milter.toml is
#                              [org] sakura-shoji.example, learn off,
#                              default_action accept, headers for suspicious
#                              and malicious mail, then each TOML line given;
#                              its log in DIR/milter.log. Sets MILTER_PORT and
#                              MILTER_PID (the caller stops it); fails when it
#                              does not listen within 10 s.
# Needs redis-server, redis-sentinel and redis-cli (scripts/packages/milter.txt).
# Nothing listens beyond 127.0.0.1.

declare -A RS_PID=()
declare -A RS_PORT=()
RS_DIR=""
RS_NAME="rgmaster"
RS_URL=""
RS_SENTINELS=()

_rs_server() {  # _rs_server PORT [MASTERPORT]
    local port=$1 d="$RS_DIR/redis-$1"
    mkdir -p "$d"
    redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --daemonize no \
        --loglevel warning --repl-diskless-sync-delay 0 --dir "$d" ${2:+--replicaof 127.0.0.1 "$2"} >>"$d/log" 2>&1 &
    RS_PID[$port]=$!
    wait_port "$port" "${RS_PID[$port]}"
}

sentinel_start() {
    RS_DIR=$1
    RS_PORT[a]=$(free_port)
    RS_PORT[b]=$(free_port)
    _rs_server "${RS_PORT[a]}" || return 1
    _rs_server "${RS_PORT[b]}" "${RS_PORT[a]}" || return 1
    local i p hosts=""
    for i in 1 2 3; do
        p=$(free_port)
        mkdir -p "$RS_DIR/sentinel-$p"
        cat >"$RS_DIR/sentinel-$p/sentinel.conf" <<EOF
port $p
bind 127.0.0.1
daemonize no
dir $RS_DIR/sentinel-$p
logfile $RS_DIR/sentinel-$p/log
sentinel resolve-hostnames no
sentinel monitor $RS_NAME 127.0.0.1 ${RS_PORT[a]} 2
sentinel down-after-milliseconds $RS_NAME 1000
sentinel failover-timeout $RS_NAME 3000
sentinel parallel-syncs $RS_NAME 1
EOF
        redis-sentinel "$RS_DIR/sentinel-$p/sentinel.conf" >/dev/null 2>&1 &
        RS_PID[$p]=$!
        RS_SENTINELS+=("$p")
        wait_port "$p" "${RS_PID[$p]}" || return 1
        hosts+="${hosts:+,}127.0.0.1:$p"
    done
    RS_URL="redis+sentinel://$hosts/$RS_NAME"
    # The replica in sync, and every sentinel aware of both servers and of the other sentinels.
    sentinel_wait_synced "${RS_PORT[b]}" 20 || return 1
    local _
    for _ in $(seq 200); do
        local ready=1
        for p in "${RS_SENTINELS[@]}"; do
            local info
            info=$(redis-cli -p "$p" SENTINEL master "$RS_NAME" 2>/dev/null | tr '\n' ' ')
            [[ $info == *" num-slaves 1 "* && $info == *" num-other-sentinels 2 "* ]] || ready=0
        done
        ((ready)) && return 0
        sleep 0.1
    done
    return 1
}

sentinel_master() {
    redis-cli -p "${RS_SENTINELS[0]}" SENTINEL get-master-addr-by-name "$RS_NAME" 2>/dev/null | sed -n 2p
}

sentinel_kill() {
    kill -9 "${RS_PID[$1]}" 2>/dev/null
    wait "${RS_PID[$1]}" 2>/dev/null
    unset "RS_PID[$1]"
}

sentinel_restart() { _rs_server "$1"; }

sentinel_wait_master() {  # NOT [SECONDS]
    local not=$1 n=$((${2:-30} * 10)) _ p m
    for _ in $(seq "$n"); do
        m=""
        for p in "${RS_SENTINELS[@]}"; do
            local q
            q=$(redis-cli -p "$p" SENTINEL get-master-addr-by-name "$RS_NAME" 2>/dev/null | sed -n 2p)
            if [ -z "$q" ] || [ "$q" = "$not" ] || { [ -n "$m" ] && [ "$m" != "$q" ]; }; then m=x; break; fi
            m=$q
        done
        if [ "$m" != x ] && [ "$(redis-cli -p "$m" ROLE 2>/dev/null | head -1)" = master ]; then
            echo "$m"
            return 0
        fi
        sleep 0.1
    done
    return 1
}

sentinel_wait_synced() {  # PORT [SECONDS]
    local n=$((${2:-30} * 10)) _
    for _ in $(seq "$n"); do
        redis-cli -p "$1" INFO replication 2>/dev/null | grep -q '^master_link_status:up' && return 0
        sleep 0.1
    done
    return 1
}

sentinel_stop() {
    local p
    for p in "${!RS_PID[@]}"; do kill "${RS_PID[$p]}" 2>/dev/null; done
    for p in "${!RS_PID[@]}"; do wait "${RS_PID[$p]}" 2>/dev/null; done
    RS_PID=()
}

sentinel_milter() {  # BIN DIR STORE [TOML...]
    local bin=$1 dir=$2 store=$3
    shift 3
    {
        printf '[org]\ndomains = ["sakura-shoji.example"]\n[milter]\nlearn = false\ndefault_action = "accept"\n'
        printf '[milter.actions]\nsuspicious = ["headers"]\nmalicious = ["headers"]\n'
        if (($#)); then printf '%s\n' "$@"; fi
    } >"$dir/milter.toml"
    MILTER_PORT=$(free_port)
    "$bin" milter --config "$dir/milter.toml" --db "$store" --socket "inet:$MILTER_PORT@127.0.0.1" 2>"$dir/milter.log" &
    MILTER_PID=$!
    wait_port "$MILTER_PORT" "$MILTER_PID"
}
