// SPDX-License-Identifier: Apache-2.0
// mime/domains_test.cpp - registrable domains (libpsl) and free-mail providers
#include "mime/domains.hpp"

#include <gtest/gtest.h>

using namespace replyguard::mime;

TEST(Domains, RegistrableAndFreemail) {
    EXPECT_EQ(registrable_domain("taro@mail.partner.co.jp"), "partner.co.jp");
    EXPECT_EQ(registrable_domain("Mail.Example.COM"), "example.com");
    EXPECT_TRUE(same_organisation("a@x.partner.co.jp", "b@partner.co.jp"));
    EXPECT_FALSE(same_organisation("a@gmail.com", "b@gmail.com"));
    EXPECT_FALSE(same_organisation("a@partner.co.jp", "b@other.co.jp"));
    EXPECT_TRUE(is_freemail("gmail.com"));
    EXPECT_TRUE(is_freemail("yahoo.co.jp"));
    EXPECT_FALSE(is_freemail("partner.co.jp"));
}
