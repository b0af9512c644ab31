// SPDX-License-Identifier: Apache-2.0
// milter/policy.cpp - [milter] configuration, verdict -> actions, header values.
#include "milter/policy.hpp"

#include "mime/charset.hpp"
#include "mime/header_decode.hpp"
#include "store/history.hpp"

#include "core/strings.hpp"
#include "core/toml_file.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cmath>

namespace replyguard::milter {

std::string_view disposition_name(disposition d) noexcept {
    switch (d) {
    case disposition::accept: return "accept";
    case disposition::quarantine: return "quarantine";
    case disposition::reject: return "reject";
    case disposition::tempfail: return "tempfail";
    }
    return "accept";
}

std::string_view incomplete_action_name(incomplete_action a) noexcept {
    switch (a) {
    case incomplete_action::hold: return "hold";
    case incomplete_action::tempfail: return "tempfail";
    case incomplete_action::verdict: return "verdict";
    }
    return "hold";
}

std::uint32_t analysis_millis(const milter_config& mc, std::uint32_t message_millis) {
    const double timeout_ms = mc.timeout * 1000.0;
    const double margin = std::min(2000.0, timeout_ms / 4);
    const double cap = std::max(1.0, std::floor(timeout_ms - margin));
    if (message_millis != 0 && message_millis <= cap) return message_millis;
    return cap >= 4294967295.0 ? UINT32_MAX : static_cast<std::uint32_t>(cap);
}

const verdict_actions& milter_config::for_verdict(score::verdict v) const {
    switch (v) {
    case score::verdict::malicious: return malicious;
    case score::verdict::suspicious: return suspicious;
    default: return clean;
    }
}

namespace {

std::string where(const toml::node& n, const std::string& origin) { return toml_where(n, origin); }

result<verdict_actions> read_actions(const toml::node& n, const std::string& origin, std::string_view key) {
    const toml::array* a = n.as_array();
    if (!a)
        return fail(errc::parse,
                    fmt::format("{}: milter.actions.{} must be an array of strings", where(n, origin), key));
    verdict_actions va{.headers = false};
    int dispositions = 0;
    for (const auto& e : *a) {
        auto s = e.value<std::string>();
        if (!s)
            return fail(errc::parse,
                        fmt::format("{}: milter.actions.{} must hold strings only", where(e, origin), key));
        if (*s == "headers")
            va.headers = true;
        else if (*s == "subject")
            va.subject = true;
        else if (*s == "banner")
            va.banner = true;
        else if (*s == "accept") {
            va.disp = disposition::accept;
            ++dispositions;
        } else if (*s == "quarantine" || *s == "hold") {
            va.disp = disposition::quarantine;
            ++dispositions;
        } else if (*s == "reject") {
            va.disp = disposition::reject;
            ++dispositions;
        } else if (*s == "tempfail") {
            va.disp = disposition::tempfail;
            ++dispositions;
        } else
            return fail(errc::parse,
                        fmt::format("{}: milter.actions.{}: unknown action '{}' (headers, subject, banner, "
                                    "accept, quarantine, reject, tempfail)",
                                    where(e, origin), key, *s));
    }
    if (dispositions > 1)
        return fail(errc::parse,
                    fmt::format("{}: milter.actions.{}: at most one of accept, quarantine, reject, tempfail",
                                where(n, origin), key));
    return va;
}

result<disposition> read_disposition(const toml::node& n, const std::string& origin, std::string_view key,
                                     bool allow_quarantine) {
    auto s = n.value<std::string>();
    if (s && *s == "accept") return disposition::accept;
    if (s && *s == "tempfail" && !allow_quarantine) return disposition::tempfail;
    if (s && (*s == "quarantine" || *s == "hold") && allow_quarantine) return disposition::quarantine;
    return fail(errc::parse, fmt::format("{}: {} must be {}", where(n, origin), key,
                                         allow_quarantine ? "\"accept\" or \"hold\"" : "\"accept\" or \"tempfail\""));
}

}  // namespace

std::string check_metrics_address(std::string_view a) {
    std::size_t colon = a.rfind(':');
    if (colon == std::string_view::npos || colon + 1 == a.size())
        return "must be \"HOST:PORT\" (e.g. \"127.0.0.1:9894\")";
    std::string_view host = a.substr(0, colon), port = a.substr(colon + 1);
    if (port.size() > 5 || !std::all_of(port.begin(), port.end(), [](char ch) { return ch >= '0' && ch <= '9'; }) ||
        std::stoi(std::string(port)) > 65535)
        return "must end in a port from 0 to 65535";
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    // 127.0.0.0/8 written as four decimal parts; the metrics need no token only because nobody else can reach them.
    auto is_v4_loopback = [](std::string_view h) {
        int parts = 0;
        std::size_t i = 0;
        while (i <= h.size()) {
            std::size_t j = h.find('.', i);
            if (j == std::string_view::npos) j = h.size();
            std::string_view p = h.substr(i, j - i);
            if (p.empty() || p.size() > 3 ||
                !std::all_of(p.begin(), p.end(), [](char ch) { return ch >= '0' && ch <= '9'; }) ||
                std::stoi(std::string(p)) > 255)
                return false;
            if (parts == 0 && p != "127") return false;
            ++parts;
            i = j + 1;
        }
        return parts == 4;
    };
    if (host == "localhost" || host == "::1" || is_v4_loopback(host)) return {};
    return fmt::format(
        "must be a loopback address (127.0.0.1, [::1], localhost), not \"{}\": the metrics "
        "listener has no token",
        host);
}

result<milter_config> milter_config_from_toml(const toml_document& doc) {
    const std::string& origin = doc.origin;
    milter_config c;
    const toml::table* m = doc.root["milter"].as_table();
    if (!m) return c;
    for (const auto& [k, v] : *m) {
        std::string_view key = k.str();
        auto str = [&](std::string& out) -> result<void> {
            auto s = v.value<std::string>();
            if (!s) return fail(errc::parse, fmt::format("{}: milter.{} must be a string", where(v, origin), key));
            out = *s;
            return {};
        };
        if (key == "socket") {
            if (auto r = str(c.socket); !r) return std::unexpected(r.error());
        } else if (key == "db") {
            if (auto r = str(c.db); !r) return std::unexpected(r.error());
        } else if (key == "detections") {
            if (auto r = str(c.detections); !r) return std::unexpected(r.error());
            if (store::is_redis_url(c.detections))
                return fail(errc::parse, fmt::format("{}: milter.detections must be an SQLite file or \"off\" "
                                                     "(detections are not kept in Redis)",
                                                     where(v, origin)));
        } else if (key == "metrics") {
            if (auto r = str(c.metrics); !r) return std::unexpected(r.error());
            if (std::string why = check_metrics_address(c.metrics); !why.empty())
                return fail(errc::parse, fmt::format("{}: milter.metrics {}", where(v, origin), why));
        } else if (key == "metrics_file") {
            if (auto r = str(c.metrics_file); !r) return std::unexpected(r.error());
            if (c.metrics_file.empty())
                return fail(errc::parse, fmt::format("{}: milter.metrics_file must be a file name", where(v, origin)));
        } else if (key == "metrics_interval") {
            auto d = v.value<std::int64_t>();
            if (!d || *d < 1 || *d > 86400)
                return fail(errc::parse, fmt::format("{}: milter.metrics_interval must be an integer from 1 to 86400 "
                                                     "(seconds)",
                                                     where(v, origin)));
            c.metrics_interval = static_cast<int>(*d);
        } else if (key == "subject_prefix") {
            if (auto r = str(c.subject_prefix); !r) return std::unexpected(r.error());
        } else if (key == "reject_reason") {
            if (auto r = str(c.reject_reason); !r) return std::unexpected(r.error());
            // An SMTP reply is ASCII (RFC 5321); '%' would be read as a format by libmilter.
            if (!is_ascii(c.reject_reason) || c.reject_reason.find_first_of("%\r\n") != std::string::npos)
                return fail(errc::parse, fmt::format("{}: milter.reject_reason must be one line of ASCII without '%'",
                                                     where(v, origin)));
        } else if (key == "default_action") {
            auto d = read_disposition(v, origin, "milter.default_action", false);
            if (!d) return std::unexpected(d.error());
            c.default_action = *d;
        } else if (key == "on_incomplete") {
            auto s = v.value<std::string>();
            if (s && *s == "hold")
                c.on_incomplete = incomplete_action::hold;
            else if (s && *s == "tempfail")
                c.on_incomplete = incomplete_action::tempfail;
            else if (s && *s == "verdict")
                c.on_incomplete = incomplete_action::verdict;
            else
                return fail(errc::parse, fmt::format("{}: milter.on_incomplete must be \"hold\", \"tempfail\" or "
                                                     "\"verdict\"",
                                                     where(v, origin)));
        } else if (key == "timeout") {
            auto d = v.value<double>();
            if (!d || !std::isfinite(*d) || *d <= 0)
                return fail(errc::parse, fmt::format("{}: milter.timeout must be a positive number", where(v, origin)));
            c.timeout = *d;
        } else if (key == "max_message_size") {
            auto d = v.value<std::int64_t>();
            if (!d || *d <= 0)
                return fail(errc::parse,
                            fmt::format("{}: milter.max_message_size must be a positive integer", where(v, origin)));
            c.max_message_size = static_cast<std::uint64_t>(*d);
        } else if (key == "log") {
            auto s = v.value<std::string>();
            if (!s || (*s != "stderr" && *s != "syslog" && *s != "both"))
                return fail(errc::parse,
                            fmt::format("{}: milter.log must be \"stderr\", \"syslog\" or \"both\"", where(v, origin)));
            c.log = *s;
        } else if (key == "learn") {
            auto b = v.value<bool>();
            if (!b) return fail(errc::parse, fmt::format("{}: milter.learn must be true or false", where(v, origin)));
            c.learn = *b;
        } else if (key == "actions") {
            const toml::table* t = v.as_table();
            if (!t) return fail(errc::parse, fmt::format("{}: milter.actions must be a table", where(v, origin)));
            for (const auto& [ak, av] : *t) {
                verdict_actions* dst = ak.str() == "clean"        ? &c.clean
                                       : ak.str() == "suspicious" ? &c.suspicious
                                       : ak.str() == "malicious"  ? &c.malicious
                                                                  : nullptr;
                if (!dst)
                    return fail(errc::parse,
                                fmt::format("{}: unknown key milter.actions.{}", where(av, origin), ak.str()));
                auto va = read_actions(av, origin, ak.str());
                if (!va) return std::unexpected(va.error());
                *dst = *va;
            }
        } else if (key == "outbound") {
            const toml::table* t = v.as_table();
            if (!t) return fail(errc::parse, fmt::format("{}: milter.outbound must be a table", where(v, origin)));
            for (const auto& [ok, ov] : *t) {
                std::string_view o = ok.str();
                if (o == "enabled" || o == "flag_new_client_ip") {
                    auto b = ov.value<bool>();
                    if (!b)
                        return fail(errc::parse,
                                    fmt::format("{}: milter.outbound.{} must be true or false", where(ov, origin), o));
                    (o == "enabled" ? c.outbound.enabled : c.outbound.flag_new_client_ip) = *b;
                } else if (o == "window" || o == "max_unknown_replies") {
                    auto d = ov.value<std::int64_t>();
                    if (!d || *d <= 0)
                        return fail(errc::parse, fmt::format("{}: milter.outbound.{} must be a positive integer",
                                                             where(ov, origin), o));
                    if (o == "window")
                        c.outbound.window = *d;
                    else
                        c.outbound.max_unknown_replies = static_cast<unsigned>(*d);
                } else if (o == "response") {
                    auto d = read_disposition(ov, origin, "milter.outbound.response", true);
                    if (!d) return std::unexpected(d.error());
                    c.outbound.response = *d;
                } else {
                    return fail(errc::parse, fmt::format("{}: unknown key milter.outbound.{}", where(ov, origin), o));
                }
            }
        } else {
            return fail(errc::parse, fmt::format("{}: unknown key milter.{}", where(v, origin), key));
        }
    }
    return c;
}

result<milter_config> parse_milter_config(std::string_view text, const std::string& origin) {
    auto doc = parse_toml(text, origin);
    if (!doc) return std::unexpected(doc.error());
    return milter_config_from_toml(*doc);
}

result<milter_config> load_milter_config(const std::string& path) {
    auto doc = read_toml(path);
    if (!doc) return std::unexpected(doc.error());
    return milter_config_from_toml(*doc);
}

std::string findings_header(const std::vector<finding>& findings) {
    std::string out;
    for (const auto& f : findings) {
        std::string item = fmt::format("{}={:.2f}", f.id, f.score);
        // Ids are UPPER_SNAKE; anything else is not put in a header verbatim.
        for (char& ch : item)
            if (static_cast<unsigned char>(ch) < 0x21 || static_cast<unsigned char>(ch) > 0x7e || ch == ',') ch = '_';
        std::size_t need = item.size() + (out.empty() ? 0 : 2);
        if (out.size() + need > k_findings_header_max) {
            out += out.empty() ? "..." : ", ...";
            break;
        }
        if (!out.empty()) out += ", ";
        out += item;
    }
    return out.empty() ? "none" : out;
}

std::string score_header(double score) { return fmt::format("{:.2f}", score); }

bool is_owned_header(std::string_view name) noexcept {
    auto ieq = [](std::string_view a, std::string_view b) {
        return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
                   return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
               });
    };
    return std::any_of(std::begin(k_owned_headers), std::end(k_owned_headers),
                       [&](std::string_view h) { return ieq(h, name); });
}

