// SPDX-License-Identifier: Apache-2.0
// outlook/tnef.cpp - TNEF (MS-OXTNEF) reader.
//
// DESCRIPTION
//   Our own reader rather than Debian's libytnef: libytnef prints its errors on
//   standard output (where `scan --format jsonl` writes its records) whatever
//   its debug setting, and it is GPL-2+ while replyguard is Apache-2.0. The
//   format is small: a signature and key, then attributes (level, id, size,
//   data, checksum); attAttachRendData starts an attachment, attAttachTitle /
//   attAttachData give its name and bytes, attAttachment its MAPI properties
//   (MS-OXTNEF 2.1.3.4: a counted list, named properties with their GUID and
//   id or name, variable-size values counted and padded to 4 bytes), in which
//   PR_ATTACH_DATA_OBJ holds an attached message as IID_IMessage + a nested
//   TNEF stream. attMsgProps and attRecipTable give the message's own
//   properties and recipients.
// LIMITS
//   Checksums are not enforced (malformed is data); a size past the end stops
//   the read with what was read so far; k_max_tnef_items attachments.
#include "outlook/tnef.hpp"

#include "outlook/mapi.hpp"

#include <cstring>

namespace replyguard::outlook {

namespace {

constexpr std::uint32_t att_attach_rend_data = 0x00069002;
constexpr std::uint32_t att_attach_title = 0x00018010;
constexpr std::uint32_t att_attach_data = 0x0006800F;
constexpr std::uint32_t att_attachment = 0x00069005;
constexpr std::uint32_t att_msg_props = 0x00069003;
constexpr std::uint32_t att_recip_table = 0x00069004;
constexpr std::uint32_t att_subject = 0x00018004;
constexpr std::uint32_t att_body = 0x0002800C;
constexpr std::uint32_t att_oem_codepage = 0x00069007;
constexpr std::size_t k_max_props = 4096;

struct cursor {
    std::string_view d;
    std::size_t p = 0;
    bool ok = true;
    bool need(std::size_t n) {
        if (!ok || p > d.size() || d.size() - p < n) ok = false;
        return ok;
    }
    std::uint32_t u32() {
        if (!need(4)) return 0;
        std::uint32_t v = static_cast<unsigned char>(d[p]) | (static_cast<unsigned char>(d[p + 1]) << 8) |
                          (static_cast<unsigned char>(d[p + 2]) << 16) |
                          (std::uint32_t(static_cast<unsigned char>(d[p + 3])) << 24);
        p += 4;
        return v;
    }
    std::uint16_t u16() {
        if (!need(2)) return 0;
        auto v =
            static_cast<std::uint16_t>(static_cast<unsigned char>(d[p]) | (static_cast<unsigned char>(d[p + 1]) << 8));
        p += 2;
        return v;
    }
    std::string_view bytes(std::size_t n) {
        if (!need(n)) return {};
        auto v = d.substr(p, n);
        p += n;
        return v;
    }
};

std::size_t fixed_size(std::uint16_t type) {
    switch (type & 0x0FFF) {
    case 0x0002:
    case 0x000B:
    case 0x0003:
    case 0x0004:
    case 0x000A: return 4;  // short/bool padded to 4
    case 0x0005:
    case 0x0006:
    case 0x0007:
    case 0x0014:
    case 0x0040: return 8;
    case 0x0048: return 16;
    default: return 0;
    }
}

// A MAPI property list (count, then properties). Strings stay raw here.
property_map read_props(std::string_view data, std::size_t* consumed = nullptr) {
    property_map out;
    cursor c{data};
    std::uint32_t n = c.u32();
    for (std::uint32_t i = 0; i < n && i < k_max_props && c.ok; ++i) {
        std::uint16_t type = c.u16();
        std::uint16_t id = c.u16();
        if (id >= 0x8000) {  // named: GUID, kind, id or name
            c.bytes(16);
            std::uint32_t kind = c.u32();
            if (kind == 0)
                c.u32();
            else {
                std::uint32_t len = c.u32();
                c.bytes(len);
                if (c.ok && len % 4) c.p = std::min(c.p + (4 - len % 4), data.size());
            }
        }
        const bool mv = type & 0x1000;
        const std::uint16_t base = type & 0x0FFF;
        std::string first;
        if (std::size_t fs = fixed_size(base)) {
            std::uint32_t count = mv ? c.u32() : 1;
            for (std::uint32_t k = 0; k < count && c.ok; ++k) {
                auto v = c.bytes(fs);
                if (k == 0) first = std::string(v);
            }
        } else if (base == pt_string8 || base == pt_unicode || base == pt_binary || base == pt_object) {
            std::uint32_t count = c.u32();
            for (std::uint32_t k = 0; k < count && c.ok; ++k) {
                std::uint32_t len = c.u32();
                auto v = c.bytes(len);
                if (k == 0) first = std::string(v);
                // Padding to 4 bytes; a last value may end without it.
                if (c.ok && len % 4) c.p = std::min(c.p + (4 - len % 4), data.size());
            }
        } else {
            break;  // an unknown type: its size is unknown, the rest cannot be read
        }
        if (!c.ok) break;
        if (id < 0x8000 && !mv && !out.contains(id)) out.emplace(id, property{base, std::move(first)});
    }
    if (consumed) *consumed = std::min(c.p, data.size());
    return out;
}

void decode_strings(property_map& p, std::uint32_t cp) {
    for (auto& [id, v] : p) {
        if (v.type == pt_unicode)
            v.value = utf16le_to_utf8(v.value);
        else if (v.type == pt_string8)
            v.value = codepage_to_utf8(std::string(v.value.c_str()), cp);
    }
}

struct raw_attachment {
    std::string title, data;
    property_map props;
};

struct raw_tnef {
    property_map msg;
    std::vector<property_map> recips;
    std::vector<raw_attachment> atts;
    std::string subject, body;
    std::uint32_t oem_cp = 0;
};

result<raw_tnef> parse_stream(std::string_view data) {
    if (!is_tnef(data)) return fail(errc::parse, "not a TNEF stream (no signature)");
    cursor c{data, 6};
    raw_tnef t;
    while (c.p < data.size()) {
        std::size_t at = c.p;
        c.bytes(1);  // level
        std::uint32_t id = c.u32();
        std::uint32_t size = c.u32();
        auto v = c.bytes(size);
        c.u16();  // checksum (not enforced)
        if (!c.ok) {
            if (at == 6) return fail(errc::parse, "damaged TNEF stream (winmail.dat): no readable attribute");
            break;  // truncated: keep what was read
        }
        switch (id) {
        case att_attach_rend_data:
            if (t.atts.size() >= k_max_tnef_items) return t;
            t.atts.emplace_back();
            break;
        case att_attach_title:
            if (!t.atts.empty()) t.atts.back().title = std::string(v.substr(0, v.find('\0')));
            break;
        case att_attach_data:
            if (!t.atts.empty()) t.atts.back().data = std::string(v);
            break;
        case att_attachment:
            if (!t.atts.empty()) t.atts.back().props = read_props(v);
            break;
        case att_msg_props: t.msg = read_props(v); break;
        case att_recip_table: {
            cursor rc{v};
            std::uint32_t rows = rc.u32();
            for (std::uint32_t r = 0; r < rows && r < k_max_tnef_items && rc.ok && rc.p < v.size(); ++r) {
                std::size_t used = 0;
                t.recips.push_back(read_props(v.substr(rc.p), &used));
                if (used == 0) break;
                rc.p += used;
            }
            break;
        }
        case att_subject: t.subject = std::string(v.substr(0, v.find('\0'))); break;
        case att_body: t.body = std::string(v.substr(0, v.find('\0'))); break;
        case att_oem_codepage:
            if (v.size() >= 4) std::memcpy(&t.oem_cp, v.data(), 4);
            break;
        default: break;
        }
    }
    return t;
}

std::uint32_t codepage_of(const raw_tnef& t) {
    for (auto id : {pr_internet_cpid, pr_message_codepage})
        if (auto v = get_u32(t.msg, id); v && *v) return *v;
    return t.oem_cp ? t.oem_cp : 1252;
}

result<tnef_content> parse(std::string_view data, int depth, mapi_message* as_message) {
    auto raw = parse_stream(data);
    if (!raw) return std::unexpected(raw.error());
    const std::uint32_t cp = codepage_of(*raw);
    if (as_message) {
        as_message->props = raw->msg;
        decode_strings(as_message->props, cp);
        if (!as_message->props.contains(pr_subject) && !raw->subject.empty())
            as_message->props.emplace(pr_subject, property{pt_string8, codepage_to_utf8(raw->subject, cp)});
        if (!as_message->props.contains(pr_body) && !raw->body.empty())
            as_message->props.emplace(pr_body, property{pt_string8, codepage_to_utf8(raw->body, cp)});
        for (auto& r : raw->recips) {
            decode_strings(r, cp);
            as_message->recipients.push_back(std::move(r));
        }
    }
    tnef_content out;
    for (auto& a : raw->atts) {
        auto obj = a.props.find(pr_attach_data);
        std::string_view bytes = a.data;
        bool object = obj != a.props.end() && obj->second.type == pt_object;
        if (object) bytes = obj->second.value;
        decode_strings(a.props, cp);
        std::string name = get_string(a.props, pr_attach_long_filename).value_or("");
        if (name.empty()) name = get_string(a.props, pr_attach_filename).value_or("");
        if (name.empty()) name = codepage_to_utf8(a.title, cp);
        // An attached message: IID_IMessage, then a TNEF stream.
        if (object && bytes.size() > 16 && is_tnef(bytes.substr(16))) {
            if (depth + 1 >= k_max_embedded_depth) continue;
            mapi_message inner;
            auto sub = parse(bytes.substr(16), depth + 1, &inner);
            if (!sub) continue;
            ex_map ex;
            collect_ex_addresses(inner, ex);
            rebuild_options ro;
            ro.ex_to_smtp = &ex;
            ro.depth = depth + 1;
            out.messages.push_back(to_rfc822(inner, ro));
            for (auto& m : sub->messages) out.messages.push_back(std::move(m));
            continue;
        }
        if (object && bytes.size() > 16) bytes = bytes.substr(16);  // an OLE object: IID, then its bytes
        if (bytes.empty() && name.empty()) continue;
        if (as_message) {
            mapi_attachment ia;
            ia.props = a.props;
            ia.props.erase(pr_attach_data);
            ia.props[pr_attach_long_filename] = property{pt_unicode, name};
            ia.data = std::string(bytes);
            as_message->attachments.push_back(std::move(ia));
        } else {
            out.files.push_back(tnef_file{std::move(name), std::string(bytes)});
        }
    }
    return out;
}

}  // namespace

result<tnef_content> read_tnef(std::string_view data, int depth) { return parse(data, depth, nullptr); }

}  // namespace replyguard::outlook
