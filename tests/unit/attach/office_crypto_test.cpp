// SPDX-License-Identifier: Apache-2.0
// office_crypto_test.cpp - encrypted documents over the real corpus (office/encrypted)
#include "office_test_util.hpp"

#include "attach/office_internal.hpp"
#include "core/budget.hpp"

#include <chrono>

using namespace office_test;
namespace office = replyguard::attach::office;

TEST(OfficeCrypto, EveryEncryptedDocumentIsReportedEncrypted) {
    const auto tags = manifest_tags();
    std::size_t n = 0;
    for (const auto& p : files_under("encrypted")) {
        if (p.string().find("password-zip") != std::string::npos) continue;
        ++n;
        ASSERT_NE(tags.at(rel(p)).find("encrypted"), std::string::npos) << rel(p);
        const auto o = analyse_file(p);
        EXPECT_TRUE(o.recognised) << rel(p);
        EXPECT_TRUE(o.has("OFFICE_ENCRYPTED")) << rel(p) << " -> " << o.ids();
    }
    EXPECT_GE(n, 35u);
}

TEST(OfficeCrypto, VelvetSweatshopDocumentsAreOpenedAndTheirMacrosFound) {
    for (const char* name : {"autostart-encrypt-standardpassword.xls", "autostart-encrypt-standardpassword.xlsm",
                             "autostart-encrypt-standardpassword.xlsb"}) {
        const auto o = analyse_file(corpus() / "office/encrypted/oletools" / name);
        EXPECT_TRUE(o.has("OFFICE_VBA_MACRO")) << name << " -> " << o.ids();
        EXPECT_TRUE(o.has("OFFICE_VBA_AUTOEXEC")) << name << " -> " << o.ids();
        EXPECT_TRUE(o.has("OFFICE_ENCRYPTED")) << name;
    }
    // the OOXML ones are ECMA-376 packages: opened with the default password
    for (const char* name : {"autostart-encrypt-standardpassword.xlsm", "autostart-encrypt-standardpassword.xlsb"}) {
        const auto o = analyse_file(corpus() / "office/encrypted/oletools" / name);
        EXPECT_TRUE(o.has("OFFICE_DEFAULT_PASSWORD")) << name << " -> " << o.ids();
        bool opened = false;
        for (const auto& e : o.rep.details["office"])
            if (e.contains("encryption") && e["encryption"]["opened"] == true) {
                opened = true;
                EXPECT_EQ(e["encryption"]["password_source"], "default");
            }
        EXPECT_TRUE(opened) << name;
    }
}

TEST(OfficeCrypto, ManifestPasswordsOpenEcma376Packages) {
    // Every ECMA-376 package whose password the corpus knows opens when that password
    // is a candidate (as a body password would be), and not without it.
    const auto tags = manifest_tags();
    std::size_t opened = 0;
    for (const auto& p : files_under("encrypted")) {
        const std::string t = tags.count(rel(p)) ? tags.at(rel(p)) : "";
        const auto pw_at = t.find("pw:");
        if (pw_at == std::string::npos || t.find("zip-pw") != std::string::npos) continue;
        std::string pw = t.substr(pw_at + 3);
        pw = pw.substr(0, pw.find(','));
        if (pw == "unknown" || pw == "VelvetSweatshop") continue;
        const auto o = analyse_file(p, {"wrong-one", pw});
        bool ecma = false, ok = false;
        for (const auto& e : o.rep.details["office"])
            if (e.contains("encryption") && e["encryption"]["type"].get<std::string>().starts_with("ecma376")) {
                ecma = true;
                ok = e["encryption"]["opened"] == true && e["encryption"]["password"] == pw;
            }
        if (!ecma) continue;
        EXPECT_TRUE(ok) << rel(p) << " pw " << pw << " " << o.rep.details.dump().substr(0, 400);
        EXPECT_TRUE(o.has("OFFICE_BODY_PASSWORD")) << rel(p);
        opened += ok;
        const auto without = analyse_file(p);
        EXPECT_FALSE(without.has("OFFICE_BODY_PASSWORD")) << rel(p);
    }
    EXPECT_GE(opened, 8u);
}

TEST(OfficeCrypto, DecryptionMatchesMsoffcryptoOutput) {
    // msoffcrypto-tool's decrypted twin of its Standard-encryption input.
    const auto enc = slurp(corpus() / "office/encrypted/msoffcrypto-tool/ecma376standard_password.docx");
    const auto plain = slurp(corpus() / "office/clean/msoffcrypto-tool/ecma376standard_password_plain.docx");
    const auto streams = office::read_ole(enc, replyguard::limits{});
    ASSERT_TRUE(streams.has_value());
    std::string info, pkg;
    for (const auto& s : *streams) {
        if (s.path == "EncryptionInfo") info = s.data;
        if (s.path == "EncryptedPackage") pkg = s.data;
    }
    std::string type;
    auto out = office::ecma376_decrypt(office::as_bytes(info), office::as_bytes(pkg), "Password1234_", &type, 1 << 26);
    ASSERT_TRUE(out.has_value());
    EXPECT_EQ(type, "standard");
    EXPECT_EQ(*out, plain);
    EXPECT_FALSE(
        office::ecma376_decrypt(office::as_bytes(info), office::as_bytes(pkg), "password1234_", &type, 1 << 26));

    // Agile twin
    const auto enc2 = slurp(corpus() / "office/encrypted/msoffcrypto-tool/example_password.docx");
    const auto plain2 = slurp(corpus() / "office/clean/msoffcrypto-tool/example.docx");
    const auto s2 = office::read_ole(enc2, replyguard::limits{});
    ASSERT_TRUE(s2.has_value());
    for (const auto& s : *s2) {
        if (s.path == "EncryptionInfo") info = s.data;
        if (s.path == "EncryptedPackage") pkg = s.data;
    }
    out = office::ecma376_decrypt(office::as_bytes(info), office::as_bytes(pkg), "Password1234_", &type, 1 << 26);
    ASSERT_TRUE(out.has_value());
    EXPECT_EQ(type, "agile");
    EXPECT_EQ(*out, plain2);
}

