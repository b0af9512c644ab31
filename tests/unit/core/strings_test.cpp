// SPDX-License-Identifier: Apache-2.0
// tests/unit/core/strings_test.cpp - find_first_byte is string_view::find_first_of
//
// DESCRIPTION
//   core/strings.hpp's find_first_byte scans sixteen bytes a compare (SSE2) and the
//   rest a byte at a time; mime::unfold and text::extract_urls stand on it. Here it
//   must answer what std::string_view::find_first_of answers (the size for npos) on
//   random strings of every length around the block size, from every start, with
//   the bytes sought at every place, bytes >= 0x80 among the others.
#include "core/strings.hpp"
#include "random_text.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <string_view>

using replyguard::find_first_byte;

namespace {

std::size_t want(std::string_view s, std::string_view set, std::size_t pos) {
    const std::size_t i = s.find_first_of(set, pos);
    return i == std::string_view::npos ? s.size() : i;
}

}  // namespace

TEST(strings, find_first_byte_is_find_first_of) {
    const std::string alphabet = std::string("abw W:/\r\n\t x\x80\xff\xe3\x81\x82") + '\0';
    std::mt19937 rng(20261206);
    std::size_t found = 0;
    for (int round = 0; round < 30000; ++round) {
        // Mostly plain text, a few bytes of the alphabet: long runs without a hit.
        const std::string s = replyguard::test::sprinkled(rng, 70, 'a', alphabet, 8);
        for (std::size_t pos = 0; pos <= s.size(); pos += 1 + rng() % 5) {
            const std::size_t a = find_first_byte<'\r', '\n'>(s, pos);
            ASSERT_EQ(a, want(s, "\r\n", pos)) << testing::PrintToString(s) << " from " << pos;
            ASSERT_EQ((find_first_byte<':', 'w', 'W'>(s, pos)), want(s, ":wW", pos))
                << testing::PrintToString(s) << " from " << pos;
            ASSERT_EQ((find_first_byte<'\xff'>(s, pos)), want(s, "\xff", pos)) << testing::PrintToString(s);
            found += a < s.size();
        }
    }
    EXPECT_GT(found, 10000u);  // the bytes sought were there often, and not always
    EXPECT_EQ(find_first_byte<'x'>(""), 0u);
    EXPECT_EQ(find_first_byte<'x'>(std::string(40, 'a') + 'x'), 40u);
}
