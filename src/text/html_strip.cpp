// SPDX-License-Identifier: Apache-2.0
// text/html_strip.cpp - drop <style> and comment content, and unread attributes, before gumbo (see html_strip.hpp)
//
// Hand-written rather than left to gumbo: gumbo spends the same per-byte work
// on text it will throw away (utf8iterator_next and a character token per
// byte); html_to_text only needs the tree of what is rendered. The cut and its
// figure are in bench/README.md ("Cuts").
#include "text/html_strip.hpp"

#include "text/html_render.hpp"

#include <array>
#include <cstddef>
#include <initializer_list>
#include <utility>
#include <vector>

namespace replyguard::text {

namespace {

constexpr std::size_t npos = std::string_view::npos;

bool alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
char low(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

using html_detail::at_ci;
using html_detail::comment_end;
using html_detail::is_ws;
using html_detail::raw_text_end;
using html_detail::scan_tag_attributes;
using html_detail::script_data_end;
using html_detail::tag_attribute;

bool name_in(std::string_view name, std::initializer_list<std::string_view> set) {
    for (auto s : set)
        if (name == s) return true;
    return false;
}

/// Elements whose attributes the tree builder compares or reads: the
/// formatting elements (the adoption agency's "Noah's Ark" clause compares
/// their attributes), <input> (type=hidden in tables), <html> and <body>
/// (attributes merged onto the existing element), <isindex> (gumbo turns its
/// prompt attribute into text), and anything in foreign
/// content (not followed: see strip_for_gumbo). All of theirs are kept.
bool keeps_all_attributes(std::string_view name) {
    return name_in(name, {"a", "b", "big", "code", "em", "font", "i", "nobr", "s", "small", "strike", "strong", "tt",
                          "u", "input", "html", "body", "isindex"});
}

/// The attributes html_to_text reads: href (a, area), src (img), action
/// (form), and id and style of a <div> (Outlook's reply separator).
bool attribute_read(std::string_view element, std::string_view attr) {
    if (at_ci(attr, 0, "href") && attr.size() == 4) return true;
    if (at_ci(attr, 0, "src") && attr.size() == 3) return true;
    if (at_ci(attr, 0, "action") && attr.size() == 6) return true;
    return element == "div" &&
           ((at_ci(attr, 0, "id") && attr.size() == 2) || (at_ci(attr, 0, "style") && attr.size() == 5));
}

}  // namespace

std::string_view strip_for_gumbo(std::string_view h, std::string& copy) {
    // One pass over the '<'s (memchr) decides whether there is anything to do.
    // Outside what the scan below follows, the tokenizer's state depends on the
    // tree builder: foreign content, scripting, frameset mode, and <select>
    // (where a <style> start tag is ignored and its text parsed as markup).
    bool work = false;
    for (std::size_t lt = h.find('<'); lt != npos; lt = h.find('<', lt + 1)) {
        if (at_ci(h, lt + 1, "svg") || at_ci(h, lt + 1, "math") || at_ci(h, lt + 1, "noscript") ||
            at_ci(h, lt + 1, "frameset") || at_ci(h, lt + 1, "select"))
            return h;
        // a comment, a style element, or a tag that may have attributes
        work = work || h.compare(lt + 1, 3, "!--") == 0 || (lt + 1 < h.size() && alpha(h[lt + 1]));
    }
    if (!work) return h;

    std::vector<std::pair<std::size_t, std::size_t>> drop;  // [begin, end) to leave out
    std::vector<tag_attribute> attrs;
    const std::size_t n = h.size();
    std::size_t i = 0;
    while (i < n) {
        const std::size_t lt = h.find('<', i);
        if (lt == npos || lt + 1 >= n) break;
        const char c = h[lt + 1];
        if (c == '!') {
            if (h.compare(lt + 2, 2, "--") == 0) {
                const std::size_t body = lt + 4, after = comment_end(h, lt);
                if (after == npos) return h;                                  // a comment to the end: leave it to gumbo
                const std::size_t e = after - (h[after - 2] == '!' ? 4 : 3);  // its closing "--"
                if (e > body) drop.emplace_back(body, e);                     // ("<!-->", "<!--->": nothing)
                i = after;
                continue;
            }
            const std::size_t gt = h.find('>', lt + 2);  // DOCTYPE, bogus comment
            i = gt == npos ? n : gt + 1;
            continue;
        }
        if (c == '?') {  // bogus comment
            const std::size_t gt = h.find('>', lt + 2);
            i = gt == npos ? n : gt + 1;
            continue;
        }
        const bool closing = c == '/';
        const std::size_t name_start = lt + (closing ? 2 : 1);
        if (name_start >= n || !alpha(h[name_start])) {
            if (closing) {  // "</>" is dropped, "</ ..." is a bogus comment
                const std::size_t gt = h.find('>', name_start);
                i = gt == npos ? n : gt + 1;
            } else {
                i = lt + 1;  // a '<' in text
            }
            continue;
        }
        std::size_t p = name_start;
        while (p < n && !is_ws(h[p]) && h[p] != '/' && h[p] != '>') ++p;
        std::string name(h.substr(name_start, p - name_start));
        for (char& ch : name) ch = low(ch);
        const bool strip_attrs = !closing && !keeps_all_attributes(name);
        attrs.clear();
        const std::size_t end = scan_tag_attributes(h, p, [&](const tag_attribute& a) {
            if (strip_attrs) attrs.push_back(a);
        });
        if (end == npos) break;  // an unterminated tag: the rest is not text
        i = end;
        if (closing) continue;
        // Attributes nobody reads, with their values: the tree is the same
        // without them (keeps_all_attributes) and gumbo copies every byte.
        for (const auto& a : attrs)
            if (a.has_value && !attribute_read(name, a.name)) drop.emplace_back(a.begin, a.end);
        if (name == "plaintext") break;  // everything after it is text
        if (name == "style" || name == "script" || name == "xmp" || name == "iframe" || name == "noembed" ||
            name == "noframes" || name == "textarea" || name == "title") {
            std::size_t e = name == "script" ? script_data_end(h, end) : raw_text_end(h, name, end);
            if (e == npos) e = n;
            if (name == "style" && e > end) drop.emplace_back(end, e);
            i = e;
        }
    }
    if (drop.empty()) return h;
    copy.clear();
    copy.reserve(h.size());
    std::size_t kept = 0;
    for (const auto& [b, e] : drop) {
        copy.append(h.substr(kept, b - kept));
        kept = e;
    }
    copy.append(h.substr(kept));
    return copy;
}

}  // namespace replyguard::text
