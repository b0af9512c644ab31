// SPDX-License-Identifier: Apache-2.0
// tests/unit/mime/magic_test.cpp - the sniffed type and description of every corpus attachment are libmagic's
//
// DESCRIPTION
//   mime/parser.cpp remembers libmagic's answers per thread by the bytes'
//   SHA-256 (issue 13: the two magic_buffer calls were 5.8% of scan). Here every
//   attachment of every single-message file of the shared corpus, and every
//   Office document of its office/ folder attached to a message, is sniffed
//   again by handles opened as the parser opened them before it remembered
//   anything, and the recorded type and description must be theirs, byte for
//   byte. Each message is parsed twice in a row, so the second parse answers
//   from what the first remembered; the corpus has more distinct attachments
//   than the parser remembers, so forgetting is exercised too.
#include "mime/parser.hpp"

#include "core/limits.hpp"

#include "corpus_files.hpp"
#include "mail_body.hpp"

#include <gtest/gtest.h>
#include <magic.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>

using namespace replyguard;
namespace fs = std::filesystem;

namespace {

// libmagic opened as parser.cpp opens it: the reference answers.
struct reference_magic {
    magic_t mime = magic_open(MAGIC_MIME_TYPE | MAGIC_NO_CHECK_COMPRESS | MAGIC_ERROR);
    magic_t label = magic_open(MAGIC_NO_CHECK_COMPRESS | MAGIC_ERROR);
    reference_magic() {
        if (mime) magic_load(mime, nullptr);
        if (label) magic_load(label, nullptr);
    }
    ~reference_magic() {
        if (mime) magic_close(mime);
        if (label) magic_close(label);
    }
    static std::string answer(magic_t m, const std::string& data) {
        const char* t = m ? magic_buffer(m, data.data(), data.size()) : nullptr;
        return t ? t : "";
    }
};

struct tally {
    std::size_t compared = 0;
    std::set<std::string> distinct, types;
};

void check(const mime::message& m, reference_magic& ref, tally& t, const std::string& where) {
    for (const auto& a : m.attachments) {
        EXPECT_EQ(a.sniffed_type, reference_magic::answer(ref.mime, a.data)) << where << " part " << a.part_path;
        std::string label = reference_magic::answer(ref.label, a.data);
        if (label.size() > 200) label.resize(200);
        EXPECT_EQ(a.sniffed_label, label) << where << " part " << a.part_path;
        ++t.compared;
        t.distinct.insert(a.sha256);
        t.types.insert(a.sniffed_type);
    }
    for (const auto& e : m.embedded) check(*e, ref, t, where + " (attached message)");
}

}  // namespace

TEST(magic, every_corpus_attachment_is_sniffed_as_libmagic_answers) {
    const fs::path root(REPLYGUARD_CORPUS_DIR);
    if (!fs::is_directory(root)) GTEST_SKIP() << root << " not present";
    reference_magic ref;
    ASSERT_TRUE(ref.mime && ref.label);
    tally t;
    for (const auto& p : replyguard::test::single_message_files(root)) {
        const std::string bytes = test::slurp(p);
        for (int pass = 0; pass < 2; ++pass) check(mime::parse_message(bytes, limits{}), ref, t, p.string());
    }
    // Office documents (Word, Excel, PowerPoint; OOXML and CDF, encrypted, with
    // macros) as the attachments they arrive as.
    std::size_t office = 0;
    for (const auto& p : replyguard::test::single_message_files(root / "office")) {
        const std::string mail =
            "From: a@example.com\r\nTo: b@example.com\r\nSubject: doc\r\n"
            "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n"
            "--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n"
            "--b\r\nContent-Type: application/octet-stream; name=\"" +
            p.filename().string() +
            "\"\r\nContent-Disposition: attachment\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
            test::base64_body(test::slurp(p)) + "\r\n--b--\r\n";
        for (int pass = 0; pass < 2; ++pass) {
            const auto m = mime::parse_message(mail, limits{});
            ASSERT_EQ(m.attachments.size(), 1u) << p;
            check(m, ref, t, p.string());
        }
        ++office;
    }
    // Real coverage: more distinct attachments than the parser remembers (512),
    // text and Office documents among them.
    EXPECT_GT(office, 100u);
    EXPECT_GT(t.distinct.size(), 600u);
    EXPECT_GT(t.compared, 2 * t.distinct.size());
    EXPECT_TRUE(t.types.contains("text/plain"));
    EXPECT_TRUE(t.types.contains("application/vnd.openxmlformats-officedocument.wordprocessingml.document"));
    EXPECT_TRUE(t.types.contains("application/msword"));
}
