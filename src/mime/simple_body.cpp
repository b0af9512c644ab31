// SPDX-License-Identifier: Apache-2.0
// mime/simple_body.cpp - a top-level single text part read without GMime's parser (see simple_body.hpp)
#include "mime/simple_body.hpp"

#include "core/strings.hpp"
#include "mime/header_decode.hpp"

#include <gmime/gmime.h>

#include <array>
#include <vector>

namespace replyguard::mime {
namespace {

// RFC 2045 token bytes: printable ASCII but the tspecials.
constexpr std::array<bool, 256> k_token = [] {
    std::array<bool, 256> t{};
    for (int c = 0x21; c < 0x7f; ++c) t[static_cast<std::size_t>(c)] = true;
    for (char c : std::string_view("()<>@,;:\\\"/[]?=")) t[static_cast<unsigned char>(c)] = false;
    return t;
}();

/// Printable ASCII, blanks and line breaks only; no encoded word, no backslash:
/// nothing GMime would decode, convert or unescape.
bool plain_value(std::string_view v) {
    for (char ch : v) {
        const auto c = static_cast<unsigned char>(ch);
        if (c >= 0x7f || (c < 0x20 && !gmime_lwsp(ch)) || ch == '\\') return false;
    }
    return v.find("=?") == std::string_view::npos;
}

struct cursor {
    std::string_view s;
    std::size_t i = 0;
    void skip_lwsp() {
        while (i < s.size() && gmime_lwsp(s[i])) ++i;
    }
    std::string_view token() {
        const std::size_t b = i;
        while (i < s.size() && k_token[static_cast<unsigned char>(s[i])]) ++i;
        return s.substr(b, i - b);
    }
    bool eat(char c) {
        if (i < s.size() && s[i] == c) {
            ++i;
            return true;
        }
        return false;
    }
    bool done() const { return i >= s.size(); }
};

/// At most this many parameters in a Content-Type taken here (more: GMime's path).
constexpr std::size_t k_max_parameters = 16;

/// Names seen once each, at most N, compared in any case; no allocation (it runs
/// for most messages).
template <std::size_t N>
struct once_each {
    std::array<std::string_view, N> seen{};
    std::size_t n = 0;
    /// False when `name` was seen before or N names are held already.
    bool add(std::string_view name) {
        for (std::size_t i = 0; i < n; ++i)
            if (ieq(seen[i], name)) return false;
        if (n == N) return false;
        seen[n++] = name;
        return true;
    }
};
/// At most this many fields in a subpart's header block (as at the top level).
constexpr std::size_t k_max_subpart_fields = 8;

/// type "/" subtype *(";" attribute "=" value) [";"], blanks and folds between
/// the items; values a token or a quoted string without escapes.
bool read_content_type(std::string_view raw, simple_body& b, bool multipart_too) {
    cursor c{raw};
    c.skip_lwsp();
    const std::string_view type = c.token();
    if (type.empty() || !c.eat('/')) return false;
    const std::string_view subtype = c.token();
    if (subtype.empty()) return false;
    const bool text = ieq(type, "text") && (ieq(subtype, "plain") || ieq(subtype, "html"));
    const bool multi =
        multipart_too && ieq(type, "multipart") && (ieq(subtype, "alternative") || ieq(subtype, "mixed"));
    if (!text && !multi) return false;
    b.type = std::string(type);
    b.subtype = std::string(subtype);
    once_each<k_max_parameters> names;
    for (;;) {
        c.skip_lwsp();
        if (c.done()) return true;
        if (!c.eat(';')) return false;
        c.skip_lwsp();
        if (c.done()) return true;  // a trailing ';'
        const std::string_view name = c.token();
        if (name.empty() || name.find('*') != std::string_view::npos || ieq(name, "name")) return false;
        // A name twice: GMime warns (PARAMETER_DUPLICATED). A subpart's fields are
        // not bounded by bound_headers: the check must not turn a value of a
        // million parameters quadratic, hence the bound.
        if (!names.add(name)) return false;
        c.skip_lwsp();
        if (!c.eat('=')) return false;
        c.skip_lwsp();
        std::string_view value;
        if (c.eat('"')) {
            const std::size_t e = c.s.find('"', c.i);
            if (e == std::string_view::npos) return false;
            value = c.s.substr(c.i, e - c.i);
            if (value.find_first_of("\r\n") != std::string_view::npos) return false;
            c.i = e + 1;
        } else {
            value = c.token();
            if (value.empty()) return false;
        }
        if (ieq(name, "charset")) b.charset = std::string(value);
        if (ieq(name, "boundary")) b.boundary = std::string(value);
    }
}

}  // namespace

std::optional<simple_body> read_simple_body(std::span<const raw_field> content_fields, bool multipart_too) {
    simple_body b;
    b.type = "text";
    b.subtype = "plain";  // GMime's type for a part without Content-Type
    bool seen_type = false, seen_encoding = false, seen_disposition = false;
    once_each<4> others;  // Content-* fields other than the three above
    for (const raw_field& f : content_fields) {
        if (!plain_value(f.raw)) return std::nullopt;
        if (ieq(f.name, "Content-Type")) {
            if (seen_type || !read_content_type(f.raw, b, multipart_too)) return std::nullopt;
            seen_type = true;
        } else if (ieq(f.name, "Content-Transfer-Encoding")) {
            if (seen_encoding) return std::nullopt;
            seen_encoding = true;
            // The value GMime gives (g_mime_header_get_value: unfolded, trimmed;
            // nothing to decode in a plain value), then its name for the encoding.
            b.transfer_encoding = gmime_unfold(f.raw);
            if (b.transfer_encoding.empty()) return std::nullopt;
            for (char ch : b.transfer_encoding)
                if (!k_token[static_cast<unsigned char>(ch)]) return std::nullopt;
            switch (g_mime_content_encoding_from_string(b.transfer_encoding.c_str())) {
            case GMIME_CONTENT_ENCODING_7BIT:
            case GMIME_CONTENT_ENCODING_8BIT:
            case GMIME_CONTENT_ENCODING_BINARY: b.decode = simple_body::coding::raw; break;
            case GMIME_CONTENT_ENCODING_BASE64: b.decode = simple_body::coding::base64; break;
            case GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE: b.decode = simple_body::coding::quoted_printable; break;
            default: return std::nullopt;  // unknown names, uuencode: GMime's data wrapper
            }
        } else if (ieq(f.name, "Content-Disposition")) {
            // "inline" alone: no file name, and walk_leaf's text branch either way.
            if (seen_disposition || !ieq(gmime_unfold(f.raw), "inline")) return std::nullopt;
            seen_disposition = true;
        } else {
            // -Length, -Class, -Description, -Language, -ID, -Location: GMime keeps
            // them with the part, and nothing of a text part reads them. Once each.
            if (!others.add(f.name)) return std::nullopt;
        }
    }
    if (ieq(b.type, "multipart")) {
        // GMime reads no transfer encoding for a multipart's own bytes; take only
        // those that say there is none, and a boundary to split on.
        if (b.boundary.empty() || b.decode != simple_body::coding::raw) return std::nullopt;
    }
    return b;
}

namespace {

/// GMime's boundary test (gmime-parser.c is_boundary after check_boundary drops
/// one CR before the line break): `line` starts with `marker` and the rest is
/// linear white space.
bool is_boundary_line(std::string_view line, std::string_view marker) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!line.starts_with(marker)) return false;
    for (char c : line.substr(marker.size()))
        if (!gmime_lwsp(c)) return false;
    return true;
}

