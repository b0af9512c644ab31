// SPDX-License-Identifier: Apache-2.0
// attach/ooxml.cpp - Office Open XML packages (docx/docm/xlsx/xlsm/xlsb/pptx/vsdx/...)
//
// DESCRIPTION
//   libgsf's zip infile reads the package. A zip is OOXML when it has
//   [Content_Types].xml; otherwise analyse_ooxml() returns false and writes
//   nothing (the archive analyser handles plain zips). We look at:
//   - [Content_Types].xml: macro-enabled main types, vbaProject and macro sheet
//     parts (a renamed or moved part keeps its declared content type);
//   - every member that starts with the OLE magic (vbaProject.bin, also renamed
//     or moved, as olevba open_openxml does; embedded oleObject*.bin): analysed as
//     a nested OLE2 file;
//   - *.rels with TargetMode="External": attachedTemplate/frame/subDocument
//     (remote template injection), oleObject (linked OLE), others listed only;
//   - DDE (msodde): Word field codes in w:instrText / w:fldSimple starting with DDE
//     or DDEAUTO; SpreadsheetML ddeLink ddeService;
//   - XLM: xl/macrosheets/ parts and the sheet states in xl/workbook.xml.
//
// LIMITS
//   lim.archive_entries members; each member at most lim.archive_entry_bytes and
//   charged to the byte budget; XML is scanned textually (no DOM): attacker XML
//   cannot trigger entity expansion or deep recursion.
#include "attach/gsf_walk.hpp"
#include "attach/office_internal.hpp"
#include "core/strings.hpp"

#include <gsf/gsf.h>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <map>
#include <utility>

namespace replyguard::attach::office {
namespace {

constexpr int k_max_depth = 16;
// Matching tags read per part and tag name: real packages have a few thousand
// relationships or sheets at most; four million .rels entries are an attack on
// our memory (a map entry each), not a document.
constexpr std::size_t k_max_tags = 100'000;

struct member {
    std::string path;
    std::string data;  ///< empty when not read (uninteresting and not OLE)
    bool ole = false;
    bool truncated = false;
};

bool wanted(std::string_view lp) {
    return lp.ends_with(".xml") || lp.ends_with(".rels") || lp.starts_with("xl/macrosheets/") ||
           lp == "[content_types].xml";
}

struct zip_reader {
    office_ctx& c;
    std::vector<member> out;
    bool limited = false;

