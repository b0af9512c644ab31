// SPDX-License-Identifier: Apache-2.0
// output/record_test.cpp - the JSON record of the CLI contract and the people's table
//
// Messages go through the real engine (scan::engine, no history): one built
// here (a Japanese subject, an executable attachment), and real phishing mail
// of the shared corpus for the contract's shape.
#include "output/record.hpp"
#include "core/config.hpp"
#include "mime/charset.hpp"
#include "output/table.hpp"
#include "scan/engine.hpp"

#include "corpus_files.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

using namespace replyguard;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

// "請求書の送付" in UTF-8, base64 (RFC 2047); an attachment that is a PE executable by name and bytes
// (an MZ header whose e_lfanew points at a "PE\0\0" signature).
const std::string k_mail =
    "From: =?UTF-8?B?5bGx55Sw5aSq6YOO?= <taro@example.co.jp>\r\n"
    "To: hanako@example.jp\r\n"
    "Subject: =?UTF-8?B?6KuL5rGC5pu444Gu6YCB5LuY?=\r\n"
    "Message-ID: <out-1@example.co.jp>\r\n"
    "Date: Mon, 2 Mar 2020 09:00:00 +0900\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
    "--b1\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\nSee https://files.example.net/invoice now.\r\n"
    "--b1\r\nContent-Type: application/octet-stream; name=\"invoice.exe\"\r\n"
    "Content-Disposition: attachment; filename=\"invoice.exe\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    "TVqQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAQAAAAFBFAABMAQEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n"
    "--b1--\r\n";

scan::scan_result scan_text(const std::string& bytes, std::string source) {
    static const scan::engine engine{config{}};
    return engine.scan(bytes, std::move(source));
}

void expect_contract_shape(const json& j) {
    for (const char* k : {"source", "message_id", "from", "subject", "verdict", "score", "findings", "attachments",
                          "urls", "anomalies", "error"})
        EXPECT_TRUE(j.contains(k)) << "missing " << k;
    EXPECT_TRUE(j["from"].contains("name") && j["from"].contains("address"));
    EXPECT_TRUE(j["findings"].is_array());
    for (const auto& f : j["findings"])
        for (const char* k : {"id", "group", "score", "detail"}) EXPECT_TRUE(f.contains(k)) << f.dump();
    EXPECT_TRUE(j["attachments"].is_array());
    EXPECT_TRUE(j["urls"].is_array());
    EXPECT_TRUE(j["anomalies"].is_array());
}

}  // namespace

TEST(Record, ABuiltMessageHasEveryContractField) {
    auto r = scan_text(k_mail, "built.eml");
    json j = output::to_json(r);
    expect_contract_shape(j);
    EXPECT_EQ(j["source"], "built.eml");
    EXPECT_EQ(j["message_id"], "out-1@example.co.jp");
    EXPECT_EQ(j["from"]["name"], "山田太郎");
    EXPECT_EQ(j["from"]["address"], "taro@example.co.jp");
    EXPECT_EQ(j["subject"], "請求書の送付");
    EXPECT_TRUE(j["error"].is_null());
    EXPECT_EQ(j["verdict"], std::string(score::verdict_name(r.outcome.v)));
    EXPECT_EQ(j["score"].get<double>(), r.outcome.score);
    ASSERT_EQ(j["attachments"].size(), 1u);
    const json& a = j["attachments"][0];
    EXPECT_EQ(a["name"], "invoice.exe");
    EXPECT_EQ(a["sha256"].get<std::string>().size(), 64u);
    // The executable is found by the analysers and reported under its attachment.
    const json& af = a["findings"];
    EXPECT_TRUE(std::any_of(af.begin(), af.end(), [](const json& f) { return f["id"] == "ATTACH_EXECUTABLE"; }))
        << af.dump();
    const json& urls = j["urls"];
    EXPECT_TRUE(std::any_of(urls.begin(), urls.end(), [](const json& u) {
        return u.dump().find("files.example.net") != std::string::npos;
    })) << urls.dump();
}

TEST(Record, AnUnreadableInputHasTheSameShapeWithAnError) {
    json j = output::error_record("missing.eml", "cannot read missing.eml: No such file or directory");
    expect_contract_shape(j);
    EXPECT_EQ(j["source"], "missing.eml");
    EXPECT_TRUE(j["verdict"].is_null());
    EXPECT_EQ(j["error"], "cannot read missing.eml: No such file or directory");
}

TEST(Record, JsonSafeKeepsUtf8AndMasksOtherBytes) {
    EXPECT_EQ(output::json_safe("返信 ok"), "返信 ok");
    std::string bad =
        "ab\xff\xfe"
        "cd";
    std::string s = output::json_safe(bad);
    EXPECT_EQ(s.find('\xff'), std::string::npos);
    EXPECT_EQ(s.substr(0, 2), "ab");
    EXPECT_EQ(s.substr(s.size() - 2), "cd");
    EXPECT_NO_THROW((void)json(s).dump());  // nlohmann throws on invalid UTF-8 by default
}

