// SPDX-License-Identifier: Apache-2.0
// text/html_render.hpp - what both HTML-to-text paths share: the text renderer, the link filter, tokenizer steps
//
// DESCRIPTION
//   html.cpp walks gumbo's tree and html_fast.cpp walks the tokens of the
//   documents it can follow; both call the same renderer with the same
//   events (element opened/closed, text), so their output can only differ
//   where the events differ, which the corpus test compares part by part.
//   The tokenizer steps (a tag's attributes, a comment's end, raw text's
//   end) are the ones html_fast.cpp and html_strip.cpp both follow where
//   gumbo's tokenizer would be.
//   Internal to text/: not included outside src/text.
#pragma once

#include "core/limits.hpp"
#include "core/strings.hpp"
#include "text/urls.hpp"

#include <algorithm>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace replyguard::text::html_detail {

inline constexpr std::size_t k_max_link = 8192;
inline constexpr std::size_t k_max_anchor = 512;
inline constexpr int k_max_quote_depth = 32;  // deeper <blockquote>s render as 32 levels
inline constexpr std::string_view k_separator = "________________________________";

inline bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

// --- tokenizer steps -----------------------------------------------------------

/// Does `h` hold `word` (lower case) at `p`, ASCII case-insensitively?
inline bool at_ci(std::string_view h, std::size_t p, std::string_view word) {
    if (p + word.size() > h.size()) return false;
    for (std::size_t k = 0; k < word.size(); ++k) {
        char c = h[p + k];
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
        if (c != word[k]) return false;
    }
    return true;
}

/// One attribute of a start tag as the tokenizer reads it.
struct tag_attribute {
    std::string_view name;   ///< as written
    std::string_view value;  ///< raw: references not decoded, without its quotes
    std::size_t begin, end;  ///< from the name's first character to the value's last (closing quote included)
    bool has_value;
};

/// From just after a tag's name: calls on_attr(const tag_attribute&) for each
/// attribute and returns the index after the tag's '>', or npos (the end of
/// input inside the tag). The tokenizer's attribute states: '/' and white
/// space separate attributes; a name's first character may be '='; quotes
/// count only as a value's first character; an unquoted value ends at white
/// space or '>'.
template <class OnAttr>
std::size_t scan_tag_attributes(std::string_view h, std::size_t p, OnAttr&& on_attr) {
    constexpr std::size_t npos = std::string_view::npos;
    const std::size_t n = h.size();
    while (p < n) {
        const char c = h[p];
        if (c == '>') return p + 1;
        if (is_ws(c) || c == '/') {
            ++p;
            continue;
        }
        tag_attribute a{{}, {}, p++, 0, false};
        while (p < n && !is_ws(h[p]) && h[p] != '/' && h[p] != '>' && h[p] != '=') ++p;
        a.name = h.substr(a.begin, p - a.begin);
        a.end = p;
        while (p < n && is_ws(h[p])) ++p;
        if (p < n && h[p] == '=') {
            a.has_value = true;
            ++p;
            while (p < n && is_ws(h[p])) ++p;
            if (p < n && (h[p] == '"' || h[p] == '\'')) {
                const std::size_t e = h.find(h[p], p + 1);
                if (e == npos) return npos;
                a.value = h.substr(p + 1, e - p - 1);
                p = e + 1;
            } else {
                const std::size_t vs = p;
                while (p < n && !is_ws(h[p]) && h[p] != '>') ++p;
                a.value = h.substr(vs, p - vs);
            }
            a.end = p;
        }
        on_attr(a);
    }
    return npos;
}

/// Where a comment that starts at h[lt] ("<!--") ends (the index after its
/// "-->" or "--!>"; "<!-->" and "<!--->" are empty comments), or npos.
inline std::size_t comment_end(std::string_view h, std::size_t lt) {
    constexpr std::size_t npos = std::string_view::npos;
    const std::size_t body = lt + 4;
    if (h.compare(body, 1, ">") == 0) return body + 1;   // "<!-->"
    if (h.compare(body, 2, "->") == 0) return body + 2;  // "<!--->"
    for (std::size_t e = h.find("--", body); e != npos; e = h.find("--", e + 1)) {
        if (h.compare(e + 2, 1, ">") == 0) return e + 3;
        if (h.compare(e + 2, 2, "!>") == 0) return e + 4;
    }
    return npos;
}

/// Where the raw text of element `name` (lower case) that starts at `p`
/// ends: its "</name" before white space, '/' or '>' (the "appropriate end
/// tag"; at the end of input it is text), or npos.
inline std::size_t raw_text_end(std::string_view h, std::string_view name, std::size_t p) {
    constexpr std::size_t npos = std::string_view::npos;
    for (std::size_t e = h.find("</", p); e != npos; e = h.find("</", e + 2)) {
        const std::size_t after = e + 2 + name.size();
        if (after < h.size() && at_ci(h, e + 2, name) && (is_ws(h[after]) || h[after] == '/' || h[after] == '>'))
            return e;
    }
    return npos;
}

