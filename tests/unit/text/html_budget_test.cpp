// SPDX-License-Identifier: Apache-2.0
// tests/unit/text/html_budget_test.cpp - issue 12: HTML conversion checks the message's time budget
#include "core/budget.hpp"
#include "text/html.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

using namespace replyguard;

namespace {
budget spent() {
    limits lim;
    lim.message_millis = 1;
    budget b(lim, std::chrono::steady_clock::now() - std::chrono::seconds(1));
    b.expired_now();
    return b;
}
bool timed_out(const budget& b) {
    for (const auto& h : b.hits())
        if (h.id == "ANALYSIS_TIMEOUT") return true;
    return false;
}
}  // namespace

TEST(HtmlBudget, ConversionStopsAtASpentBudgetAndSaysSo) {
    std::string html = "<html><body>";
    for (int i = 0; i < 2000; ++i)
        html += "<p>line " + std::to_string(i) + " <a href=\"http://x.example/" + std::to_string(i) + "\">x</a></p>";
    html += "</body></html>";
    budget b = spent();
    const auto t = text::html_to_text(html, 1u << 20, &b);
    EXPECT_TRUE(timed_out(b));
    EXPECT_EQ(t.text.find("line 1999"), std::string::npos) << "the walk stopped";
    budget b2 = spent();
    const auto links = text::html_links(html, &b2);
    EXPECT_TRUE(timed_out(b2));
    EXPECT_LT(links.size(), 2000u);
    // Without a budget (or with time left) everything is converted.
    const auto full = text::html_to_text(html, 1u << 20);
    EXPECT_NE(full.text.find("line 1999"), std::string::npos);
    EXPECT_GT(text::html_links(html).size(), links.size());
}
