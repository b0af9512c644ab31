// SPDX-License-Identifier: Apache-2.0
// outlook/rebuild.cpp - MAPI properties -> RFC 5322 message (GMime writes the MIME).
#include "core/strings.hpp"
#include "outlook/mapi.hpp"

#include <gmime/gmime.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <mutex>

namespace replyguard::outlook {

namespace {

std::string lower(std::string_view s) {
    std::string o(s);
    for (auto& c : o) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return o;
}

std::uint64_t le(std::string_view b, std::size_t n) {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n && i < b.size(); ++i) v |= std::uint64_t(static_cast<unsigned char>(b[i])) << (8 * i);
    return v;
}

void gmime_init_once() {
    static std::once_flag once;
    std::call_once(once, [] { g_mime_init(); });
}

template <class T>
struct gobj {
    T* p = nullptr;
    explicit gobj(T* x) : p(x) {}
    ~gobj() {
        if (p) g_object_unref(p);
    }
    gobj(const gobj&) = delete;
    gobj& operator=(const gobj&) = delete;
    T* get() const { return p; }
};

std::string trim(std::string s) {
    auto sp = [](unsigned char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == 0; };
    while (!s.empty() && sp(static_cast<unsigned char>(s.back()))) s.pop_back();
    std::size_t i = 0;
    while (i < s.size() && sp(static_cast<unsigned char>(s[i]))) ++i;
    return s.substr(i);
}

struct addr {
    std::string name, address;
};

// Outlook writes the address as the display name when it knows no name; an
// RFC 5322 header would have no name there.
addr make_addr(std::string name, std::string address) {
    name = trim(std::move(name));
    address = trim(std::move(address));
    if (!name.empty() && lower(name) == lower(address)) name.clear();
    if (name.size() > 2 && name.front() == '\'' && name.back() == '\'' &&
        lower(name.substr(1, name.size() - 2)) == lower(address))
        name.clear();
    return {std::move(name), std::move(address)};
}

void add_mailbox(GMimeMessage* gm, GMimeAddressType t, const addr& a) {
    if (a.address.empty() && a.name.empty()) return;
    InternetAddressList* l = g_mime_message_get_addresses(gm, t);
    InternetAddress* ia = internet_address_mailbox_new(a.name.empty() ? nullptr : a.name.c_str(), a.address.c_str());
    internet_address_list_add(l, ia);
    g_object_unref(ia);
}

std::string bracketed(std::string id) {
    id = trim(std::move(id));
    if (id.empty()) return id;
    if (id.front() != '<') id = "<" + id;
    if (id.back() != '>') id += ">";
    return id;
}

std::string object_string(GMimeObject* o) {
    GMimeFormatOptions* fo = g_mime_format_options_new();
    g_mime_format_options_set_newline_format(fo, GMIME_NEWLINE_FORMAT_UNIX);
    char* s = g_mime_object_to_string(o, fo);
    g_mime_format_options_free(fo);
    std::string out = s ? s : "";
    g_free(s);
    return out;
}

GMimeObject* text_part(const char* subtype, const std::string& text) {
    GMimeTextPart* tp = g_mime_text_part_new_with_subtype(subtype);
    g_mime_text_part_set_text(tp, text.c_str());
    GMimePart* p = GMIME_PART(tp);
    g_mime_part_set_content_encoding(p, g_mime_part_get_best_content_encoding(p, GMIME_ENCODING_CONSTRAINT_7BIT));
    return GMIME_OBJECT(tp);
}

GMimeObject* bytes_part(std::string_view ctype, const std::string& name, const std::string& data,
                        const std::string& cid) {
    std::string type = "application", sub = "octet-stream";
    if (auto slash = ctype.find('/'); slash != std::string_view::npos && slash > 0 && slash + 1 < ctype.size()) {
        type = lower(trim(std::string(ctype.substr(0, slash))));
        sub = lower(trim(std::string(ctype.substr(slash + 1))));
        if (auto semi = sub.find(';'); semi != std::string::npos) sub = trim(sub.substr(0, semi));
    }
    // A multipart or message type would be reparsed as structure: the bytes are a file here.
    if (type == "multipart" || type == "message") type = "application", sub = "octet-stream";
    GMimePart* p = g_mime_part_new_with_type(type.c_str(), sub.c_str());
    GMimeStream* st = g_mime_stream_mem_new_with_buffer(data.data(), data.size());
    GMimeDataWrapper* w = g_mime_data_wrapper_new_with_stream(st, GMIME_CONTENT_ENCODING_DEFAULT);
    g_mime_part_set_content(p, w);
    g_object_unref(w);
    g_object_unref(st);
    g_mime_part_set_content_encoding(p, GMIME_CONTENT_ENCODING_BASE64);
    if (!name.empty()) g_mime_part_set_filename(p, name.c_str());
    GMimeContentDisposition* cd = g_mime_content_disposition_new();
    g_mime_content_disposition_set_disposition(cd, cid.empty() ? "attachment" : "inline");
    if (!name.empty()) g_mime_content_disposition_set_parameter(cd, "filename", name.c_str());
    g_mime_object_set_content_disposition(GMIME_OBJECT(p), cd);
    g_object_unref(cd);
    if (!cid.empty()) {
        std::string c = cid;
        if (c.front() == '<' && c.back() == '>' && c.size() > 2) c = c.substr(1, c.size() - 2);
        g_mime_part_set_content_id(p, c.c_str());
    }
    return GMIME_OBJECT(p);
}

GMimeObject* message_part(const std::string& bytes) {
    GMimeStream* st = g_mime_stream_mem_new_with_buffer(bytes.data(), bytes.size());
    GMimeParser* ps = g_mime_parser_new_with_stream(st);
    GMimeMessage* inner = g_mime_parser_construct_message(ps, nullptr);
    g_object_unref(ps);
    g_object_unref(st);
    if (!inner) return nullptr;
    GMimeMessagePart* mp = g_mime_message_part_new_with_message("rfc822", inner);
    g_object_unref(inner);
    return GMIME_OBJECT(mp);
}

// The MIME body of the message: (text | alternative(text, html)) + attachments.
GMimeObject* build_body(const mapi_message& m, const rebuild_options& o) {
    auto text = get_string(m.props, pr_body);
    std::optional<std::string> html;
    if (auto h = get_binary(m.props, pr_html)) {
        // PR_HTML is bytes in the message's code page (PR_INTERNET_CPID).
        std::uint32_t cp =
            get_u32(m.props, pr_internet_cpid).value_or(get_u32(m.props, pr_message_codepage).value_or(0));
        html = g_utf8_validate(h->data(), static_cast<gssize>(h->size()), nullptr) ? *h : codepage_to_utf8(*h, cp);
    } else if (auto hs = get_string(m.props, pr_html)) {
        html = *hs;
    }
    std::optional<std::string> rtf;
    if (!text && !html)
        if (auto c = get_binary(m.props, pr_rtf_compressed))
            if (auto d = decompress_rtf(*c)) {
                std::string from_html;
                std::string plain = rtf_to_text(*d, &from_html);
                if (!from_html.empty())
                    html = std::move(from_html);
                else
                    text = std::move(plain);
                rtf = std::move(*d);
            }
    if (text) *text = std::string(text->c_str());  // a stored trailing NUL is not text
    GMimeObject* body = nullptr;
    if (text && html) {
        GMimeMultipart* alt = g_mime_multipart_new_with_subtype("alternative");
        GMimeObject* t = text_part("plain", *text);
        GMimeObject* h = text_part("html", *html);
        g_mime_multipart_add(alt, t);
        g_mime_multipart_add(alt, h);
        g_object_unref(t);
        g_object_unref(h);
        body = GMIME_OBJECT(alt);
    } else if (html) {
        body = text_part("html", *html);
    } else {
        body = text_part("plain", text ? *text : std::string());
    }

    std::vector<GMimeObject*> parts;
    if (rtf) parts.push_back(bytes_part("text/rtf", "body.rtf", *rtf, ""));
    for (const auto& a : m.attachments) {
        std::string name = get_string(a.props, pr_attach_long_filename).value_or("");
        if (name.empty()) name = get_string(a.props, pr_attach_filename).value_or("");
        if (name.empty()) name = get_string(a.props, pr_display_name).value_or("");
        name = trim(std::string(name.c_str()));
        if (a.embedded) {
            if (o.depth + 1 >= k_max_embedded_depth) continue;
            rebuild_options inner = o;
            inner.depth = o.depth + 1;
            if (GMimeObject* mp = message_part(to_rfc822(*a.embedded, inner))) {
                if (!name.empty()) {
                    GMimeContentDisposition* cd = g_mime_content_disposition_new();
                    g_mime_content_disposition_set_disposition(cd, "attachment");
                    std::string fn = name;
                    if (!fn.ends_with(".eml") && !fn.ends_with(".msg")) fn += ".eml";
                    g_mime_content_disposition_set_parameter(cd, "filename", fn.c_str());
                    g_mime_object_set_content_disposition(mp, cd);
                    g_object_unref(cd);
                }
                parts.push_back(mp);
            }
            continue;
        }
        std::string mime = get_string(a.props, pr_attach_mime_tag).value_or("application/octet-stream");
        parts.push_back(bytes_part(mime, name, a.data, get_string(a.props, pr_attach_content_id).value_or("")));
    }
    if (parts.empty()) return body;
    GMimeMultipart* mixed = g_mime_multipart_new_with_subtype("mixed");
    g_mime_multipart_add(mixed, body);
    g_object_unref(body);
    for (GMimeObject* p : parts) {
        g_mime_multipart_add(mixed, p);
        g_object_unref(p);
    }
    return GMIME_OBJECT(mixed);
}

// The boundary parameter of the transport headers' top-level Content-Type ("" none).
std::string original_boundary(std::string_view h) {
    std::string ct;
    bool in_ct = false;
    std::size_t pos = 0;
    while (pos < h.size()) {
        std::size_t nl = h.find('\n', pos);
        std::string_view line = h.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
        pos = nl == std::string_view::npos ? h.size() : nl + 1;
        while (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.empty()) break;
        if (line.front() == ' ' || line.front() == '\t') {
            if (in_ct) ct.append(line);
            continue;
        }
        if (in_ct) break;
        in_ct = lower(line.substr(0, 13)) == "content-type:";
        if (in_ct) ct.append(line.substr(13));
    }
    if (ct.empty()) return {};
    GMimeContentType* t = g_mime_content_type_parse(nullptr, ct.c_str());
    if (!t) return {};
    std::string out;
    if (g_mime_content_type_is_type(t, "multipart", "*"))
        if (const char* b = g_mime_content_type_get_parameter(t, "boundary")) out = b;
    g_object_unref(t);
    return out;
}

// Transport headers without the fields that describe the original body (we write our own).
std::string transport_headers_without_content(std::string_view h) {
    std::string out;
    bool skipping = false;
    std::size_t pos = 0;
    while (pos < h.size()) {
        std::size_t nl = h.find('\n', pos);
        std::string_view line = h.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl + 1 - pos);
        pos = nl == std::string_view::npos ? h.size() : nl + 1;
        std::string_view bare = line;
        while (!bare.empty() && (bare.back() == '\n' || bare.back() == '\r')) bare.remove_suffix(1);
        if (bare.empty()) break;  // end of the header block: Outlook sometimes stores a body stub after it
        if (bare.front() == ' ' || bare.front() == '\t') {
            if (!skipping) out.append(bare).push_back('\n');
            continue;
        }
        auto colon = bare.find(':');
        std::string name = lower(bare.substr(0, colon == std::string_view::npos ? 0 : colon));
        skipping = colon == std::string_view::npos || name.starts_with("content-") || name == "mime-version";
        if (!skipping) out.append(bare).push_back('\n');
    }
    return out;
}

