// SPDX-License-Identifier: Apache-2.0
// mime/header_decode.cpp - PLACEHOLDER (being replaced): unfold only.
#include "mime/header_decode.hpp"

namespace replyguard::mime {

std::string unfold(std::string_view raw) {
    std::string out;
    out.reserve(raw.size());
    for (char c : raw)
        if (c != '\r' && c != '\n') out.push_back(c);
    return out;
}

std::string decode_header_text(std::string_view raw) { return unfold(raw); }
std::string decode_address_header(std::string_view raw) { return unfold(raw); }

}  // namespace replyguard::mime
