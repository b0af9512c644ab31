// SPDX-License-Identifier: Apache-2.0
// attach/ioc.cpp - hash/domain lists and YARA (libyara) over attachments
//
// DESCRIPTION
//   Lists are hashed sets; a host matches a listed domain or any parent of it.
//   YARA rules are compiled once per ioc_set and scanned with
//   yr_rules_scan_mem, which is safe to call from several threads on the same
//   rules. URLs inside attachments are found by a scanner of our own rather than
//   text::extract_urls: attachments are binary (OLE streams hold URLs in UTF-16LE
//   among NULs), and IOC matching needs only scheme, host and path.
// LIMITS
//   YARA scans at most k_yara_bytes of a file with a timeout of what is left of the
//   message's budget (at most k_yara_timeout_s); a scan stopped by it is a limit hit;
//   URL extraction reads k_url_scan_bytes and keeps k_max_urls per file.
#include "attach/ioc.hpp"

#include "attach/ids.hpp"
#include "attach/internal.hpp"
#include "core/strings.hpp"
#include "text/urls.hpp"

#include <yara.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>
#include <fstream>
#include <mutex>

namespace replyguard::attach {
namespace {

constexpr std::array k_symbols{
    symbol_info{"IOC_HASH", "payload", 10.0, "attachment or archive member whose SHA-256 is on the IOC list",
                "SHA-256 が IOC リストにある添付ファイル(アーカイブ内を含む)"},
    symbol_info{ids::IOC_URL, "payload", 6.0, "URL or domain on the IOC list", "IOC リストにある URL・ドメイン"},
    symbol_info{"YARA_MATCH", "payload", 6.0, "a YARA rule matched an attachment, archive member or macro source",
                "YARA ルールが添付ファイル・アーカイブ内ファイル・マクロに一致した"},
};
enum { s_hash, s_url, s_yara };

constexpr std::size_t k_yara_bytes = 64u << 20;
constexpr int k_yara_timeout_s = 10;
constexpr std::size_t k_url_scan_bytes = 4u << 20;
constexpr std::size_t k_max_urls = 200;

std::once_flag g_yara_once;
bool g_yara_ok = false;

bool yara_init() {
    // libyara keeps process-wide state; it is initialised once and never finalised
    // (rules may live until exit in a shared ioc_set).
    std::call_once(g_yara_once, [] { g_yara_ok = yr_initialize() == ERROR_SUCCESS; });
    return g_yara_ok;
}

// Host of an absolute URL, in text::url_host's canonical form (IDNA to ASCII,
// percent-decoded), so "evil%2Eexample" and "例え.テスト" meet their listed ACE form.
std::string host_of(std::string_view url) {
    if (url.find("://") == std::string_view::npos) return {};
    return text::url_host(url);
}

// scheme://host with the host canonical, the rest lower-cased: how listed URL
// prefixes and message URLs are compared.
std::string canonical_url(std::string_view url) {
    std::string u = lower(url);
    auto p = u.find("://");
    if (p == std::string::npos) return u;
    auto host_end = u.find_first_of("/?#\\", p + 3);
    std::string_view auth =
        std::string_view(u).substr(p + 3, host_end == std::string::npos ? std::string::npos : host_end - p - 3);
    if (auth.find('@') != std::string_view::npos || auth.find(':') != std::string_view::npos)
        return u;  // userinfo/port: as written
    std::string out = u.substr(0, p + 3) + text::normalize_host(std::string(url.substr(p + 3, auth.size())));
    if (host_end != std::string::npos) out += u.substr(host_end);
    return out;
}

bool url_char(unsigned char c) { return c > 0x20 && c < 0x7F && !std::strchr("\"'<>`{}|^", c); }

// http(s)/ftp URLs in binary data, as ASCII or as UTF-16LE.
std::vector<std::string> urls_in(std::string_view d, std::size_t max) {
    std::vector<std::string> out;
    for (int wide = 0; wide < 2; ++wide) {
        const std::size_t step = wide ? 2 : 1;
        for (std::size_t i = 0; i + 8 * step < d.size() && out.size() < max; ++i) {
            auto at = [&](std::size_t k) -> unsigned char {
                std::size_t pos = i + k * step;
                if (pos >= d.size() || (wide && (pos + 1 >= d.size() || d[pos + 1] != '\0'))) return 0;
                return static_cast<unsigned char>(std::tolower(static_cast<unsigned char>(d[pos])));
            };
            std::size_t k = 0;
            if (at(0) == 'h' && at(1) == 't' && at(2) == 't' && at(3) == 'p') {
                k = at(4) == 's' ? 5 : 4;
            } else if (at(0) == 'f' && at(1) == 't' && at(2) == 'p') {
                k = 3;
            } else {
                continue;
            }
            if (at(k) != ':' || at(k + 1) != '/' || at(k + 2) != '/') continue;
            std::string u;
            std::size_t j = 0;
            for (; u.size() < 2048; ++j) {
                unsigned char c = at(j);
                if (!url_char(c)) break;
                u.push_back(static_cast<char>(wide ? d[i + j * step] : d[i + j]));
            }
            while (!u.empty() && std::strchr(".,;:)]", u.back())) u.pop_back();
            if (!host_of(u).empty()) out.push_back(std::move(u));
            i += j * step;
        }
    }
    return out;
}

template <class F>
result<void> each_line(const std::filesystem::path& p, F&& f) {
    std::ifstream in(p, std::ios::binary);
    if (!in) return fail(errc::io, "cannot read IOC list " + p.string());
    std::string line;
    std::size_t no = 0;
    while (std::getline(in, line)) {
        ++no;
        auto hash = line.find('#');
        std::string_view v = trim(std::string_view(line).substr(0, hash));
        if (v.empty()) continue;
        if (auto r = f(v, no); !r) return r;
    }
    return {};
}

struct compile_errors {
    std::string text;
    int count = 0;
};

void on_compile(int level, const char* file, int line, const YR_RULE*, const char* msg, void* user) {
    if (level != YARA_ERROR_LEVEL_ERROR) return;
    auto* e = static_cast<compile_errors*>(user);
    if (++e->count <= 5)
        e->text += std::string(file ? file : "?") + ":" + std::to_string(line) + ": " + (msg ? msg : "") + "; ";
}

result<YR_RULES*> compile_yara(const std::filesystem::path& where) {
    if (!yara_init()) return fail(errc::internal, "libyara could not be initialised");
    std::vector<std::filesystem::path> files;
    std::error_code ec;
    if (std::filesystem::is_directory(where, ec)) {
        for (const auto& de : std::filesystem::recursive_directory_iterator(where, ec))
            if (de.is_regular_file() && (de.path().extension() == ".yar" || de.path().extension() == ".yara"))
                files.push_back(de.path());
        std::ranges::sort(files);
    } else {
        files.push_back(where);
    }
    if (files.empty()) return fail(errc::io, "no YARA rules under " + where.string());
    YR_COMPILER* comp = nullptr;
    if (yr_compiler_create(&comp) != ERROR_SUCCESS) return fail(errc::internal, "yr_compiler_create failed");
    compile_errors errs;
    yr_compiler_set_callback(comp, on_compile, &errs);
    for (const auto& p : files) {
        FILE* fp = std::fopen(p.c_str(), "rb");
        if (!fp) {
            yr_compiler_destroy(comp);
            return fail(errc::io, "cannot read YARA rules " + p.string());
        }
        yr_compiler_add_file(comp, fp, nullptr, p.c_str());
        std::fclose(fp);
        if (errs.count) break;  // the compiler cannot take more files after an error
    }
    if (errs.count) {
        yr_compiler_destroy(comp);
        return fail(errc::parse, "YARA compile errors: " + errs.text);
    }
    YR_RULES* rules = nullptr;
    int rc = yr_compiler_get_rules(comp, &rules);
    yr_compiler_destroy(comp);
    if (rc != ERROR_SUCCESS) return fail(errc::internal, "yr_compiler_get_rules failed");
    return rules;
}

struct yara_hits {
    std::vector<std::string> rules;
};

int on_scan(YR_SCAN_CONTEXT*, int message, void* data, void* user) {
    if (message == CALLBACK_MSG_RULE_MATCHING) {
        auto* rule = static_cast<YR_RULE*>(data);
        auto* hits = static_cast<yara_hits*>(user);
        std::string name = rule->ns && rule->ns->name && std::string_view(rule->ns->name) != "default"
                               ? std::string(rule->ns->name) + ":" + rule->identifier
                               : std::string(rule->identifier);
        hits->rules.push_back(std::move(name));
        if (hits->rules.size() >= 64) return CALLBACK_ABORT;
    }
    return CALLBACK_CONTINUE;
}

/// `timeout_s`: what is left of the message's time budget, at most k_yara_timeout_s
/// (libyara counts whole seconds; 0 would mean no timeout, so at least 1).
/// `timed_out` is set when libyara stopped at it.
std::vector<std::string> yara_scan(YR_RULES* rules, std::string_view data, int timeout_s = k_yara_timeout_s,
                                   bool* timed_out = nullptr) {
    yara_hits hits;
    if (!rules || data.empty()) return {};
    const int rc = yr_rules_scan_mem(rules, reinterpret_cast<const std::uint8_t*>(data.data()),
                                     std::min(data.size(), k_yara_bytes), SCAN_FLAGS_FAST_MODE, on_scan, &hits,
                                     std::max(1, timeout_s));
    if (timed_out) *timed_out = rc == ERROR_SCAN_TIMEOUT;
    return hits.rules;
}

/// Seconds of the message's budget left for one YARA scan.
int yara_seconds(const analysis_state& st) {
    if (!st.opt || !st.opt->bud) return k_yara_timeout_s;
    const std::uint64_t ms = st.opt->bud->millis_left();
    return static_cast<int>(std::min<std::uint64_t>(k_yara_timeout_s, (ms + 999) / 1000));
}

}  // namespace

ioc_set::~ioc_set() {
    if (yara) yr_rules_destroy(yara);
}

std::string ioc_set::match_host(std::string_view host) const {
    if (domains.empty() || host.empty()) return {};
    std::string h = text::normalize_host(host);
    while (!h.empty() && h.back() == '.') h.pop_back();
    std::string_view v = h;
    for (;;) {
        if (domains.contains(std::string(v))) return std::string(v);
        auto dot = v.find('.');
        if (dot == std::string_view::npos) return {};
        v.remove_prefix(dot + 1);
    }
}

std::string ioc_set::match_url(std::string_view url) const {
    std::string u = canonical_url(url);
    for (const auto& p : urls)
        if (u.starts_with(p)) return p;
    return match_host(host_of(url));
}

result<std::shared_ptr<const ioc_set>> load_ioc_lists(const ioc_sources& src) {
    auto set = std::make_shared<ioc_set>();
    for (const auto& p : src.sha256_lists) {
        auto r = each_line(p, [&](std::string_view v, std::size_t no) -> result<void> {
            auto sp = v.find_first_of(" \t");
            std::string h = lower(v.substr(0, sp));
            if (h.size() != 64 ||
                !std::ranges::all_of(h, [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); }))
                return fail(errc::parse, p.string() + ":" + std::to_string(no) + ": not a SHA-256");
            set->sha256.emplace(h, sp == std::string_view::npos ? "" : std::string(trim(v.substr(sp))));
            return {};
        });
        if (!r) return std::unexpected(r.error());
    }
    for (const auto& p : src.domain_lists) {
        auto r = each_line(p, [&](std::string_view v, std::size_t) -> result<void> {
            // Entries are canonicalised like the URLs they are matched with (a list
            // may hold "例え.テスト" or its ACE form; both match either spelling).
            std::string e = lower(v);
            if (e.find("://") != std::string::npos)
                set->urls.push_back(canonical_url(v));
            else {
                std::string_view d = v;
                if (d.starts_with("*.")) d.remove_prefix(2);
                e = text::normalize_host(d);
                if (!e.empty()) set->domains.insert(e);
            }
            return {};
        });
        if (!r) return std::unexpected(r.error());
    }
    if (!src.yara_rules.empty()) {
        auto r = compile_yara(src.yara_rules);
        if (!r) return std::unexpected(r.error());
        set->yara = *r;
    }
    return std::shared_ptr<const ioc_set>(std::move(set));
}

