// SPDX-License-Identifier: Apache-2.0
// milter/policy.hpp - from a verdict to milter actions; header and subject rewriting
//
// DESCRIPTION
//   The part of `replyguard milter` that needs no libmilter, so it can be unit
//   tested: the [milter] configuration table, the plan of actions for a
//   verdict (headers, subject tag, banner, quarantine, reject, tempfail), the
//   X-Replyguard-* header values and the subject prefix (RFC 2047).
//   What the milter does with a message is decided by milter/plan.hpp;
//   the libmilter glue (apps/cli/milter_session.cpp) carries that plan out.
//
//   [milter] keys (every key optional):
//     socket          = "inet:8894@127.0.0.1"   libmilter socket spec (inet:, inet6:, unix:)
//     db              = "replyguard.db"         history store (as --db)
//     default_action  = "accept" | "tempfail"   on an internal error or a store outage
//     on_incomplete   = "hold" | "tempfail" | "verdict"
//                                               on an analysis a limit cut short (a
//                                               timeout included); never weaker than the
//                                               verdict's own action (milter/plan.hpp)
//     timeout         = 20.0                    seconds of analysis per message; the
//                                               analysis itself stops before it
//                                               (analysis_millis)
//     max_message_size = 52428800               bytes (header block + body); a larger message is not analysed
//     subject_prefix  = "[要注意]"
//     reject_reason   = "..."                   ASCII text after "550 5.7.1"
//     learn           = true                    learn clean mail (authenticated and delivered)
//     log             = "stderr" | "syslog" | "both"   where the per-message lines go
//                                               (syslog: facility mail, ident "replyguard")
//     metrics         = "127.0.0.1:9894"        GET /metrics there (loopback addresses only)
//     metrics_file    = "/var/lib/prometheus/node-exporter/replyguard.prom"
//     metrics_interval = 15                     seconds between textfile writes
//     [milter.actions] clean / suspicious / malicious = [ "headers", "subject",
//                      "banner", "quarantine" | "reject" | "tempfail" ]
//     [milter.outbound] see milter/outbound.hpp
// LIMITS
//   Header values produced here are single lines (no folding); the findings
//   header is cut at k_findings_header_max bytes.
// STANDARDS
//   RFC 2047 (encoded words), RFC 5322 (header fields), RFC 3463 (5.7.1).
#pragma once

#include "core/finding.hpp"
#include "core/result.hpp"
#include "score/score.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace replyguard {
struct toml_document;  // core/toml_file.hpp
}

namespace replyguard::milter {

enum class disposition { accept, quarantine, reject, tempfail };
std::string_view disposition_name(disposition d) noexcept;

/// What to do for one verdict.
struct verdict_actions {
    bool headers = true;
    bool subject = false;
    bool banner = false;
    disposition disp = disposition::accept;
};

struct outbound_config {
    bool enabled = true;
    /// Window over which an account's reply-like mail with a payload is counted (seconds).
    std::int64_t window = 3600;
    /// Reply-prefixed mails with a payload to recipients it never wrote to, within the window.
    unsigned max_unknown_replies = 5;
    /// Flag a reply with a payload from a client address never seen for this account.
    bool flag_new_client_ip = true;
    /// What to do with a flagged message: accept (log + header) or quarantine (hold).
    disposition response = disposition::quarantine;
};

/// What to do with a message whose analysis a limit cut short ([milter] on_incomplete).
enum class incomplete_action {
    hold,      ///< quarantine (the default), or the verdict's action when that is stronger
    tempfail,  ///< 451, or the verdict's action when that is stronger (reject)
    verdict,   ///< the verdict's action on what was found before the limit
};
std::string_view incomplete_action_name(incomplete_action a) noexcept;

struct milter_config {
    std::string socket = "inet:8894@127.0.0.1";
    std::string db;                                    ///< "" : the CLI default (REPLYGUARD_DB or replyguard.db)
    disposition default_action = disposition::accept;  ///< accept or tempfail only
    incomplete_action on_incomplete = incomplete_action::hold;
    double timeout = 20.0;  ///< seconds
    std::uint64_t max_message_size = 50ull << 20;
    std::string subject_prefix = "[要注意]";
    std::string reject_reason = "Message looks like reply-chain hijacking (Emotet-style); rejected";
    bool learn = true;
    std::string log = "stderr";  ///< "stderr", "syslog" or "both"
    /// Where suspicious/malicious results and outbound-abuse events are kept for
    /// `report` and `serve`: "" : the history file when it is SQLite and written
    /// (learn on; none with Redis); "off": not kept; else an SQLite file.
    std::string detections;
    /// Prometheus: "HOST:PORT" of a /metrics listener on a loopback address ("" : none).
    std::string metrics;
    /// Prometheus: a node_exporter textfile written every metrics_interval seconds ("" : none).
    std::string metrics_file;
    int metrics_interval = 15;
    verdict_actions clean{.headers = true};
    verdict_actions suspicious{.headers = true, .subject = true, .banner = true};
    verdict_actions malicious{.headers = true, .subject = true, .banner = true, .disp = disposition::reject};
    outbound_config outbound;

