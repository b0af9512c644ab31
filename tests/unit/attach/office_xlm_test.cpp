// SPDX-License-Identifier: Apache-2.0
// office_xlm_test.cpp - Excel 4.0 macro sheets over the real corpus (office/xlm)
#include "office_test_util.hpp"

using namespace office_test;

TEST(OfficeXlm, EveryXlmDocumentHasAMacroFinding) {
    const auto files = files_under("xlm");
    ASSERT_GE(files.size(), 8u);
    for (const auto& p : files) {
        const auto o = analyse_file(p);
        EXPECT_TRUE(o.recognised) << rel(p);
        EXPECT_TRUE(o.has("OFFICE_XLM_MACRO")) << rel(p) << " -> " << o.ids();
    }
}

static std::vector<std::string> functions_of(const outcome& o) {
    std::vector<std::string> f;
    for (const auto& e : o.rep.details["office"])
        if (e.contains("xlm"))
            for (const auto& x : e["xlm"]["functions"]) f.push_back(x);
    return f;
}

TEST(OfficeXlm, BiffFormulasAreDecoded) {
    // oletools' sample: =ALERT("This is a sample Excel 4 macro") then =HALT()
    for (const char* name : {"excel4_sample_macro.xls", "excel4_sample_macro.xlt"}) {
        const auto o = analyse_file(corpus() / "office/xlm/oletools" / name);
        const auto f = functions_of(o);
        EXPECT_NE(std::find(f.begin(), f.end(), "HALT"), f.end()) << name << " " << o.rep.details.dump().substr(0, 800);
        EXPECT_NE(std::find(f.begin(), f.end(), "ALERT"), f.end()) << name;  // a command (Cetab 0x76)
        const auto d = o.rep.details.dump();
        EXPECT_NE(d.find("This is a sample Excel 4 macro"), std::string::npos) << name;
    }
}

TEST(OfficeXlm, OoxmlAndSylkFormulasAreReported) {
    for (const char* name : {"excel4_sample_macro.xlsm", "excel4_sample_macro.slk"}) {
        const auto o = analyse_file(corpus() / "office/xlm/oletools" / name);
        const auto f = functions_of(o);
        EXPECT_NE(std::find(f.begin(), f.end(), "ALERT"), f.end()) << name;
        EXPECT_NE(std::find(f.begin(), f.end(), "HALT"), f.end()) << name;
    }
}

TEST(OfficeXlm, HiddenMacroSheetIsReported) {
    // Made in memory from the visible sample: the workbook's <sheet> gets state="veryHidden".
    // (a zip is not trivial to edit here; we exercise the BIFF path instead:
    //  patch hsState of the macro sheet's BOUNDSHEET record in the xls Workbook stream.)
    auto data = slurp(corpus() / "office/xlm/oletools/excel4_sample_macro.xls");
    // BOUNDSHEET record header 0x0085, then lbPlyPos(4), hsState, dt=1 (macro sheet)
    bool patched = false;
    for (std::size_t i = 0; i + 10 < data.size(); ++i) {
        if (data[i] == '\x85' && data[i + 1] == 0 && data[i + 9] == 0x01 && data[i + 8] == 0) {
            data[i + 8] = 2;
            patched = true;
            break;
        }
    }
    ASSERT_TRUE(patched);
    const auto o = analyse_bytes("hidden.xls", data);
    EXPECT_TRUE(o.has("OFFICE_XLM_HIDDEN_SHEET")) << o.ids();
    const auto d = o.rep.details.dump();
    EXPECT_NE(d.find("very hidden"), std::string::npos);
}

TEST(OfficeXlm, ExecInAMacroIsSuspicious) {
    // SYLK is text; the oletools sample with its ALERT replaced by EXEC (the classic XLM dropper call)
    auto slk = slurp(corpus() / "office/xlm/oletools/excel4_sample_macro.slk");
    const auto at = slk.find("ALERT(");
    ASSERT_NE(at, std::string::npos);
    const auto plain = analyse_bytes("a.slk", slk);
    EXPECT_FALSE(plain.has("OFFICE_XLM_SUSPICIOUS")) << plain.ids();
    slk.replace(at, 6, "EXEC(");
    const auto o = analyse_bytes("a.slk", slk);
    EXPECT_TRUE(o.has("OFFICE_XLM_MACRO"));
    EXPECT_TRUE(o.has("OFFICE_XLM_SUSPICIOUS")) << o.ids();
    // a SYLK sheet with ordinary formulas only is not a macro
    const auto sums = analyse_bytes("b.slk", "ID;PWXL;N;E\r\nC;Y1;X1;K1\r\nC;Y2;X1;K2;ESUM(R1C1:R1C1)\r\nE\r\n");
    EXPECT_TRUE(sums.recognised);
    EXPECT_FALSE(sums.has("OFFICE_XLM_MACRO")) << sums.ids();
}
