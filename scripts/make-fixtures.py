#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""make-fixtures.py - build the password-ZIP test mails for the attachment tests.

DESCRIPTION
  Writes .eml files that look like 返信型Emotet's 2020 wave: a reply whose body
  gives the password of a ZipCrypto-encrypted ZIP holding a macro document. The
  macro documents are taken from the shared corpus at build time (never copied
  into the repository); the ZIP is built here, ZipCrypto included (PKWARE
  APPNOTE 6.1), so the fixtures need nothing but the Python 3 standard library.
  Output is deterministic: fixed dates, boundaries and ZipCrypto header bytes
  derived from the content, so two runs give identical files.

  Also writes fixtures.json: for each mail, the password, the member name and the
  corpus file it holds, so tests can check what they find against the source.

USAGE
  make-fixtures.py [--corpus DIR] OUTDIR
"""
import argparse
import base64
import hashlib
import json
import os
import struct
import sys
import zlib

# DOS date/time of 2020-11-02 10:15:00, fixed for determinism.
DOS_TIME = (10 << 11) | (15 << 5)
DOS_DATE = ((2020 - 1980) << 9) | (11 << 5) | 2

CRC_TABLE = []
for n in range(256):
    c = n
    for _ in range(8):
        c = (c >> 1) ^ 0xEDB88320 if c & 1 else c >> 1
    CRC_TABLE.append(c)


class ZipCrypto:
    """Traditional PKWARE encryption (APPNOTE 6.1.5-6.1.6)."""

    def __init__(self, password: bytes):
        self.k0, self.k1, self.k2 = 0x12345678, 0x23456789, 0x34567890
        for b in password:
            self._update(b)

    def _crc(self, crc, b):
        return CRC_TABLE[(crc ^ b) & 0xFF] ^ (crc >> 8)

    def _update(self, b):
        self.k0 = self._crc(self.k0, b)
        self.k1 = ((self.k1 + (self.k0 & 0xFF)) * 134775813 + 1) & 0xFFFFFFFF
        self.k2 = self._crc(self.k2, self.k1 >> 24)

    def encrypt(self, data: bytes) -> bytes:
        out = bytearray(len(data))
        for i, p in enumerate(data):
            t = (self.k2 | 2) & 0xFFFF
            out[i] = p ^ (((t * (t ^ 1)) >> 8) & 0xFF)
            self._update(p)
        return bytes(out)


def make_zip(members, password: bytes) -> bytes:
    """members: list of (name, data, method) with method 0 (stored) or 8 (deflate)."""
    local = bytearray()
    central = bytearray()
    for name, data, method in members:
        name_b = name.encode("utf-8")
        crc = zlib.crc32(data) & 0xFFFFFFFF
        if method == 8:
            co = zlib.compressobj(9, zlib.DEFLATED, -15)
            payload = co.compress(data) + co.flush()
        else:
            payload = data
        # 11 "random" header bytes, derived from the content for determinism; the
        # 12th is the CRC's high byte, the check byte readers test the password with.
        seed = hashlib.sha256(password + data).digest()[:11]
        header = seed + bytes([crc >> 24])
        enc = ZipCrypto(password).encrypt(header + payload)
        flags = 0x0001 | 0x0800  # encrypted, UTF-8 name
        offset = len(local)
        local += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, flags, method, DOS_TIME, DOS_DATE,
                             crc, len(enc), len(data), len(name_b), 0)
        local += name_b + enc
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, flags, method, DOS_TIME,
                               DOS_DATE, crc, len(enc), len(data), len(name_b), 0, 0, 0, 0, 0x20, offset)
        central += name_b
    eocd = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(central),
                       len(local), 0)
    return bytes(local + central + eocd)


def b64_lines(data: bytes) -> str:
    s = base64.b64encode(data).decode("ascii")
    return "\r\n".join(s[i:i + 76] for i in range(0, len(s), 76))


def rfc2047(text: str) -> str:
    return "=?UTF-8?B?" + base64.b64encode(text.encode("utf-8")).decode("ascii") + "?="


def make_mail(*, subject, from_, to, msgid, in_reply_to, body, zip_name, zip_bytes, boundary) -> bytes:
    lines = [
        "Return-Path: <" + from_[1] + ">",
        "Date: Mon, 02 Nov 2020 10:20:00 +0900",
        "From: " + (rfc2047(from_[0]) if not from_[0].isascii() else '"' + from_[0] + '"') + " <" + from_[1] + ">",
        "To: " + to,
        "Subject: " + (rfc2047(subject) if not subject.isascii() else subject),
        "Message-ID: <" + msgid + ">",
        "In-Reply-To: <" + in_reply_to + ">",
        "References: <" + in_reply_to + ">",
        "MIME-Version: 1.0",
        'Content-Type: multipart/mixed; boundary="' + boundary + '"',
        "",
        "--" + boundary,
        "Content-Type: text/plain; charset=UTF-8",
        "Content-Transfer-Encoding: base64",
        "",
        b64_lines(body.replace("\n", "\r\n").encode("utf-8")),
        "",
        "--" + boundary,
        'Content-Type: application/zip; name="' + zip_name + '"',
        'Content-Disposition: attachment; filename="' + zip_name + '"',
        "Content-Transfer-Encoding: base64",
        "",
        b64_lines(zip_bytes),
        "",
        "--" + boundary + "--",
        "",
    ]
    return "\r\n".join(lines).encode("ascii")


BODY_JA = """株式会社サンプル
営業部 佐藤様

