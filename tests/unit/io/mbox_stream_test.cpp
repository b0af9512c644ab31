// SPDX-License-Identifier: Apache-2.0
// tests/unit/io/mbox_stream_test.cpp - the streamed mbox splits as the whole file does
#include "io/mbox_stream.hpp"
#include "io/input.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

using namespace replyguard;

namespace {

std::vector<std::string> whole(const std::string& data) {
    std::vector<std::string> out;
    for (auto [o, n] : io::split_mbox(data)) out.push_back(data.substr(o, n));
    return out;
}

std::vector<std::string> streamed(const std::string& data, std::size_t max_bytes = 0) {
    std::istringstream in(data);
    io::mbox_stream s(in, max_bytes);
    std::vector<std::string> out;
    while (auto m = s.next()) out.push_back(std::move(*m));
    EXPECT_EQ(s.count(), out.size());
    return out;
}

// An mbox of several windows: plain messages, CRLF ones, a Content-Length body
// with an unescaped "From " line in it, a preamble, messages of 0.5 MB.
std::string big_mbox() {
    std::string m = "preamble that is not mail\n";
    for (int i = 0; i < 6000; ++i) {
        m += "From sender@example.com Mon Jan  1 00:00:00 2024\n";
        if (i % 7 == 3) {
            const std::string body = "line one\nFrom here on a body line\nend " + std::to_string(i) + "\n";
            m += "Subject: cl " + std::to_string(i) + "\nContent-Length: " + std::to_string(body.size()) + "\n\n" +
                 body + "\n";
        } else if (i % 11 == 5) {
            m += "Subject: crlf " + std::to_string(i) + "\r\n\r\nbody\r\n\r\n";
        } else if (i % 150 == 149) {
            m += "Subject: big\n\n" + std::string(512 * 1024, 'x') + "\n\n";
        } else {
            m += "Subject: plain " + std::to_string(i) + "\n\nbody " +
                 std::string(static_cast<std::size_t>(i % 300), 'y') + "\n\n";
        }
    }
    return m;
}

}  // namespace

TEST(MboxStream, SplitsAsTheWholeFileDoesAcrossManyWindows) {
    const auto data = big_mbox();
    ASSERT_GT(data.size(), 3 * (io::k_mbox_chunk + io::k_mbox_read_ahead));
    const auto a = whole(data);
    const auto b = streamed(data);
    ASSERT_EQ(a.size(), 6000u);
    ASSERT_EQ(b.size(), a.size());
    for (std::size_t i = 0; i < a.size(); ++i) ASSERT_EQ(a[i], b[i]) << "message " << i;
}

// The streamed reader splits only up to the messages that can settle: a split told
// to stop past a point gives the whole split's first ranges, up to and including the
// first one ending beyond that point.
TEST(MboxStream, ASplitStoppedPastAPointIsThePrefixOfTheWholeSplit) {
    const auto data = big_mbox();
    const auto all = io::split_mbox(data);
    ASSERT_EQ(all.size(), 6000u);
    for (std::size_t past : {std::size_t{0}, std::size_t{1}, std::size_t{4096}, data.size() / 3, data.size() / 2,
                             data.size() - 1, data.size(), data.size() + 1}) {
        const auto some = io::split_mbox(data, past);
        std::size_t want = 0;
        while (want < all.size() && all[want].first + all[want].second <= past) ++want;
        want = std::min(want + 1, all.size());  // and the first one ending beyond it
        ASSERT_EQ(some.size(), want) << "past " << past;
        for (std::size_t i = 0; i < some.size(); ++i) ASSERT_EQ(some[i], all[i]) << "past " << past << ", range " << i;
    }
}

TEST(MboxStream, EmptyAndSingleMessageStreams) {
    EXPECT_TRUE(streamed("").empty());
    const std::string one = "From a@b Mon Jan  1 00:00:00 2024\nSubject: x\n\nbody\n";
    EXPECT_EQ(streamed(one), whole(one));
}

