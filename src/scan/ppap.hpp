// SPDX-License-Identifier: Apache-2.0
// scan/ppap.hpp - passwords that arrive in a separate mail of the same thread
//
// DESCRIPTION
//   The Japanese PPAP habit (Password-protected zip, Password sent separately,
//   Angoka, Protocol) - and 返信型Emotet copying it - sends the encrypted
//   attachment in one mail and its password in a follow-up. When scanning a
//   mailbox, ppap_linker remembers the candidate passwords each message offers
//   (attach::find_passwords over its new text) and, for a message whose
//   encrypted attachment no body password opened, finds the offers of the same
//   sender in the same conversation (same subject key, one subject containing
//   the other - "【パスワード】見積書" - or one message referencing the other).
//   The engine then re-analyses the attachments with those passwords
//   (engine::rescan_with_passwords); scan_result::pairing records the link.
// LIMITS
//   Offers are kept for the last k_max_offers messages.
#pragma once

#include "scan/engine.hpp"

#include <deque>
#include <string>
#include <vector>

namespace replyguard::scan {

class ppap_linker {
public:
    static constexpr std::size_t k_max_offers = 5000;

    /// True when `r` has an encrypted attachment that no password opened.
    static bool needs_password(const scan_result& r);

    /// The passwords `r` offers to other messages of its thread (attach::find_passwords
    /// over its new text). Pure: parallel scans call it on their worker threads
    /// and keep the answer in scan_result::offered_passwords.
    static std::vector<std::string> offers_of(const scan_result& r);

    /// Remember the passwords `r` offers (if any): r.offered_passwords (see
    /// offers_of), so the ordered, single-threaded side does not search the text.
    void note(const scan_result& r);

    struct offer {
        std::string source;
        std::string message_id;
        std::vector<std::string> passwords;
    };

    /// Offers from other messages of `held`'s conversation.
    std::vector<offer> offers_for(const scan_result& held) const;

private:
    struct entry {
        offer o;
        std::string sender;
        std::string subject_key;
        std::vector<std::string> refs;  ///< In-Reply-To + References
    };
    std::deque<entry> offers_;
};

/// Re-analyse `held` with the offers' passwords and record the pairing.
void apply_offers(const engine& eng, scan_result& held, const std::vector<ppap_linker::offer>& offers);

}  // namespace replyguard::scan
