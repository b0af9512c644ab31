// SPDX-License-Identifier: Apache-2.0
// bench/gmime_walk.hpp - the bare GMime parse-and-decode loop (the "floor")
//
// DESCRIPTION
//   What any GMime-based filter must do at the least, and therefore the anchor
//   replyguard's parse stage is measured against: build the tree with
//   g_mime_parser_construct_message (which also parses address headers),
//   decode every header value (g_mime_header_get_value: unfold + RFC 2047),
//   and write every leaf part's content through its transfer decoder
//   (g_mime_data_wrapper_write_to_stream) into a null stream; message/rfc822
//   parts are descended. No charset conversion, no HTML, no hashing, no copy
//   of the decoded bytes. Parser options match mime/parser.cpp (loose
//   compliance, same fallback charsets) and a leading mbox "From " line is
//   dropped the same way, so both sides parse the same bytes.
//   Shared by bench_parser (BM_gmime_floor) and gmime_floor (throughput.sh).
#pragma once

#include <gmime/gmime.h>

#include <cstddef>
#include <cstring>
#include <string_view>

namespace replyguard::bench {

struct floor_stats {
    std::size_t messages = 0;       ///< messages GMime built a tree for
    std::size_t parts = 0;          ///< leaf parts decoded
    std::size_t decoded_bytes = 0;  ///< transfer-decoded content bytes
    std::size_t header_bytes = 0;   ///< decoded header value bytes
};

inline GMimeParserOptions* floor_parser_options() {
    static GMimeParserOptions* opts = [] {
        GMimeParserOptions* o = g_mime_parser_options_new();
        g_mime_parser_options_set_address_compliance_mode(o, GMIME_RFC_COMPLIANCE_LOOSE);
        g_mime_parser_options_set_rfc2047_compliance_mode(o, GMIME_RFC_COMPLIANCE_LOOSE);
        g_mime_parser_options_set_parameter_compliance_mode(o, GMIME_RFC_COMPLIANCE_LOOSE);
        g_mime_parser_options_set_allow_addresses_without_domain(o, TRUE);
        static const char* fallback[] = {"UTF-8", "CP932", "windows-1252", nullptr};
        g_mime_parser_options_set_fallback_charsets(o, fallback);
        return o;
    }();
    return opts;
}

inline void floor_headers(GMimeObject* obj, floor_stats& st) {
    GMimeHeaderList* hl = g_mime_object_get_header_list(obj);
    int n = hl ? g_mime_header_list_get_count(hl) : 0;
    for (int i = 0; i < n; ++i)
        if (const char* v = g_mime_header_get_value(g_mime_header_list_get_header_at(hl, i)))
            st.header_bytes += std::strlen(v);
}

inline void floor_walk(GMimeObject* obj, GMimeStream* sink, floor_stats& st, int depth) {
    if (!obj || depth > 32) return;  // same nesting bound as limits::mime_depth
    floor_headers(obj, st);
    if (GMIME_IS_MULTIPART(obj)) {
        GMimeMultipart* mp = GMIME_MULTIPART(obj);
        int n = g_mime_multipart_get_count(mp);
        for (int i = 0; i < n; ++i) floor_walk(g_mime_multipart_get_part(mp, i), sink, st, depth + 1);
    } else if (GMIME_IS_MESSAGE_PART(obj)) {
        if (GMimeMessage* inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj))) {
            floor_headers(GMIME_OBJECT(inner), st);
            floor_walk(g_mime_message_get_mime_part(inner), sink, st, depth + 1);
        }
    } else if (GMIME_IS_PART(obj)) {
        ++st.parts;
        if (GMimeDataWrapper* dw = g_mime_part_get_content(GMIME_PART(obj))) {
            gssize n = g_mime_data_wrapper_write_to_stream(dw, sink);
            if (n > 0) st.decoded_bytes += static_cast<std::size_t>(n);
        }
    }
}

/// Parse and decode one message; `sink` is a null stream owned by the caller.
inline void floor_parse(std::string_view bytes, GMimeStream* sink, floor_stats& st) {
    if (bytes.starts_with("From ")) {
        auto nl = bytes.find('\n');
        bytes.remove_prefix(nl == std::string_view::npos ? bytes.size() : nl + 1);
    }
    GMimeStream* stream = g_mime_stream_mem_new_with_buffer(bytes.data(), bytes.size());
    GMimeParser* parser = g_mime_parser_new_with_stream(stream);
    g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
    GMimeMessage* msg = g_mime_parser_construct_message(parser, floor_parser_options());
    if (msg) {
        ++st.messages;
        floor_headers(GMIME_OBJECT(msg), st);
        floor_walk(g_mime_message_get_mime_part(msg), sink, st, 0);
        g_object_unref(msg);
    }
    g_object_unref(parser);
    g_object_unref(stream);
}

}  // namespace replyguard::bench
