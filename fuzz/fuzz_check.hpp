// SPDX-License-Identifier: Apache-2.0
// fuzz/fuzz_check.hpp - the text contract check every fuzz target shares
//
// DESCRIPTION
//   With REPLYGUARD_FUZZ_STRICT=1 in the environment, the fuzz targets check
//   the model's text contracts (mime/message.hpp, mime/charset.hpp): decoded
//   text is valid UTF-8 and, where it reaches terminals, holds no ESC or NUL.
//   A breach prints what broke and the bytes around the first bad one, then
//   aborts (libFuzzer saves the input). Without the variable only memory
//   errors and UB count, so the targets can run on the plain corpus.
#pragma once

#include "mime/charset.hpp"

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace fuzz_check {

/// Whether REPLYGUARD_FUZZ_STRICT is set (read once, in LLVMFuzzerInitialize).
inline bool& strict() {
    static bool on = [] {
        const char* s = std::getenv("REPLYGUARD_FUZZ_STRICT");
        return s && *s && *s != '0';
    }();
    return on;
}

/// Abort when `s` (produced by `what`) is not valid UTF-8, or, with
/// `no_controls`, holds ESC or NUL. Does nothing unless strict().
inline void text(std::string_view what, std::string_view s, bool no_controls = true) {
    if (!strict()) return;
    bool ok = replyguard::mime::is_valid_utf8(s);
    if (no_controls) ok = ok && s.find('\x1b') == std::string_view::npos && s.find('\0') == std::string_view::npos;
    if (ok) return;
    std::fprintf(stderr, "contract breach: %.*s returned invalid UTF-8%s (%zu bytes):", static_cast<int>(what.size()),
                 what.data(), no_controls ? ", ESC or NUL" : "", s.size());
    // Show the bytes around the first offending one.
    std::size_t bad = 0;
    while (bad < s.size() && !(no_controls && (s[bad] == '\x1b' || s[bad] == '\0'))) {
        unsigned char c = static_cast<unsigned char>(s[bad]);
        std::size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        if (!len || !replyguard::mime::is_valid_utf8(s.substr(bad, len))) break;
        bad += len;
    }
    std::fprintf(stderr, " first bad byte near offset %zu:", bad);
    for (std::size_t i = bad > 16 ? bad - 16 : 0; i < s.size() && i < bad + 16; ++i)
        std::fprintf(stderr, " %02x", static_cast<unsigned char>(s[i]));
    std::fprintf(stderr, "\n");
    std::abort();
}

}  // namespace fuzz_check
