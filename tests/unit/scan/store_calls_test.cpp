// SPDX-License-Identifier: Apache-2.0
// store_calls_test.cpp - how many history store calls the engine makes per scanned message
//
// DESCRIPTION
//   Real list conversations of the shared corpus (the same set as
//   tests/unit/detect/corpus_hijack_test.cpp): the earlier 60% by date is
//   learnt into each backend (memory, SQLite file, a private redis-server),
//   the later 40% (each as is and without its list headers, so that every
//   hijack detector engages) plus a hijack made from a learnt message are scanned by
//   scan::engine through a counting decorator over the store. Printed per
//   backend: store interface calls per message (mean and max), which methods,
//   and for Redis the commands the server processed (INFO stats). The
//   README's speed section quotes these lines.
//   Asserted: every backend gives the same verdicts and findings, and makes
//   the same calls (the detectors see one interface); the call count per
//   message stays under the bound the engine's one-pass gather promises
//   (3 read() calls); the hijack is caught.
//   BEFORE the gather (commit d15efa2): 18.45 calls/message (list mail as is
//   7.55, without list headers 29.29; max 76), Redis 175.5 commands and as
//   many round trips per message. AFTER: 1.96 read() calls (max 3) asking
//   15.55 single reads; Redis 167.6 commands in 2.66 round trips per message.
#include "core/config.hpp"
#include "history/learner.hpp"
#include "io/input.hpp"
#include "mime/parser.hpp"
#include "redis_server.hpp"
#include "scan/engine.hpp"
#include "store/history.hpp"

#include <gtest/gtest.h>
#include <hiredis/hiredis.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>

using namespace replyguard;

namespace {

const std::string k_lists = std::string(REPLYGUARD_CORPUS_DIR) + "/benign/mailing-lists";

/// Forwards every call to the real store and counts the reads by method.
class counting_history final : public store::history {
public:
    explicit counting_history(store::history& h) : h_(h) {}
    std::map<std::string, std::uint64_t> calls;
    std::uint64_t total() const {
        std::uint64_t n = 0;
        for (const auto& [k, v] : calls) n += v;
        return n;
    }

