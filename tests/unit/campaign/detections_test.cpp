// SPDX-License-Identifier: Apache-2.0
// tests/unit/campaign/detections_test.cpp - what a detection keeps, and both store backends
#include "demo_detections.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <unistd.h>
#include <filesystem>

using namespace replyguard;
using campaign::detection;

namespace {

bool has_finding(const detection& d, std::string_view id) {
    return std::any_of(d.findings.begin(), d.findings.end(), [&](const auto& f) { return f.id == id; });
}

}  // namespace

TEST(Detections, OnlyNonCleanDemoMessagesAreKept) {
    const auto& demo = rg_test::demo();
    ASSERT_EQ(demo.results.size(), 7u);
    ASSERT_EQ(demo.detections.size(), 4u);
    std::vector<std::string> sources;
    for (const auto& d : demo.detections) sources.push_back(d.source);
    EXPECT_EQ(sources, (std::vector<std::string>{"02-hijack-ja-password-zip.eml", "03-hijack-en-download-link.eml",
                                                 "06-fake-reply-stranger.eml", "07-password-followup.eml"}));
    for (const auto& d : demo.detections) {
        EXPECT_NE(d.verdict, "clean");
        EXPECT_FALSE(d.key.empty());
        EXPECT_TRUE(d.record.is_object());
    }
}

TEST(Detections, JapaneseHijackKeyFacts) {
    const detection& d = rg_test::by_source("02-");
    ASSERT_FALSE(d.key.empty());
    EXPECT_EQ(d.from_address, "info@kagoshima-dental.example");
    EXPECT_EQ(d.from_name, "田中 一郎");
    EXPECT_EQ(d.from_domain, "kagoshima-dental.example");
    EXPECT_EQ(d.relay_ip, "192.0.2.22");
    EXPECT_EQ(d.relay_host, "mail.kagoshima-dental.example");
    EXPECT_NE(d.date, 0);
    ASSERT_FALSE(d.impersonated.empty());
    EXPECT_EQ(d.impersonated.front().address, "tanaka@fuji-kogyo.example");
    EXPECT_EQ(d.impersonated.front().name, "田中 一郎");
    EXPECT_EQ(d.impersonated.front().domain, "fuji-kogyo.example");
    ASSERT_EQ(d.attachments.size(), 1u);
    EXPECT_EQ(d.attachments[0].sha256.size(), 64u);
    // The password from the body opened the ZIP: the shortcut inside has a hash of its own.
    ASSERT_EQ(d.attachments[0].member_sha256.size(), 1u);
    EXPECT_EQ(d.attachments[0].member_sha256[0].size(), 64u);
    EXPECT_NE(d.attachments[0].member_sha256[0], d.attachments[0].sha256);
    EXPECT_TRUE(has_finding(d, "ARCHIVE_PASSWORD_FROM_BODY"));
}

TEST(Detections, AddressInDisplayNameIsTheImpersonatedPerson) {
    const detection& d = rg_test::by_source("03-");
    ASSERT_EQ(d.impersonated.size(), 1u);  // one person, though three findings name him
    EXPECT_EQ(d.impersonated[0].address, "j.miller@global-parts.example");
    EXPECT_EQ(d.impersonated[0].name, "John Miller");
    EXPECT_EQ(d.url_hosts, std::vector<std::string>{"hotel-bluesky.example"});
    EXPECT_EQ(d.relay_ip, "192.0.2.23");
}

TEST(Detections, JsonRoundTrip) {
    for (const auto& d : rg_test::demo().detections) {
        detection back = campaign::detection_from_json(campaign::to_json(d));
        EXPECT_EQ(campaign::to_json(back), campaign::to_json(d)) << d.source;
    }
}

TEST(Detections, MemoryStoreKeysAndOrder) {
    auto s = campaign::make_memory_detections();
    for (const auto& d : rg_test::demo().detections) {
        auto id = s->put(d);
        ASSERT_TRUE(id);
        EXPECT_GT(*id, 0);
    }
    auto again = s->put(rg_test::demo().detections[0]);
    ASSERT_TRUE(again);
    EXPECT_EQ(*again, 0);  // same message key: nothing changes
    EXPECT_EQ(*s->count(), 4u);
    auto all = s->list();
    ASSERT_TRUE(all);
    ASSERT_EQ(all->size(), 4u);
    EXPECT_GE((*all)[0].when(), (*all)[1].when());  // newest first
    EXPECT_GE((*all)[1].when(), (*all)[2].when());
    auto one = s->get((*all)[1].id);
    ASSERT_TRUE(one && *one);
    EXPECT_EQ((*one)->key, (*all)[1].key);
}

