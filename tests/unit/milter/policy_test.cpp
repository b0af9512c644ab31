// SPDX-License-Identifier: Apache-2.0
// Tests of milter/policy.hpp: [milter] configuration, header values, subject tag.
#include "milter/policy.hpp"
#include "mime/charset.hpp"
#include "mime/header_decode.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <regex>

using namespace replyguard;
using namespace replyguard::milter;

TEST(MilterConfig, DefaultsWithoutTable) {
    auto c = parse_milter_config("[thresholds]\nsuspicious = 4.0\n", "t.toml");
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ(c->socket, "inet:8894@127.0.0.1");
    EXPECT_EQ(c->default_action, disposition::accept);
    EXPECT_EQ(c->on_incomplete, incomplete_action::hold);  // never accept silently what was cut short
    EXPECT_EQ(c->subject_prefix, "[要注意]");
    EXPECT_EQ(c->malicious.disp, disposition::reject);
    EXPECT_TRUE(c->suspicious.banner);
    EXPECT_FALSE(c->clean.subject);
    EXPECT_EQ(c->log, "stderr");
}

TEST(MilterConfig, ReadsEveryKey) {
    auto c = parse_milter_config(R"(
[milter]
socket = "unix:/run/replyguard/milter.sock"
db = "/var/lib/replyguard/history.db"
default_action = "tempfail"
on_incomplete = "verdict"
timeout = 2.5
max_message_size = 1000
subject_prefix = "[SUSPECT]"
reject_reason = "go away"
learn = false
log = "syslog"
[milter.actions]
clean = []
suspicious = ["headers", "subject"]
malicious = ["headers", "quarantine"]
[milter.outbound]
window = 600
max_unknown_replies = 3
flag_new_client_ip = false
response = "accept"
)",
                                 "t.toml");
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ(c->socket, "unix:/run/replyguard/milter.sock");
    EXPECT_EQ(c->db, "/var/lib/replyguard/history.db");
    EXPECT_EQ(c->default_action, disposition::tempfail);
    EXPECT_EQ(c->on_incomplete, incomplete_action::verdict);
    EXPECT_DOUBLE_EQ(c->timeout, 2.5);
    EXPECT_EQ(c->max_message_size, 1000u);
    EXPECT_EQ(c->subject_prefix, "[SUSPECT]");
    EXPECT_EQ(c->reject_reason, "go away");
    EXPECT_FALSE(c->learn);
    EXPECT_EQ(c->log, "syslog");
    EXPECT_FALSE(c->clean.headers);
    EXPECT_TRUE(c->suspicious.subject);
    EXPECT_FALSE(c->suspicious.banner);
    EXPECT_EQ(c->suspicious.disp, disposition::accept);
    EXPECT_EQ(c->malicious.disp, disposition::quarantine);
    EXPECT_EQ(c->for_verdict(score::verdict::malicious).disp, disposition::quarantine);
    EXPECT_EQ(c->outbound.window, 600);
    EXPECT_EQ(c->outbound.max_unknown_replies, 3u);
    EXPECT_FALSE(c->outbound.flag_new_client_ip);
    EXPECT_EQ(c->outbound.response, disposition::accept);
}

TEST(MilterConfig, RejectsMistakesWithTheirPlace) {
    auto bad = [](const char* text) {
        auto c = parse_milter_config(text, "t.toml");
        EXPECT_FALSE(c) << text;
        return c ? std::string() : c.error().message;
    };
    EXPECT_NE(bad("[milter]\nsokcet = \"x\"\n").find("t.toml:2"), std::string::npos);
    EXPECT_NE(bad("[milter]\ndefault_action = \"reject\"\n").find("default_action"), std::string::npos);
    EXPECT_NE(bad("[milter.actions]\nmalicious = [\"reject\", \"quarantine\"]\n").find("at most one"),
              std::string::npos);
    EXPECT_NE(bad("[milter.actions]\nmalicious = [\"explode\"]\n").find("explode"), std::string::npos);
    EXPECT_NE(bad("[milter]\nreject_reason = \"100% spam\"\n").find("reject_reason"), std::string::npos);
    EXPECT_NE(bad("[milter]\ntimeout = -1\n").find("timeout"), std::string::npos);
    EXPECT_NE(bad("[milter]\ntimeout = nan\n").find("t.toml:2"), std::string::npos);
    const std::string inc = bad("[milter]\nlearn = false\non_incomplete = \"accept\"\n");
    EXPECT_NE(inc.find("t.toml:3"), std::string::npos) << inc;
    EXPECT_NE(inc.find("milter.on_incomplete must be \"hold\", \"tempfail\" or \"verdict\""), std::string::npos) << inc;
    EXPECT_NE(bad("[milter]\non_incomplete = true\n").find("on_incomplete"), std::string::npos);
    EXPECT_NE(bad("[milter]\nlog = \"journal\"\n").find("milter.log"), std::string::npos);
}

