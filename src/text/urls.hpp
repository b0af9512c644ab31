// SPDX-License-Identifier: Apache-2.0
// text/urls.hpp - URLs in plain text
//
// DESCRIPTION
//   Finds http(s)/ftp URLs and bare "www." hosts in UTF-8 text, stops at
//   whitespace, full-width punctuation and closing brackets/quotes as mail
//   clients do, and reports the lower-cased host.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace replyguard::text {

/// A URL found in the text or HTML.
struct url_ref {
    std::string url;          ///< as found (HTML entities decoded)
    std::string host;         ///< lower-cased host ("" if none)
    std::string anchor_text;  ///< HTML anchor text for href URLs ("" otherwise)
    bool from_html = false;
};

/// Append URLs found in `text` to `out`, at most `max` in total in `out`.
void extract_urls(std::string_view text, std::vector<url_ref>& out, std::size_t max);

/// Lower-cased host of a URL ("" when it has none).
std::string url_host(std::string_view url);

}  // namespace replyguard::text