TEST(Record, RealPhishingMailSerialisesToValidJson) {
    const fs::path dir = fs::path(REPLYGUARD_CORPUS_DIR) / "phishing/phishing_pot";
    if (!fs::is_directory(dir)) GTEST_SKIP() << dir << " not present";
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(dir))
        if (e.is_regular_file() && e.path().extension() == ".eml") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    ASSERT_FALSE(files.empty());
    files.resize(std::min<std::size_t>(files.size(), 25));
    for (const auto& p : files) {
        std::ifstream in(p, std::ios::binary);
        std::string bytes((std::istreambuf_iterator<char>(in)), {});
        json j = output::to_json(scan_text(bytes, p.string()));
        expect_contract_shape(j);
        EXPECT_EQ(j["source"], p.string());
        // The record must serialise without the replace handler: every string is valid UTF-8.
        EXPECT_NO_THROW((void)j.dump()) << p;
    }
}

static mime::mailbox mbox(std::string name, std::string address) {
    mime::mailbox m;
    m.name = std::move(name);
    m.address = std::move(address);
    return m;
}

static std::string dom_line(const scan::scan_result& r) {
    return output::to_json(r).dump(-1, ' ', false, json::error_handler_t::replace);
}

// The direct writer (scan --format jsonl) against the DOM's dump, byte for
// byte, on every single-message file of the shared corpus: real headers,
// Japanese text, attachments with details and findings, attached messages.
TEST(Record, TheDirectWriterMatchesTheDomOnEveryCorpusMessage) {
    const fs::path root(REPLYGUARD_CORPUS_DIR);
    if (!fs::is_directory(root)) GTEST_SKIP() << root << " not present";
    const std::vector<fs::path> files = replyguard::test::single_message_files(root);
    ASSERT_GT(files.size(), 3000u);
    std::size_t attached = 0, with_details = 0, with_findings = 0;
    for (const auto& p : files) {
        std::ifstream in(p, std::ios::binary);
        std::string bytes((std::istreambuf_iterator<char>(in)), {});
        const scan::scan_result r = scan_text(bytes, p.string());
        attached += r.attached.size();
        with_findings += !r.findings.empty();
        for (const auto& a : r.attachments) with_details += !a.details.empty();
        ASSERT_EQ(output::record_line(r), dom_line(r)) << p;
    }
    // The corpus exercises the writer's less common members.
    EXPECT_GT(attached, 0u);
    EXPECT_GT(with_details, 0u);
    EXPECT_GT(with_findings, 100u);
}

// What the corpus may not hold: control characters, bytes that are not UTF-8
// in fields the record does not mask, a non-finite score, every optional
// member, an unreadable attached message, history unavailable.
TEST(Record, TheDirectWriterMatchesTheDomOnEdgeCases) {
    scan::scan_result r = scan_text(k_mail, "edge\x01\"\\\t\x7f.eml");
    ASSERT_FALSE(r.msg.attachments.empty());
    EXPECT_EQ(output::record_line(r), dom_line(r));
    r.findings.push_back(finding{"ID_\xff", "grp\x1f", std::nan(""), "detail \xe3\x81", json{{"k", "v\xfe"}}});
    r.findings.push_back(finding{"BIG", "g", 1e300, "d\b\f\n\r", nullptr});
    r.findings.push_back(finding{"SMALL", "g", -0.000012345, "\xe8\xab\x8b", json::array({1, 2.5, "x"})});
    r.findings.push_back(finding{"NEG_ZERO", "g", -0.0, "", nullptr});
    r.msg.attachments[0].part_path = "1.\xc0\xaf";  // overlong '/': not UTF-8
    r.msg.attachments[0].sniffed_type.clear();
    r.msg.attachments[0].filename = "\xed\xa0\x80.exe";  // a surrogate: not UTF-8
    r.attachments.push_back(attach::attachment_report{});
    r.attachments.back().index = 0;
    r.attachments.back().kind = "second";
    r.attachments.back().details = json{{"z", 1}, {"a", nullptr}};
    r.msg.in_reply_to = {"a@b", "c\x80@d"};
    r.msg.references = {};
    r.msg.reply_to.push_back(mbox("Name \x01", "x@y"));
    r.msg.from.reset();
    r.msg.date.reset();
    r.msg.message_id.clear();
    r.msg.urls.clear();
    for (int i = 0; i < 80; ++i) {  // past the writer's linear look-back, with repeats
        text::url_ref u;
        u.url = "https://h" + std::to_string(i % 37) + ".example/";
        u.host = "h.example";
        u.anchor_text = i % 3 ? "" : "click";
        u.from_html = i % 2 == 0;
        r.msg.urls.push_back(u);
    }
    mime::quoted_block q;
    q.text = "quoted";
    q.from = "From \xff";
    q.attribution = "On a day";
    q.from_mailbox = mbox("n", "a@b");
    r.msg.quoted.push_back(q);
    r.limits_hit.push_back(limit_hit{"ANALYSIS_TIMEOUT", "time \xff"});
    r.incomplete = true;
    r.error = "partly \xff read";
    r.history.status = history::view_status::unavailable;
    r.history.error = "store \"down\"";
    r.pairing = json{{"password", "p\xff"}, {"from", 3}};
    auto unreadable = [] {  // attached, unreadable: the error record with the nesting keys
        scan::scan_result b;
        b.source = "edge.eml>1";
        b.error = "cannot parse";
        b.attached_kind = "rfc822";
        b.attached_index = 0;
        return b;
    };
    r.attached.push_back(unreadable());
    scan::scan_result inner = scan_text(k_mail, "edge.eml>2");
    inner.attached_kind = "msg";
    inner.attached_index = 7;
    r.attached.push_back(std::move(inner));
    EXPECT_EQ(output::record_line(r), dom_line(r));
    // The unreadable message itself.
    const scan::scan_result broken = unreadable();
    EXPECT_EQ(output::record_line(broken), dom_line(broken));
    std::string appended = "prefix";
    output::append_record(appended, broken);
    EXPECT_EQ(appended, "prefix" + dom_line(broken));
}