TEST(Detections, SqliteStoreRoundTripAndRetention) {
    auto path = std::filesystem::temp_directory_path() / ("rg-detections-" + std::to_string(getpid()) + ".db");
    std::filesystem::remove(path);
    {
        auto s = campaign::open_detections(path.string(), true, campaign::retention{30, 2});
        ASSERT_TRUE(s) << s.error().message;
        for (const auto& d : rg_test::demo().detections) ASSERT_TRUE((*s)->put(d));
        EXPECT_EQ(*(*s)->put(rg_test::demo().detections[1]), 0);
    }
    {
        auto s = campaign::open_detections(path.string(), false);
        ASSERT_TRUE(s) << s.error().message;
        auto all = (*s)->list();
        ASSERT_TRUE(all);
        ASSERT_EQ(all->size(), rg_test::demo().detections.size());
        for (const auto& d : *all) {
            auto it = std::find_if(rg_test::demo().detections.begin(), rg_test::demo().detections.end(),
                                   [&](const detection& o) { return o.key == d.key; });
            ASSERT_NE(it, rg_test::demo().detections.end());
            detection a = *it, b = d;
            a.id = b.id = 0;
            EXPECT_EQ(campaign::to_json(a), campaign::to_json(b));
        }
        auto limited = (*s)->list({0, 0, 2});
        ASSERT_TRUE(limited);
        EXPECT_EQ(limited->size(), 2u);
    }
    {
        // Retention: at most 2 kept; then an age limit drops everything scanned 31+ days before `now`.
        auto s = campaign::open_detections(path.string(), true, campaign::retention{30, 2});
        ASSERT_TRUE(s);
        const std::int64_t scanned = rg_test::demo().detections[0].time;
        auto dropped = (*s)->prune(scanned);
        ASSERT_TRUE(dropped);
        EXPECT_EQ(*dropped, rg_test::demo().detections.size() - 2);
        EXPECT_EQ(*(*s)->count(), 2u);
        dropped = (*s)->prune(scanned + 31 * 86400);
        ASSERT_TRUE(dropped);
        EXPECT_EQ(*dropped, 2u);
        EXPECT_EQ(*(*s)->count(), 0u);
    }
    std::filesystem::remove(path);
    std::filesystem::remove(path.string() + "-wal");
    std::filesystem::remove(path.string() + "-shm");
}

TEST(Detections, MissingFileReadOnlyIsEmpty) {
    auto s = campaign::open_detections("/nonexistent-dir/none.db", false);
    ASSERT_TRUE(s);
    EXPECT_EQ(*(*s)->count(), 0u);
    EXPECT_TRUE((*s)->list()->empty());
}

