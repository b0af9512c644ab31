// SPDX-License-Identifier: Apache-2.0
// text/html.cpp - HTML to text with gumbo (for what text/html_fast.cpp declines), and link collection
//
// DESCRIPTION
//   gumbo builds the tree (browser-compatible error recovery, entities decoded);
//   we walk it iteratively with an explicit stack, so a message with 100 000
//   nested <div>s cannot overflow the C stack. gumbo 0.10 has no tree-depth
//   option and its gumbo_destroy_output() recurses, so all gumbo memory comes
//   from a bump arena that is dropped in one piece and the tree is never
//   destroyed node by node (this also makes parsing noticeably faster).
//
//   Rendering: block elements break lines, <br> is a hard break, <li> gets
//   "- " or "N. ", table cells are separated by a tab, <pre> keeps its
//   whitespace, everything else collapses whitespace as a browser does.
//   <blockquote> content becomes "> " prefixed lines (nested: "> > ") and
//   <hr>, Outlook's reply separator <div id="divRplyFwdMsg"> and its
//   "border-top:solid" header box become a "________________________________"
//   line, as Outlook writes in its own text/plain part, so that
//   mime/quote.hpp finds the quoted header block that follows.
//
// LIMITS
//   Output text stops at max_text bytes (the walk goes on to collect links);
//   at most limits::urls links, each cut at 8 KiB, anchor text at 512 bytes.
#include "text/html.hpp"

#include "core/limits.hpp"
#include "core/strings.hpp"
#include "text/html_fast.hpp"
#include "text/html_render.hpp"
#include "text/html_strip.hpp"
#include "text/urls.hpp"

#include <gumbo.h>

#include <optional>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <memory>

