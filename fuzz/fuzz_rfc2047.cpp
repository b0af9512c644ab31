// SPDX-License-Identifier: Apache-2.0
// fuzz/fuzz_rfc2047.cpp - libFuzzer target: header value decoding and address lists
//
// DESCRIPTION
//   The input is one raw header value (possibly folded). It goes through
//   mime::unfold, mime::decode_header_text (unstructured fields: Subject,
//   display names), mime::decode_address_header and mime::parse_address_list
//   (From/To/Cc). These see attacker bytes before anything else does: RFC 2047
//   words split mid-character, ISO-2022-JP escape state across words, raw
//   8-bit Shift_JIS, quoted-strings and groups.
//   With REPLYGUARD_FUZZ_STRICT=1 in the environment the documented output
//   contracts are checked too (decoded text is valid UTF-8 without ESC or NUL)
//   and a breach aborts; without it only memory errors and UB count, so the
//   target stays useful while the decoders are still placeholders.
#include "mime/address.hpp"
#include "mime/charset.hpp"
#include "mime/header_decode.hpp"
#include "mime/parser.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace {

bool g_strict = false;

void check_text(std::string_view what, std::string_view s) {
    if (!g_strict) return;
    if (!replyguard::mime::is_valid_utf8(s) || s.find('\x1b') != std::string_view::npos ||
        s.find('\0') != std::string_view::npos) {
        std::fprintf(stderr, "contract breach: %.*s returned invalid UTF-8, ESC or NUL (%zu bytes):",
                     static_cast<int>(what.size()), what.data(), s.size());
        // Show the bytes around the first offending one.
        std::size_t bad = 0;
        while (bad < s.size() && s[bad] != '\x1b' && s[bad] != '\0') {
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
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    const char* s = std::getenv("REPLYGUARD_FUZZ_STRICT");
    g_strict = s && *s && *s != '0';
    // The pipeline initialises GMime in parse_message; these helpers are reached
    // without it here (GMime's default parser options do not exist before g_mime_init).
    replyguard::mime::init();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace replyguard::mime;
    if (size > 64 * 1024) return 0;  // one header value; the header block limit is checked elsewhere
    std::string_view raw(reinterpret_cast<const char*>(data), size);

    std::string unfolded = unfold(raw);
    std::string text = decode_header_text(unfolded);
    check_text("decode_header_text", text);
    std::string addr = decode_address_header(unfolded);
    check_text("decode_address_header", addr);

    std::size_t sink = text.size() + addr.size();
    for (const mailbox& mb : parse_address_list(unfolded)) {
        check_text("parse_address_list name", mb.name);
        sink += mb.name.size() + mb.address.size() + mb.name_key.size() + mb.address_key.size() + mb.domain().size();
    }
    for (const auto& k : addresses_in_text(text)) sink += k.size();
    return sink == static_cast<std::size_t>(-1);
}
