// SPDX-License-Identifier: Apache-2.0
// history/learn_parse.cpp - the learn-only parse (see learn_parse.hpp).
#include "history/learn_parse.hpp"

#include "mime/parse_scope.hpp"

namespace replyguard::history {

mime::message learn_parse(std::string_view bytes, const limits& lim) {
    return mime::parse_message(bytes, lim, nullptr, mime::parse_scope::learn);
}

}  // namespace replyguard::history
