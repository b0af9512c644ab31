// SPDX-License-Identifier: Apache-2.0
// tests/unit/mime/magic_test.cpp - the sniffed type and description of every corpus attachment are libmagic's
//
// DESCRIPTION
//   mime/parser.cpp remembers libmagic's answers, one memo for the process, by
//   the bytes' SHA-256 (issue 13: the two magic_buffer calls were 5.8% of scan). Here every
//   attachment of every single-message file of the shared corpus, and every
//   Office document of its office/ folder attached to a message, is sniffed
//   again by handles opened as the parser opened them before it remembered
//   anything, and the recorded type and description must be theirs, byte for
//   byte. Each message is parsed twice in a row, so the second parse answers
//   from what the first remembered; the corpus has more distinct attachments
//   than the parser remembers, so forgetting is exercised too. Then four threads
//   parse the corpus's messages with attachments at once, each in another order
//   (the memo read, filled and forgotten from all of them, as `scan -j4` does), and
//   every answer is again libmagic's.
//
//   mime::magic_sniff() asks a plain text's MIME type without libmagic's rules
//   when its description shows that no rule matched (mime/magic.hpp). Its two
//   answers must be the full ones for texts whose rules match and whose do not:
//   written here in several encodings and kinds, and the raw bytes, text parts
//   and HTML of every eighth corpus message.
//
//   The compiled database is mapped once for the process, however many threads
//   hold a handle (each handle mapped its own 8 MB before).
#include "mime/parser.hpp"

#include "core/limits.hpp"
#include "mime/magic.hpp"

#include "corpus_files.hpp"
#include "mail_body.hpp"

#include <gtest/gtest.h>
#include <magic.h>

#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

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

// The memo is shared by every thread: four threads parse the same messages at once,
// each starting at another place in the list, and every answer is libmagic's.
TEST(magic, threads_sharing_the_memo_get_libmagic_answers) {
    const fs::path root(REPLYGUARD_CORPUS_DIR);
    if (!fs::is_directory(root)) GTEST_SKIP() << root << " not present";
    std::vector<std::string> mails;
    for (const auto& p : replyguard::test::single_message_files(root)) {
        std::string bytes = test::slurp(p);
        if (!mime::parse_message(bytes, limits{}).attachments.empty()) mails.push_back(std::move(bytes));
    }
    ASSERT_GT(mails.size(), 200u);
    struct seen {
        std::string data, type, label;
    };
    constexpr std::size_t k_threads = 4;
    std::vector<std::vector<seen>> got(k_threads);
    {
        std::vector<std::jthread> pool;
        for (std::size_t t = 0; t < k_threads; ++t)
            pool.emplace_back([&, t] {
                for (std::size_t i = 0; i < mails.size(); ++i) {
                    const auto m = mime::parse_message(mails[(i + t * mails.size() / k_threads) % mails.size()]);
                    for (const auto& a : m.attachments) got[t].push_back({a.data, a.sniffed_type, a.sniffed_label});
                }
            });
    }
    reference_magic ref;
    ASSERT_TRUE(ref.mime && ref.label);
    std::map<std::string, std::pair<std::string, std::string>> want;  // by the bytes
    std::size_t compared = 0;
    for (const auto& per_thread : got)
        for (const auto& s : per_thread) {
            auto it = want.find(s.data);
            if (it == want.end()) {
                std::string label = reference_magic::answer(ref.label, s.data);
                if (label.size() > 200) label.resize(200);
                it = want.emplace(s.data, std::pair{reference_magic::answer(ref.mime, s.data), label}).first;
            }
            EXPECT_EQ(s.type, it->second.first);
            EXPECT_EQ(s.label, it->second.second);
            ++compared;
        }
    // Every thread saw every attachment; more distinct ones than the memo keeps.
    EXPECT_EQ(compared, k_threads * got[0].size());
    EXPECT_GT(want.size(), 512u);
}

