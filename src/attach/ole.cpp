// SPDX-License-Identifier: Apache-2.0
// attach/ole.cpp - OLE2 / Compound File Binary documents (doc, xls, ppt, vsd, encrypted OOXML)
//
// DESCRIPTION
//   libgsf (GsfInfileMSOLE) reads the compound file; we copy every stream
//   (bounded) into memory and hand the list to the VBA, XLM and encryption
//   analysers. Encryption markers follow oletools crypto.is_encrypted and
//   ClamAV: EncryptionInfo + EncryptedPackage (ECMA-376), the Word FIB
//   fEncrypted bit, the PowerPoint CurrentUserAtom header token, an
//   EncryptedSummary stream; BIFF FILEPASS is seen by xlm.cpp.
//
// LIMITS
//   At most k_max_streams streams and k_max_depth storage levels; one stream at
//   most lim.archive_entry_bytes; all streams together at most
//   k_total_factor x the file size (FAT chains may share sectors, so a small
//   file could otherwise claim huge streams).
#include "attach/gsf_walk.hpp"
#include "attach/office_internal.hpp"

#include <gsf/gsf.h>

#include <strings.h>
#include <algorithm>
#include <array>

namespace replyguard::attach::office {
namespace {

constexpr std::size_t k_max_streams = 4096;
constexpr int k_max_depth = 16;
constexpr std::uint64_t k_total_factor = 4;

// libgsf reports malformed input through g_log warnings/criticals; in a filter that
// parses attacker files they are noise on stderr, not diagnostics. Our own findings
// (OFFICE_MALFORMED) say what matters.
void quiet(const gchar*, GLogLevelFlags, const gchar*, gpointer) {}

struct gsf_once {
    gsf_once() {
        gsf_init();
        for (const char* domain : {"libgsf", "libgsf:msole", "libgsf:zip", "libgsf:msvba"})
            g_log_set_handler(domain,
                              static_cast<GLogLevelFlags>(G_LOG_LEVEL_WARNING | G_LOG_LEVEL_CRITICAL |
                                                          G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO | G_LOG_LEVEL_DEBUG),
                              quiet, nullptr);
    }
};

struct reader {
    std::vector<ole_stream> out;
    std::uint64_t total = 0;
    std::uint64_t total_max = 0;
    std::uint64_t stream_max = 0;

