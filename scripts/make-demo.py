#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""scripts/make-demo.py - write the demo mailbox shipped in demo/

A small fictional organisation, さくら商事 (sakura-shoji.example), with two
partners: 富士工業 (fuji-kogyo.example, Japanese mail in ISO-2022-JP) and
Global Parts (global-parts.example, English). demo/mailbox/ is its history
(sent and received mail, as `replyguard learn` imports it); demo/inbox/ is new
mail: genuine replies, a newsletter, and the reply-chain hijacks that
replyguard exists to stop - a real correspondent's name on an unrelated
compromised account, `RE:` of a real past subject, the real conversation
quoted under Outlook headers, and a payload (a password ZIP whose password is
in the body, a document download link).

Every byte is made here, deterministically (fixed dates, ids and seeds), so
running the script again rewrites identical files. Nothing is taken from
../shared/corpus. Domains use the reserved .example TLD.

    scripts/make-demo.py [OUTDIR]     (default: demo/ beside scripts/)
"""

import base64
import email.utils
import io
import os
import struct
import sys
import zlib
from email.header import Header

ORG = "sakura-shoji.example"

# --- ZipCrypto (PKWARE traditional encryption), for the password ZIP ----------
# The standard library reads but does not write encrypted ZIPs.

def _crc_table():
    t = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ 0xEDB88320 if c & 1 else c >> 1
        t.append(c)
    return t

_CRC = _crc_table()


class _ZipCrypto:
    def __init__(self, password: bytes):
        self.k = [0x12345678, 0x23456789, 0x34567890]
        for b in password:
            self._update(b)

    def _crc(self, c, b):
        return (c >> 8) ^ _CRC[(c ^ b) & 0xFF]

    def _update(self, b):
        k = self.k
        k[0] = self._crc(k[0], b)
        k[1] = (k[1] + (k[0] & 0xFF)) & 0xFFFFFFFF
        k[1] = (k[1] * 134775813 + 1) & 0xFFFFFFFF
        k[2] = self._crc(k[2], k[1] >> 24)

    def encrypt(self, data: bytes) -> bytes:
        out = bytearray()
        for b in data:
            t = (self.k[2] | 2) & 0xFFFF
            c = b ^ (((t * (t ^ 1)) >> 8) & 0xFF)
            self._update(b)
            out.append(c)
        return bytes(out)


def zip_encrypted(members, password: bytes, seed: int) -> bytes:
    """A ZIP whose members are deflated and ZipCrypto-encrypted. members: [(name, bytes)]."""
    out = io.BytesIO()
    central = []
    dos_time, dos_date = (10 << 11) | (30 << 5), ((2026 - 1980) << 9) | (4 << 5) | 12
    for i, (name, data) in enumerate(members):
        fname = name.encode("utf-8")
        crc = zlib.crc32(data) & 0xFFFFFFFF
        comp = zlib.compressobj(9, zlib.DEFLATED, -15)
        deflated = comp.compress(data) + comp.flush()
        # 12-byte encryption header: 11 pseudo-random bytes + the CRC's high byte.
        header = bytes(((seed * 31 + i * 17 + j * 7) & 0xFF) for j in range(11)) + bytes([crc >> 24])
        enc = _ZipCrypto(password).encrypt(header + deflated)
        flags = 0x0001 | 0x0800  # encrypted, UTF-8 names
        offset = out.tell()
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, flags, 8, dos_time, dos_date,
                              crc, len(enc), len(data), len(fname), 0))
        out.write(fname)
        out.write(enc)
        central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, flags, 8, dos_time,
                                   dos_date, crc, len(enc), len(data), len(fname), 0, 0, 0, 0,
                                   0x20, offset) + fname)
    cd_start = out.tell()
    for c in central:
        out.write(c)
    cd_size = out.tell() - cd_start
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), cd_size,
                          cd_start, 0))
    return out.getvalue()


def fake_lnk(target: str) -> bytes:
    """A Windows shortcut header (MS-SHLLINK) pointing at a command line: what 2022
    campaigns put inside password ZIPs. It runs nothing anywhere: it is a few bytes."""
    clsid = bytes.fromhex("0114020000000000c000000000000046")
    header = struct.pack("<I16sIIIQQQIIII", 0x4C, clsid, 0x000000A0, 0x20, 0, 0, 0, 0, 0, 0, 7, 0)
    header += b"\x00" * (76 - len(header))
    args = target.encode("utf-16-le")
    return header + struct.pack("<H", len(target)) + args


# --- mail writing ------------------------------------------------------------

def jis_header(text: str) -> str:
    """RFC 2047 in ISO-2022-JP, as Japanese mailers write it."""
    if all(ord(c) < 128 for c in text):
        return text
    return Header(text, "iso-2022-jp").encode()


def addr(name: str, address: str, japanese: bool) -> str:
    if not name:
        return address
    if japanese and any(ord(c) > 127 for c in name):
        return f"{jis_header(name)} <{address}>"
    return email.utils.formataddr((name, address))


def date(day: int, hour: int, minute: int = 0) -> str:
    # Days of April 2026 in JST.
    import datetime
    dt = datetime.datetime(2026, 4, day, hour, minute, tzinfo=datetime.timezone(datetime.timedelta(hours=9)))
    return email.utils.format_datetime(dt)


class Mail:
    def __init__(self, *, frm, to, subject, body, day, hour, minute=0, msgid, cc=(), in_reply_to=None,
                 references=(), japanese=False, mailer="Microsoft Outlook 16.0", attachments=(),
                 extra_headers=()):
        self.frm, self.to, self.cc = frm, to, cc
        self.subject, self.body = subject, body
        self.day, self.hour, self.minute = day, hour, minute
        self.msgid, self.in_reply_to, self.references = msgid, in_reply_to, references
        self.japanese, self.mailer = japanese, mailer
        self.attachments, self.extra_headers = attachments, extra_headers

    def render(self) -> bytes:
        j = self.japanese
        h = []
        h.append(f"Return-Path: <{self.frm[1]}>")
        h.append(f"Received: from mail.{self.frm[1].split('@')[1]} (mail.{self.frm[1].split('@')[1]} "
                 f"[192.0.2.{10 + self.day}]) by mx.{ORG} with ESMTPS id {self.msgid.split('@')[0][-8:]}; "
                 f"{date(self.day, self.hour, self.minute)}")
        h.append(f"From: {addr(*self.frm, j)}")
        h.append("To: " + ", ".join(addr(n, a, j) for n, a in self.to))
        if self.cc:
            h.append("Cc: " + ", ".join(addr(n, a, j) for n, a in self.cc))
        h.append(f"Subject: {jis_header(self.subject) if j else self.subject}")
        h.append(f"Date: {date(self.day, self.hour, self.minute)}")
        h.append(f"Message-ID: <{self.msgid}>")
        if self.in_reply_to:
            h.append(f"In-Reply-To: <{self.in_reply_to}>")
        if self.references:
            h.append("References: " + " ".join(f"<{r}>" for r in self.references))
        h.append(f"X-Mailer: {self.mailer}")
        h.extend(self.extra_headers)
        h.append("MIME-Version: 1.0")
        charset = "iso-2022-jp" if j else "utf-8"
        if j:
            text = self.body.encode("iso-2022-jp")
            text_part = [f'Content-Type: text/plain; charset="{charset}"', "Content-Transfer-Encoding: 7bit", "",
                         text.decode("ascii")]
        else:
            text_part = [f'Content-Type: text/plain; charset="{charset}"', "Content-Transfer-Encoding: 8bit", "",
                         self.body]
        if not self.attachments:
            lines = h + text_part
        else:
            boundary = f"----=_NextPart_{self.msgid.split('@')[0][-12:]}"
            lines = h + [f'Content-Type: multipart/mixed; boundary="{boundary}"', "",
                         "This is a multi-part message in MIME format.", "", f"--{boundary}"] + text_part
            for name, ctype, data in self.attachments:
                fname = jis_header(name) if j else name
                b64 = base64.encodebytes(data).decode("ascii").rstrip("\n")
                lines += [f"--{boundary}", f'Content-Type: {ctype}; name="{fname}"',
                          "Content-Transfer-Encoding: base64",
                          f'Content-Disposition: attachment; filename="{fname}"', "", b64]
            lines.append(f"--{boundary}--")
        return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def outlook_quote_ja(frm, sent, to, subject, body):
    return ("\n-----Original Message-----\n"
            f"差出人: {frm}\n送信日時: {sent}\n宛先: {to}\n件名: {subject}\n\n{body}")


def outlook_quote_en(frm, sent, to, subject, body):
    return ("\n-----Original Message-----\n"
            f"From: {frm}\nSent: {sent}\nTo: {to}\nSubject: {subject}\n\n{body}")


# --- the story -----------------------------------------------------------------

TANAKA = ("田中 一郎", "tanaka@fuji-kogyo.example")
YAMAMOTO = ("山本 美咲", "yamamoto@fuji-kogyo.example")
SATO = ("佐藤 花子", f"sato@{ORG}")
SUZUKI = ("Kenji Suzuki", f"k.suzuki@{ORG}")
ITO = ("伊藤 健", f"ito@{ORG}")
MILLER = ("John Miller", "j.miller@global-parts.example")
COMPROMISED = "info@kagoshima-dental.example"   # a stolen account, unrelated to the thread
COMPROMISED2 = "billing@hotel-bluesky.example"

A1_BODY = """佐藤様

