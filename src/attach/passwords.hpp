// SPDX-License-Identifier: Apache-2.0
// attach/passwords.hpp - candidate archive passwords written in a mail body
//
// DESCRIPTION
//   Password-protected ZIPs (返信型Emotet, 2020 onwards; PPAP in ordinary
//   Japanese business mail) carry their password in the body, or in a second
//   mail of the same thread. find_passwords() reads the sender's new text and
//   returns candidates, best first:
//     - a label and a separator on one line: "パスワード：xxx", "PW: xxx",
//       "解凍パスワード xxx", "Password is xxx", "pass: xxx";
//     - a label line announcing the password on the next line
//       ("パスワードは以下の通りです" / "The password is below:");
//     - 「xxx」/『xxx』/"xxx" quoted on a password line, and, weakly, anywhere.
//   Full-width forms are folded (ＡＢＣ１２３ -> ABC123) and both forms are kept,
//   since the sender's archiver saw the form the sender typed.
// LIMITS
//   Reads at most k_max_text bytes of text; values longer than 64 bytes are not
//   passwords. Callers keep at most limits::passwords_tried candidates.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace replyguard::attach {

struct password_candidate {
    std::string password;
    std::string source_line;  ///< the line it was read from (as written)
    int rank = 0;             ///< higher is more likely
};

/// Candidates with where they came from, best first, without duplicates.
std::vector<password_candidate> find_password_candidates(std::string_view text);

/// Candidate passwords only, best first (for the engine's thread-level linking).
std::vector<std::string> find_passwords(std::string_view text);

namespace detail {
/// True when `line` is plain ASCII holding neither "pw" nor "pass" in any case:
/// no label can be in it, and find_password_candidates passes over it.
bool ascii_line_without_label(std::string_view line);
}  // namespace detail

}  // namespace replyguard::attach
