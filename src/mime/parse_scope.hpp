// SPDX-License-Identifier: Apache-2.0
// mime/parse_scope.hpp - how much of a message parse_message() reads
//
// DESCRIPTION
//   parse_scope::full is what scan reads (mime/parser.hpp). parse_scope::learn is
//   what the history learns (history/learn_parse.hpp): the same header fields,
//   text parts, body text, quotes and URLs, but attachments are not read (their
//   bytes are not transfer-decoded, hashed or sniffed by libmagic: `attachments`
//   stays empty) and attached messages (message/rfc822, message/partial) are
//   skipped (`embedded` stays empty). A header of its own so that the many
//   includers of mime/parser.hpp do not depend on it.
#pragma once

#include "core/budget.hpp"
#include "core/limits.hpp"
#include "mime/message.hpp"

#include <string_view>

namespace replyguard::mime {

enum class parse_scope { full, learn };

/// parse_message() (mime/parser.hpp) reading only what `scope` needs.
message parse_message(std::string_view bytes, const limits& lim, budget* bud, parse_scope scope);

}  // namespace replyguard::mime
