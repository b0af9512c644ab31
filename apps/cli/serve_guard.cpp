// SPDX-License-Identifier: Apache-2.0
// apps/cli/serve_guard.cpp - `serve`: what every request passes before its route
//
// DESCRIPTION
//   In this order (issue 12 items 4 and 13):
//   1. Framing. A request with two Content-Length fields, or Content-Length
//      and Transfer-Encoding together, is refused (400): behind a proxy that
//      reads it the other way, the rest would be a smuggled request. A
//      Content-Length above limits.message_bytes is refused at once (413),
//      before a byte of the body is read. (run_serve also serves one request
//      per connection, so nothing after a refused request is ever read as the
//      next one.)
//   2. Host (DNS rebinding). Without a token, the Host field must name this
//      server on loopback: localhost, 127.0.0.0/8, [::1], or the --listen
//      address. A page on rebind.attacker.example whose name now resolves to
//      127.0.0.1 sends "Host: rebind.attacker.example" and is refused (421).
//      With a token any Host is accepted: such a page has no token.
//   3. The token. With one, /api/, /checkv2 and /metrics need
//      "Authorization: Bearer TOKEN" or rspamd's "Password: TOKEN" (rspamc
//      -P; compared in constant time); /health and the dashboard page do not.
//   4. Writes without a token (loopback only) must be a request a web page
//      cannot send from another site: a cross-origin Origin or Sec-Fetch-Site
//      is refused (403), and the request must carry a Content-Type that is
//      not one of the three a form may send (application/x-www-form-urlencoded,
//      multipart/form-data, text/plain), or an X- header field, or one of
//      rspamd's request header fields (k_rspamd_fields: rspamc 3.4 sends
//      "Content-Type: text/plain" with "Flags" and "Filename"); none of those
//      fields is CORS-safelisted nor sent by a browser by itself, so a page
//      can only add one after a CORS preflight, which this server never grants
//      (415 otherwise). `curl -H 'Content-Type: message/rfc822' --data-binary
//      @mail.eml` passes; a form posting text/plain does not.
//   It runs when the request head is in (http_server.hpp handlers.head), so a
//   refusal is sent before the body is read (400 and 413: never read).
//   finish() runs on every reply: security headers (nosniff, no-store) and a
//   JSON body for an error the server made itself (413 past the body limit,
//   503 with every worker busy, 500).
// DIAGNOSTICS
//   JSON errors: 400 bad_request, 401 unauthorized (counted in
//   replyguard_http_unauthorized_total), 403 forbidden, 413 too_large,
//   415 unsupported_media_type, 421 misdirected_request.
#include "cli/serve_http.hpp"
#include "core/strings.hpp"

#include <fmt/format.h>
#include <openssl/crypto.h>

#include <algorithm>
#include <cctype>

