// SPDX-License-Identifier: Apache-2.0
// domain_index_test.cpp - the lookalike check's domain index finds what comparing every domain finds
//
// DESCRIPTION
//   The index (history/domain_index.hpp) is built from every registrable domain in
//   the headers of the shared corpus (real mail: thousands of real domains), and
//   queried with domains made from a sample of them by the edits and confusables a
//   lookalike registration uses (one or two bytes changed, dropped, added, swapped;
//   "rn" for "m", "0" for "o", Cyrillic letters; a word added) and with the real
//   domains themselves. For every query, each domain that lookalike_domain's rule
//   accepts when compared one by one with the whole list must be among near()'s
//   candidates. Then the cache: a history that learns a new domain is seen at once
//   (a small history), by the index and by the engine's LOOKALIKE_DOMAIN; a large
//   one is rebuilt in the background while the old index answers.
#include "history/domain_index.hpp"
#include "core/config.hpp"
#include "history/learner.hpp"
#include "mime/domains.hpp"
#include "mime/parser.hpp"
#include "scan/engine.hpp"
#include "store/history.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <thread>

using namespace replyguard;
namespace fs = std::filesystem;

namespace {

const std::string k_corpus = REPLYGUARD_CORPUS_DIR;

/// Registrable domains of the addresses in the header blocks of the corpus files.
std::vector<std::string> corpus_domains() {
    std::set<std::string> out;
    auto host_char = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.'; };
    for (const char* sub : {"phishing", "benign"}) {
        const fs::path dir = k_corpus + "/" + sub;
        if (!fs::is_directory(dir)) continue;
        for (const auto& e : fs::recursive_directory_iterator(dir)) {
            if (!e.is_regular_file() || e.file_size() > 4 * 1024 * 1024) continue;
            std::ifstream in(e.path(), std::ios::binary);
            std::string head(64 * 1024, '\0');
            in.read(head.data(), static_cast<std::streamsize>(head.size()));
            head.resize(static_cast<std::size_t>(in.gcount()));
            // Every "local@host.tld" (a plain scan: std::regex took seconds here).
            for (auto at = head.find('@'); at != std::string::npos; at = head.find('@', at + 1)) {
                if (at == 0 || !host_char(head[at - 1])) continue;
                auto end = at + 1;
                while (end < head.size() && host_char(head[end])) ++end;
                std::string host = head.substr(at + 1, end - at - 1);
                while (!host.empty() && (host.back() == '.' || host.back() == '-')) host.pop_back();
                if (host.find('.') == std::string::npos) continue;
                std::string d = mime::registrable_domain("x@" + host);
                if (!d.empty()) out.insert(d);
            }
        }
    }
    return {out.begin(), out.end()};
}

/// lookalike_domain's comparison of a sender domain with one known domain
/// (detect/lookalike_domain.cpp, without the our-name-with-a-word rule, which
/// applies to our own domains only and not to the history's); skeletons given.
bool looks_like(std::string_view d, const std::string& dsk, std::string_view c, const std::string& csk) {
    if (c.empty() || c == d) return false;
    const auto dl = history::domain_label(d), cl = history::domain_label(c);
    if (cl == dl) return false;
    if (csk == dsk) return true;
    const std::size_t limit = history::lookalike_distance_limit(dl, cl);
    if (!limit || (cl.size() > dl.size() ? cl.size() - dl.size() : dl.size() - cl.size()) > limit) return false;
    return history::edit_distance(dl, cl) <= limit;
}

/// Lookalike registrations made from `d`.
std::vector<std::string> variants(const std::string& d) {
    std::vector<std::string> out;
    const auto dot = d.find('.');
    const std::string label = d.substr(0, dot), rest = dot == std::string::npos ? "" : d.substr(dot);
    auto add = [&](const std::string& l) { out.push_back(l + rest); };
    for (std::size_t i = 0; i < label.size(); i += 3) {
        std::string s = label;
        s[i] = s[i] == 'x' ? 'y' : 'x';
        add(s);                                           // one changed
        add(label.substr(0, i) + label.substr(i + 1));    // one dropped
        add(label.substr(0, i) + "q" + label.substr(i));  // one added
        if (i + 1 < label.size()) {
            std::string t = label;
            std::swap(t[i], t[i + 1]);
            add(t);  // two swapped (distance 2)
            std::string u = s;
            u[i + 1] = u[i + 1] == 'z' ? 'w' : 'z';
            add(u);  // two changed
        }
    }
    auto replace_all = [&](std::string s, const std::string& from, const std::string& to) {
        for (std::size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size()))
            s.replace(p, from.size(), to);
        return s;
    };
    add(replace_all(label, "m", "rn"));
    add(replace_all(label, "o", "0"));
    add(replace_all(label, "l", "1"));
    add(replace_all(label, "a", "\xD0\xB0"));  // Cyrillic a
    add(replace_all(label, "e", "\xD0\xB5"));  // Cyrillic e
    add(label + "-co");
    return out;
}

