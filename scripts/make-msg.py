#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""make-msg.py - write an Outlook .msg file from an .eml (and forwards of it).

DESCRIPTION
  Builds the .msg Outlook would save for a received message (MS-OXMSG): an OLE2
  compound file, written with libgsf's MSOLE writer through GObject
  introspection (Debian python3-gi + gir1.2-gsf-1; python3-olefile cannot
  write). The message keeps its transport headers (PR_TRANSPORT_MESSAGE_HEADERS),
  as Outlook does for received mail, plus the properties Outlook derives from
  them: subject, sender and representing sender (name, SMTP), recipients
  (To/Cc), PR_INTERNET_MESSAGE_ID, PR_IN_REPLY_TO_ID, PR_INTERNET_REFERENCES,
  the submit time, the body as text (PR_BODY) and HTML (PR_HTML), and every
  attachment by value (PR_ATTACH_DATA_BIN, long file name, MIME tag).
  With --no-transport-headers the header block is left out, so a reader must
  rebuild it from the properties.

  --forward-rfc822 FILE and --forward-msg FILE also write the two ways a user
  reports a suspicious mail: a new message from a colleague to the security
  team with the original attached as message/rfc822, or as the .msg file.

  Output is deterministic (fixed dates and boundaries in the forwards).

USAGE
  make-msg.py [--no-transport-headers] [--forward-rfc822 FILE] [--forward-msg FILE] IN.eml OUT.msg
