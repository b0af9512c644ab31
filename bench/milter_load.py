#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# bench/milter_load.py - message mix and SMTP latency client for bench/milter_load.sh
#
# USAGE
#   milter_load.py mix CORPUS OUT LEARN K SEED
#   milter_load.py latency PORT MIX N CONCURRENCY SEED FROM TO OUT.json LABEL
#
# DESCRIPTION
#   mix: picks K distinct real messages from the corpus (by MANIFEST.tsv
#     paths and tags) in fixed shares:
#       thread    25%  held-back messages of real mailing-list threads (the
#                      fedora-devel mbox after its first 80%, and every fifth
#                      notmuch list message), whose earlier messages are learnt
#       ham       30%  benign/spamassassin-public-corpus (easy_ham, hard_ham)
#       ja        15%  Japanese mail (benign/japanese, mime-edge/japanese: tag ja)
#       phish_att 10%  phishing/ with an attachment (tag att:*)
#       phish     20%  the rest of phishing/
#     Each goes to OUT/NNNN.eml with LF line ends (smtp-source -F appends
#     CRLF to each line itself) and without an mbox "From " line; OUT/mix.tsv
#     lists file, category, bytes, source. LEARN receives what `replyguard
#     learn` reads first: the first 80% of the fedora mbox, the other notmuch
#     messages and the ham that is not sent (copied).
#   latency: CONCURRENCY threads, each with one SMTP connection to
#     127.0.0.1:PORT, send N messages cycling over the mix (shuffled with
#     SEED). Each message is timed from the moment its terminating "." has
#     been written to the socket to the server's reply: the part of the
#     transaction in which the milter's end-of-message analysis runs.
#     Writes a JSON summary (counts by reply class, p50/p90/p99/p99.9/max/mean in
#     milliseconds, per category p50, client wall time).
# LIMITS
#   Nothing here reads a URL from the mail, let alone fetches one; the only
#   socket is the loopback SMTP one.
import json
import math
import os
import shutil
import random
import re
import smtplib
import sys
import threading
import time
import zlib

SHARES = [("thread", 0.25), ("ham", 0.30), ("ja", 0.15), ("phish_att", 0.10), ("phish", 0.20)]
MAX_BYTES = 5_000_000  # below the private Postfix's message_size_limit (10 MB)


def read_manifest(corpus):
    rows = []
    with open(os.path.join(corpus, "MANIFEST.tsv"), encoding="utf-8") as f:
        next(f)
        for line in f:
            p = line.rstrip("\n").split("\t")
            if len(p) >= 6:
                rows.append((p[0], int(p[1]), set(t for t in p[5].split(",") if t)))
    return rows


def split_mbox(data):
    """Raw messages of an mbox, split at 'From ' lines (the fedora copy is byte-exact per message)."""
    starts = [m.start() for m in re.finditer(rb"(?m)^From ", data)]
    return [data[a:b] for a, b in zip(starts, starts[1:] + [len(data)])]


def normalise(raw):
    if raw.startswith(b"From "):
        raw = raw.split(b"\n", 1)[1] if b"\n" in raw else b""
    raw = raw.replace(b"\r\n", b"\n")
    if not raw.endswith(b"\n"):
        raw += b"\n"
    return raw


def cmd_mix(corpus, out, learn, k, seed):
    rng = random.Random(seed)
    os.makedirs(out, exist_ok=True)
    os.makedirs(learn, exist_ok=True)
    rows = read_manifest(corpus)
    cands = {c: [] for c, _ in SHARES}  # (source label, bytes loader)
    learn_links = []

    def from_file(rel):
        return lambda: open(os.path.join(corpus, rel), "rb").read()

    mbox_rel = "benign/mailing-lists/fedora-devel-list-2010-01.mbox"
    mbox_path = os.path.join(corpus, mbox_rel)
    if os.path.exists(mbox_path):
        msgs = split_mbox(open(mbox_path, "rb").read())
        cut = len(msgs) * 4 // 5
        with open(os.path.join(learn, "fedora-first80.mbox"), "wb") as f:
            f.write(b"".join(msgs[:cut]))
        for i, m in enumerate(msgs[cut:]):
            cands["thread"].append((f"{mbox_rel}#{cut + i + 1}", (lambda m=m: m)))
    for rel, size, tags in rows:
        if size == 0 or size > MAX_BYTES or ".mbox" in rel:
            continue
        if rel.startswith("benign/mailing-lists/notmuch-"):
            if zlib.crc32(rel.encode()) % 5 == 0:
                cands["thread"].append((rel, from_file(rel)))
            else:
                learn_links.append(rel)
        elif "ja" in tags and (rel.startswith("benign/") or rel.startswith("mime-edge/japanese/")):
            cands["ja"].append((rel, from_file(rel)))
        elif rel.startswith("benign/spamassassin-public-corpus/") and "/spam/" not in rel:
            cands["ham"].append((rel, from_file(rel)))
        elif rel.startswith("phishing/"):
            cands["phish_att" if any(t.startswith("att:") for t in tags) else "phish"].append((rel, from_file(rel)))

    picked = []
    for cat, share in SHARES:
        n = max(1, round(k * share))
        pool = cands[cat]
        if not pool:
            print(f"milter_load.py: no {cat} mail in {corpus}", file=sys.stderr)
            continue
        sel = rng.sample(pool, n) if n <= len(pool) else [rng.choice(pool) for _ in range(n)]
        picked += [(cat, s) for s in sel]
    sent_ham = {src for cat, (src, _) in picked if cat == "ham"}
    learn_links += [src for src, _ in cands["ham"] if src not in sent_ham]
    for i, rel in enumerate(sorted(set(learn_links))):
        # Copies, not symlinks: `learn` skips symbolic links inside folders
        # (issue 12), so a folder of links taught the history only the mbox.
        shutil.copyfile(os.path.join(corpus, rel), os.path.join(learn, f"{i:05d}.eml"))

    rng.shuffle(picked)
    with open(os.path.join(out, "mix.tsv"), "w", encoding="utf-8") as tsv:
        for i, (cat, (src, load)) in enumerate(picked):
            raw = normalise(load())
            name = f"{i:04d}.eml"
            with open(os.path.join(out, name), "wb") as f:
                f.write(raw)
            tsv.write(f"{name}\t{cat}\t{len(raw)}\t{src}\n")
    counts = {c: sum(1 for x, _ in picked if x == c) for c, _ in SHARES}
    print(json.dumps({"files": len(picked), "by_category": counts, "learn_files": len(set(learn_links)) + 1}))


