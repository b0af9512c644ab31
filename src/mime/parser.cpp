// SPDX-License-Identifier: Apache-2.0
// mime/parser.cpp - GMime 3 tree to our message model
//
// DESCRIPTION
//   GMime builds the MIME tree (structure, boundaries, transfer decodings,
//   address syntax). We walk it once and fill mime::message: headers through
//   our own decoding (header_decode.hpp), text parts through our charset
//   sniffing (charset.hpp), HTML through gumbo (text/html.hpp), the body split
//   into new text and quoted blocks (mime/quote.hpp), attachments sniffed
//   (libmagic) and hashed (OpenSSL SHA-256), URLs collected.
//   The top-level header block, when every line is a plain field (plain_fields:
//   the great majority of mail), is split here and GMime reads the input without
//   its fields other than Content-*: GMimeMessage's per-field processing (address
//   lists, dates, every value decoded to validate it) was a third of the parse and
//   we read none of it. The warnings it raised are raised again field by field
//   (warn_as_gmime_message), with the same details and order. Other blocks, and
//   attached messages (message/rfc822: 0.25% of the instructions), are GMime's.
//   When such a block's top-level part is one simple text part, or a multipart
//   of such parts (simple_body.hpp: most mail), GMime's parser is not called at
//   all: each body is decoded with GMime's decoders and walked as walk_leaf and
//   walk_multipart would (fill_simple_message).
// LIMITS
//   limits::message_bytes  input beyond it is cut (MIME_TRUNCATED)
//   limits::header_bytes   header block beyond it: other than identity/structure fields
//                          are dropped (HEADER_TOO_LONG); the raw block is bounded
//                          before GMime sees it (bound_headers), so a 50 MB header
//                          costs a linear scan, not GMime's copies of it
//   limits::header_field_bytes  one field beyond it is cut (HEADER_FIELD_TOO_LONG)
//   k_part_field_params    64 parameters a Content-Type/-Disposition field on
//                          GMime's path, in any header block; more are cut
//                          (HEADER_FIELD_TOO_LONG): GMime's parameter parsing is
//                          quadratic (bound_part_fields)
//   limits::message_millis the walk over parts stops (PARSE_TIMEOUT, via core/budget.hpp)
//   limits::mime_depth     deeper parts are not walked (MIME_TOO_DEEP)
//   limits::mime_parts     parts beyond it are not walked (MIME_TOO_MANY_PARTS)
//   limits::text_bytes     body text beyond it is cut (TEXT_TRUNCATED)
//   limits::urls           URLs beyond it are dropped (URLS_TRUNCATED)
// DIAGNOSTICS
//   GMime parser warnings become anomalies with the GMIME_ prefix dropped
//   (e.g. MIME_MISSING_BOUNDARY), "at byte N" of the input (after an mbox From
//   line and bound_headers). For split blocks, HEADER_DUPLICATED,
//   HEADER_CONFLICTING, ADDRESS_LIST_INVALID and RFC2047_INVALID of the message
//   fields come from warn_as_gmime_message (GMime's own calls where it has
//   them). Ours: NOT_A_MESSAGE, NUL_BYTES, HEADER_8BIT, MISSING_FROM,
//   MISSING_DATE, MISSING_MESSAGE_ID, BAD_DATE, CHARSET_LOSSY, and the limit
//   anomalies above.
#include "mime/parser.hpp"
#include "mime/parse_scope.hpp"

#include "core/digest.hpp"
#include "core/strings.hpp"
#include "mime/address.hpp"
#include "mime/charset.hpp"
#include "mime/header_decode.hpp"
#include "mime/magic.hpp"
#include "mime/quote.hpp"
#include "mime/simple_body.hpp"
#include "mime/subject.hpp"
#include "text/html.hpp"
#include "text/urls.hpp"

#include <gmime/gmime.h>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <cstring>
#include <deque>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <unordered_set>

namespace replyguard::mime {

namespace {

// --- small helpers -----------------------------------------------------------

struct gobj_deleter {
    void operator()(void* p) const noexcept {
        if (p) g_object_unref(p);
    }
};
template <class T>
using gptr = std::unique_ptr<T, gobj_deleter>;

// libmagic (mime/magic.hpp: one handle a thread for the parser and attach/;
// a plain text's type asked without the rules, magic_sniff()).
//
// Its answers are remembered by the bytes' SHA-256 (computed for the record
// anyway): the same attachment comes back in a mailbox (a mailing list's
// footer, a signature's logo, the PDF quoted down a thread, a campaign's
// payload), and libmagic is deterministic in the bytes, so the remembered
// answer is the one it would give. The two calls were 5.8% of all
// instructions of `scan -j1` over the corpus (callgrind); a text attachment
// costs ~370 us a call on average (its text rules' regexes and searches;
// each regex is compiled once per handle, on first use, and kept: gdb on
// libmagic 5.44 counted 68 compiles for three calls, freed at magic_close, so
// the compiles are a warm-up per thread, not per call), other data ~67 us. A
// quarter of the corpus's calls
// repeat an earlier attachment, mostly cheap ones: 335 M -> 316 M
// instructions. No flag or parameter made libmagic cheaper with the same
// answers for all bytes (every MAGIC_NO_CHECK_* that changed no corpus answer
// saved under 0.1%; text, encoding and cdf change answers; MAGIC_PARAM_BYTES_MAX
// does not bound magic_buffer): bench/README.md, "Four small costs". For a
// plain text, the second question goes without the rules (magic_sniff).
//
// One memo for the process, not one a thread: with one a thread, each of
// `scan -j2`'s workers met every repeated attachment once more (the workers
// take messages in no fixed split), and over the corpus listed three times
// -j2 used 1.13x the CPU time of -j1 where two -j1 processes, each always
// given the same half, used 1.06x (bench/scaling.sh --repeat 3); with one
// memo, 0.97-1.10x in three runs, 0.93-0.97 of the old build's CPU in the same
// rounds (bench/README.md, "Round 11"). The lock is
// held for a lookup or an insert, never while libmagic runs (its handle is
// per thread): two threads that miss the same bytes at once both ask, and
// the answer is the same.
struct magic_memo {
    static constexpr std::size_t k_remembered = 512;  // ~300 bytes each
    using answer = magic_answer;
    std::mutex mu;
    std::unordered_map<std::string, answer> remembered;  ///< by SHA-256 hex of the bytes
    std::deque<std::string> order;                       ///< oldest first, to forget

    /// libmagic's MIME type and description of `data`, whose SHA-256 hex is `sha256`
    /// ("" for either when libmagic is missing or fails).
    answer sniff(std::string_view data, const std::string& sha256) {
        if (sha256.empty()) return magic_sniff(data);  // no digest (OpenSSL failed): nothing to key it by
        {
            std::lock_guard lk(mu);
            if (auto it = remembered.find(sha256); it != remembered.end()) return it->second;
        }
        answer a = magic_sniff(data);
        std::lock_guard lk(mu);
        if (remembered.contains(sha256)) return a;  // another thread asked for the same bytes meanwhile
        if (order.size() >= k_remembered) {
            remembered.erase(order.front());
            order.pop_front();
        }
        order.push_back(sha256);
        remembered.emplace(sha256, a);
        return a;
    }
};

magic_memo& magic() {
    // Never destroyed: a milter's analysis thread may still ask while the process exits.
    static auto* h = new magic_memo;
    return *h;
}

std::string anomaly_id(GMimeParserWarning w) {
    switch (w) {
    case GMIME_WARN_DUPLICATED_HEADER: return "HEADER_DUPLICATED";
    case GMIME_WARN_DUPLICATED_PARAMETER: return "PARAMETER_DUPLICATED";
    case GMIME_WARN_UNENCODED_8BIT_HEADER: return "HEADER_8BIT";
    case GMIME_WARN_INVALID_CONTENT_TYPE: return "CONTENT_TYPE_INVALID";
    case GMIME_WARN_INVALID_RFC2047_HEADER_VALUE: return "RFC2047_INVALID";
    case GMIME_WARN_INVALID_PARAMETER: return "PARAMETER_INVALID";
    case GMIME_WARN_MALFORMED_MULTIPART: return "MIME_MALFORMED_MULTIPART";
    case GMIME_WARN_TRUNCATED_MESSAGE: return "MIME_UNTERMINATED_MULTIPART";
    case GMIME_WARN_MALFORMED_MESSAGE: return "MESSAGE_MALFORMED";
    case GMIME_WARN_INVALID_ADDRESS_LIST: return "ADDRESS_LIST_INVALID";
    case GMIME_CRIT_INVALID_HEADER_NAME: return "HEADER_NAME_INVALID";
    case GMIME_CRIT_CONFLICTING_HEADER: return "HEADER_CONFLICTING";
    case GMIME_CRIT_CONFLICTING_PARAMETER: return "PARAMETER_CONFLICTING";
    case GMIME_CRIT_MULTIPART_WITHOUT_BOUNDARY: return "MIME_MISSING_BOUNDARY";
    case GMIME_CRIT_NESTING_OVERFLOW: return "MIME_TOO_DEEP";
    case GMIME_WARN_PART_WITHOUT_CONTENT: return "MIME_PART_WITHOUT_CONTENT";
    case GMIME_CRIT_PART_WITHOUT_HEADERS_OR_CONTENT: return "MIME_PART_EMPTY";
    }
    return "MIME_WARNING";
}

/// Where GMime's warnings go: the message, and the offset of the header field
/// whose warnings are being re-derived (plain_fields: GMime's public parsing
/// calls report offset -1 where the parser would have named the field's).
struct warn_sink {
    message* m = nullptr;
    gint64 field_offset = -1;
    /// While GMime reads a block without the message fields: where each removed
    /// run of fields was (in GMime's stream) and how long, to give warnings the
    /// offsets of the input (stream_without_message_fields).
    std::vector<std::pair<std::size_t, std::size_t>> removed;