    result<bool> put(const store::learnt_message& m) override { return h_.put(m); }
    result<void> add_org_domain(std::string_view d) override { return h_.add_org_domain(d); }
    result<void> begin_batch() override { return h_.begin_batch(); }
    result<void> commit_batch() override { return h_.commit_batch(); }
    result<void> rollback_batch() override { return h_.rollback_batch(); }
    result<std::optional<store::message_record>> find_message(std::string_view k) override {
        ++calls["find_message"];
        return h_.find_message(k);
    }
    result<std::optional<store::thread_info>> find_thread(std::string_view id) override {
        ++calls["find_thread"];
        return h_.find_thread(id);
    }
    result<std::vector<std::string>> threads_by_subject(std::string_view k, std::size_t max) override {
        ++calls["threads_by_subject"];
        return h_.threads_by_subject(k, max);
    }
    result<std::optional<store::correspondent>> find_correspondent(std::string_view a) override {
        ++calls["find_correspondent"];
        return h_.find_correspondent(a);
    }
    result<std::vector<std::string>> addresses_for_name(std::string_view k) override {
        ++calls["addresses_for_name"];
        return h_.addresses_for_name(k);
    }
    result<std::vector<store::fingerprint_hit>> match_fingerprints(std::span<const std::uint64_t> fps,
                                                                   std::size_t max_df,
                                                                   std::size_t min_matched) override {
        ++calls["match_fingerprints"];
        return h_.match_fingerprints(fps, max_df, min_matched);
    }
    result<std::vector<std::string>> org_domains() override {
        ++calls["org_domains"];
        return h_.org_domains();
    }
    result<std::vector<std::string>> known_domains() override {
        ++calls["known_domains"];
        return h_.known_domains();
    }
    result<bool> is_known_domain(std::string_view d) override {
        ++calls["is_known_domain"];
        return h_.is_known_domain(d);
    }
    result<store::history_stats> stats() override {
        ++calls["stats"];
        return h_.stats();
    }
    result<bool> learn_profile(const store::profile_update& u) override { return h_.learn_profile(u); }
    result<std::optional<store::profile_counts>> find_profile(std::string_view k) override {
        ++calls["find_profile"];
        return h_.find_profile(k);
    }
    /// One call (one pipeline on Redis) whatever it asks; `items` counts what it asks.
    result<store::read_answers> read(const store::read_batch& b) override {
        ++calls["read"];
        items += b.messages.size() + b.threads.size() + b.correspondents.size() + b.names.size() + b.domains.size() +
                 (b.subject_key ? 1 : 0) + (b.fingerprints.empty() ? 0 : 1) + b.stats + b.org_domains +
                 b.known_domains + b.profiles.size();
        auto a = h_.read(b);
        // Redis answers a read() in one pipeline, plus two when a fingerprint matched
        // (its message ids to keys, then those messages' ids and counts: store/redis_history.cpp).
        if (a && !a->fingerprint_hits.empty()) extra_round_trips += 2;
        return a;
    }
    std::uint64_t items = 0;              ///< single-item reads asked through read()
    std::uint64_t extra_round_trips = 0;  ///< see read()

private:
    store::history& h_;
};

struct corpus {
    std::vector<std::string> learn, scan;  ///< raw messages
};

/// The same mail without its list headers, so every hijack detector engages (list
/// mail is exempt from most of them): the costly case of a direct conversation.
std::string delisted(const std::string& raw) {
    const auto end = raw.find("\n\n") != std::string::npos ? raw.find("\n\n") : raw.find("\r\n\r\n");
    if (end == std::string::npos) return raw;
    std::string out;
    bool drop = false;
    std::size_t b = 0;
    while (b <= end) {
        auto e = raw.find('\n', b);
        std::string_view line(raw.data() + b, e - b + 1);
        const bool cont = !line.empty() && (line[0] == ' ' || line[0] == '\t');
        if (!cont) {
            std::string name(line.substr(0, line.find(':')));
            for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            drop = name.starts_with("list-") || name == "precedence" || name == "mailing-list" ||
                   name == "x-mailing-list" || name == "sender" || name == "x-beenthere" || name == "errors-to";
        }
        if (!drop) out += line;
        b = e + 1;
    }
    return out + raw.substr(b);
}

const corpus& lists_corpus() {
    static const corpus c = [] {
        corpus out;
        struct item {
            std::int64_t date;
            std::string raw;
            std::unique_ptr<mime::message> m;
        };
        std::vector<item> all;
        mime::init();
        for (const auto& it : io::expand_inputs({k_lists})) {
            auto b = io::load(it);
            if (!b) continue;
            auto m = std::make_unique<mime::message>(mime::parse_message(*b));
            all.push_back({m->date.value_or(0), std::move(*b), std::move(m)});
        }
        std::stable_sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.date < b.date; });
        const std::size_t cut = all.size() * 6 / 10;
        const mime::message* victim = nullptr;
        for (std::size_t i = 0; i < all.size(); ++i) {
            if (i < cut) {
                out.learn.push_back(all[i].raw);
            } else {
                out.scan.push_back(all[i].raw);
                out.scan.push_back(delisted(all[i].raw));
            }
            const auto& m = *all[i].m;
            if (i < cut && !victim && !m.message_id.empty() && m.from && m.from->name.size() > 3 && !m.to.empty() &&
                m.new_text.size() > 200)
                victim = &m;
        }
        if (victim)  // a participant's name on an unrelated address, quoting the stolen message
            out.scan.push_back("From: \"" + victim->from->name + "\" <office@compromised.example>\r\n" +
                               "To: " + victim->to[0].address + "\r\nSubject: RE: " + victim->subject.base +
                               "\r\nMessage-ID: <bot1@compromised.example>\r\nIn-Reply-To: <" + victim->message_id +
                               ">\r\nReferences: <" + victim->message_id +
                               ">\r\nDate: Tue, 3 Dec 2019 10:00:00 +0900\r\n"
                               "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
                               "Please see the attached file.\r\n\r\n-----Original Message-----\r\nFrom: " +
                               victim->from->name + " <" + victim->from->address + ">\r\nSent: " + victim->date_raw +
                               "\r\nSubject: " + victim->subject.decoded + "\r\n\r\n" + victim->new_text + "\r\n");
        return out;
    }();
    return c;
}

struct figures {
    std::size_t messages = 0;
    std::uint64_t calls = 0;
    std::uint64_t max_calls = 0;
    std::uint64_t list_calls = 0;  ///< of the list mail as is (every other message, from the first)
    std::map<std::string, std::uint64_t> by_method;
    std::uint64_t items = 0, extra_round_trips = 0;
    std::vector<std::string> outcomes;  ///< verdict and finding ids per message
    double per_message() const { return messages ? static_cast<double>(calls) / static_cast<double>(messages) : 0; }
};

void learn_into(store::history& h) {
    history::learn_session s(h, {}, 100);
    for (const auto& raw : lists_corpus().learn) {
        auto m = mime::parse_message(raw);
        ASSERT_TRUE(s.add(m));
    }
    ASSERT_TRUE(s.finish());
}

figures scan_counted(store::history& h) {
    figures f;
    counting_history c(h);
    scan::engine eng(config{}, &c);
    for (const auto& raw : lists_corpus().scan) {
        const bool as_is = f.messages % 2 == 0 && f.messages + 1 < lists_corpus().scan.size();
        const auto before = c.total();
        auto r = eng.scan(raw, "test");
        const auto n = c.total() - before;
        ++f.messages;
        f.calls += n;
        if (as_is) f.list_calls += n;
        f.max_calls = std::max(f.max_calls, n);
        std::string o = std::string(score::verdict_name(r.outcome.v));
        for (const auto& x : r.findings) o += " " + x.id;
        f.outcomes.push_back(std::move(o));
    }
    f.by_method = c.calls;
    f.items = c.items;
    f.extra_round_trips = c.extra_round_trips;
    return f;
}

