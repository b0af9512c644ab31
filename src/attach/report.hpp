// SPDX-License-Identifier: Apache-2.0
// attach/report.hpp - what attachment analysis hands to the engine
//
// DESCRIPTION
//   attach::analyse() looks at every attachment of a message (and, through
//   archives, at the files inside) and returns one report per attachment:
//   the findings it raised and structured details for the JSON record
//   (macro module names, keywords hit, inner files of an archive, which body
//   password opened it...). Limits come from core/limits.hpp.
#pragma once

#include "core/budget.hpp"
#include "core/finding.hpp"
#include "core/limits.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace replyguard::mime {
struct message;
}

namespace replyguard::attach {

struct ioc_set;  // attach/ioc.hpp: hash and domain lists, compiled YARA rules

/// A file inside an attachment (archive member, OneNote embedded file).
struct member_fact {
    std::string name;    ///< as stored in the container ("" when it has none)
    std::string sha256;  ///< hex of its bytes ("" when it could not be read)
};

struct attachment_report {
    std::size_t index = 0;  ///< into message::attachments
    std::string kind;       ///< our classification, e.g. "ole2", "ooxml", "zip", "pe", "pdf"
    std::vector<finding> findings;
    /// For the JSON record and people only; code in other modules reads the
    /// typed facts below, never this.
    nlohmann::json details = nlohmann::json::object();
    // Typed facts (the same as in `details`, in the same order).
    std::vector<member_fact> members;      ///< details.members
    std::vector<std::string> vba_sources;  ///< details.office[].vba.source, one per Office document with VBA
};

struct analysis_options {
    limits lim;
    /// Extra candidate passwords (e.g. from another mail of the same thread).
    std::vector<std::string> extra_passwords;
    /// IOC lists and YARA rules (attach/ioc.hpp, load_ioc_lists); null: none configured.
    std::shared_ptr<const ioc_set> iocs;
    /// When analysis must stop (limits::message_millis from the start of the
    /// message); analysers check it between members, chunks and passwords.
    std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
    /// The message's budget (core/budget.hpp): its deadline wins over `deadline`, and
    /// every limit an analyser hits is recorded there. Null: `deadline` only.
    budget* bud = nullptr;
};

/// Analyse every attachment of `msg`. Never throws on content.
std::vector<attachment_report> analyse(const mime::message& msg, const analysis_options& opt);

/// Every symbol the attachment analysers may emit.
std::vector<symbol_info> symbols();

}  // namespace replyguard::attach
