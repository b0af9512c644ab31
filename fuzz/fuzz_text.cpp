// SPDX-License-Identifier: Apache-2.0
// fuzz/fuzz_text.cpp - libFuzzer target: HTML rendering, quote splitting, URL extraction
//
// DESCRIPTION
//   The body stages that run after charset decoding: text::html_to_text
//   (gumbo), mime::split_quotes (the rendered text, and the input itself as a
//   plain body) and text::extract_urls, which must find the URLs its first,
//   byte-by-byte scanner finds (text::detail::extract_urls_bytewise). Input that
//   is not valid UTF-8 is skipped: these functions are only ever called with
//   decoder output.
#include "mime/charset.hpp"
#include "mime/parser.hpp"
#include "mime/quote.hpp"
#include "text/html.hpp"
#include "text/urls.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    replyguard::mime::init();  // as the pipeline does before any text stage
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace replyguard;
    if (size > 256 * 1024) return 0;
    std::string_view in(reinterpret_cast<const char*>(data), size);
    if (!mime::is_valid_utf8(in)) return 0;

    text::html_text ht = text::html_to_text(in, 1u << 20);
    std::size_t sink = ht.text.size();
    for (const auto& l : ht.links) sink += l.url.size() + l.host.size() + l.anchor_text.size();
    for (std::string_view body : {std::string_view(ht.text), in}) {
        mime::split_body sb = mime::split_quotes(body);
        sink += sb.new_text.size();
        for (const auto& q : sb.quoted) sink += q.text.size() + q.from.size() + q.subject.size();
    }
    std::vector<text::url_ref> urls;
    text::extract_urls(in, urls, 2000);
    for (const auto& u : urls) sink += u.url.size() + u.host.size() + text::url_host(u.url).size();
    std::vector<text::url_ref> bytewise;
    text::detail::extract_urls_bytewise(in, bytewise, 2000);
    bool same = urls.size() == bytewise.size();
    for (std::size_t i = 0; same && i < urls.size(); ++i) same = urls[i].url == bytewise[i].url;
    if (!same) {
        std::fprintf(stderr, "extract_urls: %zu URLs, the bytewise scanner %zu\n", urls.size(), bytewise.size());
        std::abort();
    }
    return sink == static_cast<std::size_t>(-1);
}
