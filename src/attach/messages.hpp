// SPDX-License-Identifier: Apache-2.0
// attach/messages.hpp - messages carried as attachments, and Outlook containers
//
// DESCRIPTION
//   People report suspicious mail by forwarding it as an attachment: a
//   message/rfc822 part (most clients), an Outlook .msg file, or a message
//   inside a winmail.dat (TNEF). attached_messages() finds them among a
//   message's attachments and returns each as RFC 5322 bytes (an .msg and a
//   TNEF-embedded message are rebuilt by outlook/), so the engine can analyse
//   each as the message it is and report it as a nested record
//   (scan_result::attached). The ATTACHED_MESSAGE_* symbols the engine emits on
//   the outer message are declared here, with the other attachment symbols.
//
//   analyse_tnef() opens a winmail.dat during attachment analysis: its files are
//   analysed like archive members (findings land in the TNEF attachment's report
//   with "winmail.dat/NAME" in their evidence).
// LIMITS
//   At most k_max_attached_messages per message.
#pragma once

#include "attach/file.hpp"
#include "core/finding.hpp"

#include <string>
#include <vector>

namespace replyguard::mime {
struct message;
}

namespace replyguard::attach {

inline constexpr std::size_t k_max_attached_messages = 16;

struct attached_message {
    std::size_t attachment = 0;  ///< index into message::attachments
    std::string kind;            ///< "rfc822", "msg" or "tnef"
    std::string name;            ///< the attachment's file name ("" when none)
    std::string bytes;           ///< the message as RFC 5322 bytes ("" when it could not be rebuilt)
    std::string error;           ///< why it could not ("" when fine)
};

std::vector<attached_message> attached_messages(const mime::message& m);

/// Open a TNEF file and analyse its files. False when `f` is not TNEF.
bool analyse_tnef(const file_view& f, analysis_state& st, attachment_report& rep);

/// ATTACHED_MESSAGE_SUSPICIOUS, ATTACHED_MESSAGE_MALICIOUS.
const symbol_info& attached_suspicious_symbol();
const symbol_info& attached_malicious_symbol();

std::vector<symbol_info> message_symbols();

}  // namespace replyguard::attach
