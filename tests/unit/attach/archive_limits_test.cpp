// SPDX-License-Identifier: Apache-2.0
// Archive limits: bombs, nesting, entry counts, byte budgets - reported, bounded, never a crash.
#include "archive_test_util.hpp"

#include "attach/report.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

using namespace rg_test;
namespace attach = replyguard::attach;

namespace {

attach::attachment_report analyse_one(const std::string& name, std::string data, attach::analysis_options opt = {},
                                      std::string body = "") {
    auto msg = message_with(std::move(body), {attachment(name, std::move(data), "application/zip")});
    auto reps = attach::analyse(msg, opt);
    EXPECT_EQ(reps.size(), 1u);
    return reps.empty() ? attach::attachment_report{} : reps.front();
}

std::size_t max_member_size(const attach::attachment_report& r) {
    std::size_t m = 0;
    if (r.details.contains("members"))
        for (const auto& e : r.details["members"]) m = std::max<std::size_t>(m, e.value("size", 0u));
    return m;
}

}  // namespace

TEST(ArchiveLimits, PlainZipListsMembers) {
    auto z = make_archive({{"readme.txt", "hello world\n"}, {"dir/data.bin", noise(4096)}});
    ASSERT_FALSE(z.empty());
    auto r = analyse_one("plain.zip", z);
    EXPECT_EQ(r.kind, "zip");
    ASSERT_TRUE(r.details.contains("members"));
    ASSERT_EQ(r.details["members"].size(), 2u);
    EXPECT_EQ(r.details["members"][0]["path"], "plain.zip/readme.txt");
    EXPECT_EQ(r.details["members"][0]["size"], 12u);
    EXPECT_EQ(r.details["members"][0]["type"], "text/plain");
    EXPECT_EQ(r.details["members"][0]["sha256"].get<std::string>().size(), 64u);
    EXPECT_FALSE(has(r, "ARCHIVE_BOMB"));
    EXPECT_FALSE(has(r, "ARCHIVE_ENCRYPTED"));
}

TEST(ArchiveLimits, ZipBombStopsEarlyAndHoldsLittle) {
    // 200 MiB of zeros deflate to ~200 KiB: ratio ~1000.
    auto z = make_archive({{"zeros.bin", std::string(200u << 20, '\0')}});
    ASSERT_FALSE(z.empty());
    ASSERT_LT(z.size(), 1u << 20);
    auto r = analyse_one("bomb.zip", z);
    const auto* f = find(r, "ARCHIVE_BOMB");
    ASSERT_NE(f, nullptr);
    EXPECT_GT(f->evidence["ratio"].get<double>(), 200.0);
    EXPECT_EQ(f->evidence["path"], "bomb.zip");
    // Stopped at the ratio check, long before the member's 200 MiB.
    EXPECT_LT(max_member_size(r), 4u << 20);
}

TEST(ArchiveLimits, EntryTooLargeIsCutAtTheLimit) {
    attach::analysis_options opt;
    opt.lim.archive_entry_bytes = 1u << 20;
    auto z = make_archive({{"big.bin", noise(3u << 20)}});
    auto r = analyse_one("big.zip", z, opt);
    EXPECT_TRUE(has(r, "ARCHIVE_ENTRY_TOO_LARGE"));
    EXPECT_LE(max_member_size(r), opt.lim.archive_entry_bytes);
    EXPECT_EQ(r.details["members"][0]["truncated"], true);
}

TEST(ArchiveLimits, MessageByteBudget) {
    attach::analysis_options opt;
    opt.lim.archive_bytes = 3u << 20;
    std::vector<entry> es;
    for (int i = 0; i < 10; ++i) es.push_back({"part" + std::to_string(i) + ".bin", noise(1u << 20, 1000 + i)});
    auto r = analyse_one("many.zip", make_archive(es), opt);
    EXPECT_TRUE(has(r, "ARCHIVE_TOO_LARGE"));
    std::size_t total = 0;
    for (const auto& m : r.details["members"]) total += m.value("size", 0u);
    EXPECT_LE(total, opt.lim.archive_bytes);
    EXPECT_LT(r.details["members"].size(), 10u);
}

TEST(ArchiveLimits, BudgetIsSharedAcrossAttachments) {
    attach::analysis_options opt;
    opt.lim.archive_bytes = 3u << 20;
    auto z = make_archive({{"a.bin", noise(2u << 20, 7)}});
    auto msg = message_with("", {attachment("one.zip", z), attachment("two.zip", z)});
    auto reps = attach::analyse(msg, opt);
    ASSERT_EQ(reps.size(), 2u);
    EXPECT_FALSE(has(reps[0], "ARCHIVE_TOO_LARGE"));
    EXPECT_TRUE(has(reps[1], "ARCHIVE_TOO_LARGE"));
}

