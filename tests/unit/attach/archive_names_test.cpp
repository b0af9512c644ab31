// SPDX-License-Identifier: Apache-2.0
// Archive member names in UTF-8 (attach/archive.cpp): libarchive converts entry
// names to the current locale's charset and drops what it cannot convert, so the
// reader switches the thread to a UTF-8 locale while it reads. That locale is made
// once a thread and freed when the thread ends: the scan's and the milter's worker
// threads read archives too. Under ASan (build-fuzz/) LeakSanitizer fails this
// test if a thread's locale is not freed.
#include "archive_test_util.hpp"

#include "attach/internal.hpp"

#include <gtest/gtest.h>
#include <locale.h>

#include <algorithm>
#include <string>
#include <thread>
#include <vector>

using namespace rg_test;
namespace attach = replyguard::attach;

namespace {

const std::string k_name = "\xe8\xab\x8b\xe6\xb1\x82\xe6\x9b\xb8/\xe8\xa6\x8b\xe7\xa9\x8d.txt";  // 請求書/見積.txt

std::vector<std::string> member_names() {
    // Written under a UTF-8 locale (libarchive's writer converts from the locale too),
    // with the zip's UTF-8 flag.
    write_opts o;
    o.options = "zip:hdrcharset=UTF-8";
    const locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(nullptr));
    if (!utf8) return {"(no C.UTF-8 locale)"};
    const locale_t old = uselocale(utf8);
    const std::string zip = make_archive({{k_name, "hello\n"}}, o);
    uselocale(old);
    freelocale(utf8);
    if (zip.empty()) return {"(libarchive wrote no archive)"};
    auto reps = attach::analyse(message_with("", {attachment("a.zip", zip)}), {});
    std::vector<std::string> names;
    for (const auto& r : reps)
        for (const auto& m : r.members) names.push_back(m.name);
    return names;
}

}  // namespace

TEST(ArchiveNames, JapaneseUtf8NameSurvivesOnTheMainThread) {
    const auto names = member_names();
    EXPECT_NE(std::find(names.begin(), names.end(), k_name), names.end()) << ::testing::PrintToString(names);
}

TEST(ArchiveNames, JapaneseUtf8NameSurvivesOnThreadsThatEnd) {
    // Each thread makes its own locale and frees it as it ends.
    for (int round = 0; round < 3; ++round) {
        std::vector<std::vector<std::string>> got(4);
        std::vector<std::thread> threads;
        for (auto& g : got) threads.emplace_back([&g] { g = member_names(); });
        for (auto& t : threads) t.join();
        for (const auto& names : got)
            EXPECT_NE(std::find(names.begin(), names.end(), k_name), names.end()) << ::testing::PrintToString(names);
    }
}
