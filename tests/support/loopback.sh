# SPDX-License-Identifier: Apache-2.0
# tests/support/loopback.sh - servers on 127.0.0.1 for the end-to-end tests and benches
#
# Sourced (bash) by tests/cli/milter_*.sh and bench/milter_load.sh:
#   free_port                  print a free TCP port on 127.0.0.1
#   wait_port PORT [PID]       wait (10 s) until something listens on PORT;
#                              fails at once when process PID has exited
#   postfix_private DIR [SETTING...]
#                              a private Postfix instance under DIR (etc/, spool/,
#                              data/, mail/, maillog): loopback only, no DNS,
#                              nothing chrooted, no smtpd until postfix_listen;
#                              mail for sato@sakura-shoji.example goes to the
#                              Maildir DIR/mail/sato/, every other transport is
#                              error:. SETTINGs ("name = value") override main.cf.
#   postfix_listen DIR PORT [-o name=value...]
#                              an smtpd on 127.0.0.1:PORT
#   postfix_stop DIR           stop the instance and wait (5 s) for its master
# Nothing here reaches beyond 127.0.0.1; starting Postfix needs root.

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

wait_port() {
    local _
    for _ in $(seq 100); do
        python3 -c "import socket,sys; s=socket.socket(); sys.exit(s.connect_ex(('127.0.0.1',$1)))" && return 0
        if [ -n "${2:-}" ] && ! kill -0 "$2" 2>/dev/null; then return 1; fi
        sleep 0.1
    done
    return 1
}

postfix_private() {
    local dir=$1
    shift
    mkdir -p "$dir/etc" "$dir/spool" "$dir/data" "$dir/mail"
    cp /etc/postfix/master.cf /etc/postfix/dynamicmaps.cf "$dir/etc/"
    [ -d /etc/postfix/dynamicmaps.cf.d ] && cp -r /etc/postfix/dynamicmaps.cf.d "$dir/etc/"
    : > "$dir/etc/main.cf"
    chown nobody:nogroup "$dir/mail"
    chown postfix "$dir/data"
    printf 'sato@sakura-shoji.example sato/\n' > "$dir/etc/vmailbox"
    postconf -c "$dir/etc" -e \
        "compatibility_level = 3.6" \
        "queue_directory = $dir/spool" \
        "data_directory = $dir/data" \
        "mail_owner = postfix" "setgid_group = postdrop" \
        "myhostname = mx.sakura-shoji.example" "mydomain = sakura-shoji.example" \
        "inet_interfaces = loopback-only" "inet_protocols = ipv4" \
        "mydestination =" "mynetworks = 127.0.0.0/8" \
        "virtual_mailbox_domains = sakura-shoji.example" \
        "virtual_mailbox_base = $dir/mail" \
        "virtual_mailbox_maps = texthash:$dir/etc/vmailbox" \
        "virtual_uid_maps = static:$(id -u nobody)" "virtual_gid_maps = static:$(id -g nobody)" \
        "default_transport = error:nothing leaves this test" "relay_transport = error:nothing leaves this test" \
        "relayhost =" "smtpd_peername_lookup = no" "disable_dns_lookups = yes" "smtp_dns_support_level = disabled" \
        "alias_maps =" "alias_database =" "biff = no" "notify_classes =" \
        "smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination" \
        "smtpd_milters =" "milter_default_action = tempfail" \
        "milter_command_timeout = 60s" "milter_content_timeout = 60s" \
        "maillog_file = $dir/maillog" "maillog_file_prefixes = $dir" "message_size_limit = 10240000"
    if [ "$#" -gt 0 ]; then postconf -c "$dir/etc" -e "$@"; fi
    # smtpd only where postfix_listen puts it; nothing chrooted (the directory has no chroot files)
    postconf -c "$dir/etc" -M# smtp/inet
    postconf -c "$dir/etc" -F '*/*/chroot = n'
}

postfix_listen() {
    local dir=$1 port=$2
    shift 2
    postconf -c "$dir/etc" -M "127.0.0.1:$port/inet=127.0.0.1:$port inet n - n - - smtpd${*:+ $*}"
}

postfix_stop() {
    local dir=$1 _
    postfix -c "$dir/etc" stop >/dev/null 2>&1 || postfix -c "$dir/etc" abort >/dev/null 2>&1
    for _ in $(seq 50); do
        [ -e "$dir/spool/pid/master.pid" ] && kill -0 "$(cat "$dir/spool/pid/master.pid" 2>/dev/null)" 2>/dev/null || break
        sleep 0.1
    done
}
