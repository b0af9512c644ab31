// SPDX-License-Identifier: Apache-2.0
// apps/cli/mhd_api.cpp - libmicrohttpd.so.12 opened on first use (see mhd_api.hpp)
#include "cli/mhd_api.hpp"

#include "core/dynlib.hpp"

namespace replyguard::cli::http {

namespace {

result<mhd_api> load() {
    auto lib = dynlib::open("libmicrohttpd.so.12", "libmicrohttpd12");
    if (!lib) return std::unexpected(lib.error());
    mhd_api a;
    for (auto r :
         {lib->bind(a.start_daemon, "MHD_start_daemon"), lib->bind(a.stop_daemon, "MHD_stop_daemon"),
          lib->bind(a.create_response_from_buffer, "MHD_create_response_from_buffer"),
          lib->bind(a.add_response_header, "MHD_add_response_header"),
          lib->bind(a.queue_response, "MHD_queue_response"), lib->bind(a.destroy_response, "MHD_destroy_response"),
          lib->bind(a.get_connection_values, "MHD_get_connection_values"),
          lib->bind(a.get_connection_info, "MHD_get_connection_info"),
          lib->bind(a.suspend_connection, "MHD_suspend_connection"),
          lib->bind(a.resume_connection, "MHD_resume_connection")})
        if (!r) return std::unexpected(r.error());
    return a;
}

}  // namespace

const result<mhd_api>& mhd() {
    static const result<mhd_api> api = load();  // C++11 magic statics: once, thread-safe
    return api;
}

}  // namespace replyguard::cli::http