static finding make_finding(std::string id, double score) {
    finding f;
    f.id = std::move(id);
    f.score = score;
    return f;
}

// [milter] metrics / metrics_file / metrics_interval (apps/cli/milter_metrics.hpp).
TEST(MilterConfig, MetricsKeys) {
    auto d = parse_milter_config("[milter]\n", "t.toml");
    ASSERT_TRUE(d);
    EXPECT_EQ(d->metrics, "");
    EXPECT_EQ(d->metrics_file, "");
    EXPECT_EQ(d->metrics_interval, 15);
    auto c = parse_milter_config(
        "[milter]\nmetrics = \"127.0.0.1:9894\"\nmetrics_file = \"/tmp/rg.prom\"\nmetrics_interval = 30\n", "t.toml");
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ(c->metrics, "127.0.0.1:9894");
    EXPECT_EQ(c->metrics_file, "/tmp/rg.prom");
    EXPECT_EQ(c->metrics_interval, 30);
}

// The listener has no token: only loopback addresses, and a port.
TEST(MilterConfig, MetricsAddressMustBeLoopback) {
    for (const char* good : {"127.0.0.1:9894", "127.1.2.3:0", "[::1]:9894", "localhost:65535"})
        EXPECT_EQ(check_metrics_address(good), "") << good;
    for (const char* bad : {"0.0.0.0:9894", "192.0.2.1:9894", "[::]:9894", "127.0.0.1", "127.0.0.1:", "127.0.0.1:65536",
                            "127.0.0.1:x", "128.0.0.1:1", "127.0.0:1", "127.0.0.256:1", "127.0.0.1.5:1", ":9894",
                            "example.net:9894", "127.0.0.1:123456"})
        EXPECT_NE(check_metrics_address(bad), "") << bad;
    auto c = parse_milter_config("[milter]\nmetrics = \"0.0.0.0:9894\"\n", "t.toml");
    ASSERT_FALSE(c);
    EXPECT_NE(c.error().message.find("t.toml:2:"), std::string::npos) << c.error().message;
    EXPECT_NE(c.error().message.find("milter.metrics must be a loopback address"), std::string::npos);
    EXPECT_FALSE(parse_milter_config("[milter]\nmetrics_interval = 0\n", "t.toml"));
    EXPECT_FALSE(parse_milter_config("[milter]\nmetrics_interval = 1.5\n", "t.toml"));
    EXPECT_FALSE(parse_milter_config("[milter]\nmetrics_file = \"\"\n", "t.toml"));
    EXPECT_FALSE(parse_milter_config("[milter]\nmetrics = 9894\n", "t.toml"));
}

TEST(MilterHeaders, FindingsAndScore) {
    std::vector<finding> fs{make_finding("THREAD_OUTSIDER", 4.0), make_finding("ZIP_PASSWORD_IN_BODY", 3.25)};
    EXPECT_EQ(findings_header(fs), "THREAD_OUTSIDER=4.00, ZIP_PASSWORD_IN_BODY=3.25");
    EXPECT_EQ(findings_header({}), "none");
    EXPECT_EQ(score_header(12.345), "12.35");
    std::vector<finding> many(200, make_finding("SOME_LONG_FINDING_IDENTIFIER", 1.0));
    std::string h = findings_header(many);
    EXPECT_LE(h.size(), k_findings_header_max + 5);
    EXPECT_TRUE(h.ends_with(", ...")) << h;
    // Never a control character or 8-bit byte in a header value.
    std::vector<finding> odd{make_finding("A\r\nInjected: 1", 1)};
    EXPECT_EQ(findings_header(odd).find_first_of("\r\n"), std::string::npos);
}

TEST(MilterHeaders, OwnedHeadersAnyCase) {
    EXPECT_TRUE(is_owned_header("x-replyguard-verdict"));
    EXPECT_TRUE(is_owned_header("X-REPLYGUARD-SCORE"));
    EXPECT_TRUE(is_owned_header("x-replyguard-incomplete"));  // a forged copy is removed
    EXPECT_FALSE(is_owned_header("X-Replyguard"));
    EXPECT_FALSE(is_owned_header("Subject"));
}

