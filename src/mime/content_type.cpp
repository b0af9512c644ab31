// SPDX-License-Identifier: Apache-2.0
// mime/content_type.cpp - Content-Type values through GMime, as the parser reads them.
#include "mime/content_type.hpp"
#include "core/strings.hpp"

#include "mime/header_decode.hpp"
#include "mime/parser.hpp"

#include <gmime/gmime.h>

#include <cctype>

namespace replyguard::mime {

namespace {}  // namespace

content_type parse_content_type(std::string_view raw) {
    init();  // GMime's parser options exist only after g_mime_init()
    content_type c;
    std::string v = unfold(raw);
    std::size_t b = 0, e = v.size();
    while (b < e && std::isspace(static_cast<unsigned char>(v[b]))) ++b;
    while (e > b && std::isspace(static_cast<unsigned char>(v[e - 1]))) --e;
    v = v.substr(b, e - b);
    if (v.empty()) return c;
    GMimeContentType* ct = g_mime_content_type_parse(nullptr, v.c_str());
    if (!ct) return c;
    if (const char* t = g_mime_content_type_get_media_type(ct)) c.type = lower(t);
    if (const char* s = g_mime_content_type_get_media_subtype(ct)) c.subtype = lower(s);
    if (const char* cs = g_mime_content_type_get_parameter(ct, "charset")) c.charset = cs;
    if (const char* bd = g_mime_content_type_get_parameter(ct, "boundary")) c.boundary = bd;
    g_object_unref(ct);
    return c;
}

}  // namespace replyguard::mime