namespace replyguard::text {

namespace {

using html_detail::add_link;
using html_detail::is_ws;
using html_detail::renderer;

/// Bump allocator for gumbo: freed all at once, never node by node.
class arena {
public:
    ~arena() {
        for (void* b : blocks_) std::free(b);
    }
    void* allocate(std::size_t size) {
        size = (size + 15) & ~std::size_t{15};
        if (size > k_block / 4) {  // large vectors/strings get their own block
            void* b = std::malloc(size);
            if (b) blocks_.push_back(b);
            return b;
        }
        if (size > left_) {
            void* b = std::malloc(k_block);
            if (!b) return nullptr;
            blocks_.push_back(b);
            cur_ = static_cast<char*>(b);
            left_ = k_block;
        }
        void* p = cur_;
        cur_ += size;
        left_ -= size;
        return p;
    }
    static void* alloc_cb(void* self, size_t size) { return static_cast<arena*>(self)->allocate(size); }
    static void free_cb(void*, void*) {}

private:
    static constexpr std::size_t k_block = 64 * 1024;
    std::vector<void*> blocks_;
    char* cur_ = nullptr;
    std::size_t left_ = 0;
};

bool is_block(GumboTag t) {
    switch (t) {
    case GUMBO_TAG_ADDRESS:
    case GUMBO_TAG_ARTICLE:
    case GUMBO_TAG_ASIDE:
    case GUMBO_TAG_BLOCKQUOTE:
    case GUMBO_TAG_CENTER:
    case GUMBO_TAG_DD:
    case GUMBO_TAG_DETAILS:
    case GUMBO_TAG_DIR:
    case GUMBO_TAG_DIV:
    case GUMBO_TAG_DL:
    case GUMBO_TAG_DT:
    case GUMBO_TAG_FIELDSET:
    case GUMBO_TAG_FIGCAPTION:
    case GUMBO_TAG_FIGURE:
    case GUMBO_TAG_FOOTER:
    case GUMBO_TAG_FORM:
    case GUMBO_TAG_H1:
    case GUMBO_TAG_H2:
    case GUMBO_TAG_H3:
    case GUMBO_TAG_H4:
    case GUMBO_TAG_H5:
    case GUMBO_TAG_H6:
    case GUMBO_TAG_HEADER:
    case GUMBO_TAG_HGROUP:
    case GUMBO_TAG_HR:
    case GUMBO_TAG_LI:
    case GUMBO_TAG_MAIN:
    case GUMBO_TAG_MENU:
    case GUMBO_TAG_NAV:
    case GUMBO_TAG_OL:
    case GUMBO_TAG_P:
    case GUMBO_TAG_PRE:
    case GUMBO_TAG_SECTION:
    case GUMBO_TAG_SUMMARY:
    case GUMBO_TAG_TABLE:
    case GUMBO_TAG_CAPTION:
    case GUMBO_TAG_TBODY:
    case GUMBO_TAG_THEAD:
    case GUMBO_TAG_TFOOT:
    case GUMBO_TAG_TR:
    case GUMBO_TAG_UL:
    case GUMBO_TAG_BODY:
    case GUMBO_TAG_LISTING:
    case GUMBO_TAG_XMP:
    case GUMBO_TAG_PLAINTEXT: return true;
    default: return false;
    }
}

bool is_dropped(GumboTag t) {
    switch (t) {
    case GUMBO_TAG_SCRIPT:
    case GUMBO_TAG_STYLE:
    case GUMBO_TAG_HEAD:
    case GUMBO_TAG_TITLE:
    case GUMBO_TAG_TEMPLATE:
    case GUMBO_TAG_NOSCRIPT:
    case GUMBO_TAG_NOFRAMES:
    case GUMBO_TAG_IFRAME:
    case GUMBO_TAG_OBJECT:
    case GUMBO_TAG_SELECT: return true;
    default: return false;
    }
}

const char* attr(const GumboElement& e, const char* name) {
    const GumboAttribute* a = gumbo_get_attribute(&e.attributes, name);
    return a ? a->value : nullptr;
}

/// Outlook's reply header box (html_render.hpp) on a gumbo element.
bool is_outlook_separator(const GumboElement& e) {
    return e.tag == GUMBO_TAG_DIV && html_detail::is_outlook_separator(attr(e, "id"), attr(e, "style"));
}

constexpr int k_max_nesting = 400;

bool name_is(std::string_view name, std::initializer_list<std::string_view> set) {
    for (auto n : set)
        if (name.size() == n.size() && std::equal(name.begin(), name.end(), n.begin(), [](char a, char b) {
                return (a >= 'A' && a <= 'Z' ? a + 32 : a) == b;
            }))
            return true;
    return false;
}

/// Tags that never nest (void elements) or close implicitly (optional end tags).
bool nests(std::string_view name) {
    return !name_is(name,
                    {"area",     "base",   "br",    "col", "embed",  "hr",       "img",      "input", "link",  "meta",
                     "param",    "source", "track", "wbr", "keygen", "basefont", "bgsound",  "frame", "p",     "li",
                     "dt",       "dd",     "tr",    "td",  "th",     "option",   "optgroup", "tbody", "thead", "tfoot",
                     "colgroup", "rb",     "rt",    "rp",  "html",   "head",     "body"});
}

/// gumbo's tree construction rescans the stack of open elements for every
/// start tag ("has a p element in button scope"), so 100 000 nested <div>s
/// take minutes. A cheap tag scan estimates the nesting; when it passes
/// k_max_nesting, the too-deep start tags and their end tags are removed from
/// a copy (their text stays). Real mail nests a few dozen levels.
std::string_view bounded_nesting(std::string_view html, std::string& copy) {
    auto scan = [&](bool rewrite) -> bool {
        int depth = 0, dropped = 0;
        bool deep = false;
        std::size_t i = 0, kept = 0;
        const std::size_t n = html.size();
        while (i < n) {
            std::size_t lt = html.find('<', i);
            if (lt == std::string_view::npos || lt + 1 >= n) break;
            char c = html[lt + 1];
            if (c == '!') {
                std::size_t end = html.compare(lt, 4, "<!--") == 0 ? html.find("-->", lt + 4) : html.find('>', lt);
                i = end == std::string_view::npos ? n : end + 1;
                continue;
            }
            bool closing = c == '/';
            std::size_t p = lt + (closing ? 2 : 1);
            std::size_t name_start = p;
            while (p < n && ((html[p] >= 'a' && html[p] <= 'z') || (html[p] >= 'A' && html[p] <= 'Z') ||
                             (html[p] >= '0' && html[p] <= '9') || html[p] == '-' || html[p] == ':'))
                ++p;
            std::string_view name = html.substr(name_start, p - name_start);
            if (name.empty()) {
                i = lt + 1;
                continue;
            }
            char quote = 0;
            while (p < n && (quote || html[p] != '>')) {
                if (quote) {
                    if (html[p] == quote) quote = 0;
                } else if (html[p] == '"' || html[p] == '\'')
                    quote = html[p];
                ++p;
            }
            std::size_t tag_end = p < n ? p + 1 : n;
            bool self_closing = p > 0 && p < n && html[p - 1] == '/';
            bool drop = false;
            if (!closing && name_is(name, {"script", "style", "textarea", "title", "xmp", "plaintext"})) {
                // Raw text: skip to its end tag without counting anything inside.
                std::size_t end = html.find("</", tag_end);
                while (end != std::string_view::npos && !name_is(html.substr(end + 2, name.size()), {name}))
                    end = html.find("</", end + 2);
                i = end == std::string_view::npos ? n : end;
                continue;
            }
            if (nests(name) && !self_closing) {
                if (!closing) {
                    if (depth >= k_max_nesting) {
                        drop = true;
                        ++dropped;
                        deep = true;
                    } else
                        ++depth;
                } else if (dropped > 0) {
                    drop = true;
                    --dropped;
                } else if (depth > 0) {
                    --depth;
                }
            }
            if (rewrite && drop) {
                copy.append(html.substr(kept, lt - kept));
                kept = tag_end;
            }
            i = tag_end;
        }
        if (rewrite) copy.append(html.substr(kept));
        return deep;
    };
    if (!scan(false)) return html;
    copy.reserve(html.size());
    scan(true);
    return copy;
}

struct frame {
    const GumboNode* node;
    unsigned next_child = 0;
    int list_counter = 0;  // for <ol>/<ul>: items seen; -1 marks <ul>
};

}  // namespace

namespace {

// Decode the entities that matter in URLs and anchor text; others stay as written.
std::string decode_entities(std::string_view v) {
    std::string out;
    out.reserve(v.size());
    for (std::size_t i = 0; i < v.size(); ++i) {
        if (v[i] != '&') {
            // The run up to the next '&' in one append (a byte at a time, attribute
            // values were 150,000 push_back calls over every 4th corpus file).
            const std::size_t amp = std::min(v.find('&', i), v.size());
            out.append(v.substr(i, amp - i));
            i = amp - 1;  // the loop's ++i lands on the '&', or ends it
            continue;
        }
        std::size_t semi = v.find(';', i);
        if (semi == std::string_view::npos || semi - i > 10) {
            out.push_back('&');
            continue;
        }
        std::string_view ent = v.substr(i + 1, semi - i - 1);
        unsigned long cp = 0;
        bool ok = true;
        if (!ent.empty() && ent[0] == '#') {
            bool hex = ent.size() > 1 && (ent[1] == 'x' || ent[1] == 'X');
            std::string_view digits = ent.substr(hex ? 2 : 1);
            if (digits.empty()) ok = false;
            for (char c : digits) {
                int d = c >= '0' && c <= '9'          ? c - '0'
                        : hex && c >= 'a' && c <= 'f' ? c - 'a' + 10
                        : hex && c >= 'A' && c <= 'F' ? c - 'A' + 10
                                                      : -1;
                if (d < 0 || cp > 0x10FFFF) {
                    ok = false;
                    break;
                }
                cp = cp * (hex ? 16 : 10) + static_cast<unsigned long>(d);
            }
            if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) ok = false;
        } else if (ent == "amp")
            cp = '&';
        else if (ent == "lt")
            cp = '<';
        else if (ent == "gt")
            cp = '>';
        else if (ent == "quot")
            cp = '"';
        else if (ent == "apos")
            cp = '\'';
        else if (ent == "nbsp")
            cp = ' ';
        else
            ok = false;
        if (!ok) {
            out.push_back('&');
            continue;
        }
        append_utf8(out, static_cast<char32_t>(cp));
        i = semi;
    }
    return out;
}

// The value of attribute `want` in the tag text between the name and '>'.
std::optional<std::string> tag_attr(std::string_view tag, std::string_view want) {
    std::size_t i = 0;
    while (i < tag.size()) {
        while (i < tag.size() && (is_ws(tag[i]) || tag[i] == '/')) ++i;
        std::size_t ns = i;
        while (i < tag.size() && !is_ws(tag[i]) && tag[i] != '=' && tag[i] != '/') ++i;
        std::string_view name = tag.substr(ns, i - ns);
        while (i < tag.size() && is_ws(tag[i])) ++i;
        std::string_view value;
        if (i < tag.size() && tag[i] == '=') {
            ++i;
            while (i < tag.size() && is_ws(tag[i])) ++i;
            if (i < tag.size() && (tag[i] == '"' || tag[i] == '\'')) {
                char q = tag[i++];
                std::size_t e = tag.find(q, i);
                if (e == std::string_view::npos) e = tag.size();
                value = tag.substr(i, e - i);
                i = e + 1;
            } else {
                std::size_t vs = i;
                while (i < tag.size() && !is_ws(tag[i])) ++i;
                value = tag.substr(vs, i - vs);
            }
        }
        if (name.size() == want.size()) {
            bool eq = true;
            for (std::size_t k = 0; k < name.size() && eq; ++k) eq = lower(name[k]) == want[k];
            if (eq) return decode_entities(value);
        }
        if (name.empty() && i < tag.size()) ++i;
    }
    return std::nullopt;
}

}  // namespace

