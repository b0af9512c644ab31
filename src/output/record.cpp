// SPDX-License-Identifier: Apache-2.0
// output/record.cpp - the JSON record.
#include "output/record.hpp"

#include "mime/charset.hpp"

#include <set>

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

}  // namespace replyguard::output
