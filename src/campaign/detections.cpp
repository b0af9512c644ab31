// SPDX-License-Identifier: Apache-2.0
// campaign/detections.cpp - a scan result's key facts, their JSON form, the memory backend
#include "campaign/detections.hpp"

#include "core/config.hpp"
#include "core/digest.hpp"
#include "core/strings.hpp"
#include "detect/ids.hpp"
#include "mime/charset.hpp"
#include "mime/domains.hpp"
#include "output/record.hpp"
#include "scan/engine.hpp"

#include <arpa/inet.h>
#include <algorithm>
#include <map>
#include <mutex>
#include <set>

namespace replyguard::campaign {

namespace {

using nlohmann::json;

std::string safe(std::string_view s) { return output::json_safe(s); }

// Loopback, RFC 1918, link-local, CGNAT, ULA: hops inside a network, never the sender's infrastructure.
bool internal_ip(const std::string& ip) {
    in_addr a4{};
    if (inet_pton(AF_INET, ip.c_str(), &a4) == 1) {
        std::uint32_t v = ntohl(a4.s_addr);
        auto in = [&](std::uint32_t net, int bits) { return (v >> (32 - bits)) == (net >> (32 - bits)); };
        return in(0x7f000000, 8) || in(0x0a000000, 8) || in(0xac100000, 12) || in(0xc0a80000, 16) ||
               in(0xa9fe0000, 16) || in(0x64400000, 10);
    }
    in6_addr a6{};
    std::string v6 = ip.rfind("IPv6:", 0) == 0 ? ip.substr(5) : ip;
    if (inet_pton(AF_INET6, v6.c_str(), &a6) == 1)
        return IN6_IS_ADDR_LOOPBACK(&a6) || IN6_IS_ADDR_LINKLOCAL(&a6) || (a6.s6_addr[0] & 0xfe) == 0xfc;
    return false;
}

bool in_org(std::string_view host, const config& cfg) {
    if (host.empty()) return false;
    std::string reg = mime::registrable_domain(host);
    return std::any_of(cfg.org_domains.begin(), cfg.org_domains.end(),
                       [&](const std::string& d) { return lower(d) == reg; });
}

void add_identity(std::vector<identity>& v, std::string name, std::string address) {
    address = lower(address);
    if (address.empty() && name.empty()) return;
    for (auto& i : v) {
        if (!address.empty() && i.address == address) {
            if (i.name.empty()) i.name = name;
            return;
        }
        if (address.empty() && i.name == name) return;
    }
    identity id{safe(name), safe(address), address.empty() ? "" : mime::registrable_domain(address)};
    // A name-only identity is superseded by one with an address and the same name.
    if (!address.empty()) std::erase_if(v, [&](const identity& o) { return o.address.empty() && o.name == id.name; });
    v.push_back(std::move(id));
}

std::string str(const json& j, const std::string& k) {
    if (!j.is_object()) return {};
    auto it = j.find(k);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// Whom the mail pretends to be, as the detectors established it.
std::vector<identity> impersonated_from(const std::vector<detection_finding>& fs) {
    std::vector<identity> out;
    for (const auto& f : fs) {
        const json& e = f.evidence;
        if (!e.is_object()) continue;
        if (auto it = e.find("impersonated"); it != e.end() && it->is_object())
            add_identity(out, str(*it, "name"), str(*it, "address"));
        if (auto a = str(e, "address_in_name"); !a.empty()) add_identity(out, "", a);
        if (auto it = e.find("known_addresses"); it != e.end() && it->is_array() && !it->empty()) {
            const json& k = it->front();
            std::string name;
            if (auto n = k.find("names"); n != k.end() && n->is_array() && !n->empty() && n->front().is_string())
                name = n->front().get<std::string>();
            add_identity(out, name, str(k, "address"));
        }
        if (f.id == detect::ids::LOOKALIKE_DOMAIN) {
            // The organisation whose domain was imitated; no person.
            if (auto d = str(e, "looks_like"); !d.empty()) {
                identity id{"", "", lower(d)};
                if (std::none_of(out.begin(), out.end(), [&](const identity& o) { return o == id; }))
                    out.push_back(std::move(id));
            }
        }
    }
    // Fill names that a later finding knew.
    for (auto& i : out)
        if (i.name.empty() && !i.address.empty())
            for (const auto& f : fs)
                if (auto it = f.evidence.is_object() ? f.evidence.find("impersonated") : f.evidence.end();
                    f.evidence.is_object() && it != f.evidence.end() && str(*it, "address") == i.address)
                    i.name = str(*it, "name");
    return out;
}

json finding_json(const detection_finding& f) {
    json j{{"id", f.id}, {"group", f.group}, {"score", f.score}, {"detail", f.detail}};
    if (!f.evidence.is_null()) j["evidence"] = f.evidence;
    return j;
}

}  // namespace

std::vector<std::uint64_t> macro_fingerprint(std::string_view src) {
    std::set<std::uint64_t> out;
    std::size_t b = 0;
    while (b < src.size() && out.size() < 4096) {
        std::size_t e = src.find('\n', b);
        if (e == std::string_view::npos) e = src.size();
        std::string line;
        bool space = false;
        for (char c : src.substr(b, e - b)) {
            if (c == ' ' || c == '\t' || c == '\r') {
                space = !line.empty();
                continue;
            }
            if (space) line += ' ';
            space = false;
            line += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
        }
        b = e + 1;
        if (line.size() < 8 || line[0] == '\'' || line.rfind("rem ", 0) == 0 || line.rfind("attribute vb_", 0) == 0)
            continue;
        // FNV-1a: a fixed, portable hash, so stored fingerprints stay comparable across builds.
        std::uint64_t h = 1469598103934665603ull;
        for (unsigned char c : line) h = (h ^ c) * 1099511628211ull;
        out.insert(h);
    }
    return {out.begin(), out.end()};
}

bool detection::has_group(std::string_view g) const {
    return std::any_of(findings.begin(), findings.end(), [&](const detection_finding& f) { return f.group == g; });
}

bool worth_keeping(const scan::scan_result& r) {
    if (r.error && r.msg.headers.empty() && r.msg.body_text.empty()) return false;
    return r.outcome.v != score::verdict::clean;
}

detection make_detection(const scan::scan_result& r, std::int64_t now, const config& cfg, std::string_view raw) {
    const mime::message& m = r.msg;
    detection d;
    d.time = now;
    d.raw_bytes = raw.empty() ? m.raw_size : raw.size();
    if (!raw.empty() && cfg.lim.kept_raw_bytes && raw.size() <= cfg.lim.kept_raw_bytes) {
        d.raw = std::string(raw);
        d.raw_kept = true;
    }
    d.date = m.date.value_or(0);
    d.source = safe(r.source);
    d.message_id = safe(m.message_id);
    if (!m.message_id.empty()) {
        d.key = d.message_id;
    } else {
        std::string block;
        for (const auto& h : m.headers) block += h.name + ":" + h.raw + "\n";
        d.key = "hdr:" + sha256_hex(block);
    }
    if (m.from) {
        d.from_name = safe(m.from->name);
        d.from_address = safe(m.from->address_key.empty() ? m.from->address : m.from->address_key);
        d.from_domain = mime::registrable_domain(d.from_address);
    }
    d.subject = safe(m.subject.decoded);
    std::set<std::string> rcpt;
    for (const auto* v : {&m.to, &m.cc})
        for (const auto& mb : *v)
            if (!mb.address_key.empty() && rcpt.insert(mb.address_key).second)
                d.recipients.push_back(safe(mb.address_key));
    d.verdict = std::string(score::verdict_name(r.outcome.v));
    d.score = r.outcome.score;
    for (const auto& f : r.findings) d.findings.push_back({f.id, f.group, f.score, safe(f.detail), f.evidence});
    for (std::size_t i = 0; i < m.attachments.size(); ++i) {
        const auto& a = m.attachments[i];
        detection_attachment da{safe(a.filename),
                                a.sniffed_type.empty() ? a.declared_type : a.sniffed_type,
                                "",
                                a.sha256,
                                a.size,
                                {},
                                {},
                                {}};
        for (const auto& rep : r.attachments) {
            if (rep.index != i) continue;
            da.kind = rep.kind;
            // Inner files (archive members, OneNote embedded files), as attach/ typed them.
            for (const auto& mem : rep.members) {
                if (!mem.sha256.empty()) da.member_sha256.push_back(mem.sha256);
                if (!mem.name.empty()) da.member_names.push_back(safe(mem.name));
            }
            // Office documents (also those inside the archive): their VBA source.
            std::string source;
            for (const auto& s : rep.vba_sources) source += s + "\n";
            if (!source.empty()) da.macro_fp = macro_fingerprint(source);
        }
        d.attachments.push_back(std::move(da));
    }
    std::set<std::string> urls, hosts;
    for (const auto& u : m.urls) {
        if (urls.insert(u.url).second) d.urls.push_back(safe(u.url));
        if (!u.host.empty() && hosts.insert(lower(u.host)).second) d.url_hosts.push_back(safe(lower(u.host)));
    }
    // Received hops are newest first: the first one not handed over inside our
    // network names the machine that delivered the mail to us.
    for (const auto& h : m.received) {
        if (h.from_ip.empty() && h.from_host.empty()) continue;
        if (!h.from_ip.empty() && internal_ip(h.from_ip)) continue;
        if (h.from_ip.empty() && in_org(h.from_host, cfg)) continue;
        if (!h.from_ip.empty() && in_org(h.from_host, cfg) && !cfg.org_domains.empty()) continue;
        d.relay_ip = safe(h.from_ip);
        d.relay_host = safe(lower(h.from_host));
        break;
    }
    d.impersonated = impersonated_from(d.findings);
    d.record = output::to_json(r);
    bound_detection(d, cfg.lim.kept_detection_bytes);
    return d;
}

namespace {
std::size_t json_bytes(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace).size(); }

/// Bound `j` to about `max` serialised bytes: an array keeps its first elements
/// (readers still get an array of the same kind), anything else becomes a note.
bool cut_json(json& j, std::size_t max) {
    const std::size_t n = json_bytes(j);
    if (n <= max) return false;
    if (j.is_array()) {
        json kept = json::array();
        std::size_t used = 2;
        for (auto& e : j) {
            const std::size_t k = json_bytes(e) + 1;
            if (used + k > max) break;
            used += k;
            kept.push_back(std::move(e));
        }
        j = std::move(kept);
        return true;
    }
    j = json{{"truncated", true}, {"bytes", n}};
    return true;
}
}  // namespace

bool bound_detection(detection& d, std::size_t max_bytes) {
    if (max_bytes == 0) return false;
    bool cut = false;
    // Lists that a nested archive or a link farm makes long: the first ones are
    // what an analyst reads, the clustering keys stay meaningful with them.
    constexpr std::size_t k_list = 200;
    auto cap = [&](auto& v) {
        if (v.size() > k_list) {
            v.resize(k_list);
            cut = true;
        }
    };
    cap(d.urls);
    cap(d.url_hosts);
    cap(d.recipients);
    for (auto& a : d.attachments) {
        cap(a.member_sha256);
        cap(a.member_names);
    }
    for (auto& f : d.findings)
        if (f.detail.size() > 1024) {
            std::size_t n = 1024;
            while (n > 0 && (static_cast<unsigned char>(f.detail[n]) & 0xC0) == 0x80) --n;
            f.detail.resize(n);
            cut = true;
        }
    // Findings: every id once, repeats (one per archive member, say) while they fit
    // in half of the allowance.
    {
        std::set<std::string> ids;
        std::size_t used = 0;
        std::vector<detection_finding> kept;
        for (auto& f : d.findings) {
            const std::size_t n = f.detail.size() + json_bytes(f.evidence) + f.id.size() + 32;
            if (ids.insert(f.id).second || used + n <= max_bytes / 2) {
                used += n;
                kept.push_back(std::move(f));
            } else {
                cut = true;
            }
        }
        d.findings = std::move(kept);
    }
    // Evidence of one finding at most a tenth of the whole; the record's bulky
    // parts (attachment details: members, Office entries, VBA source) go first.
    for (auto& f : d.findings) cut |= cut_json(f.evidence, max_bytes / 10);
    if (d.record.is_object() && json_bytes(d.record) > max_bytes) {
        if (auto it = d.record.find("attachments"); it != d.record.end() && it->is_array())
            for (auto& a : *it)
                if (a.is_object() && a.contains("details")) cut |= cut_json(a["details"], max_bytes / 20);
        for (const char* k : {"findings", "attachments", "urls", "links", "quoted", "anomalies"})
            if (json_bytes(d.record) > max_bytes)
                if (auto it = d.record.find(k); it != d.record.end()) cut |= cut_json(*it, max_bytes / 4);
        if (json_bytes(d.record) > max_bytes) {
            d.record = json{{"source", d.source}, {"truncated", true}};
            cut = true;
        }
        cut = true;
    }
    if (cut && d.record.is_object()) d.record["evidence_truncated"] = true;
    return cut;
}

json to_json(const detection& d) {
    json fs = json::array();
    for (const auto& f : d.findings) fs.push_back(finding_json(f));
    json as = json::array();
    for (const auto& a : d.attachments)
        as.push_back(json{{"name", a.name},
                          {"type", a.type},
                          {"kind", a.kind},
                          {"sha256", a.sha256},
                          {"size", a.size},
                          {"member_sha256", a.member_sha256},
                          {"member_names", a.member_names},
                          {"macro_fp", a.macro_fp}});
    json imp = json::array();
    for (const auto& i : d.impersonated)
        imp.push_back(json{{"name", i.name}, {"address", i.address}, {"domain", i.domain}});
    json j{{"id", d.id},
           {"time", d.time},
           {"date", d.date},
           {"key", d.key},
           {"source", d.source},
           {"message_id", d.message_id},
           {"from", json{{"name", d.from_name}, {"address", d.from_address}, {"domain", d.from_domain}}},
           {"subject", d.subject},
           {"recipients", d.recipients},
           {"verdict", d.verdict},
           {"score", d.score},
           {"findings", fs},
           {"attachments", as},
           {"urls", d.urls},
           {"url_hosts", d.url_hosts},
           {"relay", json{{"ip", d.relay_ip}, {"host", d.relay_host}}},
           {"impersonated", imp}};
    if (!d.record.is_null()) j["record"] = d.record;
    if (!d.feedback.empty()) {
        j["feedback"] = d.feedback;
        j["feedback_time"] = d.feedback_time;
    }
    j["raw_kept"] = d.raw_kept;
    if (d.raw_bytes) j["raw_bytes"] = d.raw_bytes;
    return j;
}

detection detection_from_json(const json& j) {
    detection d;
    auto i64 = [&](const std::string& k) { return j.contains(k) && j[k].is_number() ? j[k].get<std::int64_t>() : 0; };
    d.id = i64("id");
    d.time = i64("time");
    d.date = i64("date");
    d.key = str(j, "key");
    d.source = str(j, "source");
    d.message_id = str(j, "message_id");
    if (auto it = j.find("from"); it != j.end()) {
        d.from_name = str(*it, "name");
        d.from_address = str(*it, "address");
        d.from_domain = str(*it, "domain");
    }
    d.subject = str(j, "subject");
    auto strings = [&](const std::string& k) {
        std::vector<std::string> v;
        if (auto it = j.find(k); it != j.end() && it->is_array())
            for (const auto& s : *it)
                if (s.is_string()) v.push_back(s.get<std::string>());
        return v;
    };
    d.recipients = strings("recipients");
    d.verdict = str(j, "verdict");
    d.score = j.contains("score") && j["score"].is_number() ? j["score"].get<double>() : 0.0;
    if (auto it = j.find("findings"); it != j.end() && it->is_array())
        for (const auto& f : *it)
            d.findings.push_back({str(f, "id"), str(f, "group"),
                                  f.contains("score") && f["score"].is_number() ? f["score"].get<double>() : 0.0,
                                  str(f, "detail"), f.contains("evidence") ? f["evidence"] : json()});
    if (auto it = j.find("attachments"); it != j.end() && it->is_array())
        for (const auto& a : *it) {
            detection_attachment da{str(a, "name"),
                                    str(a, "type"),
                                    str(a, "kind"),
                                    str(a, "sha256"),
                                    a.contains("size") && a["size"].is_number() ? a["size"].get<std::uint64_t>() : 0,
                                    {},
                                    {},
                                    {}};
            for (const char* k : {"member_sha256", "member_names"})
                if (auto m = a.find(k); m != a.end() && m->is_array())
                    for (const auto& s : *m)
                        if (s.is_string())
                            (k[7] == 's' ? da.member_sha256 : da.member_names).push_back(s.get<std::string>());
            if (auto m = a.find("macro_fp"); m != a.end() && m->is_array())
                for (const auto& h : *m)
                    if (h.is_number_unsigned()) da.macro_fp.push_back(h.get<std::uint64_t>());
            d.attachments.push_back(std::move(da));
        }
    d.urls = strings("urls");
    d.url_hosts = strings("url_hosts");
    if (auto it = j.find("relay"); it != j.end()) {
        d.relay_ip = str(*it, "ip");
        d.relay_host = str(*it, "host");
    }
    if (auto it = j.find("impersonated"); it != j.end() && it->is_array())
        for (const auto& i : *it) d.impersonated.push_back({str(i, "name"), str(i, "address"), str(i, "domain")});
    if (auto it = j.find("record"); it != j.end()) d.record = *it;
    d.feedback = str(j, "feedback");
    d.feedback_time = i64("feedback_time");
    if (auto it = j.find("raw_kept"); it != j.end() && it->is_boolean()) d.raw_kept = it->get<bool>();
    if (auto it = j.find("raw_bytes"); it != j.end() && it->is_number_unsigned())
        d.raw_bytes = it->get<std::uint64_t>();
    return d;
}

namespace {

class memory_detections final : public detection_store {
public:
    explicit memory_detections(retention keep) : keep_(keep) {}