TEST(domain_index, near_holds_every_lookalike_of_the_whole_list) {
    const auto domains = corpus_domains();
    ASSERT_GT(domains.size(), 500u) << "corpus missing at " << k_corpus;
    const history::domain_index idx(domains);
    EXPECT_EQ(idx.size(), domains.size());
    std::vector<std::string> skeletons;
    for (const auto& d : domains) skeletons.push_back(history::confusable_skeleton(d));
    std::size_t queries = 0, found = 0, candidates = 0;
    for (std::size_t i = 0; i < domains.size(); i += 23) {
        auto qs = variants(domains[i]);
        qs.push_back(domains[i]);
        for (const auto& q : qs) {
            const auto near = idx.near(q);
            ASSERT_TRUE(std::is_sorted(near.begin(), near.end())) << q;
            EXPECT_EQ(std::count(near.begin(), near.end(), q), 0) << q;
            const std::set<std::string> got(near.begin(), near.end());
            const auto qsk = history::confusable_skeleton(q);
            for (std::size_t j = 0; j < domains.size(); ++j)
                if (const auto& c = domains[j]; looks_like(q, qsk, c, skeletons[j])) {
                    ++found;
                    EXPECT_TRUE(got.contains(c)) << q << " looks like " << c << " but near() missed it";
                }
            ++queries;
            candidates += near.size();
        }
    }
    std::cout << domains.size() << " corpus domains, " << queries << " queries, " << found
              << " lookalikes by the whole list, " << candidates << " candidates from near()\n";
    // The edits above make lookalikes of real domains: most queries have one.
    EXPECT_GT(found, queries / 2) << queries << " queries";
    // Candidates only: far fewer than the whole list.
    EXPECT_LT(candidates, queries * 20) << "average candidates per query";
}

std::string mail(const std::string& from, const std::string& id) {
    return "From: Someone <" + from + ">\r\nTo: ito@sakura-shoji.example\r\nSubject: hello\r\n" +
           "Date: Sun, 12 Apr 2026 07:48:00 +0900\r\nMessage-ID: <" + id + ">\r\n\r\nbody\r\n";
}

bool learn(store::history& h, const std::string& raw) {
    auto m = mime::parse_message(raw);
    history::learn_options o;
    return history::learn_message(h, m, o).has_value();
}

TEST(domain_index, a_newly_learnt_domain_is_seen_at_once_in_a_small_history) {
    mime::init();
    auto h = store::make_memory_history();
    ASSERT_TRUE(learn(*h, mail("a@hinode-trading.example", "1@x")));
    history::domain_index_cache cache;
    auto st = h->stats();
    ASSERT_TRUE(st);
    auto idx = cache.get(*h, st->messages);
    ASSERT_TRUE(idx);
    EXPECT_EQ((*idx)->near("hinode-tradimg.example"), std::vector<std::string>{"hinode-trading.example"});
    EXPECT_TRUE((*idx)->near("tsukuba-kiki.example").empty());

    config cfg;
    cfg.org_domains = {"sakura-shoji.example"};
    scan::engine eng(cfg, h.get());
    auto has_lookalike = [&](const std::string& from) {
        auto r = eng.scan(mail(from, "q" + from), "t");
        return std::any_of(r.findings.begin(), r.findings.end(),
                           [](const auto& f) { return f.id == "LOOKALIKE_DOMAIN"; });
    };
    EXPECT_TRUE(has_lookalike("b@hinode-tradimg.example"));
    EXPECT_FALSE(has_lookalike("b@tsukuba-klki.example"));

    // Learnt after the engine built its index: the next message sees it.
    ASSERT_TRUE(learn(*h, mail("c@tsukuba-kiki.example", "2@x")));
    EXPECT_TRUE(has_lookalike("b@tsukuba-klki.example"));
    st = h->stats();
    ASSERT_TRUE(st);
    idx = cache.get(*h, st->messages);
    ASSERT_TRUE(idx);
    EXPECT_EQ((*idx)->near("tsukuba-klki.example"), std::vector<std::string>{"tsukuba-kiki.example"});
}

TEST(domain_index, a_large_index_is_rebuilt_in_the_background) {
    mime::init();
    auto h = store::make_memory_history();
    for (int i = 0; i < 1100; ++i)
        ASSERT_TRUE(learn(*h, mail("a@partner" + std::to_string(i) + "-trading.example", std::to_string(i) + "@x")));
    history::domain_index_cache cache(std::chrono::milliseconds(0));
    auto st = h->stats();
    ASSERT_TRUE(st);
    auto first = cache.get(*h, st->messages);
    ASSERT_TRUE(first);
    ASSERT_GE((*first)->size(), 1100u);  // built here: there was none
    ASSERT_TRUE(learn(*h, mail("c@tsukuba-kiki.example", "new@x")));
    st = h->stats();
    ASSERT_TRUE(st);
    // The history changed: the caller goes on with the index it had...
    auto again = cache.get(*h, st->messages);
    ASSERT_TRUE(again);
    EXPECT_EQ(again->get(), first->get());
    EXPECT_TRUE((*again)->near("tsukuba-klki.example").empty());
    // ...while it is rebuilt; the new one has the new domain (waits for the
    // rebuild, up to a minute: an event, not a time, is asserted).
    std::shared_ptr<const history::domain_index> now = *again;
    for (int i = 0; i < 600 && now.get() == first->get(); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        auto r = cache.get(*h, st->messages);
        ASSERT_TRUE(r);
        now = *r;
    }
    ASSERT_NE(now.get(), first->get()) << "the index was not rebuilt";
    EXPECT_EQ(now->near("tsukuba-klki.example"), std::vector<std::string>{"tsukuba-kiki.example"});
    EXPECT_EQ(now->size(), (*first)->size() + 1);
}

}  // namespace
