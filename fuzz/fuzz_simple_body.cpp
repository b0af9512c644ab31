// SPDX-License-Identifier: Apache-2.0
// fuzz/fuzz_simple_body.cpp - libFuzzer target: the parser's own reading of simple bodies against GMime's
//
// DESCRIPTION
//   For every input that parse_message() reads without GMime's parser (a single
//   text part or a multipart of text parts, mime/simple_body.hpp), parses it
//   again through GMime (mime::detail::parse_through_gmime_message) and aborts
//   when the two models differ in what a record or a detector reads: the body
//   type, the text parts (type, charsets, text, HTML), the body text, the
//   anomalies, URLs and attachments. Inputs the path leaves to GMime are only
//   parsed (the crash and sanitizer checks of fuzz_parser).
#include "mime/parse_scope.hpp"
#include "mime/parser.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

std::string dump(const replyguard::mime::message& m) {
    std::string o;
    for (const auto& a : m.anomalies) o += "anomaly " + a.id + ": " + a.detail + "\n";
    o += "body " + m.body_type.type + "/" + m.body_type.subtype + ";" + m.body_type.charset + ";" +
         m.body_type.boundary + " cte " + m.body_transfer_encoding + "\n";
    for (const auto& t : m.text_parts)
        o += "text " + t.part_path + " " + t.content_type + " " + t.declared_charset + " " + t.charset + "\n" + t.text +
             "\nhtml " + t.html + "\n";
    for (const auto& a : m.attachments) o += "attachment " + a.part_path + " " + a.sha256 + "\n";
    o += "body_text " + m.body_text + "\nurls " + std::to_string(m.urls.size()) + " quoted " +
         std::to_string(m.quoted.size()) + "\n";
    return o;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    replyguard::mime::init();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    replyguard::limits lim;
    lim.message_bytes = 1u << 20;
    const std::string_view in(reinterpret_cast<const char*>(data), size);
    const auto ours = replyguard::mime::parse_message(in, lim, nullptr, replyguard::mime::parse_scope::full);
    if (!replyguard::mime::detail::reads_simple_body(in, lim)) return 0;
    const auto gmime =
        replyguard::mime::detail::parse_through_gmime_message(in, lim, replyguard::mime::parse_scope::full);
    const std::string a = dump(ours), b = dump(gmime);
    if (a != b) {
        std::fprintf(stderr, "simple body path differs from GMime's:\n--- ours\n%s\n--- GMime\n%s\n", a.c_str(),
                     b.c_str());
        std::abort();
    }
    return 0;
}