namespace {

// Texts of many kinds: plain in several encodings and line ends (no rule
// matches: the short way), and kinds that libmagic's rules know (the long way).
std::vector<std::string> text_samples() {
    std::string lines;
    for (int i = 0; i < 60; ++i) lines += "line " + std::to_string(i) + " of a plain note about the invoice\n";
    std::string crlf;
    for (int i = 0; i < 60; ++i) crlf += "row " + std::to_string(i) + ", amount, due date\r\n";
    const std::string long_line(5000, 'x');
    return {
        lines,
        crlf,
        "short\n",
        "ab",
        long_line + "\n" + lines,
        // UTF-8 Japanese, Shift_JIS, EUC-JP and ISO-2022-JP of "お世話になっております。\n請求書を送付します。\n"
        "\xe3\x81\x8a\xe4\xb8\x96\xe8\xa9\xb1\xe3\x81\xab\xe3\x81\xaa\xe3\x81\xa3\xe3\x81\xa6\xe3\x81\x8a\xe3\x82\x8a"
        "\xe3\x81\xbe\xe3\x81\x99\xe3\x80\x82\n\xe8\xab\x8b\xe6\xb1\x82\xe6\x9b\xb8\xe3\x82\x92\xe9\x80\x81\xe4\xbb"
        "\x98\xe3\x81\x97\xe3\x81\xbe\xe3\x81\x99\xe3\x80\x82\n",
        "\x82\xa8\x90\xa2\x98\x62\x82\xc9\x82\xc8\x82\xc1\x82\xc4\x82\xa8\x82\xe8\x82\xdc\x82\xb7\x81\x42\n\x90\xbf"
        "\x8b\x81\x8f\x91\x82\xf0\x91\x97\x95\x74\x82\xb5\x82\xdc\x82\xb7\x81\x42\n",
        "\xa4\xaa\xc0\xa4\xcf\xc3\xa4\xcb\xa4\xca\xa4\xc3\xa4\xc6\xa4\xaa\xa4\xea\xa4\xde\xa4\xb9\xa1\xa3\n\xc0\xc1"
        "\xb5\xe1\xbd\xf1\xa4\xf2\xc1\xf7\xc9\xd5\xa4\xb7\xa4\xde\xa4\xb9\xa1\xa3\n",
        "\x1b$B$*@$OC$K$J$C$F$*$j$^$9!#\x1b(B\n\x1b$B@A5a=q$rAwIU$7$^$9!#\x1b(B\n",
        std::string("\xff\xfeh\0i\0 \0t\0h\0e\0r\0e\0\n\0", 20),  // UTF-16LE with BOM
        "\xef\xbb\xbfwith a byte order mark\n",                   // UTF-8 with BOM
        "Gr\xfc\xdf"
        "e aus M\xfcnchen, \xe0 bient\xf4t\n",                                          // ISO-8859-1
        "Dear customer,\x85please find the file\x85",                                   // NEL line ends
        "a\bab\bb \x1b[1mbold\x1b[0m\n",                                                // backspaces, escapes
        "name,amount,date\nfoo,12,2026-01-01\nbar,13,2026-01-02\nbaz,14,2026-01-03\n",  // CSV
        "{\"invoice\": 12, \"items\": [1, 2, 3], \"paid\": false}\n",                   // JSON
        "#!/bin/sh\necho hello\nexit 0\n",
        "#!/usr/bin/env python3\nimport os\nprint(os.getcwd())\n",
        "#include <stdio.h>\nint main(void) { printf(\"hi\\n\"); return 0; }\n",
        "<!DOCTYPE html>\n<html><head><title>x</title></head><body><p>hi</p></body></html>\n",
        "<?xml version=\"1.0\"?>\n<invoice><total>12</total></invoice>\n",
        "-----BEGIN PGP SIGNATURE-----\n\niQEzBAEBCAAdFiEE\n=abcd\n-----END PGP SIGNATURE-----\n",
        "--- a/x.c\n+++ b/x.c\n@@ -1,2 +1,2 @@\n-old\n+new\n",
        "BEGIN:VCALENDAR\nVERSION:2.0\nBEGIN:VEVENT\nSUMMARY:meeting\nEND:VEVENT\nEND:VCALENDAR\n",
        "From: a@example.com\nTo: b@example.com\nSubject: hi\n\nbody\n",
        "From a@example.com Sat Jan  3 01:05:34 2026\nSubject: hi\n\nbody\n",
        "@echo off\r\nstart calc.exe\r\n",
        "Attribute VB_Name = \"Module1\"\r\nSub AutoOpen()\r\nEnd Sub\r\n",
        "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n",
        std::string("\0\0\0\0binary\0\1\2", 13),
        "",
    };
}

void expect_full_answers(reference_magic& ref, const std::string& data, const std::string& where) {
    const auto a = mime::magic_sniff(data);
    EXPECT_EQ(a.type, reference_magic::answer(ref.mime, data)) << where;
    EXPECT_EQ(a.label, reference_magic::answer(ref.label, data)) << where;
}

}  // namespace