std::string encode_words(std::string_view text) {
    // "=?UTF-8?B?" + "?=" is 12 characters; 75 - 12 = 63 -> at most 45 input
    // bytes (60 base64 characters) per word, cut before a UTF-8 lead byte.
    constexpr std::size_t k_max_in = 45;
    std::string out;
    std::size_t i = 0;
    while (i < text.size()) {
        std::size_t n = std::min(k_max_in, text.size() - i);
        while (n > 0 && i + n < text.size() && (static_cast<unsigned char>(text[i + n]) & 0xC0) == 0x80) --n;
        if (n == 0) n = std::min(k_max_in, text.size() - i);  // not UTF-8: cut anywhere rather than loop
        std::string b64(4 * ((n + 2) / 3) + 1, '\0');
        int len = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(b64.data()),
                                  reinterpret_cast<const unsigned char*>(text.data() + i), static_cast<int>(n));
        b64.resize(static_cast<std::size_t>(len));
        if (!out.empty()) out += ' ';
        out += "=?UTF-8?B?" + b64 + "?=";
        i += n;
    }
    return out;
}

subject_change prefix_subject(std::string_view raw, std::string_view prefix) {
    std::size_t lead = 0;
    while (lead < raw.size() && (raw[lead] == ' ' || raw[lead] == '\t')) ++lead;
    return prefix_subject(raw, mime::decode_header_text(raw.substr(lead)), prefix);
}

