// SPDX-License-Identifier: Apache-2.0
// history/profile.cpp - observing how a message is made, and judging it against a profile
#include "history/profile.hpp"
#include "core/strings.hpp"

#include "mime/domains.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <set>

namespace replyguard::history {
namespace {

struct axis_def {
    std::string_view axis;
    std::string_view family;
    std::uint32_t cap;
};

// Caps bound a profile: at most the sum of these values per profile (~190 rows).
constexpr std::array k_axes{
    axis_def{"mua", "client", 8},  axis_def{"ti", "client", 2},   axis_def{"mid", "client", 8},
    axis_def{"mids", "client", 8}, axis_def{"body", "client", 3}, axis_def{"cs", "client", 6},
    axis_def{"cte", "client", 5},  axis_def{"bnd", "client", 8},  axis_def{"quote", "client", 6},
    axis_def{"relay", "path", 8},  axis_def{"net", "path", 8},    axis_def{"origin", "origin", 12},
    axis_def{"tz", "zone", 6},     axis_def{"hour", "hour", 24},  axis_def{"len", "text", 9},
    axis_def{"link", "links", 32},
};

const axis_def* find_axis(std::string_view a) {
    for (const auto& d : k_axes)
        if (d.axis == a) return &d;
    return nullptr;
}

std::string trim(std::string_view s) {
    auto b = s.find_first_not_of(" \t\r\n");
    if (b == std::string_view::npos) return {};
    auto e = s.find_last_not_of(" \t\r\n");
    return std::string(s.substr(b, e - b + 1));
}

bool ieq_header(const mime::message& m, std::string_view name) { return m.header(name) != nullptr; }

// Text-size buckets (code points of the trimmed new text): upper bounds.
constexpr std::array<std::size_t, 8> k_size_bounds{0, 20, 50, 100, 200, 500, 1000, 2000};

int size_index(std::string_view v) {
    for (std::size_t i = 0; i < k_size_bounds.size(); ++i)
        if (v == std::to_string(k_size_bounds[i])) return static_cast<int>(i);
    if (v == "more") return static_cast<int>(k_size_bounds.size());
    return -1;
}

std::string size_words(std::string_view v) {
    int i = size_index(v);
    if (i == 0) return "no new text";
    if (i < 0) return std::string(v);
    if (i == static_cast<int>(k_size_bounds.size())) return fmt::format("over {} characters", k_size_bounds.back());
    return fmt::format("{}-{} characters", k_size_bounds[static_cast<std::size_t>(i - 1)] + 1,
                       k_size_bounds[static_cast<std::size_t>(i)]);
}

std::string param(std::string_view header_value, std::string_view name) {
    auto l = lower(header_value);
    auto key = std::string(name) + "=";
    auto p = l.find(key);
    while (p != std::string::npos && p > 0 && l[p - 1] != ';' && l[p - 1] != ' ' && l[p - 1] != '\t')
        p = l.find(key, p + 1);
    if (p == std::string::npos) return {};
    auto v = header_value.substr(p + key.size());
    if (!v.empty() && v.front() == '"') {
        auto e = v.find('"', 1);
        return std::string(v.substr(1, e == std::string_view::npos ? std::string_view::npos : e - 1));
    }
    auto e = v.find_first_of("; \t");
    return std::string(v.substr(0, e));
}

std::string strip_ip(std::string_view ip) {
    std::string s = trim(ip);
    if (!s.empty() && s.front() == '[') s = s.substr(1);
    if (!s.empty() && s.back() == ']') s.pop_back();
    if (lower(s).starts_with("ipv6:")) s = s.substr(5);
    return s;
}

bool is_ours(std::string_view host, const std::vector<std::string>& org) {
    if (host.empty()) return false;
    auto r = mime::registrable_domain(host);
    return std::find(org.begin(), org.end(), r) != org.end();
}

bool looks_like_host(std::string_view h) {
    if (h.find('.') == std::string_view::npos) return false;
    in6_addr a6{};
    in_addr a4{};
    auto s = strip_ip(h);
    return inet_pton(AF_INET, s.c_str(), &a4) != 1 && inet_pton(AF_INET6, s.c_str(), &a6) != 1;
}

// A link written by the sender: not one that only stands in the quoted conversation.
bool written_in(std::string_view text, const text::url_ref& u) {
    return text.find(u.url) != std::string_view::npos ||
           (u.anchor_text.size() >= 6 && text.find(u.anchor_text) != std::string_view::npos);
}

std::size_t code_points(std::string_view s) {
    std::size_t n = 0;
    for (unsigned char c : s)
        if ((c & 0xC0) != 0x80 && c > ' ') ++n;  // whitespace does not make a text longer
    return n;
}

}  // namespace

std::vector<std::string> profile_keys(std::string_view address_key) {
    std::vector<std::string> out;
    if (address_key.empty() || address_key.find('@') == std::string_view::npos) return out;
    out.push_back("addr:" + std::string(address_key));
    auto r = mime::registrable_domain(address_key);
    // Free-mail users have nothing in common: no organisation profile for them.
    if (!r.empty() && !mime::is_freemail(r)) out.push_back("org:" + r);
    return out;
}

std::string_view profile_family(std::string_view axis) {
    const auto* d = find_axis(axis);
    return d ? d->family : std::string_view{};
}

bool profilable(const mime::message& m) {
    if (!m.from || m.from->address_key.find('@') == std::string::npos) return false;
    if (!m.list_id.empty()) return false;
    for (auto h : {"List-Id", "List-Post", "List-Unsubscribe", "Mailing-List", "X-Mailing-List", "X-BeenThere"})
        if (ieq_header(m, h)) return false;
    auto hv = [&](std::string_view n) {
        const auto* f = m.header(n);
        return f ? lower(trim(f->value())) : std::string();
    };
    auto as = hv("Auto-Submitted");
    if (!as.empty() && as != "no") return false;
    auto pr = hv("Precedence");
    if (pr == "bulk" || pr == "junk" || pr == "list") return false;
    return true;
}

std::string mua_family(std::string_view x_mailer) {
    auto v = lower(trim(x_mailer));
    if (v.empty()) return "none";
    // Browser-style user agents name the mail program after the engine.
    for (std::string_view app : {"thunderbird", "betterbird", "seamonkey", "postbox"}) {
        auto p = v.find(std::string(app) + "/");
        if (p == std::string::npos) continue;
        std::string ver;
        for (std::size_t i = p + app.size() + 1; i < v.size() && std::isdigit(static_cast<unsigned char>(v[i])); ++i)
            ver += v[i];
        return ver.empty() ? std::string(app) : fmt::format("{} {}", app, ver);
    }
    // Drop comments: "Apple Mail (2.3696)", "Sylpheed 3.7.0 (GTK+ ...)".
    std::string s;
    int depth = 0;
    for (char c : v) {
        if (c == '(' || c == '[')
            ++depth;
        else if ((c == ')' || c == ']') && depth > 0)
            --depth;
        else if (depth == 0)
            s += c;
    }
    // Family: the words before the first one holding a digit; version: that word's leading number.
    std::string family, version;
    std::size_t words = 0;
    std::size_t i = 0;
    while (i < s.size() && words < 4) {
        while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == ',' || s[i] == ';')) ++i;
        auto b = i;
        while (i < s.size() && s[i] != ' ' && s[i] != '\t' && s[i] != ',' && s[i] != ';') ++i;
        std::string_view w(s.data() + b, i - b);
        if (w.empty()) break;
        auto digit = w.find_first_of("0123456789");
        if (digit != std::string_view::npos) {
            // "webmail/1.4" -> family word "webmail", version "1"; "v16.0" / "16.0" -> "16".
            auto slash = w.find('/');
            std::string_view name = slash != std::string_view::npos && slash < digit ? w.substr(0, slash) : "";
            std::string letters;
            for (char c : name)
                if (std::isalpha(static_cast<unsigned char>(c)) || c == '-') letters += c;
            if (!letters.empty()) family += (family.empty() ? "" : " ") + letters;
            for (std::size_t k = digit; k < w.size() && std::isdigit(static_cast<unsigned char>(w[k])); ++k)
                version += w[k];
            break;
        }
        std::string letters;
        for (char c : w)
            if (std::isalpha(static_cast<unsigned char>(c)) || c == '-') letters += c;
        if (!letters.empty()) {
            family += (family.empty() ? "" : " ") + letters;
            ++words;
        }
    }
    if (family.empty()) family = "other";
    if (family.size() > 40) family.resize(40);
    return version.empty() ? family : fmt::format("{} {}", family, version.substr(0, 4));
}

