// SPDX-License-Identifier: Apache-2.0
// Password-ZIP mails end to end: parse (mime::parse_message), find the body password,
// open the archive, reach the inner macro document. Fixtures are generated at test
// time by scripts/make-fixtures.py from the corpus' macro documents; the real
// SpamAssassin sample zippwmacro.eml is read from the corpus.
#include "attach/file.hpp"
#include "attach/passwords.hpp"
#include "attach/report.hpp"
#include "mime/parser.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <unistd.h>
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;
namespace attach = replyguard::attach;

namespace {

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

const nlohmann::json* find_id(const attach::attachment_report& r, std::string_view id) {
    for (const auto& f : r.findings)
        if (f.id == id) return &f.evidence;
    return nullptr;
}

class PasswordZipMail : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        dir_ = fs::temp_directory_path() / ("replyguard-fixtures-" + std::to_string(::getpid()));
        fs::create_directories(dir_);
        std::string cmd = "/usr/bin/python3 " REPLYGUARD_SOURCE_DIR
                          "/scripts/make-fixtures.py --corpus " REPLYGUARD_CORPUS_DIR " " +
                          dir_.string();
        ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
        manifest_ = nlohmann::json::parse(slurp(dir_ / "fixtures.json"));
    }
    static void TearDownTestSuite() {
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }
    static inline fs::path dir_;
    static inline nlohmann::json manifest_;
};

}  // namespace

TEST_F(PasswordZipMail, BodyPasswordOpensArchiveAndReachesTheDocument) {
    ASSERT_EQ(manifest_.size(), 3u);
    for (const auto& fx : manifest_) {
        const std::string file = fx["file"];
        SCOPED_TRACE(file);
        auto msg = replyguard::mime::parse_message(slurp(dir_ / file));
        ASSERT_EQ(msg.attachments.size(), 1u);
        auto reps = attach::analyse(msg, {});
        ASSERT_EQ(reps.size(), 1u);
        const auto& r = reps[0];

        // 1. The password was found in the body and opened the archive.
        const auto* ev = find_id(r, "ARCHIVE_PASSWORD_FROM_BODY");
        ASSERT_NE(ev, nullptr);
        EXPECT_EQ((*ev)["password"], fx["password"]);
        // The line it came from, as written (full-width in the next-line fixture).
        const std::string line = (*ev)["source_line"];
        EXPECT_FALSE(line.empty());
        if (fx["file"] != "zip-password-ja-nextline.eml") {
            EXPECT_NE(line.find(fx["password"].get<std::string>()), std::string::npos) << line;
        }
        EXPECT_TRUE(find_id(r, "ARCHIVE_ENCRYPTED"));

        // 2. The inner document came out intact and was handed to the Office analysers.
        ASSERT_TRUE(r.details.contains("members"));
        const auto& m = r.details["members"][0];
        EXPECT_EQ(m["name"], fx["member"]);
        EXPECT_EQ(m["sha256"], fx["source_sha256"]);
        EXPECT_EQ(m["encrypted"], true);
        EXPECT_EQ(m["password"], fx["password"]);
        // "office" is analyse_office's answer: present for every member it was offered.
        EXPECT_TRUE(m.contains("office"));

        // 3. Once the Office analysers are in, the macro itself is reported.
        if (const auto office = attach::office_symbols(); !office.empty()) {
            EXPECT_EQ(m["office"], true);
            // A finding of the Office analysers, preferably one naming macros/VBA.
            bool from_office = false, macro = false;
            for (const auto& f : r.findings) {
                if (std::ranges::none_of(office, [&](const auto& s) { return s.id == f.id; })) continue;
                from_office = true;
                if (f.id.find("MACRO") != std::string::npos || f.id.find("VBA") != std::string::npos) macro = true;
            }
            EXPECT_TRUE(from_office) << "no Office finding for " << m.dump();
            EXPECT_TRUE(macro) << "no macro finding for " << m.dump();
        }
    }
}

TEST_F(PasswordZipMail, DecoyInQuotedTextIsNotThePassword) {
    for (const auto& fx : manifest_) {
        if (fx["file"] != "zip-password-en.eml") continue;
        auto msg = replyguard::mime::parse_message(slurp(dir_ / fx["file"].get<std::string>()));
        auto pws = attach::find_passwords(msg.new_text.empty() ? msg.body_text : msg.new_text);
        ASSERT_FALSE(pws.empty());
        EXPECT_EQ(pws.front(), fx["password"].get<std::string>());
        if (!msg.new_text.empty() && !msg.quoted.empty()) {
            EXPECT_EQ(std::ranges::find(pws, std::string("notthisone")), pws.end());
        }
    }
}

TEST(SpamAssassinSample, ZipPwMacroOpensWithBodyPassword) {
    fs::path p = fs::path(REPLYGUARD_CORPUS_DIR) / "mime-edge/spamassassin-t-data/spam/olevbmacro/zippwmacro.eml";
    if (!fs::exists(p)) GTEST_SKIP() << "corpus not available: " << p;
    auto msg = replyguard::mime::parse_message(slurp(p));
    ASSERT_EQ(msg.attachments.size(), 1u);
    auto reps = attach::analyse(msg, {});
    ASSERT_EQ(reps.size(), 1u);
    const auto& r = reps[0];
    const auto* ev = find_id(r, "ARCHIVE_PASSWORD_FROM_BODY");
    ASSERT_NE(ev, nullptr);
    EXPECT_EQ((*ev)["password"], "sa");
    EXPECT_EQ((*ev)["source_line"], "Password: sa");
    ASSERT_TRUE(r.details.contains("members"));
    const auto& m = r.details["members"][0];
    EXPECT_EQ(m["name"], "macro.xlsm");
    EXPECT_EQ(m["read_error"], false);
    EXPECT_GT(m["size"].get<std::size_t>(), 10000u);
    // An .xlsm is a zip; it must be judged as an Office document, not unpacked as an archive.
    EXPECT_FALSE(find_id(r, "ARCHIVE_IN_ARCHIVE"));
    EXPECT_TRUE(m.contains("office"));
}