// The detections table set is migrated by the history's helper (store/sqlite_schema.hpp):
// a file made before the helper (detections_schema = 1, written by hand here as that
// code did) opens and keeps its rows; a newer schema is refused rather than misread.
TEST(Detections, SqliteSchemaThroughTheMigrationHelper) {
    auto path = std::filesystem::temp_directory_path() / ("rg-detections-schema-" + std::to_string(getpid()) + ".db");
    std::filesystem::remove(path);
    {
        sqlite3* db = nullptr;
        ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
        ASSERT_EQ(
            sqlite3_exec(db,
                         "CREATE TABLE detections_schema (version INTEGER NOT NULL);"
                         "CREATE TABLE detections (id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE,"
                         " time INTEGER NOT NULL, at INTEGER NOT NULL, verdict TEXT NOT NULL, data TEXT NOT NULL);"
                         "INSERT INTO detections_schema VALUES (1);"
                         "INSERT INTO detections(key, time, at, verdict, data) VALUES ('k', 5, 5, 'malicious', '{}');",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
        sqlite3_close(db);
    }
    {
        auto s = campaign::open_detections(path.string(), true);
        ASSERT_TRUE(s.has_value()) << s.error().message;
        EXPECT_EQ(*(*s)->count(), 1u);
        // Migration 2 added the raw column: the old row has no raw copy.
        auto raw = (*s)->raw(1);
        ASSERT_TRUE(raw) << raw.error().message;
        EXPECT_FALSE(raw->has_value());
    }
    {
        sqlite3* db = nullptr;
        ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
        ASSERT_EQ(sqlite3_exec(db, "UPDATE detections_schema SET version=99", nullptr, nullptr, nullptr), SQLITE_OK);
        sqlite3_close(db);
    }
    auto newer = campaign::open_detections(path.string(), false);
    ASSERT_FALSE(newer.has_value());
    EXPECT_NE(newer.error().message.find("newer than this build"), std::string::npos) << newer.error().message;
    std::filesystem::remove(path);
}

TEST(Detections, FutureDateIsNotBelieved) {
    detection d;
    d.time = 1'776'200'000;
    d.date = d.time - 3 * 86400;
    EXPECT_EQ(d.when(), d.date);  // a sane Date: a campaign's time
    d.date = d.time + 3600;
    EXPECT_EQ(d.when(), d.date);  // a clock a little fast
    d.date = 4'070'908'800;       // 2099-01-01: would sort before everything
    EXPECT_EQ(d.when(), d.time);
    d.date = 0;
    EXPECT_EQ(d.when(), d.time);
}

TEST(Detections, FeedbackOnBothBackends) {
    auto exercise = [](campaign::detection_store& s) {
        for (const auto& d : rg_test::demo().detections) ASSERT_TRUE(s.put(d));
        auto all = s.list();
        ASSERT_TRUE(all);
        ASSERT_EQ(all->size(), 4u);
        const std::int64_t id = (*all)[1].id;
        auto r = s.set_feedback(id, "genuine", 1'776'300'000);
        ASSERT_TRUE(r) << r.error().message;
        EXPECT_TRUE(*r);
        auto got = s.get(id);
        ASSERT_TRUE(got && *got);
        EXPECT_EQ((*got)->feedback, "genuine");
        EXPECT_EQ((*got)->feedback_time, 1'776'300'000);
        EXPECT_EQ((*got)->key, (*all)[1].key);  // the rest unchanged
        EXPECT_EQ((*got)->findings.size(), (*all)[1].findings.size());
        ASSERT_TRUE(s.set_feedback(id, "", 1'776'300'001));
        EXPECT_EQ((*s.get(id))->feedback, "");
        EXPECT_EQ((*s.get(id))->feedback_time, 0);
        auto none = s.set_feedback(999'999, "hijack", 1);
        ASSERT_TRUE(none);
        EXPECT_FALSE(*none);
    };
    exercise(*campaign::make_memory_detections());

    auto path = std::filesystem::temp_directory_path() / ("rg-feedback-" + std::to_string(getpid()) + ".db");
    std::filesystem::remove(path);
    {
        auto sq = campaign::open_detections(path.string(), true);
        ASSERT_TRUE(sq) << sq.error().message;
        exercise(**sq);
    }
    {
        auto ro = campaign::open_detections(path.string(), false);
        ASSERT_TRUE(ro);
        EXPECT_FALSE((*ro)->set_feedback(1, "hijack", 1));  // read-only: an error, not a silent no-op
    }
    std::filesystem::remove(path);
    std::filesystem::remove(path.string() + "-wal");
    std::filesystem::remove(path.string() + "-shm");
}

// The raw message rides beside a detection (its own column, not the JSON): raw()
// reads it back byte for byte; list() and get() leave it out; a detection
// without one (raw_kept false) answers nullopt.
TEST(Detections, RawCopyOnBothBackends) {
    auto exercise = [](campaign::detection_store& s) {
        auto ds = rg_test::demo().detections;
        ASSERT_GE(ds.size(), 2u);
        static constexpr char k_raw[] = "From: a@b.example\r\n\r\n\0bytes\xff";  // a NUL and a non-UTF-8 byte inside
        ds[0].raw = std::string(k_raw, sizeof k_raw - 1);
        ds[0].raw_kept = true;
        ds[0].raw_bytes = ds[0].raw.size();
        ds[1].raw.clear();
        ds[1].raw_kept = false;
        ds[1].raw_bytes = 900'000;
        auto a = s.put(ds[0]);
        auto b = s.put(ds[1]);
        ASSERT_TRUE(a && b && *a && *b);
        auto ra = s.raw(*a);
        ASSERT_TRUE(ra) << ra.error().message;
        ASSERT_TRUE(ra->has_value());
        EXPECT_EQ(**ra, ds[0].raw);
        auto rb = s.raw(*b);
        ASSERT_TRUE(rb);
        EXPECT_FALSE(rb->has_value());
        auto got = s.get(*a);
        ASSERT_TRUE(got && *got);
        EXPECT_TRUE((*got)->raw.empty());
        EXPECT_TRUE((*got)->raw_kept);
        EXPECT_EQ((*got)->raw_bytes, ds[0].raw.size());
        EXPECT_FALSE((*s.get(*b))->raw_kept);
        EXPECT_EQ((*s.get(*b))->raw_bytes, 900'000u);
        EXPECT_FALSE(s.raw(999'999)->has_value());
    };
    exercise(*campaign::make_memory_detections());
    auto path = std::filesystem::temp_directory_path() / ("rg-raw-" + std::to_string(getpid()) + ".db");
    std::filesystem::remove(path);
    {
        auto sq = campaign::open_detections(path.string(), true);
        ASSERT_TRUE(sq) << sq.error().message;
        exercise(**sq);
    }
    std::filesystem::remove(path);
    std::filesystem::remove(path.string() + "-wal");
    std::filesystem::remove(path.string() + "-shm");
}