std::string id_shape(std::string_view s) {
    if (s.empty()) return "empty";
    bool d = false, l = false, u = false;
    std::set<char> punct;
    for (char c : s) {
        auto uc = static_cast<unsigned char>(c);
        if (std::isdigit(uc))
            d = true;
        else if (std::islower(uc))
            l = true;
        else if (std::isupper(uc))
            u = true;
        else
            punct.insert(c);
    }
    constexpr std::array<std::size_t, 7> bounds{8, 16, 24, 32, 48, 64, 96};
    std::size_t b = 0;
    while (b < bounds.size() && s.size() > bounds[b]) ++b;
    std::string out = b < bounds.size() ? fmt::format("<={}", bounds[b]) : std::string(">96");
    out += ':';
    if (d) out += 'd';
    if (l) out += 'l';
    if (u) out += 'u';
    if (punct.size() > 4)
        out += "*";
    else
        for (char c : punct) out += (static_cast<unsigned char>(c) < 0x80 ? c : '?');
    return out;
}

std::string boundary_style(std::string_view boundary) {
    if (boundary.empty()) return "none";
    auto l = lower(boundary);
    if (l.find("nextpart") != std::string::npos) return "nextpart";
    if (l.find("apple-mail") != std::string::npos) return "apple-mail";
    if (l.starts_with("_000_") || l.starts_with("_002_") || l.starts_with("_004_")) return "exchange";
    if (l.starts_with("----=_part_")) return "javamail";
    if (l.starts_with("b1_") || l.starts_with("b1=_")) return "phpmailer";
    if (l.size() >= 28 && l.find_first_not_of("0123456789abcdef") == std::string::npos)
        return "hex" + std::to_string(l.size());
    // Otherwise: the leading punctuation as written, then the shape of the rest.
    std::size_t p = 0;
    while (p < boundary.size() && !std::isalnum(static_cast<unsigned char>(boundary[p]))) ++p;
    std::string lead(boundary.substr(0, std::min<std::size_t>(p, 16)));
    return lead + "|" + id_shape(boundary.substr(p));
}

