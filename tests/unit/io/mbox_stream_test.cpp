// SPDX-License-Identifier: Apache-2.0
// tests/unit/io/mbox_stream_test.cpp - the streamed mbox splits as the whole file does
#include "io/mbox_stream.hpp"
#include "io/input.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
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

// `got` holds the messages of `want`, in order, each cut at `limit` (0: none); the first
// difference fails the test (told by `where`), not every message after it too.
void expect_same_messages(const std::vector<std::string>& want, const std::vector<std::string>& got,
                          std::size_t limit = 0, const std::string& where = "") {
    for (std::size_t i = 0; i < std::min(want.size(), got.size()); ++i) {
        const auto w = limit ? want[i].substr(0, limit) : want[i];
        if (w != got[i]) {
            ADD_FAILURE() << where << "message " << i << ": " << got[i].size() << " bytes, not " << w.size() << " of "
                          << w.substr(0, 60);
            return;
        }
    }
    EXPECT_EQ(got.size(), want.size()) << where;
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
    ASSERT_EQ(a.size(), 6000u);
    expect_same_messages(a, streamed(data));
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
    expect_same_messages(whole(data), b);
}

namespace {

// An mbox with every way a message's end is decided: a Content-Length that lands
// (short, and `big` bytes with unescaped "From " lines in its body), one that misses,
// one that points past the end, CRLF headers, a header block with no blank line
// before the next envelope, separator lines of "\n" and "\r\n".
std::string tricky_mbox(std::size_t messages, std::size_t big, std::size_t plain) {
    std::string m;
    const std::string env = "From a@example.com Mon Jan  1 00:00:00 2024\n";
    std::string big_body;
    while (big_body.size() < big)
        big_body += "text line\nFrom here on a body line " + std::to_string(big_body.size()) + "\n";
    for (std::size_t i = 0; i < messages; ++i) {
        m += env;
        switch (i % 8) {
        case 0: {
            const std::string body = "one\nFrom here on, a body line\nend\n";
            m += "Content-Length: " + std::to_string(body.size()) + "\n\n" + body + "\n";
            break;
        }
        case 1:
            m += "Subject: cl lands far\nContent-Length: " + std::to_string(big_body.size()) + "\n\n" + big_body + "\n";
            break;
        case 2: m += "Content-Length: 3\n\nbody that is longer\n\n"; break;  // misses: From-split
        case 3: m += "Subject: crlf\r\nContent-Length: 6\r\n\r\nbody\r\n\r\n"; break;
        case 4:  // only in the last eight: no later range would be final after it
            if (i + 8 >= messages)
                m += "Content-Length: 999999999\n\nclaims far too much\n\n";
            else
                m += "Content-Length: 5\n\nfive\n\r\n\r\n";
            break;
        case 5: m += "Subject: plain\n\n" + std::string(plain, 'p') + "\n\r\n"; break;
        case 6: m += "Subject: seventh of eight\n\nbye\n\n"; break;
        // No blank line before the next envelope: its header block runs on into the next
        // message's, whose Content-Length then lands from this one's body (one message).
        default: m += "Subject: no blank line before the next envelope\n"; break;
        }
    }
    return m;
}

// A stream that counts what its reader took.
class counting_buf : public std::streambuf {
public:
    explicit counting_buf(const std::string& data) : data_(data) {}
    std::size_t taken() const { return pos_; }

protected:
    std::streamsize xsgetn(char* s, std::streamsize n) override {
        const auto k = std::min<std::size_t>(static_cast<std::size_t>(n), data_.size() - pos_);
        data_.copy(s, k, pos_);
        pos_ += k;
        return static_cast<std::streamsize>(k);
    }
    int_type underflow() override {
        return pos_ < data_.size() ? traits_type::to_int_type(data_[pos_]) : traits_type::eof();
    }
    int_type uflow() override {
        return pos_ < data_.size() ? traits_type::to_int_type(data_[pos_++]) : traits_type::eof();
    }

private:
    const std::string& data_;
    std::size_t pos_ = 0;
};

}  // namespace

// Every prefix of an mbox: the ranges split_mbox_prefix calls final are those of the
// whole split, at the same places, whatever bytes follow.
TEST(MboxStream, ARangeCalledFinalIsTheWholeSplitsWhereverThePrefixEnds) {
    const auto data = tricky_mbox(24, 3000, 2000);  // small: it is split again at every byte
    const auto all = io::split_mbox(data);
    ASSERT_EQ(all.size(), 22u);  // 24 envelopes; the two read on into the next are one with it
    std::size_t finals = 0;
    for (std::size_t cut = 0; cut <= data.size(); ++cut) {
        const auto some = io::split_mbox_prefix(std::string_view(data).substr(0, cut), std::string_view::npos);
        for (std::size_t i = 0; i < some.size() && some[i].final; ++i) {
            ASSERT_LT(i, all.size()) << "cut " << cut;
            ASSERT_EQ(some[i].offset, all[i].first) << "cut " << cut << ", range " << i;
            ASSERT_EQ(some[i].length, all[i].second) << "cut " << cut << ", range " << i;
            ++finals;
        }
    }
    EXPECT_GT(finals, 1000u);  // the property was tested, not skipped
    // And the whole data's ranges are final up to the last (which the end decides), but
    // for those whose Content-Length points past the data: more bytes could land it.
    const auto whole_split = io::split_mbox_prefix(data, std::string_view::npos);
    ASSERT_EQ(whole_split.size(), all.size());
    for (std::size_t i = 0; i + 1 < whole_split.size(); ++i) {
        const auto text = std::string_view(data).substr(all[i].first, all[i].second);
        EXPECT_EQ(whole_split[i].final, text.find("claims far too much") == std::string_view::npos) << "range " << i;
    }
    EXPECT_FALSE(whole_split.back().final);
}

