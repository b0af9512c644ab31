// SPDX-License-Identifier: Apache-2.0
// core/digest.cpp - SHA-256 hex (core/digest.hpp)
#include "core/digest.hpp"

#include <openssl/evp.h>

namespace replyguard {

std::string sha256_hex(std::string_view data, std::size_t hex_chars) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr) != 1) return {};
    static constexpr char k_hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(len * 2);
    for (unsigned i = 0; i < len && out.size() < hex_chars; ++i) {
        out.push_back(k_hex[md[i] >> 4]);
        out.push_back(k_hex[md[i] & 15]);
    }
    if (out.size() > hex_chars) out.resize(hex_chars);
    return out;
}

}  // namespace replyguard