enum class line_kind { text, boundary, end };

struct line_reader {
    std::string_view s;
    std::size_t pos = 0;
    std::string_view delimiter, close;  // "--" boundary, and with "--" after it

    /// The next line from `pos` (without its line break; `nl`: whether it had one).
    std::string_view next(bool& nl) {
        const std::size_t e = s.find('\n', pos);
        nl = e != std::string_view::npos;
        const std::string_view line = s.substr(pos, (nl ? e : s.size()) - pos);
        pos = nl ? e + 1 : s.size();
        return line;
    }
    line_kind kind(std::string_view line) const {
        if (line.size() < 2 || line[0] != '-' || line[1] != '-') return line_kind::text;
        if (is_boundary_line(line, close)) return line_kind::end;  // GMime checks the end first
        if (is_boundary_line(line, delimiter)) return line_kind::boundary;
        return line_kind::text;
    }
    /// Lines up to the next boundary line: the content before it, with the line
    /// break GMime gives the boundary taken off (two bytes when the boundary line
    /// ends in CR LF, else one: gmime-parser.c parser_scan_content). nullopt at the
    /// end of the input (GMime: a truncated multipart, with a warning).
    std::optional<std::pair<std::string_view, line_kind>> content() {
        const std::size_t begin = pos;
        while (pos < s.size()) {
            const std::size_t line_start = pos;
            bool nl = false;
            const std::string_view line = next(nl);
            const line_kind k = kind(line);
            if (k == line_kind::text) continue;
            std::size_t len = line_start - begin;
            if (len > 0) {
                const std::size_t cut = (nl && !line.empty() && line.back() == '\r') ? 2 : 1;
                if (len < cut) return std::nullopt;  // GMime's seek would go before the start
                len -= cut;
            }
            if (!nl && k == line_kind::boundary) return std::nullopt;  // nothing after it
            return std::make_pair(s.substr(begin, len), k);
        }
        return std::nullopt;
    }
    /// A subpart's header block: Content-* fields only, each a name of printable
    /// ASCII but ':' right before ':', continuation lines starting with a blank,
    /// ended by an empty line. Anything else: false (GMime's path).
    bool fields(std::vector<raw_field>& out) {
        out.clear();
        while (pos < s.size()) {
            bool nl = false;
            const std::size_t start = pos;
            std::string_view line = next(nl);
            if (!nl) return false;
            if (line.empty() || line == "\r") return !out.empty();
            const std::size_t colon = line.find(':');
            if (colon == std::string_view::npos || colon == 0) return false;
            const std::string_view name = line.substr(0, colon);
            for (char c : name)
                if (c < 0x21 || c > 0x7e) return false;  // printable ASCII (no blank before ':')
            if (name.size() < 8 || !ieq(name.substr(0, 8), "Content-")) return false;
            if (out.size() == k_max_subpart_fields) return false;  // read_simple_body takes no more
            // Continuation lines belong to the value (with their line breaks, as GMime's raw value).
            std::size_t end = pos;
            while (end < s.size() && (s[end] == ' ' || s[end] == '\t')) {
                const std::size_t e = s.find('\n', end);
                if (e == std::string_view::npos) return false;
                end = e + 1;
            }
            pos = end;
            out.push_back({name, s.substr(start + colon + 1, end - (start + colon + 1))});
        }
        return false;
    }
};

}  // namespace

