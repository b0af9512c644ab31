#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""eval-hijack.py - recall and false positives of the history-based hijack detectors

DESCRIPTION
  Uses real benign conversations from the shared corpus (read only):
    1. threads are rebuilt from Message-ID / In-Reply-To / References;
    2. the earlier part of each thread (by Date) is learnt, the later part is
       kept for scanning (the benign set: false positives);
    3. reply-chain hijacks are built from learnt messages, the way the
       Emotet/Qakbot bots did it: a participant's display name on an unrelated
       compromised address, "RE: <real subject>", the real message quoted under
       an Outlook header block, with or without copied In-Reply-To/References,
       optionally the address in the display name and a download link, or
       sent from an account we already correspond with (known_account);
  then runs `replyguard learn` and `replyguard scan --format jsonl` and prints
  recall per hijack variant, the rate of benign later messages with a hijack
  finding or a non-clean verdict, and which findings caused them.
  Everything is generated into a temporary directory (removed unless --keep).
  Nothing reaches the network: the links in generated mail are never fetched.

USAGE
  scripts/eval-hijack.py [--binary build/replyguard] [--corpus /work/shared/corpus]
                         [--max-hijacks 300] [--learn-fraction 0.6] [--keep] [--json]
"""
import argparse
import collections
import email
import email.policy
import email.utils
import json
import mailbox
import os
import random
import shutil
import subprocess
import sys
import tempfile
from email.message import EmailMessage

HIJACK_GROUPS = {"hijack", "composite"}
SOURCES = [
    "benign/spamassassin-public-corpus/easy_ham",
    "benign/spamassassin-public-corpus/easy_ham_2",
    "benign/spamassassin-public-corpus/hard_ham",
    "benign/mailing-lists",
    "benign/japanese",
]


def read_messages(corpus):
    """Yield (source, raw bytes) for every message under the benign sources."""
    for rel in SOURCES:
        root = os.path.join(corpus, rel)
        if not os.path.exists(root):
            continue
        for dirpath, _, files in os.walk(root):
            for name in sorted(files):
                path = os.path.join(dirpath, name)
                if ".mbox" in name:
                    for i, m in enumerate(mailbox.mbox(path, create=False)):
                        yield f"{path}#{i}", m.as_bytes()
                else:
                    with open(path, "rb") as f:
                        yield path, f.read()


def ids(value):
    return [t.strip("<>") for t in (value or "").split() if "@" in t]


def header(msg, name):
    try:
        v = msg.get(name)
        return str(v) if v is not None else ""
    except Exception:  # malformed headers are data here
        return ""


def parse(raw):
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    mid = ids(header(msg, "Message-ID"))
    try:
        date = email.utils.parsedate_to_datetime(header(msg, "Date")).timestamp()
    except Exception:
        date = 0.0
    name, addr = email.utils.parseaddr(header(msg, "From"))
    to = email.utils.getaddresses([header(msg, "To"), header(msg, "Cc")])
    body = ""
    try:
        part = msg.get_body(preferencelist=("plain",))
        if part is not None:
            body = part.get_content()
    except Exception:
        body = ""
    return {
        "id": mid[0] if mid else "",
        "parents": ids(header(msg, "In-Reply-To")) + ids(header(msg, "References")),
        "date": date,
        "from_name": name,
        "from": addr.lower(),
        "to": [a.lower() for _, a in to if a],
        "to_raw": header(msg, "To"),
        "subject": header(msg, "Subject"),
        "body": body,
        "list": bool(header(msg, "List-Id") or header(msg, "List-Post")),
        "date_raw": header(msg, "Date"),
    }


def threads(items):
    """Union-find over Message-IDs; returns lists of item indexes per thread."""
    parent = {}

    def find(x):
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(a, b):
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[ra] = rb

    for i, it in enumerate(items):
        key = it["id"] or f"#{i}"
        find(key)
        for p in it["parents"]:
            union(key, p)
    groups = collections.defaultdict(list)
    for i, it in enumerate(items):
        groups[find(it["id"] or f"#{i}")].append(i)
    return list(groups.values())


def quote_outlook(m):
    lines = [
        "",
        "-----Original Message-----",
        f"From: {m['from_name'] or m['from']} <{m['from']}>",
        f"Sent: {m['date_raw']}",
        f"To: {m['to_raw']}",
        f"Subject: {m['subject']}",
        "",
    ]
    return "\n".join(lines) + m["body"][:3000]


def make_hijack(m, n, variant, rng, known_accounts=()):
    bot = f"{rng.choice(['info', 'office', 'sales', 'admin', 'k.tanaka'])}@compromised{n}.example"
    if variant == "known_account":
        # The bot sends from a compromised account we already correspond with (3+ messages),
        # replaying a conversation that account never took part in.
        others = [a for a in known_accounts if a != m["from"] and a not in m["to"]]
        bot = rng.choice(others) if others else bot
    name = m["from_name"] or m["from"].split("@")[0]
    e = EmailMessage()
    if variant == "addr_in_name":
        e["From"] = email.utils.formataddr((f"{name} <{m['from']}>", bot))
    else:
        e["From"] = email.utils.formataddr((name, bot))
    e["To"] = m["to_raw"] or m["from"]
    e["Subject"] = "RE: " + m["subject"]
    e["Date"] = email.utils.formatdate(localtime=False)
    e["Message-ID"] = f"<hijack{n}.{variant}@compromised{n}.example>"
    if variant in ("headers", "headers_link", "addr_in_name", "known_account"):
        e["In-Reply-To"] = f"<{m['id']}>"
        e["References"] = f"<{m['id']}>"
    text = "Please see the attached document and confirm.\n"
    if variant == "headers_link":
        text += f"https://compromised{n}.example/wp-content/uploads/INV-{n}.docm\n"
    e.set_content(text + quote_outlook(m))
    return e


def run(cmd):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)


def scan(binary, db, path):
    r = run([binary, "scan", "--no-progress", "--db", db, "--format", "jsonl", "-j", "2", path])
    out = []
    for line in r.stdout.decode("utf-8", "replace").splitlines():
        if line.strip():
            out.append(json.loads(line))
    return out


def hijack_ids(rec):
    return sorted({f["id"] for f in rec.get("findings", []) if f.get("group") in HIJACK_GROUPS})


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--binary", default="build/replyguard")
    ap.add_argument("--corpus", default=os.environ.get("REPLYGUARD_CORPUS_DIR", "/work/shared/corpus"))
    ap.add_argument("--max-hijacks", type=int, default=300)
    ap.add_argument("--learn-fraction", type=float, default=0.6)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--json", action="store_true", help="print the summary as JSON")
    a = ap.parse_args()
    rng = random.Random(a.seed)

    raws, items = [], []
    for src, raw in read_messages(a.corpus):
        try:
            items.append(parse(raw))
        except Exception:
            continue
        raws.append((src, raw))
    tmp = tempfile.mkdtemp(prefix="rg-eval-")
    learn_dir, later_dir, hij_dir = (os.path.join(tmp, d) for d in ("learn", "later", "hijack"))
    for d in (learn_dir, later_dir, hij_dir):
        os.makedirs(d)
    learnt, later = [], []
    for group in threads(items):
        group.sort(key=lambda i: items[i]["date"])
        cut = max(1, int(round(len(group) * a.learn_fraction))) if len(group) > 1 else 1
        learnt += group[:cut]
        later += group[cut:]
    for i in learnt:
        with open(os.path.join(learn_dir, f"{i:06d}.eml"), "wb") as f:
            f.write(raws[i][1])
    for i in later:
        with open(os.path.join(later_dir, f"{i:06d}.eml"), "wb") as f:
            f.write(raws[i][1])

    # Hijacks of learnt, non-list messages with an id, a sender, a subject and some text.
    candidates = [i for i in learnt if items[i]["id"] and items[i]["from"] and items[i]["subject"]
                  and len(items[i]["body"].strip()) > 80 and not items[i]["list"]]
    rng.shuffle(candidates)
    variants = ["headers", "no_headers", "addr_in_name", "headers_link", "known_account"]
    senders = collections.Counter(items[i]["from"] for i in learnt if items[i]["from"] and not items[i]["list"])
    known_accounts = sorted(a for a, c in senders.items() if c >= 3)
    expected = {}
    for n, i in enumerate(candidates[: a.max_hijacks]):
        v = variants[n % len(variants)]
        name = f"h{n:05d}-{v}.eml"
        with open(os.path.join(hij_dir, name), "wb") as f:
            f.write(bytes(make_hijack(items[i], n, v, rng, known_accounts)))
        expected[name] = v

    db = os.path.join(tmp, "history.db")
    lr = run([a.binary, "learn", "--no-progress", "--db", db, learn_dir])
    learn_msg = lr.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]

    benign = scan(a.binary, db, later_dir)
    hijacks = scan(a.binary, db, hij_dir)

    fp_findings = collections.Counter()
    fp_hijack = 0
    fp_verdict = 0
    fp_examples = []
    for r in benign:
        h = hijack_ids(r)
        if h:
            fp_hijack += 1
            fp_findings.update(h)
            if len(fp_examples) < 15:
                fp_examples.append({"source": os.path.basename(r["source"]), "findings": h,
                                    "from": r.get("from"), "subject": r.get("subject")})
        if r.get("verdict") != "clean":
            fp_verdict += 1

    per = collections.defaultdict(lambda: {"n": 0, "detected": 0, "suspicious+": 0, "malicious": 0,
                                           "findings": collections.Counter()})
    for r in hijacks:
        v = expected.get(os.path.basename(r["source"]), "?")
        p = per[v]
        p["n"] += 1
        h = hijack_ids(r)
        p["findings"].update(h)
        p["detected"] += 1 if h else 0
        p["suspicious+"] += 1 if r.get("verdict") in ("suspicious", "malicious") else 0
        p["malicious"] += 1 if r.get("verdict") == "malicious" else 0

    summary = {
        "learnt": len(learnt), "learn_output": learn_msg[0], "benign_later": len(benign),
        "benign_with_hijack_finding": fp_hijack, "benign_not_clean": fp_verdict,
        "benign_fp_rate": round(fp_hijack / len(benign), 4) if benign else None,
        "benign_fp_findings": dict(fp_findings.most_common()),
        "benign_fp_examples": fp_examples,
        "hijacks": {v: {"n": p["n"], "recall": round(p["detected"] / p["n"], 3) if p["n"] else None,
                        "suspicious_or_worse": p["suspicious+"], "malicious": p["malicious"],
                        "findings": dict(p["findings"].most_common())} for v, p in sorted(per.items())},
        "workdir": tmp if a.keep else None,
    }
    if a.json:
        print(json.dumps(summary, ensure_ascii=False, indent=1))
    else:
        print(f"learnt {summary['learnt']} messages: {summary['learn_output']}")
        print(f"benign later messages: {len(benign)}; with a hijack finding: {fp_hijack} "
              f"({summary['benign_fp_rate']}); not clean: {fp_verdict}")
        for k, n in fp_findings.most_common():
            print(f"  FP {k}: {n}")
        for ex in fp_examples:
            print(f"    {ex['source']}: {', '.join(ex['findings'])} | {ex['from']} | {ex['subject']}")
        for v, s in summary["hijacks"].items():
            print(f"hijack {v:13s} n={s['n']:4d} recall={s['recall']} suspicious+={s['suspicious_or_worse']} "
                  f"malicious={s['malicious']}  {s['findings']}")
    if not a.keep:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