/// Where the script data that starts at `p` ends: the "</" of its "</script"
/// end tag, or npos. The tokenizer's script data states: after "<!--" the
/// data is escaped (a "-->" ends that), and in escaped data a "<script"
/// before white space, '/' or '>' starts double-escaped data, in which
/// "</script" does not end the script but returns to escaped data.
inline std::size_t script_data_end(std::string_view h, std::size_t p) {
    constexpr std::size_t npos = std::string_view::npos;
    const std::size_t n = h.size();
    auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
    auto delimiter = [&](std::size_t j) { return j < n && (is_ws(h[j]) || h[j] == '/' || h[j] == '>'); };
    auto script_at = [&](std::size_t j) {
        return at_ci(h, j, "script") && delimiter(j + 6);
    };  // "script" and a delimiter
    enum { data, escaped, double_escaped } state = data;
    int dashes = 0;  // '-'s just before, in (double-)escaped data: "-->" ends it
    std::size_t i = p;
    while (i < n) {
        const char c = h[i];
        if (state == data) {
            if (c == '<' && h.compare(i + 1, 1, "/") == 0 && script_at(i + 2)) return i;
            if (c == '<' && h.compare(i + 1, 3, "!--") == 0) {
                state = escaped;
                dashes = 2;
                i += 4;
                continue;
            }
            ++i;
            continue;
        }
        if (c == '-') {
            ++dashes;
            ++i;
            continue;
        }
        if (c == '>' && dashes >= 2) {
            state = data;
            dashes = 0;
            ++i;
            continue;
        }
        dashes = 0;
        if (c != '<') {
            ++i;
            continue;
        }
        if (state == escaped) {
            if (h.compare(i + 1, 1, "/") == 0 && script_at(i + 2)) return i;
            std::size_t j = i + 1;  // "<letters": the double escape start state
            while (j < n && alpha(h[j])) ++j;
            if (j - i - 1 == 6 && script_at(i + 1)) {
                state = double_escaped;
                i = j + 1;  // the delimiter is part of the data
                continue;
            }
            i = j > i + 1 ? j : i + 1;  // what follows the letters is read again
            continue;
        }
        // Double-escaped: "</script" and a delimiter return to escaped data.
        if (h.compare(i + 1, 1, "/") != 0) {
            ++i;
            continue;
        }
        std::size_t j = i + 2;
        while (j < n && alpha(h[j])) ++j;
        if (j - i - 2 == 6 && script_at(i + 2)) {
            state = escaped;
            i = j + 1;
            continue;
        }
        i = j;
    }
    return npos;
}

// --- rendering -------------------------------------------------------------------

/// Outlook's reply header box: <div id="divRplyFwdMsg"> or a div whose style
/// draws only a top border ("border:none;border-top:solid #E1E1E1 1.0pt").
/// `id` and `style` are the div's attribute values (nullptr: absent).
inline bool is_outlook_separator(const char* id, const char* style) {
    if (id && std::strcmp(id, "divRplyFwdMsg") == 0) return true;
    if (!style) return false;
    std::string_view s(style);
    if (s.size() > 512) return false;
    // Outlook: "border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0in 0in 0in";
    // Windows Mail: "padding-top: 5px; border-top-color: ...; border-top-style: solid;".
    bool top_only = contains_ci(s, "border-top:solid") &&
                    (contains_ci(s, "border:none") || contains_ci(s, "#e1e1e1") || contains_ci(s, "#b5c4df"));
    return top_only || (contains_ci(s, "border-top-style: solid") && contains_ci(s, "padding-top"));
}

/// Builds the text with at most one pass over each byte: pending breaks and
/// spaces are resolved when the next visible character arrives.
class renderer {
public:
    explicit renderer(std::size_t max_text) : max_(max_text) {
        out_.reserve(std::min<std::size_t>(max_text, 64 * 1024));
    }

    void block_break() {
        pending_nl_ = std::max(pending_nl_, 1);
        pending_space_ = false;
        pending_tab_ = false;
    }
    void hard_break() {
        if (pending_nl_ < 2 || pre_ > 0) ++pending_nl_;
        pending_space_ = false;
        pending_tab_ = false;
    }
    void cell_sep() {
        if (!line_empty_) pending_tab_ = true;
    }
    void quote_in() {
        block_break();
        ++depth_;
    }
    void quote_out() {
        block_break();
        if (depth_ > 0) --depth_;
    }
    void pre_in() {
        block_break();
        ++pre_;
    }
    void pre_out() {
        block_break();
        if (pre_ > 0) --pre_;
    }
    void separator_line() {
        // New Outlook writes <hr> and then <div id="divRplyFwdMsg">: one line is enough.
        if (out_.ends_with(k_separator)) return;
        block_break();
        emit_raw(k_separator);
        block_break();
    }
    void bullet(std::string_view b) {
        block_break();
        emit_raw(b);
        pending_space_ = false;
    }

