// SPDX-License-Identifier: Apache-2.0
// outlook/msg.cpp - .msg (MS-OXMSG) through libgsf.
#include "outlook/msg.hpp"

#include <fmt/format.h>
#include <gsf/gsf.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <mutex>

namespace replyguard::outlook {

namespace {

// libgsf reports damaged files through g_log on stderr; a damaged .msg is data here
// (read_msg says what it could not read), as in attach/ole.cpp.
void quiet(const gchar*, GLogLevelFlags, const gchar*, gpointer) {}

void gsf_init_once() {
    static std::once_flag once;
    std::call_once(once, [] {
        gsf_init();
        for (const char* domain : {"libgsf", "libgsf:msole"})
            g_log_set_handler(domain,
                              static_cast<GLogLevelFlags>(G_LOG_LEVEL_WARNING | G_LOG_LEVEL_CRITICAL |
                                                          G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO | G_LOG_LEVEL_DEBUG),
                              quiet, nullptr);
    });
}

struct reader {
    std::size_t budget;
    std::vector<std::string>* warnings;
};

std::optional<std::string> read_stream(GsfInput* in, reader& rd, std::string_view name) {
    gsf_off_t size = gsf_input_size(in);
    if (size < 0) return std::nullopt;
    if (static_cast<std::uint64_t>(size) > rd.budget) {
        rd.warnings->push_back(fmt::format("stream {} skipped: over the size limit", name));
        return std::nullopt;
    }
    std::string out(static_cast<std::size_t>(size), '\0');
    if (size > 0 && !gsf_input_read(in, static_cast<std::size_t>(size), reinterpret_cast<guint8*>(out.data()))) {
        rd.warnings->push_back(fmt::format("stream {} not readable", name));
        return std::nullopt;
    }
    rd.budget -= out.size();
    return out;
}

bool is_storage(GsfInput* in) { return GSF_IS_INFILE(in) && gsf_infile_num_children(GSF_INFILE(in)) >= 0; }

std::uint32_t le32(std::string_view d, std::size_t at) {
    return static_cast<unsigned char>(d[at]) | (static_cast<unsigned char>(d[at + 1]) << 8) |
           (static_cast<unsigned char>(d[at + 2]) << 16) | (std::uint32_t(static_cast<unsigned char>(d[at + 3])) << 24);
}

// The properties of one storage: fixed ones from __properties_version1.0 (after a
// header of `header` bytes), variable ones from __substg1.0_ streams.
property_map read_props(GsfInfile* dir, std::size_t header, reader& rd) {
    property_map p;
    int n = gsf_infile_num_children(dir);
    for (int i = 0; i < n; ++i) {
        const char* nm = gsf_infile_name_by_index(dir, i);
        if (!nm) continue;
        std::string_view name(nm);
        if (name == "__properties_version1.0") {
            GsfInput* in = gsf_infile_child_by_index(dir, i);
            if (!in) continue;
            auto d = read_stream(in, rd, name);
            g_object_unref(in);
            if (!d) continue;
            for (std::size_t at = header; at + 16 <= d->size(); at += 16) {
                std::uint32_t tag = le32(*d, at);
                auto type = static_cast<std::uint16_t>(tag & 0xFFFF);
                auto id = static_cast<std::uint16_t>(tag >> 16);
                if (id >= 0x8000 || (type & 0x1000)) continue;
                switch (type) {
                case pt_short:
                case pt_long:
                case pt_boolean:
                case pt_systime:
                case pt_int64:
                case 0x0005:
                case 0x0006:
                case 0x0007: p.emplace(id, property{type, d->substr(at + 8, 8)}); break;
                default: break;
                }
            }
        } else if (name.starts_with("__substg1.0_") && name.size() == 20) {
            std::string hex(name.substr(12));
            char* end = nullptr;
            unsigned long tag = std::strtoul(hex.c_str(), &end, 16);
            if (!end || *end) continue;
            auto type = static_cast<std::uint16_t>(tag & 0xFFFF);
            auto id = static_cast<std::uint16_t>(tag >> 16);
            if (id >= 0x8000 || (type & 0x1000)) continue;
            if (type != pt_unicode && type != pt_string8 && type != pt_binary) continue;
            GsfInput* in = gsf_infile_child_by_index(dir, i);
            if (!in) continue;
            if (!is_storage(in))
                if (auto d = read_stream(in, rd, name)) p[id] = property{type, std::move(*d)};
            g_object_unref(in);
        }
    }
    return p;
}

// Strings to UTF-8, in the message's code page.
void decode_strings(property_map& p, std::uint32_t cp) {
    for (auto& [id, v] : p) {
        if (v.type == pt_unicode)
            v.value = utf16le_to_utf8(v.value);
        else if (v.type == pt_string8) {
            std::string s = v.value;
            while (!s.empty() && s.back() == '\0') s.pop_back();
            v.value = codepage_to_utf8(s, cp);
        }
    }
}

std::uint32_t codepage_of(const property_map& p) {
    for (auto id : {pr_internet_cpid, pr_message_codepage})
        if (auto v = get_u32(p, id); v && *v) return *v;
    return 1252;
}

mapi_message read_storage(GsfInfile* dir, std::size_t header, reader& rd, int depth) {
    mapi_message m;
    m.props = read_props(dir, header, rd);
    const std::uint32_t cp = codepage_of(m.props);
    decode_strings(m.props, cp);
    int n = gsf_infile_num_children(dir);
    for (int i = 0; i < n; ++i) {
        const char* nm = gsf_infile_name_by_index(dir, i);
        if (!nm) continue;
        std::string_view name(nm);
        const bool recip = name.starts_with("__recip_version1.0_");
        const bool attach = name.starts_with("__attach_version1.0_");
        if (!recip && !attach) continue;
        if ((recip ? m.recipients.size() : m.attachments.size()) >= k_max_msg_children) continue;
        GsfInput* in = gsf_infile_child_by_index(dir, i);
        if (!in) continue;
        if (!is_storage(in)) {
            g_object_unref(in);
            continue;
        }
        GsfInfile* sub = GSF_INFILE(in);
        if (recip) {
            auto rp = read_props(sub, 8, rd);
            decode_strings(rp, cp);
            m.recipients.push_back(std::move(rp));
        } else {
            mapi_attachment a;
            a.props = read_props(sub, 8, rd);
            if (auto it = a.props.find(pr_attach_data); it != a.props.end()) {
                a.data = std::move(it->second.value);
                a.props.erase(it);
            }
            decode_strings(a.props, cp);
            if (GsfInput* obj = gsf_infile_child_by_name(sub, "__substg1.0_3701000D")) {
                if (is_storage(obj) && depth + 1 < k_max_embedded_depth)
                    a.embedded = std::make_unique<mapi_message>(read_storage(GSF_INFILE(obj), 24, rd, depth + 1));
                g_object_unref(obj);
            }
            m.attachments.push_back(std::move(a));
        }
        g_object_unref(in);
    }
    return m;
}

struct opened {
    GsfInput* mem = nullptr;
    GsfInfile* ole = nullptr;
    ~opened() {
        if (ole) g_object_unref(ole);
        if (mem) g_object_unref(mem);
    }
};

bool open_ole(std::string_view data, opened& o, std::string& why) {
    gsf_init_once();
    o.mem =
        gsf_input_memory_new(reinterpret_cast<const guint8*>(data.data()), static_cast<gsf_off_t>(data.size()), FALSE);
    if (!o.mem) {
        why = "cannot read the bytes";
        return false;
    }
    GError* err = nullptr;
    o.ole = gsf_infile_msole_new(o.mem, &err);
    if (!o.ole) {
        why = err && err->message ? err->message : "not an OLE2 compound file";
        if (err) g_error_free(err);
        return false;
    }
    return true;
}

bool has_message_streams(GsfInfile* root) {
    int n = gsf_infile_num_children(root);
    bool props = false, substg = false;
    for (int i = 0; i < n; ++i) {
        const char* nm = gsf_infile_name_by_index(root, i);
        if (!nm) continue;
        std::string_view name(nm);
        if (name == "__properties_version1.0") props = true;
        if (name.starts_with("__substg1.0_")) substg = true;
    }
    return props && substg;
}

}  // namespace

bool looks_like_msg(std::string_view data) {
    if (!is_ole2(data)) return false;
    opened o;
    std::string why;
    return open_ole(data, o, why) && has_message_streams(o.ole);
}

result<mapi_message> read_msg(std::string_view data, std::size_t max_bytes) {
    if (!is_ole2(data)) return fail(errc::parse, "not an Outlook .msg file (no OLE2 signature)");
    opened o;
    std::string why;
    if (!open_ole(data, o, why)) return fail(errc::parse, "not a readable .msg file: " + why);
    if (!has_message_streams(o.ole)) return fail(errc::parse, "an OLE2 file without message properties (not a .msg)");
    std::vector<std::string> warnings;
    // OLE2 does not compress: streams larger than the file are lies of a damaged
    // directory (entries may share sectors, hence twice the size).
    reader rd{std::min(max_bytes, 2 * data.size() + 65536), &warnings};
    mapi_message m = read_storage(o.ole, 32, rd, 0);
    m.warnings.insert(m.warnings.end(), warnings.begin(), warnings.end());
    return m;
}

result<std::string> msg_to_rfc822(std::string_view data, std::size_t max_bytes) {
    auto m = read_msg(data, max_bytes);
    if (!m) return std::unexpected(m.error());
    ex_map ex;
    collect_ex_addresses(*m, ex);
    rebuild_options o;
    o.ex_to_smtp = &ex;
    return to_rfc822(*m, o);
}

}  // namespace replyguard::outlook