std::vector<finding> match_message_urls(const mime::message& msg, const ioc_set& iocs) {
    std::vector<finding> out;
    for (const auto& u : msg.urls) {
        std::string m = iocs.match_url(u.url);
        if (m.empty() && !u.host.empty()) m = iocs.match_host(u.host);
        if (m.empty()) continue;
        const auto& s = k_symbols[s_url];
        out.push_back({std::string(s.id),
                       std::string(s.group),
                       s.score,
                       "the message links to a listed indicator",
                       {{"url", u.url}, {"matched", m}, {"where", "message"}}});
    }
    return out;
}

void check_iocs(const file_view& f, const std::string& digest, analysis_state& st, attachment_report& rep) {
    if (!st.opt || !st.opt->iocs) return;
    const ioc_set& iocs = *st.opt->iocs;
    if (auto it = iocs.sha256.find(digest); it != iocs.sha256.end())
        emit(rep, k_symbols[s_hash], "file hash is a listed indicator", {{"sha256", digest}, {"label", it->second}},
             f.path);
    if (!iocs.domains.empty() || !iocs.urls.empty()) {
        for (const auto& u : urls_in(f.data.substr(0, std::min(f.data.size(), k_url_scan_bytes)), k_max_urls)) {
            std::string m = iocs.match_url(u);
            if (!m.empty())
                emit(rep, k_symbols[s_url], "the file links to a listed indicator", {{"url", u}, {"matched", m}},
                     f.path);
        }
    }
    if (iocs.yara) {
        if (out_of_time(st, rep, "YARA", f.path)) return;
        bool timed_out = false;
        auto rules = yara_scan(iocs.yara, f.data, yara_seconds(st), &timed_out);
        if (timed_out) limit_stop(st, rep, true, "YARA scan stopped at the per-message time limit", f.path);
        if (!rules.empty())
            emit(rep, k_symbols[s_yara], "YARA: " + rules.front() + (rules.size() > 1 ? " and others" : ""),
                 {{"rules", rules}, {"sha256", digest}}, f.path);
    }
}

void check_vba_source(analysis_state& st, attachment_report& rep) {
    if (!st.opt || !st.opt->iocs || !st.opt->iocs->yara) return;
    auto it = rep.details.find("vba_source");
    if (it == rep.details.end()) return;
    std::vector<std::string> sources;
    if (it->is_string())
        sources.push_back(it->get<std::string>());
    else if (it->is_array() || it->is_object())
        for (const auto& v : *it)
            if (v.is_string()) sources.push_back(v.get<std::string>());
    for (const auto& s : sources) {
        if (out_of_time(st, rep, "YARA on macro source")) return;
        bool timed_out = false;
        auto rules = yara_scan(st.opt->iocs->yara, s, yara_seconds(st), &timed_out);
        if (timed_out) limit_stop(st, rep, true, "YARA scan of macro source stopped at the time limit");
        if (!rules.empty())
            emit(rep, k_symbols[s_yara], "YARA on macro source: " + rules.front(),
                 {{"rules", rules}, {"where", "vba_source"}}, "");
    }
}

std::vector<symbol_info> ioc_symbols() { return {k_symbols.begin(), k_symbols.end()}; }

}  // namespace replyguard::attach
