// SPDX-License-Identifier: Apache-2.0
// output/record.cpp - the JSON record.
//
// DESCRIPTION
//   to_json builds the record as an nlohmann DOM (campaign detections and the
//   HTTP API keep and extend it). append_record writes the same bytes as that
//   DOM's dump(-1, ' ', false, replace) directly: `scan --format jsonl` renders
//   one record per message, and the DOM (a std::map node per key, a heap
//   string per value) and its dump were 6% of scan's instructions
//   (bench/profile.sh). The writer keeps the DOM's key order by hand (std::map:
//   bytewise sorted; the order is written out below), escapes strings as
//   nlohmann's serializer does (\b \f \n \r \t \" \\, other bytes < 0x20 as
//   \u00xx, UTF-8 as is), prints doubles with nlohmann's own to_chars (Grisu2,
//   "3.0"), and hands anything it cannot be sure of to nlohmann itself: a
//   string that is not valid UTF-8 (the replace handler's output), and the
//   free-form JSON values (evidence, attachment details, pairing).
//   tests/unit/output/record_test.cpp checks both paths byte for byte on every
//   single-message file of the corpus.
#include "output/record.hpp"

#include "mime/charset.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <set>
#include <string_view>
#include <unordered_set>

namespace replyguard::output {

namespace {

using nlohmann::json;

std::string safe(std::string_view s) { return json_safe(s); }

json mailbox_json(const std::optional<mime::mailbox>& m) {
    if (!m) return json{{"name", nullptr}, {"address", nullptr}};
    return json{{"name", safe(m->name)}, {"address", safe(m->address)}};
}

json mailboxes_json(const std::vector<mime::mailbox>& v) {
    json a = json::array();
    for (const auto& m : v) a.push_back(json{{"name", safe(m.name)}, {"address", safe(m.address)}});
    return a;
}

json finding_json(const finding& f) {
    json j{{"id", f.id}, {"group", f.group}, {"score", f.score}, {"detail", safe(f.detail)}};
    if (!f.evidence.is_null()) j["evidence"] = f.evidence;
    return j;
}

std::string_view quote_kind(mime::quoted_block::style s) {
    switch (s) {
    case mime::quoted_block::style::angle: return "angle";
    case mime::quoted_block::style::outlook: return "outlook";
    case mime::quoted_block::style::wrote: return "wrote";
    case mime::quoted_block::style::forward: return "forward";
    }
    return "angle";
}

}  // namespace

std::string json_safe(std::string_view s) {
    if (mime::is_valid_utf8(s)) return std::string(s);
    std::string out;
    for (unsigned char c : s) out += c < 0x80 ? static_cast<char>(c) : '?';
    return out;
}

json error_record(const std::string& source, const std::string& error) {
    return json{{"source", safe(source)},
                {"message_id", nullptr},
                {"from", json{{"name", nullptr}, {"address", nullptr}}},
                {"subject", nullptr},
                {"verdict", nullptr},
                {"score", nullptr},
                {"findings", json::array()},
                {"attachments", json::array()},
                {"urls", json::array()},
                {"anomalies", json::array()},
                {"error", safe(error)}};
}

json to_json(const scan::scan_result& r) {
    if (r.error && r.msg.headers.empty() && r.msg.body_text.empty()) return error_record(r.source, *r.error);
    const mime::message& m = r.msg;
    json j;
    j["source"] = safe(r.source);
    j["message_id"] = m.message_id.empty() ? json(nullptr) : json(safe(m.message_id));
    j["from"] = mailbox_json(m.from);
    j["subject"] = safe(m.subject.decoded);
    j["verdict"] = score::verdict_name(r.outcome.v);
    j["score"] = r.outcome.score;
    json findings = json::array();
    for (const auto& f : r.findings) findings.push_back(finding_json(f));
    j["findings"] = std::move(findings);

    json atts = json::array();
    for (std::size_t i = 0; i < m.attachments.size(); ++i) {
        const auto& a = m.attachments[i];
        json aj{{"name", safe(a.filename)},
                {"type", a.sniffed_type.empty() ? a.declared_type : a.sniffed_type},
                {"declared_type", a.declared_type},
                {"sniffed_type", a.sniffed_type},
                {"description", safe(a.sniffed_label)},
                {"size", a.size},
                {"sha256", a.sha256},
                {"part", a.part_path}};
        json af = json::array();
        for (const auto& rep : r.attachments)
            if (rep.index == i) {
                for (const auto& f : rep.findings) af.push_back(finding_json(f));
                if (!rep.kind.empty()) aj["kind"] = rep.kind;
                if (!rep.details.empty()) aj["details"] = rep.details;
            }
        aj["findings"] = std::move(af);
        atts.push_back(std::move(aj));
    }
    j["attachments"] = std::move(atts);

    json urls = json::array();
    json links = json::array();
    std::set<std::string, std::less<>> seen;
    for (const auto& u : m.urls) {
        if (seen.insert(u.url).second) urls.push_back(safe(u.url));
        if (u.from_html && !u.anchor_text.empty())
            links.push_back(json{{"url", safe(u.url)}, {"host", safe(u.host)}, {"text", safe(u.anchor_text)}});
    }
    j["urls"] = std::move(urls);
    if (!links.empty()) j["links"] = std::move(links);

    json anomalies = json::array();
    for (const auto& a : m.anomalies) anomalies.push_back(json{{"id", a.id}, {"detail", safe(a.detail)}});
    j["anomalies"] = std::move(anomalies);
    j["error"] = r.error ? json(safe(*r.error)) : json(nullptr);
    // The history's part: "none" (no store), "ok", or "unavailable" with the store's
    // error (the message itself was read: `error` stays null, the findings are
    // those of a scan without history).
    j["history"] = json{
        {"status", history::view_status_name(r.history.status)},
        {"error", r.history.status == history::view_status::unavailable ? json(safe(r.history.error)) : json(nullptr)}};
    // A limit stopped part of the analysis (scan_result::incomplete): front-ends and
    // readers of the record must not take the verdict for a complete one.
    j["incomplete"] = r.incomplete;
    if (!r.limits_hit.empty()) {
        json hits = json::array();
        for (const auto& h : r.limits_hit) hits.push_back(json{{"id", h.id}, {"detail", safe(h.detail)}});
        j["limits_hit"] = std::move(hits);
    }

    // Context beyond the contract's minimum.
    j["to"] = mailboxes_json(m.to);
    j["cc"] = mailboxes_json(m.cc);
    if (!m.reply_to.empty()) j["reply_to"] = mailboxes_json(m.reply_to);
    j["date"] = m.date ? json(*m.date) : json(nullptr);
    j["in_reply_to"] = m.in_reply_to;
    j["references"] = m.references;
    json prefixes = json::array();
    for (const auto& p : m.subject.prefixes)
        prefixes.push_back(
            json{{"kind", p.kind == mime::prefix_kind::reply ? "reply" : "forward"}, {"text", safe(p.text)}});
    j["subject_prefixes"] = std::move(prefixes);
    json quoted = json::array();
    for (const auto& q : m.quoted) {
        json qj{{"kind", quote_kind(q.kind)}, {"chars", q.text.size()}};
        if (!q.from.empty()) qj["from"] = safe(q.from);
        if (!q.sent.empty()) qj["sent"] = safe(q.sent);
        if (!q.subject.empty()) qj["subject"] = safe(q.subject);
        if (!q.attribution.empty()) qj["attribution"] = safe(q.attribution);
        if (q.from_mailbox) qj["from_mailbox"] = mailbox_json(q.from_mailbox);
        quoted.push_back(std::move(qj));
    }
    j["quoted"] = std::move(quoted);
    if (!r.pairing.is_null()) j["pairing"] = r.pairing;
    // Messages attached to this one, each a full record of its own (scan/attached.cpp).
    json attached = json::array();
    for (const auto& a : r.attached) {
        json n = to_json(a);
        n["attached_as"] = a.attached_kind;
        n["attachment"] = a.attached_index;
        attached.push_back(std::move(n));
    }
    j["attached_messages"] = std::move(attached);
    return j;
}

namespace {

/// Appends JSON text to one string (see the file's DESCRIPTION).
class json_writer {
public:
    explicit json_writer(std::string& out) : o_(out) {}

