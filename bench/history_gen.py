#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""bench/history_gen.py - a synthetic learnt history of N messages, as an mbox on stdout

Takes the real benign threads of the shared corpus (the sources of
scripts/eval-hijack.py) and writes them again and again, copy K after copy K-1,
until N messages are out. Each copy gets:

  - new Message-IDs: every <id> in Message-ID, In-Reply-To and References becomes
    <id.kK>, so a copy's threads are threads again, distinct from every other copy's;
  - new addresses: local@domain becomes local.gG@domain with G = K // 8 (eight copies
    share a set of people, so correspondents accumulate history as in an organisation);
  - new dates: the corpus, ordered by its own dates, is laid out over one copy's
    slot of a ten-year span (2016-2026), copy after copy;
  - new text: one ASCII word in five of six letters or more gets a per-copy suffix,
    the same way in a message and in the quotes of its replies, so quote
    fingerprints stay matched within a copy and differ between copies.

Deterministic: the same N gives the same bytes. Streams: memory is the corpus, not N.

LIMITS
  Base64 and quoted-printable parts are copied as they are (their text is the same
  in every copy); ISO-2022-JP text keeps its words. Only the headers named above
  and plain 7/8-bit body lines are rewritten.

USAGE
  history_gen.py --corpus ../shared/corpus --messages 1000000 > history.mbox
  history_gen.py --corpus ../shared/corpus --messages 100 --copy-offset 5000 (messages
  from copies never learnt: the scan sample's neighbours)
  history_gen.py --corpus ../shared/corpus --skip 1000000 --messages 1000000
  --copies-in-span 3500 (messages 1,000,000 to 1,999,999 of the stream that
  `--messages 2000000 --copies-in-span 3500` writes, byte for byte: a long history
  learnt in parts, one part after another into the same file)
"""
import argparse
import email.utils
import mailbox
import os
import re
import sys
import zlib

SOURCES = [
    "benign/spamassassin-public-corpus/easy_ham",
    "benign/spamassassin-public-corpus/easy_ham_2",
    "benign/spamassassin-public-corpus/hard_ham",
    "benign/mailing-lists",
    "benign/japanese",
]
SPAN = 10 * 365 * 86400
BASE = 1451606400  # 2016-01-01
MAX_BYTES = 256 * 1024  # larger messages are left out (they add disk, not history)

ID_RE = re.compile(rb"<([^<>\s]+@[^<>\s]+)>")
ADDR_RE = re.compile(rb"([A-Za-z0-9._%+-]+)@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)")
WORD_RE = re.compile(rb"\b[A-Za-z]{6,}\b")
ID_HEADERS = (b"message-id", b"in-reply-to", b"references")
ADDR_HEADERS = (b"from", b"to", b"cc", b"reply-to", b"sender", b"return-path")


def read_corpus(corpus):
    out = []
    for rel in SOURCES:
        root = os.path.join(corpus, rel)
        for dirpath, dirs, files in os.walk(root):
            dirs.sort()
            for name in sorted(files):
                path = os.path.join(dirpath, name)
                if ".mbox" in name:
                    for m in mailbox.mbox(path, create=False):
                        out.append(m.as_bytes())
                else:
                    with open(path, "rb") as f:
                        out.append(f.read())
    return [m for m in out if len(m) <= MAX_BYTES]


def split(raw):
    raw = raw.replace(b"\r\n", b"\n")
    if raw.startswith(b"From "):  # the corpus's own envelope line
        raw = raw.split(b"\n", 1)[1] if b"\n" in raw else b""
    i = raw.find(b"\n\n")
    return (raw, b"") if i < 0 else (raw[: i + 1], raw[i + 2 :])


def unfolded(head):
    """[(name_lower, full header bytes incl. continuation lines)]"""
    out = []
    for line in head.split(b"\n"):
        if not line:
            continue
        if line[:1] in (b" ", b"\t") and out:
            out[-1][1].append(line)
        else:
            out.append((line.split(b":", 1)[0].strip().lower(), [line]))
    return [(n, b"\n".join(ls)) for n, ls in out]


def date_of(head):
    for n, h in unfolded(head):
        if n == b"date":
            try:
                return int(email.utils.parsedate_to_datetime(h.split(b":", 1)[1].decode("ascii", "replace").strip()).timestamp())
            except Exception:
                return 0
    return 0


def copy_of(msg, k, when):
    head, body = msg
    g = k // 8
    tag = f".k{k}".encode()
    atag = f".g{g}".encode()
    lines = []
    for n, h in unfolded(head):
        if n == b"date":
            h = b"Date: " + email.utils.formatdate(when, localtime=False).encode()
        elif n in ID_HEADERS:
            h = ID_RE.sub(lambda m: b"<" + m.group(1) + tag + b">", h)
        elif n in ADDR_HEADERS:
            h = ADDR_RE.sub(lambda m: m.group(1) + atag + b"@" + m.group(2), h)
        lines.append(h)
    if not any(n == b"date" for n, _ in unfolded(head)):
        lines.append(b"Date: " + email.utils.formatdate(when, localtime=False).encode())
    suffix = f"q{k:x}".encode()

    def word(m):
        w = m.group(0)
        return w + suffix if zlib.crc32(w) % 5 == 0 else w

    out_body = []
    for line in body.split(b"\n"):
        if len(line) >= 60 and b" " not in line:  # base64 and the like
            out_body.append(line)
            continue
        line = WORD_RE.sub(word, line)
        if line.startswith(b"From "):
            line = b">" + line
        out_body.append(line)
    return b"\n".join(lines) + b"\n\n" + b"\n".join(out_body)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("--corpus", default=os.path.join(os.path.dirname(__file__), "..", "..", "shared", "corpus"))
    ap.add_argument("--messages", type=int, required=True)
    ap.add_argument("--copy-offset", type=int, default=0, help="first copy number (a sample from unlearnt copies)")
    ap.add_argument("--per-copy", type=int, default=0,
                    help="only the first P messages of each copy (an input whose mix of messages does not change with its size)")
    ap.add_argument("--skip", type=int, default=0,
                    help="leave out the stream's first SKIP messages (learn a long history in parts)")
    ap.add_argument("--copies-in-span", type=int, default=0,
                    help="copies laid over the ten years (default: as many as --messages needs)")
    a = ap.parse_args()
    msgs = [split(m) for m in read_corpus(a.corpus)]
    msgs = sorted(((date_of(h), i, (h, b)) for i, (h, b) in enumerate(msgs)))
    n = len(msgs)
    if a.skip and a.per_copy:
        ap.error("--skip and --per-copy do not go together")
    if a.skip and not a.copies_in_span:
        ap.error("--skip needs --copies-in-span (the dates must not depend on --messages)")
    copies = a.copies_in_span or max(1, -(-a.messages // n))
    slot = SPAN / copies
    out = sys.stdout.buffer
    written = 0
    k = a.copy_offset + a.skip // n
    first = a.skip % n
    while written < a.messages:
        for j, (_, _, m) in enumerate(msgs):
            if j < first or (a.per_copy and j >= a.per_copy):
                continue
            if written >= a.messages:
                break
            when = int(BASE + (k % copies) * slot + j * slot / n)
            out.write(b"From gen@bench " + email.utils.formatdate(when).encode() + b"\n")
            out.write(copy_of(m, k, when))
            out.write(b"\n\n")
            written += 1
        k += 1
        first = 0
    out.flush()


if __name__ == "__main__":
    main()
