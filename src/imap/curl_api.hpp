// SPDX-License-Identifier: Apache-2.0
// imap/curl_api.hpp - libcurl opened when an IMAP command first needs it (core/dynlib.hpp)
//
// DESCRIPTION
//   Only `learn imap://` and `watch` use libcurl, but linked, libcurl.so.4 and
//   the 21 more it brings (GnuTLS, Kerberos, LDAP, SASL, libssh2, ...) were
//   mapped and relocated at the start of every command, a one-file scan
//   included (bench/README.md, "Start-up"). client.cpp calls libcurl through
//   this table instead, filled from libcurl.so.4 (Debian libcurl4, the
//   SONAME of the libcurl4-openssl-dev headers we compile against) on first
//   use, after which curl_global_init runs once.
// LIMITS
//   The functions client.cpp calls, nothing else; add one here when it calls
//   another. Their types come from <curl/curl.h>. Calls through the pointers
//   skip the compile-time option/argument type check curl.h's macro wraps
//   around curl_easy_setopt (typecheck-gcc.h), so client.cpp passes `long`
//   and pointers exactly as the option wants.
// DIAGNOSTICS
//   api() holds the error when the library or a function is missing; the
//   client reports it as failure::internal at its first command.
#pragma once

#include "core/result.hpp"

#include <curl/curl.h>

namespace replyguard::imap {

struct curl_api {
    decltype(&::curl_global_init) global_init = nullptr;
    decltype(&::curl_easy_init) easy_init = nullptr;
    decltype(&::curl_easy_setopt) easy_setopt = nullptr;
    decltype(&::curl_easy_perform) easy_perform = nullptr;
    decltype(&::curl_easy_cleanup) easy_cleanup = nullptr;
    decltype(&::curl_easy_strerror) easy_strerror = nullptr;
};

/// libcurl, opened and initialised (curl_global_init) once per process; thread-safe.
const result<curl_api>& curl();

}  // namespace replyguard::imap
