// SPDX-License-Identifier: Apache-2.0
// tests/support/mail_body.hpp - read fixtures, take text parts out of .eml files, and
// base64 a file for a MIME part of a hand-made message
//
// DESCRIPTION
//   The text tests feed real bodies to the splitter; GMime decodes the
//   transfer encoding (base64, quoted-printable) so soft line breaks such as
//   iPhone's "wr=\note:" arrive joined, as the message parser delivers them.
//   Charset conversion is not done here: the fixtures used are ASCII/UTF-8.
#pragma once

#include <gmime/gmime.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

namespace replyguard::test {

inline std::string slurp(const std::filesystem::path& p) {
    std::ifstream f(p, std::ios::binary);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
}

/// `data` in base64 as a MIME body carries it (GLib's encoder): lines of 76
/// characters separated by CRLF, no line end after the last.
inline std::string base64_body(std::string_view data) {
    gchar* enc = g_base64_encode(reinterpret_cast<const guchar*>(data.data()), data.size());
    const std::string flat(enc);
    g_free(enc);
    std::string out;
    for (std::size_t i = 0; i < flat.size(); i += 76) {
        if (i) out += "\r\n";
        out.append(flat, i, 76);
    }
    return out;
}

inline std::string corpus(const std::string& rel) { return std::string(REPLYGUARD_CORPUS_DIR) + "/" + rel; }

/// First text/<subtype> leaf of a message (decoded content bytes), "" if none.
inline std::string text_part(const std::string& raw, const char* subtype) {
    static const bool inited = [] {
        g_mime_init();
        return true;
    }();
    (void)inited;
    std::string out;
    GMimeStream* st = g_mime_stream_mem_new();
    g_mime_stream_write(st, raw.data(), raw.size());
    g_mime_stream_seek(st, 0, GMIME_STREAM_SEEK_SET);
    GMimeParser* parser = g_mime_parser_new_with_stream(st);
    GMimeMessage* msg = g_mime_parser_construct_message(parser, nullptr);
    if (msg) {
        GMimeObject* root = g_mime_message_get_mime_part(msg);
        GMimePartIter* it = root ? g_mime_part_iter_new(GMIME_OBJECT(msg)) : nullptr;
        if (it) {
            do {
                GMimeObject* o = g_mime_part_iter_get_current(it);
                if (!out.empty() || !GMIME_IS_PART(o)) continue;
                GMimeContentType* ct = g_mime_object_get_content_type(o);
                if (!g_mime_content_type_is_type(ct, "text", subtype)) continue;
                GMimeDataWrapper* w = g_mime_part_get_content(GMIME_PART(o));
                if (!w) continue;
                GMimeStream* ms = g_mime_stream_mem_new();
                g_mime_data_wrapper_write_to_stream(w, ms);
                GByteArray* ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(ms));
                out.assign(reinterpret_cast<const char*>(ba->data), ba->len);
                g_object_unref(ms);
            } while (g_mime_part_iter_next(it));
            g_mime_part_iter_free(it);
        }
        // A single-part message has no multipart to iterate.
        if (out.empty() && root && GMIME_IS_PART(root) &&
            g_mime_content_type_is_type(g_mime_object_get_content_type(root), "text", subtype)) {
            if (GMimeDataWrapper* w = g_mime_part_get_content(GMIME_PART(root))) {
                GMimeStream* ms = g_mime_stream_mem_new();
                g_mime_data_wrapper_write_to_stream(w, ms);
                GByteArray* ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(ms));
                out.assign(reinterpret_cast<const char*>(ba->data), ba->len);
                g_object_unref(ms);
            }
        }
        g_object_unref(msg);
    }
    g_object_unref(parser);
    g_object_unref(st);
    return out;
}

}  // namespace replyguard::test
