// SPDX-License-Identifier: Apache-2.0
// mime/quote.cpp - split a body into new text and quoted blocks
//
// DESCRIPTION
//   One pass over the lines, hand scanned (no regex: bodies are attacker
//   controlled). At each unquoted line, in this order:
//   1. a separator ("-----Original Message-----", "-----元のメッセージ-----",
//      "---------- Forwarded message ---------", "-------- 転送メッセージ --------",
//      "Begin forwarded message:", German/French/Spanish/Russian equivalents,
//      or a "____..." line followed by a header block): the rest of the body
//      is one block (Outlook top-posting), its header fields parsed;
//   2. a bare header block (From:/差出人: plus Sent:/Date:/送信日時: or
//      Subject:/件名:, ':' or '：', English, Japanese, German, French, Spanish,
//      Russian, Dutch, Italian names): the same;
//   3. an attribution ("On ... wrote:", "Am ... schrieb ...:", "Le ... a écrit :",
//      "El ... escribió:", "2019年12月3日(火) 10:00 山田太郎 <taro@example.co.jp>:",
//      "... さんは書きました:", "... <addr>:" before a quote), possibly wrapped
//      onto two lines: it names the following '>' block, or, when no '>'
//      lines follow, the rest of the body;
//   4. '>' / '＞' quoted runs (blank lines inside a run kept): one block per
//      run, depth = the run's smallest depth, that many markers removed.
//   Anything else is new text. A block whose own first lines are an
//   attribution or a header block (Apple Mail quotes its "On ... wrote:",
//   Hotmail quotes the headers) gets those fields too.
//
// LIMITS
//   Linear in the body: look-ahead is bounded (a header block is at most
//   16 lines, attributions at most 2 lines of 500 bytes) or consumed.
#include "mime/quote.hpp"

#include "core/strings.hpp"
#include "mime/address.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <optional>

