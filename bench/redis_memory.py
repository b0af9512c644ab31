#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""bench/redis_memory.py - a Redis history's bytes per learnt message, by key kind, and learn's speed

For one binary: starts a private redis-server on 127.0.0.1 (a free port, no
persistence), pipes bench/history_gen.py's first N messages into
`replyguard learn --db redis://...` and reports
  - learn: wall seconds, learn's CPU (user+sys, GNU time) and redis-server's CPU
    (utime+stime of the server process from /proc, before and after), messages
    per second of wall time and per CPU second (learn + server);
  - memory: `MEMORY USAGE <key> SAMPLES 0` of every key (SCAN), summed per key kind
    (the key with its hash-tag contents replaced by <...>), in bytes per learnt
    message, and `used_memory` of INFO memory.
The generator runs before the clock starts (its output is written to a file first).

USAGE
  bench/redis_memory.py --binary build/replyguard --messages 1950 [--corpus ../shared/corpus]
                        [--url-params fpbits=16] [--keep-server]
LIMITS
  Not a test: nothing here asserts a time or a size. Talks RESP itself (no redis-py in Debian's
  base set); loopback only.
"""
import argparse
import os
import re
import socket
import subprocess
import sys
import tempfile
import time


class resp:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port))
        self.f = self.s.makefile("rb")

    def send(self, *args):
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            if isinstance(a, str):
                a = a.encode()
            out.append(b"$%d\r\n%s\r\n" % (len(a), a))
        self.s.sendall(b"".join(out))

    def reply(self):
        line = self.f.readline()
        t, rest = line[:1], line[1:-2]
        if t == b"+":
            return rest
        if t == b"-":
            raise RuntimeError(rest.decode())
        if t == b":":
            return int(rest)
        if t == b"$":
            n = int(rest)
            if n < 0:
                return None
            data = self.f.read(n + 2)
            return data[:-2]
        if t == b"*":
            n = int(rest)
            return None if n < 0 else [self.reply() for _ in range(n)]
        raise RuntimeError("bad reply %r" % line)

    def call(self, *args):
        self.send(*args)
        return self.reply()


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def proc_cpu(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


KIND_RE = re.compile(rb"\{([a-z]+)(:[^}]*)?\}")


def kind_of(key):
    # rg:{msg:<id>} -> rg:{msg:<..>}; rg:{addr:a@b}:names -> rg:{addr:<..>}:names
    return KIND_RE.sub(lambda m: b"{" + m.group(1) + (b":<..>" if m.group(2) else b"") + b"}", key).decode()


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("--binary", default=os.path.join(here, "..", "build", "replyguard"))
    ap.add_argument("--corpus", default=os.path.join(here, "..", "..", "shared", "corpus"))
    ap.add_argument("--messages", type=int, default=1950)
    ap.add_argument("--url-params", default="", help="appended to the redis:// URL after '?'")
    ap.add_argument("--label", default="")
    a = ap.parse_args()

    work = tempfile.mkdtemp(prefix="rg-redis-mem.")
    mbox = os.path.join(work, "in.mbox")
    with open(mbox, "wb") as out:
        subprocess.run([sys.executable, os.path.join(here, "history_gen.py"), "--corpus", a.corpus,
                        "--messages", str(a.messages), "--copies-in-span", "3500"], stdout=out, check=True)
    port = free_port()
    srv = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                            "--appendonly", "no", "--dir", work, "--loglevel", "warning"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                c = resp(port)
                c.call("PING")
                break
            except OSError:
                time.sleep(0.05)
        url = f"redis://127.0.0.1:{port}/0" + (("?" + a.url_params) if a.url_params else "")
        tfile = os.path.join(work, "time")
        cpu0 = proc_cpu(srv.pid)
        t0 = time.monotonic()
        r = subprocess.run(["/usr/bin/time", "-f", "%U %S %M", "-o", tfile, a.binary, "learn", "--db", url,
                            "--no-progress", mbox], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        wall = time.monotonic() - t0
        srv_cpu = proc_cpu(srv.pid) - cpu0
        if r.returncode != 0:
            sys.stderr.write(r.stderr.decode(errors="replace"))
            sys.exit(f"learn failed: {r.returncode}")
        m = re.search(rb"learnt (\d+) message", r.stderr)
        learnt = int(m.group(1)) if m else 0
        u, s, rss = open(tfile).read().split()
        learn_cpu = float(u) + float(s)
        kinds = {}
        cursor = b"0"
        while True:
            cursor, keys = c.call("SCAN", cursor, "COUNT", "1000")
            if keys:
                for k in keys:
                    c.send("MEMORY", "USAGE", k, "SAMPLES", "0")
                for k in keys:
                    n = c.reply() or 0
                    e = kinds.setdefault(kind_of(k), [0, 0])
                    e[0] += 1
                    e[1] += n
            if cursor == b"0":
                break
        info = c.call("INFO", "memory").decode()
        used = int(re.search(r"used_memory:(\d+)", info).group(1))
        total_keys = sum(v[0] for v in kinds.values())
        total_bytes = sum(v[1] for v in kinds.values())
        label = a.label or os.path.basename(a.binary)
        print(f"## {label}: {learnt} learnt of {a.messages} ({url})")
        print()
        print(f"learn: wall {wall:.2f} s, learn CPU {learn_cpu:.2f} s, redis-server CPU {srv_cpu:.2f} s; "
              f"{learnt / wall:,.0f} msg/s wall, {learnt / max(learn_cpu + srv_cpu, 1e-9):,.0f} msg/s per CPU s "
              f"(learn + server); learn peak RSS {int(rss) // 1024} MB")
        print(f"used_memory {used / 1e6:.1f} MB, {used / max(learnt, 1):,.0f} bytes per learnt message")
        print()
        print("| key kind | keys | bytes per learnt message |")
        print("|---|---|---|")
        for k, (n, b) in sorted(kinds.items(), key=lambda kv: -kv[1][1]):
            print(f"| `{k}` | {n:,} | {b / max(learnt, 1):,.0f} |")
        print(f"| everything | {total_keys:,} | {total_bytes / max(learnt, 1):,.0f} |")
    finally:
        srv.terminate()
        srv.wait()
        subprocess.run(["rm", "-rf", work])


if __name__ == "__main__":
    main()
