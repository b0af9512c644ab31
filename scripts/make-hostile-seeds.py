#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# scripts/make-hostile-seeds.py - issue 12's hostile inputs, small, as fuzz seeds
#
# USAGE
#   scripts/make-hostile-seeds.py [CORPUS_ROOT]   (default fuzz/corpus)
#
# DESCRIPTION
#   Writes one small seed per hostile shape into CORPUS_ROOT/<target>/ (named
#   hostile-*, so a rerun overwrites them): the shapes of the regression tests
#   (tests/unit/attach/hostile_test.cpp, tests/unit/mime/limits_test.cpp,
#   tests/cli/hostile_input.sh) scaled down to kilobytes; the fuzzer grows them.
#   Nothing here comes from real mail. scripts/fuzz-nightly.sh runs this first.
import io
import os
import struct
import sys
import zipfile

root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "fuzz", "corpus")


def put(target, name, data):
    d = os.path.join(root, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "hostile-" + name), "wb") as f:
        f.write(data)


IDENTITY = (b"From: \"Tanaka\" <tanaka@partner.example>\r\nTo: suzuki@sakura-shoji.example\r\n"
            b"Subject: Re: invoice\r\nDate: Tue, 03 Mar 2026 10:00:00 +0900\r\n"
            b"Message-ID: <h1@partner.example>\r\nIn-Reply-To: <o1@sakura-shoji.example>\r\n")

# case 2/8: header flood before From:, one huge header, RFC 2047 flood
flood = b"".join(b"X-Junk-%d: " % i + b"a" * 2000 + b"\r\n" for i in range(12))
put("fuzz_parser", "header-flood.eml", flood + IDENTITY + b"\r\nbody\r\n")
put("fuzz_parser", "rfc2047-flood.eml",
    IDENTITY.replace(b"Subject: Re: invoice", b"Subject: " + b"=?UTF-8?B?44GC?= " * 400) + b"\r\nbody\r\n")
put("fuzz_rfc2047", "unterminated-words", b"=?u?Q?x" * 800)
put("fuzz_rfc2047", "words-no-close-space", b"=?utf-8?B?44GC" * 400 + b" ?=")


def entry(name):
    # A fixed date: the seeds are the same bytes on every run.
    return zipfile.ZipInfo(name, date_time=(2026, 3, 3, 10, 0, 0))


def ooxml(rels):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(entry("[Content_Types].xml"), '<Types><Override PartName="/word/document.xml" '
                   'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
        z.writestr(entry("word/document.xml"), "<w:document/>", zipfile.ZIP_DEFLATED)
        z.writestr(entry("word/_rels/document.xml.rels"), rels, zipfile.ZIP_DEFLATED)
    return buf.getvalue()


# case 1: broken-tag flood, entity flood, relationship flood
put("fuzz_ole", "ooxml-broken-tags.docx", ooxml("<Relationships>" + '<Relationship Target="x" ' * 2000 + "/>"))
put("fuzz_ole", "ooxml-entities.docx", ooxml('<Relationships><Relationship Type="http://x/attachedTemplate" Target="http://e/'
                                             + "&amp;" * 4000 + '" TargetMode="External"/></Relationships>'))
put("fuzz_ole", "ooxml-many-rels.docx", ooxml("<Relationships>" + '<Relationship Id="r" Type="t" Target="a"/>' * 3000
                                              + "</Relationships>"))

# case 3: VBA decompression bomb chunks (dir + module, as fuzz_vba splits its input)
bomb = b"\x01" + (struct.pack("<H", 0xB003) + b"\x02A" + struct.pack("<H", 4092)) * 64
put("fuzz_vba", "ovba-bomb", bomb)

# case 11: zip whose local header name differs from the central directory's
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
    z.writestr(entry("invoice.pdf.js"), "var s = new ActiveXObject('WScript.Shell');")
data = bytearray(buf.getvalue())
assert data[30:44] == b"invoice.pdf.js"
data[30:44] = b"readme_now.txt"
put("fuzz_archive", "zip-name-mismatch.zip", bytes(data))
print(f"hostile seeds written under {root}")
