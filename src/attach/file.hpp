// SPDX-License-Identifier: Apache-2.0
// attach/file.hpp - one file under analysis, and the per-message analysis state
//
// DESCRIPTION
//   Attachment analysis is recursive: an attachment may be an archive whose
//   members are documents whose streams hold VBA. Every analyser receives a
//   file_view (bytes + name + where it sits) and the analysis_state shared by
//   the whole message (limits, byte budget, candidate passwords) and writes
//   findings and details into the attachment_report of the top-level attachment.
#pragma once

#include "attach/report.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace replyguard::attach {

struct file_view {
    std::string_view name;  ///< file name as known ("" when none)
    std::string_view data;  ///< the bytes
    std::string sniffed;    ///< MIME type sniffed from the bytes (libmagic)
    std::string path;       ///< where it sits: "invoice.zip/doc/a.xlsm"
    int depth = 0;          ///< 0 for the attachment itself, +1 per container level
};

struct analysis_state {
    limits lim;
    std::vector<std::string> passwords;  ///< candidates: from the body, then extra ones
    std::uint64_t bytes_budget = 0;      ///< decompressed bytes still allowed for this message
    /// Password-derivation hash rounds still allowed for this message (Office decryption:
    /// Agile encryption asks for spinCount rounds per password, and a file can nest many).
    std::uint64_t hash_rounds_budget = 40'000'000;
    /// Where each candidate of `passwords` came from (same index): the body line it
    /// was read from, or "" for an extra password (another mail of the thread).
    std::vector<std::string> password_lines;
    const analysis_options* opt = nullptr;  ///< the caller's options (IOC lists, YARA), may be null

    /// The per-message time limit has passed: stop descending. Cheap (core/budget.hpp
    /// reads the clock once every few hundred calls), so loops over attacker-sized
    /// input (XML tags, VBA chunks, archive members) check it on every turn.
    bool expired() const {
        if (opt && opt->bud) return opt->bud->expired();
        return opt && std::chrono::steady_clock::now() > opt->deadline;
    }
    /// expired(), reading the clock now: for coarse steps (one attachment, one member).
    bool expired_now() const {
        if (opt && opt->bud) return opt->bud->expired_now();
        return opt && std::chrono::steady_clock::now() > opt->deadline;
    }
};

/// A limit stopped part of the analysis of `rep`'s attachment: add the finding
/// (ANALYSIS_TIMEOUT when `timeout`, else ANALYSIS_LIMIT; once per report) and
/// record the hit in the message's budget, so the result is marked incomplete.
/// What was found before stays: the finding only adds.
void limit_stop(analysis_state& st, attachment_report& rep, bool timeout, std::string detail,
                std::string_view path = {});

/// expired(), and when it is, limit_stop() with "`what` stopped at the time limit".
bool out_of_time(analysis_state& st, attachment_report& rep, std::string_view what, std::string_view path = {});

/// Analyse one Office document (OLE2 or OOXML, encrypted or not). Returns false
/// when `f` is not an Office document (nothing written). Implemented in the
/// office analysers (ole.cpp, vba.cpp, ooxml.cpp, xlm.cpp, office_crypto.cpp).
bool analyse_office(const file_view& f, analysis_state& st, attachment_report& rep);

/// Symbols the Office analysers may emit.
std::vector<symbol_info> office_symbols();

}  // namespace replyguard::attach