void print(const char* backend, const figures& f, long long redis_commands = -1) {
    std::string methods;
    for (const auto& [k, v] : f.by_method) methods += " " + k + "=" + std::to_string(v);
    const double lists = static_cast<double>(f.messages / 2);
    std::printf(
        "[store calls] %-6s %zu messages: %.2f calls/message (max %llu; list mail as is %.2f, "
        "without list headers %.2f);%s\n",
        backend, f.messages, f.per_message(), static_cast<unsigned long long>(f.max_calls),
        static_cast<double>(f.list_calls) / lists,
        static_cast<double>(f.calls - f.list_calls) / (static_cast<double>(f.messages) - lists), methods.c_str());
    const double n = static_cast<double>(f.messages);
    if (f.items)
        std::printf("[store calls] %-6s batched: %.2f single reads/message asked in %.2f read() calls\n", backend,
                    static_cast<double>(f.items) / n, f.per_message());
    if (redis_commands >= 0)
        std::printf("[store calls] redis  server commands: %.2f/message; round trips: %.2f/message\n",
                    static_cast<double>(redis_commands) / n,
                    f.by_method.contains("read")
                        ? static_cast<double>(f.calls + f.extra_round_trips) / n
                        : static_cast<double>(redis_commands) / n);  // unbatched: one command, one round trip
}

long long redis_commands_processed() {
    auto& s = test::redis_server::instance();
    redisContext* c = redisConnect("127.0.0.1", s.port());
    if (!c || c->err) {
        if (c) redisFree(c);
        return -1;
    }
    auto* r = static_cast<redisReply*>(redisCommand(c, "INFO stats"));
    long long n = -1;
    if (r && r->type == REDIS_REPLY_STRING) {
        std::string_view t(r->str, r->len);
        constexpr std::string_view k = "total_commands_processed:";
        if (auto p = t.find(k); p != std::string_view::npos)
            n = std::atoll(std::string(t.substr(p + k.size(), 20)).c_str());
    }
    if (r) freeReplyObject(r);
    redisFree(c);
    return n;
}

class store_calls : public ::testing::Test {
protected:
    void SetUp() override {
        if (!std::filesystem::exists(k_lists)) GTEST_SKIP() << "corpus not found: " << k_lists;
        ASSERT_GT(lists_corpus().scan.size(), 10u);
    }
};

/// The engine's reads per message, whatever the backend: the gather's three rounds
/// at most (scan/gather.hpp). Before the gather: 18.45 on average, 76 at most.
constexpr std::uint64_t k_max_calls_per_message = 3;

TEST_F(store_calls, per_message_on_memory_sqlite_and_redis) {
    auto mem = store::make_memory_history();
    learn_into(*mem);
    const figures fm = scan_counted(*mem);
    print("memory", fm);

    auto dir = std::filesystem::temp_directory_path() / ("rg-calls-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    auto sq = store::open_history((dir / "h.db").string(), store::open_mode::read_write);
    ASSERT_TRUE(sq.has_value()) << sq.error().message;
    learn_into(**sq);
    const figures fs = scan_counted(**sq);
    print("sqlite", fs);
    sq->reset();
    std::filesystem::remove_all(dir);

    EXPECT_GE(fm.calls, fm.messages);  // the history is consulted for every message
    // The gathered view reaches the detectors: the hijack made from a learnt message is caught.
    EXPECT_NE(fm.outcomes.back().find("HIJACK_THREAD_OUTSIDER_NAME"), std::string::npos) << fm.outcomes.back();
    EXPECT_EQ(fm.outcomes, fs.outcomes);
    EXPECT_EQ(fm.by_method, fs.by_method);
    EXPECT_LE(fm.max_calls, k_max_calls_per_message);
    EXPECT_EQ(fm.items, fs.items);

    auto& rs = test::redis_server::instance();
    if (!rs.unavailable().empty()) GTEST_SKIP() << rs.unavailable();
    ASSERT_TRUE(rs.flush());
    auto rh = store::open_history(rs.url(), store::open_mode::read_write);
    ASSERT_TRUE(rh.has_value()) << rh.error().message;
    learn_into(**rh);
    const long long before = redis_commands_processed();
    const figures fr = scan_counted(**rh);
    const long long after = redis_commands_processed();
    print("redis", fr, before >= 0 && after >= 0 ? after - before - 1 : -1);  // -1: the first INFO itself
    EXPECT_EQ(fm.outcomes, fr.outcomes);
    EXPECT_EQ(fm.by_method, fr.by_method);
    EXPECT_EQ(fm.items, fr.items);
}

}  // namespace