TEST(MboxStream, TrickyContentLengthsStreamAsTheWholeFileSplits) {
    const auto data = tricky_mbox(40, 3u << 19, 70000);  // Content-Lengths landing chunks ahead
    const auto a = whole(data);
    ASSERT_EQ(a.size(), 36u);  // 40 envelopes; the four read on into the next are one with it
    for (std::size_t limit : {std::size_t{0}, std::size_t{1} << 20})
        expect_same_messages(a, streamed(data, limit), limit, "limit " + std::to_string(limit) + ", ");
}

// A message is handed out once its end is decided, not once 4 MiB more of the stream
// has been read: the window (and so the reader's memory) holds about a chunk of
// ordinary mail.
TEST(MboxStream, AMessageIsHandedOutWithoutReadingFarPastItsEnd) {
    const auto data = big_mbox();
    counting_buf buf(data);
    std::istream in(&buf);
    io::mbox_stream s(in, 0);
    auto first = s.next();
    ASSERT_TRUE(first.has_value());
    EXPECT_EQ(*first, whole(data).front());
    EXPECT_LE(buf.taken(), io::k_mbox_chunk + (64u << 10));
    std::size_t n = 1, most = 0;
    while (auto m = s.next()) {
        ++n;
        most = std::max(most, buf.taken() - s.offset());  // how far the reader is past the message's start
    }
    EXPECT_EQ(n, 6000u);
    EXPECT_LE(most, 2 * io::k_mbox_chunk + (512u << 10));  // a chunk, the 0.5 MB messages, and the chunk after
}

// Which file is an mbox is decided on a prefix only when no later byte can change it.
TEST(MboxStream, AnMboxIsToldOnAPrefixOnlyWhenTheRestCannotChangeIt) {
    const std::string env = "From a@example.com Mon Jan  1 00:00:00 2024\n";
    const std::vector<std::pair<std::string, std::string>> files = {
        {"two", env + "Subject: x\n\none\n" + env + "\ntwo\n"},
        {"one.eml", env + "Subject: x\n\nFrom here on, a body line that is not an envelope\n"},
        // A body line with ':' that is an envelope line's length only in its first 150 bytes.
        {"long", env + "Subject: x\n\nFrom me: " + std::string(300, 'w') + "\nend\n"},
        {"list.mbox", "junk\n" + env + "\nbody\n"},
        {"x.mbox", "no envelope\nat all\n"},
    };
    for (const auto& [name, data] : files) {
        const bool want = io::looks_like_mbox(name, data);
        for (std::size_t cut = 0; cut <= data.size(); ++cut) {
            const auto got = io::looks_like_mbox_yet(name, std::string_view(data).substr(0, cut), cut == data.size());
            if (got) {
                EXPECT_EQ(*got, want) << name << " cut at " << cut;
            }
        }
        EXPECT_EQ(io::looks_like_mbox_yet(name, data, true), want) << name;
    }
    EXPECT_FALSE(io::looks_like_mbox("long", env + "Subject: x\n\nFrom me: " + std::string(300, 'w') + "\nend\n"));
    EXPECT_FALSE(io::looks_like_mbox_yet("long", env + "Subject: x\n\nFrom me: wwww", false).has_value());
}

// The shared corpus's mbox files (mailing-list archives, an Outlook export, MimeKit's
// and GMime's mbox tests, Content-Length ones among them), one after another four
// times over so that the stream's window moves through them: the stream hands out
// the whole split's messages.
TEST(MboxStream, TheCorpussMboxFilesStreamAsTheirWholeSplit) {
    namespace fs = std::filesystem;
    const fs::path root = REPLYGUARD_CORPUS_DIR;
    if (!fs::exists(root)) GTEST_SKIP() << root << " not present";
    std::vector<fs::path> files;
    for (const auto& e : fs::recursive_directory_iterator(root))
        if (e.is_regular_file() && e.path().filename().string().find(".mbox") != std::string::npos)
            files.push_back(e.path());
    std::sort(files.begin(), files.end());
    ASSERT_GE(files.size(), 4u);
    std::string one;
    for (const auto& f : files) {
        std::ifstream in(f, std::ios::binary);
        std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        if (!text.starts_with("From ")) continue;
        if (!text.ends_with("\n")) text += "\n";
        one += text;
    }
    std::string data;
    for (int i = 0; i < 4; ++i) data += one;
    ASSERT_GT(data.size(), 3 * io::k_mbox_chunk);
    const auto a = whole(data);
    ASSERT_GT(a.size(), 100u);
    expect_same_messages(a, streamed(data));
}

// The first chunk read ends at every place in and around the second message's envelope
// line (a message whose end is decided but whose successor's envelope line is cut, one
// whose next envelope line is not yet whole, the separator): the same messages.
TEST(MboxStream, AChunkEndingInAnEnvelopeLineSplitsAsTheWholeFile) {
    const std::string env = "From a@example.com Mon Jan  1 00:00:00 2024\n";
    const std::string head = env + "Subject: a\n\n";
    for (std::size_t back = 0; back < env.size() + 8; ++back) {
        // The second envelope line starts `back` bytes before the chunk's end.
        const std::size_t body = io::k_mbox_chunk - back - head.size() - 1;
        std::string data = head + std::string(body, 'a') + "\n" + env + "Subject: b\n\nsecond\n\n" + env +
                           "Subject: c\nContent-Length: 6\n\nthird\n";
        const auto a = whole(data);
        ASSERT_EQ(a.size(), 3u);
        expect_same_messages(a, streamed(data), 0, "back " + std::to_string(back) + ", ");
    }
}