    gint64 input_offset(gint64 offset) const {
        if (offset < 0) return field_offset;
        gint64 shift = 0;
        for (const auto& [at, len] : removed) {
            if (static_cast<std::size_t>(offset) < at) break;
            shift += static_cast<gint64>(len);
        }
        return offset + shift;
    }
};

/// GMime's warnings stop being recorded at this many anomalies: a hostile message
/// could warn per line.
constexpr std::size_t k_max_gmime_anomalies = 64;

void on_warning(gint64 offset, GMimeParserWarning code, const gchar* item, gpointer user) {
    auto* sink = static_cast<warn_sink*>(user);
    message* m = sink->m;
    offset = sink->input_offset(offset);
    if (m->anomalies.size() >= k_max_gmime_anomalies) return;
    // 8-bit headers are reported once, by our own header pass, with the field name.
    if (code == GMIME_WARN_UNENCODED_8BIT_HEADER) return;
    std::string detail = item && *item ? fmt::format("GMime: {} ({})", anomaly_id(code), item)
                                       : fmt::format("GMime: {}", anomaly_id(code));
    if (offset >= 0) detail += fmt::format(" at byte {}", offset);
    m->add_anomaly(anomaly_id(code), std::move(detail));
}

GMimeParserOptions* parser_options() {
    // One options object per thread: the warning callback's user data changes
    // per message. Freed when the thread ends.
    struct holder {
        GMimeParserOptions* o = nullptr;
        holder() {
            o = g_mime_parser_options_new();
            g_mime_parser_options_set_address_compliance_mode(o, GMIME_RFC_COMPLIANCE_LOOSE);
            g_mime_parser_options_set_rfc2047_compliance_mode(o, GMIME_RFC_COMPLIANCE_LOOSE);
            g_mime_parser_options_set_parameter_compliance_mode(o, GMIME_RFC_COMPLIANCE_LOOSE);
            g_mime_parser_options_set_allow_addresses_without_domain(o, TRUE);
            static const char* fallback[] = {"UTF-8", "CP932", "windows-1252", nullptr};
            g_mime_parser_options_set_fallback_charsets(o, fallback);
        }
        ~holder() { g_mime_parser_options_free(o); }
    };
    thread_local holder h;
    return h.o;
}

// --- headers -----------------------------------------------------------------

std::vector<std::string> parse_msgids(std::string_view raw) {
    std::vector<std::string> out;
    std::string text = unfold(raw);
    GMimeReferences* refs = g_mime_references_parse(parser_options(), text.c_str());
    if (refs) {
        int n = g_mime_references_length(refs);
        for (int i = 0; i < n && out.size() < 500; ++i) {
            const char* id = g_mime_references_get_message_id(refs, i);
            if (id && *id) out.emplace_back(id);
        }
        g_mime_references_free(refs);
    }
    if (out.empty()) {
        // Broken forms GMime does not take ("<a@b"): keep the bare token, people compare them.
        std::string t(trim(text));
        if (!t.empty() && t.size() < 1000) {
            if (t.front() == '<') t.erase(0, 1);
            if (!t.empty() && t.back() == '>') t.pop_back();
            if (!t.empty() && t.find_first_of(" \t<>") == std::string::npos) out.push_back(t);
        }
    }
    return out;
}

received_hop parse_received(std::string raw) {
    received_hop hop;
    hop.raw = raw;
    std::string l = detail::lower_ascii(raw);
    auto word_after = [&](std::string_view kw) -> std::string {
        std::size_t pos = 0;
        while ((pos = l.find(kw, pos)) != std::string::npos) {
            bool start = pos == 0 || l[pos - 1] == ' ' || l[pos - 1] == '\t' || l[pos - 1] == ')';
            if (start) {
                std::size_t b = pos + kw.size();
                while (b < raw.size() && (raw[b] == ' ' || raw[b] == '\t')) ++b;
                std::size_t e = b;
                while (e < raw.size() && raw[e] != ' ' && raw[e] != '\t' && raw[e] != ';' && raw[e] != '(') ++e;
                return raw.substr(b, e - b);
            }
            pos += kw.size();
        }
        return {};
    };
    hop.from_host = word_after("from ");
    hop.by_host = word_after("by ");
    // The first bracketed literal of the from clause is the connecting IP.
    std::size_t from_pos = l.find("from ");
    std::size_t by_pos = l.find(" by ");
    if (from_pos != std::string::npos) {
        std::size_t end = by_pos == std::string::npos ? raw.size() : by_pos;
        std::size_t lb = raw.find('[', from_pos);
        if (lb != std::string::npos && lb < end) {
            std::size_t rb = raw.find(']', lb);
            if (rb != std::string::npos && rb < end && rb - lb < 60) {
                std::string ip = raw.substr(lb + 1, rb - lb - 1);
                if (ip.rfind("IPv6:", 0) == 0) ip.erase(0, 5);
                hop.from_ip = ip;
            }
        }
    }
    if (auto semi = raw.rfind(';'); semi != std::string::npos) hop.date = trim(std::string_view(raw).substr(semi + 1));
    return hop;
}

// RFC 8601: authserv-id [version] ; method=result [reason] [props] ; ...
std::vector<auth_result> parse_auth_results(std::string_view raw) {
    std::vector<auth_result> out;
    // Drop comments: they hold free text with '=' and ';'.
    std::string s;
    int depth = 0;
    for (char c : raw) {
        if (c == '(') {
            ++depth;
            continue;
        }
        if (c == ')' && depth > 0) {
            --depth;
            continue;
        }
        if (depth == 0) s.push_back(c == '\r' || c == '\n' || c == '\t' ? ' ' : c);
    }
    std::vector<std::string> parts;
    std::size_t start = 0;
    bool quoted = false;
    for (std::size_t i = 0; i <= s.size(); ++i) {
        if (i < s.size() && s[i] == '"') quoted = !quoted;
        if (i == s.size() || (s[i] == ';' && !quoted)) {
            parts.emplace_back(trim(std::string_view(s).substr(start, i - start)));
            start = i + 1;
        }
    }
    if (parts.empty()) return out;
    std::string id = parts[0];
    if (auto sp = id.find(' '); sp != std::string::npos) id.resize(sp);
    id = lower(id);
    for (std::size_t i = 1; i < parts.size() && out.size() < 32; ++i) {
        const std::string& p = parts[i];
        auto eq = p.find('=');
        if (eq == std::string::npos) continue;
        auth_result r;
        r.authserv_id = id;
        r.method = lower(trim(std::string_view(p).substr(0, eq)));
        if (auto slash = r.method.find('/'); slash != std::string::npos) r.method.resize(slash);
        std::string rest(trim(std::string_view(p).substr(eq + 1)));
        auto sp = rest.find(' ');
        r.result = lower(rest.substr(0, sp));
        if (sp != std::string::npos) r.properties = trim(std::string_view(rest).substr(sp + 1));
        if (r.method.empty() || r.method.find(' ') != std::string::npos) continue;
        out.push_back(std::move(r));
    }
    return out;
}

std::optional<mailbox> first_mailbox(const std::vector<mailbox>& v) {
    if (v.empty()) return std::nullopt;
    return v.front();
}

// --- the walk ----------------------------------------------------------------

struct walk_state {
    const limits& lim;
    message& msg;
    budget* bud = nullptr;
    std::size_t parts = 0;
    bool parts_reported = false;
    bool depth_reported = false;
    bool timeout_reported = false;
    // Text candidates for body_text, in tree order.
    std::vector<std::size_t> plain_parts;  // indexes into msg.text_parts
    std::vector<std::size_t> html_parts;
    // HTML parts inside a multipart/alternative, not yet converted: when the
    // alternative has a plain version, only their links are needed (see
    // text::html_links for the measurement behind this).
    std::vector<std::size_t> deferred_html;
    parse_scope scope = parse_scope::full;
};

void add_links(walk_state& st, std::vector<text::url_ref>&& links) {
    for (auto& l : links) {
        if (st.msg.urls.size() >= st.lim.urls) {
            st.msg.add_anomaly("URLS_TRUNCATED", fmt::format("more than {} URLs", st.lim.urls));
            break;
        }
        st.msg.urls.push_back(std::move(l));
    }
}

void convert_html(walk_state& st, text_part& tp) {
    text::html_text ht = text::html_to_text(tp.html, st.lim.text_bytes, st.bud);
    tp.text = std::move(ht.text);
    add_links(st, std::move(ht.links));
}

/// One header field as the parser split it: the name without the blanks before
/// ':', the raw value (after ':', folds and the last line break included).
struct field_view {
    std::string_view name;
    std::string_view raw;
};

/// `fields`: the message's header fields when the caller split them itself
/// (plain_fields, the top level); null: GMime's header list of `gm`.
void fill_message(GMimeMessage* gm, message& m, const limits& lim, int depth, budget* bud,
                  parse_scope scope = parse_scope::full, const std::vector<field_view>* fields = nullptr);

/// A limit left part of the message unread: an anomaly (detectors may score it)
/// and a hit in the message's budget (the result is then marked incomplete).
void limit_anomaly(message& m, budget* bud, std::string_view id, std::string detail) {
    if (bud) bud->hit(id, detail);
    m.add_anomaly(std::string(id), std::move(detail));
}

std::string part_bytes(GMimePart* part) {
    GMimeDataWrapper* dw = g_mime_part_get_content(part);
    if (!dw) return {};
    gptr<GMimeStream> out(g_mime_stream_mem_new());
    g_mime_data_wrapper_write_to_stream(dw, out.get());
    GByteArray* arr = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(out.get()));
    return arr ? std::string(reinterpret_cast<const char*>(arr->data), arr->len) : std::string();
}

std::string object_bytes(GMimeObject* obj) {
    gptr<GMimeStream> out(g_mime_stream_mem_new());
    g_mime_object_write_to_stream(obj, nullptr, out.get());
    GByteArray* arr = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(out.get()));
    return arr ? std::string(reinterpret_cast<const char*>(arr->data), arr->len) : std::string();
}

