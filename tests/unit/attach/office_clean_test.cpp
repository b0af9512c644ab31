// SPDX-License-Identifier: Apache-2.0
// office_clean_test.cpp - no active-content finding on the clean corpus; other active content
#include "office_test_util.hpp"

using namespace office_test;

TEST(OfficeClean, NoMacroFindingOnCleanDocuments) {
    const auto files = files_under("clean");
    ASSERT_GE(files.size(), 80u);
    std::size_t recognised = 0;
    for (const auto& p : files) {
        const auto o = analyse_file(p);
        recognised += o.recognised;
        for (const char* id : {"OFFICE_VBA_MACRO", "OFFICE_XLM_MACRO", "OFFICE_DDE", "OFFICE_EXTERNAL_TEMPLATE",
                               "OFFICE_EXTERNAL_OLE_LINK", "OFFICE_VBA_STOMPING", "OFFICE_ENCRYPTED",
                               "OFFICE_MACRO_ENABLED_TYPE", "OFFICE_MALFORMED"})
            EXPECT_FALSE(o.has(id)) << rel(p) << " -> " << o.ids();
    }
    EXPECT_EQ(recognised, files.size());
}

TEST(OfficeOther, DdeFieldsAndLinksAreFound) {
    for (const char* name : {"dde-test.docx", "dde-test.docm", "dde-test.xlsx", "dde-test.xlsm"}) {
        const auto o = analyse_file(corpus() / "office/other-active/oletools" / name);
        EXPECT_TRUE(o.has("OFFICE_DDE")) << name << " -> " << o.ids();
    }
}

TEST(OfficeOther, ExternalOleLinkIsFound) {
    for (const char* name : {"sample_with_external_link_to_doc.docx", "sample_with_external_link_to_doc.xlsx",
                             "sample_with_external_link_to_doc.pptx"}) {
        const auto o = analyse_file(corpus() / "office/other-active/oletools" / name);
        EXPECT_TRUE(o.has("OFFICE_EXTERNAL_OLE_LINK") || o.has("OFFICE_EXTERNAL_TEMPLATE"))
            << name << " -> " << o.ids();
        // the link targets oletools' test files on GitHub
        EXPECT_NE(o.rep.details.dump().find("https://raw.githubusercontent.com/decalage2/oletools/"), std::string::npos)
            << name;
    }
}

TEST(OfficeOther, LinkedOleObjectInATemplateIsNotTemplateInjection) {
    // a .dotx that links an OLE object: the link is reported, the template kind is not
    // (remote attachedTemplate: office_ooxml_test.cpp)
    const auto o = analyse_file(corpus() / "office/other-active/oletools/sample_with_external_link_to_doc.dotx");
    EXPECT_FALSE(o.has("OFFICE_EXTERNAL_TEMPLATE")) << o.ids();
    EXPECT_TRUE(o.has("OFFICE_EXTERNAL_OLE_LINK")) << o.ids();
}

TEST(OfficeOther, NonOfficeInputIsNotClaimed) {
    EXPECT_FALSE(analyse_bytes("a.txt", "hello world").recognised);
    EXPECT_FALSE(analyse_bytes("empty", "").recognised);
    const auto bad_ole =
        analyse_bytes("x.doc", std::string("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8) + std::string(600, '\0'));
    EXPECT_TRUE(bad_ole.recognised);
    EXPECT_TRUE(bad_ole.has("OFFICE_MALFORMED")) << bad_ole.ids();
    // A zip that is not OOXML is left to the archive analyser.
    const auto zip = slurp(corpus() / "office/encrypted/password-zip/rtfobj__issue_185.rtf.zip");
    EXPECT_FALSE(analyse_bytes("a.zip", zip).recognised);
}
