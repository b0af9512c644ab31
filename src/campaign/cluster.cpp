// SPDX-License-Identifier: Apache-2.0
// campaign/cluster.cpp - union-find over shared identities, payloads and relays in a time window
#include "campaign/cluster.hpp"

#include "history/domains.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <map>
#include <numeric>
#include <set>

namespace replyguard::campaign {

namespace {

bool contains(std::string_view hay, std::string_view needle) { return hay.find(needle) != std::string_view::npos; }

// Links of a payload finding (HIJACK_WITH_PAYLOAD evidence lists them).
std::vector<std::string> payload_links(const detection& d) {
    std::vector<std::string> out;
    for (const auto& f : d.findings) {
        if (!f.evidence.is_object()) continue;
        auto it = f.evidence.find("payload");
        if (it == f.evidence.end() || !it->is_array()) continue;
        for (const auto& p : *it)
            if (p.is_object() && p.contains("link") && p["link"].is_string()) out.push_back(p["link"].get<std::string>());
    }
    return out;
}

std::string host_of(std::string_view url) {
    auto s = url.find("://");
    if (s == std::string_view::npos) return {};
    url.remove_prefix(s + 3);
    auto e = url.find_first_of("/?#");
    std::string h(url.substr(0, e));
    if (auto at = h.rfind('@'); at != std::string::npos) h = h.substr(at + 1);
    if (auto c = h.rfind(':'); c != std::string::npos && h.find(']') == std::string::npos) h = h.substr(0, c);
    for (char& c : h)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return h;
}

struct dsu {
    std::vector<std::size_t> p;
    explicit dsu(std::size_t n) : p(n) { std::iota(p.begin(), p.end(), 0); }
    std::size_t find(std::size_t x) {
        while (p[x] != x) x = p[x] = p[p[x]];
        return x;
    }
    void unite(std::size_t a, std::size_t b) { p[find(a)] = find(b); }
};

template <class T>
std::vector<T> by_frequency(const std::map<T, std::size_t>& m) {
    std::vector<std::pair<T, std::size_t>> v(m.begin(), m.end());
    std::stable_sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    std::vector<T> out;
    for (auto& [k, n] : v) out.push_back(k);
    return out;
}

int verdict_rank(std::string_view v) { return v == "malicious" ? 2 : v == "suspicious" ? 1 : 0; }

std::string campaign_id(const std::vector<std::string>& keys) {
    std::string all;
    for (const auto& k : keys) all += k + "\n";
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_Digest(all.data(), all.size(), md, &n, EVP_sha256(), nullptr);
    static constexpr char k_hex[] = "0123456789abcdef";
    std::string out = "C-";
    for (unsigned int i = 0; i < 5; ++i) {
        out += k_hex[md[i] >> 4];
        out += k_hex[md[i] & 15];
    }
    return out;
}

}  // namespace

double macro_similarity(const std::vector<std::uint64_t>& a, const std::vector<std::uint64_t>& b) {
    if (a.size() < 5 || b.size() < 5) return 0.0;  // a few lines say nothing about a family
    std::size_t common = 0;
    for (std::size_t i = 0, j = 0; i < a.size() && j < b.size();) {
        if (a[i] == b[j]) ++common, ++i, ++j;
        else if (a[i] < b[j]) ++i;
        else ++j;
    }
    return static_cast<double>(common) / static_cast<double>(a.size() + b.size() - common);
}

std::vector<std::string> payload_kinds_of(const detection& d) {
    std::set<std::string> k;
    bool encrypted = false, body_pw = false;
    for (const auto& f : d.findings) {
        const std::string& id = f.id;
        if (id == "ARCHIVE_ENCRYPTED") encrypted = true;
        if (id == "ARCHIVE_PASSWORD_FROM_BODY" || id == "ARCHIVE_PASSWORD_FROM_THREAD") body_pw = true;
        if (contains(id, "MACRO") || contains(id, "VBA") || contains(id, "XLM")) k.insert("macro_document");
        if (id == "OFFICE_EXTERNAL_TEMPLATE" || id == "OFFICE_DDE" || id == "OFFICE_EXTERNAL_OLE_LINK")
            k.insert("document_remote_content");
        if (id == "ATTACH_LNK") k.insert("shortcut");
        if (id == "ATTACH_SCRIPT") k.insert("script");
        if (id == "ATTACH_EXECUTABLE" || id == "ATTACH_CHM") k.insert("executable");
        if (id == "ATTACH_DISK_IMAGE") k.insert("disk_image");
        if (id == "ATTACH_ONENOTE" || id == "ATTACH_ONENOTE_EMBEDDED") k.insert("onenote");
        if (id == "ATTACH_HTML_SMUGGLING" || id == "ATTACH_HTML") k.insert("html_attachment");
        if (f.group == "payload" && (contains(id, "LINK") || contains(id, "URL"))) k.insert("download_link");
    }
    if (encrypted) k.insert("password_zip");
    (void)body_pw;
    if (!payload_links(d).empty()) k.insert("download_link");
    if (k.empty()) {
        for (const auto& a : d.attachments) {
            if (a.kind == "zip" || a.kind == "rar" || a.kind == "7z" || a.kind == "archive") k.insert("archive");
            else if (!a.kind.empty()) k.insert("document");
        }
    }
    if (k.empty()) k.insert("none");
    return {k.begin(), k.end()};
}

std::vector<campaign> cluster(const std::vector<detection>& ds, const cluster_options& opt) {
    const std::size_t n = ds.size();
    const std::int64_t window = static_cast<std::int64_t>(opt.window_days) * 86400;
    std::set<std::string> org;
    for (const auto& d : opt.org_domains) org.insert(history::registrable_domain(d));

    // Feature keys of each detection.
    std::vector<std::vector<std::string>> keys(n);
    std::map<std::string, std::size_t> host_df;
    std::vector<std::vector<std::string>> link_hosts(n);
    for (std::size_t i = 0; i < n; ++i) {
        std::set<std::string> hs;
        for (const auto& l : payload_links(ds[i]))
            if (auto h = host_of(l); !h.empty()) hs.insert(h);
        if (ds[i].has_group("payload"))
            for (const auto& h : ds[i].url_hosts) hs.insert(h);
        link_hosts[i].assign(hs.begin(), hs.end());
        for (const auto& h : hs) ++host_df[h];
    }
    for (std::size_t i = 0; i < n; ++i) {
        const detection& d = ds[i];
        bool person = false;
        for (const auto& id : d.impersonated)
            if (!id.address.empty()) {
                keys[i].push_back("who:" + id.address);
                person = true;
            }
        if (!person)
            for (const auto& id : d.impersonated)
                if (!id.domain.empty()) keys[i].push_back("org:" + id.domain);
        for (const auto& a : d.attachments) {
            if (!a.sha256.empty()) keys[i].push_back("sha:" + a.sha256);
            for (const auto& m : a.member_sha256) keys[i].push_back("sha:" + m);
        }
        for (const auto& h : link_hosts[i])
            if (n < 3 || host_df[h] * 2 <= n) keys[i].push_back("host:" + h);
        if (!d.relay_ip.empty()) keys[i].push_back("ip:" + d.relay_ip);
    }

    dsu u(n);
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = i + 1; j < n; ++j) {
            std::int64_t dt = ds[i].when() - ds[j].when();
            if (dt < 0) dt = -dt;
            if (window > 0 && dt > window) continue;
            bool shared = std::any_of(keys[i].begin(), keys[i].end(), [&](const std::string& k) {
                return std::find(keys[j].begin(), keys[j].end(), k) != keys[j].end();
            });
            for (const auto& ai : ds[i].attachments) {
                if (shared || ai.macro_fp.empty()) continue;
                for (const auto& aj : ds[j].attachments)
                    if (!aj.macro_fp.empty() && macro_similarity(ai.macro_fp, aj.macro_fp) >= opt.macro_similarity) {
                        shared = true;
                        break;
                    }
            }
            if (shared) u.unite(i, j);
        }