TEST(ArchiveLimits, DeeplyNestedStopsAtDepth) {
    std::string inner = make_archive({{"payload.txt", "innermost\n"}});
    for (int level = 9; level >= 1; --level) inner = make_archive({{"level" + std::to_string(level) + ".zip", inner}});
    attach::analysis_options opt;  // archive_depth 4
    auto r = analyse_one("level0.zip", inner, opt);
    EXPECT_TRUE(has(r, "ARCHIVE_IN_ARCHIVE"));
    const auto* deep = find(r, "ARCHIVE_TOO_DEEP");
    ASSERT_NE(deep, nullptr);
    EXPECT_EQ(deep->evidence["depth"], 4);
    int max_depth = 0;
    for (const auto& m : r.details["members"]) max_depth = std::max(max_depth, m.value("depth", 0));
    EXPECT_EQ(max_depth, 4);
    EXPECT_EQ(r.details["archives"].size(), 4u);
    // The innermost text was never reached.
    for (const auto& m : r.details["members"]) EXPECT_NE(m["name"], "payload.txt");
}

TEST(ArchiveLimits, TenThousandEntries) {
    std::vector<entry> es;
    es.reserve(10000);
    for (int i = 0; i < 10000; ++i) es.push_back({"f/" + std::to_string(i) + ".txt", std::to_string(i)});
    auto z = make_archive(es);
    ASSERT_FALSE(z.empty());
    attach::analysis_options opt;
    auto r = analyse_one("many.zip", z, opt);
    EXPECT_TRUE(has(r, "ARCHIVE_TOO_MANY_ENTRIES"));
    EXPECT_EQ(r.details["members"].size(), opt.lim.archive_entries);
    EXPECT_EQ(r.details["archives"][0]["entries"], opt.lim.archive_entries);
}

TEST(ArchiveLimits, OtherFormatsAndNesting) {
    auto pe = tiny_pe();
    auto tgz = make_archive({{"bin/setup.exe", pe}}, {.format = "ustar", .filter = "gzip"});
    ASSERT_FALSE(tgz.empty());
    auto z7 = make_archive({{"tools.tar.gz", tgz}}, {.format = "7zip"});
    ASSERT_FALSE(z7.empty());
    auto zip = make_archive({{"inner.7z", z7}});
    auto r = analyse_one("outer.zip", zip);
    const auto* exe = find(r, "ATTACH_EXECUTABLE");
    ASSERT_NE(exe, nullptr);
    EXPECT_EQ(exe->evidence["path"], "outer.zip/inner.7z/tools.tar.gz/bin/setup.exe");
    EXPECT_TRUE(has(r, "ARCHIVE_IN_ARCHIVE"));
}

TEST(ArchiveLimits, SingleGzipStream) {
    auto gz =
        make_archive({{"x", "@echo off\r\npowershell -w hidden -c calc\r\n"}}, {.format = "raw", .filter = "gzip"});
    ASSERT_FALSE(gz.empty());
    auto r = analyse_one("run.bat.gz", gz);
    ASSERT_TRUE(r.details.contains("members"));
    EXPECT_EQ(r.details["members"][0]["name"], "run.bat");
    EXPECT_TRUE(has(r, "ATTACH_SCRIPT"));
}

TEST(ArchiveLimits, CorruptAndTruncatedNeverCrash) {
    auto z = make_archive({{"a.txt", noise(100000)}, {"b.txt", "bbb"}});
    for (std::size_t cut : {10u, 30u, 100u, 5000u, 60000u}) {
        auto r = analyse_one("cut.zip", z.substr(0, cut));
        EXPECT_TRUE(has(r, "ARCHIVE_CORRUPT")) << cut;
    }
    std::string flipped = z;
    for (std::size_t i = 40; i < flipped.size(); i += 97) flipped[i] = static_cast<char>(flipped[i] ^ 0x5A);
    (void)analyse_one("flipped.zip", flipped);
}