std::string content_type_of(GMimeObject* obj) {
    GMimeContentType* ct = g_mime_object_get_content_type(obj);
    if (!ct) return "text/plain";
    const char* t = g_mime_content_type_get_media_type(ct);
    const char* s = g_mime_content_type_get_media_subtype(ct);
    return lower(fmt::format("{}/{}", t ? t : "application", s ? s : "octet-stream"));
}

std::string decoded_filename(GMimePart* part) {
    const char* fn = g_mime_part_get_filename(part);
    if (!fn || !*fn) return {};
    std::string name(fn);
    // GMime decodes RFC 2231 and (loosely) RFC 2047 in parameters with iconv; when
    // that left raw or broken bytes, run our own decoding over what it kept.
    if (!is_valid_utf8(name) || name.find('\x1b') != std::string::npos || name.find("=?") != std::string::npos)
        name = decode_header_text(name);
    return name;
}

void add_attachment(walk_state& st, GMimeObject* obj, std::string data, std::string ctype, std::string filename,
                    const std::string& path) {
    attachment a;
    a.filename = std::move(filename);
    a.declared_type = std::move(ctype);
    if (GMimeContentDisposition* cd = g_mime_object_get_content_disposition(obj)) {
        if (const char* d = g_mime_content_disposition_get_disposition(cd)) a.disposition = lower(d);
    }
    if (const char* cid = g_mime_object_get_content_id(obj)) a.content_id = cid;
    a.part_path = path;
    a.size = data.size();
    a.sha256 = sha256_hex(data);
    auto sniffed = magic().sniff(data, a.sha256);
    a.sniffed_type = std::move(sniffed.type);
    a.sniffed_label = std::move(sniffed.label);
    if (a.sniffed_label.size() > 200) a.sniffed_label.resize(200);
    a.data = std::move(data);
    st.msg.attachments.push_back(std::move(a));
}

void walk(walk_state& st, GMimeObject* obj, int depth, const std::string& path, bool in_alternative);

void add_text_part(walk_state& st, std::string ctype, std::string declared_charset, std::string data,
                   const std::string& path, bool in_alternative);

void walk_leaf(walk_state& st, GMimePart* part, int depth, const std::string& path, bool in_alternative) {
    GMimeObject* obj = GMIME_OBJECT(part);
    std::string ctype = content_type_of(obj);
    std::string filename = decoded_filename(part);
    std::string disposition;
    if (GMimeContentDisposition* cd = g_mime_object_get_content_disposition(obj))
        if (const char* d = g_mime_content_disposition_get_disposition(cd)) disposition = lower(d);
    bool is_text = ctype == "text/plain" || ctype == "text/html" || ctype == "text/enriched" ||
                   ctype == "text/richtext" || ctype == "text" || ctype == "text/x-amp-html";
    bool as_attachment = disposition == "attachment" || !filename.empty();
    if ((!is_text || as_attachment) && st.scope == parse_scope::learn) return;  // bytes never decoded
    std::string data = part_bytes(part);
    if (data.size() > st.lim.message_bytes) data.resize(st.lim.message_bytes);
    if (!is_text || as_attachment) {
        add_attachment(st, obj, std::move(data), ctype, std::move(filename), path);
        return;
    }
    const char* cs = g_mime_object_get_content_type_parameter(obj, "charset");
    add_text_part(st, std::move(ctype), cs ? cs : "", std::move(data), path, in_alternative);
}

/// A text part (not an attachment) of type `ctype` whose decoded bytes are `data`:
/// converted to UTF-8, HTML to text, and a candidate for the body text.
void add_text_part(walk_state& st, std::string ctype, std::string declared_charset, std::string data,
                   const std::string& path, bool in_alternative) {
    text_part tp;
    tp.content_type = ctype;
    tp.declared_charset = std::move(declared_charset);
    tp.part_path = path;
    if (data.find('\0') != std::string::npos) {
        st.msg.add_anomaly("NUL_BYTES", fmt::format("NUL bytes in text part {}", path));
        std::erase(data, '\0');
    }
    decoded_text dt = to_utf8(data, tp.declared_charset);
    tp.charset = dt.charset;
    if (dt.lossy)
        st.msg.add_anomaly("CHARSET_LOSSY", fmt::format("part {}: bytes not decodable as {} (declared '{}')", path,
                                                        dt.charset, tp.declared_charset));
    if (ctype == "text/html" || ctype == "text/x-amp-html") {
        tp.html = std::move(dt.text);
        if (in_alternative)
            st.deferred_html.push_back(st.msg.text_parts.size());
        else
            convert_html(st, tp);
        st.html_parts.push_back(st.msg.text_parts.size());
    } else {
        tp.text = std::move(dt.text);
        st.plain_parts.push_back(st.msg.text_parts.size());
    }
    st.msg.text_parts.push_back(std::move(tp));
}

/// The walk's limits, checked before each part: false when the part is not walked
/// (the time, depth or part-count limit passed; the anomaly is raised once).
bool enter_part(walk_state& st, int depth, const std::string& path) {
    if (st.bud && st.bud->expired()) {
        if (!st.timeout_reported)
            limit_anomaly(st.msg, st.bud, "PARSE_TIMEOUT",
                          fmt::format("MIME parts from {} on not read: the per-message time limit ({} ms) passed", path,
                                      st.lim.message_millis));
        st.timeout_reported = true;
        return false;
    }
    if (depth > static_cast<int>(st.lim.mime_depth)) {
        if (!st.depth_reported)
            limit_anomaly(st.msg, st.bud, "MIME_TOO_DEEP",
                          fmt::format("MIME nesting deeper than {}", st.lim.mime_depth));
        st.depth_reported = true;
        return false;
    }
    if (++st.parts > st.lim.mime_parts) {
        if (!st.parts_reported)
            limit_anomaly(st.msg, st.bud, "MIME_TOO_MANY_PARTS",
                          fmt::format("more than {} MIME parts", st.lim.mime_parts));
        st.parts_reported = true;
        return false;
    }
    return true;
}

/// A multipart's `n` children in order (`walk_child(i, path, in_alternative)`
/// walks child i), with multipart/alternative's choice between its plain and
/// HTML text. `ctype` is the multipart's type, lowered.
template <class WalkChild>
void walk_multipart(walk_state& st, const std::string& ctype, int n, const std::string& path, bool in_alternative,
                    WalkChild&& walk_child) {
    if (n == 0) st.msg.add_anomaly("MIME_EMPTY_MULTIPART", fmt::format("{} at {} has no parts", ctype, path));
    if (ctype == "multipart/alternative") {
        // Walk every alternative (links hide in HTML), but only one becomes body
        // text: remember where this alternative's text parts start.
        std::size_t plain_before = st.plain_parts.size(), html_before = st.html_parts.size();
        std::size_t deferred_before = st.deferred_html.size();
        for (int i = 0; i < n; ++i) walk_child(i, fmt::format("{}.{}", path, i + 1), true);
        // Prefer plain text; drop the HTML of this alternative from the body when a
        // non-empty plain version exists, and vice versa.
        bool has_plain = false;
        for (std::size_t k = plain_before; k < st.plain_parts.size(); ++k)
            if (trim(st.msg.text_parts[st.plain_parts[k]].text).size() > 0) has_plain = true;
        if (has_plain)
            st.html_parts.resize(html_before);
        else
            st.plain_parts.resize(plain_before);
        if (!in_alternative) {
            // Outermost alternative: settle the HTML parts it deferred.
            for (std::size_t k = deferred_before; k < st.deferred_html.size(); ++k) {
                text_part& tp = st.msg.text_parts[st.deferred_html[k]];
                if (has_plain)
                    add_links(st, text::html_links(tp.html, st.bud));
                else
                    convert_html(st, tp);
            }
            st.deferred_html.resize(deferred_before);
        }
        return;
    }
    for (int i = 0; i < n; ++i) walk_child(i, fmt::format("{}.{}", path, i + 1), in_alternative);
}