    void read_member(GsfInput* in, std::string path) {
        member m;
        m.path = std::move(path);
        const gsf_off_t size = gsf_input_size(in);
        const std::uint64_t declared = size > 0 ? static_cast<std::uint64_t>(size) : 0;
        std::uint64_t want = std::min<std::uint64_t>(declared, c.st.lim.archive_entry_bytes);
        guint8 magic[8];
        if (want >= 8 && gsf_input_read(in, 8, magic) && std::memcmp(magic, k_ole_magic.data(), 8) == 0) m.ole = true;
        if (!(m.ole || wanted(lower(m.path)))) {
            out.push_back(std::move(m));
            return;
        }
        m.truncated = want < declared;
        if (!take_budget(c.st, want)) {
            limited = true;
            m.truncated = true;
            out.push_back(std::move(m));
            return;
        }
        m.data.resize(static_cast<std::size_t>(want));
        if (want > 0 && (gsf_input_seek(in, 0, G_SEEK_SET) ||
                         !gsf_input_read(in, static_cast<size_t>(want), reinterpret_cast<guint8*>(m.data.data()))))
            m.data.clear();
        out.push_back(std::move(m));
    }
};

/// The five predefined XML entities replaced, in one pass: replacing them one by one
/// in place (std::string::replace per hit) is quadratic, and an attribute of ten
/// million `&amp;` then runs for minutes.
std::string xml_unescape(std::string_view s) {
    std::string v;
    v.reserve(s.size());
    static constexpr std::pair<std::string_view, char> k_entities[] = {
        {"&quot;", '"'}, {"&apos;", '\''}, {"&lt;", '<'}, {"&gt;", '>'}, {"&amp;", '&'}};
    for (std::size_t i = 0; i < s.size();) {
        if (s[i] == '&') {
            bool done = false;
            for (auto [from, to] : k_entities)
                if (s.substr(i, from.size()) == from) {
                    v.push_back(to);
                    i += from.size();
                    done = true;
                    break;
                }
            if (done) continue;
        }
        v.push_back(s[i++]);
    }
    return v;
}

/// Value of attribute `name` in the start tag `tag` (text from '<' to '>').
std::optional<std::string> attr(std::string_view tag, std::string_view name) {
    for (std::size_t p = tag.find(name); p != std::string_view::npos; p = tag.find(name, p + 1)) {
        if (p == 0 || !std::isspace(static_cast<unsigned char>(tag[p - 1]))) continue;
        std::size_t q = p + name.size();
        while (q < tag.size() && std::isspace(static_cast<unsigned char>(tag[q]))) ++q;
        if (q >= tag.size() || tag[q] != '=') continue;
        ++q;
        while (q < tag.size() && std::isspace(static_cast<unsigned char>(tag[q]))) ++q;
        if (q >= tag.size() || (tag[q] != '"' && tag[q] != '\'')) continue;
        const char quote = tag[q];
        const auto e = tag.find(quote, q + 1);
        if (e == std::string_view::npos) return std::nullopt;
        return xml_unescape(tag.substr(q + 1, e - q - 1));
    }
    return std::nullopt;
}

/// Call fn(tag) for every start tag whose local name is `local` (any or no prefix).
/// A tag ends at its '>'; a '<' before it means the tag is broken and is skipped
/// (it cannot hold one in well-formed XML), so every byte is looked at a bounded
/// number of times: `<Relationship <Relationship ...` repeated millions of times
/// used to search to the end of the part for each one (quadratic).
/// With `st`, the walk stops when the message's time limit has passed or after
/// `max_tags` matching tags; `*stopped` (when given) then says why.
enum class tag_stop { none, time, count };
template <class F>
void for_each_tag(std::string_view xml, std::string_view local, F&& fn, analysis_state* st = nullptr,
                  std::size_t max_tags = SIZE_MAX, tag_stop* stopped = nullptr) {
    std::size_t seen = 0;
    for (std::size_t p = xml.find('<'); p != std::string_view::npos; p = xml.find('<', p + 1)) {
        if (st && st->expired()) {
            if (stopped) *stopped = tag_stop::time;
            return;
        }
        std::size_t q = p + 1;
        std::size_t name_start = q;
        while (q < xml.size() &&
               (std::isalnum(static_cast<unsigned char>(xml[q])) || xml[q] == ':' || xml[q] == '_' || xml[q] == '-')) {
            if (xml[q] == ':') name_start = q + 1;
            ++q;
        }
        if (xml.substr(name_start, q - name_start) != local) continue;
        const auto e = xml.find_first_of("<>", q);
        if (e == std::string_view::npos) return;
        if (xml[e] == '<') {
            p = e - 1;  // broken tag: resume at the next '<'
            continue;
        }
        if (++seen > max_tags) {
            if (stopped) *stopped = tag_stop::count;
            return;
        }
        fn(xml.substr(p, e - p + 1), e + 1);
    }
}

std::string xml_text_unescape(std::string_view s) { return xml_unescape(s); }

/// First word of a field instruction, upper case ("DDEAUTO", "HYPERLINK", ...).
std::string field_keyword(std::string_view instr) {
    std::size_t i = 0;
    while (i < instr.size() && (std::isspace(static_cast<unsigned char>(instr[i])) || instr[i] == '"')) ++i;
    std::string w;
    while (i < instr.size() && std::isalpha(static_cast<unsigned char>(instr[i])))
        w.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(instr[i++]))));
    return w;
}