def pct(sorted_vals, p):
    if not sorted_vals:
        return float("nan")
    # nearest rank: the smallest value with at least p% of the values at or below it
    i = max(0, min(len(sorted_vals) - 1, math.ceil(p / 100.0 * len(sorted_vals)) - 1))
    return sorted_vals[i]


def cmd_latency(port, mix, n, conc, seed, mail_from, rcpt, out_json, label):
    items = []
    with open(os.path.join(mix, "mix.tsv"), encoding="utf-8") as f:
        for line in f:
            name, cat, _, _ = line.rstrip("\n").split("\t")
            raw = open(os.path.join(mix, name), "rb").read()
            # SMTP wire form: CRLF line ends, dot-stuffing, then the terminator.
            wire = re.sub(rb"(?m)^\.", b"..", raw).replace(b"\n", b"\r\n") + b".\r\n"
            items.append((cat, wire))
    order = list(range(len(items)))
    random.Random(seed).shuffle(order)
    seq = [order[i % len(order)] for i in range(n)]
    lock = threading.Lock()
    next_i = [0]
    results = []  # (latency s, code, category)
    errors = []
    t_start = time.perf_counter()

    def take():
        with lock:
            if next_i[0] >= n:
                return None
            i = next_i[0]
            next_i[0] += 1
            if n >= 10 and i % (n // 10) == 0 and i:
                print(f"  {label}: {i}/{n} sent", file=sys.stderr, flush=True)
            return i

    def connect():
        s = smtplib.SMTP("127.0.0.1", port, timeout=120)
        s.ehlo("bench.client.example")
        return s

    def worker():
        s = None
        while True:
            i = take()
            if i is None:
                break
            cat, wire = items[seq[i]]
            try:
                if s is None:
                    s = connect()
                code, msg = s.mail(mail_from)
                if code != 250:
                    raise smtplib.SMTPResponseException(code, msg)
                code, msg = s.rcpt(rcpt)
                if code not in (250, 251):
                    raise smtplib.SMTPResponseException(code, msg)
                code, msg = s.docmd("DATA")
                if code != 354:
                    raise smtplib.SMTPResponseException(code, msg)
                s.send(wire)
                t0 = time.perf_counter()
                code, msg = s.getreply()
                t1 = time.perf_counter()
                with lock:
                    results.append((t1 - t0, code, cat))
                if code == 421:
                    s.close()
                    s = None
            except Exception as e:  # noqa: BLE001 - any failure is counted, then reconnect
                with lock:
                    errors.append(f"{type(e).__name__}: {e}"[:200])
                try:
                    if s is not None:
                        s.close()
                except Exception:  # noqa: BLE001
                    pass
                s = None
        if s is not None:
            try:
                s.quit()
            except Exception:  # noqa: BLE001
                pass

    threads = [threading.Thread(target=worker) for _ in range(conc)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t_start
    lat = sorted(r[0] * 1000 for r in results)
    by_cat = {}
    for c, _ in SHARES:
        v = sorted(r[0] * 1000 for r in results if r[2] == c)
        if v:
            by_cat[c] = {"n": len(v), "p50_ms": pct(v, 50), "p99_ms": pct(v, 99)}
    summary = {
        "label": label, "messages": n, "concurrency": conc, "wall_s": wall,
        "msg_per_s": len(results) / wall if wall > 0 else 0,
        "replies": {"2xx": sum(1 for r in results if 200 <= r[1] < 300),
                    "4xx": sum(1 for r in results if 400 <= r[1] < 500),
                    "5xx": sum(1 for r in results if 500 <= r[1] < 600)},
        "errors": len(errors), "first_errors": errors[:3],
        "p50_ms": pct(lat, 50), "p90_ms": pct(lat, 90), "p99_ms": pct(lat, 99), "p999_ms": pct(lat, 99.9),
        "max_ms": lat[-1] if lat else float("nan"),
        "mean_ms": sum(lat) / len(lat) if lat else float("nan"),
        "by_category": by_cat,
    }
    with open(out_json, "w", encoding="utf-8") as f:
        json.dump(summary, f)


def main(argv):
    if len(argv) >= 2 and argv[1] == "mix" and len(argv) == 7:
        cmd_mix(argv[2], argv[3], argv[4], int(argv[5]), int(argv[6]))
    elif len(argv) >= 2 and argv[1] == "latency" and len(argv) == 11:
        cmd_latency(int(argv[2]), argv[3], int(argv[4]), int(argv[5]), int(argv[6]), argv[7], argv[8], argv[9], argv[10])
    else:
        print(__doc__ if __doc__ else "see the header of this file", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main(sys.argv)