TEST(magic, sniff_gives_the_full_answers_for_texts_with_and_without_rules) {
    reference_magic ref;
    ASSERT_TRUE(ref.mime && ref.label);
    std::set<std::string> types;
    const auto samples = text_samples();
    for (std::size_t i = 0; i < samples.size(); ++i) {
        expect_full_answers(ref, samples[i], "sample " + std::to_string(i));
        types.insert(reference_magic::answer(ref.mime, samples[i]));
    }
    // Both ways are taken: plain texts and texts that rules name.
    EXPECT_TRUE(types.contains("text/plain"));
    EXPECT_TRUE(types.contains("text/x-shellscript"));
    EXPECT_TRUE(types.contains("text/html"));
    EXPECT_TRUE(types.contains("text/csv"));

    const fs::path root(REPLYGUARD_CORPUS_DIR);
    if (!fs::is_directory(root)) GTEST_SKIP() << root << " not present";
    std::size_t n = 0, texts = 0;
    for (const auto& p : replyguard::test::single_message_files(root)) {
        if (n++ % 8 != 0) continue;
        const std::string bytes = test::slurp(p);
        expect_full_answers(ref, bytes, p.string());
        for (const auto& t : mime::parse_message(bytes, limits{}).text_parts) {
            expect_full_answers(ref, t.text, p.string() + " text part " + t.part_path);
            if (!t.html.empty()) expect_full_answers(ref, t.html, p.string() + " HTML of part " + t.part_path);
            ++texts;
        }
    }
    EXPECT_GT(texts, 300u);
}

// Three threads hold their handles at once: the database is mapped once for the process,
// not once a handle (/proc/self/maps: libmagic's own load maps a copy a handle), and
// every thread still answers as libmagic does.
std::size_t mgc_mappings() {
    std::ifstream maps("/proc/self/maps");
    std::set<std::string> regions;
    for (std::string line; std::getline(maps, line);)
        if (line.ends_with(".mgc")) regions.insert(line.substr(0, line.find(' ')));
    return regions.size();
}

TEST(magic, threads_share_one_mapping_of_the_database) {
    const std::string office = "PK\x03\x04";
    const std::string text = "Dear Hanako,\nplease find the quarterly figures attached.\n";
    reference_magic ref;  // two handles of libmagic's own load: two mappings of their own
    const std::string want_text = reference_magic::answer(ref.mime, text);
    ASSERT_FALSE(want_text.empty());
    const std::size_t before = mgc_mappings();
    ASSERT_GE(before, 2u);  // libmagic maps its database (QUICK): what this test counts
    std::mutex mu;
    std::condition_variable cv;
    int ready = 0;
    bool release = false;
    std::vector<std::string> got(3);
    std::vector<std::thread> ts;
    for (int i = 0; i < 3; ++i)
        ts.emplace_back([&, i] {
            got[static_cast<std::size_t>(i)] = mime::magic_type(text);
            std::unique_lock lock(mu);
            ++ready;
            cv.notify_all();
            cv.wait(lock, [&] { return release; });
        });
    std::size_t during = 0;
    {
        std::unique_lock lock(mu);
        cv.wait(lock, [&] { return ready == 3; });
        during = mgc_mappings();  // three handles alive
        release = true;
        cv.notify_all();
    }
    for (auto& t : ts) t.join();
    for (const auto& g : got) EXPECT_EQ(g, want_text);
    // At most the process's one mapping is new (an earlier test may have made it).
    EXPECT_LE(during, before + 1);
    EXPECT_EQ(mime::magic_type(office), reference_magic::answer(ref.mime, office));
}

// The process's mapping of the database is resident whole from the first answer on
// (MAP_POPULATE, mime/magic.cpp): the pages libmagic's rules reach no longer grow
// with the variety of the mail seen. /proc/self/smaps: a mapping of the .mgc file
// whose resident size is its size. libmagic's own loads (none in this test's
// process unless the tests run in one) fault their pages in as read, so only the
// populated mapping is whole: with MAP_POPULATE removed, a plain text's answer
// touches a few hundred KB of the 8 MB and this fails.
TEST(magic, the_database_is_resident_whole_from_the_first_answer) {
    ASSERT_FALSE(mime::magic_type("Dear Hanako,\nthe figures are attached.\n").empty());
    std::ifstream smaps("/proc/self/smaps");
    bool in_mgc = false;
    long size_kb = -1;
    std::size_t mgc = 0, whole = 0;
    for (std::string line; std::getline(smaps, line);) {
        const auto dash = line.find('-');
        if (dash != std::string::npos && dash > 0 && line.find_first_not_of("0123456789abcdef") == dash) {
            in_mgc = line.ends_with(".mgc");  // a mapping's first line: range, perms, ..., path
            mgc += in_mgc ? 1 : 0;
            size_kb = -1;
        } else if (in_mgc && line.starts_with("Size:")) {
            size_kb = std::stol(line.substr(5));
        } else if (in_mgc && line.starts_with("Rss:")) {
            const long rss_kb = std::stol(line.substr(4));
            if (size_kb > 1024 && rss_kb == size_kb) ++whole;
        }
    }
    ASSERT_GE(mgc, 1u) << "no mapping of the compiled database (libmagic's own load is used)";
    EXPECT_EQ(whole, 1u);
}