void walk(walk_state& st, GMimeObject* obj, int depth, const std::string& path, bool in_alternative) {
    if (!obj || !enter_part(st, depth, path)) return;
    if (GMIME_IS_MULTIPART(obj)) {
        GMimeMultipart* mp = GMIME_MULTIPART(obj);
        walk_multipart(st, content_type_of(obj), g_mime_multipart_get_count(mp), path, in_alternative,
                       [&](int i, const std::string& child_path, bool child_in_alternative) {
                           walk(st, g_mime_multipart_get_part(mp, i), depth + 1, child_path, child_in_alternative);
                       });
        return;
    }
    if (st.scope == parse_scope::learn && (GMIME_IS_MESSAGE_PART(obj) || GMIME_IS_MESSAGE_PARTIAL(obj))) return;
    if (GMIME_IS_MESSAGE_PART(obj)) {
        GMimeMessage* inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));
        std::string data = object_bytes(obj);
        // The header block of the message/rfc822 part itself precedes the message: keep the message only.
        if (inner) data = object_bytes(GMIME_OBJECT(inner));
        std::string fname;
        if (GMimeContentDisposition* cd = g_mime_object_get_content_disposition(obj))
            if (const char* f = g_mime_content_disposition_get_parameter(cd, "filename")) fname = decode_header_text(f);
        add_attachment(st, obj, std::move(data), content_type_of(obj), std::move(fname), path);
        if (inner) {
            auto em = std::make_unique<message>();
            fill_message(inner, *em, st.lim, depth + 1, st.bud);
            st.msg.embedded.push_back(std::move(em));
        }
        return;
    }
    if (GMIME_IS_MESSAGE_PARTIAL(obj)) {
        add_attachment(st, obj, part_bytes(GMIME_PART(obj)), content_type_of(obj), {}, path);
        st.msg.add_anomaly("MIME_MESSAGE_PARTIAL", fmt::format("message/partial at {}", path));
        return;
    }
    if (GMIME_IS_PART(obj)) walk_leaf(st, GMIME_PART(obj), depth, path, in_alternative);
}

/// The fields of a GMime object's header list (views into GMime's strings, valid
/// while the object lives). For a GMimeMessage: the fields other than Content-*,
/// which GMime gives the message's MIME part.
std::vector<field_view> gmime_fields(GMimeObject* obj) {
    std::vector<field_view> out;
    GMimeHeaderList* hl = g_mime_object_get_header_list(obj);
    const int n = hl ? g_mime_header_list_get_count(hl) : 0;
    out.reserve(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
        GMimeHeader* h = g_mime_header_list_get_header_at(hl, i);
        const char* name = g_mime_header_get_name(h);
        const char* raw = g_mime_header_get_raw_value(h);
        out.push_back(
            {name ? std::string_view(name) : std::string_view(), raw ? std::string_view(raw) : std::string_view()});
    }
    return out;
}

void fill_headers(const std::vector<field_view>& fields, message& m, const limits& lim, budget* bud) {
    std::size_t header_bytes = 0;
    std::size_t dropped = 0;
    bool eightbit_reported = false;
    bool field_reported = false;
    m.headers.reserve(m.headers.size() + fields.size());
    // The top-level block was bounded by bound_headers() before GMime saw it; an
    // embedded message (message/rfc822) was not, so the same rule applies here:
    // fields are cut at header_field_bytes, and past header_bytes only identity
    // and structure fields are kept. Never `break`: a From after a flood of junk
    // headers is what the detectors must see.
    for (const field_view& fv : fields) {
        header_field f;
        f.name = fv.name;
        const std::string_view raw_sv = fv.raw;
        const bool cut = raw_sv.size() > lim.header_field_bytes;
        f.raw = unfold(raw_sv.substr(0, lim.header_field_bytes));
        if (cut && !field_reported) {
            limit_anomaly(m, bud, "HEADER_FIELD_TOO_LONG",
                          fmt::format("{} header of {} bytes cut at {}", f.name.substr(0, 80), raw_sv.size(),
                                      lim.header_field_bytes));
            field_reported = true;
        }
        const std::size_t size = f.name.size() + f.raw.size();
        if (header_bytes + size > lim.header_bytes && !is_kept_header(f.name)) {
            ++dropped;
            continue;
        }
        header_bytes += size;
        if (!eightbit_reported && !is_ascii(f.raw)) {
            m.add_anomaly("HEADER_8BIT", fmt::format("raw 8-bit bytes in {}", f.name));
            eightbit_reported = true;
        }
        // The decoded value is made when asked (header_field::value).
        m.headers.push_back(std::move(f));
        if (bud && bud->expired()) {
            limit_anomaly(m, bud, "PARSE_TIMEOUT", "header fields not decoded: the per-message time limit passed");
            break;
        }
    }
    if (dropped)
        limit_anomaly(m, bud, "HEADER_TOO_LONG",
                      fmt::format("header block larger than {} bytes: {} fields beyond it dropped, identity and "
                                  "structure fields kept",
                                  lim.header_bytes, dropped));

    // The address fields, in one pass over the fields (it was one pass per field name,
    // with a std::string made for the name at every field: 193,548 g_ascii_strcasecmp
    // calls for 970 messages, callgrind). Each list keeps its fields' order.
    std::vector<mailbox> sender, return_path;
    m.from_all.clear();
    m.to.clear();
    m.cc.clear();
    m.reply_to.clear();
    for (const auto& h : m.headers) {
        std::vector<mailbox>* into = ieq(h.name, "From")          ? &m.from_all
                                     : ieq(h.name, "To")          ? &m.to
                                     : ieq(h.name, "Cc")          ? &m.cc
                                     : ieq(h.name, "Reply-To")    ? &m.reply_to
                                     : ieq(h.name, "Sender")      ? &sender
                                     : ieq(h.name, "Return-Path") ? &return_path
                                                                  : nullptr;
        if (!into) continue;
        auto v = parse_address_list(h.raw);
        into->insert(into->end(), std::make_move_iterator(v.begin()), std::make_move_iterator(v.end()));
    }
    m.from = first_mailbox(m.from_all);
    m.sender = first_mailbox(sender);
    m.return_path = first_mailbox(return_path);
    if (m.header_count("From") == 0)
        m.add_anomaly("MISSING_FROM", "no From header");
    else if (!m.from || m.from->address.empty())
        m.add_anomaly("FROM_UNPARSEABLE", "From header holds no address");

    if (const header_field* h = m.header("Message-ID")) {
        auto ids = parse_msgids(h->raw);
        if (!ids.empty()) m.message_id = ids.front();
    }
    if (m.message_id.empty()) m.add_anomaly("MISSING_MESSAGE_ID", "no usable Message-ID");
    if (const header_field* h = m.header("In-Reply-To")) m.in_reply_to = parse_msgids(h->raw);
    if (const header_field* h = m.header("References")) m.references = parse_msgids(h->raw);
    if (const header_field* h = m.header("Subject"))
        m.subject = parse_subject(h->value());
    else
        m.subject = parse_subject({});
    if (const header_field* h = m.header("List-Id")) m.list_id = h->value();
    if (const header_field* h = m.header("Date")) {
        m.date_raw = h->value();
        if (GDateTime* dt = g_mime_utils_header_decode_date(h->raw.c_str())) {
            m.date = g_date_time_to_unix(dt);
            g_date_time_unref(dt);
        } else {
            m.add_anomaly("BAD_DATE", fmt::format("unparseable Date: {}", m.date_raw.substr(0, 80)));
        }
    } else {
        m.add_anomaly("MISSING_DATE", "no Date header");
    }
    for (const auto& h : m.headers) {
        if (g_ascii_strcasecmp(h.name.c_str(), "Received") == 0 && m.received.size() < 100)
            m.received.push_back(parse_received(h.value()));
        else if (g_ascii_strcasecmp(h.name.c_str(), "Authentication-Results") == 0) {
            auto r = parse_auth_results(h.value());
            m.auth_results.insert(m.auth_results.end(), r.begin(), r.end());
        }
    }
}

