// SPDX-License-Identifier: Apache-2.0
// apps/cli/systemd_notify.hpp - tell systemd (Type=notify units) where a daemon stands
//
// DESCRIPTION
//   `replyguard milter` and `replyguard serve` run as Type=notify services
//   (debian/*.service): systemd considers them started only when they say
//   READY=1, after the listener is bound and the store is open, so that
//   Postfix (ordered After= the milter) never meets a milter that is not
//   there yet. RELOADING=1 / READY=1 bracket a SIGHUP reload and STOPPING=1
//   starts a drain. Outside systemd (no $NOTIFY_SOCKET) every call does
//   nothing. libsystemd's sd_notify (Debian libsystemd-dev) does the work,
//   opened at the first notice under systemd (systemd_notify.cpp says why).
#pragma once

#include <string_view>

namespace replyguard::cli {

/// The daemon is up: listener bound, store open. `status` is shown by `systemctl status`.
void notify_ready(std::string_view status = {});
/// A reload has started (SIGHUP); call notify_ready() when it is done, whatever its outcome.
void notify_reloading();
/// The daemon is stopping (drain in progress).
void notify_stopping();
/// A free-form status line for `systemctl status`.
void notify_status(std::string_view status);

}  // namespace replyguard::cli
