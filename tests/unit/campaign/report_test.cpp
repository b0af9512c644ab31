// SPDX-License-Identifier: Apache-2.0
// tests/unit/campaign/report_test.cpp - the campaign table formats and the advisory draft
#include "campaign/report.hpp"
#include "demo_detections.hpp"

#include <gtest/gtest.h>

using namespace replyguard;
using campaign::report_format;

namespace {

std::vector<campaign::campaign> demo_campaigns() {
    return campaign::cluster(rg_test::demo().detections, {14, {"sakura-shoji.example"}});
}

campaign::report_options ro(report_format f, std::string lang = "en") {
    campaign::report_options o;
    o.format = f;
    o.lang = std::move(lang);
    o.org_domains = {"sakura-shoji.example"};
    return o;
}

std::size_t count_of(std::string_view hay, std::string_view needle) {
    std::size_t n = 0;
    for (auto p = hay.find(needle); p != std::string_view::npos; p = hay.find(needle, p + 1)) ++n;
    return n;
}

// A minimal RFC 4180 reader: records of fields.
std::vector<std::vector<std::string>> parse_csv(std::string_view s) {
    std::vector<std::vector<std::string>> rows(1, std::vector<std::string>(1));
    bool q = false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (q) {
            if (c == '"' && i + 1 < s.size() && s[i + 1] == '"')
                rows.back().back() += '"', ++i;
            else if (c == '"')
                q = false;
            else
                rows.back().back() += c;
        } else if (c == '"')
            q = true;
        else if (c == ',')
            rows.back().emplace_back();
        else if (c == '\r')
            continue;
        else if (c == '\n')
            rows.emplace_back(1);
        else
            rows.back().back() += c;
    }
    if (rows.back().size() == 1 && rows.back()[0].empty()) rows.pop_back();
    return rows;
}

campaign::campaign own_org_campaign() {
    campaign::detection d = rg_test::by_source("02-");
    d.impersonated = {{"佐藤 花子", "sato@sakura-shoji.example", "sakura-shoji.example"}};
    return campaign::cluster({d}, {14, {"sakura-shoji.example"}}).at(0);
}

}  // namespace

TEST(Report, SummariesSayWhoFromWhereWhat) {
    auto cs = demo_campaigns();
    ASSERT_EQ(cs.size(), 3u);
    const campaign::campaign* ja_hijack = nullptr;
    for (const auto& c : cs)
        if (!c.senders.empty() && c.senders[0] == "info@kagoshima-dental.example") ja_hijack = &c;
    ASSERT_NE(ja_hijack, nullptr);
    std::string en = campaign::summary(*ja_hijack, "en");
    EXPECT_NE(en.find("info@kagoshima-dental.example"), std::string::npos) << en;
    EXPECT_NE(en.find("田中 一郎 <tanaka@fuji-kogyo.example>"), std::string::npos) << en;
    EXPECT_NE(en.find("replying to a real past conversation"), std::string::npos) << en;
    EXPECT_NE(en.find("password-protected ZIP"), std::string::npos) << en;
    EXPECT_NE(en.find("password written in the body"), std::string::npos) << en;
    std::string ja = campaign::summary(*ja_hijack, "ja");
    EXPECT_NE(ja.find("「田中 一郎 <tanaka@fuji-kogyo.example>」になりすまし"), std::string::npos) << ja;
    EXPECT_NE(ja.find("本文にパスワードを記載したパスワード付きZIP"), std::string::npos) << ja;
    EXPECT_NE(ja.find("過去の実際のメールのやり取りに返信する形で"), std::string::npos) << ja;
}

TEST(Report, MarkdownTable) {
    auto cs = demo_campaigns();
    std::string md = campaign::render(cs, ro(report_format::markdown));
    EXPECT_EQ(md.rfind("| Date | Impersonated organisation | Impersonated person | Summary | Count |", 0), 0u) << md;
    EXPECT_EQ(count_of(md, "\n| 2026-"), cs.size()) << md;
    EXPECT_NE(md.find("fuji-kogyo.example"), std::string::npos);
    EXPECT_NE(md.find("global-parts.example"), std::string::npos);
    std::string mdja = campaign::render(cs, ro(report_format::markdown, "ja"));
    EXPECT_EQ(mdja.rfind("| 期間 | なりすまされた組織 | なりすまされた人物 | 概要 | 件数 |", 0), 0u) << mdja;
    // A '|' in mail text cannot break the table.
    auto c = cs;
    c[0].subjects = {"a|b"};
    c[0].impersonated = {{"x|y", "", ""}};
    std::string broken = campaign::render(c, ro(report_format::markdown));
    EXPECT_NE(broken.find("x\\|y"), std::string::npos);
    EXPECT_NE(campaign::render({}, ro(report_format::markdown)).find("No campaigns."), std::string::npos);
}