TEST(MboxStream, AMessageWithoutAnEndIsCutAtTheLimitAndTheNextOneStillComes) {
    std::string data = "From a@b Mon Jan  1 00:00:00 2024\nSubject: huge\n\n";
    data += std::string(io::k_mbox_read_ahead + 3 * io::k_mbox_chunk, 'z');
    data += "\nFrom a@b Mon Jan  1 00:00:00 2024\nSubject: after\n\nok\n";
    const auto b = streamed(data, 1000);
    ASSERT_EQ(b.size(), 2u);
    EXPECT_EQ(b[0].size(), 1000u);
    EXPECT_TRUE(b[0].starts_with("Subject: huge"));
    EXPECT_EQ(b[1], "Subject: after\n\nok\n");
}

// scan's listing takes places, not bytes (next_range): the same messages, read again
// from the data at those places, as next() hands out, truncation included.
TEST(MboxStream, RangesNameTheBytesNextWouldHandOut) {
    auto data = big_mbox();
    data += "From a@b Mon Jan  1 00:00:00 2024\nSubject: huge\n\n";
    data += std::string(io::k_mbox_read_ahead + 3 * io::k_mbox_chunk, 'z');
    data += "\nFrom a@b Mon Jan  1 00:00:00 2024\nSubject: after\n\nok\n";
    const std::size_t limit = 300 * 1024;  // cuts the 0.5 MB messages and the huge one
    const auto a = streamed(data, limit);
    std::istringstream in(data);
    io::mbox_stream s(in, limit);
    std::vector<std::string> b;
    while (auto r = s.next_range()) {
        EXPECT_EQ(s.offset(), r->first);
        b.push_back(data.substr(r->first, r->second));
    }
    EXPECT_EQ(s.count(), b.size());
    ASSERT_EQ(b.size(), a.size());
    ASSERT_EQ(a.size(), 6002u);
    for (std::size_t i = 0; i < a.size(); ++i) ASSERT_EQ(a[i], b[i]) << "message " << i;
    EXPECT_EQ(b[6000].size(), limit);
}

// scan's listing asks for pieces: a message shorter than keep_below comes with its
// bytes (copied out of the window when handed out), a longer one as a place only.
TEST(MboxStream, PiecesCarryTheBytesOfTheShortMessagesOnly) {
    const auto data = big_mbox();
    const auto all = io::split_mbox(data);
    std::istringstream in(data);
    io::mbox_stream s(in, 0);
    std::size_t i = 0, with_bytes = 0;
    while (auto p = s.next_piece(1000)) {
        ASSERT_LT(i, all.size());
        EXPECT_EQ(p->offset, all[i].first) << "message " << i;
        EXPECT_EQ(p->length, all[i].second) << "message " << i;
        if (p->length < 1000) {
            ASSERT_EQ(p->bytes, data.substr(p->offset, p->length)) << "message " << i;
            ++with_bytes;
        } else {
            EXPECT_TRUE(p->bytes.empty()) << "message " << i;
        }
        ++i;
    }
    EXPECT_EQ(i, all.size());
    EXPECT_GT(with_bytes, 1000u);
    EXPECT_LT(with_bytes, all.size());
}

// A PATH opened as a stream: its first k_mbox_read_ahead bytes are read to decide
// (and become the start of the window), the rest streamed; the same messages as the
// whole file.
TEST(MboxStream, AFileOpenedAsAStreamSplitsAsTheWholeFile) {
    const auto data = big_mbox();
    const auto path = std::filesystem::temp_directory_path() /
                      ("replyguard_mbox_stream_test." + std::to_string(::getpid()) + ".mbox");
    {
        std::ofstream out(path, std::ios::binary);
        out << data;
    }
    std::vector<io::input_item> rest;
    auto src = io::open_mbox_stream(path.string(), io::input_options{}, rest);
    ASSERT_TRUE(src.has_value());
    ASSERT_TRUE(src->reader);
    std::vector<std::string> b;
    while (auto m = src->reader->next()) b.push_back(std::move(*m));
    std::filesystem::remove(path);
    const auto a = whole(data);
    ASSERT_EQ(b.size(), a.size());
    for (std::size_t i = 0; i < a.size(); ++i) ASSERT_EQ(a[i], b[i]) << "message " << i;
}
