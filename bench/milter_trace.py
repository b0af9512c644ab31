#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# bench/milter_trace.py - where the milter's added latency goes, from a loopback capture
#
# USAGE
#   milter_trace.py CAPTURE.pcap [--json OUT.json]
#
# DESCRIPTION
#   Reads a tcpdump capture of bench/milter_load.sh's latency run (CAPTURE=...,
#   inet milter socket: both the SMTP port and the milter port are in it),
#   reassembles each TCP stream, finds the SMTP transactions (client's final
#   "." to the server's "250 ... queued as ID") and the milter conversations
#   (Postfix's packets: length, command, data), and joins the two by the
#   queue ID (the "i" macro Postfix sends with DATA and end of message). Per
#   message, four intervals on the wire (milliseconds):
#     to_milter   final "." -> the first header field reaches the milter
#                 (smtpd hands the message to cleanup, cleanup reads it)
#     transfer    first header field -> end of message (SMFIC_BODYEOB)
#                 arrives: the header fields and body chunks, no reply each
#                 (SMFIP_NR_HDR|NR_BODY) or one round trip each
#     milter      end of message -> the milter's final reply (its analysis,
#                 header changes, verdict)
#     after       final reply -> "250" to the client (cleanup applies the
#                 changes, writes the queue file, smtpd answers)
#   and p50/p90/p99 of each and of the SMTP latency itself. With the milter's
#   log lines beside the capture (CAPTURE.NAME.log): its analysis_ms split
#   into queued_ms (end of message -> the analysis thread starts), scan_ms
#   (the analysis, wall), cpu_ms (its CPU time) and rest_ms (back on
#   libmilter's thread: the plan, the log line), and "milter-analysis": the
#   milter interval on the wire less analysis_ms (libmilter reading the
#   message and writing the replies, the header changes).
#   Also counted: Postfix's data segments sent within 0.2 ms after the
#   milter's pure ACK while Postfix had sent nothing for over 1 ms (a write
#   held back until the ACK came: Nagle's algorithm on Postfix's side).
# LIMITS
#   IPv4 over lo (Ethernet or Linux cooked headers), no reordering handling
#   beyond dropping repeated sequence numbers (loopback does not reorder).
#   A unix-socket milter cannot be captured: use strace on the milter.
import json
import re
import struct
import sys
from collections import defaultdict


def packets(path):
    """(ts, src, sport, dst, dport, seq, flags, payload) for each TCP/IPv4 packet."""
    with open(path, "rb") as f:
        hdr = f.read(24)
        magic = struct.unpack("<I", hdr[:4])[0]
        endian = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
        nano = magic in (0xA1B23C4D, 0x4D3CB2A1)
        linktype = struct.unpack(endian + "I", hdr[20:24])[0]
        l2 = {1: 14, 113: 16, 276: 20}.get(linktype)
        if l2 is None:
            sys.exit(f"milter_trace.py: link type {linktype} not handled")
        while True:
            ph = f.read(16)
            if len(ph) < 16:
                return
            sec, frac, caplen, _ = struct.unpack(endian + "IIII", ph)
            data = f.read(caplen)
            ts = sec + frac / (1e9 if nano else 1e6)
            ip = data[l2:]
            if len(ip) < 20 or ip[0] >> 4 != 4 or ip[9] != 6:
                continue
            ihl = (ip[0] & 15) * 4
            total = struct.unpack(">H", ip[2:4])[0]
            tcp = ip[ihl:total]
            sport, dport, seq = struct.unpack(">HHI", tcp[:8])
            off = (tcp[12] >> 4) * 4
            flags = tcp[13]
            yield ts, ip[12:16], sport, ip[16:20], dport, seq, flags, tcp[off:]


