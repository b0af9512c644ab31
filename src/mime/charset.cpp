// SPDX-License-Identifier: Apache-2.0
// mime/charset.cpp - PLACEHOLDER (being replaced by the charset work): UTF-8 pass-through.
#include "mime/charset.hpp"

namespace replyguard::mime {

bool is_valid_utf8(std::string_view s) noexcept {
    std::size_t i = 0, n = s.size();
    while (i < n) {
        unsigned char c = s[i];
        std::size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        if (!len || i + len > n) return false;
        for (std::size_t k = 1; k < len; ++k)
            if ((static_cast<unsigned char>(s[i + k]) >> 6) != 2) return false;
        i += len;
    }
    return true;
}

decoded_text to_utf8(std::string_view bytes, std::string_view declared) {
    return decoded_text{std::string(bytes), "UTF-8", !is_valid_utf8(bytes)};
}

}  // namespace replyguard::mime
