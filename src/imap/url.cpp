// SPDX-License-Identifier: Apache-2.0
// imap/url.cpp - IMAP URLs and modified UTF-7 mailbox names (see url.hpp)
#include "imap/url.hpp"

#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <cstdint>
#include <vector>

namespace replyguard::imap {
namespace {

bool istarts(std::string_view s, std::string_view p) {
    if (s.size() < p.size()) return false;
    for (std::size_t i = 0; i < p.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(s[i])) != p[i]) return false;
    return true;
}

result<std::string> percent_decode(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '%') {
            out += s[i];
            continue;
        }
        unsigned v = 0;
        if (i + 2 >= s.size() || std::from_chars(s.data() + i + 1, s.data() + i + 3, v, 16).ptr != s.data() + i + 3)
            return fail(errc::parse, fmt::format("bad percent-encoding in '{}'", s));
        out += static_cast<char>(v);
        i += 2;
    }
    return out;
}

constexpr std::string_view k_b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

}  // namespace

std::string imap_url::base() const {
    return fmt::format("{}://{}:{}", implicit_tls ? "imaps" : "imap",
                       host.find(':') != std::string::npos ? "[" + host + "]" : host, port);
}

std::string imap_url::account() const {
    return fmt::format("{}://{}@{}:{}", implicit_tls ? "imaps" : "imap", user, host, port);
}

bool is_imap_url(std::string_view s) { return istarts(s, "imap://") || istarts(s, "imaps://"); }

result<imap_url> parse_url(std::string_view s) {
    imap_url u;
    if (istarts(s, "imaps://")) {
        s.remove_prefix(8);
    } else if (istarts(s, "imap://")) {
        u.implicit_tls = false;
        u.port = 143;
        s.remove_prefix(7);
    } else {
        return fail(errc::parse, fmt::format("'{}' is not an imap:// or imaps:// URL", s));
    }
    std::string_view path;
    if (auto slash = s.find('/'); slash != std::string_view::npos) {
        path = s.substr(slash + 1);
        s = s.substr(0, slash);
    }
    if (auto at = s.rfind('@'); at != std::string_view::npos) {
        auto user = s.substr(0, at);
        if (user.find(':') != std::string_view::npos)
            return fail(errc::parse, "a password in the URL is refused: give it in a file or the environment");
        auto d = percent_decode(user);
        if (!d) return std::unexpected(d.error());
        u.user = *d;
        s = s.substr(at + 1);
    }
    std::string_view hostport = s;
    std::string_view port;
    if (hostport.starts_with('[')) {
        auto close = hostport.find(']');
        if (close == std::string_view::npos) return fail(errc::parse, "unclosed '[' in the IMAP host");
        u.host = std::string(hostport.substr(1, close - 1));
        if (close + 1 < hostport.size()) {
            if (hostport[close + 1] != ':') return fail(errc::parse, "bad IMAP host");
            port = hostport.substr(close + 2);
        }
    } else if (auto c = hostport.find(':'); c != std::string_view::npos) {
        u.host = std::string(hostport.substr(0, c));
        port = hostport.substr(c + 1);
    } else {
        u.host = std::string(hostport);
    }
    if (u.host.empty()) return fail(errc::parse, "the IMAP URL has no host");
    if (!port.empty()) {
        int p = 0;
        auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
        if (ec != std::errc{} || ptr != port.data() + port.size() || p <= 0 || p > 65535)
            return fail(errc::parse, fmt::format("bad IMAP port '{}'", port));
        u.port = p;
    }
    while (path.ends_with('/')) path.remove_suffix(1);
    if (path.find(';') != std::string_view::npos || path.find('?') != std::string_view::npos)
        return fail(errc::parse, "IMAP URL parameters (;UID=, ;UIDVALIDITY=, ?search) are not accepted");
    auto mb = percent_decode(path);
    if (!mb) return std::unexpected(mb.error());
    u.mailbox = *mb;
    return u;
}

