// SPDX-License-Identifier: Apache-2.0
// text/urls.hpp - URLs in plain text
//
// DESCRIPTION
//   Finds http(s)/ftp URLs and bare "www." hosts in UTF-8 text, stops at
//   whitespace, full-width punctuation and closing brackets/quotes as mail
//   clients do, and reports the host in one canonical form: percent-decoded,
//   mapped and converted to ASCII by ICU's IDNA (UTS #46), lower-case, so a
//   Unicode, full-width or "%2E" spelling of a host compares equal to the
//   ACE ("xn--") form an IOC list or the history holds.
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

/// Canonical host of a URL ("" when it has none): see normalize_host().
std::string url_host(std::string_view url);

/// A host name in canonical form: percent-escapes decoded, trailing dots
/// dropped, UTS #46 mapping and ToASCII (non-transitional: "ß" stays, as
/// browsers resolve it), lower-case ASCII. IPv6 literals are lower-cased.
/// A name IDNA rejects is returned lower-cased as written (never empty when
/// the input was not), so it still compares equal to itself.
std::string normalize_host(std::string_view host);

namespace detail {
/// extract_urls as it was written first: every h, f and w of the text tried as
/// a start, left to right. The same URLs; for the tests and the fuzz target
/// that hold extract_urls to it.
void extract_urls_bytewise(std::string_view text, std::vector<url_ref>& out, std::size_t max);
}  // namespace detail

}  // namespace replyguard::text