TEST(OfficeCrypto, UnknownPasswordIsNotInspected) {
    const auto o = analyse_file(corpus() / "office/encrypted/oletools/encrypted.docx");
    ASSERT_TRUE(o.has("OFFICE_ENCRYPTED"));
    EXPECT_FALSE(o.has("OFFICE_DEFAULT_PASSWORD"));
    const auto& e = o.rep.details["office"][0];
    EXPECT_EQ(e["encryption"]["opened"], false);
    for (const auto& f : o.rep.findings)
        if (f.id == "OFFICE_ENCRYPTED") {
            EXPECT_NE(f.detail.find("not inspected"), std::string::npos);
        }
}

TEST(OfficeCrypto, NoPasswordIsTriedOnceTheTimeIsSpent) {
    // Every try is up to a million hash rounds: an analysis past its time (the
    // milter stopped waiting for it) must not go on trying.
    replyguard::limits lim;
    lim.message_millis = 1;
    replyguard::budget bud(lim, std::chrono::steady_clock::now() - std::chrono::seconds(1));
    ASSERT_TRUE(bud.expired_now());
    replyguard::attach::analysis_options opt;
    opt.bud = &bud;
    replyguard::attach::file_view f;
    f.name = f.path = "encrypted.docx";
    const std::string data = slurp(corpus() / "office/encrypted/oletools/encrypted.docx");
    f.data = data;
    replyguard::attach::analysis_state st;
    st.bytes_budget = st.lim.archive_bytes;
    st.passwords = {"one", "two", "three"};
    st.opt = &opt;
    outcome o;
    o.recognised = replyguard::attach::analyse_office(f, st, o.rep);
    ASSERT_TRUE(o.has("OFFICE_ENCRYPTED")) << o.ids();
    EXPECT_TRUE(o.has("ANALYSIS_TIMEOUT")) << o.ids();
    EXPECT_EQ(o.rep.details["office"][0]["encryption"]["passwords_tried"], 0) << o.rep.details.dump();
    EXPECT_TRUE(bud.incomplete());
}

static nlohmann::json biff_sheets(const outcome& o) {
    for (const auto& e : o.rep.details["office"])
        if (e.contains("biff_sheets")) return e["biff_sheets"];
    return nullptr;
}

TEST(OfficeCrypto, BiffRc4WorkbooksDecryptToTheSameSheetsAsTheirPlainTwin) {
    // msoffcrypto-tool ships the decrypted twin: the sheet list read after RC4 CryptoAPI
    // decryption must equal the one of the plain file.
    const auto plain = analyse_file(corpus() / "office/clean/msoffcrypto-tool/rc4cryptoapi_password_plain.xls");
    const auto enc =
        analyse_file(corpus() / "office/encrypted/msoffcrypto-tool/rc4cryptoapi_password.xls", {"Password1234_"});
    ASSERT_FALSE(biff_sheets(plain).is_null());
    EXPECT_EQ(biff_sheets(enc), biff_sheets(plain));
    EXPECT_TRUE(enc.has("OFFICE_BODY_PASSWORD")) << enc.ids();
    // without the password: reported, not inspected, no sheet list
    const auto locked = analyse_file(corpus() / "office/encrypted/msoffcrypto-tool/rc4cryptoapi_password.xls");
    EXPECT_TRUE(locked.has("OFFICE_ENCRYPTED"));
    EXPECT_TRUE(biff_sheets(locked).is_null());
}

TEST(OfficeCrypto, BiffRc4PasswordsFromTheManifestOpenTheWorkbooks) {
    // plain RC4 (MD5) and CryptoAPI, from POI and oletools
    const std::vector<std::pair<std::string, std::string>> cases{
        {"office/encrypted/poi/password.xls", "password"},
        {"office/encrypted/poi/35897-type4.xls", "freedom"},
        {"office/encrypted/oletools/dde-test-encrypt-standardpassword.xls", ""},  // VelvetSweatshop
    };
    for (const auto& [path, pw] : cases) {
        const auto o =
            analyse_file(corpus() / path, pw.empty() ? std::vector<std::string>{} : std::vector<std::string>{pw});
        const auto sheets = biff_sheets(o);
        ASSERT_FALSE(sheets.is_null()) << path << " " << o.ids();
        // decrypted names are readable text, not ciphertext
        for (const auto& s : sheets) {
            const std::string n = s["name"];
            EXPECT_FALSE(n.empty()) << path;
            EXPECT_EQ(n.find("\xEF\xBF\xBD"), std::string::npos) << path << " " << n;
        }
        EXPECT_TRUE(o.has(pw.empty() ? "OFFICE_DEFAULT_PASSWORD" : "OFFICE_BODY_PASSWORD")) << path << " " << o.ids();
    }
}
