// SPDX-License-Identifier: Apache-2.0
// campaign/cluster.cpp - union-find over indexed payload, identity and relay keys in a time window
#include "campaign/cluster.hpp"

#include "attach/ids.hpp"
#include "core/digest.hpp"
#include "detect/ids.hpp"
#include "mime/domains.hpp"

#include <algorithm>
#include <iterator>
#include <map>
#include <numeric>
#include <set>
#include <span>
#include <unordered_map>
#include <unordered_set>

namespace replyguard::campaign {

namespace {

bool contains(std::string_view hay, std::string_view needle) { return hay.find(needle) != std::string_view::npos; }

// Links that deliver the payload: those HIJACK_WITH_PAYLOAD's evidence lists, and
// links on the IOC list (IOC_URL: in the message or inside an attached file).
// Other hosts of the body are mostly the quoted conversation's (cluster()).
std::vector<std::string> payload_links(const detection& d) {
    std::vector<std::string> out;
    for (const auto& f : d.findings) {
        if (!f.evidence.is_object()) continue;
        if (f.id == attach::ids::IOC_URL)
            if (auto u = f.evidence.find("url"); u != f.evidence.end() && u->is_string())
                out.push_back(u->get<std::string>());
        auto it = f.evidence.find("payload");
        if (it == f.evidence.end() || !it->is_array()) continue;
        for (const auto& p : *it)
            if (p.is_object() && p.contains("link") && p["link"].is_string())
                out.push_back(p["link"].get<std::string>());
    }
    return out;
}

// Our accounts an outbound-abuse event names (the milter's evidence "account").
std::vector<std::string> abused_accounts_of(const detection& d) {
    std::vector<std::string> out;
    for (const auto& f : d.findings)
        if (f.id == detect::ids::OUTBOUND_ACCOUNT_ABUSE && f.evidence.is_object())
            if (auto a = f.evidence.find("account");
                a != f.evidence.end() && a->is_string() && !a->get<std::string>().empty())
                out.push_back(a->get<std::string>());
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
    return "C-" + sha256_hex(all, 10);
}

}  // namespace

double macro_similarity(const std::vector<std::uint64_t>& a, const std::vector<std::uint64_t>& b) {
    if (a.size() < 5 || b.size() < 5) return 0.0;  // a few lines say nothing about a family
    std::size_t common = 0;
    for (std::size_t i = 0, j = 0; i < a.size() && j < b.size();) {
        if (a[i] == b[j])
            ++common, ++i, ++j;
        else if (a[i] < b[j])
            ++i;
        else
            ++j;
    }
    return static_cast<double>(common) / static_cast<double>(a.size() + b.size() - common);
}

std::vector<std::string> payload_kinds_of(const detection& d) {
    std::set<std::string> k;
    bool encrypted = false, body_pw = false;
    for (const auto& f : d.findings) {
        const std::string& id = f.id;
        if (id == attach::ids::ARCHIVE_ENCRYPTED) encrypted = true;
        if (id == attach::ids::ARCHIVE_PASSWORD_FROM_BODY || id == attach::ids::ARCHIVE_PASSWORD_FROM_THREAD)
            body_pw = true;
        if (contains(id, "MACRO") || contains(id, "VBA") || contains(id, "XLM")) k.insert("macro_document");
        if (id == attach::ids::OFFICE_EXTERNAL_TEMPLATE || id == attach::ids::OFFICE_DDE ||
            id == attach::ids::OFFICE_EXTERNAL_OLE_LINK)
            k.insert("document_remote_content");
        if (id == attach::ids::ATTACH_LNK) k.insert("shortcut");
        if (id == attach::ids::ATTACH_SCRIPT) k.insert("script");
        if (id == attach::ids::ATTACH_EXECUTABLE || id == attach::ids::ATTACH_CHM) k.insert("executable");
        if (id == attach::ids::ATTACH_DISK_IMAGE) k.insert("disk_image");
        if (id == attach::ids::ATTACH_ONENOTE || id == attach::ids::ATTACH_ONENOTE_EMBEDDED) k.insert("onenote");
        if (id == attach::ids::ATTACH_HTML_SMUGGLING || id == attach::ids::ATTACH_HTML) k.insert("html_attachment");
        if (f.group == "payload" && (contains(id, "LINK") || contains(id, "URL"))) k.insert("download_link");
    }
    if (encrypted) k.insert("password_zip");
    (void)body_pw;
    if (!payload_links(d).empty()) k.insert("download_link");
    if (k.empty()) {
        for (const auto& a : d.attachments) {
            if (a.kind == "zip" || a.kind == "rar" || a.kind == "7z" || a.kind == "archive")
                k.insert("archive");
            else if (!a.kind.empty())
                k.insert("document");
        }
    }
    if (k.empty()) k.insert("none");
    return {k.begin(), k.end()};
}

namespace {

// --- linking by index -----------------------------------------------------------
//
// Every key (a hash, a host, a person, an organisation, a relay) lists the
// detections carrying it, sorted by time; neighbours in that list at most
// `window` apart are united. That is the same partition as uniting every pair
// within the window (a pair within the window has only gaps <= window between
// them in the sorted list), at O(n log n) instead of O(n^2).

using index_t = std::unordered_map<std::string, std::vector<std::size_t>>;

// Runs of `members` (sorted by time) whose consecutive gaps are <= window.
template <class F>
void for_each_run(const std::vector<detection>& ds, std::vector<std::size_t>& members, std::int64_t window, F&& f) {
    std::sort(members.begin(), members.end(), [&](std::size_t a, std::size_t b) {
        return ds[a].when() != ds[b].when() ? ds[a].when() < ds[b].when() : a < b;
    });
    std::size_t b = 0;
    for (std::size_t i = 1; i <= members.size(); ++i)
        if (i == members.size() || (window > 0 && ds[members[i]].when() - ds[members[i - 1]].when() > window)) {
            f(std::span<const std::size_t>(members.data() + b, i - b));
            b = i;
        }
}

std::uint64_t mix64(std::uint64_t x) {  // splitmix64 finaliser
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

// Calls link(a, b) for pairs of distinct macro fingerprints whose Jaccard
// similarity reaches `threshold`. `joined(a, b)` says the pair's detections
// are already one campaign, so the comparison can be skipped (in a wave of
// thousands of variants most candidate pairs are). Up to k_exact_sets (512) every
// pair whose sizes allow it is compared exactly; above, MinHash LSH (48 bands
// of 3 rows) proposes candidates, which are then compared exactly: a pair at
// Jaccard 0.5 is proposed with probability 0.998, at 0.7 with 1 - 1e-20, so
// only borderline pairs may be missed.
template <class Joined, class Link>
void similar_fingerprints(const std::vector<const std::vector<std::uint64_t>*>& fps, double threshold, Joined&& joined,
                          Link&& link) {
    constexpr std::size_t k_exact_sets = 512, k_bands = 48, k_rows = 3;
    const std::size_t m = fps.size();
    auto check = [&](std::size_t a, std::size_t b) {
        if (!joined(a, b) && macro_similarity(*fps[a], *fps[b]) >= threshold) link(a, b);
    };
    if (m <= k_exact_sets) {
        // Jaccard >= t needs min(|A|,|B|) >= t * max(|A|,|B|): sorted by size, stop early.
        std::vector<std::size_t> order(m);
        std::iota(order.begin(), order.end(), 0);
        std::sort(order.begin(), order.end(),
                  [&](std::size_t a, std::size_t b) { return fps[a]->size() < fps[b]->size(); });
        for (std::size_t i = 0; i < m; ++i)
            for (std::size_t j = i + 1; j < m; ++j) {
                if (static_cast<double>(fps[order[i]]->size()) < threshold * static_cast<double>(fps[order[j]]->size()))
                    break;
                check(order[i], order[j]);
            }
        return;
    }
    std::unordered_map<std::uint64_t, std::vector<std::uint32_t>> buckets;
    std::uint64_t sig[k_bands * k_rows];
    for (std::size_t i = 0; i < m; ++i) {
        std::fill(std::begin(sig), std::end(sig), ~0ULL);
        for (std::uint64_t x : *fps[i])
            for (std::size_t h = 0; h < k_bands * k_rows; ++h)
                sig[h] = std::min(sig[h], mix64(x ^ (h * 0x632be59bd9b4e019ULL)));
        for (std::size_t b = 0; b < k_bands; ++b) {
            std::uint64_t key = mix64(b);
            for (std::size_t r = 0; r < k_rows; ++r) key = mix64(key ^ sig[b * k_rows + r]);
            buckets[key].push_back(static_cast<std::uint32_t>(i));
        }
    }
    std::unordered_set<std::uint64_t> tried;
    for (auto& [key, v] : buckets)
        for (std::size_t i = 0; i < v.size(); ++i)
            for (std::size_t j = i + 1; j < v.size(); ++j)
                if (!joined(v[i], v[j]) && tried.insert((static_cast<std::uint64_t>(v[i]) << 32) | v[j]).second)
                    check(v[i], v[j]);
}

// The organisations a detection stands for, to tell a specific relay or host
// from shared infrastructure: those impersonated, else the sender's domain.
std::vector<std::string> parties_of(const detection& d) {
    std::vector<std::string> out;
    for (const auto& id : d.impersonated)
        out.push_back(!id.domain.empty() && !mime::is_freemail(id.domain) ? id.domain
                      : !id.address.empty()                               ? id.address
                                                                          : "name:" + id.name);
    if (out.empty()) out.push_back("from:" + (d.from_domain.empty() ? d.from_address : d.from_domain));
    return out;
}

std::size_t distinct_parties(const std::vector<detection>& ds, std::span<const std::size_t> run) {
    std::set<std::string> p;
    for (std::size_t i : run)
        for (auto& x : parties_of(ds[i])) p.insert(std::move(x));
    return p.size();
}

}  // namespace

std::vector<campaign> cluster(const std::vector<detection>& ds, const cluster_options& opt) {
    // An admin said "genuine" (a false positive): not part of any campaign.
    auto genuine = [](const detection& d) { return d.feedback == "genuine"; };
    if (std::any_of(ds.begin(), ds.end(), genuine)) {
        std::vector<detection> kept;
        std::copy_if(ds.begin(), ds.end(), std::back_inserter(kept), [&](const detection& d) { return !genuine(d); });
        return cluster(kept, opt);
    }
    const std::size_t n = ds.size();
    const std::int64_t window = static_cast<std::int64_t>(opt.window_days) * 86400;
    std::set<std::string> org;
    for (const auto& d : opt.org_domains) org.insert(mime::registrable_domain(d));

    std::vector<std::vector<std::string>> link_hosts(n);
    std::unordered_map<std::string, std::size_t> host_df;
    // Only download links count: the other hosts of a reply's body are mostly
    // those of the quoted real conversation (a newsletter's, a list's), which
    // every hijack of that thread repeats whatever its payload.
    for (std::size_t i = 0; i < n; ++i) {
        std::set<std::string> hs;
        for (const auto& l : payload_links(ds[i]))
            if (auto h = host_of(l); !h.empty()) hs.insert(h);
        link_hosts[i].assign(hs.begin(), hs.end());
        for (const auto& h : hs) ++host_df[h];
    }

    // Phase 1: payload families. The same file, similar macro code, a payload link host.
    dsu u(n);
    index_t payload, infra, identity_keys;
    for (std::size_t i = 0; i < n; ++i) {
        const detection& d = ds[i];
        for (const auto& a : d.attachments) {
            if (!a.sha256.empty()) payload["sha:" + a.sha256].push_back(i);
            for (const auto& m : a.member_sha256) payload["sha:" + m].push_back(i);
        }
        for (const auto& h : link_hosts[i])
            if (n < 3 || host_df[h] * 2 <= n) infra["host:" + h].push_back(i);
        if (!d.relay_ip.empty()) infra["ip:" + d.relay_ip].push_back(i);
        bool person = false;
        for (const auto& acct : abused_accounts_of(d)) {
            identity_keys["acct:" + acct].push_back(i);
            person = true;
        }
        for (const auto& id : d.impersonated)
            if (!id.address.empty()) {
                identity_keys["who:" + id.address].push_back(i);
                person = true;
            }
        if (!person)
            for (const auto& id : d.impersonated)
                if (!id.domain.empty()) identity_keys["org:" + id.domain].push_back(i);
    }
    auto unite_run = [&](std::span<const std::size_t> run) {
        for (std::size_t k = 1; k < run.size(); ++k) u.unite(run[k - 1], run[k]);
    };
    for (auto& [k, members] : payload) {
        std::sort(members.begin(), members.end());
        members.erase(std::unique(members.begin(), members.end()), members.end());
        for_each_run(ds, members, window, unite_run);
    }
    // A host or relay shared by detections of more than k_hub_parties
    // organisations (impersonated, else sending) within one run is shared
    // infrastructure (a file-sharing service, a mail provider's relay, a hosting
    // platform), not one operation's: it never links. A real wave's own host is
    // usually also tied by its documents' hashes or macros.
    constexpr std::size_t k_hub_parties = 3;
    for (auto& [k, members] : infra)
        if (k.starts_with("host:"))
            for_each_run(ds, members, window, [&](std::span<const std::size_t> run) {
                if (distinct_parties(ds, run) <= k_hub_parties) unite_run(run);
            });
    {
        // Macro code: only detections that carry a fingerprint, one entry per distinct fingerprint.
        std::map<std::vector<std::uint64_t>, std::vector<std::size_t>> by_fp;
        for (std::size_t i = 0; i < n; ++i)
            for (const auto& a : ds[i].attachments)
                if (a.macro_fp.size() >= 5) by_fp[a.macro_fp].push_back(i);
        std::vector<const std::vector<std::uint64_t>*> fps;
        std::vector<std::vector<std::size_t>*> carriers;
        for (auto& [fp, v] : by_fp) {
            fps.push_back(&fp);
            carriers.push_back(&v);
            if (opt.macro_similarity <= 1.0) for_each_run(ds, v, window, unite_run);
        }
        // Already one campaign: every carrier of both under one root.
        auto joined = [&](std::size_t a, std::size_t b) {
            std::size_t r = u.find(carriers[a]->front());
            for (auto* c : {carriers[a], carriers[b]})
                for (std::size_t i : *c)
                    if (u.find(i) != r) return false;
            return true;
        };
        similar_fingerprints(fps, opt.macro_similarity, joined, [&](std::size_t a, std::size_t b) {
            std::vector<std::size_t> both(*carriers[a]);
            both.insert(both.end(), carriers[b]->begin(), carriers[b]->end());
            for_each_run(ds, both, window, unite_run);
        });
    }

    // Phase 2: people, organisations, relays. These join detections to a payload
    // family, but never bridge two families: a person impersonated in two waves
    // (two different payloads), or a detection naming two people of two waves,
    // would otherwise chain every wave of an outbreak into one campaign. Each
    // union is refused when both sides already hold a different family (of at
    // least two detections). Keys are taken in a fixed order (sorted), so a
    // detection tied to two families joins the same one on every run.
    constexpr std::size_t k_none = static_cast<std::size_t>(-1);
    std::vector<std::size_t> fam(n, k_none), family_size(n, 0);
    for (std::size_t i = 0; i < n; ++i) ++family_size[u.find(i)];
    for (std::size_t i = 0; i < n; ++i)
        if (family_size[u.find(i)] >= 2) fam[i] = u.find(i);  // fam is read at roots only
    auto unite_checked = [&](std::size_t a, std::size_t b) {
        std::size_t ra = u.find(a), rb = u.find(b);
        if (ra == rb) return;
        if (fam[ra] != k_none && fam[rb] != k_none && fam[ra] != fam[rb]) return;
        std::size_t f = fam[ra] != k_none ? fam[ra] : fam[rb];
        u.unite(ra, rb);
        fam[u.find(ra)] = f;
    };
    auto unite_guarded = [&](std::span<const std::size_t> run) {
        for (std::size_t k = 1; k < run.size(); ++k) unite_checked(run[k - 1], run[k]);
    };
    std::map<std::string, std::vector<std::size_t>> phase2(identity_keys.begin(), identity_keys.end());
    for (auto& [k, members] : infra)
        if (k.starts_with("ip:")) phase2.emplace(k, members);
    for (auto& [k, members] : phase2)
        for_each_run(ds, members, window, [&](std::span<const std::size_t> run) {
            if (k.starts_with("ip:") && distinct_parties(ds, run) > k_hub_parties) return;
            unite_guarded(run);
        });

    std::map<std::size_t, std::vector<std::size_t>> groups;
    for (std::size_t i = 0; i < n; ++i) groups[u.find(i)].push_back(i);

    std::vector<campaign> out;
    for (auto& [root, members] : groups) {
        campaign c;
        std::map<std::string, std::size_t> people_n, orgs_n, accounts_n, senders_n, sdom_n, relays_n, targets_n,
            kinds_n, att_n, sha_n, hosts_n, ids_n;
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
                    if (p.address.empty() && p.name.empty())
                        p = id;
                    else if (p.name.empty())
                        p.name = id.name;
                }
                if (!id.domain.empty() && !mime::is_freemail(id.domain)) {
                    ++orgs_n[id.domain];
                    if (org.contains(id.domain)) c.own_org_impersonated = true;
                }
            }
            for (const auto& acct : abused_accounts_of(d)) ++accounts_n[acct];
            if (!d.from_address.empty()) ++senders_n[d.from_address];
            if (!d.from_domain.empty()) ++sdom_n[d.from_domain];
            if (!d.relay_ip.empty() || !d.relay_host.empty())
                ++relays_n[d.relay_host.empty() ? d.relay_ip
                           : d.relay_ip.empty() ? d.relay_host
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
        c.abused_accounts = by_frequency(accounts_n);
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
