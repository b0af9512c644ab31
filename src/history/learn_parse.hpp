// SPDX-License-Identifier: Apache-2.0
// history/learn_parse.hpp - the parse `learn` needs, and no more
//
// DESCRIPTION
//   learn_parse() turns raw bytes into the message model with everything the
//   learner stores (history/learner.hpp) and the sender profile observes
//   (history/profile.hpp): the header fields, addresses, ids, date, subject,
//   Received hops, the text parts (charset-decoded, HTML to text), the new text
//   and quoted blocks, the URLs. It skips what only scan reads: attachments (no
//   transfer decoding, SHA-256 or libmagic; `attachments` stays empty) and
//   attached messages (message/rfc822 and message/partial are not read;
//   `embedded` stays empty).
//
//   It is the scan's parser (mime::parse_message with mime::parse_scope::learn, mime/parse_scope.hpp),
//   not a second one: what learn stores from it is what the full parse gives.
//   tests/unit/history/learn_parse_test.cpp learns real corpus threads both
//   ways and compares every table of the two SQLite files, then the verdicts of
//   a sample scanned against each.
// LIMITS
//   Those of mime::parse_message (core/limits.hpp), without a time budget.
#pragma once

#include "core/limits.hpp"
#include "mime/message.hpp"

#include <string_view>

namespace replyguard::history {

/// Parse one message for learning (never fails on content; see mime::parse_message).
mime::message learn_parse(std::string_view bytes, const limits& lim = {});

}  // namespace replyguard::history
