#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# tests/support/hostile_ooxml.py - issue 12's repeated-entity OOXML, attached to a given mail
#
#   hostile_ooxml.py BASE.eml OUT.eml [DOCS [ENTITIES]]
#
# Writes OUT.eml: BASE.eml (its headers and text kept) with DOCS .docx
# attachments (default 8) whose word/document.xml repeats `&amp;` ENTITIES
# times (default 10,000,000: 50 MB of XML, deflated to about 50 KB each) and
# nothing else (no macro, no external reference: only the cost), the
# shape of issue 12's 22 KB mail that ran for minutes. The documents are the
# same bytes under DOCS names (the analysis keeps no cache between them, and one
# document is built once). Nothing here comes from real mail; the output is
# deterministic.
import email
import email.policy
import io
import sys
import zipfile


def docx(entities):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        def put(name, text):
            z.writestr(zipfile.ZipInfo(name, date_time=(2026, 3, 3, 10, 0, 0)), text, zipfile.ZIP_DEFLATED)
        put("[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Override PartName="/word/document.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
        put("_rels/.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>')
        put("word/document.xml", '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
            'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>' + "&amp;" * entities
            + "</w:t></w:r></w:p></w:body></w:document>")
    return buf.getvalue()


def main():
    base, out = sys.argv[1], sys.argv[2]
    docs = int(sys.argv[3]) if len(sys.argv) > 3 else 8
    entities = int(sys.argv[4]) if len(sys.argv) > 4 else 10_000_000
    with open(base, "rb") as f:
        msg = email.message_from_binary_file(f, policy=email.policy.default)
    if not msg.is_multipart():
        msg.make_mixed()
    doc = docx(entities)
    for n in range(docs):
        msg.add_attachment(doc, maintype="application",
                           subtype="vnd.openxmlformats-officedocument.wordprocessingml.document",
                           filename=f"Invoice_4471_{n}.docx")
    with open(out, "wb") as f:
        f.write(msg.as_bytes(policy=email.policy.SMTP))


if __name__ == "__main__":
    main()