std::optional<int> date_zone_minutes(std::string_view date_raw) {
    std::string s = trim(date_raw);
    // Drop a trailing comment: "+0900 (JST)".
    if (auto c = s.find('('); c != std::string::npos) s = trim(s.substr(0, c));
    auto sp = s.find_last_of(" \t");
    std::string z = sp == std::string::npos ? s : s.substr(sp + 1);
    if (z.size() == 5 && (z[0] == '+' || z[0] == '-') &&
        std::all_of(z.begin() + 1, z.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
        int h = (z[1] - '0') * 10 + (z[2] - '0'), m = (z[3] - '0') * 10 + (z[4] - '0');
        if (h > 14 || m > 59) return std::nullopt;
        return (z[0] == '-' ? -1 : 1) * (h * 60 + m);
    }
    struct named {
        std::string_view n;
        int min;
    };
    static constexpr std::array k_named{named{"ut", 0},     named{"utc", 0},    named{"gmt", 0},    named{"z", 0},
                                        named{"est", -300}, named{"edt", -240}, named{"cst", -360}, named{"cdt", -300},
                                        named{"mst", -420}, named{"mdt", -360}, named{"pst", -480}, named{"pdt", -420},
                                        named{"jst", 540}};
    auto lz = lower(z);
    for (const auto& n : k_named)
        if (lz == n.n) return n.min;
    return std::nullopt;
}

std::string network_of(std::string_view ip) {
    auto s = strip_ip(ip);
    in_addr a4{};
    if (inet_pton(AF_INET, s.c_str(), &a4) == 1) {
        auto* b = reinterpret_cast<const unsigned char*>(&a4.s_addr);
        return fmt::format("{}.{}.{}.0/24", b[0], b[1], b[2]);
    }
    in6_addr a6{};
    if (inet_pton(AF_INET6, s.c_str(), &a6) == 1) {
        const auto* b = a6.s6_addr;
        return fmt::format("{:x}:{:x}:{:x}::/48", (b[0] << 8) | b[1], (b[2] << 8) | b[3], (b[4] << 8) | b[5]);
    }
    return {};
}

bool is_public_ip(std::string_view ip) {
    auto s = strip_ip(ip);
    in_addr a4{};
    if (inet_pton(AF_INET, s.c_str(), &a4) == 1) {
        auto* b = reinterpret_cast<const unsigned char*>(&a4.s_addr);
        if (b[0] == 0 || b[0] == 10 || b[0] == 127 || b[0] >= 224) return false;
        if (b[0] == 169 && b[1] == 254) return false;
        if (b[0] == 172 && (b[1] & 0xF0) == 16) return false;
        if (b[0] == 192 && b[1] == 168) return false;
        if (b[0] == 100 && (b[1] & 0xC0) == 64) return false;  // carrier-grade NAT
        return true;
    }
    in6_addr a6{};
    if (inet_pton(AF_INET6, s.c_str(), &a6) == 1) {
        const auto* b = a6.s6_addr;
        if (IN6_IS_ADDR_LOOPBACK(&a6) || IN6_IS_ADDR_UNSPECIFIED(&a6) || IN6_IS_ADDR_LINKLOCAL(&a6)) return false;
        if ((b[0] & 0xFE) == 0xFC) return false;  // unique local
        if (IN6_IS_ADDR_V4MAPPED(&a6)) return is_public_ip(fmt::format("{}.{}.{}.{}", b[12], b[13], b[14], b[15]));
        return true;
    }
    return false;
}

std::string size_bucket(std::size_t chars) {
    for (auto b : k_size_bounds)
        if (chars <= b) return std::to_string(b);
    return "more";
}

std::vector<store::profile_value> observe_profile(const mime::message& m, const std::vector<std::string>& org) {
    std::vector<store::profile_value> out;
    auto put = [&](std::string_view axis, std::string value) {
        if (value.empty()) return;
        if (value == store::k_profile_other) value = "other";  // never collide with the overflow marker
        const auto* d = find_axis(axis);
        for (const auto& v : out)
            if (v.axis == axis && v.value == value) return;
        out.push_back({std::string(axis), std::move(value), d ? d->cap : 8});
    };
    auto hv = [&](std::string_view n) {
        const auto* f = m.header(n);
        return f ? std::string(trim(f->value())) : std::string();
    };

    // Client.
    auto mailer = hv("X-Mailer");
    if (mailer.empty()) mailer = hv("User-Agent");
    put("mua", mua_family(mailer));
    put("ti", m.header("Thread-Index") ? "y" : "n");
    if (m.message_id.empty()) {
        put("mid", "none");
    } else {
        auto at = m.message_id.rfind('@');
        std::string rhs = at == std::string::npos ? std::string() : lower(m.message_id.substr(at + 1));
        put("mid", rhs.empty() ? "no-domain" : looks_like_host(rhs) ? mime::registrable_domain(rhs) : "not-a-host");
        put("mids", id_shape(at == std::string::npos ? std::string_view(m.message_id)
                                                     : std::string_view(m.message_id).substr(0, at)));
    }
    bool plain = false, html = false;
    const mime::text_part* first = nullptr;
    for (const auto& tp : m.text_parts) {
        if (tp.content_type == "text/plain")
            plain = true;
        else if (tp.content_type == "text/html")
            html = true;
        if (!first) first = &tp;
    }
    if (plain || html) put("body", plain && html ? "plain+html" : plain ? "plain" : "html");
    if (first) {
        put("cs", first->declared_charset.empty() ? "none" : lower(first->declared_charset));
    }
    // Boundary and transfer encoding come from the top-level Content-Type / Content-
    // Transfer-Encoding when the model carries them. The GMime parser keeps them with
    // the MIME part, not in message::headers, so parsed mail does not observe these
    // two axes today (an axis never observed is never judged).
    if (const auto* ct = m.header("Content-Type")) {
        const bool multi = lower(ct->raw).find("multipart/") != std::string::npos;
        put("bnd", multi ? boundary_style(param(ct->raw, "boundary")) : std::string("single-part"));
        if (!multi) {
            auto cte = hv("Content-Transfer-Encoding");
            put("cte", cte.empty() ? "none" : lower(cte));
        }
    }
    if (m.subject.is_reply() || !m.in_reply_to.empty()) {
        std::string q = "none";
        if (!m.quoted.empty()) {
            const auto& b = m.quoted.front();
            bool ja = b.attribution.find("\xE5\xB9\xB4") != std::string::npos ||                      // 年
                      m.body_text.find("\xE5\xB7\xAE\xE5\x87\xBA\xE4\xBA\xBA") != std::string::npos;  // 差出人
            switch (b.kind) {
            case mime::quoted_block::style::angle: q = "angle"; break;
            case mime::quoted_block::style::outlook: q = ja ? "outlook-ja" : "outlook"; break;
            case mime::quoted_block::style::wrote: q = ja ? "wrote-ja" : "wrote"; break;
            case mime::quoted_block::style::forward: q = "forward"; break;
            }
        }
        put("quote", q);
    }

    // Path: the newest hop handed over by a public address that is not ours; the origin:
    // the oldest public hop (the submitting client, when the sender's MTA recorded it).
    const mime::received_hop* handover = nullptr;
    const mime::received_hop* origin = nullptr;
    for (const auto& h : m.received) {
        if (!is_public_ip(h.from_ip)) continue;
        if (!handover) {
            if (is_ours(h.from_host, org)) continue;
            handover = &h;
        }
        origin = &h;
    }
    if (handover) {
        put("relay", looks_like_host(handover->from_host) ? mime::registrable_domain(handover->from_host) : "unnamed");
        put("net", network_of(handover->from_ip));
    }
    // No Received line at all is a path too: mail from outside always carries the sending
    // host's hop (only internal or hand-made mail has none).
    if (m.received.empty()) put("relay", "none");
    if (origin && origin != handover) put("origin", network_of(origin->from_ip));

    // Zone and hour, in the sender's own Date zone.
    if (auto z = date_zone_minutes(m.date_raw)) {
        put("tz", fmt::format("{}{:02}{:02}", *z < 0 ? '-' : '+', std::abs(*z) / 60, std::abs(*z) % 60));
        if (m.date) {
            auto local = *m.date + static_cast<std::int64_t>(*z) * 60;
            auto hour = ((local % 86400) + 86400) % 86400 / 3600;
            put("hour", fmt::format("{:02}", hour));
        }
    }

    put("len", size_bucket(code_points(m.new_text)));

    for (const auto& u : m.urls) {
        if (u.host.empty()) continue;
        if (!m.quoted.empty() && !written_in(m.new_text, u) &&
            std::any_of(m.quoted.begin(), m.quoted.end(), [&](const auto& q) { return written_in(q.text, u); }))
            continue;
        put("link", mime::registrable_domain(u.host));
        if (std::count_if(out.begin(), out.end(), [](const auto& v) { return v.axis == "link"; }) >= 8) break;
    }
    return out;
}

std::optional<std::int64_t> quoted_date(std::string_view text) {
    // Tokens: runs of digits and runs of letters; a Japanese 年/月/日 or '/', '-' separate numbers.
    struct tok {
        bool num;
        std::string s;
    };
    std::vector<tok> t;
    for (std::size_t i = 0; i < text.size() && t.size() < 64;) {
        auto c = static_cast<unsigned char>(text[i]);
        if (std::isdigit(c)) {
            std::size_t b = i;
            while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
            t.push_back({true, std::string(text.substr(b, i - b))});
        } else if (std::isalpha(c)) {
            std::size_t b = i;
            while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) ++i;
            t.push_back({false, lower(text.substr(b, i - b))});
        } else {
            ++i;
        }
    }
    static constexpr std::array<std::string_view, 12> k_months{"jan", "feb", "mar", "apr", "may", "jun",
                                                               "jul", "aug", "sep", "oct", "nov", "dec"};
    auto month_of = [&](const std::string& w) -> int {
        if (w.size() < 3) return 0;
        for (std::size_t k = 0; k < k_months.size(); ++k)
            if (w.starts_with(k_months[k])) return static_cast<int>(k) + 1;
        return 0;
    };
    auto make = [](int y, int mo, int d) -> std::optional<std::int64_t> {
        using namespace std::chrono;
        year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
        if (y < 1990 || y > 2100 || !ymd.ok()) return std::nullopt;
        return static_cast<std::int64_t>(sys_days{ymd}.time_since_epoch().count()) * 86400;
    };
    auto num = [&](std::size_t k) { return t[k].s.size() <= 4 ? std::stoi(t[k].s) : -1; };
    for (std::size_t k = 0; k < t.size(); ++k) {
        if (t[k].num && t[k].s.size() == 4 && k + 2 < t.size() && t[k + 1].num && t[k + 2].num) {
            // 2024年3月4日, 2024/03/04, 2024-03-04
            if (auto r = make(num(k), num(k + 1), num(k + 2))) return r;
        }
        if (!t[k].num) {
            int mo = month_of(t[k].s);
            if (mo == 0) continue;
            // "March 4, 2024" / "Mar 4 2024"
            if (k + 2 < t.size() && t[k + 1].num && t[k + 2].num && t[k + 2].s.size() == 4)
                if (auto r = make(num(k + 2), mo, num(k + 1))) return r;
            // "4 Mar 2024"
            if (k >= 1 && k + 1 < t.size() && t[k - 1].num && t[k + 1].num && t[k + 1].s.size() == 4)
                if (auto r = make(num(k + 1), mo, num(k - 1))) return r;
        }
    }
    return std::nullopt;
}

