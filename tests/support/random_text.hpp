// SPDX-License-Identifier: Apache-2.0
// tests/support/random_text.hpp - random strings for the tests that hold a fast
// scanner to its plain rule
//
// DESCRIPTION
//   sprinkled(): mostly one filler byte with bytes of an alphabet scattered in it,
//   so a sixteen-bytes-a-compare scanner meets long runs without a hit and hits
//   on both sides of each block's edge. The random draws are made in a fixed
//   order (the length, then per byte whether it is replaced and by which), so a
//   seed gives the same strings wherever the helper is used.
#pragma once

#include <cstddef>
#include <random>
#include <string>
#include <string_view>

namespace replyguard::test {

/// A string of fewer than `max_len` bytes of `fill`, each byte replaced, with a
/// chance of one in `one_in`, by a byte of `alphabet` drawn at random.
inline std::string sprinkled(std::mt19937& rng, std::size_t max_len, char fill, std::string_view alphabet,
                             unsigned one_in) {
    std::string s(rng() % max_len, fill);
    for (char& c : s)
        if (rng() % one_in == 0) c = alphabet[rng() % alphabet.size()];
    return s;
}

}  // namespace replyguard::test