void finish_body(walk_state& st) {
    message& m = st.msg;
    const auto& pick = !st.plain_parts.empty() ? st.plain_parts : st.html_parts;
    std::string body;
    for (std::size_t idx : pick) {
        const std::string& t = m.text_parts[idx].text;
        if (!body.empty() && !t.empty()) body += "\n";
        body += t;
        if (body.size() > st.lim.text_bytes) {
            // Cut on a UTF-8 boundary.
            std::size_t cut = st.lim.text_bytes;
            while (cut > 0 && (static_cast<unsigned char>(body[cut]) & 0xC0) == 0x80) --cut;
            body.resize(cut);
            limit_anomaly(m, st.bud, "TEXT_TRUNCATED",
                          fmt::format("body text longer than {} bytes", st.lim.text_bytes));
            break;
        }
    }
    // Normalise line ends once here so every later stage sees '\n' only.
    std::erase(body, '\r');
    m.body_text = std::move(body);
    mime::split_body sb = mime::split_quotes(m.body_text);
    m.new_text = std::move(sb.new_text);
    m.quoted = std::move(sb.quoted);
    // URLs from every plain part (HTML links were taken while walking).
    for (const auto& tp : m.text_parts)
        if (tp.html.empty()) text::extract_urls(tp.text, m.urls, st.lim.urls);
}

void fill_message(GMimeMessage* gm, message& m, const limits& lim, int depth, budget* bud, parse_scope scope,
                  const std::vector<field_view>* fields) {
    fill_headers(fields ? *fields : gmime_fields(GMIME_OBJECT(gm)), m, lim, bud);
    walk_state st{lim, m, bud, 0, false, false, false, {}, {}, {}, scope};
    if (GMimeObject* root = g_mime_message_get_mime_part(gm)) {
        // The top-level type as GMime read it, kept for front-ends that rewrite
        // the body (the milter's banner) so they need not parse it again.
        if (GMimeContentType* ct = g_mime_object_get_content_type(root)) {
            if (const char* t = g_mime_content_type_get_media_type(ct)) m.body_type.type = lower(t);
            if (const char* s = g_mime_content_type_get_media_subtype(ct)) m.body_type.subtype = lower(s);
            if (const char* cs = g_mime_content_type_get_parameter(ct, "charset")) m.body_type.charset = cs;
            if (const char* b = g_mime_content_type_get_parameter(ct, "boundary")) m.body_type.boundary = b;
        }
        // GMime keeps the Content-* fields with the part, not in the message's header list.
        if (const char* cte = g_mime_object_get_header(root, "Content-Transfer-Encoding"))
            m.body_transfer_encoding = unfold(cte);
        walk(st, root, depth, "1", false);
    }
    finish_body(st);
}

bool ieq_ascii(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
        if (x != y) return false;
    }
    return true;
}

/// Bound the top-level header block before GMime parses it. Returns `bytes`
/// itself when the block is within limits (the usual case: one linear scan, no
/// copy), else a copy in `copy` where every field is cut at header_field_bytes
/// and, past header_bytes, only identity and structure fields are kept (at most
/// another header_bytes of them). Nothing is stored per field, so a block of
/// millions of fields costs two scans and a bounded copy.
std::string_view bound_headers(std::string_view bytes, const limits& lim, message& m, std::string& copy, budget* bud) {
    // The header block ends at the first empty line. The longest field (a line
    // that does not start with white space starts a new one) is measured in the
    // same pass: for_each_field's fields, without a second pass over the lines.
    std::size_t end = bytes.size();
    std::size_t longest = 0, field_start = 0;
    for (std::size_t p = bytes.find('\n'); p != std::string_view::npos; p = bytes.find('\n', p + 1)) {
        const std::size_t next = p + 1;
        if (next >= bytes.size()) break;
        if (bytes[next] == '\n' || (bytes[next] == '\r' && next + 1 < bytes.size() && bytes[next + 1] == '\n')) {
            end = next;
            break;
        }
        if (bytes[next] != ' ' && bytes[next] != '\t') {
            longest = std::max(longest, next - field_start);
            field_start = next;
        }
    }
    longest = std::max(longest, end - field_start);
    const std::string_view block = bytes.substr(0, end);
    // Fields: a line that does not start with white space starts a new one.
    auto for_each_field = [&](auto&& fn) {
        std::size_t start = 0;
        while (start < block.size()) {
            std::size_t e = start;
            for (;;) {
                const std::size_t nl = block.find('\n', e);
                if (nl == std::string_view::npos) {
                    e = block.size();
                    break;
                }
                e = nl + 1;
                if (e >= block.size() || (block[e] != ' ' && block[e] != '\t')) break;
            }
            fn(block.substr(start, e - start));
            start = e;
        }
    };
    if (block.size() <= lim.header_bytes && longest <= lim.header_field_bytes) return bytes;
    copy.clear();
    copy.reserve(std::min(block.size(), 2 * lim.header_bytes) + (bytes.size() - end));
    std::size_t others = 0, kept_identity = 0, dropped = 0, cut = 0;
    std::string first_cut;
    for_each_field([&](std::string_view f) {
        const auto colon = f.find(':');
        std::string_view name = colon == std::string_view::npos ? std::string_view() : f.substr(0, colon);
        while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.remove_suffix(1);
        std::string_view piece = f.substr(0, lim.header_field_bytes);
        if (piece.size() < f.size()) {
            ++cut;
            if (first_cut.empty()) first_cut = fmt::format("{} header of {} bytes", name.substr(0, 80), f.size());
        }
        const bool identity = is_kept_header(name);
        std::size_t& used = identity ? kept_identity : others;
        if (used + piece.size() > lim.header_bytes) {
            ++dropped;
            return;
        }
        used += piece.size();
        if (piece.size() < f.size()) {
            // Cut: no trailing line break or fold may remain (an empty line would end the block).
            while (!piece.empty() &&
                   (piece.back() == '\r' || piece.back() == '\n' || piece.back() == ' ' || piece.back() == '\t'))
                piece.remove_suffix(1);
            copy.append(piece);
            copy += "\r\n";
        } else {
            copy.append(piece);
            if (!piece.ends_with('\n')) copy += "\r\n";
        }
    });
    if (cut)
        limit_anomaly(m, bud, "HEADER_FIELD_TOO_LONG",
                      fmt::format("{} header fields longer than {} bytes cut (first: {})", cut, lim.header_field_bytes,
                                  first_cut));
    if (dropped || block.size() > lim.header_bytes)
        limit_anomaly(m, bud, "HEADER_TOO_LONG",
                      fmt::format("header block of {} bytes larger than {}: {} fields dropped, identity and "
                                  "structure fields kept",
                                  block.size(), lim.header_bytes, dropped));
    copy.append(bytes.substr(end));
    return copy;
}

// --- the top-level header block without GMimeMessage's header processing ------
//
// GMime appends each top-level field to a GMimeMessage: the message parses the
// address fields into InternetAddress objects, Date into a GDateTime, and, since
// a warning callback is set, GMimeObject decodes every value (unfold, RFC 2047)
// to validate it. We read none of that (fill_headers decodes the raw values
// itself), and it was a third of the parse: callgrind over every 4th corpus file
// (970), g_mime_header_get_value 14.5% of all instructions, the message's
// headers and address lists freed again in g_object_unref. So for a header
// block simple enough that GMime cannot split it differently (plain_fields), we
// split it ourselves, give GMime the block without the fields other than
// Content-* (the offsets of its warnings are moved back to the input's), and
// raise the warnings GMime would have raised for those fields
// (warn_as_gmime_message). Anything else takes GMime's path unchanged.

struct plain_field {
    std::string_view name;   // without the blanks before ':'
    std::string_view raw;    // after ':' up to and with the field's last line break
    std::size_t offset = 0;  // where the field starts (GMime's header offset)
    std::size_t end = 0;     // past its last line break
};

bool is_content_field(std::string_view name) { return name.size() >= 8 && starts_with_ci(name, "Content-"); }

/// GMime's parsing of a field's parameters is quadratic in their number (a
/// subpart whose Content-Type held 300,000 took 320 s of CPU, and GMime's parse
/// cannot be interrupted), and bound_headers bounds the top-level block only.
/// So on GMime's path every line of the input that starts a Content-Type or
/// Content-Disposition field (a header block's, or text that looks like one)
/// keeps at most
/// k_part_field_params parameters: the field is cut before its next ';', and
/// what follows of it is left out. Real fields have a handful (a long file name
/// in RFC 2231 pieces, a dozen). The input is copied only when a field is cut.
constexpr std::size_t k_part_field_params = 64;

/// A Content-Type or Content-Disposition field with more than k_part_field_params
/// parameters: where it starts, where it is cut (its next ';') and where it ends
/// (past its last line break, or the input's end).
struct overlong_field {
    std::size_t start = 0, cut = 0, end = 0;
};

