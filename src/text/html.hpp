// SPDX-License-Identifier: Apache-2.0
// text/html.hpp - HTML to readable text, with links, using gumbo
//
// DESCRIPTION
//   Parses with gumbo (a real HTML5 parser: broken markup is handled as browsers
//   do), renders block elements as line breaks, drops script/style/head,
//   keeps <blockquote> as '> ' quoted lines so quote splitting sees them,
//   and collects every <a href> with its anchor text (and img/form/area targets).
#pragma once

#include "mime/message.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace replyguard::text {

struct html_text {
    std::string text;                    ///< UTF-8
    std::vector<mime::url_ref> links;    ///< href/src/action URLs with anchor text
};

/// `html` must be UTF-8. `max_text` bounds the output.
html_text html_to_text(std::string_view html, std::size_t max_text);

}  // namespace replyguard::text
