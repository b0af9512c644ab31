#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""tests/support/milter_client.py - a minimal MTA side of the milter protocol (v6)

Drives one message through a milter the way Postfix's milter8.c does:
OPTNEG, CONNECT, MAIL, RCPT, HEADER..., EOH, BODY, BODYEOB, with macros
({auth_authen}, i) sent before the stage they belong to. Returns the
modification requests and the final action, so a test can check what the
milter asked for without an MTA. Every read is bounded by a timeout.

    from milter_client import send_message
    r = send_message("127.0.0.1", 8894, raw_bytes, mail_from=..., rcpts=[...],
                     client_ip="192.0.2.1", macros={"{auth_authen}": "sato"}, queue_id="ABC123")
    r.final      # 'accept' | 'continue' | 'reject' | 'tempfail' | 'discard' | 'replycode'
    r.reply      # "550 5.7.1 ..." for replycode
    r.actions    # [('addheader', name, value), ('chgheader', index, name, value),
                 #  ('insheader', index, name, value), ('replbody', bytes), ('quarantine', reason)]
    r.pflags     # the protocol flags the milter asked for at OPTNEG (SMFIP_*)

A milter that answers an earlier step with anything but "continue" (a
tempfail at connect or MAIL FROM, say) ends the message there: r.final and
r.reply say what it answered, r.stage at which step ('C', 'M', ...).

before_eom and after_eom, when given, are called with no argument just before
the end of the message is sent and just after (before its answer is read):
a test signals the milter at those moments.
"""

import socket
import struct

SMFI_VERSION = 6


class result:
    def __init__(self):
        self.final = None
        self.reply = ""
        self.stage = None
        self.actions = []
        self.pflags = 0

    def headers_added(self, name):
        return [a[2] for a in self.actions if a[0] == "addheader" and a[1].lower() == name.lower()]

    def quarantined(self):
        return any(a[0] == "quarantine" for a in self.actions)

    def analysed(self):
        """The milter judged the message: it answered at end of message, not with
        a tempfail, and not with the default action's "unchecked". A check that
        something was *not* flagged means nothing otherwise."""
        return (self.final != "tempfail" and self.stage is None
                and self.headers_added("X-Replyguard-Verdict") != ["unchecked"])


_FINAL = {b"a": "accept", b"c": "continue", b"r": "reject", b"t": "tempfail", b"d": "discard", b"y": "replycode"}


class _answered_early(Exception):
    pass


def _packet(cmd, data=b""):
    return struct.pack(">I", len(data) + 1) + cmd + data


def _read_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("milter closed the connection")
        buf += chunk
    return buf


def _read(s):
    (n,) = struct.unpack(">I", _read_exact(s, 4))
    data = _read_exact(s, n)
    return data[:1], data[1:]


def _z(*parts):
    return b"".join(p.encode("utf-8") + b"\0" if isinstance(p, str) else p + b"\0" for p in parts)


def _split_headers(raw):
    raw = raw.replace(b"\r\n", b"\n")
    head, _, body = raw.partition(b"\n\n")
    headers = []
    for line in head.split(b"\n"):
        if line[:1] in (b" ", b"\t") and headers:
            headers[-1][1] += b"\n" + line
        elif b":" in line:
            name, _, value = line.partition(b":")
            headers.append([name, value[1:] if value.startswith(b" ") else value])
    return headers, body.replace(b"\n", b"\r\n")


def send_message(host, port, raw, mail_from, rcpts, client_ip="127.0.0.1", macros=None, queue_id="TESTQID",
                 timeout=60, before_eom=None, after_eom=None):
    macros = macros or {}
    r = result()
    s = socket.create_connection((host, port), timeout=timeout)
    try:
        # Offer every action and every protocol flag (as Postfix does); then
        # honour the steps the milter declines (NO*) and those it never answers (NR_*).
        s.sendall(_packet(b"O", struct.pack(">III", SMFI_VERSION, 0x1FF, 0x1FFFFF)))
        cmd, data = _read(s)
        assert cmd == b"O", cmd
        _, _, pflags = struct.unpack(">III", data[:12])
        r.pflags = pflags
        no = {b"C": 0x1, b"M": 0x4, b"R": 0x8, b"B": 0x10, b"L": 0x20, b"N": 0x40}
        nr = {b"C": 0x1000, b"M": 0x4000, b"R": 0x8000, b"B": 0x80000, b"L": 0x80, b"N": 0x40000}
        leadspc = bool(pflags & 0x100000)

        def step(code, data, stage_macros=None):
            if stage_macros:
                s.sendall(_packet(b"D", code + b"".join(_z(k, v) for k, v in stage_macros.items())))
            if pflags & no[code]:
                return b"c", b""
            s.sendall(_packet(code, data))
            if pflags & nr[code]:
                return b"c", b""
            c, d = _read(s)
            if c != b"c":
                r.final, r.stage = _FINAL.get(c, repr(c)), code.decode()
                r.reply = d.rstrip(b"\0").decode("utf-8", "replace")
                raise _answered_early()
            return c, d

        try:
            _message(s, step, leadspc, raw, mail_from, rcpts, client_ip, macros, queue_id, before_eom, after_eom, r)
        except _answered_early:
            pass
        s.sendall(_packet(b"Q"))
    finally:
        s.close()
    return r


def _message(s, step, leadspc, raw, mail_from, rcpts, client_ip, macros, queue_id, before_eom, after_eom, r):
    """Everything after option negotiation; step() raises _answered_early on a non-continue answer."""
    step(b"C", _z("client.example") + b"4" + struct.pack(">H", 25) + _z(client_ip),
         {"j": "mx.test.example", "{daemon_name}": "test"})
    mail_macros = {"i": queue_id}
    mail_macros.update(macros)
    step(b"M", _z("<" + mail_from + ">"), mail_macros)
    for rc in rcpts:
        step(b"R", _z("<" + rc + ">"), {"i": queue_id})
    headers, body = _split_headers(raw)
    for name, value in headers:
        step(b"L", _z(name, (b" " + value) if leadspc else value))
    step(b"N", b"")
    for i in range(0, len(body), 65535):
        step(b"B", body[i:i + 65535])
    if before_eom:
        before_eom()
    s.sendall(_packet(b"D", b"E" + _z("i", queue_id)))
    s.sendall(_packet(b"E"))
    if after_eom:
        after_eom()
    while True:
        c, d = _read(s)
        if c == b"h":
            name, value = d.split(b"\0")[:2]
            r.actions.append(("addheader", name.decode(), value.decode()))
        elif c in (b"m", b"i"):
            (idx,) = struct.unpack(">I", d[:4])
            name, value = d[4:].split(b"\0")[:2]
            r.actions.append(("chgheader" if c == b"m" else "insheader", idx, name.decode(), value.decode()))
        elif c == b"b":
            r.actions.append(("replbody", d))
        elif c == b"q":
            r.actions.append(("quarantine", d.rstrip(b"\0").decode()))
        elif c == b"p":  # progress
            continue
        else:
            r.final = _FINAL.get(c, repr(c))
            r.reply = d.rstrip(b"\0").decode("utf-8", "replace")
            break
