#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""eval-hijack.py - recall and false positives of replyguard against reply-chain hijacks

DESCRIPTION
  Uses real benign conversations from the shared corpus (read only):
    1. threads are rebuilt from Message-ID / In-Reply-To / References;
    2. the earlier part of each thread (by Date) is learnt, the later part is
       kept for scanning (the benign set: false positives);
    3. reply-chain hijacks are built from learnt messages the way the
       Emotet/Qakbot/IcedID bots did it (DESIGN.md): a real participant's
       display name on an unrelated compromised address, a reply prefix on the
       real subject, the real message quoted, and a payload.
  Each hijack draws one value on every axis below; the values of an axis are
  dealt out evenly (balanced, then shuffled with --seed), so every axis value
  gets the same number of hijacks when --hijacks is a multiple of the axis size
  (the default, 504, is a multiple of all of them):
    impersonated  original_sender | other_participant | cc_participant
    display       name_only | name_addr | name_addr_fullwidth_at |
                  name_addr_lenticular (【addr】) | name_addr_fullwidth_paren
                  (（addr）) | name_reversed | name_company ("Name (Company)");
                  a participant known only by address shows that address as
                  the name (name_only; name_reversed of a one-word name too)
    prefix        RE: | Re: | RE: RE: | Fw: | FW: | AW: | 返信: | ＲＥ： | Re[2]:
    threading     copied (In-Reply-To + References) | partial (one of them,
                  or References without the parent) | missing
    language      en | ja (lure text)
    encoding      iso-2022-jp (B-encoded headers, 7bit JIS body) | utf-8
    quote         outlook_en (-----Original Message----- From/Sent/To/Subject) |
                  outlook_ja (-----元のメッセージ----- 差出人/送信日時/宛先/件名) |
                  outlook_mixed (-----Original Message----- with Japanese labels) |
                  wrote (an "On ... wrote:" line and ">" quoting)
    account       unrelated (a compromised stranger's account) | known_account
                  (an account of the history, 3+ messages, that never took part
                  in the quoted conversation: the bot on a partner's stolen login)
    payload       none | link (.doc/.xlsm/.zip on an unrelated host) |
                  macro_doc (a real macro document from the corpus attached) |
                  pwzip_ja / pwzip_en (that document in a ZipCrypto ZIP, the
                  password in the body as 「パスワード：xxxx」 / "Password: xxxx") |
                  zip_lnk | zip_js (a ZIP holding a shortcut / a script)
    variant       classic (the above; a fresh reply, days after the quoted mail) |
                  compromised (the bot on the real participant's own account: the
                  real address and name, the bot's client (no X-Mailer, its own
                  Message-ID domain) and hours (01-05 JST), its relay; always a
                  payload: "none" becomes a link) |
                  html_outlook (an HTML-only Outlook reply, Thread-Index, the quote
                  in the HTML under Outlook's divRplyFwdMsg block) |
                  dormant (a classic hijack 1-4 years after the quoted mail) |
                  hidden_link (the payload is an HTML anchor whose text is a generic
                  call to action - こちら, View documents - to a file-share,
                  shortener or compromised-site URL without a file extension) |
                  payload_2023 (OneNote section with an embedded script, ISO image
                  holding a shortcut, a bare LNK, or an HTML-smuggling page)
                  The variant decides the payload of hidden_link and payload_2023;
                  the "payload" figures count the payload actually sent.
  Two runs are made: WITH history (learn the earlier part, scan with --db) and
  WITHOUT history (scan with --db naming a store that does not exist, i.e. an
  empty history). A hijack is caught when its verdict is not clean. The real
  later mail gives the false-positive rate (verdict not clean; and separately
  "has a finding of group hijack").

  Macro documents are read at run time from CORPUS/office/with-macros (never
  copied into the repository); the ZipCrypto writer and the shortcut builder
  are those of scripts/make-demo.py. Everything is generated into a temporary
  directory (removed unless --keep). Nothing reaches the network: links in
  generated mail are never fetched. Output is deterministic for a given --seed
  (dates, ids and ZIP bytes are derived from the seed and the sample number).

TARGETS (issue 11)
  recall >= 99% with history overall and >= 90% on compromised-account replies
  (all carry a payload); >= 97% of payload-carrying hijacks without history;
  false positives <= 0.1% of the real later mail.

USAGE
  scripts/eval-hijack.py [--binary build/replyguard] [--corpus /work/shared/corpus]
                         [--hijacks 504] [--learn-fraction 0.6] [--seed 1]
                         [--org-domain D]... [--examples 3] [--keep] [--json]
  --json prints every figure as one JSON object instead of the text report.
"""
import argparse
import base64
import collections
import datetime
import email
import email.policy
import email.utils
import importlib.util
import io
import json
import mailbox
import os
import random
import shutil
import subprocess
import sys
import tempfile
import zipfile
from email.header import Header

HIJACK_GROUP = "hijack"
SOURCES = [
    "benign/spamassassin-public-corpus/easy_ham",
    "benign/spamassassin-public-corpus/easy_ham_2",
    "benign/spamassassin-public-corpus/hard_ham",
    "benign/mailing-lists",
    "benign/japanese",
]
MACRO_DOCS = [  # relative to CORPUS/office/with-macros; those missing are skipped
    "poi/SimpleMacro.xls", "poi/SimpleMacro.doc", "poi/SimpleMacro.docm", "poi/SimpleMacro.xlsm",
    "poi/SquareMacro.xls", "XlsxWriter/macro01.xlsm", "oletools/oleform-PR314.docm",
]
CTYPES = {
    ".doc": "application/msword", ".xls": "application/vnd.ms-excel",
    ".docm": "application/vnd.ms-word.document.macroEnabled.12",
    ".xlsm": "application/vnd.ms-excel.sheet.macroEnabled.12",
}

AXES = collections.OrderedDict([
    ("impersonated", ["original_sender", "other_participant", "cc_participant"]),
    ("display", ["name_only", "name_addr", "name_addr_fullwidth_at", "name_addr_lenticular",
                 "name_addr_fullwidth_paren", "name_reversed", "name_company"]),
    ("prefix", ["RE: ", "Re: ", "RE: RE: ", "Fw: ", "FW: ", "AW: ", "返信: ", "ＲＥ：", "Re[2]: "]),
    ("threading", ["copied", "partial", "missing"]),
    ("language", ["en", "ja"]),
    ("encoding", ["iso-2022-jp", "utf-8"]),
    ("quote", ["outlook_en", "outlook_ja", "outlook_mixed", "wrote"]),
    ("account", ["unrelated", "known_account"]),
    ("payload", ["none", "link", "macro_doc", "pwzip_ja", "pwzip_en", "zip_lnk", "zip_js"]),
    ("variant", ["classic", "compromised", "html_outlook", "dormant", "hidden_link", "payload_2023"]),
])
# Payload values the variants send besides the drawn ones (reported per axis value too).
VARIANT_PAYLOADS = ["hidden_link", "onenote", "iso_lnk", "lnk", "html_smuggling"]
CTA_TEXT = {"ja": ["こちら", "ダウンロード", "詳細はこちら", "ファイルを開く", "請求書を表示"],
            "en": ["View documents", "Download", "Open", "Click here", "View invoice"]}

LURES = {
    ("en", "none"): ["Please see below and confirm.", "Could you check this again and let me know?",
                     "As discussed, please review the message below."],
    ("en", "link"): ["Please download the document from the link below and confirm.",
                     "The invoice is too large to attach, you can get it here:"],
    ("en", "file"): ["Please see the attached document and confirm.", "Please find the invoice attached.",
                     "Kindly review the attached file and get back to me."],
    ("ja", "none"): ["お世話になっております。\n下記の件、ご確認よろしくお願いいたします。",
                     "いつもお世話になっております。\n以前の件について、改めてご確認ください。"],
    ("ja", "link"): ["お世話になっております。\n請求書を送付いたします。下記よりダウンロードしてください。",
                     "資料は容量が大きいため、下記リンクからご確認ください。"],
    ("ja", "file"): ["お世話になっております。\n添付ファイルをご確認ください。",
                     "いつもお世話になっております。\n請求書を送付いたします。ご確認のほどよろしくお願いいたします。"],
}
BOT_LOCALS = ["info", "office", "sales", "admin", "k.tanaka", "contact", "support", "yamada"]
BOT_DOMAINS = ["kagoshima-dental", "hotel-bluesky", "nagano-builders", "riverside-clinic", "ohara-farm",
               "bluewave-travel"]


def load_demo_module():
    """scripts/make-demo.py holds the stdlib ZipCrypto writer and the .lnk builder."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "make-demo.py")
    sys.dont_write_bytecode = True  # no __pycache__ left in scripts/
    spec = importlib.util.spec_from_file_location("make_demo", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


# --- reading the corpus ---------------------------------------------------------

def read_messages(corpus):
    """Yield (source, raw bytes) for every message under the benign sources."""
    for rel in SOURCES:
        root = os.path.join(corpus, rel)
        if not os.path.exists(root):
            continue
        for dirpath, dirs, files in os.walk(root):
            dirs.sort()
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


def addresses(value):
    try:
        return [(n.strip(), a.lower()) for n, a in email.utils.getaddresses([value]) if "@" in a]
    except Exception:
        return []


def parse(raw):
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    mid = ids(header(msg, "Message-ID"))
    try:
        date = email.utils.parsedate_to_datetime(header(msg, "Date")).timestamp()
    except Exception:
        date = 0.0
    name, addr = email.utils.parseaddr(header(msg, "From"))
    body = ""
    try:
        part = msg.get_body(preferencelist=("plain",))
        if part is not None:
            body = part.get_content()
    except Exception:
        body = ""
    return {
        "id": mid[0] if mid else "",
        "irt": ids(header(msg, "In-Reply-To")),
        "refs": ids(header(msg, "References")),
        "date": date,
        "from_name": name.strip(),
        "from": addr.lower(),
        "to": addresses(header(msg, "To")),
        "cc": addresses(header(msg, "Cc")),
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

    for i, it in enumerate(items):
        key = it["id"] or f"#{i}"
        find(key)
        for p in it["irt"] + it["refs"]:
            ra, rb = find(key), find(p)
            if ra != rb:
                parent[ra] = rb
    groups = collections.defaultdict(list)
    for i, it in enumerate(items):
        groups[find(it["id"] or f"#{i}")].append(i)
    return [groups[k] for k in sorted(groups, key=lambda k: min(groups[k]))]


# --- building hijacks -----------------------------------------------------------

def company_of(address):
    dom = address.split("@")[-1].split(".")
    core = dom[-3] if len(dom) >= 3 and dom[-2] in ("co", "ac", "or", "ne", "com", "org") else dom[-2] if len(dom) >= 2 else dom[0]
    return core.replace("-", " ").title()


def display_name(form, name, address):
    """The display name a bot writes for the impersonated participant."""
    shown = name or address
    fw_at = address.replace("@", "＠")
    if form == "name_only":
        return shown
    if form == "name_addr":
        return f"{shown} <{address}>"
    if form == "name_addr_fullwidth_at":
        return f"{shown} <{fw_at}>"
    if form == "name_addr_lenticular":
        return f"{shown}【{address}】"
    if form == "name_addr_fullwidth_paren":
        return f"{shown}（{address}）"
    if form == "name_reversed":
        parts = (name or address.split("@")[0].replace(".", " ").replace("_", " ")).replace(",", " ").split()
        return " ".join(reversed(parts)) if len(parts) > 1 else shown
    if form == "name_company":
        return f"{shown} ({company_of(address)})"
    raise ValueError(form)


def encode_word(text, charset):
    if charset == "iso-2022-jp":
        text = to_jis(text)
    return Header(text, charset).encode(maxlinelen=998)


def from_header(display, bot, charset):
    if display.isascii():
        # RFC 5322 quoted string: a display with '<', '@' or '(' must be quoted.
        esc = display.replace("\\", "\\\\").replace('"', '\\"')
        return f'"{esc}" <{bot}>'
    return f"{encode_word(display, charset)} <{bot}>"


def fmt_addr(name, address):
    return f"{name} <{address}>" if name else address


def quote_block(style, m, body):
    sender = fmt_addr(m["from_name"], m["from"])
    to = m["to_raw"].replace("\n", " ") or m["from"]
    if style == "outlook_en":
        return (f"\n-----Original Message-----\nFrom: {sender}\nSent: {m['date_raw']}\nTo: {to}\n"
                f"Subject: {m['subject']}\n\n{body}")
    if style in ("outlook_ja", "outlook_mixed"):
        sep = "-----元のメッセージ-----" if style == "outlook_ja" else "-----Original Message-----"
        try:
            dt = datetime.datetime.fromtimestamp(m["date"], datetime.timezone(datetime.timedelta(hours=9)))
            sent = f"{dt.year}年{dt.month}月{dt.day}日 {dt.hour}:{dt.minute:02d}"
        except (OverflowError, OSError, ValueError):
            sent = m["date_raw"]
        return f"\n{sep}\n差出人: {sender}\n送信日時: {sent}\n宛先: {to}\n件名: {m['subject']}\n\n{body}"
    if style == "wrote":
        quoted = "\n".join("> " + ln if ln else ">" for ln in body.splitlines())
        return f"\nOn {m['date_raw']}, {sender} wrote:\n{quoted}\n"
    raise ValueError(style)


def to_jis(text):
    """ISO-2022-JP cannot carry every character of a real English thread; unencodable ones become '?'."""
    return text.replace("\ufffd", "?").encode("iso-2022-jp", errors="replace").decode("iso-2022-jp")


def list_like(items, learnt):
    """Addresses that receive from many senders and never send: mailing lists, not people to impersonate."""
    senders = {items[i]["from"] for i in learnt}
    fed = collections.defaultdict(set)
    for i in learnt:
        for _, a in items[i]["to"] + items[i]["cc"]:
            fed[a].add(items[i]["from"])
    return {a for a, s in fed.items() if len(s) >= 4 and a not in senders}


def pick_roles(kind, m, rng, lists=frozenset()):
    """(impersonated (name, addr), recipient (name, addr)) for one impersonation kind, or None."""
    people = [p for p in m["to"] + m["cc"] if p[1] != m["from"] and p[1] not in lists]
    if kind == "original_sender":
        # Stolen from the recipient's inbox: the sender's name, back to the recipient.
        rcpts = people or [p for p in m["to"] + m["cc"] if p[1] != m["from"]]
        return ((m["from_name"], m["from"]), rcpts[0] if rcpts else ("", m["from"]))
    if kind == "other_participant":
        # Stolen from the sender's "Sent Items": a recipient's name, sent to the original sender.
        others = [p for p in m["to"] if p in people]
        if not others:
            return None
        return (rng.choice(others), (m["from_name"], m["from"]))
    if kind == "cc_participant":
        cc = [p for p in m["cc"] if p in people]
        if not cc:
            return None
        return (rng.choice(cc), (m["from_name"], m["from"]))
    raise ValueError(kind)


def hidden_link_url(n, rng):
    """A payload URL without a file extension, as the 2021-2023 campaigns sent them."""
    tok = "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") for _ in range(22))
    kind = rng.choice(["sharepoint", "onedrive", "dropbox", "gdrive", "firebase", "shortener", "compromised_site"])
    if kind == "sharepoint":
        return f"https://{BOT_DOMAINS[n % len(BOT_DOMAINS)]}-my.sharepoint.com/:b:/g/personal/user_{n}/{tok}?e=x{n}"
    if kind == "onedrive":
        return f"https://onedrive.live.com/redir?resid={tok[:16]}!{n}&authkey=!{tok[16:]}"
    if kind == "dropbox":
        return f"https://www.dropbox.com/s/{tok[:15].lower()}/scan_{n:05d}?dl=1"
    if kind == "gdrive":
        return f"https://drive.google.com/file/d/{tok}/view?usp=sharing"
    if kind == "firebase":
        return f"https://firebasestorage.googleapis.com/v0/b/doc-{n}.appspot.com/o/{tok}?alt=media"
    if kind == "shortener":
        return f"https://{rng.choice(['bit.ly', 'tinyurl.com', 'cutt.ly'])}/{tok[:7]}"
    return f"https://{BOT_DOMAINS[(n + 3) % len(BOT_DOMAINS)]}-{n}.example/{rng.choice(['wp-content/plugins/x', 'admin', 'doc'])}/?{tok[:10]}={n}"


def payload_2023(n, rng, demo, lang):
    """(payload name, [(file name, content type, bytes)]) for the 2022-2023 carriers."""
    kind = ("onenote", "iso_lnk", "lnk", "html_smuggling")[n % 4]
    base = ("請求書" if lang == "ja" else "Invoice") + f"_{n:05d}"
    lnk = demo.fake_lnk("/c powershell -w hidden -enc ZQBjAGgAbwA=")
    if kind == "onenote":
        hta = b"<html><script language=VBScript>CreateObject(\"WScript.Shell\").Run \"cmd /c echo demo\"</script></html>"
        one = (b"\xE4\x52\x5C\x7B\x8C\xD8\xA7\x4D\xAE\xB1\x53\x78\xD0\x29\x96\xD3" + bytes(1024) +
               b"\xE7\x16\xE3\xBD\x65\x26\x11\x45\xA4\xC4\x8D\x4D\x0B\x7A\x9E\xAC" +
               len(hta).to_bytes(8, "little") + bytes(12) + hta + bytes(256))
        return kind, [(f"{base}.one", "application/onenote", one)]
    if kind == "iso_lnk":
        iso = bytearray(0x8000) + b"\x01CD001\x01" + bytes(0x800 - 7) + b"\xffCD001\x01" + bytes(0x800 - 7)
        iso += lnk + bytes(2048 - len(lnk) % 2048)
        return kind, [(f"{base}.iso", "application/octet-stream", bytes(iso))]
    if kind == "lnk":
        return kind, [(f"{base}.pdf.lnk", "application/octet-stream", lnk)]
    page = ("<html><body><script>var d=atob('UEsDBAoAAAAAA');var b=new Blob([d],{type:'application/zip'});"
            f"var a=document.createElement('a');a.href=URL.createObjectURL(b);a.download='{base}.zip';"
            "document.body.appendChild(a);a.click();</script></body></html>").encode("utf-8")
    return kind, [(f"{base}.html", "text/html", page)]


def outlook_html(new_text_html, m, body):
    """An Outlook 16 HTML body: the new text, then the quote under the divRplyFwdMsg header block."""
    import html as _html
    sender = _html.escape(fmt_addr(m["from_name"], m["from"]))
    to = _html.escape(m["to_raw"].replace("\n", " ") or m["from"])
    quoted = "<br>\n".join(_html.escape(ln) for ln in body.splitlines())
    return ("<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\"></head>"
            "<body><div class=\"WordSection1\">" + new_text_html +
            "<div id=\"divRplyFwdMsg\" dir=\"ltr\"><hr style=\"display:inline-block;width:98%\" tabindex=\"-1\">"
            f"<font face=\"Calibri, sans-serif\" style=\"font-size:11pt\" color=\"#000000\"><b>From:</b> {sender}<br>\n"
            f"<b>Sent:</b> {_html.escape(m['date_raw'])}<br>\n<b>To:</b> {to}<br>\n"
            f"<b>Subject:</b> {_html.escape(m['subject'])}</font><div>&nbsp;</div></div>"
            f"<div>{quoted}</div></div></body></html>")


def macro_payload(docs, n):
    name, data = docs[n % len(docs)]
    return name, data


def build_hijack(n, m, ax, rng, docs, demo, seed, lists=frozenset(), known_accounts=(), info=None):
    """The hijack's bytes; `info`, when given, receives what was generated (impersonated, bot, relay)."""
    roles = pick_roles(ax["impersonated"], m, rng, lists)
    (imp_name, imp_addr), (rcpt_name, rcpt_addr) = roles
    dom = host = f"{BOT_DOMAINS[n % len(BOT_DOMAINS)]}{n}.example"
    bot = f"{rng.choice(BOT_LOCALS)}@{dom}"
    variant = ax.get("variant", "classic")
    if variant == "compromised":
        pass  # the real participant's own account: decided below, after the payload
    elif ax["account"] == "known_account":
        # Not a participant, nor a colleague of one (same domain): a partner's colleague
        # joining a thread is normal mail, not the bot.
        thread = {a.split("@")[-1] for a in [m["from"]] + [x for _, x in m["to"] + m["cc"]]}
        others = [a for a in known_accounts if a.split("@")[-1] not in thread]
        if others:
            bot = rng.choice(others)
            dom = bot.split("@")[1]
    jis = ax["encoding"] == "iso-2022-jp"
    charset = "iso-2022-jp" if jis else "utf-8"
    lang = ax["language"]
    payload = ax["payload"]
    if variant == "compromised" and payload == "none":
        payload = "link"  # the bot writes to deliver something: a payload-less "hijack" is a genuine reply
    if variant == "hidden_link":
        payload = "hidden_link"
    attachments = []
    if variant == "payload_2023":
        payload, attachments = payload_2023(n, rng, demo, lang)

    text_kind = "none" if payload == "none" else "link" if payload in ("link", "hidden_link") else "file"
    rcpt_short = rcpt_name or rcpt_addr.split("@")[0]
    greet = f"{rcpt_short}様\n\n" if lang == "ja" else f"Hello {rcpt_short.split()[0]},\n\n"
    lines = [greet + rng.choice(LURES[(lang, text_kind)])]
    password = None
    cta = None
    if payload == "hidden_link":
        cta = (rng.choice(CTA_TEXT[lang]), hidden_link_url(n, rng))
    elif payload == "link":
        ext = rng.choice([".doc", ".xlsm", ".zip"])
        path = rng.choice(["wp-content/uploads/2026/11", "wp-admin/css", "docs", "files/share"])
        fname = rng.choice(["INV", "Invoice", "Document", "Rechnung", "seikyusho", "mitsumori"])
        lines.append(f"\nhttps://{rng.choice(['www.', ''])}{host}/{path}/{fname}_{n:05d}{ext}\n")
    elif payload == "macro_doc":
        name, data = macro_payload(docs, n)
        ext = os.path.splitext(name)[1]
        shown = (rng.choice(["請求書", "見積書", "注文書"]) if lang == "ja" else rng.choice(["Invoice", "Document", "Order"]))
        attachments.append((f"{shown}_{n:05d}{ext}", CTYPES.get(ext, "application/octet-stream"), data))
    elif payload in ("pwzip_ja", "pwzip_en"):
        name, data = macro_payload(docs, n)
        ext = os.path.splitext(name)[1]
        password = "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789") for _ in range(8))
        base = "請求書" if lang == "ja" else "Invoice"
        zipped = demo.zip_encrypted([(f"{base}_{n:05d}{ext}", data)], password.encode("ascii"), seed=seed * 1000 + n)
        attachments.append((f"{base}_{n:05d}.zip", "application/zip", zipped))
        if payload == "pwzip_ja":
            lines.append("\n" + rng.choice(["パスワード：", "添付ファイルのパスワード：", "解凍パスワード: "]) + password)
        else:
            lines.append("\n" + rng.choice(["Password: ", "The password is ", "PW: "]) + password)
    elif payload in ("zip_lnk", "zip_js"):
        if payload == "zip_lnk":
            inner = (f"Invoice_{n:05d}.pdf.lnk", demo.fake_lnk("/c powershell -w hidden -enc ZQBjAGgAbwA="))
        else:
            inner = (f"Invoice_{n:05d}.js", b"var s=WScript.CreateObject('WScript.Shell');\r\n"
                                            b"s.Run('cmd /c echo demo');\r\n")
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            zi = zipfile.ZipInfo(inner[0], date_time=(2026, 11, 2, 10, 15, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(zi, inner[1])
        attachments.append((f"Invoice_{n:05d}.zip", "application/zip", buf.getvalue()))
    sign = ("\n\n" + (imp_name or imp_addr.split("@")[0])) if rng.random() < 0.7 else ""
    body = "\n".join(lines) + sign + "\n" + quote_block(ax["quote"], m, m["body"][:3000])
    if jis:
        body = to_jis(body)
    html_body = None
    if variant in ("html_outlook", "hidden_link"):
        import html as _html
        new_html = "".join(f"<p>{_html.escape(ln)}</p>" for ln in ("\n".join(lines) + sign).split("\n") if ln)
        if cta:
            new_html += f'<p><a href="{_html.escape(cta[1])}">{_html.escape(cta[0])}</a></p>'
        quoted = m["body"][:3000]
        html_body = outlook_html(new_html, m, to_jis(quoted) if jis else quoted)

    subject = ax["prefix"] + m["subject"].replace("\n", " ")
    subject_hdr = encode_word(subject, charset) if (jis or not subject.isascii()) else subject
    to_hdr = (f"{encode_word(rcpt_name, charset)} <{rcpt_addr}>" if rcpt_name and not rcpt_name.isascii()
              else email.utils.formataddr((rcpt_name, rcpt_addr)))
    # Dates derive from the quoted mail (runs stay identical): days later for a fresh
    # reply, 1-4 years for a dormant thread; the compromised account's bot sends at 01-05 JST.
    # Classic hijacks keep the fixed calendar (eval-campaigns.py clusters them in time);
    # the variants draw from their own generator so the classic draws stay as they were.
    jst = datetime.timezone(datetime.timedelta(hours=9))
    date = datetime.datetime(2026, 11, 2, 1, 0, tzinfo=jst) + datetime.timedelta(minutes=7 * n)
    if variant != "classic":
        vr = random.Random(seed * 100003 + n)
        base = datetime.datetime.fromtimestamp(m["date"], jst) if m["date"] > 0 else date
        if variant == "dormant":
            date = base + datetime.timedelta(days=vr.randint(365, 1460), minutes=7 * n % 600)
        else:
            date = base + datetime.timedelta(days=vr.randint(1, 14), minutes=7 * n % 600)
        if variant == "compromised":
            date = date.replace(hour=vr.randint(1, 4), minute=vr.randint(0, 59))
        elif variant in ("html_outlook", "hidden_link"):
            date = date.replace(hour=vr.randint(9, 18))
    # Each bot sends from its own host: one address per hijack over the three
    # documentation networks (762 of them), so no two unrelated hijacks share a relay.
    relay_ip = f"{('192.0.2', '198.51.100', '203.0.113')[(n // 254) % 3]}.{n % 254 + 1}"
    if variant == "compromised":
        bot = imp_addr  # the stolen login: the real address, the real name
        from_line = "From: " + (from_header(imp_name, bot, charset) if imp_name else bot)
    else:
        from_line = "From: " + from_header(display_name(ax["display"], imp_name, imp_addr), bot, charset)
    if info is not None:
        info.update({"impersonated": imp_addr, "bot": bot, "relay_ip": relay_ip, "sent_payload": payload})
    h = [f"Return-Path: <{bot}>",
         f"Received: from mail.{dom} (mail.{dom} [{relay_ip}]) by mx.example.net; "
         f"{email.utils.format_datetime(date)}",
         from_line,
         f"To: {to_hdr}",
         f"Subject: {subject_hdr}",
         f"Date: {email.utils.format_datetime(date)}",
         f"Message-ID: <{seed:x}{n:05d}.{date.strftime('%Y%m%d%H%M')}@{dom}>"]
    chain = [r for r in m["refs"] if r != m["id"]] + [m["id"]]
    if ax["threading"] == "copied":
        h += [f"In-Reply-To: <{m['id']}>", "References: " + " ".join(f"<{r}>" for r in chain)]
    elif ax["threading"] == "partial":
        mode = rng.choice(["irt_only", "refs_only", "refs_without_parent"])
        if mode == "irt_only":
            h.append(f"In-Reply-To: <{m['id']}>")
        elif mode == "refs_only":
            h.append("References: " + " ".join(f"<{r}>" for r in chain))
        elif len(chain) > 1:
            h.append("References: " + " ".join(f"<{r}>" for r in chain[:-1]))
        else:
            h.append(f"References: <{m['id']}>")
    if variant == "compromised":
        pass  # the bot's own SMTP client: no X-Mailer, no Thread-Index
    elif variant in ("html_outlook", "hidden_link"):
        h += ["X-Mailer: Microsoft Outlook 16.0", f"Thread-Index: AQH{seed:02x}{n:06x}" + "Zt9yQ2l0ZXN0aW5nYQ=="]
    else:
        h += ["X-Mailer: Microsoft Outlook 16.0"]
    h += ["MIME-Version: 1.0"]
    if html_body is not None:
        b64 = base64.encodebytes(html_body.encode("iso-2022-jp" if jis else "utf-8", errors="replace")).decode("ascii")
        text = [f'Content-Type: text/html; charset="{charset}"', "Content-Transfer-Encoding: base64", "",
                b64.rstrip("\n")]
    elif jis:
        text = ['Content-Type: text/plain; charset="iso-2022-jp"', "Content-Transfer-Encoding: 7bit", "",
                body.encode("iso-2022-jp").decode("ascii")]
    elif n % 2:
        b64 = base64.encodebytes(body.encode("utf-8")).decode("ascii").rstrip("\n")
        text = ['Content-Type: text/plain; charset="utf-8"', "Content-Transfer-Encoding: base64", "", b64]
    else:
        text = ['Content-Type: text/plain; charset="utf-8"', "Content-Transfer-Encoding: 8bit", "", body]
    if not attachments:
        lines_out = h + text
    else:
        boundary = f"----=_NextPart_000_{seed:04X}_{n:08X}"
        lines_out = h + [f'Content-Type: multipart/mixed; boundary="{boundary}"', "",
                         "This is a multi-part message in MIME format.", "", f"--{boundary}"] + text
        for name, ctype, data in attachments:
            fname = encode_word(name, charset) if not name.isascii() else name
            lines_out += [f"--{boundary}", f'Content-Type: {ctype}; name="{fname}"',
                          "Content-Transfer-Encoding: base64",
                          f'Content-Disposition: attachment; filename="{fname}"', "",
                          base64.encodebytes(data).decode("ascii").rstrip("\n")]
        lines_out.append(f"--{boundary}--")
    return ("\r\n".join(lines_out) + "\r\n").encode("utf-8")


def balanced(values, n, rng):
    """n draws with every value equally often (+-1), in a seeded random order."""
    out = [values[i % len(values)] for i in range(n)]
    rng.shuffle(out)
    return out


# --- running replyguard ---------------------------------------------------------

def run(cmd):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)


def scan(binary, db, path):
    r = run([binary, "scan", "--no-progress", "--db", db, "--format", "jsonl", "-j", "2", path])
    out = []
    for line in r.stdout.decode("utf-8", "replace").splitlines():
        if line.strip():
            out.append(json.loads(line))
    if not out:
        sys.exit(f"eval-hijack: scan of {path} printed nothing: {r.stderr.decode('utf-8', 'replace')[-500:]}")
    return out


def findings_of(rec):
    return [{"id": f.get("id"), "group": f.get("group"), "score": f.get("score"),
             "detail": (f.get("detail") or "")[:160]} for f in rec.get("findings", [])]


def has_hijack(rec):
    return any(f.get("group") == HIJACK_GROUP for f in rec.get("findings", []))


def rate(k, n):
    return round(k / n, 4) if n else None


def evaluate_hijacks(recs, meta, examples):
    by_axis = {a: collections.OrderedDict((v, [0, 0]) for v in vals) for a, vals in AXES.items()}
    total = [0, 0]
    payload = [0, 0]
    hijack_finding = 0
    finding_counts = collections.Counter()
    misses = []
    for r in recs:
        name = os.path.basename(r["source"])
        ax = dict(meta[name]["axes"], payload=meta[name].get("sent_payload", meta[name]["axes"]["payload"]))
        caught = r.get("verdict") not in (None, "clean")
        total[0] += caught
        total[1] += 1
        hijack_finding += has_hijack(r)
        finding_counts.update({f["id"] for f in r.get("findings", [])})
        if ax["payload"] != "none":
            payload[0] += caught
            payload[1] += 1
        for a, v in ax.items():
            c = by_axis[a].setdefault(v, [0, 0])
            c[0] += caught
            c[1] += 1
        if not caught:
            misses.append({"source": name, "from_corpus": meta[name]["origin"], "axes": ax,
                           "verdict": r.get("verdict"), "score": r.get("score"),
                           "from": r.get("from"), "subject": r.get("subject"),
                           "findings": findings_of(r),
                           "attachments": [{"name": x.get("name"), "type": x.get("type"),
                                            "findings": [f.get("id") for f in x.get("findings", [])]}
                                           for x in r.get("attachments", [])]})
    profile = {a: dict(collections.Counter(mx["axes"][a] for mx in misses).most_common()) for a in AXES}
    present = collections.Counter(f["id"] for mx in misses for f in mx["findings"])
    # Examples: one per distinct (payload, account, display) first, so different causes show.
    picked, seen = [], set()
    for mx in misses:
        key = (mx["axes"]["payload"], mx["axes"]["account"], mx["axes"]["display"])
        if key not in seen:
            seen.add(key)
            picked.append(mx)
    picked += [mx for mx in misses if mx not in picked]
    return {
        "n": total[1], "caught": total[0], "recall": rate(*total),
        "with_hijack_finding": hijack_finding,
        "payload_n": payload[1], "payload_caught": payload[0], "payload_recall": rate(*payload),
        "per_axis": {a: {v: {"n": c[1], "caught": c[0], "recall": rate(*c)} for v, c in vals.items()}
                     for a, vals in by_axis.items()},
        "finding_frequency": dict(finding_counts.most_common()),
        "misses_n": len(misses),
        "miss_profile": profile,
        "findings_on_misses": dict(present.most_common()),
        "misses": misses,
        "miss_examples": picked[:examples],
    }


def evaluate_benign(recs):
    not_clean, hij = [], []
    for r in recs:
        entry = {"source": r["source"], "verdict": r.get("verdict"), "score": r.get("score"),
                 "from": r.get("from"), "subject": r.get("subject"), "findings": findings_of(r)}
        if r.get("verdict") not in (None, "clean"):
            not_clean.append(entry)
        if has_hijack(r):
            hij.append(entry)
    cause = collections.Counter()
    for e in not_clean:
        cause.update({f["id"] for f in e["findings"]})
    every = collections.Counter()
    for r in recs:
        every.update({f.get("id") for f in r.get("findings", [])})
    return {"n": len(recs), "not_clean": len(not_clean), "fp_rate": rate(len(not_clean), len(recs)),
            "with_hijack_finding": len(hij), "hijack_finding_rate": rate(len(hij), len(recs)),
            "findings_in_fps": dict(cause.most_common()),
            "finding_frequency": dict(every.most_common()),
            "fps": not_clean, "hijack_finding_messages": hij}


# --- report ---------------------------------------------------------------------

def pct(x, digits=1):
    return "n/a" if x is None else f"{100 * x:.{digits}f}%"


def print_report(s):
    print(f"corpus: {s['messages']} benign messages in {s['threads']} threads; learnt {s['learnt']} "
          f"({s['learn_output']}); later (benign scan set) {s['benign_later']}")
    if s["workdir"]:
        print(f"work directory kept: {s['workdir']}")
    print(f"hijacks: {s['hijacks']} built from {s['hijack_sources']} learnt messages "
          f"(seed {s['seed']}; macro documents: {', '.join(s['macro_documents'])})")
    print("\nhijacks per axis value:")
    for a, vals in s["axis_counts"].items():
        print(f"  {a:13s} " + "  ".join(f"{v.strip()}={c}" for v, c in vals.items()))
    for run_name in ("with_history", "without_history"):
        r = s["runs"][run_name]["hijacks"]
        print(f"\n== {run_name.replace('_', ' ')}: recall {pct(r['recall'])} ({r['caught']}/{r['n']}); "
              f"payload-carrying {pct(r['payload_recall'])} ({r['payload_caught']}/{r['payload_n']}); "
              f"with a hijack-group finding {r['with_hijack_finding']}")
        for a, vals in r["per_axis"].items():
            print(f"  {a:13s} " + "  ".join(f"{v.strip()}={pct(c['recall'])}" for v, c in vals.items()))
        print("  findings on hijacks: " + ", ".join(f"{k} {v}" for k, v in list(r["finding_frequency"].items())[:14]))
        if r["misses_n"]:
            print(f"  misses: {r['misses_n']}; by axis value:")
            for a, vals in r["miss_profile"].items():
                print(f"    {a:13s} " + "  ".join(f"{v.strip()}={c}" for v, c in vals.items()))
            print("    findings present on misses: " +
                  (", ".join(f"{k} {v}" for k, v in r["findings_on_misses"].items()) or "none"))
            print("  miss examples:")
            for mx in r["miss_examples"]:
                ax = " ".join(f"{k}={v.strip()}" for k, v in mx["axes"].items())
                fs = ", ".join(f"{f['id']}({f['score']})" for f in mx["findings"]) or "no findings"
                print(f"    {mx['source']} <- {mx['from_corpus']}\n      {ax}\n      verdict={mx['verdict']} "
                      f"score={mx['score']}: {fs}")
        b = s["runs"][run_name]["benign"]
        print(f"  benign later mail: not clean {b['not_clean']}/{b['n']} ({pct(b['fp_rate'], 2)}); "
              f"with a hijack-group finding {b['with_hijack_finding']} ({pct(b['hijack_finding_rate'], 2)})")
        print("  findings on the real later mail: " +
              (", ".join(f"{k} {v}" for k, v in b["finding_frequency"].items()) or "none"))
        for fp in b["fps"]:
            fs = ", ".join(f"{f['id']}({f['score']})" for f in fp["findings"])
            print(f"    FP {fp['source']} [{fp['verdict']} {fp['score']}] {fs} | {fp['subject']}")
        for fp in b["hijack_finding_messages"]:
            if fp["verdict"] in (None, "clean"):
                fs = ", ".join(f"{f['id']}({f['score']})" for f in fp["findings"] if f["group"] == HIJACK_GROUP)
                print(f"    hijack finding, clean: {fp['source']} {fs}")
    w, wo = s["runs"]["with_history"], s["runs"]["without_history"]
    t = s["targets"]
    print("\n| figure | value | target |")
    print("|---|---|---|")
    print(f"| recall, with history ({w['hijacks']['n']} hijacks) | {pct(w['hijacks']['recall'])} | >= 99% |")
    cw = w["hijacks"]["per_axis"]["variant"].get("compromised")
    if cw:
        print(f"| recall, with history, compromised-account replies ({cw['n']}, all with a payload) | "
              f"{pct(cw['recall'])} | >= 90% |")
    print(f"| recall, without history, payload-carrying ({wo['hijacks']['payload_n']}) | "
          f"{pct(wo['hijacks']['payload_recall'])} | >= 97% |")
    print(f"| recall, without history, all ({wo['hijacks']['n']}) | {pct(wo['hijacks']['recall'])} | - |")
    print(f"| false positives, real later mail ({w['benign']['n']}), with history | "
          f"{pct(w['benign']['fp_rate'], 2)} ({w['benign']['not_clean']}) | <= 0.1% |")
    print(f"| hijack-group finding on real later mail, with history | "
          f"{pct(w['benign']['hijack_finding_rate'], 2)} ({w['benign']['with_hijack_finding']}) | - |")
    print(f"| false positives, real later mail, without history | {pct(wo['benign']['fp_rate'], 2)} "
          f"({wo['benign']['not_clean']}) | <= 0.5% |")
    print("\n| variant | with history | without history |")
    print("|---|---|---|")
    for v in AXES["variant"]:
        cw, co = w["hijacks"]["per_axis"]["variant"].get(v), wo["hijacks"]["per_axis"]["variant"].get(v)
        if cw and co:
            print(f"| {v} ({cw['n']}) | {pct(cw['recall'])} | {pct(co['recall'])} |")
    print("\n| payload sent | with history | without history |")
    print("|---|---|---|")
    for v, cw in w["hijacks"]["per_axis"]["payload"].items():
        co = wo["hijacks"]["per_axis"]["payload"].get(v)
        if cw["n"] and co:
            print(f"| {v} ({cw['n']}) | {pct(cw['recall'])} | {pct(co['recall'])} |")
    print(f"targets met: " + ", ".join(f"{k}={'yes' if v else 'NO'}" for k, v in t.items()))


def build_eval_set(corpus, hijacks, learn_fraction, seed, tmp, variants=("classic",)):
    """Write learn/, later/ and hijack/ under tmp (see DESCRIPTION); used by eval-campaigns.py too.

    `variants`: the values of the variant axis to deal out; the default, classic only,
    builds the set as before the variants existed (eval-campaigns.py's ground truth
    assumes unrelated bot accounts); eval-hijack.py passes all of AXES["variant"].

    Returns a dict: dirs, the parsed items and raw sources, thread groups, learnt and
    later indexes, per-hijack metadata (axes, origin, impersonated address), the draws,
    the macro documents and the learnt messages used."""
    rng = random.Random(seed)
    demo = load_demo_module()

    docs = []
    for rel in MACRO_DOCS:
        p = os.path.join(corpus, "office", "with-macros", rel)
        if os.path.exists(p):
            with open(p, "rb") as f:
                docs.append((os.path.basename(p), f.read()))
    if not docs:
        sys.exit(f"eval-hijack: no macro document under {corpus}/office/with-macros")

    raws, items = [], []
    for src, raw in read_messages(corpus):
        try:
            items.append(parse(raw))
        except Exception:
            continue
        raws.append((src, raw))
    learn_dir, later_dir, hij_dir = (os.path.join(tmp, d) for d in ("learn", "later", "hijack"))
    for d in (learn_dir, later_dir, hij_dir):
        os.makedirs(d)
    learnt, later = [], []
    groups = threads(items)
    for group in groups:
        group.sort(key=lambda i: (items[i]["date"], i))
        cut = max(1, int(round(len(group) * learn_fraction))) if len(group) > 1 else 1
        learnt += group[:cut]
        later += group[cut:]
    for i in learnt:
        with open(os.path.join(learn_dir, f"{i:06d}.eml"), "wb") as f:
            f.write(raws[i][1])
    for i in sorted(later):
        with open(os.path.join(later_dir, f"{i:06d}.eml"), "wb") as f:
            f.write(raws[i][1])

    # Hijacks quote learnt, non-list messages with an id, a sender, a subject and some text.
    cands = sorted(i for i in learnt if items[i]["id"] and items[i]["from"] and items[i]["subject"]
                   and len(items[i]["body"].strip()) > 80 and not items[i]["list"])
    rng.shuffle(cands)
    lists = list_like(items, learnt)
    pools = {k: [i for i in cands if pick_roles(k, items[i], random.Random(0), lists)] for k in AXES["impersonated"]}
    senders = collections.Counter(items[i]["from"] for i in learnt if items[i]["from"] and not items[i]["list"])
    known_accounts = sorted(x for x, c in senders.items() if c >= 3 and x not in lists)
    draws = {axis: balanced(vals, hijacks, rng) for axis, vals in AXES.items() if axis != "variant"}
    draws["variant"] = balanced(list(variants), hijacks, rng) if len(variants) > 1 else [variants[0]] * hijacks
    meta, used = {}, set()
    cursor = collections.Counter()
    for n in range(hijacks):
        ax = {axis: draws[axis][n] for axis in AXES}
        pool = pools[ax["impersonated"]] or cands
        i = pool[cursor[ax["impersonated"]] % len(pool)]
        cursor[ax["impersonated"]] += 1
        used.add(i)
        name = f"h{n:05d}.eml"
        info = {}
        with open(os.path.join(hij_dir, name), "wb") as f:
            f.write(build_hijack(n, items[i], ax, rng, docs, demo, seed, lists, known_accounts, info))
        meta[name] = {"axes": ax, "origin": os.path.relpath(raws[i][0], corpus), **info,
                      "macro_doc": docs[n % len(docs)][0] if ax["payload"] in ("macro_doc", "pwzip_ja", "pwzip_en")
                      else None}
    return {"learn_dir": learn_dir, "later_dir": later_dir, "hijack_dir": hij_dir, "items": items, "raws": raws,
            "groups": groups, "learnt": learnt, "later": later, "meta": meta, "used": used, "draws": draws,
            "docs": docs}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--binary", default="build/replyguard")
    ap.add_argument("--corpus", default=os.environ.get("REPLYGUARD_CORPUS_DIR", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "corpus")))
    ap.add_argument("--hijacks", type=int, default=504, help="number of hijacks (504 divides evenly on every axis)")
    ap.add_argument("--learn-fraction", type=float, default=0.6)
    ap.add_argument("--org-domain", action="append", default=[], help="passed to learn")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--examples", type=int, default=4, help="miss examples printed per run")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    ap.add_argument("--json", action="store_true", help="print all figures as JSON")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="rg-eval-")
    es = build_eval_set(a.corpus, a.hijacks, a.learn_fraction, a.seed, tmp, variants=AXES["variant"])
    learn_dir, later_dir, hij_dir = es["learn_dir"], es["later_dir"], es["hijack_dir"]
    items, raws, groups, learnt, later = es["items"], es["raws"], es["groups"], es["learnt"], es["later"]
    meta, used, draws, docs = es["meta"], es["used"], es["draws"], es["docs"]

    db = os.path.join(tmp, "history.db")
    learn_cmd = [a.binary, "learn", "--no-progress", "--db", db]
    for d in a.org_domain:
        learn_cmd += ["--org-domain", d]
    lr = run(learn_cmd + [learn_dir])
    if lr.returncode != 0:
        sys.exit(f"eval-hijack: learn failed: {lr.stderr.decode('utf-8', 'replace')[-500:]}")
    learn_msg = (lr.stderr.decode("utf-8", "replace").strip().splitlines() or [""])[-1]
    empty_db = os.path.join(tmp, "empty-does-not-exist.db")

    runs = {}
    for run_name, store in (("with_history", db), ("without_history", empty_db)):
        runs[run_name] = {"hijacks": evaluate_hijacks(scan(a.binary, store, hij_dir), meta, a.examples),
                          "benign": evaluate_benign(scan(a.binary, store, later_dir))}
    for r in runs.values():  # later sources are temp names: name the corpus file instead
        for lst in (r["benign"]["fps"], r["benign"]["hijack_finding_messages"]):
            for e in lst:
                idx = int(os.path.splitext(os.path.basename(e["source"]))[0])
                e["source"] = os.path.relpath(raws[idx][0], a.corpus)

    w, wo = runs["with_history"], runs["without_history"]
    summary = {
        "seed": a.seed, "messages": len(items), "threads": len(groups), "learnt": len(learnt),
        "learn_output": learn_msg, "benign_later": len(later), "hijacks": a.hijacks,
        "hijack_sources": len(used), "macro_documents": [d[0] for d in docs],
        "axis_counts": {axis: {v: draws[axis].count(v) for v in vals} for axis, vals in AXES.items()},
        "runs": runs,
        "targets": {
            "recall_with_history_ge_99": (w["hijacks"]["recall"] or 0) >= 0.99,
            "compromised_recall_with_history_ge_90":
                (w["hijacks"]["per_axis"]["variant"].get("compromised", {}).get("recall") or 0) >= 0.90,
            "payload_recall_without_history_ge_97": (wo["hijacks"]["payload_recall"] or 0) >= 0.97,
            "fp_le_0_1": (w["benign"]["fp_rate"] or 0) <= 0.001,
        },
        "workdir": tmp if a.keep else None,
    }
    if a.json:
        print(json.dumps(summary, ensure_ascii=False, indent=1))
    else:
        print_report(summary)
    if not a.keep:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
