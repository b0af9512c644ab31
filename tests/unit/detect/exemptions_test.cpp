// SPDX-License-Identifier: Apache-2.0
// exemptions_test.cpp - is_list_mail and is_automated, the exemptions most detectors ask first
//
// DESCRIPTION
//   Both read the header list in one pass; these cases hold what they answer:
//   any list field (any case of its name), the first Precedence and the first
//   Auto-Submitted only (as message::header() gives them), the ticket and
//   bulk-mail fields by prefix or whole name, and nothing for ordinary fields.
#include "detect/hijack_common.hpp"
#include "hand_message.hpp"

#include <gtest/gtest.h>

#include <utility>
#include <vector>

using namespace replyguard;
using replyguard::hand::msg_builder;

namespace {

using fields = std::vector<std::pair<std::string, std::string>>;

mime::message with(const fields& fs, std::string from_name = "Taro Yamada") {
    msg_builder b;
    b.from(std::move(from_name), "taro@partner.example").subj("Re: quote").header("X-Mailer", "Microsoft Outlook 16.0");
    for (const auto& [n, v] : fs) b.header(n, v);
    return std::move(b.m);
}

}  // namespace

TEST(exemptions, list_mail_by_any_list_field_the_first_precedence_or_a_via_name) {
    EXPECT_FALSE(detect::is_list_mail(with({})));
    for (const char* name :
         {"List-Id", "list-post", "LIST-UNSUBSCRIBE", "Mailing-List", "X-Mailing-List", "x-beenthere", "List-Archive"})
        EXPECT_TRUE(detect::is_list_mail(with({{name, "<x>"}}))) << name;
    EXPECT_FALSE(detect::is_list_mail(with({{"List-Ids", "<x>"}, {"X-List-Id", "<x>"}})));
    EXPECT_TRUE(detect::is_list_mail(with({{"Precedence", "  LIST "}})));
    EXPECT_TRUE(detect::is_list_mail(with({{"precedence", "list"}})));
    EXPECT_FALSE(detect::is_list_mail(with({{"Precedence", "bulk"}, {"Precedence", "list"}})));
    EXPECT_TRUE(detect::is_list_mail(with({}, "Hanako via Google Groups")));
    EXPECT_FALSE(detect::is_list_mail(with({}, "Hanako Via")));
}

TEST(exemptions, automated_by_the_first_auto_submitted_or_precedence_or_a_ticket_field) {
    EXPECT_FALSE(detect::is_automated(with({})));
    EXPECT_TRUE(detect::is_automated(with({{"Auto-Submitted", "auto-replied"}})));
    EXPECT_TRUE(detect::is_automated(with({{"auto-submitted", " Auto-Generated"}})));
    EXPECT_FALSE(detect::is_automated(with({{"Auto-Submitted", " No "}})));
    EXPECT_FALSE(detect::is_automated(with({{"Auto-Submitted", "no"}, {"Auto-Submitted", "auto-replied"}})));
    EXPECT_FALSE(detect::is_automated(with({{"Auto-Submitted", ""}})));
    EXPECT_TRUE(detect::is_automated(with({{"Precedence", "junk"}})));
    EXPECT_TRUE(detect::is_automated(with({{"Precedence", "Bulk"}})));
    EXPECT_FALSE(detect::is_automated(with({{"Precedence", "list"}, {"Precedence", "bulk"}})));
    // Auto-Submitted and Precedence each count once, whatever the other says.
    EXPECT_TRUE(detect::is_automated(with({{"Auto-Submitted", "no"}, {"Precedence", "bulk"}})));
    for (const char* name :
         {"X-RT-Ticket", "x-redmine-project", "X-OTRS-Queue", "X-Zendesk-From-Account-Id", "X-JIRA-FingerPrint",
          "X-GitHub-Reason", "X-GitLab-Project", "X-Bugzilla-Reason", "Feedback-ID", "x-campaign"})
        EXPECT_TRUE(detect::is_automated(with({{name, "1"}}))) << name;
    for (const char* name : {"X-Campaign-Id", "X-GitHub-Sender", "X-RT", "Feedback", "X-Mailer", "Received"})
        EXPECT_FALSE(detect::is_automated(with({{name, "1"}}))) << name;
}
