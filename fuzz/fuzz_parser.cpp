// SPDX-License-Identifier: Apache-2.0
// fuzz/fuzz_parser.cpp - libFuzzer target: the whole message parser
//
// DESCRIPTION
//   Feeds arbitrary bytes to mime::parse_message and walks the model it
//   returns, so that every decoded string is touched (ASan/UBSan see reads).
#include "mime/parser.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    replyguard::limits lim;
    lim.message_bytes = 1u << 20;
    auto m = replyguard::mime::parse_message(std::string_view(reinterpret_cast<const char*>(data), size), lim);
    std::size_t sink = m.body_text.size() + m.new_text.size() + m.subject.key.size();
    for (const auto& h : m.headers) sink += h.value.size();
    for (const auto& q : m.quoted) sink += q.text.size() + q.from.size();
    for (const auto& a : m.attachments) sink += a.filename.size() + a.sha256.size();
    for (const auto& u : m.urls) sink += u.host.size();
    return sink == static_cast<std::size_t>(-1);
}
