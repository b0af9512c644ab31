# SPDX-License-Identifier: Apache-2.0
# tests/support/hijack_mail.py - the hijack of a real corpus thread and the outbound abuse mail the milter tests send
#
# Imported (PYTHONPATH=tests/support) by tests/cli/redis_sentinel.sh,
# tests/cli/milter_shared_redis.sh and bench/sentinel_failover.sh:
#   hijack_of(thread_dir, text, start="cur__31_2.eml", quote=True, references=True)
#       a reply to START of the corpus thread THREAD_DIR (the notmuch list:
#       Jjgod Jiang's "Mac OS X/Darwin compatibility issues") as a bot sends
#       it: the starter's display name on an unrelated address
#       (office@hijacked-host.example), "Re: " + his subject, In-Reply-To his
#       Message-ID (and References, unless references=False), TEXT, then his
#       text quoted with "> " (unless quote=False). An EmailMessage, so a
#       caller may add an attachment.
#   HIJACK_FROM          the envelope sender that goes with it
#   outbound_mail(to, subject)
#       what sato@sakura-shoji.example's stolen account sends: a reply-like
#       subject, a link to a macro document on an unrelated host (payload)
#   SATO_AUTH            the milter macros of sato's authenticated submission
# Only the corpus is read; nothing is sent from here.
import email
import email.policy
import os
from email.message import EmailMessage
from email.utils import make_msgid, parseaddr

HIJACK_FROM = "office@hijacked-host.example"
SATO_AUTH = {"{auth_authen}": "sato", "{auth_type}": "PLAIN"}


def hijack_of(thread_dir, text, start="cur__31_2.eml", quote=True, references=True):
    with open(os.path.join(thread_dir, start), "rb") as f:
        first = email.message_from_bytes(f.read(), policy=email.policy.default)
    sid = first["Message-ID"].strip()
    h = EmailMessage()
    h["From"] = f"{parseaddr(first['From'])[0]} <{HIJACK_FROM}>"
    h["To"] = first["To"]
    h["Subject"] = "Re: " + first["Subject"]
    h["Date"] = "Fri, 20 Nov 2009 10:00:00 +0800"
    h["Message-ID"] = make_msgid(domain="hijacked-host.example")
    h["In-Reply-To"] = sid
    if references:
        h["References"] = ((first["References"] or "") + " " + sid).strip()
    body = text
    if quote:
        body += "\n" + "\n".join("> " + l for l in first.get_body(("plain",)).get_content().splitlines()) + "\n"
    h.set_content(body)
    return h


def outbound_mail(to, subject):
    m = EmailMessage()
    m["From"] = "佐藤 花子 <sato@sakura-shoji.example>"
    m["To"] = to
    m["Subject"] = subject
    m["Message-ID"] = make_msgid(domain="sakura-shoji.example")
    m["Date"] = "Mon, 13 Apr 2026 09:00:00 +0900"
    m.set_content("ご確認ください。\nhttps://files.unrelated.example/doc/invoice.docm\n")
    return m.as_bytes()
