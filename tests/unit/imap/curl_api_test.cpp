// SPDX-License-Identifier: Apache-2.0
// imap/curl_api_test.cpp - libcurl opened on first use: every function bound, a handle made and freed
#include "imap/curl_api.hpp"

#include <gtest/gtest.h>

using namespace replyguard;

TEST(CurlApi, OpensLibcurlAndBindsEveryFunction) {
    const auto& api = imap::curl();
    ASSERT_TRUE(api) << api.error().message;
    EXPECT_NE(api->global_init, nullptr);
    EXPECT_NE(api->easy_perform, nullptr);
    EXPECT_NE(api->easy_setopt, nullptr);
    CURL* h = api->easy_init();
    ASSERT_NE(h, nullptr);
    // Only IMAP is allowed (as client.cpp sets it); an http:// URL is refused before any connection.
    ASSERT_EQ(api->easy_setopt(h, CURLOPT_PROTOCOLS_STR, "imap,imaps"), CURLE_OK);
    ASSERT_EQ(api->easy_setopt(h, CURLOPT_URL, "http://127.0.0.1:1/"), CURLE_OK);
    EXPECT_EQ(api->easy_perform(h), CURLE_UNSUPPORTED_PROTOCOL);
    EXPECT_STREQ(api->easy_strerror(CURLE_UNSUPPORTED_PROTOCOL), "Unsupported protocol");
    api->easy_cleanup(h);
    EXPECT_EQ(&imap::curl(), &api);  // opened once
}
