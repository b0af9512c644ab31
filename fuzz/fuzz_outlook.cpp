// SPDX-License-Identifier: Apache-2.0
// fuzz/fuzz_outlook.cpp - libFuzzer target: Outlook .msg, TNEF and compressed RTF readers
//
// DESCRIPTION
//   .msg files and winmail.dat arrive as attachments of hostile mail. The
//   input goes to the reader its signature selects (TNEF, OLE2 .msg) and is
//   rebuilt as RFC 5322, and its head is read as PR_RTF_COMPRESSED and RTF.
//   Seeds: tests/data/outlook/ (MimeKit's TNEF files, msg-extractor's .msg) and
//   the .msg files scripts/make-msg.py writes.
#include "outlook/mapi.hpp"
#include "outlook/msg.hpp"
#include "outlook/tnef.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace replyguard::outlook;
    std::string_view d(reinterpret_cast<const char*>(data), size);
    if (is_tnef(d)) {
        (void)read_tnef(d);
    } else if (is_ole2(d)) {
        (void)msg_to_rfc822(d, 16u << 20);
    }
    if (auto r = decompress_rtf(d.substr(0, 1u << 16))) (void)rtf_to_text(*r);
    std::string html;
    (void)rtf_to_text(d.substr(0, 1u << 16), &html);
    return 0;
}
