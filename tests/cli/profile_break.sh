#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/cli/profile_break.sh - a bot writing from the partner's REAL address is caught by its profile
#
#   profile_break.sh BINARY CORPUS_DIR
#
# The demo mailbox plus six more mails of tanaka@fuji-kogyo.example made the way its
# other mails are (Outlook 16, ISO-2022-JP, Japan time, handed over by
# mail.fuji-kogyo.example, office hours) are learnt. Then, from that same real address,
# replying in the real thread: a bot-made reply (no X-Mailer, its own Message-ID
# domain and relay, 02:14) with a ZIP link must be malicious with HIJACK_PROFILE_BREAK;
# tanaka's genuine reply must be clean, and with the same link must not be called a
# profile break (the link alone is the payload finding's business).
set -u
bin=$1
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
[ -n "${KEEP:-}" ] || trap 'rm -rf "$tmp"' EXIT; [ -n "${KEEP:-}" ] && echo "kept $tmp"
. "$(dirname "$0")/../support/checks.sh"  # check, py, checks_summary

/usr/bin/python3 - "$tmp" <<'PY'
import sys, os
from email.message import EmailMessage
from email.header import Header
from email import policy
out = sys.argv[1]
os.makedirs(f"{out}/more"); os.makedirs(f"{out}/inbox")
body = ("佐藤様\n\nいつもお世話になっております。富士工業の田中です。\n\n"
        "{}\n\nよろしくお願いいたします。\n\n富士工業株式会社 購買部\n田中 一郎\n")
lines = ["先日の納品分、検品が完了いたしました。", "来月の発注予定をお送りいたします。",
         "図面の改訂版を確認いたしました。", "打合せの日程につきまして、水曜日でお願いできますでしょうか。",
         "請求書の件、経理に回しました。", "サンプルを受領いたしました。ありがとうございます。",
         "納期について承知いたしました。"]

def mail(path, *, mid, date, subject, text, mailer="Microsoft Outlook 16.0", relay="mail.fuji-kogyo.example [192.0.2.11]",
         irt=None, extra=None, charset="iso-2022-jp"):
    raw = []
    raw.append(f"Received: from {relay.split()[0]} ({relay}) by mx.sakura-shoji.example with ESMTPS; {date}")
    raw.append("From: " + Header("田中 一郎", charset).encode() + " <tanaka@fuji-kogyo.example>")
    raw.append("To: " + Header("佐藤 花子", charset).encode() + " <sato@sakura-shoji.example>")
    raw.append("Subject: " + Header(subject, charset).encode())
    raw.append(f"Date: {date}")
    raw.append(f"Message-ID: <{mid}>")
    if irt: raw += [f"In-Reply-To: <{irt}>", f"References: <{irt}>"]
    if mailer: raw.append(f"X-Mailer: {mailer}")
    if extra: raw += extra
    raw += ["MIME-Version: 1.0", f'Content-Type: text/plain; charset="{charset}"',
            "Content-Transfer-Encoding: " + ("7bit" if charset == "iso-2022-jp" else "8bit"), ""]
    data = ("\r\n".join(raw) + "\r\n").encode() + text.replace("\n", "\r\n").encode(charset)
    open(path, "wb").write(data)

for i, l in enumerate(lines[:6]):
    h = 9 + (i * 2) % 9
    mail(f"{out}/more/t{i}.eml", mid=f"2026031{i}{h:02}1500.B{i}F2@fuji-kogyo.example",
         date=f"Tue, 1{i} Mar 2026 {h:02}:15:00 +0900", subject=f"部材の件 {i}", text=body.format(l))

# The thread of the demo: our reply a2 to tanaka's a1.
thread = "000a01dcc1a2$5b3c2d10$sakura@sakura-shoji.example"
subject = "RE: 見積書送付のお願い (4月分)"
genuine = dict(mid="20260406101500.C9E1@fuji-kogyo.example", date="Mon, 06 Apr 2026 10:15:00 +0900",
               subject=subject, text=body.format(lines[6]), irt=thread)
mail(f"{out}/inbox/genuine.eml", **genuine)
link = "\nhttps://cdn-share.vps-4411.example/d/Mitsumori_0406.zip\n"
mail(f"{out}/inbox/genuine-link.eml", **dict(genuine, mid="20260406101600.C9E2@fuji-kogyo.example",
                                               text=body.format(lines[6]) + link))
mail(f"{out}/inbox/bot.eml", mid="5f1c2e7a9b3d4c6e8f0a1b2c3d4e5f60@vps-4411.example",
     date="Tue, 07 Apr 2026 02:14:00 +0900", subject=subject, text="ご確認ください。" + link, mailer=None,
     relay="vps-4411.example [198.51.100.44]", irt=thread, charset="utf-8")
PY

# --org-domain last: the option takes every value that follows it (CLI11 vector option)
"$bin" learn --db "$tmp/h.db" "$root/demo/mailbox" "$tmp/more" --org-domain sakura-shoji.example 2>"$tmp/learn.err"
check "learn exits 0" test $? -eq 0
"$bin" scan --db "$tmp/h.db" --config "$root/demo/replyguard.toml" --format jsonl "$tmp/inbox" >"$tmp/scan.jsonl"
check "scan exits 1 (the bot is caught)" test $? -eq 1
check "verdicts and evidence" /usr/bin/python3 - "$tmp/scan.jsonl" <<'PY'
import json, sys
recs = {r["source"].rsplit("/", 1)[-1]: r for r in map(json.loads, open(sys.argv[1]))}
def f(name, id):
    return next((x for x in recs[name]["findings"] if x["id"] == id), None)
ok = True
def expect(cond, what):
    global ok
    if not cond:
        print("  not:", what); ok = False
expect(recs["bot.eml"]["verdict"] == "malicious", "bot.eml malicious: %s" % recs["bot.eml"]["verdict"])
pb = f("bot.eml", "HIJACK_PROFILE_BREAK")
expect(pb is not None, "bot.eml has HIJACK_PROFILE_BREAK: %s" % [x["id"] for x in recs["bot.eml"]["findings"]])
if pb:
    expect("microsoft outlook 16" in pb["detail"] and "fuji-kogyo.example" in pb["detail"], "words: " + pb["detail"])
expect(f("bot.eml", "GENUINE_REPLY") is None, "no GENUINE_REPLY on the bot")
expect(recs["genuine.eml"]["verdict"] == "clean", "genuine.eml clean")
expect(f("genuine.eml", "GENUINE_REPLY") is not None, "genuine.eml is a GENUINE_REPLY")
expect(f("genuine-link.eml", "HIJACK_PROFILE_BREAK") is None, "genuine-link.eml is no profile break")
sys.exit(0 if ok else 1)
PY

checks_summary "profile_break.sh"