いつもお世話になっております。富士工業の田中です。

4月分の部材について、見積書の送付をお願いできますでしょうか。
数量は前回と同じく、ボルト M8 を 2,000 本、ナット M8 を 2,000 個です。
納期は4月20日を希望しております。

よろしくお願いいたします。

富士工業株式会社 購買部
田中 一郎
"""

A2_BODY = """田中様

お世話になっております。さくら商事の佐藤です。

ご依頼の件、承知いたしました。
4月分の見積書は明日中にお送りいたします。
納期4月20日も問題ございません。

引き続きよろしくお願いいたします。

株式会社さくら商事 営業部
佐藤 花子
"""

A3_BODY = """佐藤様

早速のご対応ありがとうございます。
見積書をお待ちしております。
なお、今回から弊社の山本も CC に入れさせていただきます。

田中
"""

A4_BODY = """佐藤様

見積書、確かに受領いたしました。
社内で確認のうえ、改めてご連絡いたします。

富士工業 山本
"""

B1_BODY = """Hello Kenji,

Could you confirm the shipment schedule for order #4471?
We need the 300 bearings in Rotterdam by May 8.

Best regards,
John Miller
Global Parts Ltd.
"""

B2_BODY = """Hi John,

Thanks for your message. Order #4471 leaves Yokohama on April 22
and should reach Rotterdam on May 6.