class Stream:
    """One direction of a TCP connection: its bytes and when each segment came."""

    def __init__(self):
        self.data = bytearray()
        self.marks = []  # (offset of the segment's end, ts)
        self.next_seq = None
        self.segments = []  # (ts, len) of data segments
        self.acks = []  # ts of pure ACKs (no data)

    def add(self, ts, seq, payload, flags):
        if not payload:
            if flags & 0x10 and not flags & 0x07:
                self.acks.append(ts)
            return
        if self.next_seq is not None and seq != self.next_seq:
            if (seq - self.next_seq) % (1 << 32) > (1 << 31):
                return  # repeated
        self.data += payload
        self.next_seq = (seq + len(payload)) % (1 << 32)
        self.marks.append((len(self.data), ts))
        self.segments.append((ts, len(payload)))

    def ts_at(self, offset):
        """When the byte at offset arrived."""
        lo, hi = 0, len(self.marks) - 1
        while lo < hi:
            mid = (lo + hi) // 2
            if self.marks[mid][0] > offset:
                hi = mid
            else:
                lo = mid + 1
        return self.marks[lo][1]


def milter_packets(s):
    """(cmd, data, ts of its first byte, ts of its last byte) of a milter stream."""
    out, i, d = [], 0, s.data
    while i + 5 <= len(d):
        n = struct.unpack(">I", d[i : i + 4])[0]
        if i + 4 + n > len(d) or n < 1:
            break
        out.append((chr(d[i + 4]), bytes(d[i + 5 : i + 4 + n]), s.ts_at(i), s.ts_at(i + 3 + n)))
        i += 4 + n
    return out


def queue_id(macro_data):
    parts = macro_data[1:].split(b"\0")
    for k, v in zip(parts[::2], parts[1::2]):
        if k in (b"i", b"{i}"):
            return v.decode("ascii", "replace")
    return None