result<sender_profiles> lookup_profile(store::history& h, std::string_view address_key) {
    sender_profiles out;
    for (const auto& key : profile_keys(address_key)) {
        auto p = h.find_profile(key);
        if (!p) return std::unexpected(p.error());
        (key.starts_with("addr:") ? out.address : out.org) = std::move(*p);
    }
    return out;
}

namespace {

std::uint64_t axis_total(const std::map<std::string, std::uint64_t>& vals) {
    std::uint64_t n = 0;
    for (const auto& [v, c] : vals) n += c;
    return n;
}

double good_turing_new(const std::map<std::string, std::uint64_t>& vals, std::uint64_t n) {
    std::uint64_t singletons = 0;
    for (const auto& [v, c] : vals) singletons += c == 1 ? 1 : 0;
    return static_cast<double>(singletons + 1) / static_cast<double>(n + 1);
}

std::string hour_words(const std::map<std::string, std::uint64_t>& vals) {
    // The smallest circular window holding every hour seen ("09-19").
    std::array<bool, 24> seen{};
    for (const auto& [v, c] : vals)
        if (v.size() == 2 && std::isdigit(static_cast<unsigned char>(v[0])))
            seen[static_cast<std::size_t>(std::stoi(v))] = true;
    int best_start = 0, best_gap = -1;
    for (int s = 0; s < 24; ++s) {
        if (!seen[static_cast<std::size_t>(s)]) continue;
        // gap before s: hours not seen going backwards from s-1
        int gap = 0;
        for (int k = 1; k < 24 && !seen[static_cast<std::size_t>((s - k + 24) % 24)]; ++k) ++gap;
        if (gap > best_gap) {
            best_gap = gap;
            best_start = s;
        }
    }
    if (best_gap < 0) return {};
    int end = (best_start + 23 - best_gap) % 24;
    return fmt::format("{:02}-{:02}h", best_start, end);
}

}  // namespace

