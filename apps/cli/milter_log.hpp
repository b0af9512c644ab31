// SPDX-License-Identifier: Apache-2.0
// apps/cli/milter_log.hpp - the milter's log lines: standard error, syslog or both
//
// DESCRIPTION
//   One line per event, prefixed with the queue id ("NOQUEUE" before one is
//   known): "replyguard milter: QUEUEID: TEXT" on standard error, and
//   "milter: QUEUEID: TEXT" to syslog (facility mail, ident "replyguard").
//   The target is [milter] log or --log; SIGHUP may switch it.
// DIAGNOSTICS
//   Priorities: LOG_INFO per message, LOG_WARNING for a default action or a
//   refused reload, LOG_ERR for failures of the daemon.
#pragma once

#include <syslog.h>

#include <string_view>

namespace replyguard::cli::milterd {

/// Where lines go from now on: "stderr", "syslog" or "both" (anything else: stderr).
void set_log_target(std::string_view name);

/// Open the syslog connection (lazily: it connects on the first line).
void open_log();

/// One line, prefixed with the queue id, to standard error and/or syslog.
/// Text derived from mail is never used as a format string.
void log_line(std::string_view qid, std::string_view text, int priority = LOG_INFO);

}  // namespace replyguard::cli::milterd
