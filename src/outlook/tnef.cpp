// SPDX-License-Identifier: Apache-2.0
// outlook/tnef.cpp - TNEF through libytnef.
#include "outlook/tnef.hpp"

#include "outlook/mapi.hpp"

#if REPLYGUARD_HAVE_YTNEF
extern "C" {
#include <ytnef.h>
}
#endif

#include <cstring>
#include <vector>

namespace replyguard::outlook {

#if REPLYGUARD_HAVE_YTNEF

namespace {

struct tnef_guard {
    TNEFStruct t;
    tnef_guard() { TNEFInitialize(&t); }
    ~tnef_guard() { TNEFFree(&t); }
    tnef_guard(const tnef_guard&) = delete;
    tnef_guard& operator=(const tnef_guard&) = delete;
};

std::string bytes_of(const variableLength* v) {
    if (!v || v == MAPI_UNDEFINED || !v->data || v->size <= 0) return {};
    return std::string(reinterpret_cast<const char*>(v->data), static_cast<std::size_t>(v->size));
}

// The properties of a TNEF MAPI property list, strings decoded to UTF-8.
property_map to_props(const MAPIProps& mp, std::uint32_t cp) {
    property_map out;
    for (DWORD i = 0; i < mp.count; ++i) {
        const MAPIProperty& p = mp.properties[i];
        if (p.custom || p.count < 1 || !p.data) continue;
        auto type = static_cast<std::uint16_t>(PROP_TYPE(p.id));
        auto id = static_cast<std::uint16_t>(PROP_ID(p.id));
        if (id >= 0x8000 || (type & 0x1000) || out.contains(id)) continue;
        std::string v = bytes_of(&p.data[0]);
        if (type == pt_unicode) v = utf16le_to_utf8(v);
        else if (type == pt_string8) {
            while (!v.empty() && v.back() == '\0') v.pop_back();
            v = codepage_to_utf8(v, cp);
        }
        out.emplace(id, property{type, std::move(v)});
    }
    return out;
}

std::uint32_t codepage_of(const TNEFStruct& t) {
    for (unsigned id : {0x3FDEu, 0x3FFDu}) {
        variableLength* v = MAPIFindProperty(const_cast<MAPIProps*>(&t.MapiProperties), PROP_TAG(PT_LONG, id));
        if (v != MAPI_UNDEFINED && v && v->size >= 4) {
            std::uint32_t cp = 0;
            std::memcpy(&cp, v->data, 4);
            if (cp) return cp;
        }
    }
    return 1252;
}

std::string attachment_name(Attachment* a, std::uint32_t cp) {
    for (unsigned type : {PT_UNICODE, PT_STRING8}) {
        variableLength* v = MAPIFindProperty(&a->MAPI, PROP_TAG(type, 0x3707));
        if (v == MAPI_UNDEFINED) v = MAPIFindProperty(&a->MAPI, PROP_TAG(type, 0x3704));
        if (v != MAPI_UNDEFINED && v && v->size > 0) {
            std::string s = bytes_of(v);
            s = type == PT_UNICODE ? utf16le_to_utf8(s) : codepage_to_utf8(std::string(s.c_str()), cp);
            if (!s.empty()) return s;
        }
    }
    return codepage_to_utf8(std::string(bytes_of(&a->Title).c_str()), cp);
}

result<tnef_content> parse(std::string_view data, int depth, mapi_message* as_message);

}  // namespace

namespace {

result<tnef_content> parse(std::string_view data, int depth, mapi_message* as_message) {
    if (!is_tnef(data)) return fail(errc::parse, "not a TNEF stream");
    tnef_guard g;
    // libytnef reads from the buffer only; its API takes a non-const pointer.
    std::vector<BYTE> copy(data.begin(), data.end());
    if (TNEFParseMemory(copy.data(), static_cast<long>(copy.size()), &g.t) < 0 && !g.t.starting_attach.next)
        return fail(errc::parse, "damaged TNEF stream (winmail.dat)");
    const std::uint32_t cp = codepage_of(g.t);
    tnef_content out;
    if (as_message) {
        as_message->props = to_props(g.t.MapiProperties, cp);
        if (!as_message->props.contains(pr_subject) && g.t.subject.size > 0)
            as_message->props.emplace(pr_subject, property{pt_string8, codepage_to_utf8(bytes_of(&g.t.subject), cp)});
        if (!as_message->props.contains(pr_body) && g.t.body.size > 0)
            as_message->props.emplace(pr_body, property{pt_string8, codepage_to_utf8(bytes_of(&g.t.body), cp)});
    }
    std::size_t n = 0;
    for (Attachment* a = g.t.starting_attach.next; a && n < k_max_tnef_items; a = a->next, ++n) {
        std::string name = attachment_name(a, cp);
        variableLength* obj = MAPIFindProperty(&a->MAPI, PROP_TAG(PT_OBJECT, 0x3701));
        std::string bytes = obj != MAPI_UNDEFINED ? bytes_of(obj) : bytes_of(&a->FileData);
        // An attached message: a TNEF stream after the 16-byte IID_IMessage.
        if (obj != MAPI_UNDEFINED && bytes.size() > 16 && is_tnef(std::string_view(bytes).substr(16))) {
            if (depth + 1 >= k_max_embedded_depth) continue;
            mapi_message inner;
            auto sub = parse(std::string_view(bytes).substr(16), depth + 1, &inner);
            if (!sub) continue;
            for (auto& f : sub->files) {
                mapi_attachment ia;
                ia.props.emplace(pr_attach_long_filename, property{pt_unicode, f.name});
                ia.data = std::move(f.data);
                inner.attachments.push_back(std::move(ia));
            }
            ex_map ex;
            collect_ex_addresses(inner, ex);
            rebuild_options ro;
            ro.ex_to_smtp = &ex;
            ro.depth = depth + 1;
            out.messages.push_back(to_rfc822(inner, ro));
            for (auto& m : sub->messages) out.messages.push_back(std::move(m));
            continue;
        }
        if (obj != MAPI_UNDEFINED && bytes.size() > 16 && is_ole2(std::string_view(bytes).substr(16)))
            bytes = bytes.substr(16);  // an OLE object: IID then the compound file
        if (bytes.empty() && name.empty()) continue;
        if (as_message) {
            mapi_attachment ia;
            ia.props = to_props(a->MAPI, cp);
            ia.props.erase(pr_attach_data);
            ia.props[pr_attach_long_filename] = property{pt_unicode, name};
            ia.data = bytes;
            as_message->attachments.push_back(std::move(ia));
        } else {
            out.files.push_back(tnef_file{std::move(name), std::move(bytes)});
        }
    }
    return out;
}

}  // namespace

result<tnef_content> read_tnef(std::string_view data, int depth) { return parse(data, depth, nullptr); }

bool tnef_supported() noexcept { return true; }

#else

result<tnef_content> read_tnef(std::string_view, int) {
    return fail(errc::unsupported, "this build cannot open TNEF (winmail.dat): built without libytnef");
}

bool tnef_supported() noexcept { return false; }

#endif

}  // namespace replyguard::outlook