std::vector<text::url_ref> html_links(std::string_view html, budget* bud) {
    std::vector<text::url_ref> links;
    std::size_t i = 0;
    struct open_anchor {
        std::string href;
        std::string text;
        bool open = false;
    } a;
    auto close_anchor = [&] {
        if (!a.open) return;
        std::string collapsed;
        bool space = false;
        for (char c : decode_entities(a.text)) {
            if (is_ws(c)) {
                space = !collapsed.empty();
                continue;
            }
            if (space) collapsed.push_back(' ');
            space = false;
            collapsed.push_back(c);
        }
        add_link(links, a.href.c_str(), std::move(collapsed));
        a = {};
    };
    while (i < html.size()) {
        // The message's time budget (core/budget.hpp): the links found so far stay.
        if (bud && bud->timed_out("HTML link scan")) break;
        std::size_t lt = html.find('<', i);
        if (a.open)
            a.text.append(html.substr(i, (lt == std::string_view::npos ? html.size() : lt) - i)
                              .substr(0, 400 > a.text.size() ? 400 - a.text.size() : 0));
        if (lt == std::string_view::npos) break;
        if (html.compare(lt, 4, "<!--") == 0) {
            std::size_t e = html.find("-->", lt + 4);
            i = e == std::string_view::npos ? html.size() : e + 3;
            continue;
        }
        std::size_t gt = html.find('>', lt + 1);
        if (gt == std::string_view::npos) break;
        std::string_view tag = html.substr(lt + 1, gt - lt - 1);
        i = gt + 1;
        bool closing = !tag.empty() && tag[0] == '/';
        if (closing) tag.remove_prefix(1);
        std::size_t ne = 0;
        while (ne < tag.size() && !is_ws(tag[ne]) && tag[ne] != '/') ++ne;
        std::string name(tag.substr(0, ne));
        for (char& c : name) c = lower(c);
        std::string_view rest = tag.substr(ne);
        if (name == "script" || name == "style") {
            if (closing) continue;
            std::string end = "</" + name;
            std::size_t e = i;
            // Case-insensitive search for the end tag.
            while ((e = html.find("</", e)) != std::string_view::npos) {
                bool match = true;
                for (std::size_t k = 2; k < end.size() && match; ++k)
                    match = e + k < html.size() && lower(html[e + k]) == end[k];
                if (match) break;
                e += 2;
            }
            i = e == std::string_view::npos ? html.size() : e;
            continue;
        }
        if (name == "a") {
            close_anchor();  // an unclosed <a> ends at the next one, as browsers do
            if (!closing) {
                if (auto href = tag_attr(rest, "href")) {
                    a.open = true;
                    a.href = std::move(*href);
                }
            }
        } else if (!closing && name == "area") {
            if (auto v = tag_attr(rest, "href")) add_link(links, v->c_str(), {});
        } else if (!closing && name == "img") {
            if (auto v = tag_attr(rest, "src")) add_link(links, v->c_str(), {});
        } else if (!closing && name == "form") {
            if (auto v = tag_attr(rest, "action")) add_link(links, v->c_str(), {});
        }
    }
    close_anchor();
    return links;
}

