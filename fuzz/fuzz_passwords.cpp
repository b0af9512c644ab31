// SPDX-License-Identifier: Apache-2.0
// fuzz/fuzz_passwords.cpp - libFuzzer target: candidate passwords in arbitrary body text
//
// DESCRIPTION
//   find_password_candidates() walks UTF-8 by hand (width folding, quotes,
//   multi-byte labels); arbitrary bytes, cut anywhere, must never read out of
//   bounds, and every candidate must be short and non-empty.
#include "attach/passwords.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto c = replyguard::attach::find_password_candidates(std::string_view(reinterpret_cast<const char*>(data), size));
    for (const auto& p : c)
        if (p.password.empty() || p.password.size() > 64) std::abort();
    return 0;
}