いつもお世話になっております。
ご依頼の見積書を送付いたします。
添付ファイルはパスワード付きZIPにて送付いたします。

解凍パスワード：{pw}

ご確認のほど、よろしくお願いいたします。

-----Original Message-----
From: 佐藤 花子 <hanako.sato@example.co.jp>
Sent: Friday, October 30, 2020 5:02 PM
To: 山田 太郎 <taro.yamada@example.jp>
Subject: 見積書の件

山田様

見積書の送付をお願いできますでしょうか。
"""

BODY_JA_NEXTLINE = """お疲れ様です。
請求書を添付いたしますのでご確認ください。

パスワードは以下の通りです。

{pw_fullwidth}

以上、よろしくお願いいたします。
"""

BODY_EN = """Hi Mark,

Please find the updated invoice attached, as discussed.
The password for the attachment is: {pw}

Best regards,
Linda

-----Original Message-----
From: Mark Jones <mark.jones@example.com>
Sent: Thursday, October 29, 2020 9:14 AM
To: Linda Brown <linda.brown@example.org>
Subject: invoice
PW: notthisone

Could you resend the invoice?
"""


def fullwidth(s: str) -> str:
    return "".join(chr(ord(c) - 0x21 + 0xFF01) if "!" <= c <= "~" else c for c in s)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default=os.environ.get("REPLYGUARD_CORPUS_DIR", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "corpus")))
    ap.add_argument("outdir")
    args = ap.parse_args()
    src = os.path.join(args.corpus, "office", "with-macros")
    os.makedirs(args.outdir, exist_ok=True)

    fixtures = [
        dict(file="zip-password-ja.eml", password="Kx7pQ2mZ", member="見積書_20201102.doc",
             source="poi/SimpleMacro.doc", method=8, zip_name="mitsumori_20201102.zip",
             subject="Re: 見積書の件", from_=("山田 太郎", "taro.yamada@compromised.example.net"),
             body=BODY_JA),
        dict(file="zip-password-ja-nextline.eml", password="Ab39xyZ7", member="seikyu.xlsm",
             source="XlsxWriter/macro01.xlsm", method=0, zip_name="seikyu.zip",
             subject="RE: 請求書送付のお願い", from_=("経理部 鈴木", "suzuki@compromised.example.net"),
             body=BODY_JA_NEXTLINE),
        dict(file="zip-password-en.eml", password="inv-2020-7731", member="Invoice_7731.docm",
             source="poi/SimpleMacro.docm", method=8, zip_name="Invoice_7731.zip",
             subject="RE: invoice", from_=("Linda Brown", "lbrown@compromised.example.net"),
             body=BODY_EN),
    ]
    manifest = []
    for i, fx in enumerate(fixtures):
        path = os.path.join(src, fx["source"])
        with open(path, "rb") as f:
            doc = f.read()
        pw = fx["password"]
        body = fx["body"].format(pw=pw, pw_fullwidth=fullwidth(pw))
        zb = make_zip([(fx["member"], doc, fx["method"])], pw.encode("ascii"))
        mail = make_mail(subject=fx["subject"], from_=fx["from_"], to="victim@example.jp",
                         msgid="fixture-%d@replyguard.test" % i, in_reply_to="orig-%d@example.jp" % i,
                         body=body, zip_name=fx["zip_name"], zip_bytes=zb,
                         boundary="----=_replyguard_fixture_%d" % i)
        with open(os.path.join(args.outdir, fx["file"]), "wb") as f:
            f.write(mail)
        manifest.append(dict(file=fx["file"], password=pw, member=fx["member"], source=fx["source"],
                             source_sha256=hashlib.sha256(doc).hexdigest(), zip_name=fx["zip_name"]))
    with open(os.path.join(args.outdir, "fixtures.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, ensure_ascii=False, indent=1)
        f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
