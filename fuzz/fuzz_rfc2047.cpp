// SPDX-License-Identifier: Apache-2.0
// fuzz/fuzz_rfc2047.cpp - libFuzzer target: header value decoding and address lists
//
// DESCRIPTION
//   The input is one raw header value (possibly folded). It goes through
//   mime::unfold, mime::decode_header_text (unstructured fields: Subject,
//   display names), mime::decode_address_header and mime::parse_address_list
//   (From/To/Cc). These see attacker bytes before anything else does: RFC 2047
//   words split mid-character, ISO-2022-JP escape state across words, raw
//   8-bit Shift_JIS, quoted-strings and groups. A value mime::detail::
//   simple_mailbox reads without GMime's address parser must be the one mailbox
//   GMime reads (the same name and address), or the target aborts.
//   With REPLYGUARD_FUZZ_STRICT=1 in the environment the documented output
//   contracts are checked too (decoded text is valid UTF-8 without ESC or NUL)
//   and a breach aborts; without it only memory errors and UB count, so the
//   target stays useful while the decoders are still placeholders.
#include "mime/address.hpp"
#include "mime/charset.hpp"
#include "mime/header_decode.hpp"
#include "mime/parser.hpp"

#include "fuzz_check.hpp"

#include <gmime/gmime.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace {}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    (void)fuzz_check::strict();
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
    fuzz_check::text("decode_header_text", text);
    std::string addr = decode_address_header(unfolded);
    fuzz_check::text("decode_address_header", addr);

    std::size_t sink = text.size() + addr.size();
    for (const mailbox& mb : parse_address_list(unfolded)) {
        fuzz_check::text("parse_address_list name", mb.name);
        sink += mb.name.size() + mb.address.size() + mb.name_key.size() + mb.address_key.size() + mb.domain().size();
    }
    for (const auto& k : addresses_in_text(text)) sink += k.size();

    if (const auto simple = detail::simple_mailbox(addr)) {
        std::string name, address;
        int mailboxes = 0;
        if (InternetAddressList* l = internet_address_list_parse(nullptr, addr.c_str())) {
            for (int i = 0; i < internet_address_list_length(l); ++i) {
                InternetAddress* ia = internet_address_list_get_address(l, i);
                ++mailboxes;
                if (!INTERNET_ADDRESS_IS_MAILBOX(ia)) continue;
                const char* n = internet_address_get_name(ia);
                const char* a = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia));
                name = n ? n : "";
                address = a ? a : "";
            }
            g_object_unref(l);
        }
        if (mailboxes != 1 || name != simple->first || address != simple->second) {
            std::fprintf(stderr, "simple_mailbox: \"%s\" <%s>, GMime %d mailbox(es), \"%s\" <%s>\n",
                         simple->first.c_str(), simple->second.c_str(), mailboxes, name.c_str(), address.c_str());
            std::abort();
        }
    }
    return sink == static_cast<std::size_t>(-1);
}
