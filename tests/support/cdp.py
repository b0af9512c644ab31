#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# tests/support/cdp.py - drive one page in headless Chromium over the DevTools pipe
#
#   cdp.py CHROMIUM PROFILE_DIR URL SCRIPT.js [chromium flags...]
#
# Starts Chromium with --remote-debugging-pipe (DevTools protocol as
# NUL-separated JSON on file descriptors 3 and 4: no port, no websocket, no
# network), opens URL, waits until the page says body[data-loaded="yes"]
# (15 s), then runs SCRIPT.js as the body of an async function in the page
# (it may click, wait and return a JSON value) and prints what it returned
# as JSON. Helpers in the page's scope: sleep(ms), until(fn, ms) (waits for
# fn() to be truthy, throws after ms, default 10 s).
# Exit status: 0 the script returned, 1 it threw or the page never loaded
# (the reason on stderr), 2 usage.
import json
import os
import subprocess
import sys
import time

PRELUDE = """
const sleep = ms => new Promise(r => setTimeout(r, ms));
const until = async (fn, ms) => { const end = Date.now() + (ms || 10000);
  for (;;) { const v = fn(); if (v) return v; if (Date.now() > end) throw new Error("timed out: " + fn); await sleep(50); } };
"""


class Pipe:
    def __init__(self, chromium, profile, flags):
        r3, self.w3 = os.pipe()  # Chromium reads commands on its fd 3
        self.r4, w4 = os.pipe()  # and writes replies on its fd 4
        args = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--remote-debugging-pipe", "--user-data-dir=" + profile, *flags,
                "about:blank"]
        cmd = 'exec "$@" 3<&%d 4>&%d' % (r3, w4)
        self.proc = subprocess.Popen(["bash", "-c", cmd, "chromium", *args], pass_fds=(r3, w4),
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(r3)
        os.close(w4)
        self.buf = b""
        self.next_id = 0

    def call(self, method, params=None, session=None, timeout=30):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.w3, json.dumps(msg).encode() + b"\0")
        end = time.time() + timeout
        while time.time() < end:
            while b"\0" in self.buf:
                raw, self.buf = self.buf.split(b"\0", 1)
                reply = json.loads(raw)
                if reply.get("id") == self.next_id:
                    if "error" in reply:
                        raise RuntimeError("%s: %s" % (method, reply["error"]))
                    return reply.get("result", {})
            chunk = os.read(self.r4, 1 << 16)
            if not chunk:
                raise RuntimeError("chromium closed the pipe")
            self.buf += chunk
        raise RuntimeError("%s: no reply in %d s" % (method, timeout))

    def close(self):
        try:
            self.call("Browser.close", timeout=5)
        except Exception:
            pass
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def main():
    if len(sys.argv) < 5:
        print(__doc__, file=sys.stderr)
        return 2
    chromium, profile, url, script = sys.argv[1:5]
    body = open(script, encoding="utf-8").read()
    p = Pipe(chromium, profile, sys.argv[5:])
    try:
        targets = p.call("Target.getTargets")["targetInfos"]
        page = next(t for t in targets if t["type"] == "page")
        s = p.call("Target.attachToTarget", {"targetId": page["targetId"], "flatten": True})["sessionId"]
        p.call("Page.navigate", {"url": url}, s)
        end = time.time() + 15
        while True:
            r = p.call("Runtime.evaluate", {"expression": "document.body && document.body.dataset.loaded || ''",
                                            "returnByValue": True}, s)
            if r.get("result", {}).get("value") == "yes":
                break
            if time.time() > end:
                err = p.call("Runtime.evaluate", {"expression": "(document.getElementById('error')||{}).textContent",
                                                  "returnByValue": True}, s)
                print("the page did not load: %s" % err.get("result", {}).get("value"), file=sys.stderr)
                return 1
            time.sleep(0.1)
        r = p.call("Runtime.evaluate", {"expression": "(async () => {" + PRELUDE + body + "\n})()",
                                        "awaitPromise": True, "returnByValue": True}, s, timeout=60)
        if "exceptionDetails" in r:
            d = r["exceptionDetails"]
            print("script threw: %s" % (d.get("exception", {}).get("description") or d.get("text")), file=sys.stderr)
            return 1
        print(json.dumps(r.get("result", {}).get("value"), ensure_ascii=False))
        return 0
    finally:
        p.close()


if __name__ == "__main__":
    sys.exit(main())
