// SPDX-License-Identifier: Apache-2.0
// IOC lists and YARA rules (attach/ioc.hpp) over attachments, archive members,
// macro source and message URLs.
#include "archive_test_util.hpp"

#include "attach/internal.hpp"
#include "attach/ioc.hpp"
#include "core/config.hpp"
#include "core/digest.hpp"
#include "scan/engine.hpp"
#include "text/urls.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

using namespace rg_test;
namespace attach = replyguard::attach;
namespace fs = std::filesystem;

namespace {

class Ioc : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("replyguard-ioc-" + std::to_string(::getpid()));
        fs::create_directories(dir_ / "rules");
    }
    void TearDown() override {
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }
    fs::path write(const std::string& name, const std::string& text) {
        std::ofstream(dir_ / name, std::ios::binary) << text;
        return dir_ / name;
    }
    fs::path dir_;
};

}  // namespace

TEST_F(Ioc, HashOfAnArchiveMemberAndUrlInside) {
    std::string doc = "This document downloads from http://cdn.evil-campaign.example/load/x.bin now\n";
    std::string member_hash = replyguard::sha256_hex(doc);
    attach::ioc_sources src;
    src.sha256_lists.push_back(write("hashes.txt", "# campaign 2020-11\n\n" + member_hash + "  emotet-doc\n"));
    src.domain_lists.push_back(write("domains.txt", "evil-campaign.example\n# comment\nhttp://other.example/path/\n"));
    auto iocs = attach::load_ioc_lists(src);
    ASSERT_TRUE(iocs.has_value()) << iocs.error().message;

    attach::analysis_options opt;
    opt.iocs = *iocs;
    auto msg = message_with("", {attachment("a.zip", make_archive({{"doc/readme.txt", doc}}))});
    auto reps = attach::analyse(msg, opt);
    ASSERT_EQ(reps.size(), 1u);
    const auto* h = find(reps[0], "IOC_HASH");
    ASSERT_NE(h, nullptr);
    EXPECT_EQ(h->evidence["path"], "a.zip/doc/readme.txt");
    EXPECT_EQ(h->evidence["label"], "emotet-doc");
    const auto* u = find(reps[0], "IOC_URL");
    ASSERT_NE(u, nullptr);
    EXPECT_EQ(u->evidence["matched"], "evil-campaign.example");

    // Without the lists nothing matches.
    auto plain = attach::analyse(msg, {});
    EXPECT_FALSE(has(plain[0], "IOC_HASH"));
}

TEST_F(Ioc, MessageUrlsAndParentDomains) {
    attach::ioc_sources src;
    src.domain_lists.push_back(write("d.txt", "bad.example\nhttp://host.example/dl/\n"));
    auto iocs = attach::load_ioc_lists(src);
    ASSERT_TRUE(iocs.has_value());
    replyguard::mime::message m;
    m.urls.push_back({"https://a.b.bad.example/x", "a.b.bad.example", "", false});
    m.urls.push_back({"http://HOST.example/dl/file.doc", "host.example", "", false});
    m.urls.push_back({"http://host.example/other", "host.example", "", false});
    m.urls.push_back({"https://notbad.example/", "notbad.example", "", false});
    auto f = attach::match_message_urls(m, **iocs);
    ASSERT_EQ(f.size(), 2u);
    EXPECT_EQ(f[0].evidence["matched"], "bad.example");
    EXPECT_EQ(f[1].evidence["matched"], "http://host.example/dl/");
}

// A Unicode, full-width or "%2E" spelling of a host meets the ACE form the list holds,
// and a list holding the Unicode form meets the ACE spelling (text::normalize_host).
TEST_F(Ioc, IdnAndPercentEncodedHosts) {
    attach::ioc_sources src;
    src.domain_lists.push_back(
        write("d.txt", "xn--r8jz45g.xn--zckzah\nbücher.example\nevil.example\nhttp://xn--bcher-kva.example/dl/\n"));
    auto iocs = attach::load_ioc_lists(src);
    ASSERT_TRUE(iocs.has_value());
    auto url = [](std::string u) {
        replyguard::text::url_ref r;
        r.host = replyguard::text::url_host(u);
        r.url = std::move(u);
        return r;
    };
    replyguard::mime::message m;
    m.urls.push_back(url("https://例え.テスト/invoice"));
    m.urls.push_back(url("https://www.xn--bcher-kva.example/a"));
    m.urls.push_back(url("https://evil%2Eexample/doc"));
    m.urls.push_back(url("https://ＥＶＩＬ．ｅｘａｍｐｌｅ/doc"));
    m.urls.push_back(url("https://evilexample.com/doc"));  // no dot: another host
    auto f = attach::match_message_urls(m, **iocs);
    ASSERT_EQ(f.size(), 4u);
    EXPECT_EQ(f[0].evidence["matched"], "xn--r8jz45g.xn--zckzah");
    EXPECT_EQ(f[1].evidence["matched"], "xn--bcher-kva.example");
    EXPECT_EQ(f[2].evidence["matched"], "evil.example");
    EXPECT_EQ(f[3].evidence["matched"], "evil.example");
    EXPECT_EQ((*iocs)->match_url("http://Bücher.example/dl/x.doc"), "http://xn--bcher-kva.example/dl/");
}