std::string usual_values(const store::profile_counts& p, std::string_view axis) {
    auto it = p.axes.find(std::string(axis));
    if (it == p.axes.end()) return {};
    if (axis == "hour") return hour_words(it->second);
    std::vector<std::pair<std::string, std::uint64_t>> v(it->second.begin(), it->second.end());
    std::stable_sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    std::string out;
    std::size_t shown = 0;
    for (const auto& [val, c] : v) {
        if (shown++ == 3) {
            out += ", ...";
            break;
        }
        if (!out.empty()) out += ", ";
        out += fmt::format("{} ({})", axis == "len" ? size_words(val) : val, c);
    }
    return out;
}

std::vector<broken_axis> compare_profile(const store::profile_counts& p, const std::vector<store::profile_value>& obs) {
    std::vector<broken_axis> out;
    for (const auto& o : obs) {
        if (o.axis == "link") continue;  // several per message: see unseen_link_hosts()
        auto it = p.axes.find(o.axis);
        if (it == p.axes.end()) continue;
        const auto& vals = it->second;
        if (vals.contains(std::string(store::k_profile_other))) continue;  // full: it varies
        const auto n = axis_total(vals);
        if (n < k_profile_min_axis) continue;
        broken_axis b{std::string(profile_family(o.axis)), o.axis, o.value, usual_values(p, o.axis), n, 1.0};
        if (o.axis == "hour") {
            // Within an hour of any hour seen is usual; p_new counts hours seen once with
            // no neighbour (a person whose hours are scattered is no evidence).
            if (!std::isdigit(static_cast<unsigned char>(o.value[0]))) continue;
            int h = std::stoi(o.value);
            auto count_at = [&](int x) {
                auto f = vals.find(fmt::format("{:02}", (x + 24) % 24));
                return f == vals.end() ? std::uint64_t{0} : f->second;
            };
            if (count_at(h - 1) + count_at(h) + count_at(h + 1) > 0) continue;
            std::uint64_t lonely = 0;
            for (int x = 0; x < 24; ++x)
                if (count_at(x) == 1 && count_at(x - 1) == 0 && count_at(x + 1) == 0) ++lonely;
            b.p_new = static_cast<double>(lonely + 1) / static_cast<double>(n + 1);
            b.seen = o.value + "h";
        } else if (o.axis == "len") {
            // Only shorter than anything seen (by two buckets) is unusual: people write long and short.
            int cur = size_index(o.value), least = 99;
            for (const auto& [v, c] : vals)
                if (int i = size_index(v); i >= 0) least = std::min(least, i);
            if (cur < 0 || least == 99 || cur > least - 2) continue;
            b.p_new = 1.0 / static_cast<double>(n + 1);
            b.seen = size_words(o.value);
        } else {
            if (vals.contains(o.value)) continue;
            b.p_new = good_turing_new(vals, n);
        }
        if (b.p_new > k_profile_max_new) continue;
        out.push_back(std::move(b));
    }
    return out;
}

std::vector<std::string> unseen_link_hosts(const store::profile_counts& p,
                                           const std::vector<store::profile_value>& obs) {
    std::vector<std::string> out;
    auto it = p.axes.find("link");
    const std::map<std::string, std::uint64_t> none;
    const auto& vals = it == p.axes.end() ? none : it->second;
    if (vals.contains(std::string(store::k_profile_other))) return out;  // links everywhere: nothing to say
    if (p.messages < k_profile_min_axis) return out;
    for (const auto& o : obs)
        if (o.axis == "link" && !vals.contains(o.value)) out.push_back(o.value);
    return out;
}

}  // namespace replyguard::history
