// SPDX-License-Identifier: Apache-2.0
// apps/cli/http_message.hpp - our own HTTP request and response, what the routes of serve see
//
// DESCRIPTION
//   The thin adapter between the HTTP server (apps/cli/http_server.cpp,
//   libmicrohttpd) and the route functions (apps/cli/serve_*.cpp, the milter's
//   /metrics): a route reads a `request` and fills a `response`; no route
//   includes the server library. The accessors keep the names the routes used
//   with cpp-httplib (has_header, get_header_value, get_param_value, ...).
//   Header names compare ASCII case-insensitively; every field is kept, in
//   the order received, so duplicates can be counted (serve_guard.cpp).
//   Query parameters are percent-decoded; the first of a repeated one wins.
// LIMITS
//   The body is complete when a route runs: the server has read it under the
//   body limit it was given (http_server.hpp, server_limits::body_bytes).
#pragma once

#include "core/strings.hpp"

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace replyguard::cli::http {

using fields = std::vector<std::pair<std::string, std::string>>;

struct request {
    std::string method;                ///< as sent ("GET", "POST", ...)
    std::string path;                  ///< percent-decoded, without the query
    fields params;                     ///< query parameters, decoded, in order
    fields headers;                    ///< header fields, in order, duplicates kept
    std::string body;                  ///< the whole body (bounded by the server's body limit)
    std::string remote_addr;           ///< the peer's address, numeric
    std::vector<std::string> matches;  ///< [0] the path, [1] the variable segment of a route (the detection id)

    std::size_t get_header_value_count(std::string_view name) const {
        std::size_t n = 0;
        for (const auto& [k, v] : headers) n += ieq(k, name);
        return n;
    }
    bool has_header(std::string_view name) const { return get_header_value_count(name) > 0; }
    /// The `idx`-th field called `name`, "" when there is none.
    std::string get_header_value(std::string_view name, std::size_t idx = 0) const {
        for (const auto& [k, v] : headers)
            if (ieq(k, name) && idx-- == 0) return v;
        return {};
    }
    bool has_param(std::string_view name) const {
        for (const auto& [k, v] : params)
            if (k == name) return true;
        return false;
    }
    std::string get_param_value(std::string_view name) const {
        for (const auto& [k, v] : params)
            if (k == name) return v;
        return {};
    }
    bool is_multipart_form_data() const {
        return starts_with_ci(trim(get_header_value("Content-Type")), "multipart/form-data");
    }
};

struct response {
    int status = 200;
    fields headers;  ///< besides Content-Type (set_content) and what the server adds
    std::string body;
    std::string content_type;

    void set_header(std::string name, std::string value) { headers.emplace_back(std::move(name), std::move(value)); }
    void set_content(std::string b, std::string type) {
        body = std::move(b);
        content_type = std::move(type);
    }
};

}  // namespace replyguard::cli::http
