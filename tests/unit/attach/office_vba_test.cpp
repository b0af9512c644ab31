// SPDX-License-Identifier: Apache-2.0
// office_vba_test.cpp - VBA extraction and keywords over the real corpus (office/with-macros)
#include "office_test_util.hpp"

#include "attach/office_internal.hpp"

#include <utility>

using namespace office_test;
namespace office = replyguard::attach::office;

TEST(OfficeVba, EveryMacroDocumentHasAVbaFinding) {
    const auto files = files_under("with-macros");
    ASSERT_GE(files.size(), 17u) << "corpus missing: " << corpus();
    for (const auto& p : files) {
        const auto o = analyse_file(p);
        EXPECT_TRUE(o.recognised) << rel(p);
        EXPECT_TRUE(o.has("OFFICE_VBA_MACRO")) << rel(p) << " -> " << o.ids();
    }
}

TEST(OfficeVba, ModulesAndSourceAreInDetails) {
    for (const auto& p : files_under("with-macros")) {
        const auto o = analyse_file(p);
        bool found_source = false;
        for (const auto& e : o.rep.details["office"]) {
            if (!e.contains("vba")) continue;
            const auto& vba = e["vba"];
            EXPECT_FALSE(vba["modules"].empty() && !vba.contains("orphans")) << rel(p);
            // MS-OVBA: every module source begins with Attribute VB_Name.
            if (vba["source"].get<std::string>().find("Attribute VB_Name") != std::string::npos) found_source = true;
        }
        EXPECT_TRUE(found_source) << rel(p) << " details: " << o.rep.details.dump().substr(0, 400);
    }
}

TEST(OfficeVba, SimpleMacroDocIsReadFromMacrosStorage) {
    const auto o = analyse_file(corpus() / "office/with-macros/poi/SimpleMacro.doc");
    ASSERT_TRUE(o.has("OFFICE_VBA_MACRO")) << o.ids();
    const auto& e = o.rep.details["office"][0];
    EXPECT_EQ(e["format"], "ole2");
    EXPECT_EQ(e["application"], "word");
    std::vector<std::string> names;
    for (const auto& m : e["vba"]["modules"]) names.push_back(m["name"]);
    EXPECT_NE(std::find(names.begin(), names.end(), "ThisDocument"), names.end());
    EXPECT_NE(std::find(names.begin(), names.end(), "Module1"), names.end());
    EXPECT_EQ(o.rep.kind, "ole2");
}

TEST(OfficeVba, VbaProjectInsideOoxmlIsAnalysedAsNestedOle) {
    const auto o = analyse_file(corpus() / "office/with-macros/poi/SimpleMacro.docm");
    ASSERT_TRUE(o.recognised);
    EXPECT_TRUE(o.has("OFFICE_VBA_MACRO")) << o.ids();
    EXPECT_TRUE(o.has("OFFICE_MACRO_ENABLED_TYPE")) << o.ids();
    bool nested = false;
    for (const auto& e : o.rep.details["office"])
        if (e["path"].get<std::string>().find("vbaProject.bin") != std::string::npos && e.contains("vba"))
            nested = true;
    EXPECT_TRUE(nested) << o.rep.details.dump().substr(0, 600);
}

TEST(OfficeVba, MraptorRuleNeedsAutoexecAndWriteOrExecute) {
    auto k = office::scan_vba_keywords("Sub AutoOpen()\n  x = 1\nEnd Sub\n");
    EXPECT_FALSE(k.autoexec.empty());
    EXPECT_FALSE(k.mraptor_suspicious());
    k = office::scan_vba_keywords("Sub Foo()\n Shell \"calc.exe\", vbHide\nEnd Sub\n");
    EXPECT_TRUE(k.autoexec.empty());
    EXPECT_FALSE(k.mraptor_suspicious());
    k = office::scan_vba_keywords("Sub Document_Open()\n Set o = CreateObject(\"WScript.Shell\")\nEnd Sub\n");
    EXPECT_TRUE(k.mraptor_suspicious());
    k = office::scan_vba_keywords("Private Sub CommandButton1_Click()\n Open f For Binary As #1\nEnd Sub\n");
    EXPECT_TRUE(k.mraptor_suspicious());
    // identifier boundaries: "Shellfish" is not Shell, "AutoOpenX" is not AutoOpen
    k = office::scan_vba_keywords("Sub AutoOpenX()\n Shellfish = 1\nEnd Sub\n");
    EXPECT_TRUE(k.autoexec.empty());
    EXPECT_TRUE(k.exec.empty());
}