html_text html_to_text_gumbo(std::string_view html, std::size_t max_text, budget* bud, bool strip) {
    html_text result;
    arena mem;
    GumboOptions opts = kGumboDefaultOptions;
    opts.allocator = &arena::alloc_cb;
    opts.deallocator = &arena::free_cb;
    opts.userdata = &mem;
    opts.max_errors = 0;  // we never read parse errors; do not spend memory on them
    std::string bounded_copy;
    std::string_view input = bounded_nesting(html, bounded_copy);
    // Style and comment text, which the walk below never renders, is not
    // handed to gumbo (text/html_strip.hpp); not combined with a nesting rewrite.
    std::string stripped;
    if (strip && input.data() == html.data()) input = strip_for_gumbo(html, stripped);
    GumboOutput* output = gumbo_parse_with_options(&opts, input.data(), input.size());
    if (!output || !output->root) return result;

    renderer r(max_text);
    std::vector<frame> stack;
    stack.reserve(64);
    std::string anchor;
    const char* anchor_href = nullptr;
    int anchor_depth = -1;

    auto open = [&](const GumboNode* n) -> bool {  // false: skip the subtree
        const GumboElement& e = n->v.element;
        if (is_dropped(e.tag)) return false;
        if (is_outlook_separator(e))
            r.separator_line();
        else if (is_block(e.tag))
            r.block_break();
        switch (e.tag) {
        case GUMBO_TAG_BR: r.hard_break(); break;
        case GUMBO_TAG_HR: r.separator_line(); break;
        case GUMBO_TAG_BLOCKQUOTE: r.quote_in(); break;
        case GUMBO_TAG_PRE:
        case GUMBO_TAG_LISTING:
        case GUMBO_TAG_XMP:
        case GUMBO_TAG_PLAINTEXT: r.pre_in(); break;
        case GUMBO_TAG_TD:
        case GUMBO_TAG_TH: r.cell_sep(); break;
        case GUMBO_TAG_LI: {
            frame* list = nullptr;
            for (auto it = stack.rbegin(); it != stack.rend(); ++it) {
                auto t = it->node->v.element.tag;
                if (t == GUMBO_TAG_OL || t == GUMBO_TAG_UL || t == GUMBO_TAG_MENU || t == GUMBO_TAG_DIR) {
                    list = &*it;
                    break;
                }
            }
            if (list && list->node->v.element.tag == GUMBO_TAG_OL)
                r.bullet(std::to_string(++list->list_counter) + ". ");
            else
                r.bullet("- ");
            break;
        }
        case GUMBO_TAG_A:
            if (const char* href = attr(e, "href")) {
                anchor_href = href;
                anchor.clear();
                anchor_depth = static_cast<int>(stack.size());
            }
            break;
        case GUMBO_TAG_IMG: add_link(result.links, attr(e, "src"), {}); break;
        case GUMBO_TAG_FORM: add_link(result.links, attr(e, "action"), {}); break;
        case GUMBO_TAG_AREA: add_link(result.links, attr(e, "href"), {}); break;
        default: break;
        }
        return true;
    };
    auto close = [&](const GumboNode* n) {
        const GumboElement& e = n->v.element;
        switch (e.tag) {
        case GUMBO_TAG_BLOCKQUOTE: r.quote_out(); break;
        case GUMBO_TAG_PRE:
        case GUMBO_TAG_LISTING:
        case GUMBO_TAG_XMP:
        case GUMBO_TAG_PLAINTEXT: r.pre_out(); break;
        case GUMBO_TAG_A:
            if (anchor_href && anchor_depth == static_cast<int>(stack.size())) {
                add_link(result.links, anchor_href, std::move(anchor));
                anchor.clear();
                anchor_href = nullptr;
                anchor_depth = -1;
            }
            break;
        default:
            if (is_block(e.tag)) r.block_break();
            break;
        }
    };

    stack.push_back({output->root});
    open(output->root);
    while (!stack.empty()) {
        // The message's time budget: the text and links rendered so far stay.
        if (bud && bud->timed_out("HTML to text")) break;
        frame& f = stack.back();
        const GumboVector& kids = f.node->v.element.children;
        if (f.next_child >= kids.length) {
            const GumboNode* done = f.node;
            stack.pop_back();
            close(done);
            continue;
        }
        const auto* child = static_cast<const GumboNode*>(kids.data[f.next_child++]);
        switch (child->type) {
        case GUMBO_NODE_ELEMENT:
        case GUMBO_NODE_TEMPLATE:
            if (child->type == GUMBO_NODE_ELEMENT && open(child)) stack.push_back({child});
            break;
        case GUMBO_NODE_TEXT:
        case GUMBO_NODE_CDATA:
        case GUMBO_NODE_WHITESPACE:
            if (child->v.text.text) r.text(child->v.text.text, anchor_href ? &anchor : nullptr);
            break;
        default: break;  // comments, document
        }
    }
    result.text = r.take();
    // The arena owns every gumbo allocation; the output is not destroyed node by node.
    return result;
}

html_text html_to_text(std::string_view html, std::size_t max_text, budget* bud) {
    if (auto fast = html_to_text_fast(html, max_text, bud)) return std::move(*fast);
    return html_to_text_gumbo(html, max_text, bud);
}

}  // namespace replyguard::text