/// The first such field starting on a line at or after `from` (a line start).
std::optional<overlong_field> next_overlong_part_field(std::string_view bytes, std::size_t from) {
    const auto starts_field = [&](std::size_t p) {
        const std::string_view rest = bytes.substr(p, 24);
        std::size_t n = 0;
        if (starts_with_ci(rest, "Content-Type"))
            n = 12;
        else if (starts_with_ci(rest, "Content-Disposition"))
            n = 19;
        else
            return false;
        while (n < rest.size() && (rest[n] == ' ' || rest[n] == '\t')) ++n;
        return n < rest.size() && rest[n] == ':';
    };
    for (std::size_t p = from; p < bytes.size();) {
        std::size_t nl = bytes.find('\n', p);
        if ((bytes[p] == 'C' || bytes[p] == 'c') && starts_field(p)) {
            // The field: this line and the lines that continue it.
            std::size_t end = nl == std::string_view::npos ? bytes.size() : nl + 1;
            while (end < bytes.size() && (bytes[end] == ' ' || bytes[end] == '\t')) {
                const std::size_t e = bytes.find('\n', end);
                end = e == std::string_view::npos ? bytes.size() : e + 1;
            }
            const std::string_view field = bytes.substr(0, end);  // searches stop at its end
            std::size_t semis = 0, at = p;
            for (; (at = field.find(';', at)) != std::string_view::npos; ++at)
                if (++semis > k_part_field_params) return overlong_field{p, at, end};
            nl = end - 1;  // end > p: the field's last line break, or the input's last byte
        }
        if (nl == std::string_view::npos) break;
        p = nl + 1;
    }
    return std::nullopt;
}

/// Whether bound_part_fields would cut a field of `bytes`: GMime's path reads the
/// input cut, so the parser's own readings (simple_top_part) leave such an input
/// to it. A cut needs more than k_part_field_params ';' in all, which most
/// messages do not hold: memchr finds that out (std::count, not vectorised at -O2,
/// was 7% of `scan -j1`'s instructions, callgrind 2026-12-06); only an input with
/// more has its lines read.
bool cuts_part_fields(std::string_view bytes) {
    const char* p = bytes.data();
    const char* const end = p + bytes.size();
    std::size_t semis = 0;
    while (semis <= k_part_field_params) {
        p = static_cast<const char*>(std::memchr(p, ';', static_cast<std::size_t>(end - p)));
        if (!p) return false;
        ++semis;
        ++p;
    }
    return next_overlong_part_field(bytes, 0).has_value();
}

/// `base`: where `bytes` starts in the input (for the anomaly's byte offset).
std::string_view bound_part_fields(std::string_view bytes, std::size_t base, message& m, std::string& copy,
                                   budget* bud) {
    std::string out;
    std::size_t copied = 0;  // bytes[0, copied) is in `out` (when a field was cut)
    std::size_t cut = 0;
    for (auto f = next_overlong_part_field(bytes, 0); f; f = next_overlong_part_field(bytes, f->end)) {
        if (out.empty()) out.reserve(bytes.size());
        out.append(bytes.substr(copied, f->cut - copied));
        out.append(f->end >= 2 && bytes[f->end - 2] == '\r' ? "\r\n" : "\n");
        copied = f->end;
        if (!cut++)
            limit_anomaly(
                m, bud, "HEADER_FIELD_TOO_LONG",
                fmt::format("{} field at byte {} with more than {} parameters cut",
                            bytes.substr(f->start, bytes[f->start + 8] == 'T' || bytes[f->start + 8] == 't' ? 12 : 19),
                            base + f->start, k_part_field_params));
    }
    if (!cut) return bytes;
    out.append(bytes.substr(copied));
    copy = std::move(out);
    return copy;
}

/// Split the header block the way gmime-parser.c (3.2) step_headers and
/// header_buffer_parse do, for blocks where the rules cannot disagree: every
/// field starts with a name of printable ASCII other than ':', then blanks and
/// ':'; a line starting with a blank continues it; an empty line ends the block;
/// no NUL byte. Returns false for anything else (no empty line, a line GMime
/// would call an invalid header or an mbox From line, 8-bit names, NULs), and
/// the caller leaves the whole block to GMime.
bool plain_fields(std::string_view bytes, std::vector<plain_field>& out, std::size_t& block_end) {
    out.clear();
    std::size_t pos = 0;
    const auto blank = [](char c) { return c == ' ' || c == '\t'; };
    for (;;) {
        if (pos >= bytes.size()) return false;
        if (bytes[pos] == '\n' || (bytes[pos] == '\r' && pos + 1 < bytes.size() && bytes[pos + 1] == '\n')) {
            block_end = pos;
            return !out.empty() && std::memchr(bytes.data(), '\0', pos) == nullptr;
        }
        std::size_t p = pos;
        // A field name: printable ASCII but ':' (a table: the three comparisons a
        // byte were 0.4% of `scan -j1`'s instructions, callgrind 2026-12-05).
        static constexpr std::array<bool, 256> k_name_byte = [] {
            std::array<bool, 256> t{};
            for (int c = 0x21; c < 0x7f; ++c) t[static_cast<std::size_t>(c)] = c != ':';
            return t;
        }();
        while (p < bytes.size() && k_name_byte[static_cast<unsigned char>(bytes[p])]) ++p;
        const std::size_t name_end = p;
        if (name_end == pos) return false;
        while (p < bytes.size() && blank(bytes[p])) ++p;
        if (p >= bytes.size() || bytes[p] != ':') return false;
        std::size_t e = p + 1;
        for (;;) {
            const std::size_t nl = bytes.find('\n', e);
            if (nl == std::string_view::npos) return false;
            e = nl + 1;
            if (e >= bytes.size() || !blank(bytes[e])) break;
        }
        out.push_back({bytes.substr(pos, name_end - pos), bytes.substr(p + 1, e - p - 1), pos, e});
        pos = e;
    }
}

/// A CR that ends no line ("a@b.\rexample"): our unfolding drops it, GMime's
/// address parser reads it (and gives up on the address, fuzz_simple_body).
bool holds_bare_cr(std::string_view raw) {
    for (std::size_t i = raw.find('\r'); i != std::string_view::npos; i = raw.find('\r', i + 1))
        if (i + 1 == raw.size() || raw[i + 1] != '\n') return true;
    return false;
}

/// GMime's RFC 2047 tokenizer can warn only about an encoded word ("=?"), and
/// g_mime_utils_header_unfold drops CR and LF, so "=\r?" counts as one too.
/// Searched from the '?' back: header values hold far more '=' than '?'
/// (DKIM and ARC tags, Authentication-Results), and a search from every '=' was
/// most of the parse's memchr calls.
bool may_hold_encoded_word(std::string_view raw) {
    for (std::size_t i = raw.find('?'); i != std::string_view::npos; i = raw.find('?', i + 1)) {
        std::size_t j = i;
        while (j > 0 && (raw[j - 1] == '\r' || raw[j - 1] == '\n')) --j;
        if (j > 0 && raw[j - 1] == '=') return true;
    }
    return false;
}

/// gmime-utils.c (3.2) rfc2047_token_new_encoded_word, whether it makes a token.
/// `word` lies in a NUL-terminated string: GMime reads up to two bytes past it.
bool gmime_encoded_word(const char* word, std::size_t len) {
    if (len < 7 || std::strncmp(word, "=?", 2) != 0 || std::strncmp(word + len - 2, "?=", 2) != 0) return false;
    const char* p = word + 2;
    if (*p == '?' || *p == '*') return false;
    p = static_cast<const char*>(std::memchr(p, '?', len - 2));
    if (!p || p[2] != '?') return false;
    ++p;  // the encoding
    if (*p != 'B' && *p != 'b' && *p != 'Q' && *p != 'q') return false;
    return p + 2 <= word + len - 2;  // the payload does not start past the closing "?="
}

/// gmime-utils.c (3.2) tokenize_rfc2047_text in loose mode (our parser options),
/// reduced to its one warning: a well-formed encoded word with white space in
/// it. Decoding a value in GMime only to learn that cost 140,000 instructions a
/// value with an encoded word (callgrind, 213 values in 485 corpus files, 3.3%
/// of all instructions): this scan is what decides, GMime decodes (and warns)
/// only when it says so. `in` is the unfolded value, NUL-terminated.
bool rfc2047_text_warns(const char* in) {
    const char* inptr = in;
    const char* const end = in + std::strlen(in);
    while (*inptr) {
        while (gmime_lwsp(*inptr)) ++inptr;
        if (!*inptr) break;
        const char* word = inptr;
        bool specials = false;
        bool encoded = false;
        if (inptr[0] == '=' && inptr[1] == '?') {
            inptr += 2;
            for (; *inptr && *inptr != '?'; ++inptr)
                if (gmime_lwsp(*inptr)) specials = true;
            if (inptr[0] == '?' && inptr[1] != '\0' && std::strchr("BbQq", inptr[1]) && inptr[2] == '?') {
                inptr += 3;
                // To the first "?=" by memchr on '?', then white space before it by
                // memchr: GMime's byte loop, copied, was 0.7% of `scan -j1`'s
                // instructions over Exchange's base64 fields (callgrind, 2026-12-05).
                const char* close = inptr;
                for (;;) {
                    close = static_cast<const char*>(std::memchr(close, '?', static_cast<std::size_t>(end - close)));
                    if (!close || close[1] == '=') break;  // close[1] is at most the terminating NUL
                    ++close;
                }
                if (!close) {
                    specials = false;  // no end marker
                    inptr = word + 2;
                } else {
                    const auto n = static_cast<std::size_t>(close - inptr);
                    if (std::memchr(inptr, ' ', n) || std::memchr(inptr, '\t', n) || std::memchr(inptr, '\r', n) ||
                        std::memchr(inptr, '\n', n))
                        specials = true;
                    inptr = close + 2;
                    encoded = true;
                }
            }
        }
        if (!encoded)
            while (*inptr && !gmime_lwsp(*inptr) && !(inptr[0] == '=' && inptr[1] == '?')) ++inptr;
        if (specials && gmime_encoded_word(word, static_cast<std::size_t>(inptr - word))) return true;
    }
    return false;
}