TEST(Report, CsvParsesBack) {
    auto cs = demo_campaigns();
    cs[0].impersonated = {{"Miller, \"J\"", "j@x.example", "x.example"}};
    cs[1].impersonated = {{"=HYPERLINK(\"http://evil\")", "", ""}};
    std::string csv = campaign::render(cs, ro(report_format::csv));
    auto rows = parse_csv(csv);
    ASSERT_EQ(rows.size(), cs.size() + 1);
    EXPECT_EQ(rows[0][0], "first_seen");
    for (const auto& r : rows) EXPECT_EQ(r.size(), 11u);
    EXPECT_EQ(rows[1][3], "Miller, \"J\" <j@x.example>");
    EXPECT_EQ(rows[2][3].rfind("'=", 0), 0u) << rows[2][3];  // never a live formula
    EXPECT_EQ(rows[1][5], std::to_string(cs[0].count));
    EXPECT_EQ(rows[1][9], cs[0].id);
}

TEST(Report, JsonHasEveryCampaignAndBothSummaries) {
    auto cs = demo_campaigns();
    auto j = nlohmann::json::parse(campaign::render(cs, ro(report_format::json, "ja")));
    ASSERT_EQ(j["campaigns"].size(), cs.size());
    for (std::size_t i = 0; i < cs.size(); ++i) {
        const auto& c = j["campaigns"][i];
        EXPECT_EQ(c["id"], cs[i].id);
        EXPECT_EQ(c["count"], cs[i].count);
        EXPECT_EQ(c["summary"], c["summary_ja"]);
        EXPECT_NE(c["summary_en"], c["summary_ja"]);
        EXPECT_EQ(c["own_org_impersonated"].get<bool>(), cs[i].own_org_impersonated);
    }
}

TEST(Report, HtmlIsSelfContainedAndEscaped) {
    auto cs = demo_campaigns();
    cs[0].impersonated = {{"<script>alert(1)</script>", "", ""}};
    std::string html = campaign::render(cs, ro(report_format::html));
    EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
    EXPECT_EQ(html.find("<script"), std::string::npos);
    EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
    EXPECT_EQ(html.find("http://"), std::string::npos);  // no external resource
    EXPECT_EQ(html.find("https://"), std::string::npos);
    EXPECT_EQ(count_of(html, "<tr class=\"campaign"), cs.size());
    EXPECT_NE(html.find("</html>"), std::string::npos);
}

TEST(Report, AdvisoryOnlyForOwnOrganisation) {
    // The demo's partner hijacks impersonate partners, not us: no advisory for them.
    auto partners = demo_campaigns();
    std::erase_if(partners, [](const auto& c) { return c.own_org_impersonated; });
    ASSERT_EQ(partners.size(), 2u);
    auto none = campaign::advisory(partners, ro(report_format::markdown));
    EXPECT_NE(none.find("No campaign impersonates sakura-shoji.example"), std::string::npos) << none;
    // The lookalike-domain campaign (demo 06 + 07) impersonates us: drafted.
    auto demo_adv = campaign::advisory(demo_campaigns(), ro(report_format::markdown));
    EXPECT_NE(demo_adv.find("keiri@sakura-shoji-co.example"), std::string::npos) << demo_adv;
    auto no_org = ro(report_format::markdown);
    no_org.org_domains.clear();
    EXPECT_NE(campaign::advisory(demo_campaigns(), no_org).find("No organisation domains configured"),
              std::string::npos);

    auto own = own_org_campaign();
    ASSERT_TRUE(own.own_org_impersonated);
    std::string adv = campaign::advisory({own}, ro(report_format::markdown, "ja"));
    auto ja_at = adv.find("【注意喚起】当社（sakura-shoji.example）を装った不審なメールについて");
    auto en_at = adv.find("# Warning: suspicious mail impersonating sakura-shoji.example");
    ASSERT_NE(ja_at, std::string::npos) << adv;
    ASSERT_NE(en_at, std::string::npos) << adv;
    EXPECT_LT(ja_at, en_at);  // --lang ja: Japanese first
    EXPECT_NE(adv.find("実際の送信元アドレス: info@kagoshima-dental.example"), std::string::npos) << adv;
    EXPECT_NE(adv.find("Addresses it really came from: info@kagoshima-dental.example"), std::string::npos);
    EXPECT_NE(adv.find("192.0.2.22"), std::string::npos);
    EXPECT_NE(adv.find("見積書_0412.zip"), std::string::npos);
    EXPECT_NE(adv.find("佐藤 花子 <sato@sakura-shoji.example>"), std::string::npos);
    EXPECT_NE(adv.find("RE: 見積書送付のお願い (4月分)"), std::string::npos);
    EXPECT_NE(adv.find("do not open its attachments"), std::string::npos);
    std::string en_first = campaign::advisory({own}, ro(report_format::markdown, "en"));
    EXPECT_LT(en_first.find("# Warning"), en_first.find("【注意喚起】"));
}