    /// A string value as nlohmann dumps it with ensure_ascii = false.
    void str(std::string_view s) {
        if (!mime::is_valid_utf8(s)) {
            // nlohmann's replace handler (U+FFFD per its DFA's error points): its own code.
            o_ += json(std::string(s)).dump(-1, ' ', false, json::error_handler_t::replace);
            return;
        }
        valid_str(s);
    }
    /// json_safe(s) as a string value, without copying valid text (and checking it once).
    void safe_str(std::string_view s) {
        if (mime::is_valid_utf8(s))
            valid_str(s);
        else
            str(json_safe(s));
    }
    void null() { o_ += "null"; }
    void boolean(bool b) { o_ += b ? "true" : "false"; }
    template <class Int>
    void integer(Int v) {
        char buf[24];
        auto res = std::to_chars(buf, buf + sizeof buf, v);
        o_.append(buf, res.ptr);
    }
    void number(double d) {
        if (!std::isfinite(d)) return null();
        char buf[64];
        // nlohmann's serializer::dump_float for IEEE doubles: the same function.
        char* end = nlohmann::detail::to_chars(buf, buf + sizeof buf, d);
        o_.append(buf, end);
    }
    void value(const json& j) { o_ += j.dump(-1, ' ', false, json::error_handler_t::replace); }
    /// `"name":`, preceded by a comma unless it is the object's first member.
    void key(std::string_view name, bool& first) {
        if (!first) o_ += ',';
        first = false;
        o_ += '"';
        o_ += name;  // keys are our own ASCII literals: nothing to escape
        o_ += "\":";
    }
    void raw(char c) { o_ += c; }
    void comma(bool& first) {
        if (!first) o_ += ',';
        first = false;
    }

private:
    // Eight bytes at a time, none of which is escaped: no byte < 0x20, '"' or '\\'.
    // (Bytes >= 0x80 are UTF-8, written as they are.) Standard SWAR zero-byte tests:
    // has_zero(x) is nonzero iff a byte of x is 0; has_less(x, n) iff a byte of x
    // with the top bit clear is < n.
    static bool plain8(const char* p) {
        std::uint64_t x;
        std::memcpy(&x, p, 8);
        constexpr std::uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
        auto has_zero = [](std::uint64_t v) { return (v - ones) & ~v & highs; };
        const std::uint64_t below_space = (x - ones * 0x20) & ~x & highs;  // has_less(x, 0x20)
        const std::uint64_t quote = has_zero(x ^ (ones * '"')), backslash = has_zero(x ^ (ones * '\\'));
        return (below_space | quote | backslash) == 0;
    }
    /// `s` (valid UTF-8) quoted and escaped as nlohmann's serializer does.
    /// Plain runs are skipped eight bytes at a time: record_line writes the whole
    /// text of every message through here, and the byte loop alone was a third of
    /// record_line's instructions, 2.1% of `scan -j1` over the corpus (callgrind);
    /// with one UTF-8 check in safe_str, record_line went from 178 M to 112 M.
    void valid_str(std::string_view s) {
        o_ += '"';
        const char* d = s.data();
        const std::size_t n = s.size();
        std::size_t run = 0;  // start of the bytes copied as they are
        std::size_t i = 0;
        while (i < n) {
            if (i + 8 <= n && plain8(d + i)) {
                i += 8;
                continue;
            }
            const auto c = static_cast<unsigned char>(d[i]);
            if (c >= 0x20 && c != '"' && c != '\\') {
                ++i;
                continue;
            }
            o_.append(d + run, i - run);
            run = i + 1;
            switch (c) {
            case '"': o_ += "\\\""; break;
            case '\\': o_ += "\\\\"; break;
            case '\b': o_ += "\\b"; break;
            case '\f': o_ += "\\f"; break;
            case '\n': o_ += "\\n"; break;
            case '\r': o_ += "\\r"; break;
            case '\t': o_ += "\\t"; break;
            default: {
                static constexpr char hex[] = "0123456789abcdef";
                o_ += "\\u00";
                o_ += hex[c >> 4];
                o_ += hex[c & 0xF];
            }
            }
            ++i;
        }
        o_.append(d + run, n - run);
        o_ += '"';
    }

