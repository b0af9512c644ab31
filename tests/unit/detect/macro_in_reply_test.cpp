// SPDX-License-Identifier: Apache-2.0
// tests/unit/detect/macro_in_reply_test.cpp - a real macro workbook attached to a reply, and to a new mail
#include "core/config.hpp"
#include "scan/engine.hpp"

#include "mail_body.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace {

using namespace replyguard;

scan::scan_result scan_with(const std::string& subject) {
    std::ifstream f(std::string(REPLYGUARD_CORPUS_DIR) + "/office/with-macros/poi/SimpleMacro.xls", std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    EXPECT_GT(ss.str().size(), 1000u);
    std::string m =
        "From: Partner <p@partner.example>\r\nTo: us@our.example\r\nSubject: " + subject +
        "\r\nDate: Sun, 12 Apr 2026 07:48:00 +0900\r\nMessage-ID: <m@partner.example>\r\nMIME-Version: 1.0\r\n"
        "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n"
        "--b\r\nContent-Type: application/vnd.ms-excel; name=a.xls\r\nContent-Transfer-Encoding: base64\r\n"
        "Content-Disposition: attachment; filename=a.xls\r\n\r\n" +
        test::base64_body(ss.str()) + "\r\n--b--\r\n";
    scan::engine eng(config{}, nullptr);
    return eng.scan(m, "t");
}

bool has(const scan::scan_result& r, std::string_view id) {
    return std::any_of(r.findings.begin(), r.findings.end(), [&](const auto& f) { return f.id == id; });
}

TEST(macro_in_reply, a_reply_with_a_macro_workbook_is_suspicious) {
    auto r = scan_with("RE: figures");
    EXPECT_TRUE(has(r, "OFFICE_VBA_MACRO"));
    EXPECT_TRUE(has(r, "MACRO_DOCUMENT_IN_REPLY"));
    EXPECT_NE(r.outcome.v, score::verdict::clean);
}

TEST(macro_in_reply, a_new_mail_or_forward_is_not_this_signal) {
    EXPECT_FALSE(has(scan_with("figures"), "MACRO_DOCUMENT_IN_REPLY"));
    EXPECT_FALSE(has(scan_with("Fw: figures"), "MACRO_DOCUMENT_IN_REPLY"));
}

}  // namespace