namespace replyguard::cli::serve {

namespace {

/// The host of "host", "host:port", "[v6]" or "[v6]:port", lower case.
std::string host_part(std::string_view authority) {
    if (authority.starts_with('[')) {
        std::size_t close = authority.find(']');
        return lower(authority.substr(0, close == std::string_view::npos ? authority.size() : close + 1));
    }
    return lower(authority.substr(0, authority.find(':')));
}

bool is_ipv4_loopback(std::string_view h) {
    if (!h.starts_with("127.")) return false;
    return std::all_of(h.begin(), h.end(), [](char ch) { return ch == '.' || (ch >= '0' && ch <= '9'); });
}

bool host_allowed(const context& c, std::string_view host_field) {
    if (!c.token.empty() || host_field.empty()) return true;  // no Host: not a browser
    std::string h = host_part(host_field);
    std::string listen = lower(c.listen);
    if (listen.find(':') != std::string::npos && !listen.starts_with('[')) listen = "[" + listen + "]";
    return h == "localhost" || h == "[::1]" || is_ipv4_loopback(h) || h == listen;
}

bool is_write(std::string_view method) { return method != "GET" && method != "HEAD" && method != "OPTIONS"; }

/// rspamd's request header fields (rspamc, the rspamd proxy): none is
/// CORS-safelisted and no browser sends one by itself.
constexpr std::string_view k_rspamd_fields[] = {"Flags",   "Filename", "Queue-Id",    "IP",         "From",
                                                "Rcpt",    "Helo",     "Hostname",    "User",       "Deliver-To",
                                                "Pass",    "Password", "Compression", "Settings",   "Settings-ID",
                                                "Log-Tag", "MTA-Tag",  "MTA-Name",    "TLS-Cipher", "TLS-Version"};

/// Could a page on another site have sent this without a CORS preflight?
bool forgeable(const http::request& req) {
    for (const auto& [name, value] : req.headers) {
        if (name.size() > 2 && (name[0] == 'x' || name[0] == 'X') && name[1] == '-') return false;
        for (std::string_view f : k_rspamd_fields)
            if (ieq(name, f)) return false;
    }
    std::string ct = req.get_header_value("Content-Type");
    std::string media = lower(ct.substr(0, ct.find(';')));
    media.erase(std::remove_if(media.begin(), media.end(), [](unsigned char ch) { return std::isspace(ch); }),
                media.end());
    return media.empty() || media == "application/x-www-form-urlencoded" || media == "multipart/form-data" ||
           media == "text/plain";
}

http::response refuse(int status, std::string_view code, std::string_view message) {
    http::response res;
    send_error(res, status, code, message);
    return res;
}

}  // namespace

std::optional<http::response> guard(const context& c, const http::request& req) {
    // 1. Framing.
    const std::size_t n_length = req.get_header_value_count("Content-Length");
    if (n_length > 1) return refuse(400, "bad_request", "more than one Content-Length header");
    if (n_length == 1 && req.has_header("Transfer-Encoding"))
        return refuse(400, "bad_request", "Content-Length and Transfer-Encoding together");
    if (n_length == 1) {
        std::string v = req.get_header_value("Content-Length");
        if (v.empty() || v.size() > 19 ||
            !std::all_of(v.begin(), v.end(), [](char ch) { return ch >= '0' && ch <= '9'; }))
            return refuse(400, "bad_request", "Content-Length is not a number");
        if (std::stoull(v) > c.cfg.lim.message_bytes)
            return refuse(413, "too_large", fmt::format("the body is larger than {} bytes", c.cfg.lim.message_bytes));
    }

    // 2. Host.
    if (!host_allowed(c, req.get_header_value("Host")))
        return refuse(
            421, "misdirected_request",
            "this server answers to localhost and loopback addresses only (set a token to serve other names)");

    // 3. The token.
    bool protected_path = req.path.rfind("/api/", 0) == 0 || req.path == "/metrics" || req.path == "/checkv2";
    if (protected_path && !c.token.empty()) {
        auto same = [](const std::string& got, const std::string& want) {
            return got.size() == want.size() && CRYPTO_memcmp(got.data(), want.data(), want.size()) == 0;
        };
        if (same(req.get_header_value("Authorization"), "Bearer " + c.token)) return std::nullopt;
        if (req.has_header("Password") && same(std::string(trim(req.get_header_value("Password"))), c.token))
            return std::nullopt;
        c.m.unauthorized.inc();
        http::response res =
            refuse(401, "unauthorized",
                   "missing or wrong token: send 'Authorization: Bearer TOKEN' (or 'Password: TOKEN', rspamc -P)");
        res.set_header("WWW-Authenticate", "Bearer");
        return res;
    }

    // 4. Writes without a token.
    if (c.token.empty() && is_write(req.method)) {
        if (req.has_header("Origin")) {
            std::string origin = req.get_header_value("Origin");
            std::size_t scheme = origin.find("://");
            std::string authority = scheme == std::string::npos ? std::string() : lower(origin.substr(scheme + 3));
            if (authority.empty() || authority != lower(req.get_header_value("Host")))
                return refuse(403, "forbidden", fmt::format("cross-origin request from {} refused", origin));
        }
        if (req.has_header("Sec-Fetch-Site")) {
            std::string site = lower(req.get_header_value("Sec-Fetch-Site"));
            if (site != "same-origin" && site != "none") return refuse(403, "forbidden", "cross-site request refused");
        }
        if (forgeable(req))
            return refuse(415, "unsupported_media_type",
                          "send the raw message with 'Content-Type: message/rfc822' (without a token, a form, "
                          "text/plain or no Content-Type is refused: any web page could send it)");
    }
    return std::nullopt;
}

void finish(context& c, const http::request& req, http::response& res) {
    res.set_header("X-Content-Type-Options", "nosniff");
    res.set_header("Cache-Control", "no-store");
    if (res.status >= 400 && res.status < 500) c.m.client_errors.inc();
    if (res.status < 400 || res.content_type.starts_with("application/json")) return;
    std::string msg = res.status == 404   ? fmt::format("no such endpoint: {} {}", req.method, req.path)
                      : res.status == 413 ? fmt::format("the body is larger than {} bytes", c.cfg.lim.message_bytes)
                      : res.status == 503 ? std::string("every worker is busy: try again")
                      : res.status >= 500 ? res.body
                                          : fmt::format("the request was refused (HTTP {})", res.status);
    send_error(res, res.status, res.status == 503 ? "unavailable" : status_code_name(res.status), msg);
}

}  // namespace replyguard::cli::serve
