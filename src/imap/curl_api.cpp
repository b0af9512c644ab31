// SPDX-License-Identifier: Apache-2.0
// imap/curl_api.cpp - libcurl.so.4 opened on first use (see curl_api.hpp)
#include "imap/curl_api.hpp"

#include "core/dynlib.hpp"

namespace replyguard::imap {

namespace {

result<curl_api> load() {
    auto lib = dynlib::open("libcurl.so.4", "libcurl4");
    if (!lib) return std::unexpected(lib.error());
    curl_api a;
    for (auto r : {lib->bind(a.global_init, "curl_global_init"), lib->bind(a.easy_init, "curl_easy_init"),
                   lib->bind(a.easy_setopt, "curl_easy_setopt"), lib->bind(a.easy_perform, "curl_easy_perform"),
                   lib->bind(a.easy_cleanup, "curl_easy_cleanup"), lib->bind(a.easy_strerror, "curl_easy_strerror")})
        if (!r) return std::unexpected(r.error());
    if (CURLcode rc = a.global_init(CURL_GLOBAL_DEFAULT); rc != CURLE_OK)
        return fail(errc::internal, std::string("curl_global_init failed: ") + a.easy_strerror(rc));
    return a;
}

}  // namespace

const result<curl_api>& curl() {
    static const result<curl_api> api = load();  // C++11 magic statics: once, thread-safe
    return api;
}

}  // namespace replyguard::imap