"""
import argparse
import email
import email.policy
import email.utils
import struct
import sys
from email.mime.application import MIMEApplication
from email.mime.message import MIMEMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

import gi

gi.require_version("Gsf", "1")
from gi.repository import Gsf  # noqa: E402

PT_LONG, PT_BOOLEAN, PT_SYSTIME, PT_UNICODE, PT_BINARY = 0x0003, 0x000B, 0x0040, 0x001F, 0x0102


class Props:
    """One property storage: fixed values go to __properties_version1.0, the rest to substg streams."""

    def __init__(self):
        self.items = []  # (id, type, value)

    def add(self, pid, ptype, value):
        if value is None or value == "" or value == b"":
            return
        self.items.append((pid, ptype, value))

    def write(self, storage, header):
        entries = bytearray(header)
        for pid, ptype, value in self.items:
            tag = (pid << 16) | ptype
            if ptype in (PT_LONG, PT_BOOLEAN):
                entries += struct.pack("<IIQ", tag, 6, value)
            elif ptype == PT_SYSTIME:
                entries += struct.pack("<IIQ", tag, 6, value)
            else:
                data = (value.encode("utf-16-le") + b"\0\0") if ptype == PT_UNICODE else value
                entries += struct.pack("<IIII", tag, 6, len(data), 0)
                put_stream(storage, "__substg1.0_%08X" % tag, data)
        put_stream(storage, "__properties_version1.0", bytes(entries))


def put_stream(storage, name, data):
    child = storage.new_child(name, False)
    if data:
        child.write(data)
    child.close()


def filetime(date_header):
    if not date_header:
        return 0
    t = email.utils.parsedate_to_datetime(date_header).timestamp()
    return int((t + 11644473600) * 10_000_000)


def addresses(msg, field):
    return email.utils.getaddresses(msg.get_all(field, []))


def header_block(raw: bytes) -> str:
    end = raw.find(b"\r\n\r\n")
    end = raw.find(b"\n\n") if end < 0 else end
    return raw[: end if end >= 0 else len(raw)].decode("utf-8", "replace").replace("\r\n", "\n") + "\n"


def bodies(msg):
    text = html = None
    atts = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        ctype = part.get_content_type()
        disp = part.get_content_disposition()
        if ctype == "text/plain" and disp != "attachment" and text is None:
            text = part.get_content()
        elif ctype == "text/html" and disp != "attachment" and html is None:
            html = part.get_content()
        else:
            atts.append((part.get_filename() or "attachment", ctype, part.get_payload(decode=True) or b""))
    return text, html, atts


def write_msg(eml: bytes, out_path: str, transport_headers=True):
    msg = email.message_from_bytes(eml, policy=email.policy.default)
    text, html, atts = bodies(msg)
    frm = addresses(msg, "From")
    name, addr = frm[0] if frm else ("", "")
    recips = [(n, a, 1) for n, a in addresses(msg, "To")] + [(n, a, 2) for n, a in addresses(msg, "Cc")]

    out = Gsf.OutputStdio.new(out_path)
    root = Gsf.OutfileMSOle.new(out)
    p = Props()
    p.add(0x001A, PT_UNICODE, "IPM.Note")
    p.add(0x0037, PT_UNICODE, str(msg.get("Subject", "")))
    p.add(0x0039, PT_SYSTIME, filetime(msg.get("Date")))
    p.add(0x0E06, PT_SYSTIME, filetime(msg.get("Date")))
    p.add(0x0E07, PT_LONG, 1)  # MSGFLAG_READ
    for base in (0x0C1A, 0x0042):  # sender, sent representing: name, addrtype, email
        p.add(base, PT_UNICODE, name)
    p.add(0x0C1E, PT_UNICODE, "SMTP")
    p.add(0x0C1F, PT_UNICODE, addr)
    p.add(0x5D01, PT_UNICODE, addr)
    p.add(0x0064, PT_UNICODE, "SMTP")
    p.add(0x0065, PT_UNICODE, addr)
    p.add(0x5D02, PT_UNICODE, addr)
    p.add(0x0E04, PT_UNICODE, "; ".join(n or a for n, a, t in recips if t == 1))
    p.add(0x1035, PT_UNICODE, msg.get("Message-ID", "").strip())
    p.add(0x1042, PT_UNICODE, msg.get("In-Reply-To", "").strip())
    p.add(0x1039, PT_UNICODE, " ".join(msg.get("References", "").split()))
    p.add(0x1000, PT_UNICODE, text)
    if html is not None:
        p.add(0x1013, PT_BINARY, html.encode("utf-8"))
    p.add(0x3FDE, PT_LONG, 65001)
    if transport_headers:
        p.add(0x007D, PT_UNICODE, header_block(eml))
    p.write(root, struct.pack("<QIIIIQ", 0, len(recips), len(atts), len(recips), len(atts), 0))

    for i, (rname, raddr, rtype) in enumerate(recips):
        st = root.new_child("__recip_version1.0_#%08X" % i, True)
        rp = Props()
        rp.add(0x0C15, PT_LONG, rtype)
        rp.add(0x3000, PT_LONG, i)  # PR_ROWID
        rp.add(0x3001, PT_UNICODE, rname or raddr)
        rp.add(0x3002, PT_UNICODE, "SMTP")
        rp.add(0x3003, PT_UNICODE, raddr)
        rp.add(0x39FE, PT_UNICODE, raddr)
        rp.write(st, bytes(8))
        st.close()
    for i, (fname, ctype, data) in enumerate(atts):
        st = root.new_child("__attach_version1.0_#%08X" % i, True)
        ap = Props()
        ap.add(0x3705, PT_LONG, 1)  # ATTACH_BY_VALUE
        ap.add(0x0E21, PT_LONG, i)  # PR_ATTACH_NUM
        ap.add(0x3707, PT_UNICODE, fname)
        ap.add(0x3704, PT_UNICODE, fname[:12])
        ap.add(0x3001, PT_UNICODE, fname)
        ap.add(0x370E, PT_UNICODE, ctype)
        ap.add(0x3701, PT_BINARY, data)
        ap.write(st, bytes(8))
        st.close()
    nameid = root.new_child("__nameid_version1.0", True)
    for tag in ("00020102", "00030102", "00040102"):
        put_stream(nameid, "__substg1.0_" + tag, b"")
    nameid.close()
    root.close()  # closes the file too


def forward(original_eml: bytes, attachment, subject_suffix: str):
    orig = email.message_from_bytes(original_eml, policy=email.policy.default)
    m = MIMEMultipart(boundary="=_replyguard_forward_boundary")
    m["From"] = "Sato Hanako <sato@sakura-shoji.example>"
    m["To"] = "security@sakura-shoji.example"
    m["Subject"] = "FW: " + str(orig.get("Subject", "")) + subject_suffix
    m["Date"] = "Tue, 07 Apr 2026 09:30:00 +0900"
    m["Message-ID"] = "<forward-%s@sakura-shoji.example>" % subject_suffix.strip(" ()") .replace(" ", "-")
    m.attach(MIMEText("This mail looks strange. Please check the attached message.\n", "plain", "utf-8"))
    m.attach(attachment)
    return m.as_bytes()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--no-transport-headers", action="store_true")
    ap.add_argument("--forward-rfc822")
    ap.add_argument("--forward-msg")
    ap.add_argument("eml")
    ap.add_argument("msg")
    a = ap.parse_args()
    eml = open(a.eml, "rb").read()
    write_msg(eml, a.msg, transport_headers=not a.no_transport_headers)
    if a.forward_rfc822:
        part = MIMEMessage(email.message_from_bytes(eml))
        part.add_header("Content-Disposition", "attachment", filename="original.eml")
        open(a.forward_rfc822, "wb").write(forward(eml, part, " (rfc822)"))
    if a.forward_msg:
        part = MIMEApplication(open(a.msg, "rb").read(), "vnd.ms-outlook")
        part.add_header("Content-Disposition", "attachment", filename="original.msg")
        open(a.forward_msg, "wb").write(forward(eml, part, " (msg)"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