/// Address values GMime's parser (our options) raised no recorded warning about.
/// LIMITS: at most k_max values of at most k_max_value bytes a thread, emptied when full.
class quiet_addresses {
public:
    static quiet_addresses& of_thread() {
        thread_local quiet_addresses q;
        return q;
    }
    bool has(std::string_view raw) const { return raw.size() <= k_max_value && set_.contains(raw); }
    void add(std::string_view raw) {
        if (raw.size() > k_max_value) return;
        if (set_.size() >= k_max) set_.clear();
        set_.emplace(raw);
    }

private:
    static constexpr std::size_t k_max = 1024, k_max_value = 1024;
    struct hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view v) const { return std::hash<std::string_view>{}(v); }
    };
    std::unordered_set<std::string, hash, std::equal_to<>> set_;
};

/// The warnings GMime raises while it appends the top-level fields other than
/// Content-* to a GMimeMessage (gmime-parser.c parser_construct_message,
/// gmime-message.c process_header, gmime-object.c object_header_changed), in its
/// order, field by field:
///  1. a field RFC 5322 allows once, after one of the same name: HEADER_CONFLICTING
///     or HEADER_DUPLICATED (raw values compared with the first one's);
///  2. Sender, From, Reply-To, To, Cc, Bcc: the raw value through GMime's address
///     parser (ADDRESS_LIST_INVALID, RFC2047_INVALID of a display name);
///  3. every value unfolded and decoded once (g_mime_header_get_value):
///     RFC2047_INVALID. Only a value rfc2047_text_warns() about is given to
///     GMime's decoder, which then raises the warning itself.
/// GMime's public calls report offset -1; the sink names the field's offset, as
/// the parser did.
void warn_as_gmime_message(const std::vector<plain_field>& fields, GMimeParserOptions* opts, warn_sink& sink) {
    // gmime-parser.c rfc5322_single_hdr; the first raw value of each.
    static constexpr std::string_view k_single[] = {
        "bcc", "cc", "date", "from", "in-reply-to", "message-id", "references", "reply-to", "sender", "subject", "to"};
    static constexpr std::string_view k_address[] = {"Sender", "From", "Reply-To", "To", "Cc", "Bcc"};
    std::array<std::optional<std::string_view>, std::size(k_single)> first;
    std::string c_str;  // a NUL-terminated copy for GMime, made only when GMime is called
    const auto terminated = [&](std::string_view v) -> const char* { return c_str.assign(v).c_str(); };
    for (const plain_field& f : fields) {
        if (is_content_field(f.name)) continue;
        sink.field_offset = static_cast<gint64>(f.offset);
        for (std::size_t k = 0; k < std::size(k_single); ++k) {
            if (!ieq(f.name, k_single[k])) continue;
            if (!first[k])
                first[k] = f.raw;
            else
                on_warning(sink.field_offset,
                           *first[k] == f.raw ? GMIME_WARN_DUPLICATED_HEADER : GMIME_CRIT_CONFLICTING_HEADER,
                           terminated(f.name), &sink);
            break;
        }
        for (std::string_view a : k_address) {
            if (!ieq(f.name, a)) continue;
            // Raw values GMime's address parser recorded no warning about are
            // remembered per thread (quiet_addresses): the same From, To and Sender
            // come back message after message, and parsing them again only to learn
            // that was 1.5% of `scan -j1`'s instructions (GMime's parse and its
            // GObjects; callgrind over every 8th corpus file, 2026-12-05). Only a
            // parse that could have recorded one and did not is remembered.
            quiet_addresses& quiet = quiet_addresses::of_thread();
            if (quiet.has(f.raw)) break;
            // Nor is a plain mailbox GMime reads only one way (mime::detail::
            // simple_mailbox, asked of the value parse_address_list asks it of):
            // address_test.cpp holds that GMime raises no warning for any such
            // value of the corpus or of its generated ones. A bare CR is dropped
            // before that question, not by GMime: such a value is left to it.
            if (!needs_header_decoding(f.raw) && !holds_bare_cr(f.raw) &&
                detail::simple_mailbox(decode_address_header(f.raw)))
                break;
            const std::size_t before = sink.m->anomalies.size();
            if (InternetAddressList* l = internet_address_list_parse(opts, terminated(f.raw))) g_object_unref(l);
            if (before < k_max_gmime_anomalies && sink.m->anomalies.size() == before) quiet.add(f.raw);
            break;
        }
        // The check reads our copy of GMime's unfolding (gmime_unfold: the same
        // bytes, a fraction of the instructions); GMime unfolds and decodes only a
        // value that warns.
        if (may_hold_encoded_word(f.raw) && rfc2047_text_warns(gmime_unfold(f.raw).c_str())) {
            char* unfolded = g_mime_utils_header_unfold(terminated(f.raw));
            g_free(g_mime_utils_header_decode_text(opts, unfolded));
            g_free(unfolded);
        }
    }
    sink.field_offset = -1;
}

/// The input GMime reads in place of `bytes`: the header block with its
/// Content-* fields only, then the rest of `bytes` as it is. Each run of fields
/// left out is noted in `removed` (its position in the new stream, its length).
/// Left out, not blanked: GMime copies, unfolds and scans every value, and blank
/// fields as long as the runs cost ~110,000 instructions a message (callgrind,
/// 485 corpus files: 885.6 M with them, 831.8 M without).
GMimeStream* stream_without_message_fields(std::string_view bytes, const std::vector<plain_field>& fields,
                                           std::size_t block_end,
                                           std::vector<std::pair<std::size_t, std::size_t>>& removed) {
    GByteArray* arr = g_byte_array_sized_new(static_cast<guint>(bytes.size()));
    const auto append = [&](std::string_view s) {
        g_byte_array_append(arr, reinterpret_cast<const guint8*>(s.data()), static_cast<guint>(s.size()));
    };
    removed.clear();
    std::size_t run = std::string_view::npos;  // start of the current run of message fields
    const auto flush = [&](std::size_t upto) {
        if (run == std::string_view::npos) return;
        removed.emplace_back(arr->len, upto - run);
        run = std::string_view::npos;
    };
    for (const plain_field& f : fields) {
        if (!is_content_field(f.name)) {
            if (run == std::string_view::npos) run = f.offset;
            continue;
        }
        flush(f.offset);
        append(bytes.substr(f.offset, f.end - f.offset));
    }
    flush(block_end);
    append(bytes.substr(block_end));
    return g_mime_stream_mem_new_with_byte_array(arr);
}

/// GMimeMessage's header list of a block split here: the fields other than
/// Content-*, in order (GMime gives those to the message's part).
std::vector<field_view> message_fields_of(const std::vector<plain_field>& fields) {
    std::vector<field_view> out;
    out.reserve(fields.size());
    for (const plain_field& f : fields)
        if (!is_content_field(f.name)) out.push_back({f.name, f.raw});
    return out;
}

/// The top-level part when it is one simple text part or a simple multipart of
/// such parts (mime/simple_body.hpp), read from the block's Content-* fields and
/// the bytes after its empty line; nullopt: GMime reads the message.
struct simple_top {
    simple_body body;
    std::string_view content;              ///< after the block's empty line
    std::vector<simple_subpart> subparts;  ///< a multipart's, split
};

std::optional<simple_top> simple_top_part(std::string_view bytes, std::size_t block_end,
                                          const std::vector<plain_field>& fields) {
    std::array<raw_field, 8> content{};
    std::size_t n = 0;
    for (const plain_field& f : fields) {
        if (!is_content_field(f.name)) continue;
        if (n == content.size()) return std::nullopt;  // more than read_simple_body takes
        content[n++] = {f.name, f.raw};
    }
    auto body = read_simple_body(std::span<const raw_field>(content.data(), n), true);
    if (!body) return std::nullopt;
    // Text that looks like a Content-Type field of more than k_part_field_params
    // parameters, even inside a body: GMime's path reads the input with it cut
    // (bound_part_fields), so this reading could not be the same (fuzz_simple_body).
    if (cuts_part_fields(bytes)) return std::nullopt;
    simple_top top{std::move(*body), {}, {}};
    const std::size_t start = block_end + (bytes[block_end] == '\r' ? 2 : 1);
    top.content = bytes.substr(std::min(start, bytes.size()));
    if (ieq(top.body.type, "multipart")) {
        auto parts = split_simple_multipart(top.content, top.body.boundary);
        if (!parts) return std::nullopt;
        top.subparts = std::move(*parts);
    }
    return top;
}