    void read(GsfInput* child, std::string path) {
        const gsf_off_t size = gsf_input_size(child);
        std::uint64_t want = size > 0 ? static_cast<std::uint64_t>(size) : 0;
        if (want > stream_max || total + want > total_max)
            want = std::min<std::uint64_t>(stream_max, total_max - std::min(total, total_max));
        ole_stream s;
        s.path = std::move(path);
        s.data.resize(static_cast<std::size_t>(want));
        if (want > 0 && !gsf_input_read(child, static_cast<size_t>(want), reinterpret_cast<guint8*>(s.data.data())))
            s.data.clear();
        total += s.data.size();
        out.push_back(std::move(s));
    }
};

const ole_stream* find_stream(const std::vector<ole_stream>& ss, std::string_view path) {
    for (const auto& s : ss)
        if (s.path.size() == path.size() && strncasecmp(s.path.data(), path.data(), path.size()) == 0) return &s;
    return nullptr;
}

/// zlib stream -> bytes, through libgsf's inflater (raw deflate after the 2-byte zlib header).
std::optional<std::string> inflate_zlib(std::string_view z, std::uint64_t size) {
    if (z.size() < 3 || (static_cast<unsigned char>(z[0]) & 0x0F) != 8) return std::nullopt;
    z.remove_prefix(2);
    GsfInput* src =
        gsf_input_memory_new(reinterpret_cast<const guint8*>(z.data()), static_cast<gsf_off_t>(z.size()), FALSE);
    if (!src) return std::nullopt;
    GObject* gz = static_cast<GObject*>(g_object_new(GSF_INPUT_GZIP_TYPE, "raw", TRUE, "source", src,
                                                     "uncompressed-size", static_cast<gint64>(size), nullptr));
    g_object_unref(src);
    if (!gz) return std::nullopt;
    std::string out(static_cast<std::size_t>(size), '\0');
    const bool ok =
        size > 0 && gsf_input_read(GSF_INPUT(gz), static_cast<size_t>(size), reinterpret_cast<guint8*>(out.data()));
    g_object_unref(gz);
    if (!ok) return std::nullopt;
    return out;
}

/// PowerPoint keeps the VBA project (and embedded objects) as ExOleObjStg atoms
/// (MS-PPT 2.10.34, recType 0x1011), zlib-compressed when recInstance is 1.
void analyse_ppt_objects(office_ctx& c, std::string_view doc) {
    const bytes d = as_bytes(doc);
    std::size_t pos = 0;
    int objects = 0;
    while (pos + 8 <= d.size() && objects < 64) {
        const std::uint16_t ver_inst = le16(d, pos);
        const std::uint16_t type = le16(d, pos + 2);
        const std::uint32_t len = le32(d, pos + 4);
        if ((ver_inst & 0x0F) == 0x0F) {  // container: its children follow
            pos += 8;
            continue;
        }
        if (len > d.size() - pos - 8) break;
        if (type == 0x1011) {
            ++objects;
            const std::string_view body = doc.substr(pos + 8, len);
            if ((ver_inst >> 4) == 1 && body.size() > 4) {
                const std::uint64_t size = le32(d, pos + 8);
                if (size <= c.st.lim.archive_entry_bytes && take_budget(c.st, size)) {
                    if (auto ole = inflate_zlib(body.substr(4), size)) analyse_nested(c, *ole, "/ExOleObjStg");
                } else {
                    c.entry["limits"].push_back("budget");
                    limit_stop(c.st, c.rep, false, "PowerPoint embedded object not inflated: byte limit",
                               c.f.path.empty() ? c.f.name : std::string_view(c.f.path));
                }
            } else if (is_ole(body)) {
                analyse_nested(c, body, "/ExOleObjStg");
            }
        }
        pos += 8 + len;
    }
}

/// Visio's LZ77 variant (the HDGF compression of POI; Okumura LZSS: 4096-byte ring
/// starting at 4078, flag bit 1 = literal, pointer = 12-bit position + 4-bit length-3).
std::string visio_lzss(bytes in, std::size_t max_out) {
    std::array<std::uint8_t, 4096> ring{};
    std::size_t r = 4096 - 18;
    std::string out;
    std::size_t p = 0;
    while (p < in.size() && out.size() < max_out) {
        const std::uint8_t flags = in[p++];
        for (int bit = 0; bit < 8 && p < in.size(); ++bit) {
            if ((flags >> bit) & 1) {
                const std::uint8_t ch = in[p++];
                out.push_back(static_cast<char>(ch));
                ring[r] = ch;
                r = (r + 1) & 0xFFF;
            } else {
                if (p + 2 > in.size()) return out;
                const std::size_t pos = in[p] | ((in[p + 1] & 0xF0) << 4);
                const std::size_t n = (in[p + 1] & 0x0F) + 3u;
                p += 2;
                for (std::size_t k = 0; k < n; ++k) {
                    const std::uint8_t ch = ring[(pos + k) & 0xFFF];
                    out.push_back(static_cast<char>(ch));
                    ring[r] = ch;
                    r = (r + 1) & 0xFFF;
                }
            }
        }
    }
    return out;
}

/// Visio binary (.vsd) stores the VBA project storage LZ-compressed inside the
/// VisioDocument stream. Its first eight bytes are literals, so the OLE magic is
/// visible in the compressed bytes; decompress from the flag byte before it.
void analyse_visio(office_ctx& c, std::string_view doc) {
    const bytes d = as_bytes(doc);
    int found = 0;
    for (std::size_t p = doc.find(k_ole_magic.substr(0, 4), 1); p != std::string_view::npos && found < 8;
         p = doc.find(k_ole_magic.substr(0, 4), p + 1)) {
        for (std::size_t back = 1; back <= 9 && back <= p; ++back) {
            const std::size_t start = p - back;
            if (d[start] != 0xFF) continue;  // flag byte: the next eight items are literals
            // Bounded by what is left of the message's byte budget, not only per entry.
            const std::uint64_t room = std::min<std::uint64_t>(c.st.lim.archive_entry_bytes, c.st.bytes_budget);
            if (room == 0) {
                limit_stop(c.st, c.rep, false, "Visio VBA storage not decompressed: byte budget spent",
                           c.f.path.empty() ? c.f.name : std::string_view(c.f.path));
                return;
            }
            std::string out = visio_lzss(d.subspan(start), static_cast<std::size_t>(room));
            const auto m = out.find(k_ole_magic);
            if (m == std::string::npos || m > 8) continue;
            ++found;
            out.erase(0, m);
            take_budget(c.st, std::min<std::uint64_t>(out.size(), c.st.bytes_budget));
            // The storage may span several Visio chunks and not parse as a whole;
            // then the VBA is still found as orphan compressed source.
            const auto inner = read_ole(out, c.st.lim);
            const bool has_dir =
                inner && std::any_of(inner->begin(), inner->end(), [](const ole_stream& s) {
                    return s.path.size() >= 4 && strcasecmp(s.path.c_str() + s.path.size() - 4, "/dir") == 0;
                });
            if (has_dir)
                analyse_nested(c, out, "/VisioDocument");
            else
                analyse_vba(c, {ole_stream{"VisioDocument (decompressed)", std::move(out)}});
            break;
        }
    }
}

}  // namespace

void ensure_gsf() { static gsf_once init; }

std::optional<std::vector<ole_stream>> read_ole(std::string_view data, const limits& lim) {
    ensure_gsf();
    GsfInput* in =
        gsf_input_memory_new(reinterpret_cast<const guint8*>(data.data()), static_cast<gsf_off_t>(data.size()), FALSE);
    if (!in) return std::nullopt;
    GError* err = nullptr;
    GsfInfile* ole = gsf_infile_msole_new(in, &err);
    if (err) g_error_free(err);
    if (!ole) {
        g_object_unref(in);
        return std::nullopt;
    }
    reader r;
    r.stream_max = lim.archive_entry_bytes;
    r.total_max = k_total_factor * data.size() + (1u << 20);
    walk_gsf(ole, k_max_streams, k_max_depth, [&r](GsfInput* st, std::string path) { r.read(st, std::move(path)); });
    g_object_unref(ole);
    g_object_unref(in);
    return std::move(r.out);
}

bool analyse_ole(office_ctx& c, std::string_view data) {
    auto streams = read_ole(data, c.st.lim);
    if (!streams) {
        emit(c, k_malformed, "OLE2 signature but the compound file cannot be read", {{"format", "ole2"}});
        c.entry["malformed"] = true;
        return true;
    }
    c.entry["streams"] = streams->size();

    // ECMA-376 encrypted OOXML: the whole package is inside EncryptedPackage.
    const auto* info = find_stream(*streams, "EncryptionInfo");
    const auto* pkg = find_stream(*streams, "EncryptedPackage");
    if (info && pkg) {
        c.entry["format"] = "ole2-encrypted-package";
        analyse_encrypted_package(c, info->data, pkg->data);
        return true;
    }

    std::string app;
    if (const auto* wd = find_stream(*streams, "WordDocument")) {
        app = "word";
        const bytes b = as_bytes(wd->data);
        // FIB base: wIdent 0xA5EC, flags at 0x0A: fEncrypted 0x0100, fObfuscated 0x8000 (MS-DOC 2.5.2).
        if (le16(b, 0) == 0xA5EC && (le16(b, 0x0A) & 0x0100))
            report_encrypted(c, (le16(b, 0x0A) & 0x8000) ? "word-xor-obfuscation" : "word-rc4");
    }
    const ole_stream* wb = find_stream(*streams, "Workbook");
    if (!wb) wb = find_stream(*streams, "Book");
    if (wb) {
        app = "excel";
        analyse_biff_workbook(c, wb->data);
    }
    if (const auto* cu = find_stream(*streams, "Current User")) {
        app = "powerpoint";
        // CurrentUserAtom.headerToken (MS-PPT 2.3.2): 0xF3D1C4DF means the document is encrypted.
        if (le32(as_bytes(cu->data), 12) == 0xF3D1C4DFu) report_encrypted(c, "powerpoint-cryptsession");
    }
    if (const auto* pd = find_stream(*streams, "PowerPoint Document")) analyse_ppt_objects(c, pd->data);
    if (const auto* vd = find_stream(*streams, "VisioDocument")) {
        app = "visio";
        analyse_visio(c, vd->data);
    }
    if (find_stream(*streams, "EncryptedSummary")) report_encrypted(c, "encrypted-summary");
    if (!app.empty()) c.entry["application"] = app;

    analyse_vba(c, *streams);
    return true;
}

}  // namespace replyguard::attach::office
