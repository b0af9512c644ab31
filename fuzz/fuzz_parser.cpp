// SPDX-License-Identifier: Apache-2.0
// fuzz/fuzz_parser.cpp - libFuzzer target: the whole message parser
//
// DESCRIPTION
//   Feeds arbitrary bytes to mime::parse_message and walks the model it
//   returns, so that every decoded string is touched (ASan/UBSan see reads).
//   With REPLYGUARD_FUZZ_STRICT=1 the model's text contracts are checked too
//   (message.hpp, charset.hpp): decoded header values, subject, body text,
//   new text and display names are valid UTF-8, and none of them but header
//   values holds ESC or NUL (they reach terminals through the table output).
#include "mime/parser.hpp"

#include "fuzz_check.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace {

void check_mailbox(std::string_view what, const replyguard::mime::mailbox& mb) { fuzz_check::text(what, mb.name); }

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    (void)fuzz_check::strict();
    replyguard::mime::init();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    replyguard::limits lim;
    lim.message_bytes = 1u << 20;
    auto m = replyguard::mime::parse_message(std::string_view(reinterpret_cast<const char*>(data), size), lim);
    std::size_t sink = m.body_text.size() + m.new_text.size() + m.subject.key.size();
    fuzz_check::text("body_text", m.body_text, true);
    fuzz_check::text("new_text", m.new_text, true);
    fuzz_check::text("subject", m.subject.decoded, true);
    for (const auto& h : m.headers) {
        const std::string v = h.value();
        sink += v.size();
        fuzz_check::text("header value", v, false);
    }
    if (m.from) check_mailbox("From name", *m.from);
    for (const auto& mb : m.to) check_mailbox("To name", mb);
    for (const auto& mb : m.cc) check_mailbox("Cc name", mb);
    for (const auto& q : m.quoted) sink += q.text.size() + q.from.size();
    for (const auto& a : m.attachments) sink += a.filename.size() + a.sha256.size();
    for (const auto& u : m.urls) sink += u.host.size();
    return sink == static_cast<std::size_t>(-1);
}