TEST(ArchiveLimits, EncryptedZipWithBodyPassword) {
    for (const char* enc : {"zip:encryption=zipcrypt", "zip:encryption=aes256"}) {
        auto z = make_archive({{"doc.txt", "secret contents\n"}}, {.options = enc, .passphrase = "Hs8k2Lq"});
        ASSERT_FALSE(z.empty()) << enc;
        auto r = analyse_one("enc.zip", z, {}, "お世話になります。\nパスワード：wrong1\nPW: Hs8k2Lq\n");
        EXPECT_TRUE(has(r, "ARCHIVE_ENCRYPTED")) << enc;
        const auto* f = find(r, "ARCHIVE_PASSWORD_FROM_BODY");
        ASSERT_NE(f, nullptr) << enc;
        EXPECT_EQ(f->evidence["password"], "Hs8k2Lq");
        EXPECT_EQ(f->evidence["source_line"], "PW: Hs8k2Lq");
        ASSERT_TRUE(r.details.contains("members"));
        EXPECT_EQ(r.details["members"][0]["name"], "doc.txt");
        EXPECT_EQ(r.details["members"][0]["size"], 16u);

        auto none = analyse_one("enc.zip", z, {}, "パスワード：wrong1\n");
        EXPECT_TRUE(has(none, "ARCHIVE_PASSWORD_UNKNOWN")) << enc;
        EXPECT_FALSE(has(none, "ARCHIVE_PASSWORD_FROM_BODY"));
        EXPECT_EQ(none.details["archives"][0]["passwords_tried"], 1);

        attach::analysis_options opt;
        opt.extra_passwords = {"Hs8k2Lq"};
        auto thread = analyse_one("enc.zip", z, opt, "no password here");
        EXPECT_TRUE(has(thread, "ARCHIVE_PASSWORD_FROM_THREAD")) << enc;
    }
}

TEST(ArchiveLimits, EncryptedMemberNamesAreJudgedWhenUnopened) {
    auto z = make_archive({{"invoice.pdf.exe", tiny_pe()}}, {.options = "zip:encryption=zipcrypt", .passphrase = "x"});
    auto r = analyse_one("enc.zip", z);
    EXPECT_TRUE(has(r, "ARCHIVE_PASSWORD_UNKNOWN"));
    EXPECT_TRUE(has(r, "ATTACH_DOUBLE_EXTENSION"));
    EXPECT_FALSE(has(r, "ATTACH_EXECUTABLE"));  // contents unseen
}

TEST(ArchiveLimits, PasswordsTriedIsALimit) {
    attach::analysis_options opt;
    opt.lim.passwords_tried = 2;
    auto z = make_archive({{"a.txt", "aaaa"}}, {.options = "zip:encryption=zipcrypt", .passphrase = "third3"});
    auto r = analyse_one("enc.zip", z, opt, "pw: first1\npw: second2\npw: third3\n");
    EXPECT_TRUE(has(r, "ARCHIVE_PASSWORD_UNKNOWN"));
    EXPECT_EQ(r.details["archives"][0]["passwords_tried"], 2);
}

TEST(ArchiveLimits, OfficeContainersAreDocumentsNotArchives) {
    for (const char* rel : {"office/with-macros/poi/SimpleMacro.docm", "office/with-macros/poi/SimpleMacro.vsdm",
                            "office/with-macros/XlsxWriter/macro01.xlsm"}) {
        std::ifstream in(std::string(REPLYGUARD_CORPUS_DIR) + "/" + rel, std::ios::binary);
        ASSERT_TRUE(in) << rel;
        std::string doc((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        auto r = analyse_one("doc", doc);
        EXPECT_EQ(r.kind, "ooxml") << rel;
        EXPECT_FALSE(r.details.contains("archives")) << rel;
        auto zipped = analyse_one("z.zip", make_archive({{"inner", doc}}));
        EXPECT_FALSE(has(zipped, "ARCHIVE_IN_ARCHIVE")) << rel;
        EXPECT_EQ(zipped.details["archives"].size(), 1u) << rel;
        EXPECT_EQ(zipped.details["members"].size(), 1u) << rel;
    }
}

TEST(ArchiveLimits, ThreadPasswordIsNotCrowdedOutByTheBody) {
    attach::analysis_options opt;
    opt.lim.passwords_tried = 4;
    opt.extra_passwords = {"fromThread9"};
    auto z = make_archive({{"a.txt", "aaaa"}}, {.options = "zip:encryption=zipcrypt", .passphrase = "fromThread9"});
    auto r = analyse_one("enc.zip", z, opt, "pw: a1\npw: b2\npw: c3\npw: d4\npw: e5\n");
    EXPECT_TRUE(has(r, "ARCHIVE_PASSWORD_FROM_THREAD"));
    EXPECT_EQ(r.details["archives"][0]["passwords_tried"], 4);
}