/// Word field instructions of one part: w:fldSimple/@w:instr and complex fields
/// (w:fldChar begin ... w:instrText ... end; runs are concatenated, fields may nest).
std::vector<std::string> word_fields(std::string_view xml, analysis_state* st, tag_stop* stopped) {
    std::vector<std::string> out;
    for_each_tag(
        xml, "fldSimple",
        [&](std::string_view tag, std::size_t) {
            if (auto v = attr(tag, "w:instr")) out.push_back(*v);
        },
        st, k_max_tags, stopped);
    std::vector<std::string> stack;
    std::size_t p = 0;
    while ((p = xml.find('<', p)) != std::string_view::npos && out.size() < 10000) {
        if (st && st->expired()) {
            if (stopped) *stopped = tag_stop::time;
            break;
        }
        const std::string_view rest = xml.substr(p);
        if (rest.starts_with("<w:fldChar")) {
            const auto e = xml.find('>', p);
            if (e == std::string_view::npos) break;
            const auto type = attr(xml.substr(p, e - p + 1), "w:fldCharType").value_or("");
            if (type == "begin" && stack.size() < 64)
                stack.emplace_back();
            else if (type == "end" && !stack.empty()) {
                out.push_back(std::move(stack.back()));
                stack.pop_back();
            }
            p = e;
        } else if (rest.starts_with("<w:instrText")) {
            const auto gt = xml.find('>', p);
            if (gt == std::string_view::npos) break;
            if (xml[gt - 1] != '/') {
                const auto end = xml.find("</w:instrText>", gt);
                if (end == std::string_view::npos) break;
                if (!stack.empty() && stack.back().size() < 65536)
                    stack.back() += xml_text_unescape(xml.substr(gt + 1, end - gt - 1));
                p = end;
            } else {
                p = gt;
            }
        } else {
            ++p;
        }
    }
    for (auto& s : stack) out.push_back(std::move(s));  // unterminated fields still count
    return out;
}

/// Resolve a relationship target against the folder of the part that owns the .rels.
std::string resolve(std::string_view rels_path, std::string_view target) {
    if (target.starts_with("/")) return std::string(target.substr(1));
    // "word/_rels/document.xml.rels" -> base "word/"
    std::string base(rels_path.substr(0, rels_path.find("_rels/")));
    std::string t(target);
    while (t.starts_with("../")) {
        t.erase(0, 3);
        if (!base.empty()) base.pop_back();
        const auto s = base.rfind('/');
        base = s == std::string::npos ? std::string() : base.substr(0, s + 1);
    }
    return base + t;
}

}  // namespace

std::optional<std::string> xml_attr(std::string_view tag, std::string_view name) { return attr(tag, name); }

std::vector<std::string_view> xml_tags(std::string_view xml, std::string_view local) {
    std::vector<std::string_view> out;
    for_each_tag(xml, local, [&](std::string_view tag, std::size_t) { out.push_back(tag); });
    return out;
}