Kind regards,
Kenji Suzuki
Sakura Shoji Co., Ltd.
"""

C1_BODY = """伊藤さん

来週の定例会議の資料を共有します。
火曜日 10:00 から第2会議室です。

佐藤
"""


def history():
    a1 = Mail(frm=TANAKA, to=[SATO], subject="見積書送付のお願い (4月分)", body=A1_BODY, day=1, hour=9, minute=12,
              msgid="20260401091200.A1F3@fuji-kogyo.example", japanese=True)
    a2 = Mail(frm=SATO, to=[TANAKA], subject="RE: 見積書送付のお願い (4月分)",
              body=A2_BODY + outlook_quote_ja("田中 一郎 <tanaka@fuji-kogyo.example>", "2026年4月1日 9:12",
                                              "佐藤 花子 <sato@sakura-shoji.example>", "見積書送付のお願い (4月分)",
                                              A1_BODY),
              day=1, hour=11, minute=40, msgid="000a01dcc1a2$5b3c2d10$sakura@sakura-shoji.example",
              in_reply_to=a1.msgid, references=[a1.msgid], japanese=True)
    a3 = Mail(frm=TANAKA, to=[SATO], cc=[YAMAMOTO], subject="RE: 見積書送付のお願い (4月分)",
              body=A3_BODY + outlook_quote_ja("佐藤 花子 <sato@sakura-shoji.example>", "2026年4月1日 11:40",
                                              "田中 一郎 <tanaka@fuji-kogyo.example>",
                                              "RE: 見積書送付のお願い (4月分)", A2_BODY),
              day=1, hour=13, minute=5, msgid="20260401130500.C7D2@fuji-kogyo.example",
              in_reply_to=a2.msgid, references=[a1.msgid, a2.msgid], japanese=True)
    a4 = Mail(frm=YAMAMOTO, to=[SATO], cc=[TANAKA], subject="RE: 見積書送付のお願い (4月分)",
              body=A4_BODY, day=3, hour=10, minute=2, msgid="20260403100200.E1B9@fuji-kogyo.example",
              in_reply_to=a3.msgid, references=[a1.msgid, a2.msgid, a3.msgid], japanese=True)
    b1 = Mail(frm=MILLER, to=[SUZUKI], subject="Shipment schedule for order #4471", body=B1_BODY, day=2,
              hour=17, msgid="CAF=4471.b1@mail.global-parts.example", mailer="Microsoft Outlook 16.0")
    b2 = Mail(frm=SUZUKI, to=[MILLER], subject="RE: Shipment schedule for order #4471",
              body=B2_BODY + outlook_quote_en("John Miller <j.miller@global-parts.example>",
                                              "Thursday, April 2, 2026 5:00 PM", "Kenji Suzuki",
                                              "Shipment schedule for order #4471", B1_BODY),
              day=3, hour=9, minute=30, msgid="000b01dcc2b3$aa11bb22$sakura@sakura-shoji.example",
              in_reply_to=b1.msgid, references=[b1.msgid])
    c1 = Mail(frm=SATO, to=[ITO], subject="定例会議の資料", body=C1_BODY, day=4, hour=15,
              msgid="000c01dcc3c4$0f0e0d0c$sakura@sakura-shoji.example", japanese=True)
    return {"a1": a1, "a2": a2, "a3": a3, "a4": a4, "b1": b1, "b2": b2, "c1": c1}


def inbox(h):
    mails = {}
    # 1. A genuine follow-up in thread A, from a real participant: clean.
    mails["01-genuine-reply-ja.eml"] = Mail(
        frm=TANAKA, to=[SATO], cc=[YAMAMOTO], subject="RE: 見積書送付のお願い (4月分)",
        body="佐藤様\n\n社内承認が下りましたので、正式に発注いたします。\n注文書は別途郵送いたします。\n\n田中\n"
        + outlook_quote_ja("山本 美咲 <yamamoto@fuji-kogyo.example>", "2026年4月3日 10:02",
                           "佐藤 花子 <sato@sakura-shoji.example>", "RE: 見積書送付のお願い (4月分)", A4_BODY),
        day=8, hour=9, msgid="20260408090000.F2A1@fuji-kogyo.example", in_reply_to=h["a4"].msgid,
        references=[h["a1"].msgid, h["a2"].msgid, h["a3"].msgid, h["a4"].msgid], japanese=True)

    # 2. 返信型Emotet, 2020 style: Tanaka's name on a stolen, unrelated account,
    #    the real thread quoted, a password ZIP with the password in the body.
    payload = zip_encrypted([("見積書_0412.pdf.lnk",
                              fake_lnk("/c powershell -w hidden -enc ZQBjAGgAbwAgAGQAZQBtAG8A"))],
                            b"Qx7pLm2k", seed=2)
    mails["02-hijack-ja-password-zip.eml"] = Mail(
        frm=(TANAKA[0], COMPROMISED), to=[SATO], subject="RE: 見積書送付のお願い (4月分)",
        body="佐藤様\n\nお世話になっております。\n修正した見積書を添付いたします。ご確認ください。\n\n"
             "添付ファイルのパスワード：Qx7pLm2k\n\n田中\n"
             + outlook_quote_ja("佐藤 花子 <sato@sakura-shoji.example>", "2026年4月1日 11:40",
                                "田中 一郎 <tanaka@fuji-kogyo.example>", "RE: 見積書送付のお願い (4月分)",
                                A2_BODY),
        day=12, hour=7, minute=48, msgid="8f2c1e0a9b7d4c3e@kagoshima-dental.example",
        in_reply_to=h["a2"].msgid, references=[h["a1"].msgid, h["a2"].msgid], japanese=True,
        attachments=[("見積書_0412.zip", "application/zip", payload)])

    # 3. Hijack in English: the real address written inside the display name, no
    #    threading headers, the stolen text quoted, a document download link.
    mails["03-hijack-en-download-link.eml"] = Mail(
        frm=("John Miller <j.miller@global-parts.example>", COMPROMISED2), to=[SUZUKI],
        subject="RE: Shipment schedule for order #4471",
        body="Hi Kenji,\n\nPlease see the updated shipping documents and invoice below:\n\n"
             "https://hotel-bluesky.example/wp-content/uploads/2026/04/Invoice_4471.doc\n\n"
             "Best regards,\nJohn\n"
             + outlook_quote_en("Kenji Suzuki <k.suzuki@sakura-shoji.example>", "Friday, April 3, 2026 9:30 AM",
                                "John Miller", "RE: Shipment schedule for order #4471", B2_BODY),
        day=13, hour=2, minute=17, msgid="20260413021700.77aa@hotel-bluesky.example",
        mailer="Microsoft Outlook 16.0")

    # 4. A genuine reply in thread B from the real John Miller: clean.
    mails["04-genuine-reply-en.eml"] = Mail(
        frm=MILLER, to=[SUZUKI], subject="RE: Shipment schedule for order #4471",
        body="Hi Kenji,\n\nPerfect, thank you. May 6 works for us.\n\nJohn\n"
             + outlook_quote_en("Kenji Suzuki <k.suzuki@sakura-shoji.example>", "Friday, April 3, 2026 9:30 AM",
                                "John Miller", "RE: Shipment schedule for order #4471", B2_BODY),
        day=6, hour=16, msgid="CAF=4471.b3@mail.global-parts.example", in_reply_to=h["b2"].msgid,
        references=[h["b1"].msgid, h["b2"].msgid])

    # 5. A newsletter: first contact, no reply prefix, clean.
    mails["05-newsletter.eml"] = Mail(
        frm=("展示会事務局", "news@expo-tokyo.example"), to=[SATO], subject="【ご案内】第12回 ものづくり展 2026",
        body="佐藤 花子 様\n\n第12回 ものづくり展の事前登録を開始しました。\n"
             "https://expo-tokyo.example/2026/register\n\n配信停止: https://expo-tokyo.example/unsubscribe\n",
        day=9, hour=12, msgid="news-2026-04-09@expo-tokyo.example", japanese=True,
        extra_headers=["List-Unsubscribe: <https://expo-tokyo.example/unsubscribe>", "Precedence: bulk"])

    # 6. A fake reply from a stranger: reply prefix, no threading, a ZIP attachment.
    mails["06-fake-reply-stranger.eml"] = Mail(
        frm=("経理部", "keiri@sakura-shoji-co.example"), to=[ITO], subject="Re: 請求書の件",
        body="伊藤様\n\n先日の請求書の件、添付をご確認ください。\nパスワードは別途お送りします。\n",
        day=14, hour=6, msgid="b1c2d3e4f5@sakura-shoji-co.example", japanese=True,
        attachments=[("請求書.zip", "application/zip",
                      zip_encrypted([("請求書.xls.js", b"var s=WScript.CreateObject('WScript.Shell');\r\n")],
                                    b"8812", seed=6))])
    # 7. The follow-up that PPAP habit (and Emotet copying it) sends: the password.
    mails["07-password-followup.eml"] = Mail(
        frm=("経理部", "keiri@sakura-shoji-co.example"), to=[ITO], subject="【パスワード】Re: 請求書の件",
        body="伊藤様\n\n先ほどお送りした添付ファイルのパスワードをお知らせします。\n\nパスワード：8812\n",
        day=14, hour=6, minute=2, msgid="b1c2d3e4f6@sakura-shoji-co.example", japanese=True)
    return mails


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                             "..", "demo")
    h = history()
    os.makedirs(os.path.join(out, "mailbox"), exist_ok=True)
    os.makedirs(os.path.join(out, "inbox"), exist_ok=True)
    names = {"a1": "2026-04-01-a1-received.eml", "a2": "2026-04-01-a2-sent.eml", "a3": "2026-04-01-a3-received.eml",
             "a4": "2026-04-03-a4-received.eml", "b1": "2026-04-02-b1-received.eml", "b2": "2026-04-03-b2-sent.eml",
             "c1": "2026-04-04-c1-sent.eml"}
    for key, mail in h.items():
        with open(os.path.join(out, "mailbox", names[key]), "wb") as f:
            f.write(mail.render())
    for name, mail in inbox(h).items():
        with open(os.path.join(out, "inbox", name), "wb") as f:
            f.write(mail.render())
    print(f"make-demo: wrote {len(h)} history messages to {out}/mailbox and {len(inbox(h))} to {out}/inbox")


if __name__ == "__main__":
    main()
