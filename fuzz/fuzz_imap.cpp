// SPDX-License-Identifier: Apache-2.0
// fuzz/fuzz_imap.cpp - libFuzzer target: what an IMAP server (or a URL) hands us
//
// DESCRIPTION
//   The input is the text of untagged responses as libcurl passes them on
//   (src/imap/response.hpp): STATUS, SEARCH, FETCH (UID FLAGS) and LIST lines
//   from a server we do not control; and, split at the first NUL, an
//   imap[s]:// URL and a mailbox name for imap/url.hpp. Only memory errors,
//   UB and hangs count; besides, decode(encode(name)) must give the name back
//   for valid UTF-8 (checked, abort on a breach).
#include "imap/response.hpp"
#include "imap/url.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view in(reinterpret_cast<const char*>(data), size);
    using namespace replyguard::imap;
    (void)parse_status(in);
    (void)parse_search(in);
    for (const auto& f : parse_fetch_flags(in)) (void)has_flag(f.flags, "\\Seen");
    for (const auto& e : parse_list(in)) (void)decode_mailbox(e.name);

    std::string_view url = in.substr(0, in.find('\0'));
    if (auto u = parse_url(url)) {
        (void)u->base();
        (void)u->account();
        (void)url_path(u->mailbox);
    }
    std::string_view name = url.size() < in.size() ? in.substr(url.size() + 1) : in;
    if (auto e = encode_mailbox(name)) {
        if (decode_mailbox(*e) != name) std::abort();  // the round trip is the contract
        (void)quote(*e);
    }
    return 0;
}
