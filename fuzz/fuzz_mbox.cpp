// SPDX-License-Identifier: Apache-2.0
// fuzz/fuzz_mbox.cpp - libFuzzer target: the mbox splitter and the streamed mbox reader
//
// DESCRIPTION
//   For any bytes: io::split_mbox told to stop past a point (the first eight
//   bytes of the input pick it) gives the whole split's first ranges, up to
//   and including the first one ending beyond that point; the ranges
//   io::split_mbox_prefix calls final in the data up to that point are the
//   whole split's (what lets the stream settle a message early); every range lies in
//   the data; io::mbox_stream hands out, by next() and by next_range(), the
//   messages of the whole split (the inputs are smaller than a chunk, so the
//   stream reads each whole at once), and by next_piece() their ranges with
//   the bytes of those shorter than a picked bound. A difference aborts (libFuzzer
//   keeps the input). io::looks_like_mbox is asked too (crash checks only).
// LIMITS
//   Inputs above 1 MB are skipped: the stream's chunk (1 MiB) is never exceeded,
//   so its windowed settling is the unit tests' (tests/unit/io/mbox_stream_test.cpp);
//   the rule it settles by (`final` on a prefix) is fuzzed here.
#include "io/input.hpp"
#include "io/mbox_stream.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace {

[[noreturn]] void fail(const char* what) {
    std::fprintf(stderr, "fuzz_mbox: %s\n", what);
    std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size > (1u << 20)) return 0;
    const std::string bytes(reinterpret_cast<const char*>(data), size);
    std::uint64_t pick = 0;
    std::memcpy(&pick, bytes.data(), std::min(size, sizeof pick));
    const std::size_t past = size ? static_cast<std::size_t>(pick % (size + 1)) : 0;

    const auto all = replyguard::io::split_mbox(bytes);
    for (const auto& [off, len] : all)
        if (off > size || len > size - off) fail("a range outside the data");
    const auto some = replyguard::io::split_mbox(bytes, past);
    std::size_t want = 0;
    while (want < all.size() && all[want].first + all[want].second <= past) ++want;
    want = std::min(want + 1, all.size());
    if (some.size() != want) fail("a stopped split is not as long as the whole split's prefix");
    for (std::size_t i = 0; i < some.size(); ++i)
        if (some[i] != all[i]) fail("a stopped split differs from the whole split");

    // The streamed reader's window is a prefix: what split_mbox_prefix calls final in
    // the first `past` bytes is the whole split's, at the same places.
    const auto head =
        replyguard::io::split_mbox_prefix(std::string_view(bytes).substr(0, past), std::string_view::npos);
    for (std::size_t k = 0; k < head.size() && head[k].final; ++k)
        if (k >= all.size() || head[k].offset != all[k].first || head[k].length != all[k].second)
            fail("a range final in a prefix differs from the whole split's");

    std::istringstream in(bytes);
    replyguard::io::mbox_stream s(in, 0);
    std::size_t i = 0;
    while (auto m = s.next()) {
        if (i >= all.size() || *m != std::string_view(bytes).substr(all[i].first, all[i].second))
            fail("the stream's message differs from the whole split's");
        ++i;
    }
    if (i != all.size()) fail("the stream handed out fewer messages than the whole split");

    std::istringstream in2(bytes);
    replyguard::io::mbox_stream r(in2, 0);
    i = 0;
    while (auto range = r.next_range()) {
        if (i >= all.size() || *range != all[i]) fail("the stream's range differs from the whole split's");
        ++i;
    }
    if (i != all.size()) fail("the stream handed out fewer ranges than the whole split");

    // next_piece: the ranges again, with the bytes of each message shorter than
    // `keep` (picked by the input's ninth and tenth bytes), none of a longer one.
    const std::size_t keep = size > 9 ? (static_cast<std::size_t>(data[8]) << 8 | data[9]) : 0;
    std::istringstream in3(bytes);
    replyguard::io::mbox_stream p(in3, 0);
    i = 0;
    while (auto piece = p.next_piece(keep)) {
        if (i >= all.size() || piece->offset != all[i].first || piece->length != all[i].second)
            fail("the stream's piece differs from the whole split's range");
        const std::string_view want_bytes =
            piece->length < keep ? std::string_view(bytes).substr(all[i].first, all[i].second) : std::string_view();
        if (piece->bytes != want_bytes) fail("a piece's bytes are not its message's (or kept past keep_below)");
        ++i;
    }
    if (i != all.size()) fail("the stream handed out fewer pieces than the whole split");

    (void)replyguard::io::looks_like_mbox("x.mbox", bytes);
    (void)replyguard::io::looks_like_mbox("x.eml", bytes);
    return 0;
}