    const verdict_actions& for_verdict(score::verdict v) const;
};

/// Read the [milter] table of a configuration file (other tables are ignored:
/// core/config.cpp reads them). A file without [milter] gives the defaults.
/// milter_config_from_toml reads it from a file parsed once for both
/// (core/toml_file.hpp); the other two parse the text themselves.
result<milter_config> milter_config_from_toml(const toml_document& doc);
/// A metrics listener address: "HOST:PORT" or "[V6]:PORT" with a loopback
/// HOST (127.0.0.0/8, ::1, localhost) and PORT 0-65535; "" when good, else why not.
std::string check_metrics_address(std::string_view address);
result<milter_config> parse_milter_config(std::string_view toml_text, const std::string& origin);
result<milter_config> load_milter_config(const std::string& path);

/// The engine's per-message time limit under this milter (limits.message_millis,
/// `message_millis` here, 0: none): never later than [milter] timeout, less a
/// margin (a quarter of it, at most 2 s) for the detectors and scoring that run
/// after the limit, so that the analysis stops itself and its result still comes
/// in time. A worker the milter stopped waiting for thus stops too.
std::uint32_t analysis_millis(const milter_config& mc, std::uint32_t message_millis);

inline constexpr std::size_t k_findings_header_max = 900;

/// "ID=score, ID=score" (ASCII; ids are UPPER_SNAKE), cut at k_findings_header_max.
std::string findings_header(const std::vector<finding>& findings);
/// "4.50" (two decimals, C locale).
std::string score_header(double score);

/// The header fields replyguard owns: copies arriving from outside are forged.
inline constexpr std::string_view k_owned_headers[] = {"X-Replyguard-Verdict",  "X-Replyguard-Score",
                                                       "X-Replyguard-Findings", "X-Replyguard-Banner",
                                                       "X-Replyguard-Outbound", "X-Replyguard-Incomplete"};
bool is_owned_header(std::string_view name) noexcept;

/// RFC 2047 B-encoding (UTF-8) of `text` as one or more encoded words separated
/// by a space, each at most 75 characters, split on character boundaries.
std::string encode_words(std::string_view utf8_text);

/// The new raw value of a Subject field with `prefix` in front of it.
/// `raw` is the value as it arrived (possibly with encoded words, possibly
/// folded). The original is kept byte for byte when it is valid ASCII; raw
/// 8-bit text is re-encoded as UTF-8 encoded words. A subject that already
/// starts with the prefix is returned unchanged (`changed` false).
struct subject_change {
    std::string value;
    bool changed = false;
};
/// `decoded` is the subject the engine already decoded (mime::subject_info::decoded).
subject_change prefix_subject(std::string_view raw, std::string_view decoded, std::string_view prefix);
/// The same, decoding `raw` itself (for callers without a parsed message).
subject_change prefix_subject(std::string_view raw, std::string_view prefix);

}  // namespace replyguard::milter