    std::string& o_;
};

void write_mailbox(json_writer& w, const mime::mailbox& m) {
    bool f = true;
    w.raw('{');
    w.key("address", f), w.safe_str(m.address);
    w.key("name", f), w.safe_str(m.name);
    w.raw('}');
}

void write_mailbox_null(json_writer& w) {
    bool f = true;
    w.raw('{');
    w.key("address", f), w.null();
    w.key("name", f), w.null();
    w.raw('}');
}

void write_mailboxes(json_writer& w, const std::vector<mime::mailbox>& v) {
    bool f = true;
    w.raw('[');
    for (const auto& m : v) w.comma(f), write_mailbox(w, m);
    w.raw(']');
}

void write_finding(json_writer& w, const finding& x) {
    bool f = true;
    w.raw('{');
    w.key("detail", f), w.safe_str(x.detail);
    if (!x.evidence.is_null()) w.key("evidence", f), w.value(x.evidence);
    w.key("group", f), w.str(x.group);
    w.key("id", f), w.str(x.id);
    w.key("score", f), w.number(x.score);
    w.raw('}');
}

void write_findings(json_writer& w, const std::vector<finding>& v) {
    bool f = true;
    w.raw('[');
    for (const auto& x : v) w.comma(f), write_finding(w, x);
    w.raw(']');
}

/// How a nested record (attached_messages) was attached: keys of its own.
struct nested_keys {
    std::string_view attached_as;
    std::size_t attachment;
};

// error_record's keys, sorted, with a nested record's two.
void write_error_record(json_writer& w, std::string_view source, std::string_view error, const nested_keys* nk) {
    bool f = true;
    w.raw('{');
    w.key("anomalies", f), w.raw('['), w.raw(']');
    if (nk) {
        w.key("attached_as", f), w.str(nk->attached_as);
        w.key("attachment", f), w.integer(nk->attachment);
    }
    w.key("attachments", f), w.raw('['), w.raw(']');
    w.key("error", f), w.safe_str(error);
    w.key("findings", f), w.raw('['), w.raw(']');
    w.key("from", f), write_mailbox_null(w);
    w.key("message_id", f), w.null();
    w.key("score", f), w.null();
    w.key("source", f), w.safe_str(source);
    w.key("subject", f), w.null();
    w.key("urls", f), w.raw('['), w.raw(']');
    w.key("verdict", f), w.null();
    w.raw('}');
}

void write_attachment(json_writer& w, const scan::scan_result& r, std::size_t i) {
    const auto& a = r.msg.attachments[i];
    // As to_json: findings of every report for this attachment in order; the
    // last report's non-empty kind and details win.
    const std::string* kind = nullptr;
    const json* details = nullptr;
    for (const auto& rep : r.attachments)
        if (rep.index == i) {
            if (!rep.kind.empty()) kind = &rep.kind;
            if (!rep.details.empty()) details = &rep.details;
        }
    bool f = true;
    w.raw('{');
    w.key("declared_type", f), w.str(a.declared_type);
    w.key("description", f), w.safe_str(a.sniffed_label);
    if (details) w.key("details", f), w.value(*details);
    w.key("findings", f), w.raw('[');
    {
        bool g = true;
        for (const auto& rep : r.attachments)
            if (rep.index == i)
                for (const auto& x : rep.findings) w.comma(g), write_finding(w, x);
    }
    w.raw(']');
    if (kind) w.key("kind", f), w.str(*kind);
    w.key("name", f), w.safe_str(a.filename);
    w.key("part", f), w.str(a.part_path);
    w.key("sha256", f), w.str(a.sha256);
    w.key("size", f), w.integer(a.size);
    w.key("sniffed_type", f), w.str(a.sniffed_type);
    w.key("type", f), w.str(a.sniffed_type.empty() ? a.declared_type : a.sniffed_type);
    w.raw('}');
}

void write_strings(json_writer& w, const std::vector<std::string>& v) {
    bool f = true;
    w.raw('[');
    for (const auto& s : v) w.comma(f), w.str(s);
    w.raw(']');
}

void write_record(json_writer& w, const scan::scan_result& r, const nested_keys* nk) {
    if (r.error && r.msg.headers.empty() && r.msg.body_text.empty())
        return write_error_record(w, r.source, *r.error, nk);
    const mime::message& m = r.msg;
    bool f = true;
    w.raw('{');
    w.key("anomalies", f), w.raw('[');
    {
        bool g = true;
        for (const auto& a : m.anomalies) {
            w.comma(g);
            bool h = true;
            w.raw('{');
            w.key("detail", h), w.safe_str(a.detail);
            w.key("id", h), w.str(a.id);
            w.raw('}');
        }
    }
    w.raw(']');
    if (nk) w.key("attached_as", f), w.str(nk->attached_as);
    w.key("attached_messages", f), w.raw('[');
    {
        bool g = true;
        for (const auto& a : r.attached) {
            w.comma(g);
            const nested_keys inner{a.attached_kind, a.attached_index};
            write_record(w, a, &inner);
        }
    }
    w.raw(']');
    if (nk) w.key("attachment", f), w.integer(nk->attachment);
    w.key("attachments", f), w.raw('[');
    {
        bool g = true;
        for (std::size_t i = 0; i < m.attachments.size(); ++i) w.comma(g), write_attachment(w, r, i);
    }
    w.raw(']');
    w.key("cc", f), write_mailboxes(w, m.cc);
    w.key("date", f);
    if (m.date)
        w.integer(*m.date);
    else
        w.null();
    w.key("error", f);
    if (r.error)
        w.safe_str(*r.error);
    else
        w.null();
    w.key("findings", f), write_findings(w, r.findings);
    w.key("from", f);
    if (m.from)
        write_mailbox(w, *m.from);
    else
        write_mailbox_null(w);
    w.key("history", f), w.raw('{');
    {
        bool g = true;
        w.key("error", g);
        if (r.history.status == history::view_status::unavailable)
            w.safe_str(r.history.error);
        else
            w.null();
        w.key("status", g), w.str(history::view_status_name(r.history.status));
    }
    w.raw('}');
    w.key("in_reply_to", f), write_strings(w, m.in_reply_to);
    w.key("incomplete", f), w.boolean(r.incomplete);
    if (!r.limits_hit.empty()) {
        w.key("limits_hit", f), w.raw('[');
        bool g = true;
        for (const auto& h : r.limits_hit) {
            w.comma(g);
            bool k = true;
            w.raw('{');
            w.key("detail", k), w.safe_str(h.detail);
            w.key("id", k), w.str(h.id);
            w.raw('}');
        }
        w.raw(']');
    }
    bool any_link = false;
    for (const auto& u : m.urls)
        if (u.from_html && !u.anchor_text.empty()) any_link = true;
    if (any_link) {
        w.key("links", f), w.raw('[');
        bool g = true;
        for (const auto& u : m.urls) {
            if (!u.from_html || u.anchor_text.empty()) continue;
            w.comma(g);
            bool k = true;
            w.raw('{');
            w.key("host", k), w.safe_str(u.host);
            w.key("text", k), w.safe_str(u.anchor_text);
            w.key("url", k), w.safe_str(u.url);
            w.raw('}');
        }
        w.raw(']');
    }
    w.key("message_id", f);
    if (m.message_id.empty())
        w.null();
    else
        w.safe_str(m.message_id);
    if (!r.pairing.is_null()) w.key("pairing", f), w.value(r.pairing);
    w.key("quoted", f), w.raw('[');
    {
        bool g = true;
        for (const auto& q : m.quoted) {
            w.comma(g);
            bool k = true;
            w.raw('{');
            if (!q.attribution.empty()) w.key("attribution", k), w.safe_str(q.attribution);
            w.key("chars", k), w.integer(q.text.size());
            if (!q.from.empty()) w.key("from", k), w.safe_str(q.from);
            if (q.from_mailbox) w.key("from_mailbox", k), write_mailbox(w, *q.from_mailbox);
            w.key("kind", k), w.str(quote_kind(q.kind));
            if (!q.sent.empty()) w.key("sent", k), w.safe_str(q.sent);
            if (!q.subject.empty()) w.key("subject", k), w.safe_str(q.subject);
            w.raw('}');
        }
    }
    w.raw(']');
    w.key("references", f), write_strings(w, m.references);
    if (!m.reply_to.empty()) w.key("reply_to", f), write_mailboxes(w, m.reply_to);
    w.key("score", f), w.number(r.outcome.score);
    w.key("source", f), w.safe_str(r.source);
    w.key("subject", f), w.safe_str(m.subject.decoded);
    w.key("subject_prefixes", f), w.raw('[');
    {
        bool g = true;
        for (const auto& p : m.subject.prefixes) {
            w.comma(g);
            bool k = true;
            w.raw('{');
            w.key("kind", k), w.str(p.kind == mime::prefix_kind::reply ? "reply" : "forward");
            w.key("text", k), w.safe_str(p.text);
            w.raw('}');
        }
    }
    w.raw(']');
    w.key("to", f), write_mailboxes(w, m.to);
    w.key("urls", f), w.raw('[');
    {
        // First occurrence of each URL, as to_json's std::set does; most
        // messages have a handful, so a linear look-back until there are many.
        bool g = true;
        std::unordered_set<std::string_view> seen;
        std::vector<std::string_view> firsts;
        for (const auto& u : m.urls) {
            bool fresh;
            if (seen.empty() && firsts.size() < 32) {
                fresh = std::find(firsts.begin(), firsts.end(), std::string_view(u.url)) == firsts.end();
                if (fresh) firsts.emplace_back(u.url);
                if (firsts.size() == 32) seen.insert(firsts.begin(), firsts.end());
            } else {
                fresh = seen.insert(u.url).second;
            }
            if (fresh) w.comma(g), w.safe_str(u.url);
        }
    }
    w.raw(']');
    w.key("verdict", f), w.str(score::verdict_name(r.outcome.v));
    w.raw('}');
}

}  // namespace

void append_record(std::string& out, const scan::scan_result& r) {
    json_writer w(out);
    write_record(w, r, nullptr);
}

std::string record_line(const scan::scan_result& r) {
    std::string out;
    out.reserve(4096);
    append_record(out, r);
    return out;
}

}  // namespace replyguard::output
