// SPDX-License-Identifier: Apache-2.0
// apps/cli/serve_http.cpp - JSON replies and query parameters shared by the routes of `serve`.
#include "cli/serve_http.hpp"

#include <fmt/format.h>

#include <chrono>

namespace replyguard::cli::serve {

using nlohmann::json;

std::int64_t now_s() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

bool is_loopback(std::string_view host) {
    return host == "localhost" || host == "::1" || host == "[::1]" || host.rfind("127.", 0) == 0;
}

void send_json(http::response& res, int status, const json& j) {
    res.status = status;
    res.set_content(j.dump(-1, ' ', false, json::error_handler_t::replace), "application/json; charset=utf-8");
}

void send_error(http::response& res, int status, std::string_view code, std::string_view message) {
    send_json(res, status, json{{"error", code}, {"message", message}});
}

std::string_view status_code_name(int s) {
    switch (s) {
    case 400: return "bad_request";
    case 401: return "unauthorized";
    case 403: return "forbidden";
    case 404: return "not_found";
    case 405: return "method_not_allowed";
    case 413: return "too_large";
    case 414: return "uri_too_long";
    case 415: return "unsupported_media_type";
    case 421: return "misdirected_request";
    default: return s >= 500 ? "internal" : "error";
    }
}

/// A non-negative integer query parameter; nullopt with an error sent when malformed.
std::optional<std::int64_t> int_param(const http::request& req, http::response& res, const char* name,
                                      std::int64_t fallback, std::int64_t max) {
    if (!req.has_param(name)) return fallback;
    std::string v = req.get_param_value(name);
    std::int64_t n = 0;
    bool ok = !v.empty() && v.size() <= 18;
    for (char c : v) {
        if (c < '0' || c > '9') {
            ok = false;
            break;
        }
        n = n * 10 + (c - '0');
    }
    if (!ok || n > max) {
        send_error(res, 400, "bad_request", fmt::format("parameter '{}' must be an integer from 0 to {}", name, max));
        return std::nullopt;
    }
    return n;
}

}  // namespace replyguard::cli::serve