def pct(v, p):
    v = sorted(v)
    return v[max(0, min(len(v) - 1, -(-p * len(v) // 100) - 1))] if v else float("nan")


def main():
    path = sys.argv[1]
    out_json = sys.argv[sys.argv.index("--json") + 1] if "--json" in sys.argv else None
    streams = defaultdict(Stream)
    for ts, src, sp, dst, dp, seq, flags, payload in packets(path):
        streams[(src, sp, dst, dp)].add(ts, seq, payload, flags)

    smtp, milter = {}, {}
    for key, s in streams.items():
        if s.data.startswith(b"220 "):
            smtp[key] = s
        elif len(s.data) > 5 and s.data[4:5] == b"O":
            # both sides open with SMFIC_OPTNEG; the MTA's next packets are commands (upper case)
            first = milter_packets(s)[1:2]
            if first and first[0][0].isupper():
                milter[key] = s

    # SMTP: final "." from the client -> "250 ... queued as ID".
    msgs = {}
    for (src, sp, dst, dp), server in smtp.items():
        client = streams[(dst, dp, src, sp)]
        dots = [m.end() - 1 for m in re.finditer(rb"\r\n\.\r\n", client.data)]
        replies = [
            (m.start(), m.group(1).decode())
            for m in re.finditer(rb"250 [^\r]*queued as ([0-9A-Za-z]+)", server.data)
        ]
        # the i-th final "." is answered by the next reply after it; match in order
        for d_off, (r_off, qid) in zip(dots, replies):
            msgs[qid] = {"t_dot": client.ts_at(d_off), "t_250": server.ts_at(r_off)}

    held = 0
    held_wait = []
    for (src, sp, dst, dp), mta in milter.items():
        back = streams[(dst, dp, src, sp)]  # the milter's side
        cmds = milter_packets(mta)
        reps = milter_packets(back)
        rep_i = 0
        cur = None
        for cmd, data, t0, t1 in cmds:
            if cmd == "D" and data[:1] in (b"T", b"E"):
                q = queue_id(data)
                if q:
                    cur = q
            if cur is None or cur not in msgs:
                continue
            m = msgs[cur]
            if cmd in ("L", "B") and "t_first_hdr" not in m:
                m["t_first_hdr"] = t0
            if cmd == "E":
                m["t_eom"] = t1
                # the milter's answers after this end of message: edits, then the verdict
                while rep_i < len(reps) and reps[rep_i][2] < t1:
                    rep_i += 1
                while rep_i < len(reps):
                    c, _, r0, r1 = reps[rep_i]
                    rep_i += 1
                    m.setdefault("t_first_reply", r0)
                    if c in "acrtdy":  # accept, continue, reject, tempfail, discard, reply code
                        m["t_reply"] = r1
                        break
                cur = None
        # Postfix's writes held until the milter's ACK came.
        acks = back.acks
        j = 0
        prev = None
        for ts, _ in mta.segments:
            while j < len(acks) and acks[j] <= ts:
                j += 1
            last_ack = acks[j - 1] if j else None
            if prev is not None and last_ack is not None and ts - prev > 1e-3 and 0 <= ts - last_ack < 2e-4 and last_ack > prev:
                held += 1
                held_wait.append((ts - prev) * 1e3)
            prev = ts

    # The milter's own log lines of the same run (CAPTURE.NAME.log beside the capture).
    log = {}
    log_path = re.sub(r"\.pcap$", ".log", path)
    try:
        with open(log_path, encoding="utf-8", errors="replace") as f:
            for line in f:
                mm = re.match(r"replyguard milter: (\S+): .*analysis_ms=", line)
                if mm:
                    f = {k: float(v) for k, v in re.findall(r"(\w+_ms)=([0-9.]+)", line)}
                    if "queued_ms" in f and "scan_ms" in f:
                        # after the scan: back to libmilter's thread, the plan, the log line
                        f["rest_ms"] = f["analysis_ms"] - f["queued_ms"] - f["scan_ms"]
                    log[mm.group(1)] = f
    except OSError:
        pass

    rows = [m for m in msgs.values() if all(k in m for k in ("t_first_hdr", "t_eom", "t_reply"))]
    iv = defaultdict(list)
    for qid, m in msgs.items():
        if m not in rows:
            continue
        iv["smtp"].append((m["t_250"] - m["t_dot"]) * 1e3)
        iv["to_milter"].append((m["t_first_hdr"] - m["t_dot"]) * 1e3)
        iv["transfer"].append((m["t_eom"] - m["t_first_hdr"]) * 1e3)
        iv["milter"].append((m["t_reply"] - m["t_eom"]) * 1e3)
        iv["first_reply"].append((m["t_first_reply"] - m["t_eom"]) * 1e3)
        iv["after"].append((m["t_250"] - m["t_reply"]) * 1e3)
        if qid in log:
            for k, v in log[qid].items():
                iv[k].append(v)
            # end of message on the wire -> final reply, less the logged analysis
            iv["milter-analysis"].append((m["t_reply"] - m["t_eom"]) * 1e3 - log[qid]["analysis_ms"])
    summary = {
        "messages": len(msgs),
        "joined": len(rows),
        "held_segments": held,
        "held_wait_ms_p50": pct(held_wait, 50),
    }
    print(f"{path}: {len(msgs)} SMTP messages, {len(rows)} joined to a milter conversation")
    print(f"{'interval':<10} {'p50':>7} {'p90':>7} {'p99':>7} {'mean':>7}  (ms)")
    keys = ["smtp", "to_milter", "transfer", "milter", "first_reply", "after"]
    keys += [k for k in iv if k not in keys]
    for k in keys:
        v = iv[k]
        mean = sum(v) / len(v) if v else float("nan")
        summary[k] = {"p50": pct(v, 50), "p90": pct(v, 90), "p99": pct(v, 99), "mean": mean}
        print(f"{k:<10} {pct(v, 50):7.2f} {pct(v, 90):7.2f} {pct(v, 99):7.2f} {mean:7.2f}")
    print(f"Postfix segments sent right after the milter's ACK, following a >1 ms pause: {held}"
          f" (pause p50 {summary['held_wait_ms_p50']:.2f} ms)")
    if out_json:
        with open(out_json, "w") as f:
            json.dump(summary, f, indent=1)


if __name__ == "__main__":
    main()