TEST(Table, WideCharactersCountTwoCells) {
    EXPECT_EQ(output::display_width("abc"), 3);
    EXPECT_EQ(output::display_width("請求書"), 6);
    EXPECT_EQ(output::display_width("ＲＥ: a"), 7);
    std::string cut = output::fit("請求書の送付について", 9);
    EXPECT_LE(output::display_width(cut), 9);
    EXPECT_TRUE(cut.ends_with("…")) << cut;
    EXPECT_EQ(output::fit("short", 9), "short");
}

TEST(Table, ARowShowsVerdictSenderSubjectAndFindings) {
    auto r = scan_text(k_mail, "built.eml");
    std::ostringstream out;
    output::table_writer t(out, /*color=*/false, 120);
    t.header();
    t.row(r);
    t.error_row("missing.eml", "cannot read missing.eml");
    t.summary(1, 2, 3, 4);
    const std::string s = out.str();
    EXPECT_NE(s.find(std::string(score::verdict_name(r.outcome.v))), std::string::npos) << s;
    EXPECT_NE(s.find("山田太郎"), std::string::npos) << s;
    EXPECT_NE(s.find("請求書の送付"), std::string::npos) << s;
    EXPECT_NE(s.find("built.eml"), std::string::npos) << s;
    EXPECT_NE(s.find("missing.eml"), std::string::npos) << s;
    EXPECT_EQ(s.find('\x1b'), std::string::npos) << "no colour codes without colour";
    if (r.outcome.score > 0) {
        for (const auto& f : r.findings) {
            if (f.score != 0) {
                EXPECT_NE(s.find(f.id), std::string::npos) << f.id;
            }
        }
    }
}

// The escape loop skips eight plain bytes at a time (issue 13): every byte that is
// escaped, and the plain bytes around it ('!' 0x21, '[' 0x5b, ']' 0x5d, 0x7f,
// UTF-8), at every offset within eight bytes and at the string's end, in a field
// written with str() and in fields written with safe_str().
TEST(Record, TheDirectWriterEscapesAtEveryOffset) {
    scan::scan_result r = scan_text(k_mail, "offsets.eml");
    std::vector<std::string> special;  // one character each (UTF-8 as whole sequences)
    for (int c = 0; c < 0x20; ++c) special.emplace_back(1, static_cast<char>(c));
    for (const char* c : {"\"", "\\", "!", "#", "[", "]", "\x7f", "\u00e9", "\u3042", "\U0001F600"})
        special.emplace_back(c);
    const std::string plain = "abcdefghijklmnop";
    std::string text;
    for (std::size_t off = 0; off < 8; ++off)
        for (const auto& c : special) text += plain.substr(0, off) + c + plain.substr(off) + ' ';
    for (std::size_t len = 0; len < 17; ++len) text += "\n" + plain.substr(0, len) + "\"";
    ASSERT_TRUE(mime::is_valid_utf8(text));
    r.source = text;
    r.msg.subject.decoded = text + "\xe3\x81";  // not UTF-8: json_safe's copy, then str()
    r.findings.push_back(finding{"ID", "g", 1.0, text, nullptr});
    r.findings.push_back(finding{text, "g\\" + text, 2.0, "", nullptr});  // id and group: str()
    EXPECT_EQ(output::record_line(r), dom_line(r));
}
