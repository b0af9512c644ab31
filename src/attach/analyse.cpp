// SPDX-License-Identifier: Apache-2.0
// attach/analyse.cpp - PLACEHOLDER (being replaced by the attachment work): one
// empty report per attachment.
#include "attach/report.hpp"
#include "mime/message.hpp"

namespace replyguard::attach {

std::vector<attachment_report> analyse(const mime::message& msg, const analysis_options&) {
    std::vector<attachment_report> out;
    for (std::size_t i = 0; i < msg.attachments.size(); ++i) {
        attachment_report r;
        r.index = i;
        out.push_back(std::move(r));
    }
    return out;
}

std::vector<detect::symbol_info> symbols() { return {}; }

}  // namespace replyguard::attach