result<std::string> encode_mailbox(std::string_view in) {
    std::string out;
    std::vector<std::uint16_t> pending;  // UTF-16 units waiting for a base64 run
    auto flush = [&] {
        if (pending.empty()) return;
        out += '&';
        std::uint32_t buf = 0;
        int bits = 0;
        for (auto w : pending) {
            buf = (buf << 16) | w;
            bits += 16;
            while (bits >= 6) {
                bits -= 6;
                out += k_b64[(buf >> bits) & 0x3f];
            }
        }
        if (bits > 0) out += k_b64[(buf << (6 - bits)) & 0x3f];
        out += '-';
        pending.clear();
    };
    for (std::size_t i = 0; i < in.size();) {
        auto c = static_cast<unsigned char>(in[i]);
        if (c >= 0x20 && c <= 0x7e) {
            flush();
            out += c == '&' ? std::string("&-") : std::string(1, static_cast<char>(c));
            ++i;
            continue;
        }
        // One UTF-8 sequence, strictly: no overlong forms, no surrogates, nothing
        // above U+10FFFF (modified UTF-7 is UTF-16, and the name must round-trip).
        int len = c < 0x80 ? 1 : c >= 0xc2 && c < 0xe0 ? 2 : c >= 0xe0 && c < 0xf0 ? 3 : c >= 0xf0 && c < 0xf5 ? 4 : 0;
        auto bad = [&] { return fail(errc::parse, fmt::format("mailbox name '{}' is not valid UTF-8", in)); };
        if (len == 0 || i + static_cast<std::size_t>(len) > in.size()) return bad();
        std::uint32_t cp = len == 1 ? c : len == 2 ? (c & 0x1fu) : len == 3 ? (c & 0x0fu) : (c & 0x07u);
        for (int k = 1; k < len; ++k) {
            auto cc = static_cast<unsigned char>(in[i + static_cast<std::size_t>(k)]);
            if ((cc & 0xc0) != 0x80) return bad();
            cp = (cp << 6) | (cc & 0x3fu);
        }
        if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp < 0xe000))
            return bad();
        i += static_cast<std::size_t>(len);
        if (cp >= 0x10000) {
            cp -= 0x10000;
            pending.push_back(static_cast<std::uint16_t>(0xd800 + (cp >> 10)));
            pending.push_back(static_cast<std::uint16_t>(0xdc00 + (cp & 0x3ff)));
        } else {
            pending.push_back(static_cast<std::uint16_t>(cp));
        }
    }
    flush();
    return out;
}

std::string decode_mailbox(std::string_view in) {
    std::string out;
    auto put_cp = [&](std::uint32_t cp) {
        if (cp < 0x80) {
            out += static_cast<char>(cp);
        } else if (cp < 0x800) {
            out += static_cast<char>(0xc0 | (cp >> 6));
            out += static_cast<char>(0x80 | (cp & 0x3f));
        } else if (cp < 0x10000) {
            out += static_cast<char>(0xe0 | (cp >> 12));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
            out += static_cast<char>(0x80 | (cp & 0x3f));
        } else {
            out += static_cast<char>(0xf0 | (cp >> 18));
            out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
            out += static_cast<char>(0x80 | (cp & 0x3f));
        }
    };
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (in[i] != '&') {
            out += in[i];
            continue;
        }
        auto end = in.find('-', i + 1);
        if (end == std::string_view::npos) return std::string(in);
        if (end == i + 1) {
            out += '&';
            i = end;
            continue;
        }
        std::uint32_t buf = 0;
        int bits = 0;
        std::uint32_t high = 0;
        for (std::size_t k = i + 1; k < end; ++k) {
            auto pos = k_b64.find(in[k]);
            if (pos == std::string_view::npos) return std::string(in);
            buf = (buf << 6) | static_cast<std::uint32_t>(pos);
            bits += 6;
            if (bits >= 16) {
                bits -= 16;
                auto w = static_cast<std::uint16_t>((buf >> bits) & 0xffff);
                if (w >= 0xd800 && w < 0xdc00) {
                    high = w;
                } else if (w >= 0xdc00 && w < 0xe000 && high) {
                    put_cp(0x10000 + ((high - 0xd800) << 10) + (w - 0xdc00));
                    high = 0;
                } else {
                    put_cp(w);
                }
            }
        }
        i = end;
    }
    return out;
}

std::string quote(std::string_view s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    out += '"';
    return out;
}

std::string url_path(std::string_view s) {
    std::string out;
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '/')
            out += static_cast<char>(c);
        else
            out += fmt::format("%{:02X}", c);
    }
    return out;
}

}  // namespace replyguard::imap