TEST(OfficeVba, DecompressesTheMsOvbaSpecExample) {
    // MS-OVBA 3.2.3 example: a compressed container with copy tokens.
    const unsigned char in[] = {0x01, 0x2F, 0xB0, 0x00, 0x23, 0x61, 0x61, 0x61, 0x62, 0x63, 0x64, 0x65, 0x82,
                                0x66, 0x00, 0x70, 0x61, 0x67, 0x68, 0x69, 0x6A, 0x01, 0x38, 0x08, 0x61, 0x6B,
                                0x6C, 0x00, 0x30, 0x6D, 0x6E, 0x6F, 0x70, 0x06, 0x71, 0x02, 0x70, 0x04, 0x10,
                                0x72, 0x73, 0x74, 0x75, 0x76, 0x10, 0x77, 0x78, 0x79, 0x7A, 0x00, 0x3C};
    const auto out = office::ovba_decompress({in, sizeof in}, 1 << 20);
    ASSERT_TRUE(out.has_value());
    EXPECT_EQ(*out, "#aaabcdefaaaaghijaaaaaklaaamnopqaaaaaaaaaaaarstuvwxyzaaa");
}

TEST(OfficeVba, DecompressionIsBoundedAndRejectsGarbage) {
    EXPECT_FALSE(office::ovba_decompress({}, 100).has_value());
    const unsigned char bad[] = {0x02, 0x00, 0x00};
    EXPECT_FALSE(office::ovba_decompress({bad, sizeof bad}, 100).has_value());
    // one chunk that copies far back: offset beyond what was produced must not read out of bounds
    const unsigned char back[] = {0x01, 0x03, 0xB0, 0x01, 0xFF, 0xFF};
    const auto r = office::ovba_decompress({back, sizeof back}, 100);
    EXPECT_TRUE(!r || r->empty());
}

// Stomping, made from a real document: Module1 keeps its compiled P-code but its
// compressed source is replaced by the (attribute-only) source of ThisDocument, as
// EvilClippy-style tools leave it.
TEST(OfficeVba, StompedModuleIsDetected) {
    const auto data = slurp(corpus() / "office/with-macros/poi/SimpleMacro.doc");
    auto streams = office::read_ole(data, replyguard::limits{});
    ASSERT_TRUE(streams.has_value());
    auto run = [](const std::vector<office::ole_stream>& ss) {
        replyguard::attach::file_view f;
        f.name = "SimpleMacro.doc";
        replyguard::attach::analysis_state st;
        st.bytes_budget = st.lim.archive_bytes;
        replyguard::attach::attachment_report rep;
        office::office_ctx c{f, st, rep};
        office::analyse_vba(c, ss);
        return std::make_pair(rep, c.entry);
    };
    auto [clean_rep, clean_entry] = run(*streams);
    EXPECT_TRUE(std::none_of(clean_rep.findings.begin(), clean_rep.findings.end(),
                             [](const auto& f) { return f.id == "OFFICE_VBA_STOMPING"; }));

    office::ole_stream *module1 = nullptr, *this_doc = nullptr;
    for (auto& s : *streams) {
        if (s.path == "Macros/VBA/Module1") module1 = &s;
        if (s.path == "Macros/VBA/ThisDocument") this_doc = &s;
    }
    ASSERT_TRUE(module1 && this_doc);
    // MODULEOFFSETs as reported by the clean run
    std::size_t off_m1 = 0, off_td = 0;
    for (const auto& m : clean_entry["vba"]["modules"]) {
        if (m["name"] == "Module1") off_m1 = m["pcode_bytes"];
        if (m["name"] == "ThisDocument") off_td = m["pcode_bytes"];
    }
    ASSERT_GT(off_m1, 0u);
    ASSERT_GT(off_td, 0u);
    module1->data = module1->data.substr(0, off_m1) + this_doc->data.substr(off_td);
    auto [rep, entry] = run(*streams);
    bool stomped = false;
    for (const auto& f : rep.findings)
        if (f.id == "OFFICE_VBA_STOMPING") stomped = f.evidence["modules"][0] == "Module1";
    EXPECT_TRUE(stomped) << entry.dump().substr(0, 600);
}

TEST(OfficeVba, SourceIsHandedToYaraThroughVbaSource) {
    const auto o = analyse_file(corpus() / "office/with-macros/poi/SimpleMacro.xls");
    ASSERT_TRUE(o.rep.details.contains("vba_source"));
    ASSERT_TRUE(o.rep.details["vba_source"].is_array());
    EXPECT_NE(o.rep.details["vba_source"][0].get<std::string>().find("Attribute VB_Name = \"Module1\""),
              std::string::npos);
}