bool analyse_ooxml(office_ctx& c, std::string_view data) {
    ensure_gsf();
    GsfInput* in =
        gsf_input_memory_new(reinterpret_cast<const guint8*>(data.data()), static_cast<gsf_off_t>(data.size()), FALSE);
    if (!in) return false;
    GError* err = nullptr;
    GsfInfile* zip = gsf_infile_zip_new(in, &err);
    if (err) g_error_free(err);
    if (!zip) {
        g_object_unref(in);
        return false;
    }
    // Not OOXML: leave it to the archive analyser before reading (and charging) anything.
    if (GsfInput* ct_probe = gsf_infile_child_by_name(zip, "[Content_Types].xml")) {
        g_object_unref(ct_probe);
    } else {
        g_object_unref(zip);
        g_object_unref(in);
        return false;
    }
    zip_reader r{c, {}, false};
    // Storages deeper than k_max_depth are skipped: a real package is two or three levels deep.
    const gsf_walk_result w = walk_gsf(zip, c.st.lim.archive_entries, k_max_depth,
                                       [&r](GsfInput* m, std::string path) { r.read_member(m, std::move(path)); });
    if (w.leaf_limit) r.limited = true;
    g_object_unref(zip);
    g_object_unref(in);

    const member* ct = nullptr;
    for (const auto& m : r.out)
        if (m.path == "[Content_Types].xml") ct = &m;
    if (!ct) return false;
    c.entry["parts"] = r.out.size();
    const std::string_view where = c.f.path.empty() ? c.f.name : std::string_view(c.f.path);
    if (r.limited) {
        c.entry["limits"].push_back("archive");
        limit_stop(c.st, c.rep, false,
                   fmt::format("OOXML package not fully read: more than {} parts or the byte budget "
                               "(limits.archive_bytes = {}) is spent",
                               c.st.lim.archive_entries, c.st.lim.archive_bytes),
                   where);
    }

    // Every walk over a part's tags checks the message's budget; the first stop is
    // reported once (the rest of the package is still looked at while time remains).
    tag_stop why = tag_stop::none;
    auto tags = [&](std::string_view xml, std::string_view local, auto&& fn) {
        tag_stop w = tag_stop::none;
        for_each_tag(xml, local, fn, &c.st, k_max_tags, &w);
        if (w != tag_stop::none && why == tag_stop::none) why = w;
    };
    auto out_of_time_now = [&] { return why == tag_stop::time || c.st.expired(); };

    // Content types: macro-enabled main part, vbaProject, macro sheets (also when renamed).
    // A macro-enabled main type alone is harmless (Word keeps it after the macros are
    // deleted); a declared vbaProject part is what the finding is about.
    std::vector<std::string> macro_types;
    std::vector<std::string> macrosheet_parts;
    bool vba_declared = false;
    auto content_type = [&](std::string_view tag) {
        const auto type = attr(tag, "ContentType").value_or("");
        const auto lt = lower(type);
        if (lt.find("macroenabled") != std::string::npos || lt.find("vbaproject") != std::string::npos)
            macro_types.push_back(utf8_clean(type, 256));
        if (lt.find("vbaproject") != std::string::npos) vba_declared = true;
        return lt;
    };
    tags(ct->data, "Override", [&](std::string_view tag, std::size_t) {
        const auto part = attr(tag, "PartName").value_or("");
        if (content_type(tag).find("macrosheet") != std::string::npos)
            macrosheet_parts.push_back(part.starts_with("/") ? part.substr(1) : part);
    });
    tags(ct->data, "Default", [&](std::string_view tag, std::size_t) { content_type(tag); });
    if (!macro_types.empty()) c.entry["macro_content_types"] = macro_types;
    if (vba_declared)
        emit(c, k_macro_enabled_type, "package declares a VBA project part", {{"content_types", macro_types}});

    // Relationships: external targets, and the workbook's sheet id -> part map.
    nlohmann::json external = nlohmann::json::array();
    std::map<std::string, std::string> workbook_rels;  // r:id -> part path
    for (const auto& m : r.out) {
        if (!m.path.ends_with(".rels") || out_of_time_now()) continue;
        const bool is_workbook = m.path == "xl/_rels/workbook.xml.rels";
        tags(m.data, "Relationship", [&](std::string_view tag, std::size_t) {
            const auto type = attr(tag, "Type").value_or("");
            const auto target = attr(tag, "Target").value_or("");
            const auto mode = attr(tag, "TargetMode").value_or("");
            if (is_workbook) workbook_rels[attr(tag, "Id").value_or("")] = resolve(m.path, target);
            if (mode != "External") return;
            const std::string kind = type.substr(type.rfind('/') == std::string::npos ? 0 : type.rfind('/') + 1);
            if (external.size() < 200)
                external.push_back({{"part", utf8_clean(m.path, 256)},
                                    {"type", utf8_clean(kind, 64)},
                                    {"target", utf8_clean(target, 1024)}});
            if (kind == "attachedTemplate" || kind == "frame" || kind == "subDocument")
                emit(c, k_external_template, "remote " + kind + ": " + target,
                     {{"type", utf8_clean(kind, 64)}, {"target", utf8_clean(target, 1024)}});
            else if (kind == "oleObject")
                emit(c, k_external_ole_link, "linked OLE object: " + target, {{"target", utf8_clean(target, 1024)}});
        });
    }
    if (!external.empty()) c.entry["external"] = external;

    // DDE: Word fields, SpreadsheetML DDE links.
    nlohmann::json dde = nlohmann::json::array();
    for (const auto& m : r.out) {
        if (m.data.empty() || !m.path.ends_with(".xml") || out_of_time_now()) continue;
        if (m.path.starts_with("word/")) {
            tag_stop w = tag_stop::none;
            const auto fields = word_fields(m.data, &c.st, &w);
            if (w != tag_stop::none && why == tag_stop::none) why = w;
            for (const auto& f : fields) {
                const auto kw = field_keyword(f);
                if ((kw == "DDE" || kw == "DDEAUTO") && dde.size() < 50)
                    dde.push_back({{"part", utf8_clean(m.path, 256)}, {"field", utf8_clean(f, 1024)}});
            }
        } else if (m.path.starts_with("xl/")) {
            tags(m.data, "ddeLink", [&](std::string_view tag, std::size_t) {
                if (dde.size() < 50)
                    dde.push_back({{"part", utf8_clean(m.path, 256)},
                                   {"service", utf8_clean(attr(tag, "ddeService").value_or(""), 256)},
                                   {"topic", utf8_clean(attr(tag, "ddeTopic").value_or(""), 1024)}});
            });
        }
    }
    if (!dde.empty()) {
        c.entry["dde"] = dde;
        const auto& d0 = dde.front();
        emit(c, k_dde,
             "DDE: " + (d0.contains("field") ? d0["field"].get<std::string>()
                                             : d0["service"].get<std::string>() + "|" + d0["topic"].get<std::string>()),
             {{"dde", dde}});
    }

    // XLM: sheet states from the workbook, then every macro sheet part.
    std::map<std::string, std::string> states;  // part path -> state
    for (const auto& m : r.out) {
        if (m.path != "xl/workbook.xml" || out_of_time_now()) continue;
        tags(m.data, "sheet", [&](std::string_view tag, std::size_t) {
            const auto id = attr(tag, "r:id").value_or("");
            const auto st = attr(tag, "state").value_or("visible");
            if (auto it = workbook_rels.find(id); it != workbook_rels.end())
                states[it->second] = st == "veryHidden" ? "very hidden" : st;
        });
    }
    for (const auto& m : r.out) {
        if (out_of_time_now()) break;
        const bool macrosheet =
            (m.path.starts_with("xl/macrosheets/") && !m.path.ends_with(".rels") &&
             m.path.find("binaryIndex") == std::string::npos) ||
            std::find(macrosheet_parts.begin(), macrosheet_parts.end(), m.path) != macrosheet_parts.end();
        if (!macrosheet) continue;
        const auto it = states.find(m.path);
        analyse_xlm_part(c, m.path, m.data, it == states.end() ? std::string_view() : std::string_view(it->second));
    }

    // OLE members: vbaProject.bin (wherever it is and however it is named), embedded objects.
    nlohmann::json ole_members = nlohmann::json::array();
    for (const auto& m : r.out) {
        if (!m.ole || m.data.empty()) continue;
        if (out_of_time(c.st, c.rep, "OOXML analysis", where)) break;
        ole_members.push_back(utf8_clean(m.path, 256));
        analyse_nested(c, m.data, "/" + m.path);
    }
    if (!ole_members.empty()) c.entry["ole_members"] = ole_members;
    if (why == tag_stop::time || c.st.expired()) {
        c.entry["limits"].push_back("time");
        out_of_time(c.st, c.rep, "OOXML XML parsing", where);
        if (why == tag_stop::time)  // expired() is sticky, but say so even without a budget
            limit_stop(c.st, c.rep, true, "OOXML XML parsing stopped at the per-message time limit", where);
    } else if (why == tag_stop::count) {
        c.entry["limits"].push_back("tags");
        limit_stop(c.st, c.rep, false,
                   fmt::format("OOXML part with more than {} tags of one kind: the rest was not read", k_max_tags),
                   where);
    }
    return true;
}

}  // namespace replyguard::attach::office