TEST(Report, AdvisoryForOurAbusedAccount) {
    // A campaign our own account sent (the milter's outbound events), impersonating nobody:
    // partners are told the account was abused, not that the mail "was not sent by us".
    auto partners = demo_campaigns();
    std::erase_if(partners, [](const auto& c) { return c.own_org_impersonated; });
    auto out = partners.front();
    out.impersonated.clear();
    out.organisations.clear();
    out.abused_accounts = {"sato@sakura-shoji.example"};
    std::string adv = campaign::advisory({out}, ro(report_format::markdown, "en"));
    EXPECT_NE(adv.find("our mail account(s) sato@sakura-shoji.example were abused"), std::string::npos) << adv;
    EXPECT_NE(adv.find("当社のメールアカウント（sato@sakura-shoji.example）が第三者に不正利用され"), std::string::npos)
        << adv;
    EXPECT_EQ(adv.find("This mail was not sent by us"), std::string::npos) << adv;
    EXPECT_EQ(adv.find("Our mail is sent from"), std::string::npos) << adv;
    EXPECT_NE(campaign::summary(out, "en").find("Our own account sato@sakura-shoji.example"), std::string::npos);
    const std::string ja_summary = campaign::summary(out, "ja");
    EXPECT_NE(ja_summary.find("自組織のアカウント sato@sakura-shoji.example"), std::string::npos) << ja_summary;
    EXPECT_EQ(ja_summary.find("。、"), std::string::npos) << ja_summary;
    EXPECT_EQ(ja_summary.find("。。"), std::string::npos) << ja_summary;
    // With a campaign impersonating us as well, both are said.
    std::string both = campaign::advisory({out, own_org_campaign()}, ro(report_format::markdown, "en"));
    EXPECT_NE(both.find("This mail was not sent by us"), std::string::npos);
    EXPECT_NE(both.find("were abused"), std::string::npos);
}

TEST(Report, DayIsUtc) {
    EXPECT_EQ(campaign::day(0), "-");
    EXPECT_EQ(campaign::day(1775947680), "2026-04-11");  // Sun, 12 Apr 2026 07:48 +0900
    EXPECT_EQ(campaign::day(1775947680, 9 * 3600), "2026-04-12");
}

TEST(Report, UtcOffsetShiftsEveryFormat) {
    auto cs = demo_campaigns();
    auto jst = ro(report_format::markdown);
    jst.utc_offset = 9 * 3600;
    std::string utc = campaign::render(cs, ro(report_format::markdown));
    std::string md = campaign::render(cs, jst);
    // The Japanese hijack was sent on 12 April, 07:48 JST: 11 April in UTC.
    EXPECT_NE(utc.find("| 2026-04-11 | fuji-kogyo.example"), std::string::npos) << utc;
    EXPECT_NE(md.find("| 2026-04-12 | fuji-kogyo.example"), std::string::npos) << md;
    jst.format = report_format::json;
    auto j = nlohmann::json::parse(campaign::render(cs, jst));
    bool found = false;
    for (const auto& c : j["campaigns"])
        if (c["organisations"] == nlohmann::json::array({"fuji-kogyo.example"})) found = c["first_day"] == "2026-04-12";
    EXPECT_TRUE(found);
    jst.format = report_format::html;
    EXPECT_NE(campaign::render(cs, jst).find("dates are UTC+9h"), std::string::npos);
}