namespace replyguard::mime {

namespace {

using sv = std::string_view;

constexpr std::size_t k_max_header_lines = 16;
constexpr std::size_t k_max_attribution = 500;

bool is_ascii_ws(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; }

sv trim(sv s) {
    for (;;) {
        if (!s.empty() && is_ascii_ws(s.front()))
            s.remove_prefix(1);
        else if (s.starts_with("\xC2\xA0"))
            s.remove_prefix(2);  // NBSP
        else if (s.starts_with("\xE3\x80\x80"))
            s.remove_prefix(3);  // ideographic space
        else
            break;
    }
    for (;;) {
        if (!s.empty() && is_ascii_ws(s.back()))
            s.remove_suffix(1);
        else if (s.ends_with("\xC2\xA0"))
            s.remove_suffix(2);
        else if (s.ends_with("\xE3\x80\x80"))
            s.remove_suffix(3);
        else
            break;
    }
    return s;
}

bool blank(sv s) { return trim(s).empty(); }

std::size_t find_ci(sv hay, sv needle) {
    if (needle.size() > hay.size()) return sv::npos;
    for (std::size_t i = 0; i + needle.size() <= hay.size(); ++i)
        if (ieq(hay.substr(i, needle.size()), needle)) return i;
    return sv::npos;
}

constexpr sv k_fw_gt = "\xEF\xBC\x9E";     // ＞
constexpr sv k_fw_colon = "\xEF\xBC\x9A";  // ：

/// '>' depth of a line; `content` gets the rest after the markers.
int quote_depth(sv line, sv* content = nullptr) {
    std::size_t p = 0;
    while (p < line.size() && p < 3 && line[p] == ' ') ++p;  // " > text" from some webmails
    int depth = 0;
    for (;;) {
        if (p < line.size() && line[p] == '>')
            ++p;
        else if (line.substr(p).starts_with(k_fw_gt))
            p += k_fw_gt.size();
        else
            break;
        ++depth;
        // "> > text": spaces between markers belong to the markers.
        std::size_t q = p;
        while (q < line.size() && line[q] == ' ') ++q;
        if (q < line.size() && (line[q] == '>' || line.substr(q).starts_with(k_fw_gt)))
            p = q;
        else if (p < line.size() && line[p] == ' ')
            ++p;
    }
    if (depth == 0) return 0;
    if (content) *content = line.substr(p);
    return depth;
}

/// Remove `n` quote levels from a quoted line.
sv strip_markers(sv line, int n) {
    std::size_t p = 0;
    while (p < line.size() && p < 3 && line[p] == ' ') ++p;
    for (int d = 0; d < n; ++d) {
        if (p < line.size() && line[p] == '>')
            ++p;
        else if (line.substr(p).starts_with(k_fw_gt))
            p += k_fw_gt.size();
        else
            break;
        if (d + 1 < n) {
            while (p < line.size() && line[p] == ' ') ++p;
        } else if (p < line.size() && line[p] == ' ') {
            ++p;
        }
    }
    return line.substr(p);
}

// --- header fields ---------------------------------------------------------

enum class field { none, from, sent, to, cc, subject, other };

struct field_name {
    sv name;  // ASCII names compare case-insensitively, others exactly
    field kind;
};

constexpr std::array k_field_names = {
    field_name{"from", field::from},
    field_name{"差出人", field::from},
    field_name{"送信者", field::from},
    field_name{"von", field::from},
    field_name{"de", field::from},
    field_name{"От", field::from},
    field_name{"van", field::from},
    field_name{"da", field::from},
    field_name{"sent", field::sent},
    field_name{"date", field::sent},
    field_name{"送信日時", field::sent},
    field_name{"日付", field::sent},
    field_name{"日時", field::sent},
    field_name{"gesendet", field::sent},
    field_name{"datum", field::sent},
    field_name{"envoyé", field::sent},
    field_name{"enviado", field::sent},
    field_name{"enviado el", field::sent},
    field_name{"fecha", field::sent},
    field_name{"Отправлено", field::sent},
    field_name{"Дата", field::sent},
    field_name{"verzonden", field::sent},
    field_name{"inviato", field::sent},
    field_name{"data", field::sent},
    field_name{"to", field::to},
    field_name{"宛先", field::to},
    field_name{"an", field::to},
    field_name{"à", field::to},
    field_name{"À", field::to},
    field_name{"para", field::to},
    field_name{"Кому", field::to},
    field_name{"aan", field::to},
    field_name{"cc", field::cc},
    field_name{"ＣＣ", field::cc},
    field_name{"Копия", field::cc},
    field_name{"subject", field::subject},
    field_name{"件名", field::subject},
    field_name{"betreff", field::subject},
    field_name{"objet", field::subject},
    field_name{"asunto", field::subject},
    field_name{"Тема", field::subject},
    field_name{"onderwerp", field::subject},
    field_name{"oggetto", field::subject},
    field_name{"bcc", field::other},
    field_name{"reply-to", field::other},
    field_name{"importance", field::other},
    field_name{"attachments", field::other},
    field_name{"添付ファイル", field::other},
    field_name{"添付", field::other},
    field_name{"重要度", field::other},
    field_name{"priority", field::other},
};

struct field_value {
    field kind = field::none;
    sv value;
};

/// "Name: value", "Name : value", "Name：value", "*From:* value" -> the field.
field_value field_line(sv line) {
    sv s = trim(line);
    if (!s.empty() && s.front() == '*') s.remove_prefix(1);
    if (s.empty()) return {};
    // The first ':' or '：' that starts in the first 40 bytes, by memchr on ':'
    // and on the full-width colon's first byte: a substr and compare at every byte
    // were most of field_line's cost (callgrind, 2026-12-05).
    const std::size_t lim = std::min<std::size_t>(s.size(), 40);
    const auto* ascii_colon = static_cast<const char*>(std::memchr(s.data(), ':', lim));
    std::size_t colon = ascii_colon ? static_cast<std::size_t>(ascii_colon - s.data()) : sv::npos, after = colon + 1;
    for (std::size_t from = 0, to = ascii_colon ? colon : lim; from < to;) {
        const auto* p = static_cast<const char*>(std::memchr(s.data() + from, k_fw_colon[0], to - from));
        if (!p) break;
        const auto i = static_cast<std::size_t>(p - s.data());
        if (s.substr(i).starts_with(k_fw_colon)) {
            colon = i;
            after = i + k_fw_colon.size();
            break;
        }
        from = i + 1;
    }
    if (colon == sv::npos || colon == 0) return {};
    sv name = trim(s.substr(0, colon));
    if (!name.empty() && name.back() == '*') name = trim(name.substr(0, name.size() - 1));
    for (const auto& f : k_field_names) {
        bool ascii = static_cast<unsigned char>(f.name[0]) < 0x80;
        if (ascii ? ieq(name, f.name) : name == f.name) {
            sv v = s.substr(after);
            if (!v.empty() && v.front() == '*') v.remove_prefix(1);
            v = trim(v);
            if (!v.empty() && v.back() == '*') v = trim(v.substr(0, v.size() - 1));
            return {f.kind, v};
        }
    }
    return {};
}

struct header_block {
    bool valid = false;
    std::size_t end = 0;  ///< first line after the block
    std::string from, sent, to, cc, subject;
};

/// Parse a header block starting at line `i`. Strict blocks (no separator
/// before them) must name a sender and a date or a subject.
header_block parse_header_block(const std::vector<sv>& lines, std::size_t i, bool strict) {
    header_block hb;
    std::string* last = nullptr;
    int count = 0, continuations = 0;
    std::size_t j = i;
    bool seen_from = false, seen_sent = false, seen_subject = false;
    for (; j < lines.size() && j < i + k_max_header_lines; ++j) {
        if (blank(lines[j])) break;
        field_value fv = field_line(lines[j]);
        if (fv.kind == field::none) {
            // A wrapped value ("To: a, b,\n c") continues the previous field.
            if (last && continuations < 3 && j + 1 < lines.size() && !blank(lines[j + 1]) &&
                field_line(lines[j + 1]).kind != field::none) {
                last->push_back(' ');
                last->append(trim(lines[j]));
                ++continuations;
                continue;
            }
            break;
        }
        ++count;
        std::string* slot = nullptr;
        switch (fv.kind) {
        case field::from:
            slot = &hb.from;
            seen_from = true;
            break;
        case field::sent:
            slot = &hb.sent;
            seen_sent = true;
            break;
        case field::to: slot = &hb.to; break;
        case field::cc: slot = &hb.cc; break;
        case field::subject:
            slot = &hb.subject;
            seen_subject = true;
            break;
        default: break;
        }
        if (slot && slot->empty()) {
            slot->assign(fv.value);
            last = slot;
        } else {
            last = nullptr;
        }
    }
    hb.end = j;
    hb.valid = strict ? (seen_from && (seen_sent || seen_subject)) : count > 0;
    return hb;
}

// --- separators ------------------------------------------------------------

enum class separator { none, outlook, forward, underscore };

separator separator_kind(sv line) {
    sv t = trim(line);
    if (t.size() >= 10 && std::all_of(t.begin(), t.end(), [](char c) { return c == '_'; }))
        return separator::underscore;
    if (ieq(t, "Begin forwarded message:") || ieq(t, "Anfang der weitergeleiteten Nachricht:") ||
        t == "転送されたメッセージ:" || t == "転送されたメッセージ：")
        return separator::forward;
    if (!t.starts_with("--")) return separator::none;
    sv inner = t;
    while (!inner.empty() && (inner.front() == '-' || inner.front() == ' ')) inner.remove_prefix(1);
    while (!inner.empty() && (inner.back() == '-' || inner.back() == ' ')) inner.remove_suffix(1);
    static constexpr std::array<sv, 8> k_original = {
        "original message", "元のメッセージ",     "ursprüngliche nachricht", "message d'origine",
        "mensaje original", "Исходное сообщение", "oorspronkelijk bericht",  "messaggio originale"};
    static constexpr std::array<sv, 11> k_forward = {
        "forwarded message",         "forwarded message follows", "転送メッセージ",          "転送されたメッセージ",
        "weitergeleitete nachricht", "message transféré",         "mensaje reenviado",       "Пересылаемое сообщение",
        "doorgestuurd bericht",      "messaggio inoltrato",       "original message follows"};
    for (sv o : k_original)
        if (ieq(inner, o)) return separator::outlook;
    for (sv f : k_forward)
        if (ieq(inner, f)) return separator::forward;
    return separator::none;
}

// --- attributions ----------------------------------------------------------

constexpr std::array<sv, 18> k_verbs = {
    "wrote",      "writes",           "said",         "says",       "schrieb",
    "a écrit",    "escribió",         "написал",      "написала",   "написал(а)",
    "пишет",      "さんは書きました", "は書きました", "書きました", "heeft geschreven",
    "ha scritto", "scrisse",          "skrev"};

bool starts_with_digit(sv s) { return !s.empty() && s.front() >= '0' && s.front() <= '9'; }

sv strip_lead_dashes(sv s) {
    while (!s.empty() && (s.front() == '-' || s.front() == ' ')) s.remove_prefix(1);
    return s;
}

/// "02.04.2012", "2019/12/03", "2019-12-03", "2019年12月3日", "26.06.2014," - not "1. item".
bool date_start(sv t) {
    std::size_t d = 0;
    while (d < t.size() && d < 5 && t[d] >= '0' && t[d] <= '9') ++d;
    if (d == 0 || d > 4 || d >= t.size()) return false;
    sv rest = t.substr(d);
    std::size_t sep = (rest[0] == '/' || rest[0] == '.' || rest[0] == '-') ? 1 : rest.starts_with("年") ? 3 : 0;
    return sep > 0 && sep < rest.size() && starts_with_digit(rest.substr(sep));
}

bool strong_start(sv t) {
    return starts_with_ci(t, "On ") || starts_with_ci(t, "Am ") || starts_with_ci(t, "Le ") ||
           starts_with_ci(t, "El ") || starts_with_ci(t, "Il ") || starts_with_ci(t, "Op ") || date_start(t);
}

/// Without the final ':' / '：' and spaces, or empty when there is none.
sv without_colon(sv t) {
    if (t.ends_with(":"))
        t.remove_suffix(1);
    else if (t.ends_with(k_fw_colon))
        t.remove_suffix(k_fw_colon.size());
    else
        return {};
    return trim(t);
}

sv ending_verb(sv body) {
    for (sv v : k_verbs)
        if (ends_with_ci(body, v)) return v;
    return {};
}

bool is_attribution(sv line, bool followed_by_quote) {
    sv t = strip_lead_dashes(trim(line));
    if (t.empty() || t.size() > k_max_attribution) return false;
    sv body = without_colon(t);
    if (body.empty()) return false;
    bool has_at = body.find('@') != sv::npos || body.find("\xEF\xBC\xA0") != sv::npos;  // @ or ＠
    if (!ending_verb(body).empty()) {
        if (ends_with_ci(body, "さんは書きました")) return true;
        return strong_start(t) || followed_by_quote || has_at;
    }
    if (has_at && (body.ends_with(">") || body.ends_with(")") || body.ends_with("\xEF\xBC\x9E")))
        return followed_by_quote || date_start(t) || starts_with_ci(t, "Am ");
    if (starts_with_ci(t, "Am ") && find_ci(t, " schrieb ") != sv::npos) return true;
    return false;
}

// --- names and addresses ---------------------------------------------------

sv unquote(sv s) {
    s = trim(s);
    while (s.size() >= 2 && ((s.front() == '"' && s.back() == '"') || (s.front() == '\'' && s.back() == '\'')))
        s = trim(s.substr(1, s.size() - 2));
    if (s.starts_with("\xE3\x80\x8C") && s.ends_with("\xE3\x80\x8D") && s.size() >= 6)  // 「」
        s = trim(s.substr(3, s.size() - 6));
    return s;
}

/// Finds "<addr>" / "＜addr＞" / "[mailto:addr]" / "(<addr>)"; name_end gets where the name part stops.
std::optional<sv> bracketed_address(sv s, std::size_t& name_end) {
    if (auto m = find_ci(s, "[mailto:"); m != sv::npos) {
        auto close = s.find(']', m);
        if (close != sv::npos) {
            name_end = m;
            return trim(s.substr(m + 8, close - m - 8));
        }
    }
    auto lt = s.rfind('<');
    if (lt != sv::npos) {
        auto gt = s.find('>', lt);
        sv inner = s.substr(lt + 1, gt == sv::npos ? sv::npos : gt - lt - 1);
        if (inner.find('@') != sv::npos) {
            name_end = lt;
            if (lt > 0 && s[lt - 1] == '(') name_end = lt - 1;  // Gmail es/pt: "Name (<addr>)"
            if (starts_with_ci(inner, "mailto:")) inner.remove_prefix(7);
            return trim(inner);
        }
    }
    constexpr sv k_fw_lt = "\xEF\xBC\x9C";  // ＜
    auto flt = s.rfind(k_fw_lt);
    if (flt != sv::npos) {
        auto fgt = s.find(k_fw_gt, flt);
        sv inner = s.substr(flt + 3, fgt == sv::npos ? sv::npos : fgt - flt - 3);
        name_end = flt;
        return trim(inner);
    }
    return std::nullopt;
}

/// A bare address token at the end of `s` ("... xxx@example.com").
std::optional<sv> trailing_address(sv s, std::size_t& name_end) {
    s = trim(s);
    auto sp = s.find_last_of(" \t");
    sv tok = sp == sv::npos ? s : s.substr(sp + 1);
    while (!tok.empty() && (tok.front() == '(' || tok.front() == '"' || tok.front() == '\'')) tok.remove_prefix(1);
    while (!tok.empty() && (tok.back() == ')' || tok.back() == '"' || tok.back() == '\'' || tok.back() == ','))
        tok.remove_suffix(1);
    if (tok.find('@') == sv::npos && tok.find("\xEF\xBC\xA0") == sv::npos) return std::nullopt;
    name_end = sp == sv::npos ? 0 : sp;
    return tok;
}

std::optional<mailbox> to_mailbox(sv name, sv address) {
    name = unquote(name);
    address = unquote(address);
    if (!address.empty() && ieq(name, address)) name = {};
    if (name.empty() && address.empty()) return std::nullopt;
    return make_mailbox(std::string(name), std::string(address));
}

/// Outlook From: values: `Taro Yamada [mailto:taro@x.jp]`, `"Yamada" <taro@x.jp>`,
/// `山田 太郎 <taro@x.jp>`, `taro@x.jp`, `Foo [mailto:f@x] On Behalf Of b@x`, `Alexander L`.
std::optional<mailbox> mailbox_from_field(sv v) {
    v = trim(v);
    if (auto obo = find_ci(v, " on behalf of "); obo != sv::npos) v = v.substr(0, obo);
    std::size_t name_end = 0;
    if (auto a = bracketed_address(v, name_end)) return to_mailbox(v.substr(0, name_end), *a);
    if (auto a = trailing_address(v, name_end)) return to_mailbox(v.substr(0, name_end), *a);
    return to_mailbox(v, {});
}

bool is_time_at(sv s, std::size_t i) {
    // d:dd or dd:dd ending at the ':' + 2 digits
    auto dig = [&](std::size_t k) { return k < s.size() && s[k] >= '0' && s[k] <= '9'; };
    return dig(i) && i + 1 < s.size() && s[i + 1] == ':' && dig(i + 2) && dig(i + 3);
}

/// The name part of an attribution, without its date and time.
sv name_from_attribution_part(sv s) {
    s = trim(s);
    if (!s.empty() && s.back() == '"') {  // "..., "Yamada, Taro" <addr>"
        auto open = s.rfind('"', s.size() - 2);
        if (open != sv::npos) return s.substr(open);
    }
    // After the last comma (ASCII, 、 or ，): "On Mon, Apr 2, 2012 at 6:26 PM, Megan One".
    std::size_t cut = sv::npos;
    for (sv c : {sv(","), sv("\xE3\x80\x81"), sv("\xEF\xBC\x8C")}) {
        auto p = s.rfind(c);
        if (p != sv::npos && (cut == sv::npos || p + c.size() > cut)) cut = p + c.size();
    }
    if (cut != sv::npos) s = trim(s.substr(cut));
    // "2019年12月3日(火) 10:00 山田太郎", "26 Jun 2014 14:00:51 +0400 от Alexander L": "2019年12月3日(火) 10:00 山田太郎" - cut after the last time and zone words.
    std::size_t last_time = sv::npos;
    for (std::size_t i = 0; i + 3 < s.size(); ++i)
        if (is_time_at(s, i)) last_time = i;
    if (last_time == sv::npos) {
        if (cut == sv::npos && strong_start(s) && !starts_with_digit(s)) {
            auto sp = s.find(' ');
            return trim(s.substr(sp + 1));
        }
        return s;
    }
    std::size_t p = last_time + 4;
    while (p < s.size() && s[p] != ' ') ++p;  // ":ss"
    sv rest = trim(s.substr(p));
    for (;;) {
        auto sp = rest.find(' ');
        sv tok = rest.substr(0, sp);
        bool skip = ieq(tok, "AM") || ieq(tok, "PM") || tok == "午前" || tok == "午後" || ieq(tok, "GMT") ||
                    ieq(tok, "UTC") || ieq(tok, "JST") || tok == "(JST)" || tok == "от" || tok == "пользователь" ||
                    ieq(tok, "schrieb") ||
                    (!tok.empty() && (tok.front() == '+' || tok.front() == '-') && tok.size() == 5);
        if (!skip || sp == sv::npos) break;
        rest = trim(rest.substr(sp + 1));
    }
    return rest;
}

std::optional<mailbox> mailbox_from_attribution(sv line) {
    sv t = strip_lead_dashes(trim(line));
    sv body = without_colon(t);
    if (body.empty()) body = t;
    if (sv v = ending_verb(body); !v.empty()) body = trim(body.substr(0, body.size() - v.size()));
    if (body.ends_with("さん")) body = trim(body.substr(0, body.size() - 6));
    if (auto p = find_ci(body, " schrieb "); p != sv::npos && starts_with_ci(body, "Am "))
        body = trim(body.substr(p + 9));
    std::size_t name_end = 0;
    if (auto a = bracketed_address(body, name_end))
        return to_mailbox(name_from_attribution_part(body.substr(0, name_end)), *a);
    if (auto a = trailing_address(body, name_end)) {
        sv name = name_from_attribution_part(body.substr(0, name_end));
        // "On Wed, 4/4/12, xxx@example.com wrote:": the token after the comma is the address itself.
        return to_mailbox(name.find_first_of("0123456789") == sv::npos ? name : sv{}, *a);
    }
    return to_mailbox(name_from_attribution_part(body), {});
}

// --- assembly --------------------------------------------------------------

void append_lines(std::string& out, const std::vector<sv>& lines, std::size_t from, std::size_t to) {
    while (from < to && blank(lines[from])) ++from;
    while (to > from && blank(lines[to - 1])) --to;
    for (std::size_t k = from; k < to; ++k) {
        out.append(lines[k]);
        if (k + 1 < to) out.push_back('\n');
    }
}

void fill_fields(quoted_block& b, const header_block& hb) {
    b.from = hb.from;
    b.sent = hb.sent;
    b.to = hb.to;
    b.cc = hb.cc;
    b.subject = hb.subject;
}

/// Fill attribution / header fields from the block's own first lines and drop them from its text.
void analyse_head(quoted_block& b) {
    std::vector<sv> lines;
    sv rest = b.text;
    for (std::size_t k = 0; k < k_max_header_lines + 4 && !rest.empty(); ++k) {
        auto nl = rest.find('\n');
        lines.push_back(rest.substr(0, nl));
        rest = nl == sv::npos ? sv{} : rest.substr(nl + 1);
    }
    std::size_t i = 0;
    while (i < lines.size() && blank(lines[i])) ++i;
    if (i < lines.size() && b.attribution.empty() && is_attribution(lines[i], false)) {
        b.attribution.assign(trim(lines[i]));
        ++i;
        while (i < lines.size() && blank(lines[i])) ++i;
    }
    header_block hb;
    if (i < lines.size() && field_line(lines[i]).kind != field::none) hb = parse_header_block(lines, i, true);
    if (hb.valid) {
        fill_fields(b, hb);
        i = hb.end;
    }
    if (i == 0) return;
    std::size_t skip = 0;
    for (std::size_t k = 0; k < i && k < lines.size(); ++k) skip += lines[k].size() + 1;
    std::string text = b.text.size() > skip ? b.text.substr(skip) : std::string{};
    std::size_t lead = 0;
    while (lead < text.size() && (text[lead] == '\n')) ++lead;
    b.text = text.substr(lead);
}

void set_mailbox(quoted_block& b) {
    std::optional<mailbox> from_header;
    if (!b.from.empty()) from_header = mailbox_from_field(b.from);
    std::optional<mailbox> from_attr;
    if (!b.attribution.empty() && b.kind != quoted_block::style::outlook && b.kind != quoted_block::style::forward)
        from_attr = mailbox_from_attribution(b.attribution);
    if (from_header && (!from_header->address.empty() || !from_attr))
        b.from_mailbox = std::move(from_header);
    else if (from_attr)
        b.from_mailbox = std::move(from_attr);
    else
        b.from_mailbox = std::move(from_header);
}

std::vector<sv> split_lines(sv body) {
    std::vector<sv> lines;
    lines.reserve(body.size() / 40 + 1);
    std::size_t start = 0;
    while (start <= body.size()) {
        auto nl = body.find('\n', start);
        sv l = body.substr(start, nl == sv::npos ? sv::npos : nl - start);
        if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
        lines.push_back(l);
        if (nl == sv::npos) break;
        start = nl + 1;
    }
    if (!lines.empty() && lines.back().empty()) lines.pop_back();
    return lines;
}

}  // namespace

split_body split_quotes(std::string_view body) {
    using style = quoted_block::style;
    split_body out;
    out.new_text.reserve(body.size());
    const std::vector<sv> lines = split_lines(body);
    const std::size_t n = lines.size();

    // Index of the next non-blank line at or after each blank run, computed lazily
    // in one forward sweep so "is a quote coming?" stays O(1) per line.
    std::vector<std::size_t> next_nonblank(n + 1, n);
    for (std::size_t k = n; k-- > 0;) next_nonblank[k] = blank(lines[k]) ? next_nonblank[k + 1] : k;
    auto quoted_at = [&](std::size_t k) { return k < n && quote_depth(lines[k]) > 0; };

    std::string pending_attribution;
    auto rest_is_block = [&](style kind, std::string attribution, std::size_t from, const header_block* hb) {
        quoted_block b;
        b.kind = kind;
        b.attribution = std::move(attribution);
        if (hb && hb->valid) fill_fields(b, *hb);
        append_lines(b.text, lines, from, n);
        if (!hb) analyse_head(b);
        set_mailbox(b);
        out.quoted.push_back(std::move(b));
    };

    std::size_t i = 0;
    while (i < n) {
        sv line = lines[i];
        if (quote_depth(line) > 0) {
            std::size_t j = i;
            int min_depth = 1 << 20;
            while (j < n) {
                int d = quote_depth(lines[j]);
                if (d > 0) {
                    min_depth = std::min(min_depth, d);
                    ++j;
                } else if (blank(lines[j]) && quoted_at(next_nonblank[j])) {
                    j = next_nonblank[j];
                } else {
                    break;
                }
            }
            quoted_block b;
            b.kind = pending_attribution.empty() ? style::angle : style::wrote;
            b.depth = min_depth;
            b.attribution = std::move(pending_attribution);
            pending_attribution.clear();
            std::size_t to = j;
            for (std::size_t k = i; k < to; ++k) {
                if (quote_depth(lines[k]) > 0) b.text.append(strip_markers(lines[k], min_depth));
                if (k + 1 < to) b.text.push_back('\n');
            }
            while (!b.text.empty() && (b.text.back() == '\n' || b.text.back() == ' ')) b.text.pop_back();
            analyse_head(b);
            if (b.kind == style::angle && !b.attribution.empty()) b.kind = style::wrote;
            set_mailbox(b);
            out.quoted.push_back(std::move(b));
            i = j;
            continue;
        }
        if (blank(line)) {
            out.new_text.append(line);
            out.new_text.push_back('\n');
            ++i;
            continue;
        }
        // 1. separators
        if (separator s = separator_kind(line); s != separator::none) {
            std::size_t k = next_nonblank[i + 1];
            header_block hb;
            if (k < n && field_line(lines[k]).kind != field::none)
                hb = parse_header_block(lines, k, s == separator::underscore);
            if (s != separator::underscore || hb.valid) {
                rest_is_block(s == separator::forward ? style::forward : style::outlook, std::string(trim(line)),
                              hb.valid ? hb.end : i + 1, &hb);
                i = n;
                break;
            }
        }
        // 2. bare header block
        if (field_line(line).kind != field::none) {
            header_block hb = parse_header_block(lines, i, true);
            if (hb.valid) {
                rest_is_block(style::outlook, {}, hb.end, &hb);
                i = n;
                break;
            }
        }
        // 3. attribution, on one line or wrapped onto two
        std::size_t used = 0;
        std::string attribution;
        if (is_attribution(line, quoted_at(next_nonblank[i + 1]))) {
            used = 1;
            attribution.assign(trim(line));
        } else if (i + 1 < n && line.size() < k_max_attribution && !blank(lines[i + 1]) && !quoted_at(i + 1) &&
                   strong_start(strip_lead_dashes(trim(line))) && without_colon(trim(line)).empty()) {
            std::string joined(trim(line));
            joined.push_back(' ');
            joined.append(trim(lines[i + 1]));
            if (is_attribution(joined, quoted_at(next_nonblank[std::min(i + 2, n)]))) {
                used = 2;
                attribution = std::move(joined);
            }
        }
        if (used > 0) {
            std::size_t k = next_nonblank[std::min(i + used, n)];
            if (k < n && quoted_at(k)) {
                pending_attribution = std::move(attribution);
                i = k;
                continue;
            }
            if (k < n) {
                // "wrote:" followed by unmarked text (Yahoo, Outlook.com): the rest is the quote.
                rest_is_block(style::wrote, std::move(attribution), k, nullptr);
                i = n;
                break;
            }
        }
        out.new_text.append(line);
        out.new_text.push_back('\n');
        ++i;
    }

    // Leading blank lines and trailing whitespace are not part of the new text.
    std::size_t lead = 0;
    while (lead < out.new_text.size()) {
        auto nl = out.new_text.find('\n', lead);
        if (nl == std::string::npos || !blank(sv(out.new_text).substr(lead, nl - lead))) break;
        lead = nl + 1;
    }
    out.new_text.erase(0, lead);
    while (!out.new_text.empty() && is_ascii_ws(out.new_text.back())) out.new_text.pop_back();
    return out;
}

}  // namespace replyguard::mime