std::optional<std::vector<simple_subpart>> split_simple_multipart(std::string_view body, std::string_view boundary) {
    const std::string delimiter = "--" + std::string(boundary);
    const std::string close = delimiter + "--";
    line_reader r{body, 0, delimiter, close};
    // The prologue, up to the first boundary (GMime keeps it with the multipart;
    // nothing of the model reads it).
    auto first = r.content();
    if (!first || first->second != line_kind::boundary) return std::nullopt;
    std::vector<simple_subpart> parts;
    std::vector<raw_field> fields;
    for (;;) {
        if (parts.size() == k_max_simple_subparts || !r.fields(fields)) return std::nullopt;
        auto b = read_simple_body(fields);
        if (!b) return std::nullopt;
        auto c = r.content();
        if (!c) return std::nullopt;
        parts.push_back({std::move(*b), c->first});
        if (c->second == line_kind::end) return parts;  // the epilogue is not read either
    }
}

std::string decode_simple_body(std::string_view content, simple_body::coding c) {
    if (c == simple_body::coding::raw) return std::string(content);
    GMimeEncoding state;
    g_mime_encoding_init_decode(&state, c == simple_body::coding::base64 ? GMIME_CONTENT_ENCODING_BASE64
                                                                         : GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
    std::string out(g_mime_encoding_outlen(&state, content.size()), '\0');
    // One step over the whole input: the decoders are state machines, so GMime's
    // filter calling them on 4 KB chunks gives the same bytes (its flush is a step).
    const std::size_t n = g_mime_encoding_step(&state, content.data(), content.size(), out.data());
    out.resize(n);
    return out;
}

}  // namespace replyguard::mime
