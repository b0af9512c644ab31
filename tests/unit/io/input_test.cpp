// SPDX-License-Identifier: Apache-2.0
// io/input_test.cpp - PATH arguments to messages: files, folders, Maildir, mbox, errors
//
// The folder tests build a small tree in a temporary folder (removed after);
// the mbox test also reads a real mailing-list mbox of the shared corpus.
#include "io/input.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

using namespace replyguard;
namespace fs = std::filesystem;

namespace {

class InputTree : public ::testing::Test {
protected:
    void SetUp() override {
        root_ = fs::temp_directory_path() / ("rg-io-test-" + std::to_string(::getpid()) + "-" +
                                             ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(root_);
        fs::create_directories(root_);
    }
    void TearDown() override { fs::remove_all(root_); }
    void write(const fs::path& rel, std::string_view bytes) {
        fs::create_directories((root_ / rel).parent_path());
        std::ofstream(root_ / rel, std::ios::binary) << bytes;
    }
    std::vector<std::string> sources(const std::vector<io::input_item>& items) {
        std::vector<std::string> s;
        for (const auto& i : items) s.push_back(i.source);
        return s;
    }
    fs::path root_;
};

constexpr std::string_view k_msg = "From: a@example.com\nSubject: one\n\nbody\n";

}  // namespace

TEST_F(InputTree, AFolderIsWalkedInNameOrderSkippingHiddenFiles) {
    write("b.eml", k_msg);
    write("a.eml", k_msg);
    write("sub/c.eml", k_msg);
    write(".hidden.eml", k_msg);
    write(".git/config", "not mail");
    auto items = io::expand_inputs({root_.string()});
    const std::string r = root_.string();
    EXPECT_EQ(sources(items), (std::vector<std::string>{r + "/a.eml", r + "/b.eml", r + "/sub/c.eml"}));
    for (const auto& i : items) {
        EXPECT_FALSE(i.error);
        auto bytes = io::load(i);
        ASSERT_TRUE(bytes);
        EXPECT_EQ(*bytes, k_msg);
    }
}

// The names are sorted by their bytes (as fs::path compares file names), not by the
// locale: upper case before lower, '.' and '-' before digits, UTF-8 last; a folder's
// entries come before the next name of its parent.
TEST_F(InputTree, AFolderIsListedInByteOrderOfTheNames) {
    const std::vector<std::string> names = {"b.eml", "B.eml", "a-1.eml", "a.eml", "a1.eml", "\xc3\xa9t\xc3\xa9.eml",
                                            "Z.eml", "0.eml", "a b.eml", "~x.eml"};
    for (const auto& n : names) write(n, k_msg);
    write("a0/in.eml", k_msg);
    auto items = io::expand_inputs({root_.string()});
    std::vector<std::string> want;
    for (const auto& n : names) want.push_back(n);
    want.push_back("a0/in.eml");
    std::sort(want.begin(), want.end(), [](const std::string& x, const std::string& y) {
        return fs::path(x).begin()->native() < fs::path(y).begin()->native() ||
               (fs::path(x).begin()->native() == fs::path(y).begin()->native() && x < y);
    });
    for (auto& w : want) w = root_.string() + "/" + w;
    EXPECT_EQ(sources(items), want);
    EXPECT_EQ(want[0], root_.string() + "/0.eml");
    EXPECT_EQ(want.back(), root_.string() + "/\xc3\xa9t\xc3\xa9.eml");
    for (const auto& i : items) EXPECT_EQ(io::load(i).value_or(""), k_msg) << i.source;
}

TEST_F(InputTree, AMaildirReadsCurAndNewButNotTmp) {
    write("Maildir/cur/1.host:2,S", k_msg);
    write("Maildir/new/2.host", k_msg);
    write("Maildir/tmp/3.host", k_msg);            // still being delivered
    write("Maildir/.Sent/cur/4.host:2,S", k_msg);  // Maildir++ sub-folder: hidden, but mail
    fs::create_directories(root_ / "Maildir/.Sent/new");
    auto items = io::expand_inputs({(root_ / "Maildir").string()});
    std::vector<std::string> s = sources(items);
    EXPECT_EQ(s.size(), 3u);
    EXPECT_TRUE(std::none_of(s.begin(), s.end(),
                             [](const std::string& x) { return x.find("/Maildir/tmp/") != std::string::npos; }));
    EXPECT_TRUE(std::any_of(s.begin(), s.end(),
                            [](const std::string& x) { return x.find("/.Sent/cur/") != std::string::npos; }));
}

TEST_F(InputTree, AMissingPathIsOneItemWithAnErrorAndTheWalkGoesOn) {
    write("a.eml", k_msg);
    auto items = io::expand_inputs({(root_ / "missing.eml").string(), (root_ / "a.eml").string()});
    ASSERT_EQ(items.size(), 2u);
    ASSERT_TRUE(items[0].error);
    EXPECT_NE(items[0].error->find("missing.eml"), std::string::npos);
    EXPECT_FALSE(io::load(items[0]));
    EXPECT_FALSE(items[1].error);
}

TEST_F(InputTree, AnMboxFileBecomesOneItemPerMessage) {
    write("box.mbox",
          "From a@example.com Mon Mar  2 09:00:00 2020\nFrom: a@example.com\nSubject: one\n\nfirst\n>From quoted\n\n"
          "From b@example.com Mon Mar  2 10:00:00 2020\nFrom: b@example.com\nSubject: two\n\nsecond\n");
    const std::string path = (root_ / "box.mbox").string();
    auto items = io::expand_inputs({path});
    ASSERT_EQ(items.size(), 2u);
    EXPECT_EQ(items[0].source, path + "#0");
    EXPECT_EQ(items[1].source, path + "#1");
    auto first = io::load(items[0]);
    auto second = io::load(items[1]);
    ASSERT_TRUE(first && second);
    EXPECT_EQ(*first, "From: a@example.com\nSubject: one\n\nfirst\n>From quoted\n");  // no envelope, no separator line
    EXPECT_EQ(*second, "From: b@example.com\nSubject: two\n\nsecond\n");
}

// The listing reads the first 64 KB of a file with one read (input.cpp, k_peek_bytes): what
// lies beyond it must still decide, and load() must still read the whole file.
TEST_F(InputTree, FilesLargerThanTheListingsFirstReadAreJudgedAndLoadedWhole) {
    const std::string envelope = "From a@example.com Mon Mar  2 09:00:00 2020\n";
    const std::string big_body(100'000, 'x');
    // One enveloped message of 100 KB: a message, whole.
    const std::string single = envelope + std::string(k_msg) + big_body + "\n";
    write("single", single);
    // Two messages, the second envelope line past the first 64 KB: an mbox.
    write("two", envelope + std::string(k_msg) + big_body + "\n\n" + envelope + std::string(k_msg));
    auto items = io::expand_inputs({(root_ / "single").string(), (root_ / "two").string()});
    ASSERT_EQ(items.size(), 3u);
    EXPECT_EQ(items[0].source, (root_ / "single").string());
    EXPECT_EQ(items[1].source, (root_ / "two").string() + "#0");
    EXPECT_EQ(items[2].source, (root_ / "two").string() + "#1");
    auto bytes = io::load(items[0]);
    ASSERT_TRUE(bytes);
    EXPECT_EQ(*bytes, single);
    auto second = io::load(items[2]);
    ASSERT_TRUE(second);
    EXPECT_EQ(*second, k_msg);
}

TEST_F(InputTree, LoadReadsTheFileAsItIsThenNotAsItWasListed) {
    write("a.eml", k_msg);
    const std::string path = (root_ / "a.eml").string();
    auto items = io::expand_inputs({(root_ / "").string()});
    ASSERT_EQ(items.size(), 1u);
    // Grown after the listing (its size_hint is stale): read to its end.
    const std::string grown = std::string(k_msg) + std::string(70'000, 'y') + "\n";
    write("a.eml", grown);
    auto bytes = io::load(items[0]);
    ASSERT_TRUE(bytes);
    EXPECT_EQ(*bytes, grown);
    // Shrunk: what is there.
    write("a.eml", "From: b@example.com\n\nx\n");
    bytes = io::load(items[0]);
    ASSERT_TRUE(bytes);
    EXPECT_EQ(*bytes, "From: b@example.com\n\nx\n");
    // Gone: an error naming the file.
    fs::remove(root_ / "a.eml");
    bytes = io::load(items[0]);
    ASSERT_FALSE(bytes);
    EXPECT_NE(bytes.error().message.find(path), std::string::npos);
}

TEST_F(InputTree, AFileLargerThanTheLimitIsReadOnlyThatFar) {
    const std::string big = std::string(k_msg) + std::string(200'000, 'z');
    write("big.eml", big);
    io::input_options o;
    o.max_bytes = 1000;
    auto items = io::expand_inputs({(root_ / "big.eml").string()}, o);
    ASSERT_EQ(items.size(), 1u);
    ASSERT_TRUE(items[0].full_size);
    EXPECT_EQ(*items[0].full_size, big.size());
    auto bytes = io::load(items[0]);
    ASSERT_TRUE(bytes);
    EXPECT_EQ(*bytes, big.substr(0, 1000));
}

// scan's listing keeps what its first read got whole (input_options::keep_bytes): load()
// then opens nothing, so a file removed after the listing still loads as listed. Only a
// file read whole and within the limit is kept: not one past the first read, not one
// over max_bytes, not an empty one; an mbox's small messages are kept (next test).
TEST_F(InputTree, KeptBytesAreTheFileAsListedAndLoadOpensNothing) {
    write("small.eml", k_msg);
    const std::string big = std::string(k_msg) + std::string(70'000, 'x') + "\n";
    write("big.eml", big);
    write("box", "From a@x Mon Mar  2 09:00:00 2020\n\none\nFrom b@x Mon Mar  2 10:00:00 2020\n\ntwo\n");
    write("over.eml", std::string(k_msg) + std::string(2000, 'z'));
    write("empty.eml", "");
    io::input_options o;
    o.keep_bytes = true;
    o.max_bytes = 1000;
    const std::string r = root_.string();
    auto items =
        io::expand_inputs({r + "/small.eml", r + "/big.eml", r + "/box", r + "/over.eml", r + "/empty.eml"}, o);
    ASSERT_EQ(items.size(), 6u);
    EXPECT_EQ(items[0].bytes, k_msg);
    EXPECT_EQ(items[2].bytes, "\none\n");  // the mbox's messages (no header fields)
    EXPECT_EQ(items[3].bytes, "\ntwo\n");
    for (std::size_t i : {1, 4, 5}) EXPECT_TRUE(items[i].bytes.empty()) << items[i].source;
    EXPECT_TRUE(items[4].full_size);
    fs::remove(root_ / "small.eml");
    auto copied = io::load(items[0]);  // the const overload copies them
    ASSERT_TRUE(copied);
    EXPECT_EQ(*copied, k_msg);
    auto moved = io::load(std::move(items[0]));
    ASSERT_TRUE(moved);
    EXPECT_EQ(*moved, k_msg);
    // Not kept: read when loaded, as without keep_bytes.
    o.max_bytes = 0;
    auto whole = io::expand_inputs({r + "/big.eml"}, o);
    ASSERT_EQ(whole.size(), 1u);
    EXPECT_TRUE(whole[0].bytes.empty());
    auto bytes = io::load(std::move(whole[0]));
    ASSERT_TRUE(bytes);
    EXPECT_EQ(*bytes, big);
}

// An mbox listed with keep_bytes: each message under 64 KB comes with its bytes, copied
// from the stream's window, and loads to what its byte range reads, with the file gone;
// a larger one is a range read when loaded. A message is its bytes, never an Outlook
// .msg (one that starts with OLE2's signature loads as it is, as its range does).
TEST_F(InputTree, AnMboxsSmallMessagesAreKeptAndLoadAsTheirRanges) {
    // A real Outlook .msg (tests/data/outlook/strangeDate.msg, no "\nFrom " in it) as a message.
    std::ifstream msg_file(std::string(REPLYGUARD_TEST_DATA) + "/outlook/strangeDate.msg", std::ios::binary);
    const std::string ole{std::istreambuf_iterator<char>(msg_file), {}};
    ASSERT_GT(ole.size(), 1000u);
    ASSERT_EQ(ole.find("\nFrom "), std::string::npos);
    const std::string large = "Subject: large\n\n" + std::string(70'000, 'y') + "\n";
    const std::string box =
        "From a@x Mon Mar  2 09:00:00 2020\nSubject: one\n\nfirst\n"
        "From b@x Mon Mar  2 10:00:00 2020\n" +
        large + "From c@x Mon Mar  2 11:00:00 2020\n" + ole +
        "\n"
        "From d@x Mon Mar  2 12:00:00 2020\nSubject: four\n\nlast\n";
    write("box.mbox", box);
    const std::string path = (root_ / "box.mbox").string();
    io::input_options keep;
    keep.keep_bytes = true;
    auto kept = io::expand_inputs({path}, keep);
    auto plain = io::expand_inputs({path});
    ASSERT_EQ(kept.size(), 4u);
    ASSERT_EQ(plain.size(), 4u);
    std::vector<std::string> want;
    for (const auto& it : plain) {
        EXPECT_TRUE(it.bytes.empty());
        auto b = io::load(it);
        ASSERT_TRUE(b) << it.source;
        want.push_back(*b);
    }
    EXPECT_EQ(want[1], large);
    EXPECT_EQ(want[2], ole + "\n");
    for (std::size_t i = 0; i < kept.size(); ++i) {
        EXPECT_EQ(kept[i].source, plain[i].source);
        EXPECT_EQ(kept[i].offset, plain[i].offset);
        EXPECT_EQ(kept[i].length, plain[i].length);
        EXPECT_FALSE(kept[i].whole_file);
        EXPECT_EQ(kept[i].bytes, i == 1 ? std::string() : want[i]) << kept[i].source;
    }
    fs::remove(root_ / "box.mbox");
    for (std::size_t i : {0, 2, 3}) {
        auto copied = io::load(kept[i]);
        ASSERT_TRUE(copied) << kept[i].source;
        EXPECT_EQ(*copied, want[i]);
        auto moved = io::load(std::move(kept[i]));
        ASSERT_TRUE(moved) << kept[i].source;
        EXPECT_EQ(*moved, want[i]);
    }
    EXPECT_FALSE(io::load(kept[1]));  // a range: read when loaded, and the file is gone
}

// On the corpus: every message loads to the same bytes whether the listing kept them or not.
TEST(CorpusKeepBytes, TheSameBytesAsReadWhenLoaded) {
    const fs::path dir = fs::path(REPLYGUARD_CORPUS_DIR) / "benign/japanese";
    if (!fs::exists(dir)) GTEST_SKIP() << dir << " not present";
    io::input_options keep;
    keep.keep_bytes = true;
    auto kept = io::expand_inputs({dir.string()}, keep);
    auto plain = io::expand_inputs({dir.string()});
    ASSERT_EQ(kept.size(), plain.size());
    ASSERT_GT(kept.size(), 10u);
    std::size_t n_kept = 0;
    for (std::size_t i = 0; i < kept.size(); ++i) {
        ASSERT_EQ(kept[i].source, plain[i].source);
        n_kept += !kept[i].bytes.empty();
        auto a = io::load(std::move(kept[i]));
        auto b = io::load(plain[i]);
        ASSERT_EQ(a.has_value(), b.has_value()) << plain[i].source;
        if (a) {
            EXPECT_EQ(*a, *b) << plain[i].source;
        }
    }
    EXPECT_GT(n_kept, kept.size() / 2);  // most corpus files are under 64 KB
}

// The corpus's real mbox files: the same messages, the same bytes, kept or read.
TEST(CorpusKeepBytes, AnMboxsMessagesLoadTheSameKeptOrRead) {
    const fs::path root(REPLYGUARD_CORPUS_DIR);
    std::size_t n_kept = 0, n = 0;
    for (const char* rel : {"benign/mailing-lists/fedora-devel-list-2010-01.mbox", "outlook/apache-dev-age.mbox",
                            "mime-edge/mimekit/mbox/content-length.mbox.txt"}) {
        const fs::path p = root / rel;
        if (!fs::exists(p)) continue;
        io::input_options keep;
        keep.keep_bytes = true;
        auto kept = io::expand_inputs({p.string()}, keep);
        auto plain = io::expand_inputs({p.string()});
        ASSERT_EQ(kept.size(), plain.size()) << rel;
        ASSERT_GT(kept.size(), 1u) << rel;
        for (std::size_t i = 0; i < kept.size(); ++i) {
            ASSERT_EQ(kept[i].source, plain[i].source);
            n_kept += !kept[i].bytes.empty();
            ++n;
            auto a = io::load(std::move(kept[i]));
            auto b = io::load(plain[i]);
            ASSERT_TRUE(a && b) << plain[i].source;
            EXPECT_EQ(*a, *b) << plain[i].source;
        }
    }
    if (!n) GTEST_SKIP() << "no corpus mbox present";
    EXPECT_GT(n_kept, n / 2);
}

TEST(SplitMbox, ContentLengthIsHonouredWhenItLandsOnTheNextEnvelope) {
    // The body holds a "From " line that is not an envelope; Content-Length says where the message ends.
    std::string box =
        "From a@example.com Mon Mar  2 09:00:00 2020\nContent-Length: 28\n\nbody\nFrom here on, we agree\n"
        "From b@example.com Mon Mar  2 10:00:00 2020\nSubject: two\n\nsecond\n";
    auto r = io::split_mbox(box);
    ASSERT_EQ(r.size(), 2u);
    EXPECT_EQ(box.substr(r[0].first, r[0].second), "Content-Length: 28\n\nbody\nFrom here on, we agree\n");

    // A wrong Content-Length is ignored: the split falls back to "From " lines.
    std::string bad =
        "From a@x Mon Mar  2 09:00:00 2020\nContent-Length: 3\n\nbody one\n\nFrom b@x Mon Mar  2 10:00:00 2020\n\ntwo\n";
    EXPECT_EQ(io::split_mbox(bad).size(), 2u);
}

TEST(LooksLikeMbox, OneEnvelopedMessageIsAMessage) {
    EXPECT_FALSE(io::looks_like_mbox("x.eml", std::string(k_msg)));
    // SpamAssassin corpus style: one message with an envelope line.
    EXPECT_FALSE(
        io::looks_like_mbox("00001.abc", "From a@example.com Mon Mar  2 09:00:00 2020\n" + std::string(k_msg)));
    EXPECT_TRUE(io::looks_like_mbox(
        "two", "From a@x Mon Mar  2 09:00:00 2020\n\none\nFrom b@x Mon Mar  2 10:00:00 2020\n\ntwo\n"));
    EXPECT_TRUE(io::looks_like_mbox("list.mbox", "junk\nFrom a@x Mon Mar  2 09:00:00 2020\n\none\n"));
    EXPECT_FALSE(io::looks_like_mbox("list.mbox", "no envelope at all\n"));
}

TEST(CorpusMbox, AMailingListArchiveSplitsIntoItsMessages) {
    const fs::path box = fs::path(REPLYGUARD_CORPUS_DIR) / "benign/mailing-lists/fedora-devel-list-2010-01.mbox";
    if (!fs::exists(box)) GTEST_SKIP() << box << " not present";
    auto items = io::expand_inputs({box.string()});
    ASSERT_GT(items.size(), 10u);
    std::size_t with_headers = 0;
    for (std::size_t i = 0; i < items.size(); ++i) {
        EXPECT_EQ(items[i].source, box.string() + "#" + std::to_string(i));
        auto bytes = io::load(items[i]);
        ASSERT_TRUE(bytes) << items[i].source;
        EXPECT_FALSE(bytes->starts_with("From ")) << items[i].source;  // the envelope line is not part of the message
        if (bytes->find("\nSubject: ") != std::string::npos || bytes->starts_with("Subject: ")) ++with_headers;
    }
    EXPECT_EQ(with_headers, items.size());
}
