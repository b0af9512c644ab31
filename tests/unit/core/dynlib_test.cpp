// SPDX-License-Identifier: Apache-2.0
// core/dynlib_test.cpp - libraries opened by SONAME, functions bound by their declared type, errors that say what to install
#include "core/dynlib.hpp"

#include <gtest/gtest.h>

#include <zlib.h>
#include <cstring>

using namespace replyguard;

TEST(Dynlib, BindsAFunctionOfALibraryByItsDeclaredType) {
    // zlib: installed wherever replyguard is (libarchive, libmagic and GLib need it); not linked by this test.
    auto lib = dynlib::open("libz.so.1", "zlib1g");
    ASSERT_TRUE(lib) << lib.error().message;
    decltype(&::crc32) crc = nullptr;
    ASSERT_TRUE(lib->bind(crc, "crc32"));
    ASSERT_NE(crc, nullptr);
    const char text[] = "The quick brown fox jumps over the lazy dog";
    // The well-known CRC-32 of that sentence.
    EXPECT_EQ(crc(0, reinterpret_cast<const Bytef*>(text), static_cast<uInt>(std::strlen(text))), 0x414fa339u);
}

TEST(Dynlib, AMissingLibraryNamesTheSonameAndTheDebianPackage) {
    auto lib = dynlib::open("libreplyguard-absent.so.7", "libreplyguard-absent7");
    ASSERT_FALSE(lib);
    EXPECT_EQ(lib.error().code, errc::unsupported);
    EXPECT_NE(lib.error().message.find("libreplyguard-absent.so.7 cannot be loaded"), std::string::npos)
        << lib.error().message;
    EXPECT_NE(lib.error().message.find("install the Debian package libreplyguard-absent7"), std::string::npos)
        << lib.error().message;
}

TEST(Dynlib, AMissingFunctionNamesItAndTheDebianPackage) {
    auto lib = dynlib::open("libz.so.1", "zlib1g");
    ASSERT_TRUE(lib) << lib.error().message;
    decltype(&::crc32) f = nullptr;
    auto r = lib->bind(f, "crc32_of_nothing");
    ASSERT_FALSE(r);
    EXPECT_EQ(f, nullptr);
    EXPECT_EQ(r.error().code, errc::unsupported);
    EXPECT_NE(r.error().message.find("libz.so.1 has no function crc32_of_nothing"), std::string::npos)
        << r.error().message;
    EXPECT_NE(r.error().message.find("zlib1g"), std::string::npos) << r.error().message;
}
