#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""eval-profiles.py - false alarms of the sender-profile findings on real mail

DESCRIPTION
  Measures HIJACK_PROFILE_BREAK and THREAD_DORMANT_PAYLOAD alone (issue 11) on
  the real benign mail of the shared corpus (read only; the sources of
  scripts/eval-hijack.py). Two splits of the same mail:
    thread   the earlier part of each thread is learnt, the later part scanned
             (eval-hijack.py's split, --learn-fraction);
    sender   the earlier half (by Date) of each sender's mail is learnt, the
             later half scanned: every sender with enough mail gets a profile,
             the harder test for a profile finding.
  Each split is scanned twice:
    as is    the real later mail;
    payload  the same mail with a ZIP download link on a host nobody used
             appended to the body (single-part, unencoded text/plain mail only,
             so nothing else about how it was made changes). Both findings need
             a payload, so this is the worst case: every real sender suddenly
             sends a link, and any HIJACK_PROFILE_BREAK on it is a false alarm.
    control  a positive control, not a recall figure: the same payload mail with
             the parts a bot would not copy replaced (X-Mailer, User-Agent,
             Thread-Index, Message-ID, Date at 03:14 UTC, one Received hop from an
             unknown host). It shows the finding can fire on real profiles; its
             rate depends on how many senders have enough history.
    no hist  the payload mail scanned without any history (THREAD_DORMANT_PAYLOAD
             then reads the date of the quoted message from its quote header).
  Reported: messages scanned, how many of them the finding flags, and the rate;
  "eligible": scanned messages whose sender has 5+ learnt non-list messages.
  Nothing is tuned on these figures.

USAGE
  scripts/eval-profiles.py [--binary build/replyguard] [--corpus ../shared/corpus]
                           [--learn-fraction 0.6] [--keep]
"""
import argparse
import collections
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

FINDINGS = ("HIJACK_PROFILE_BREAK", "THREAD_DORMANT_PAYLOAD")
LINK = b"https://dl.files-share-4411.example/d/Document_%d.zip"


def load_eval_hijack():
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "eval-hijack.py")
    sys.dont_write_bytecode = True
    spec = importlib.util.spec_from_file_location("eval_hijack", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def inject_link(raw, n):
    """Append a download link to a single-part, unencoded text/plain message; None if not one."""
    sep = raw.find(b"\r\n\r\n")
    eol = b"\r\n"
    if sep < 0 or (raw.find(b"\n\n") >= 0 and raw.find(b"\n\n") < sep):
        sep, eol = raw.find(b"\n\n"), b"\n"
    if sep < 0:
        return None
    head = raw[:sep].lower()
    ct = re.search(rb"^content-type:\s*([^;\s]+)", head, re.M)
    if ct and ct.group(1) != b"text/plain":
        return None
    cte = re.search(rb"^content-transfer-encoding:\s*(\S+)", head, re.M)
    if cte and cte.group(1) not in (b"7bit", b"8bit"):
        return None
    body = raw.rstrip(b"\r\n")
    return body + eol + eol + (LINK % n) + eol


def bot_variant(raw, n, date):
    """Replace what the sender's own client and servers wrote (see DESCRIPTION: control)."""
    sep, crlf = raw.find(b"\n\n"), raw.find(b"\r\n\r\n")
    if crlf >= 0 and (sep < 0 or crlf < sep):
        head, body = raw[:crlf + 2], raw[crlf + 2:]
    elif sep >= 0:
        head, body = raw[:sep + 1], raw[sep + 1:]
    else:
        return None
    drop = (b"received:", b"x-mailer:", b"user-agent:", b"thread-index:", b"thread-topic:", b"message-id:", b"date:")
    out, skipping = [], False
    for line in head.splitlines(keepends=True):
        if line[:1] in (b" ", b"\t"):
            if not skipping:
                out.append(line)
            continue
        skipping = line.lower().startswith(drop)
        if not skipping:
            out.append(line)
    eol = b"\r\n" if head.endswith(b"\r\n") else b"\n"
    import datetime
    d = datetime.datetime.fromtimestamp(date or 1.6e9, datetime.timezone.utc).replace(hour=3, minute=14, second=0)
    new = [b"Received: from vps-77.botnet-host.example (vps-77.botnet-host.example [198.51.100.77]) by mx.ours.example; "
           + d.strftime("%a, %d %b %Y %H:%M:%S +0000").encode() + eol,
           b"Date: " + d.strftime("%a, %d %b %Y %H:%M:%S +0000").encode() + eol,
           b"Message-ID: <%032x@botnet-host.example>" % (n * 2654435761) + eol]
    return b"".join(new + out) + body


def scan(binary, db, path):
    p = subprocess.run([binary, "scan", "--db", db, "--format", "jsonl", path], capture_output=True)
    return [json.loads(l) for l in p.stdout.decode("utf-8", "replace").splitlines() if l.strip()]


def count(recs):
    c = collections.Counter()
    examples = collections.defaultdict(list)
    for r in recs:
        for f in r.get("findings", []):
            if f["id"] in FINDINGS:
                c[f["id"]] += 1
                if len(examples[f["id"]]) < 5:
                    examples[f["id"]].append((r["source"], f["detail"]))
    return c, examples


def run_split(name, binary, learn, later, raws, items, tmp):
    d = os.path.join(tmp, name)
    ld, sd, pd, cd = (os.path.join(d, x) for x in ("learn", "later", "payload", "control"))
    for x in (ld, sd, pd, cd):
        os.makedirs(x)
    learnt_by = collections.Counter(items[i]["from"] for i in learn if items[i]["from"] and not items[i]["list"])
    eligible = {i for i in later if learnt_by[items[i]["from"]] >= 5 and not items[i]["list"]}
    for i in learn:
        open(os.path.join(ld, f"{i:06d}.eml"), "wb").write(raws[i][1])
    injected = 0
    for i in later:
        open(os.path.join(sd, f"{i:06d}.eml"), "wb").write(raws[i][1])
        j = inject_link(raws[i][1], i)
        if j is not None:
            open(os.path.join(pd, f"{i:06d}.eml"), "wb").write(j)
            injected += 1
            b = bot_variant(j, i, items[i]["date"])
            if b is not None:
                open(os.path.join(cd, f"{i:06d}.eml"), "wb").write(b)
    db = os.path.join(d, "h.db")
    subprocess.run([binary, "learn", "--db", db, ld], capture_output=True, check=True)
    out = {}
    nodb = os.path.join(d, "none.db")  # does not exist: an empty history
    for label, path, n, store in (("as is", sd, len(later), db), ("payload", pd, injected, db),
                                  ("no hist", pd, injected, nodb), ("control", cd, injected, db)):
        recs = scan(binary, store, path)
        c, ex = count(recs)
        elig = [r for r in recs if int(os.path.basename(r["source"])[:6]) in eligible]
        ce, _ = count(elig)
        out[label] = {"scanned": len(recs), "expected": n, "counts": dict(c), "eligible": len(elig),
                      "eligible_counts": dict(ce), "examples": {k: v for k, v in ex.items()}}
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--binary", default=os.path.join(here, "..", "build", "replyguard"))
    ap.add_argument("--corpus", default=os.path.join(here, "..", "..", "shared", "corpus"))
    ap.add_argument("--learn-fraction", type=float, default=0.6)
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args()
    eh = load_eval_hijack()
    raws, items = [], []
    for src, raw in eh.read_messages(a.corpus):
        try:
            items.append(eh.parse(raw))
        except Exception:
            continue
        raws.append((src, raw))
    # thread split (as eval-hijack.py)
    learn_t, later_t = [], []
    for g in eh.threads(items):
        g.sort(key=lambda i: (items[i]["date"], i))
        cut = max(1, int(round(len(g) * a.learn_fraction))) if len(g) > 1 else 1
        learn_t += g[:cut]
        later_t += g[cut:]
    # sender split
    by_sender = collections.defaultdict(list)
    for i, it in enumerate(items):
        by_sender[it["from"] or f"#{i}"].append(i)
    learn_s, later_s = [], []
    for s, g in by_sender.items():
        g.sort(key=lambda i: (items[i]["date"], i))
        cut = max(1, len(g) // 2) if len(g) > 1 else 1
        learn_s += g[:cut]
        later_s += g[cut:]
    tmp = tempfile.mkdtemp(prefix="rg-eval-profiles-")
    try:
        res = {"messages": len(items),
               "thread": run_split("thread", a.binary, learn_t, sorted(later_t), raws, items, tmp),
               "sender": run_split("sender", a.binary, learn_s, sorted(later_s), raws, items, tmp)}
    finally:
        if a.keep:
            print(f"kept {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print(f"real benign mail: {res['messages']} messages")
    for split in ("thread", "sender"):
        for label in ("as is", "payload", "no hist", "control"):
            r = res[split][label]
            n = max(r["scanned"], 1)
            cells = ", ".join(f"{f} {r['counts'].get(f, 0)} ({100.0 * r['counts'].get(f, 0) / n:.2f}%)" for f in FINDINGS)
            e = r["eligible"]
            pb = r["eligible_counts"].get("HIJACK_PROFILE_BREAK", 0)
            print(f"{split:6} {label:8} scanned {r['scanned']:5}: {cells}; eligible {e}, "
                  f"HIJACK_PROFILE_BREAK among them {pb} ({100.0 * pb / max(e, 1):.1f}%)")
            for f, ex in r["examples"].items():
                for src, detail in ex:
                    print(f"    {f} {os.path.basename(src)}: {detail[:200]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
