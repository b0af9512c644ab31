// SPDX-License-Identifier: Apache-2.0
// apps/cli/mhd_api.hpp - libmicrohttpd opened when an HTTP server first starts (core/dynlib.hpp)
//
// DESCRIPTION
//   Only `serve` and the milter's /metrics listener run the HTTP server of
//   http_server.cpp, but linked, libmicrohttpd.so.12 and what it names (GnuTLS,
//   nettle, GMP, p11-kit, ...) were mapped and relocated at the start of every
//   command, a one-file scan included (bench/README.md, "Start-up").
//   http_server.cpp calls it through this table instead, filled from
//   libmicrohttpd.so.12 (Debian libmicrohttpd12, the SONAME of the
//   libmicrohttpd-dev headers we compile against) by the first server::start.
// LIMITS
//   The functions http_server.cpp calls, nothing else; add one here when it
//   calls another. Their types come from <microhttpd.h>.
// DIAGNOSTICS
//   mhd() holds the error when the library or a function is missing;
//   server::start returns it (errc::unsupported, naming the package).
#pragma once

#include "core/result.hpp"

#include <microhttpd.h>

namespace replyguard::cli::http {

struct mhd_api {
    decltype(&::MHD_start_daemon) start_daemon = nullptr;
    decltype(&::MHD_stop_daemon) stop_daemon = nullptr;
    decltype(&::MHD_create_response_from_buffer) create_response_from_buffer = nullptr;
    decltype(&::MHD_add_response_header) add_response_header = nullptr;
    decltype(&::MHD_queue_response) queue_response = nullptr;
    decltype(&::MHD_destroy_response) destroy_response = nullptr;
    decltype(&::MHD_get_connection_values) get_connection_values = nullptr;
    decltype(&::MHD_get_connection_info) get_connection_info = nullptr;
    decltype(&::MHD_suspend_connection) suspend_connection = nullptr;
    decltype(&::MHD_resume_connection) resume_connection = nullptr;
};

/// libmicrohttpd, opened once per process; thread-safe.
const result<mhd_api>& mhd();

}  // namespace replyguard::cli::http