    std::map<std::size_t, std::vector<std::size_t>> groups;
    for (std::size_t i = 0; i < n; ++i) groups[u.find(i)].push_back(i);

    std::vector<campaign> out;
    for (auto& [root, members] : groups) {
        campaign c;
        std::map<std::string, std::size_t> people_n, orgs_n, senders_n, sdom_n, relays_n, targets_n, kinds_n, att_n,
            sha_n, hosts_n, ids_n;
        std::map<std::string, identity> people;
        std::set<std::string> groups_seen;
        std::vector<std::string> member_keys;
        c.first_seen = ds[members.front()].when();
        c.last_seen = c.first_seen;
        for (std::size_t i : members) {
            const detection& d = ds[i];
            ++c.count;
            c.first_seen = std::min(c.first_seen, d.when());
            c.last_seen = std::max(c.last_seen, d.when());
            if (verdict_rank(d.verdict) > verdict_rank(c.verdict)) c.verdict = d.verdict;
            c.max_score = std::max(c.max_score, d.score);
            c.detection_ids.push_back(d.id);
            member_keys.push_back(d.key);
            for (const auto& id : d.impersonated) {
                std::string k = !id.address.empty() ? id.address : !id.name.empty() ? "name:" + id.name : "";
                if (!k.empty()) {
                    ++people_n[k];
                    auto& p = people[k];
                    if (p.address.empty() && p.name.empty()) p = id;
                    else if (p.name.empty()) p.name = id.name;
                }
                if (!id.domain.empty() && !history::is_freemail(id.domain)) {
                    ++orgs_n[id.domain];
                    if (org.contains(id.domain)) c.own_org_impersonated = true;
                }
            }
            if (!d.from_address.empty()) ++senders_n[d.from_address];
            if (!d.from_domain.empty()) ++sdom_n[d.from_domain];
            if (!d.relay_ip.empty() || !d.relay_host.empty())
                ++relays_n[d.relay_host.empty() ? d.relay_ip : d.relay_ip.empty() ? d.relay_host
                                                                                   : d.relay_ip + " (" + d.relay_host + ")"];
            for (const auto& r : d.recipients) ++targets_n[r];
            for (const auto& k : payload_kinds_of(d)) ++kinds_n[k];
            for (const auto& a : d.attachments) {
                if (!a.name.empty()) ++att_n[a.name];
                if (!a.sha256.empty()) ++sha_n[a.sha256];
            }
            for (const auto& h : link_hosts[i]) ++hosts_n[h];
            for (const auto& f : d.findings) {
                ++ids_n[f.id];
                if (f.group != "trust") groups_seen.insert(f.group);
            }
            if (c.subjects.size() < 5 && !d.subject.empty() &&
                std::find(c.subjects.begin(), c.subjects.end(), d.subject) == c.subjects.end())
                c.subjects.push_back(d.subject);
        }
        for (const auto& k : by_frequency(people_n)) c.impersonated.push_back(people[k]);
        c.organisations = by_frequency(orgs_n);
        c.senders = by_frequency(senders_n);
        c.sender_domains = by_frequency(sdom_n);
        c.relays = by_frequency(relays_n);
        c.targets = by_frequency(targets_n);
        c.payload_kinds = by_frequency(kinds_n);
        if (c.payload_kinds.size() > 1) std::erase(c.payload_kinds, std::string("none"));
        c.attachment_names = by_frequency(att_n);
        c.attachment_sha256 = by_frequency(sha_n);
        c.url_hosts = by_frequency(hosts_n);
        c.finding_ids = by_frequency(ids_n);
        c.groups.assign(groups_seen.begin(), groups_seen.end());
        std::sort(member_keys.begin(), member_keys.end());
        c.id = campaign_id(member_keys);
        out.push_back(std::move(c));
    }
    std::stable_sort(out.begin(), out.end(), [](const campaign& a, const campaign& b) {
        return a.last_seen != b.last_seen ? a.last_seen > b.last_seen : a.id < b.id;
    });
    return out;
}

}  // namespace replyguard::campaign