    void text(std::string_view s, std::string* anchor) {
        if (pre_ > 0) {
            std::size_t start = 0;
            for (std::size_t i = 0; i <= s.size(); ++i) {
                if (i == s.size() || s[i] == '\n') {
                    auto piece = s.substr(start, i - start);
                    if (!piece.empty() && piece.back() == '\r') piece.remove_suffix(1);
                    if (!piece.empty()) emit_raw(piece);
                    if (i < s.size()) hard_break();
                    start = i + 1;
                }
            }
            if (anchor) append_collapsed(*anchor, s);
            return;
        }
        std::size_t i = 0;
        while (i < s.size()) {
            if (is_ws(s[i]) || nbsp_at(s, i)) {
                pending_space_ = true;
                i += (s[i] == '\xC2') ? 2 : 1;
                continue;
            }
            std::size_t j = i;
            while (j < s.size() && !is_ws(s[j]) && !nbsp_at(s, j)) ++j;
            emit_raw(s.substr(i, j - i));
            i = j;
        }
        if (anchor) append_collapsed(*anchor, s);
    }

    std::string take() {
        while (!out_.empty() && (out_.back() == ' ' || out_.back() == '\n')) out_.pop_back();
        return std::move(out_);
    }
    bool full() const { return full_; }

private:
    static bool nbsp_at(std::string_view s, std::size_t i) {
        return s[i] == '\xC2' && i + 1 < s.size() && s[i + 1] == '\xA0';
    }
    static void append_collapsed(std::string& a, std::string_view s) {
        for (char c : s) {
            if (a.size() >= k_max_anchor) return;
            if (is_ws(c)) {
                if (!a.empty() && a.back() != ' ') a.push_back(' ');
            } else {
                a.push_back(c);
            }
        }
    }
    void put(std::string_view s) {
        if (full_) return;
        if (out_.size() + s.size() > max_) {
            std::size_t room = max_ - out_.size();
            // Do not cut a UTF-8 sequence in half.
            while (room > 0 && (static_cast<unsigned char>(s[room]) & 0xC0) == 0x80) --room;
            out_.append(s.substr(0, room));
            full_ = true;
            return;
        }
        out_.append(s);
    }
    void prefix(int depth) {
        for (int d = 0; d < std::min(depth, k_max_quote_depth); ++d) put("> ");
    }
    void emit_raw(std::string_view s) {
        if (s.empty() || full_) return;
        if (!out_.empty() && pending_nl_ > 0) {
            // Trailing blank before the break; blank lines keep the outer quote depth.
            while (!out_.empty() && out_.back() == ' ') out_.pop_back();
            put("\n");
            for (int k = 1; k < pending_nl_; ++k) {
                int d = std::min(depth_, last_depth_);
                for (int q = 0; q < std::min(d, k_max_quote_depth); ++q) put(q == 0 ? ">" : " >");
                put("\n");
            }
            line_empty_ = true;
        } else if (out_.empty()) {
            line_empty_ = true;
        }
        pending_nl_ = 0;
        if (line_empty_) {
            prefix(depth_);
            last_depth_ = depth_;
            line_empty_ = false;
            pending_space_ = false;
            pending_tab_ = false;
        } else if (pending_tab_) {
            put("\t");
        } else if (pending_space_) {
            put(" ");
        }
        pending_space_ = false;
        pending_tab_ = false;
        put(s);
    }

    std::string out_;
    std::size_t max_;
    bool full_ = false;
    int pending_nl_ = 0;
    bool pending_space_ = false;
    bool pending_tab_ = false;
    bool line_empty_ = true;
    int depth_ = 0;
    int last_depth_ = 0;
    int pre_ = 0;
};

inline void add_link(std::vector<text::url_ref>& links, const char* value, std::string anchor) {
    if (!value || links.size() >= limits{}.urls) return;
    std::string_view v(value);
    while (!v.empty() && (is_ws(v.front()) || v.front() == '\0')) v.remove_prefix(1);
    while (!v.empty() && is_ws(v.back())) v.remove_suffix(1);
    if (v.empty() || v.front() == '#') return;
    auto scheme_is = [&](std::string_view s) {
        if (v.size() < s.size()) return false;
        for (std::size_t i = 0; i < s.size(); ++i) {
            char c = v[i];
            if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
            if (c != s[i]) return false;
        }
        return true;
    };
    if (scheme_is("javascript:") || scheme_is("cid:") || scheme_is("about:")) return;
    text::url_ref r;
    r.url.assign(v.substr(0, k_max_link));
    r.host = url_host(r.url);
    while (!anchor.empty() && anchor.back() == ' ') anchor.pop_back();
    if (!anchor.empty() && anchor.front() == ' ') anchor.erase(0, 1);
    r.anchor_text = std::move(anchor);
    r.from_html = true;
    links.push_back(std::move(r));
}

}  // namespace replyguard::text::html_detail
