// SPDX-License-Identifier: Apache-2.0
// mime/quote.hpp - split a body into new text and quoted blocks
//
// DESCRIPTION
//   Recognises '>' quoting (also full-width '＞', nested depths), Outlook blocks
//   in English and Japanese ("-----Original Message-----",
//   "-----元のメッセージ-----", a From:/Sent:/To:/Subject: or
//   差出人:/送信日時:/宛先:/件名: header block, also with full-width colons),
//   "On ... wrote:" (Gmail, Thunderbird, Apple Mail), Japanese attributions
//   ("2019年12月3日(火) 10:00 山田太郎 <taro@example.co.jp>:", "...さんは書きました:")
//   and forwarded-message separators. Each quoted block keeps the header
//   fields it names. Everything before the first block, and any unquoted text
//   between blocks (interleaved replies), is new text.
#pragma once

#include "mime/message.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace replyguard::mime {

struct split_body {
    std::string new_text;
    std::vector<quoted_block> quoted;
};

split_body split_quotes(std::string_view body);

}  // namespace replyguard::mime
