# SPDX-License-Identifier: Apache-2.0
# tests/support/dovecot.sh - a private Dovecot IMAP server on 127.0.0.1 for the tests
#
# Sourced (bash) by tests/cli/imap_dovecot.sh, after tests/support/loopback.sh:
#   dovecot_private DIR USER PASSWORD
#                     writes DIR/dovecot.conf: its own base_dir and state_dir,
#                     one user from a passwd-file, Maildir mail under DIR/mail/USER,
#                     mailboxes INBOX, Sent (\Sent) and Quarantine; a self-signed
#                     certificate for "localhost" made here with openssl
#                     (DIR/ca.pem is the certificate to trust). Sets IMAP_PORT and
#                     IMAPS_PORT (free ports on 127.0.0.1).
#   dovecot_start DIR start it (the same ports each time) and wait for both ports
#   dovecot_stop DIR  stop it and its imap processes (connections drop) and wait (5 s)
#   dovecot_save DIR USER MAILBOX FILE...
#                     deliver files into a mailbox (doveadm save), as a delivery would
# DIR and its parents must be searchable (+x) by the users dovecot and nobody.
# Nothing here reaches beyond 127.0.0.1; starting Dovecot needs root (the mail
# itself belongs to `nobody`).

dovecot_private() {
    local dir=$1 user=$2 pass=$3
    mkdir -p "$dir/run" "$dir/state" "$dir/mail"
    chmod 755 "$dir"
    chown nobody:nogroup "$dir/mail"
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=localhost" \
        -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
        -keyout "$dir/key.pem" -out "$dir/ca.pem" 2>/dev/null || return 1
    printf '%s:{PLAIN}%s\n' "$user" "$pass" > "$dir/passwd"
    IMAP_PORT=$(free_port)
    IMAPS_PORT=$(free_port)
    while [ "$IMAPS_PORT" = "$IMAP_PORT" ]; do IMAPS_PORT=$(free_port); done
    cat > "$dir/dovecot.conf" <<EOF
base_dir = $dir/run
state_dir = $dir/state
instance_name = replyguard-test-$$
log_path = $dir/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <$dir/ca.pem
ssl_key = <$dir/key.pem
ssl_dh = </usr/share/dovecot/dh.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
default_login_user = dovenull
default_internal_user = dovecot
passdb {
  driver = passwd-file
  args = $dir/passwd
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=$dir/mail/%u
}
mail_location = maildir:$dir/mail/%u/Maildir
namespace inbox {
  inbox = yes
  separator = /
  mailbox Sent {
    special_use = \\Sent
    auto = create
  }
  mailbox Quarantine {
    special_use = \\Junk
    auto = create
  }
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $IMAP_PORT
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $IMAPS_PORT
    ssl = yes
  }
}
service anvil {
  chroot =
}
service imap-login {
  chroot =
}
EOF
}

dovecot_start() {
    local dir=$1
    dovecot -c "$dir/dovecot.conf" || return 1
    wait_port "$IMAP_PORT" && wait_port "$IMAPS_PORT"
}

dovecot_stop() {
    local dir=$1 pid kids _
    pid=$(cat "$dir/run/master.pid" 2>/dev/null) || return 0
    # The master leaves running imap processes serving their connections; kill
    # them too, so every client sees its connection drop (as on a server restart).
    kids=$(pgrep -P "$pid")
    kill "$pid" $kids 2>/dev/null
    for _ in $(seq 50); do
        local alive=0 p
        for p in $pid $kids; do kill -0 "$p" 2>/dev/null && alive=1; done
        [ "$alive" = 0 ] && return 0
        sleep 0.1
    done
    return 1
}

dovecot_save() {
    local dir=$1 user=$2 box=$3 f
    shift 3
    for f in "$@"; do
        doveadm -c "$dir/dovecot.conf" save -u "$user" -m "$box" < "$f" || return 1
    done
}
