// SPDX-License-Identifier: Apache-2.0
// fuzz/fuzz_charset.cpp - libFuzzer target: mime::to_utf8 under every label
//
// DESCRIPTION
//   The first input byte picks a declared charset label (the ones Japanese and
//   Western mail really carries, plus "" and a bogus one); the rest is the
//   body bytes. to_utf8 sniffs JIS escapes, CP932 vs EUC-JP and UTF-8 before
//   trusting the label, so every label meets every kind of byte soup.
//   With REPLYGUARD_FUZZ_STRICT=1 the charset.hpp contract is checked: the
//   output is valid UTF-8 and holds no ESC or NUL byte.
#include "mime/charset.hpp"
#include "mime/parser.hpp"

#include "fuzz_check.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace {

constexpr std::array<std::string_view, 16> k_labels = {
    "",           "utf-8",    "iso-2022-jp",  "ISO-2022-JP",    "shift_jis", "Shift-JIS", "cp932", "euc-jp",
    "iso-8859-1", "us-ascii", "windows-1252", "ks_c_5601-1987", "gb2312",    "big5",      "utf-7", "x-bogus-charset",
};

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    (void)fuzz_check::strict();
    // The pipeline initialises GMime in parse_message; these helpers are reached
    // without it here (GMime's default parser options do not exist before g_mime_init).
    replyguard::mime::init();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0 || size > 256 * 1024) return 0;
    std::string_view label = k_labels[data[0] % k_labels.size()];
    std::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);
    replyguard::mime::decoded_text dt = replyguard::mime::to_utf8(bytes, label);
    fuzz_check::text(label.empty() ? "to_utf8 (no label)" : "to_utf8", dt.text);
    return dt.text.size() + dt.charset.size() == static_cast<std::size_t>(-1);
}