TEST(MilterSubject, EncodedWordsRoundTripAndStayShort) {
    std::string text =
        "【至急】お見積りの件について再度ご連絡いたします。添付の資料をご確認ください。よろしくお願いいたします。";
    std::string enc = encode_words(text);
    EXPECT_EQ(mime::decode_header_text(enc), text);
    std::regex word(R"(=\?UTF-8\?B\?([A-Za-z0-9+/=]+)\?=)");
    int words = 0;
    for (std::sregex_iterator it(enc.begin(), enc.end(), word), end; it != end; ++it) {
        ++words;
        EXPECT_LE(it->length(0), 75);
        // Each word holds whole characters (RFC 2047 5: no split characters).
        std::string b64 = (*it)[1];
        std::string raw(b64.size(), '\0');
        int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(raw.data()),
                                reinterpret_cast<const unsigned char*>(b64.data()), static_cast<int>(b64.size()));
        ASSERT_GT(n, 0);
        while (b64.ends_with("=")) {
            b64.pop_back();
            --n;
        }
        raw.resize(static_cast<std::size_t>(n));
        EXPECT_TRUE(mime::is_valid_utf8(raw)) << (*it)[0];
    }
    EXPECT_GT(words, 1);
}

TEST(MilterSubject, AsciiSubjectKeptVerbatim) {
    auto r = prefix_subject("Re: invoice 2024-113", "[要注意]");
    ASSERT_TRUE(r.changed);
    EXPECT_TRUE(r.value.ends_with(" Re: invoice 2024-113")) << r.value;
    EXPECT_TRUE(r.value.starts_with("=?UTF-8?B?"));
    EXPECT_EQ(mime::decode_header_text(r.value), "[要注意] Re: invoice 2024-113");
    auto a = prefix_subject(" Re: x", "[SUSPECT]");
    EXPECT_EQ(a.value, "[SUSPECT] Re: x");
}

TEST(MilterSubject, EncodedOriginalPreservedAndSpaced) {
    // "返信: 打ち合わせ" in ISO-2022-JP, as Japanese mailers write it.
    const std::string orig = "=?ISO-2022-JP?B?GyRCSlY/LhsoQjogGyRCQkckQTlnJG8kOxsoQg==?=";
    auto r = prefix_subject(orig, "[要注意]");
    ASSERT_TRUE(r.changed);
    EXPECT_TRUE(r.value.ends_with(" " + orig)) << r.value;
    EXPECT_EQ(mime::decode_header_text(orig), "返信: 打ち合わせ");
    EXPECT_EQ(mime::decode_header_text(r.value), "[要注意] 返信: 打ち合わせ");
}

TEST(MilterSubject, Raw8BitIsReencoded) {
    auto r = prefix_subject("Re: ご請求書の件", "[要注意]");
    ASSERT_TRUE(r.changed);
    for (char c : r.value) ASSERT_LT(static_cast<unsigned char>(c), 0x80) << r.value;
    EXPECT_EQ(mime::decode_header_text(r.value), "[要注意] Re: ご請求書の件");
}

TEST(MilterSubject, AlreadyTaggedUnchanged) {
    auto once = prefix_subject("Re: hello", "[要注意]");
    auto twice = prefix_subject(once.value, "[要注意]");
    EXPECT_FALSE(twice.changed);
    EXPECT_EQ(twice.value, once.value);
}

TEST(MilterSubject, EmptySubject) {
    auto r = prefix_subject("", "[要注意]");
    EXPECT_TRUE(r.changed);
    EXPECT_EQ(mime::decode_header_text(r.value), "[要注意]");
}

// The milter passes the subject the engine decoded; the result is the one the
// raw field alone gives, and an already tagged subject is recognised from it.
TEST(SubjectPrefix, UsesTheEnginesDecodedSubject) {
    std::string raw = " =?ISO-2022-JP?B?GyRCJDQwRkZiGyhC?=";
    std::string decoded = mime::decode_header_text(raw.substr(1));
    auto a = prefix_subject(raw, decoded, "[要注意]");
    auto b = prefix_subject(raw, "[要注意]");
    EXPECT_TRUE(a.changed);
    EXPECT_EQ(a.value, b.value);
    auto tagged = prefix_subject("=?UTF-8?B?W+imgeazqOaEj10=?= x", "[要注意] x", "[要注意]");
    EXPECT_FALSE(tagged.changed);
    EXPECT_EQ(tagged.value, "=?UTF-8?B?W+imgeazqOaEj10=?= x");
}

TEST(MilterConfig, AnalysisStopsBeforeTheMilterStopsWaiting) {
    milter_config mc;                               // timeout 20 s
    EXPECT_EQ(analysis_millis(mc, 20000), 18000u);  // the default limits: 2 s left for detectors and scoring
    EXPECT_EQ(analysis_millis(mc, 0), 18000u);      // no engine limit: the milter's still holds
    EXPECT_EQ(analysis_millis(mc, 500), 500u);      // a lower engine limit stands
    mc.timeout = 2.0;
    EXPECT_EQ(analysis_millis(mc, 20000), 1500u);  // a quarter of a short timeout
    mc.timeout = 0.000001;
    EXPECT_EQ(analysis_millis(mc, 20000), 1u);
    mc.timeout = 1e12;
    EXPECT_EQ(analysis_millis(mc, 20000), 20000u);
    EXPECT_EQ(analysis_millis(mc, 0), UINT32_MAX);
}