TEST_F(Ioc, YaraOverMembersAndVbaSource) {
    write("rules/campaign.yar", R"(rule emotet_marker { strings: $a = "REPLYGUARD-TEST-MARKER" condition: $a })");
    write("rules/vba.yara", R"(rule vba_autoopen { strings: $a = "AutoOpen" nocase condition: $a })");
    attach::ioc_sources src;
    src.yara_rules = dir_ / "rules";
    auto iocs = attach::load_ioc_lists(src);
    ASSERT_TRUE(iocs.has_value()) << iocs.error().message;
    attach::analysis_options opt;
    opt.iocs = *iocs;
    auto inner = make_archive({{"x.txt", "xx REPLYGUARD-TEST-MARKER xx"}});
    auto msg = message_with("", {attachment("outer.zip", make_archive({{"inner.zip", inner}}))});
    auto reps = attach::analyse(msg, opt);
    const auto* y = find(reps[0], "YARA_MATCH");
    ASSERT_NE(y, nullptr);
    EXPECT_EQ(y->evidence["rules"][0], "emotet_marker");
    EXPECT_EQ(y->evidence["path"], "outer.zip/inner.zip/x.txt");

    // Macro source left by the Office analysers in the details.
    attach::analysis_state st;
    st.opt = &opt;
    attach::attachment_report rep;
    rep.details["vba_source"] = "Sub autoopen()\n MsgBox 1\nEnd Sub\n";
    attach::check_vba_source(st, rep);
    ASSERT_TRUE(has(rep, "YARA_MATCH"));
    EXPECT_EQ(find(rep, "YARA_MATCH")->evidence["rules"][0], "vba_autoopen");
}

TEST_F(Ioc, LoadErrors) {
    attach::ioc_sources bad_hash;
    bad_hash.sha256_lists.push_back(write("h.txt", "not-a-hash\n"));
    auto r1 = attach::load_ioc_lists(bad_hash);
    ASSERT_FALSE(r1.has_value());
    EXPECT_EQ(r1.error().code, replyguard::errc::parse);
    EXPECT_NE(r1.error().message.find("h.txt:1"), std::string::npos);

    attach::ioc_sources missing;
    missing.domain_lists.push_back(dir_ / "nope.txt");
    auto r2 = attach::load_ioc_lists(missing);
    ASSERT_FALSE(r2.has_value());
    EXPECT_EQ(r2.error().code, replyguard::errc::io);

    attach::ioc_sources bad_rule;
    bad_rule.yara_rules = write("broken.yar", "rule broken { condition: nonsense_identifier }");
    auto r3 = attach::load_ioc_lists(bad_rule);
    ASSERT_FALSE(r3.has_value());
    EXPECT_EQ(r3.error().code, replyguard::errc::parse);
    EXPECT_NE(r3.error().message.find("broken.yar"), std::string::npos);
}

TEST_F(Ioc, Utf16UrlInBinaryDocument) {
    attach::ioc_sources src;
    src.domain_lists.push_back(write("d.txt", "payload.example\n"));
    auto iocs = attach::load_ioc_lists(src);
    ASSERT_TRUE(iocs.has_value());
    std::string wide;
    for (char c : std::string("https://Payload.example/a.exe")) {
        wide.push_back(c);
        wide.push_back('\0');
    }
    std::string blob = std::string(300, '\x01') + wide + std::string(300, '\0');
    attach::analysis_options opt;
    opt.iocs = *iocs;
    auto reps = attach::analyse(message_with("", {attachment("x.bin", blob)}), opt);
    const auto* u = find(reps[0], "IOC_URL");
    ASSERT_NE(u, nullptr);
    EXPECT_EQ(u->evidence["url"], "https://Payload.example/a.exe");
    EXPECT_EQ(u->evidence["matched"], "payload.example");
}

TEST_F(Ioc, EngineLoadsTheListsItsConfigurationNames) {
    // What `scan`, `milter` (and its reload) call: the [ioc] table of the configuration.
    write("domains.txt", "# campaign hosts\ndl.bad-host.example\n");
    replyguard::config cfg;
    cfg.ioc_domain_lists = {(dir_ / "domains.txt").string()};
    replyguard::scan::engine eng(cfg);
    ASSERT_TRUE(eng.load_configured_iocs().has_value());
    const std::string mail =
        "From: a@partner.example\r\nTo: b@ours.example\r\nSubject: invoice\r\n\r\n"
        "See https://dl.bad-host.example/invoice.doc\r\n";
    auto r = eng.scan(mail, "ioc.eml");
    EXPECT_TRUE(std::any_of(r.findings.begin(), r.findings.end(), [](const auto& f) { return f.id == "IOC_URL"; }));
    // No lists named: nothing to load, no finding.
    replyguard::scan::engine none{replyguard::config{}};
    ASSERT_TRUE(none.load_configured_iocs().has_value());
    auto r0 = none.scan(mail, "ioc.eml");
    EXPECT_FALSE(std::any_of(r0.findings.begin(), r0.findings.end(), [](const auto& f) { return f.id == "IOC_URL"; }));
    // A list that cannot be read is an error, not an empty list.
    cfg.ioc_domain_lists = {(dir_ / "missing.txt").string()};
    replyguard::scan::engine broken(cfg);
    EXPECT_FALSE(broken.load_configured_iocs().has_value());
}