subject_change prefix_subject(std::string_view raw, std::string_view decoded, std::string_view prefix) {
    // Skip leading whitespace that follows "Subject:".
    std::size_t lead = 0;
    while (lead < raw.size() && (raw[lead] == ' ' || raw[lead] == '\t')) ++lead;
    std::string_view body = raw.substr(lead);
    std::size_t dlead = 0;
    while (dlead < decoded.size() && (decoded[dlead] == ' ' || decoded[dlead] == '\t')) ++dlead;
    if (decoded.substr(dlead).starts_with(prefix)) return {std::string(raw), false};

    if (!is_ascii(body)) {
        // Raw 8-bit: decode as well as we can and write it all as encoded words.
        std::string text = mime::is_valid_utf8(body) ? std::string(body) : mime::to_utf8(body, "").text;
        return {encode_words(std::string(prefix) + " " + text), true};
    }
    if (is_ascii(prefix)) return {std::string(prefix) + (body.empty() ? "" : " ") + std::string(body), true};
    // White space between two encoded words is dropped by decoders (RFC 2047
    // 6.2), so when the original starts with an encoded word the separating
    // space goes inside ours; before plain text the space itself separates.
    if (body.starts_with("=?")) return {encode_words(std::string(prefix) + " ") + " " + std::string(body), true};
    return {encode_words(prefix) + (body.empty() ? "" : " ") + std::string(body), true};
}

}  // namespace replyguard::milter