    result<std::int64_t> put(const detection& d) override {
        std::lock_guard lock(mu_);
        if (keys_.contains(d.key)) return 0;
        detection c = d;
        c.id = ++next_;
        keys_.insert(c.key);
        if (c.raw_kept) raws_[c.id] = std::move(c.raw);
        c.raw.clear();
        rows_.push_back(std::move(c));
        return next_;
    }
    result<std::vector<detection>> list(const detection_query& q) override {
        std::lock_guard lock(mu_);
        std::vector<detection> out;
        for (const auto& d : rows_)
            if ((!q.since || d.when() >= q.since) && (!q.until || d.when() < q.until)) out.push_back(d);
        std::stable_sort(out.begin(), out.end(), [](const detection& a, const detection& b) {
            return a.when() != b.when() ? a.when() > b.when() : a.id > b.id;
        });
        if (q.limit && out.size() > q.limit) out.resize(q.limit);
        return out;
    }
    result<std::optional<detection>> get(std::int64_t id) override {
        std::lock_guard lock(mu_);
        for (const auto& d : rows_)
            if (d.id == id) return std::optional<detection>(d);
        return std::optional<detection>();
    }
    result<std::uint64_t> count() override {
        std::lock_guard lock(mu_);
        return rows_.size();
    }
    result<std::uint64_t> prune(std::int64_t now) override {
        std::lock_guard lock(mu_);
        std::size_t before = rows_.size();
        if (keep_.days > 0) {
            std::int64_t cut = now - static_cast<std::int64_t>(keep_.days) * 86400;
            std::erase_if(rows_, [&](const detection& d) { return d.time < cut; });
        }
        if (keep_.max_count && rows_.size() > keep_.max_count) {
            std::stable_sort(rows_.begin(), rows_.end(),
                             [](const detection& a, const detection& b) { return a.time > b.time; });
            rows_.resize(keep_.max_count);
        }
        keys_.clear();
        for (const auto& d : rows_) keys_.insert(d.key);
        std::erase_if(raws_, [&](const auto& kv) {
            return std::none_of(rows_.begin(), rows_.end(), [&](const detection& d) { return d.id == kv.first; });
        });
        return before - rows_.size();
    }
    result<bool> set_feedback(std::int64_t id, std::string_view feedback, std::int64_t now) override {
        std::lock_guard lock(mu_);
        for (auto& d : rows_)
            if (d.id == id) {
                d.feedback = std::string(feedback);
                d.feedback_time = feedback.empty() ? 0 : now;
                return true;
            }
        return false;
    }
    result<std::optional<std::string>> raw(std::int64_t id) override {
        std::lock_guard lock(mu_);
        if (auto it = raws_.find(id); it != raws_.end()) return std::optional<std::string>(it->second);
        return std::optional<std::string>();
    }

private:
    retention keep_;
    std::mutex mu_;
    std::map<std::int64_t, std::string> raws_;
    std::vector<detection> rows_;
    std::set<std::string, std::less<>> keys_;
    std::int64_t next_ = 0;
};

}  // namespace

std::unique_ptr<detection_store> make_memory_detections(retention keep) {
    return std::make_unique<memory_detections>(keep);
}

}  // namespace replyguard::campaign
