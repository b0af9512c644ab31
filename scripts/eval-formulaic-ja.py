#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""eval-formulaic-ja.py - false alarms on formulaic Japanese business mail with common names

DESCRIPTION
  Japanese business mail shares most of its words across unrelated threads
  (いつもお世話になっております … 引き続きよろしくお願いいたします), its
  subjects (お見積りの件, 請求書送付のお願い) and its full names (田中 健 works
  at several companies). This script generates such mail with our own text
  (nothing from the corpus), learns the earlier part of every thread and
  scans the later part, which is all genuine, so every non-clean verdict and
  every finding of group "hijack" is a false alarm. The generated set has:
    - partner organisations whose people draw their names from a small pool of
      common names, so the same full name occurs at two or more organisations
      (and at our own);
    - threads between our staff and a partner person on formulaic subjects;
      replies quote the previous message under Outlook's Japanese block
      (-----元のメッセージ----- 差出人/送信日時/宛先/件名) or a
      "YYYY年M月D日 … <addr>:" line with '>' quoting; about a fifth of the
      replies carry no In-Reply-To/References (mobile and web mailers drop them);
    - in the scan set, besides the thread continuations: first mail from a new
      person who shares a known person's full name at another organisation, on
      a formulaic subject; and "Re:" replies in conversations that began outside
      the learnt mailbox (the subject matches other organisations' threads).
  Mail clients vary as in the corpus: Outlook 16 (Thread-Index, ----=_NextPart_
  boundaries), Becky!, Thunderbird; charsets ISO-2022-JP and UTF-8.

USAGE
  scripts/eval-formulaic-ja.py [--binary build/replyguard] [--orgs 24] [--seed 1]
                               [--out DIR] [--json] [--max-fp N]
  --out keeps the generated mail (learn/, scan/) in DIR; --max-fp makes the exit
  status 1 when more than N scanned messages are not clean (for tests).
"""
import argparse
import datetime
import email.utils
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
from email.header import Header

OUR_DOMAIN = "minato-seiki.co.jp"
OUR_COMPANY = "港精機株式会社"
OUR_STAFF = [("山田", "太郎", "yamada"), ("鈴木", "花子", "suzuki"), ("高橋", "誠", "takahashi")]
# Common surnames and given names: collisions across organisations are the point.
SURNAMES = [("田中", "tanaka"), ("佐藤", "sato"), ("鈴木", "suzuki"), ("高橋", "takahashi"), ("伊藤", "ito"),
            ("渡辺", "watanabe"), ("山本", "yamamoto"), ("中村", "nakamura")]
GIVEN = [("健", "ken"), ("美咲", "misaki"), ("一郎", "ichiro"), ("誠", "makoto"), ("大輔", "daisuke"),
         ("直子", "naoko"), ("翔", "sho"), ("恵", "megumi")]
COMPANY_STEMS = [("北", "kita"), ("東海", "tokai"), ("青葉", "aoba"), ("桜", "sakura"), ("富士", "fuji"),
                 ("三河", "mikawa"), ("浪速", "naniwa"), ("筑紫", "tsukushi"), ("信濃", "shinano"),
                 ("越後", "echigo"), ("瀬戸", "seto"), ("常磐", "joban")]
COMPANY_KINDS = [("商事", "shoji"), ("電機", "denki"), ("工業", "kogyo"), ("物産", "bussan"), ("産業", "sangyo")]
SUBJECTS = ["お見積りの件", "請求書送付のお願い", "打ち合わせ日程のご相談", "納品のご連絡", "発注書送付の件",
            "契約書のご確認", "資料送付の件", "ご挨拶"]
OPENINGS = ["いつもお世話になっております。", "お世話になっております。", "平素より大変お世話になっております。"]
CLOSINGS = ["引き続きよろしくお願いいたします。", "何卒よろしくお願いいたします。",
            "ご確認のほど、よろしくお願いいたします。"]
ITEMS = ["精密ベアリング", "制御基板", "アルミフレーム", "検査治具", "センサーユニット", "ステンレスシャフト",
         "樹脂カバー", "駆動モーター"]
BODIES = [
    "{item}{n}個のお見積りを{m}月{d}日までにお送りいたします。",
    "{m}月分の請求書(合計{amount}円)を送付いたしますので、ご査収ください。",
    "打ち合わせの候補日として{m}月{d}日{h}時からはいかがでしょうか。",
    "ご注文いただいた{item}{n}個は{m}月{d}日に出荷いたしました。",
    "発注書(注文番号 {order})を添付の通りお送りします。",
    "契約書第{n}条の納期について、{m}月{d}日とする案でご確認ください。",
    "先日の{item}の資料を改めてお送りします。ご不明な点はお知らせください。",
    "{item}の件、社内で検討した結果、{n}個で進めたいと考えております。",
    "承知いたしました。{m}月{d}日{h}時に伺います。",
    "ご連絡ありがとうございます。{item}の数量は{n}個で問題ございません。",
]
MAILERS = ["outlook", "outlook", "becky", "thunderbird"]


def jis_or_utf8(rng):
    return "iso-2022-jp" if rng.random() < 0.5 else "utf-8"


def enc(text, charset):
    if text.isascii():
        return text
    return Header(text, charset).encode(maxlinelen=998)


def addr_header(name, addr, charset):
    return f"{enc(name, charset)} <{addr}>" if name else addr


class World:
    def __init__(self, n_orgs, rng):
        self.rng = rng
        self.orgs = []
        used = set()
        for i in range(n_orgs):
            stem = COMPANY_STEMS[i % len(COMPANY_STEMS)]
            kind = COMPANY_KINDS[(i // len(COMPANY_STEMS) + i) % len(COMPANY_KINDS)]
            company = f"{stem[0]}{kind[0]}株式会社"
            domain = f"{stem[1]}-{kind[1]}{i}.co.jp"
            people = []
            for _ in range(rng.choice([2, 3])):
                while True:
                    sn, gn = rng.choice(SURNAMES), rng.choice(GIVEN)
                    if (domain, sn, gn) not in used:
                        used.add((domain, sn, gn))
                        break
                people.append({"name": f"{sn[0]} {gn[0]}", "addr": f"{gn[1]}.{sn[1]}@{domain}", "company": company,
                               "mailer": rng.choice(MAILERS)})
            self.orgs.append({"company": company, "domain": domain, "people": people})
        self.staff = [{"name": f"{s} {g}", "addr": f"{r}@{OUR_DOMAIN}", "company": OUR_COMPANY, "mailer": "outlook"}
                      for s, g, r in OUR_STAFF]

    def body_text(self):
        r = self.rng
        return r.choice(BODIES).format(item=r.choice(ITEMS), n=r.randint(2, 500), m=r.randint(1, 12),
                                       d=r.randint(1, 28), h=r.randint(9, 17), amount=f"{r.randint(10, 9999)},000",
                                       order=f"PO-{r.randint(10000, 99999)}")


def signature(p):
    return f"--\n{p['company']}\n{p['name']}\n{p['addr']}"


def quote(style, prev):
    dt = prev["date"]
    if style == "outlook":
        return (f"\n-----元のメッセージ-----\n差出人: {prev['from']['name']} <{prev['from']['addr']}>\n"
                f"送信日時: {dt.year}年{dt.month}月{dt.day}日 {dt.hour}:{dt.minute:02d}\n"
                f"宛先: {prev['to']['name']} <{prev['to']['addr']}>\n件名: {prev['subject']}\n\n{prev['body']}")
    wd = "月火水木金土日"[dt.weekday()]
    quoted = "\n".join("> " + ln if ln else ">" for ln in prev["body"].splitlines())
    return f"\n{dt.year}年{dt.month}月{dt.day}日({wd}) {dt.hour}:{dt.minute:02d} {prev['from']['name']} <{prev['from']['addr']}>:\n{quoted}\n"


def render(msg, rng):
    """RFC 5322 bytes of one generated message."""
    cs = msg["charset"]
    sender = msg["from"]
    h = [f"From: {addr_header(sender['name'], sender['addr'], cs)}",
         f"To: {addr_header(msg['to']['name'], msg['to']['addr'], cs)}",
         f"Subject: {enc(msg['subject'], cs)}",
         f"Date: {email.utils.format_datetime(msg['date'])}",
         f"Message-ID: <{msg['id']}>"]
    if msg.get("irt"):
        h.append(f"In-Reply-To: <{msg['irt']}>")
    if msg.get("refs"):
        h.append("References: " + " ".join(f"<{r}>" for r in msg["refs"]))
    mailer = sender["mailer"]
    if mailer == "outlook":
        h += ["X-Mailer: Microsoft Outlook 16.0", f"Thread-Index: AQH{rng.getrandbits(120):030x}"[:40]]
    elif mailer == "becky":
        h.append("X-Mailer: Becky! ver. 2.81.04 [ja]")
    else:
        h.append("User-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:115.0) Gecko/20100101 Thunderbird/115.6.0")
    h.append("MIME-Version: 1.0")
    body = msg["text"]
    if cs == "iso-2022-jp":
        h += ['Content-Type: text/plain; charset="iso-2022-jp"', "Content-Transfer-Encoding: 7bit"]
        payload = body.encode("iso-2022-jp", errors="replace").decode("ascii")
    else:
        h += ['Content-Type: text/plain; charset="utf-8"', "Content-Transfer-Encoding: 8bit"]
        payload = body
    return ("\r\n".join(h) + "\r\n\r\n" + payload.replace("\n", "\r\n") + "\r\n").encode("utf-8")


def make_message(world, sender, rcpt, subject, date, prev, headers, style, seq):
    r = world.rng
    body = (f"{rcpt['company']}\n{rcpt['name']}様\n\n{r.choice(OPENINGS)}\n{sender['company']}の"
            f"{sender['name'].split()[0]}です。\n\n{world.body_text()}\n\n{r.choice(CLOSINGS)}\n\n{signature(sender)}")
    domain = sender["addr"].split("@")[1]
    msg = {"from": sender, "to": rcpt, "subject": subject, "date": date, "body": body,
           "id": f"{date.strftime('%Y%m%d%H%M%S')}.{seq:05d}@{domain}", "charset": jis_or_utf8(r)}
    msg["text"] = body + ("\n" + quote(style, prev) if prev else "")
    if prev and headers:
        msg["irt"] = prev["id"]
        msg["refs"] = prev.get("refs", []) + [prev["id"]]
    return msg


def generate(n_orgs, seed, out):
    rng = random.Random(seed)
    world = World(n_orgs, rng)
    learn, scan = [], []
    seq = 0
    tz = datetime.timezone(datetime.timedelta(hours=9))
    start = datetime.datetime(2025, 4, 1, 9, 0, tzinfo=tz)
    for org in world.orgs:
        for person in org["people"]:
            for _ in range(rng.choice([1, 2, 3])):
                staff = rng.choice(world.staff)
                subject = rng.choice(SUBJECTS)
                date = start + datetime.timedelta(days=rng.randint(0, 300), hours=rng.randint(0, 8),
                                                  minutes=rng.randint(0, 59))
                style = rng.choice(["outlook", "wrote"])
                length = rng.randint(2, 6)
                thread, prev = [], None
                for k in range(length):
                    if prev is None:
                        sender, rcpt = (staff, person) if rng.random() < 0.5 else (person, staff)
                    else:
                        sender, rcpt = prev["to"], prev["from"]
                    subj = subject if prev is None else "RE: " + subject
                    headers = rng.random() >= 0.2
                    seq += 1
                    msg = make_message(world, sender, rcpt, subj, date, prev, headers, style, seq)
                    thread.append(msg)
                    prev = msg
                    date += datetime.timedelta(hours=rng.randint(1, 72))
                cut = max(1, round(len(thread) * 0.6))
                learn += thread[:cut]
                scan += [dict(m, kind="continuation") for m in thread[cut:]]
    # New people whose full name is a known person's at another organisation, first mail on a
    # formulaic subject; and replies in conversations that began outside the learnt mailbox.
    known = [(p, o) for o in world.orgs for p in o["people"]]
    for i, (twin, org) in enumerate(known):
        if i % 2:
            continue
        other = world.orgs[(world.orgs.index(org) + 5) % len(world.orgs)]
        sn, gn = twin["name"].split()
        person = {"name": twin["name"], "addr": f"{twin['addr'].split('@')[0]}@{other['domain']}",
                  "company": other["company"], "mailer": rng.choice(MAILERS)}
        if any(p["addr"] == person["addr"] for p in other["people"]):
            continue
        staff = rng.choice(world.staff)
        date = start + datetime.timedelta(days=330 + rng.randint(0, 20), hours=rng.randint(0, 8))
        seq += 1
        first = make_message(world, person, staff, rng.choice(SUBJECTS), date, None, True, "outlook", seq)
        scan.append(dict(first, kind="namesake_first_mail"))
        # Our staff wrote to the namesake from a mailbox we never learnt; the namesake replies.
        seq += 1
        ours = make_message(world, staff, person, rng.choice(SUBJECTS), date, None, True, "outlook", seq)
        seq += 1
        reply = make_message(world, person, staff, "RE: " + ours["subject"], date + datetime.timedelta(hours=3), ours,
                             rng.random() < 0.5, rng.choice(["outlook", "wrote"]), seq)
        scan.append(dict(reply, kind="namesake_reply_unlearnt_thread"))
    for d in ("learn", "scan"):
        os.makedirs(os.path.join(out, d), exist_ok=True)
    kinds = {}
    for i, m in enumerate(learn):
        with open(os.path.join(out, "learn", f"l{i:05d}.eml"), "wb") as f:
            f.write(render(m, rng))
    for i, m in enumerate(scan):
        name = f"s{i:05d}.eml"
        kinds[name] = m["kind"]
        with open(os.path.join(out, "scan", name), "wb") as f:
            f.write(render(m, rng))
    return {"learn": len(learn), "scan": len(scan), "kinds": kinds, "orgs": n_orgs}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--binary", default="build/replyguard")
    ap.add_argument("--orgs", type=int, default=24)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--max-fp", type=int, default=-1)
    a = ap.parse_args()
    out = a.out or tempfile.mkdtemp(prefix="rg-formulaic-")
    g = generate(a.orgs, a.seed, out)
    db = os.path.join(out, "history.db")
    if os.path.exists(db):
        os.remove(db)
    lr = subprocess.run([a.binary, "learn", "--no-progress", "--db", db, "--org-domain", OUR_DOMAIN,
                         os.path.join(out, "learn")], capture_output=True)
    if lr.returncode != 0:
        sys.exit(f"learn failed: {lr.stderr.decode()[-400:]}")
    sr = subprocess.run([a.binary, "scan", "--no-progress", "--db", db, "--format", "jsonl",
                         os.path.join(out, "scan")], capture_output=True)
    recs = [json.loads(x) for x in sr.stdout.decode().splitlines() if x.strip()]
    per_kind = {}
    fps, hijack = [], []
    for r in recs:
        kind = g["kinds"][os.path.basename(r["source"])]
        k = per_kind.setdefault(kind, {"n": 0, "not_clean": 0, "hijack_finding": 0})
        k["n"] += 1
        ids = [f["id"] for f in r.get("findings", [])]
        if r.get("verdict") != "clean":
            k["not_clean"] += 1
            fps.append({"source": os.path.basename(r["source"]), "kind": kind, "verdict": r["verdict"],
                        "score": r["score"], "findings": ids})
        if any(f.get("group") == "hijack" for f in r.get("findings", [])):
            k["hijack_finding"] += 1
            hijack.append({"source": os.path.basename(r["source"]), "kind": kind, "findings": ids})
    hijack_ids = {}
    for h in hijack:
        for i in h["findings"]:
            hijack_ids[i] = hijack_ids.get(i, 0) + 1
    summary = {"seed": a.seed, "findings_on_hijack_flagged": hijack_ids, "orgs": a.orgs, "learnt": g["learn"], "scanned": len(recs), "per_kind": per_kind,
               "not_clean": len(fps), "fp_rate": round(len(fps) / len(recs), 4) if recs else None,
               "with_hijack_finding": len(hijack), "fps": fps, "hijack_findings": hijack}
    if a.json:
        print(json.dumps(summary, ensure_ascii=False, indent=1))
    else:
        print(f"formulaic Japanese mail, seed {a.seed}: learnt {g['learn']}, scanned {len(recs)} genuine messages")
        for kind, k in per_kind.items():
            print(f"  {kind:32s} n={k['n']:4d}  not clean={k['not_clean']}  hijack finding={k['hijack_finding']}")
        print(f"false positives: {len(fps)}/{len(recs)} ({100 * summary['fp_rate']:.2f}%); "
              f"with a hijack-group finding: {len(hijack)}")
        print("  findings on messages with a hijack-group finding: " +
              ", ".join(f"{k} {v}" for k, v in sorted(hijack_ids.items(), key=lambda kv: -kv[1])))
        for f in fps[:10]:
            print(f"    FP {f['source']} [{f['kind']}] {f['verdict']} {f['score']}: {', '.join(f['findings'])}")
        for f in [h for h in hijack if h["findings"] != ["FAKE_REPLY"]][:10]:
            print(f"    hijack finding {f['source']} [{f['kind']}]: {', '.join(f['findings'])}")
    if not a.out:
        shutil.rmtree(out, ignore_errors=True)
    return 1 if 0 <= a.max_fp < len(fps) else 0


if __name__ == "__main__":
    sys.exit(main())
