// SPDX-License-Identifier: Apache-2.0
// apps/cli/serve_guard.cpp - `serve`: what every request passes before its route
//
// DESCRIPTION
//   Security headers on every reply (nosniff, no-store). With a token,
//   /api/, /checkv2 and /metrics need "Authorization: Bearer TOKEN" (compared
//   in constant time); /health and the dashboard page do not.
// DIAGNOSTICS
//   401 unauthorized (JSON), counted in replyguard_http_unauthorized_total.
#include "cli/serve_http.hpp"

#include <openssl/crypto.h>

namespace replyguard::cli::serve {

httplib::Server::HandlerResponse guard(const context& c, const httplib::Request& req, httplib::Response& res) {
    ++c.m.requests;
    res.set_header("X-Content-Type-Options", "nosniff");
    res.set_header("Cache-Control", "no-store");
    bool protected_path = req.path.rfind("/api/", 0) == 0 || req.path == "/metrics" || req.path == "/checkv2";
    if (!protected_path || c.token.empty()) return httplib::Server::HandlerResponse::Unhandled;
    std::string auth = req.get_header_value("Authorization");
    std::string want = "Bearer " + c.token;
    if (auth.size() == want.size() && CRYPTO_memcmp(auth.data(), want.data(), want.size()) == 0)
        return httplib::Server::HandlerResponse::Unhandled;
    ++c.m.unauthorized;
    res.set_header("WWW-Authenticate", "Bearer");
    send_error(res, 401, "unauthorized", "missing or wrong token: send 'Authorization: Bearer TOKEN'");
    return httplib::Server::HandlerResponse::Handled;
}

}  // namespace replyguard::cli::serve