/// walk_leaf's text branch for a simple part (no file name, no attachment
/// disposition, a text type): decoded, bounded, added.
void add_simple_part(walk_state& st, const simple_body& b, std::string_view content, int depth, const std::string& path,
                     bool in_alternative) {
    if (!enter_part(st, depth, path)) return;
    std::string data = decode_simple_body(content, b.decode);
    if (data.size() > st.lim.message_bytes) data.resize(st.lim.message_bytes);
    add_text_part(st, lower(b.type) + "/" + lower(b.subtype), b.charset, std::move(data), path, in_alternative);
}

/// fill_message for a message whose top-level part is simple (simple_top_part):
/// the same model GMime's tree gives, without the tree.
void fill_simple_message(const simple_top& top, const std::vector<plain_field>& fields, message& m, const limits& lim,
                         budget* bud, parse_scope scope) {
    fill_headers(message_fields_of(fields), m, lim, bud);
    walk_state st{lim, m, bud, 0, false, false, false, {}, {}, {}, scope};
    const simple_body& body = top.body;
    m.body_type.type = lower(body.type);
    m.body_type.subtype = lower(body.subtype);
    m.body_type.charset = body.charset;
    m.body_type.boundary = body.boundary;
    m.body_transfer_encoding = unfold(body.transfer_encoding);
    if (m.body_type.type != "multipart") {
        add_simple_part(st, body, top.content, 0, "1", false);
    } else if (enter_part(st, 0, "1")) {
        walk_multipart(st, m.body_type.type + "/" + m.body_type.subtype, static_cast<int>(top.subparts.size()), "1",
                       false, [&](int i, const std::string& path, bool in_alternative) {
                           const simple_subpart& sp = top.subparts[static_cast<std::size_t>(i)];
                           add_simple_part(st, sp.body, sp.content, 1, path, in_alternative);
                       });
    }
    finish_body(st);
}

}  // namespace

bool is_kept_header(std::string_view name) {
    static constexpr std::string_view k_kept[] = {"From",
                                                  "Sender",
                                                  "Reply-To",
                                                  "To",
                                                  "Cc",
                                                  "Subject",
                                                  "Date",
                                                  "Message-ID",
                                                  "In-Reply-To",
                                                  "References",
                                                  "MIME-Version",
                                                  "Content-Type",
                                                  "Content-Transfer-Encoding",
                                                  "Content-Disposition"};
    for (auto k : k_kept)
        if (ieq_ascii(name, k)) return true;
    return false;
}

void init() {
    static std::once_flag once;
    std::call_once(once, [] { g_mime_init(); });
}

message parse_message(std::string_view bytes, const limits& lim, budget* bud) {
    return parse_message(bytes, lim, bud, parse_scope::full);
}

namespace {

/// `own_split`: the top-level block of plain fields is split here (the
/// production path); false: every block goes through GMimeMessage (tests).
message parse(std::string_view bytes, const limits& lim, budget* bud, parse_scope scope, bool own_split) {
    init();
    message m;
    m.raw_size = bytes.size();
    if (bytes.size() > lim.message_bytes) {
        limit_anomaly(m, bud, "MIME_TRUNCATED",
                      fmt::format("message larger than {} bytes; the rest was not read", lim.message_bytes));
        bytes = bytes.substr(0, lim.message_bytes);
    }
    // An mbox "From " envelope line is not a header.
    if (bytes.starts_with("From ")) {
        auto nl = bytes.find('\n');
        bytes.remove_prefix(nl == std::string_view::npos ? bytes.size() : nl + 1);
    }
    std::string bounded;
    bytes = bound_headers(bytes, lim, m, bounded, bud);
    if (std::memchr(bytes.data(), '\0', bytes.size())) m.add_anomaly("NUL_BYTES", "NUL bytes in the message");

    GMimeParserOptions* opts = parser_options();
    warn_sink sink;
    sink.m = &m;
    g_mime_parser_options_set_warning_callback(opts, on_warning, &sink);
    std::vector<plain_field> fields;
    std::size_t block_end = 0;
    std::string bounded_fields;  // the input with parameter lists cut (bound_part_fields), when one was
    gptr<GMimeStream> stream;
    if (own_split && plain_fields(bytes, fields, block_end)) {
        warn_as_gmime_message(fields, opts, sink);
        if (auto top = simple_top_part(bytes, block_end, fields)) {
            g_mime_parser_options_set_warning_callback(opts, nullptr, nullptr);
            fill_simple_message(*top, fields, m, lim, bud, scope);
            if (m.headers.empty()) m.add_anomaly("NOT_A_MESSAGE", "the input has no header fields");
            return m;
        }
    } else {
        fields.clear();
    }
    // GMime's path: parameter lists bounded first (bound_part_fields). When a field
    // was cut, the block is split again on the new input, so that the fields'
    // views and offsets are the new input's.
    if (const std::string_view cut = bound_part_fields(bytes, 0, m, bounded_fields, bud); cut.data() != bytes.data()) {
        bytes = cut;
        if (!fields.empty() && !plain_fields(bytes, fields, block_end)) fields.clear();
    }
    if (!fields.empty()) {
        stream.reset(stream_without_message_fields(bytes, fields, block_end, sink.removed));
    } else {
        stream.reset(g_mime_stream_mem_new_with_buffer(bytes.data(), bytes.size()));
    }
    gptr<GMimeParser> parser(g_mime_parser_new_with_stream(stream.get()));
    g_mime_parser_set_format(parser.get(), GMIME_FORMAT_MESSAGE);
    gptr<GMimeMessage> gm(g_mime_parser_construct_message(parser.get(), opts));
    g_mime_parser_options_set_warning_callback(opts, nullptr, nullptr);
    sink.removed.clear();
    if (!gm) {
        m.add_anomaly("NOT_A_MESSAGE", "no message header block could be parsed");
        decoded_text dt = to_utf8(bytes.substr(0, std::min(bytes.size(), lim.text_bytes)), "");
        m.body_text = std::move(dt.text);
        std::erase(m.body_text, '\r');
        m.new_text = m.body_text;
        m.subject = parse_subject({});
        return m;
    }
    if (fields.empty()) {
        fill_message(gm.get(), m, lim, 0, bud, scope);
    } else {
        const std::vector<field_view> message_fields = message_fields_of(fields);
        fill_message(gm.get(), m, lim, 0, bud, scope, &message_fields);
    }
    if (m.headers.empty()) m.add_anomaly("NOT_A_MESSAGE", "the input has no header fields");
    return m;
}

}  // namespace

message parse_message(std::string_view bytes, const limits& lim, budget* bud, parse_scope scope) {
    return parse(bytes, lim, bud, scope, true);
}

namespace detail {

/// lower(s), eight bytes at a time: an upper-case ASCII letter is a byte below
/// 0x80 whose low seven bits are 0x41-0x5A (no carry crosses a byte in the two
/// sums). lower()'s byte loop over every Received value was 0.6% of `scan -j1`'s
/// instructions (callgrind, 2026-12-05).
std::string lower_ascii(std::string_view s) {
    std::string o(s);
    constexpr std::uint64_t k01 = 0x0101010101010101ULL, k7f = 0x7f7f7f7f7f7f7f7fULL, k80 = 0x8080808080808080ULL;
    std::size_t i = 0;
    for (; i + 8 <= o.size(); i += 8) {
        std::uint64_t x;
        std::memcpy(&x, o.data() + i, 8);
        const std::uint64_t low7 = x & k7f;
        const std::uint64_t upper = (low7 + (0x80 - 'A') * k01) & ~(low7 + (0x80 - 'Z' - 1) * k01) & ~x & k80;
        x |= upper >> 2;  // 0x80 >> 2 is 0x20: 'A' -> 'a'
        std::memcpy(o.data() + i, &x, 8);
    }
    for (; i < o.size(); ++i) o[i] = lower(o[i]);
    return o;
}

message parse_through_gmime_message(std::string_view bytes, const limits& lim, parse_scope scope) {
    return parse(bytes, lim, nullptr, scope, false);
}

namespace {
/// Whether parse() splits this input's top-level block itself, and (`simple`)
/// whether it reads the top-level part without GMime (simple_top_part).
bool top_fields(std::string_view bytes, const limits& lim, bool& simple) {
    message m;
    if (bytes.size() > lim.message_bytes) bytes = bytes.substr(0, lim.message_bytes);
    if (bytes.starts_with("From ")) {
        auto nl = bytes.find('\n');
        bytes.remove_prefix(nl == std::string_view::npos ? bytes.size() : nl + 1);
    }
    std::string bounded;
    bytes = bound_headers(bytes, lim, m, bounded, nullptr);
    std::vector<plain_field> fields;  // views into `bytes`, which may be `bounded`
    std::size_t block_end = 0;
    const bool split = plain_fields(bytes, fields, block_end);
    simple = split && simple_top_part(bytes, block_end, fields).has_value();
    return split;
}
}  // namespace

bool splits_header_block(std::string_view bytes, const limits& lim) {
    bool simple = false;
    return top_fields(bytes, lim, simple);
}

bool reads_simple_body(std::string_view bytes, const limits& lim) {
    bool simple = false;
    top_fields(bytes, lim, simple);
    return simple;
}

}  // namespace detail

}  // namespace replyguard::mime
