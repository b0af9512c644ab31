// SPDX-License-Identifier: Apache-2.0
// mime/address.cpp - address lists (GMime) and comparison keys (ICU)
//
// DESCRIPTION
//   The value is decoded by decode_address_header() first, so GMime parses UTF-8
//   with every decoded word safely quoted. Names are tidied of what Outlook and
//   friends leave around them ('Taro Yamada', surrounding white space). Keys:
//   name_key = NFKC_Casefold without white space, quotes and wrapping brackets;
//   address_key = NFKC, lower-case, trimmed of white space and <>.
//   When GMime finds no mailbox in a value that plainly holds an address, the
//   address is salvaged from the text so that a broken From still has one.
// LIMITS
//   parse_address_list remembers its answers per thread: at most k_memo_max
//   values of at most k_memo_value_max bytes, emptied when full. The same values
//   come back across messages (a mailbox's own To, a list's From and Sender):
//   in every 8th corpus file, 794 distinct values among 2,361 address fields.
//   GMime's parse and the GObjects it allocates and frees (one list and one
//   mailbox object per address) were 4.2% of `scan -j1`'s instructions
//   (callgrind, 2026-12-05).
#include "mime/address.hpp"
#include "mime/parser.hpp"

#include "core/strings.hpp"
#include "mime/header_decode.hpp"
#include "text/normalize.hpp"

#include <gmime/gmime.h>
#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include <array>
#include <string>
#include <unordered_map>
#include <utility>