addr representing(const mapi_message& m, const ex_map* ex) {
    const auto& p = m.props;
    auto name = get_string(p, pr_sent_representing_name);
    auto type = get_string(p, pr_sent_representing_addrtype);
    auto email = get_string(p, pr_sent_representing_email);
    auto smtp = get_string(p, pr_sent_representing_smtp_address);
    if (!name && !email && !smtp) {
        name = get_string(p, pr_sender_name);
        type = get_string(p, pr_sender_addrtype);
        email = get_string(p, pr_sender_email);
        smtp = get_string(p, pr_sender_smtp_address);
    }
    return make_addr(name.value_or(""), smtp_address(type.value_or(""), email.value_or(""), smtp.value_or(""), ex));
}

addr sender(const mapi_message& m, const ex_map* ex) {
    const auto& p = m.props;
    return make_addr(
        get_string(p, pr_sender_name).value_or(""),
        smtp_address(get_string(p, pr_sender_addrtype).value_or(""), get_string(p, pr_sender_email).value_or(""),
                     get_string(p, pr_sender_smtp_address).value_or(""), ex));
}

}  // namespace

std::string smtp_address(std::string_view type, std::string_view address, std::string_view smtp, const ex_map* ex) {
    std::string t = lower(trim(std::string(type)));
    std::string a = trim(std::string(address));
    std::string s = trim(std::string(smtp));
    if (!s.empty() && s.find('@') != std::string::npos) return s;
    bool exchange = t == "ex" || (a.size() > 3 && a.front() == '/' && lower(a.substr(0, 3)) == "/o=");
    if (!exchange) {
        if (lower(a).starts_with("smtp:")) a = a.substr(5);
        return a;
    }
    if (ex)
        if (auto it = ex->find(lower(a)); it != ex->end()) return it->second;
    // Not mapped: keep a stable, never-routable key from the last CN.
    std::string cn = lower(a);
    if (auto p = cn.rfind("/cn="); p != std::string::npos) cn = cn.substr(p + 4);
    std::string local;
    for (char c : cn)
        if (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_') local += c;
    if (local.empty()) local = "unknown";
    return local + "@exchange.invalid";
}

void collect_ex_addresses(const mapi_message& m, ex_map& out) {
    auto pair = [&](const property_map& p, std::uint16_t type_id, std::uint16_t email_id, std::uint16_t smtp_id) {
        auto e = get_string(p, email_id);
        auto s = get_string(p, smtp_id);
        if (!e || !s || s->find('@') == std::string::npos) return;
        std::string t = lower(get_string(p, type_id).value_or(""));
        if (t == "ex" || lower(*e).starts_with("/o=")) out.emplace(lower(trim(*e)), trim(*s));
    };
    pair(m.props, pr_sender_addrtype, pr_sender_email, pr_sender_smtp_address);
    pair(m.props, pr_sent_representing_addrtype, pr_sent_representing_email, pr_sent_representing_smtp_address);
    for (const auto& r : m.recipients) pair(r, pr_addrtype, pr_email_address, pr_smtp_address);
}

std::string to_rfc822(const mapi_message& m, const rebuild_options& o) {
    gmime_init_once();
    GMimeObject* body = build_body(m, o);
    const auto transport = get_string(m.props, pr_transport_message_headers);
    std::string out;
    if (transport && transport->find(':') != std::string::npos) {
        // The sender's client chose the top-level boundary: keep it, so what the
        // detectors read of the client (detect/forged_mua.cpp, sender profiles)
        // is the client's, not this rebuild's.
        if (GMIME_IS_MULTIPART(body))
            if (auto b = original_boundary(*transport); !b.empty())
                g_mime_multipart_set_boundary(GMIME_MULTIPART(body), b.c_str());
        out = transport_headers_without_content(*transport);
        for (const auto& w : m.warnings) out += "X-Replyguard-Outlook-Warning: " + w + "\n";
        out += "MIME-Version: 1.0\n";
        out += object_string(body);
        g_object_unref(body);
        return out;
    }

    gobj<GMimeMessage> gm(g_mime_message_new(FALSE));
    const ex_map* ex = o.ex_to_smtp;
    addr from = representing(m, ex);
    add_mailbox(gm.get(), GMIME_ADDRESS_TYPE_FROM, from);
    addr snd = sender(m, ex);
    if (!snd.address.empty() && lower(snd.address) != lower(from.address))
        add_mailbox(gm.get(), GMIME_ADDRESS_TYPE_SENDER, snd);
    for (const auto& r : m.recipients) {
        auto type = get_u32(r, pr_recipient_type).value_or(1) & 0x0F;
        addr a = make_addr(
            get_string(r, pr_display_name).value_or(""),
            smtp_address(get_string(r, pr_addrtype).value_or(""), get_string(r, pr_email_address).value_or(""),
                         get_string(r, pr_smtp_address).value_or(""), ex));
        add_mailbox(gm.get(),
                    type == 2   ? GMIME_ADDRESS_TYPE_CC
                    : type == 3 ? GMIME_ADDRESS_TYPE_BCC
                                : GMIME_ADDRESS_TYPE_TO,
                    a);
    }
    if (auto s = get_string(m.props, pr_subject)) {
        // A stored subject may start with 0x01 and the length of its prefix ("RE: "), MS-OXCMSG 2.2.1.46.
        if (s->size() >= 2 && (*s)[0] == '\x01') s->erase(0, 2);
        g_mime_message_set_subject(gm.get(), s->c_str(), "utf-8");
    }
    auto when = get_time(m.props, pr_client_submit_time);
    if (!when) when = get_time(m.props, pr_message_delivery_time);
    if (when) {
        GDateTime* dt = g_date_time_new_from_unix_utc(*when);
        if (dt) {
            g_mime_message_set_date(gm.get(), dt);
            g_date_time_unref(dt);
        }
    }
    GMimeObject* go = GMIME_OBJECT(gm.get());
    if (auto id = get_string(m.props, pr_internet_message_id); id && !trim(*id).empty())
        g_mime_object_set_header(go, "Message-ID", bracketed(*id).c_str(), nullptr);
    if (auto v = get_string(m.props, pr_in_reply_to_id); v && !trim(*v).empty())
        g_mime_object_set_header(go, "In-Reply-To", trim(*v).c_str(), nullptr);
    if (auto v = get_string(m.props, pr_internet_references); v && !trim(*v).empty())
        g_mime_object_set_header(go, "References", trim(*v).c_str(), nullptr);
    if (auto v = get_string(m.props, pr_conversation_topic); v && !v->empty())
        g_mime_object_set_header(go, "Thread-Topic", v->c_str(), "utf-8");
    if (auto v = get_binary(m.props, pr_conversation_index); v && !v->empty()) {
        gchar* b64 = g_base64_encode(reinterpret_cast<const guchar*>(v->data()), v->size());
        g_mime_object_set_header(go, "Thread-Index", b64, nullptr);
        g_free(b64);
    }
    for (const auto& w : m.warnings)
        g_mime_object_append_header(go, "X-Replyguard-Outlook-Warning", w.c_str(), "utf-8");
    g_mime_message_set_mime_part(gm.get(), body);
    g_object_unref(body);
    return object_string(go);
}

// --- property access -------------------------------------------------------

std::optional<std::string> get_string(const property_map& p, std::uint16_t id) {
    auto it = p.find(id);
    if (it == p.end() || (it->second.type != pt_unicode && it->second.type != pt_string8)) return std::nullopt;
    std::string s = it->second.value;
    while (!s.empty() && s.back() == '\0') s.pop_back();
    return s;
}

std::optional<std::string> get_binary(const property_map& p, std::uint16_t id) {
    auto it = p.find(id);
    if (it == p.end() || (it->second.type != pt_binary && it->second.type != pt_object)) return std::nullopt;
    return it->second.value;
}

std::optional<std::uint32_t> get_u32(const property_map& p, std::uint16_t id) {
    auto it = p.find(id);
    if (it == p.end()) return std::nullopt;
    switch (it->second.type) {
    case pt_short: return static_cast<std::uint32_t>(le(it->second.value, 2));
    case pt_long:
    case pt_boolean: return static_cast<std::uint32_t>(le(it->second.value, 4));
    default: return std::nullopt;
    }
}

std::int64_t filetime_to_unix(std::uint64_t ft) {
    return static_cast<std::int64_t>(ft / 10'000'000ULL) - 11'644'473'600LL;
}

std::optional<std::int64_t> get_time(const property_map& p, std::uint16_t id) {
    auto it = p.find(id);
    if (it == p.end() || it->second.type != pt_systime || it->second.value.size() < 8) return std::nullopt;
    std::uint64_t ft = le(it->second.value, 8);
    if (ft == 0) return std::nullopt;
    return filetime_to_unix(ft);
}

std::string utf16le_to_utf8(std::string_view b) {
    std::string out;
    out.reserve(b.size() / 2);
    auto put = [&](std::uint32_t cp) { append_utf8(out, cp); };
    for (std::size_t i = 0; i + 1 < b.size(); i += 2) {
        std::uint32_t u = static_cast<unsigned char>(b[i]) | (static_cast<unsigned char>(b[i + 1]) << 8);
        if (u >= 0xD800 && u < 0xDC00 && i + 3 < b.size()) {
            std::uint32_t l = static_cast<unsigned char>(b[i + 2]) | (static_cast<unsigned char>(b[i + 3]) << 8);
            if (l >= 0xDC00 && l < 0xE000) {
                put(0x10000 + ((u - 0xD800) << 10) + (l - 0xDC00));
                i += 2;
                continue;
            }
        }
        if (u >= 0xD800 && u < 0xE000) u = 0xFFFD;
        put(u);
    }
    while (!out.empty() && out.back() == '\0') out.pop_back();
    return out;
}

std::string codepage_to_utf8(std::string_view bytes, std::uint32_t cp) {
    bool ascii = std::all_of(bytes.begin(), bytes.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
    if (ascii || cp == 65001) return std::string(bytes);
    std::string name = cp == 0                                     ? "CP1252"
                       : cp == 50220 || cp == 50221 || cp == 50222 ? "ISO-2022-JP"
                       : cp == 51932                               ? "EUC-JP"
                       : cp == 20932                               ? "EUC-JP"
                       : cp == 28591                               ? "ISO-8859-1"
                                                                   : "CP" + std::to_string(cp);
    gsize written = 0;
    GError* err = nullptr;
    gchar* r = g_convert_with_fallback(bytes.data(), static_cast<gssize>(bytes.size()), "UTF-8", name.c_str(), "?",
                                       nullptr, &written, &err);
    if (!r) {
        if (err) g_error_free(err);
        r = g_convert_with_fallback(bytes.data(), static_cast<gssize>(bytes.size()), "UTF-8", "CP1252", "?", nullptr,
                                    &written, nullptr);
        if (!r) return std::string(bytes);
    }
    std::string out(r, written);
    g_free(r);
    return out;
}

bool is_pff(std::string_view head) { return head.starts_with("!BDN"); }
bool is_ole2(std::string_view head) { return head.starts_with("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"); }
bool is_tnef(std::string_view head) { return head.starts_with("\x78\x9F\x3E\x22"); }

}  // namespace replyguard::outlook
