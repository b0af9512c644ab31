// SPDX-License-Identifier: Apache-2.0
// output/record.hpp - a scan result as the JSON record of the CLI contract
//
// DESCRIPTION
//   One object per message (DESIGN.md, "Contracts other tools rely on"):
//   source, message_id, from {name, address}, subject, verdict, score,
//   findings [{id, group, score, detail, evidence}], attachments [{name, type,
//   size, sha256, findings, ...}], urls, anomalies, error - plus more context
//   (to/cc, threading headers, quoted blocks) for people and later tools.
//   attached_messages: one full record per message attached to this one
//   (message/rfc822, .msg, TNEF), with `attached_as` ("rfc822", "msg", "tnef")
//   and `attachment` (index into attachments); their source is "OUTER>PART".
#pragma once

#include "scan/engine.hpp"

#include <nlohmann/json.hpp>

namespace replyguard::output {

nlohmann::json to_json(const scan::scan_result& r);

/// The same record as `to_json(r).dump(-1, ' ', false, error_handler_t::replace)`,
/// byte for byte, written straight into `out` (appended) without building the
/// nlohmann DOM: keys in the DOM's order (std::map: sorted), strings escaped as
/// nlohmann escapes them, numbers as it prints them. For `scan --format jsonl`,
/// where the DOM and its dump were 6% of all instructions (bench/README.md);
/// tests/unit/output compares both on every message of the corpus.
void append_record(std::string& out, const scan::scan_result& r);

/// append_record into a new string.
std::string record_line(const scan::scan_result& r);

/// `s` when it is valid UTF-8, else its ASCII bytes with every other byte as '?'
/// (JSON must be valid UTF-8; evidence taken from binary data may not be).
std::string json_safe(std::string_view s);

/// A record for an input that could not be read at all.
nlohmann::json error_record(const std::string& source, const std::string& error);

}  // namespace replyguard::output