namespace replyguard::mime {

namespace {

struct cp_span {
    UChar32 cp;
    std::size_t b, e;
};

std::vector<cp_span> code_points(std::string_view s) {
    std::vector<cp_span> out;
    int32_t i = 0, n = static_cast<int32_t>(s.size());
    const auto* p = reinterpret_cast<const uint8_t*>(s.data());
    while (i < n) {
        int32_t b = i;
        UChar32 c;
        U8_NEXT(p, i, n, c);
        out.push_back({c, static_cast<std::size_t>(b), static_cast<std::size_t>(i)});
    }
    return out;
}

bool is_quote(UChar32 c) {
    return c == '"' || c == '\'' || c == 0x2018 || c == 0x2019 || c == 0x201C || c == 0x201D || c == 0xFF02 ||
           c == 0xFF07;
}

// Wrapping bracket pairs (after NFKC, full-width （）［］＜＞ are already ASCII).
constexpr std::array<std::pair<UChar32, UChar32>, 9> k_brackets{{
    {0x3010, 0x3011},  // 【】
    {0x300C, 0x300D},  // 「」
    {0x300E, 0x300F},  // 『』
    {0x3014, 0x3015},  // 〔〕
    {0x3008, 0x3009},  // 〈〉
    {0x300A, 0x300B},  // 《》
    {'(', ')'},
    {'[', ']'},
    {'<', '>'},
}};

/// What GMime leaves around names: 'single quotes' (Outlook), stray white space.
std::string tidy_name(std::string name) {
    name = trim(name);
    while (name.size() >= 2 &&
           ((name.front() == '\'' && name.back() == '\'') || (name.front() == '"' && name.back() == '"')))
        name = trim(std::string_view(name).substr(1, name.size() - 2));
    return name;
}

bool is_local_char(UChar32 c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c > 0 && c < 0x80 &&
            std::string_view("!#$%&*+-/=?^_`{|}~.").find(static_cast<char>(c)) != std::string_view::npos);
}

bool is_domain_char(UChar32 c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

}  // namespace

std::string name_key(std::string_view name) {
    std::string folded = text::fold_key(name);
    std::vector<cp_span> cps = code_points(folded);
    std::vector<UChar32> kept;
    for (const auto& c : cps)
        if (!is_quote(c.cp)) kept.push_back(c.cp);
    // Strip brackets that wrap the whole name, repeatedly: 【（山田）】 -> 山田.
    std::size_t b = 0, e = kept.size();
    for (bool changed = true; changed && e - b >= 2;) {
        changed = false;
        for (auto [open, close] : k_brackets) {
            if (kept[b] == open && kept[e - 1] == close) {
                ++b;
                --e;
                changed = true;
                break;
            }
        }
    }
    std::string out;
    for (std::size_t k = b; k < e; ++k) {
        UChar32 c = kept[k] < 0 ? 0xFFFD : kept[k];
        char buf[4];
        int32_t n = 0;
        U8_APPEND_UNSAFE(reinterpret_cast<uint8_t*>(buf), n, c);
        out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
}

std::string address_key(std::string_view address) {
    std::string a = text::nfkc_casefold(trim(address));
    while (a.size() >= 2 && a.front() == '<' && a.back() == '>') a = trim(std::string_view(a).substr(1, a.size() - 2));
    return a;
}

std::vector<std::string> addresses_in_text(std::string_view text_in) {
    // NFKC first: ＠ becomes '@' and full-width letters ASCII, so one scan finds all.
    std::string t = text::nfkc(text_in);
    std::vector<cp_span> cps = code_points(t);
    std::vector<std::string> out;
    for (std::size_t i = 0; i < cps.size(); ++i) {
        if (cps[i].cp != '@') continue;
        std::size_t l = i;
        while (l > 0 && is_local_char(cps[l - 1].cp)) --l;
        std::size_t r = i + 1;
        while (r < cps.size() && is_domain_char(cps[r].cp)) ++r;
        // Trim dots that end a sentence or start the local part.
        while (l < i && cps[l].cp == '.') ++l;
        while (r > i + 1 && cps[r - 1].cp == '.') --r;
        if (l == i || r == i + 1) continue;
        std::string_view domain(t.data() + cps[i + 1].b, cps[r - 1].e - cps[i + 1].b);
        if (domain.find('.') == std::string_view::npos) continue;
        std::string addr(t.data() + cps[l].b, cps[r - 1].e - cps[l].b);
        out.push_back(address_key(addr));
        i = r - 1;
    }
    return out;
}

// Control characters have no place in a name or an address; GMime's loose
// RFC 2047 decoding can produce them from a malformed encoded word (found by
// fuzz_rfc2047), and they would reach terminals through the table output.
static std::string strip_controls(std::string s) {
    std::erase_if(s, [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
    return s;
}

mailbox make_mailbox(std::string name, std::string address) {
    name = strip_controls(std::move(name));
    address = strip_controls(std::move(address));
    mailbox m;
    m.name_key = name_key(name);
    m.address_key = address_key(address);
    m.name = std::move(name);
    m.address = std::move(address);
    return m;
}

static void flatten(InternetAddressList* list, std::vector<mailbox>& out) {
    int n = internet_address_list_length(list);
    for (int i = 0; i < n; ++i) {
        InternetAddress* ia = internet_address_list_get_address(list, i);
        if (INTERNET_ADDRESS_IS_GROUP(ia)) {
            flatten(internet_address_group_get_members(INTERNET_ADDRESS_GROUP(ia)), out);
        } else if (INTERNET_ADDRESS_IS_MAILBOX(ia)) {
            const char* name = internet_address_get_name(ia);
            const char* addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia));
            out.push_back(make_mailbox(tidy_name(name ? name : ""), std::string(trim(addr ? addr : ""))));
        }
    }
}

namespace detail {

std::optional<std::pair<std::string, std::string>> simple_mailbox(std::string_view text) {
    const auto letter_digit = [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    };
    // Dot-separated runs of `ok` bytes: no dot first, last or twice.
    const auto dotted = [](std::string_view s, auto ok) {
        if (s.empty() || s.front() == '.' || s.back() == '.') return false;
        for (std::size_t i = 0; i < s.size(); ++i)
            if (s[i] == '.' ? s[i + 1] == '.' : !ok(s[i])) return false;
        return true;
    };
    const auto addr_spec = [&](std::string_view a) {
        const std::size_t at = a.find('@');
        if (at == std::string_view::npos) return false;
        const auto local = [&](char c) { return letter_digit(c) || c == '_' || c == '+' || c == '-'; };
        const auto label = [&](char c) { return letter_digit(c) || c == '-'; };
        const std::string_view domain = a.substr(at + 1);
        // GMime turns an IDNA label ("xn--...") into Unicode (libidn2): such a
        // domain is left to it, so that the same sender has one address key.
        if (contains_ci(domain, "xn--")) return false;
        return dotted(a.substr(0, at), local) && dotted(domain, label);
    };
    if (text.empty() || text.find("=?") != std::string_view::npos) return std::nullopt;
    for (char c : text)
        if (c < 0x20 || c > 0x7E) return std::nullopt;
    if (text.back() != '>') {
        if (!addr_spec(text)) return std::nullopt;
        return std::pair{std::string(), std::string(text)};
    }
    const std::size_t lt = text.find('<');
    if (lt == std::string_view::npos) return std::nullopt;
    const std::string_view addr = text.substr(lt + 1, text.size() - lt - 2);
    if (!addr_spec(addr)) return std::nullopt;
    if (lt == 0) return std::pair{std::string(), std::string(addr)};
    if (lt < 2 || text[lt - 1] != ' ') return std::nullopt;
    std::string_view name = text.substr(0, lt - 1);
    if (name.size() >= 2 && name.front() == '"' && name.back() == '"') {
        name = name.substr(1, name.size() - 2);
        if (name.empty() || name.front() == ' ' || name.back() == ' ' || name.find("  ") != std::string_view::npos)
            return std::nullopt;
        for (char c : name)
            if (c == '"' || c == '\\') return std::nullopt;
        return std::pair{std::string(name), std::string(addr)};
    }
    if (name.front() == ' ' || name.back() == ' ' || name.find("  ") != std::string_view::npos) return std::nullopt;
    for (char c : name)
        if (!letter_digit(c) && c != ' ' && c != '_' && c != '-') return std::nullopt;
    return std::pair{std::string(name), std::string(addr)};
}

}  // namespace detail

namespace {

constexpr std::size_t k_memo_max = 1024;
constexpr std::size_t k_memo_value_max = 1024;

std::vector<mailbox> parse_address_list_uncached(std::string_view raw_value) {
    std::vector<mailbox> out;
    init();  // GMime's default parser options exist only after g_mime_init()
    std::string text = decode_address_header(raw_value);
    // The plain mailboxes GMime can read only one way, without its parser and
    // the GObjects it makes and frees (10.2 M + 7.6 M of the 26.3 M instructions
    // of 1,396 values, every 4th corpus file, callgrind 2026-12-06).
    if (auto simple = detail::simple_mailbox(text)) {
        out.push_back(make_mailbox(tidy_name(std::move(simple->first)), std::move(simple->second)));
        return out;
    }
    InternetAddressList* list = internet_address_list_parse(nullptr, text.c_str());
    if (list) {
        flatten(list, out);
        g_object_unref(list);
    }
    if (out.empty()) {
        // GMime gave up (unbalanced quotes, "Name <addr" ...): keep what is visible.
        std::vector<std::string> found = addresses_in_text(text);
        if (!found.empty()) {
            std::string name = text;
            if (std::size_t lt = name.find('<'); lt != std::string::npos)
                name.resize(lt);
            else
                name.clear();
            out.push_back(make_mailbox(tidy_name(name), found.front()));
        }
    }
    return out;
}

}  // namespace

std::vector<mailbox> parse_address_list(std::string_view raw_value) {
    if (raw_value.size() > k_memo_value_max) return parse_address_list_uncached(raw_value);
    // Keyed by the raw bytes: the result depends on nothing else (GMime's default
    // parser options, which nothing changes, and pure text functions).
    thread_local std::unordered_map<std::string, std::vector<mailbox>> memo;
    std::string key(raw_value);
    if (auto it = memo.find(key); it != memo.end()) return it->second;
    if (memo.size() >= k_memo_max) memo.clear();
    std::vector<mailbox> out = parse_address_list_uncached(raw_value);
    memo.emplace(std::move(key), out);
    return out;
}

}  // namespace replyguard::mime
