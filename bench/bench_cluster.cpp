// SPDX-License-Identifier: Apache-2.0
// bench/bench_cluster.cpp - campaign::cluster over synthetic detections (10k, 100k)
//
// DESCRIPTION
//   An outbreak as a busy site would keep it over 90 days: payload families
//   (one document hash each, a quarter of them macro documents whose VBA is
//   varied per mail: 8 of 40 code lines rewritten, as Emotet's obfuscator
//   renamed variables), download links on per-wave hosts, impersonated people
//   of partner organisations, relays, and a tail of detections that share
//   nothing. Sizes are chosen so keys repeat as they do in real waves (a
//   payload family ~200 mails, a person ~10, a relay ~5).
//   BM_cluster/N measures campaign::cluster on N detections; the macro part is
//   also measured alone (BM_cluster_macro_only: every detection carries a
//   varied macro, so the LSH path is taken).
#include "campaign/cluster.hpp"

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <random>

using namespace replyguard;

namespace {

std::vector<std::uint64_t> varied_macro(std::size_t fam, std::mt19937_64& rng) {
    std::vector<std::uint64_t> fp;
    for (std::uint64_t line = 0; line < 40; ++line)
        fp.push_back(line < 32 ? (fam << 20) ^ (line * 0x9e3779b97f4a7c15ULL) : rng());
    std::sort(fp.begin(), fp.end());
    return fp;
}

std::vector<campaign::detection> synthetic(std::size_t n, bool all_macro) {
    std::mt19937_64 rng(42);
    const std::size_t families = std::max<std::size_t>(1, n / 200), people = std::max<std::size_t>(1, n / 10),
                      orgs = std::max<std::size_t>(1, n / 50), relays = std::max<std::size_t>(1, n / 5);
    const std::int64_t t0 = 1'790'000'000, span = 90LL * 86400;
    std::vector<campaign::detection> ds(n);
    for (std::size_t i = 0; i < n; ++i) {
        auto& d = ds[i];
        d.key = fmt::format("m{}@bench", i);
        d.date = t0 + static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(span));
        d.verdict = "malicious";
        d.score = 20;
        bool lone = rng() % 10 == 0;  // shares nothing
        std::size_t fam = rng() % families;
        std::size_t who = rng() % people;
        d.from_address = fmt::format("bot{}@victim{}.example", i, i % 997);
        d.from_domain = fmt::format("victim{}.example", i % 997);
        if (!lone) {
            std::string org = fmt::format("partner{}.example", who % orgs);
            d.impersonated.push_back({fmt::format("Person {}", who), fmt::format("p{}@{}", who, org), org});
            d.relay_ip = fmt::format("198.51.{}.{}", (rng() % relays) / 250, (rng() % relays) % 250);
        } else {
            d.relay_ip = fmt::format("203.0.{}.{}", (i / 250) % 250, i % 250);
        }
        campaign::detection_attachment a;
        a.name = fmt::format("Invoice_{}.doc", i);
        a.kind = "ole2";
        a.sha256 = lone ? fmt::format("{:064x}", i) : fmt::format("{:064x}", 0xfa000000ULL + fam);
        if (all_macro || fam % 4 == 0) a.macro_fp = varied_macro(lone ? 1'000'000 + i : fam, rng);
        if (all_macro) a.sha256 = fmt::format("{:064x}", i);  // only the macro links
        if (!all_macro && fam % 3 == 1) {
            std::string url = fmt::format("https://wave{}.example/wp-content/Invoice_{}.doc", fam, i);
            d.urls.push_back(url);
            d.findings.push_back({"HIJACK_WITH_PAYLOAD", "hijack", 10, "",
                                  nlohmann::json{{"payload", nlohmann::json::array({{{"link", url}}})}}});
        } else {
            d.attachments.push_back(std::move(a));
        }
    }
    return ds;
}

void BM_cluster(benchmark::State& st) {
    auto ds = synthetic(static_cast<std::size_t>(st.range(0)), false);
    std::size_t campaigns = 0;
    for (auto _ : st) {
        auto cs = campaign::cluster(ds, {14, {"our-org.example"}});
        campaigns = cs.size();
        benchmark::DoNotOptimize(cs);
    }
    st.counters["campaigns"] = static_cast<double>(campaigns);
    st.SetItemsProcessed(st.iterations() * st.range(0));
}
BENCHMARK(BM_cluster)->Arg(10'000)->Arg(100'000)->Unit(benchmark::kMillisecond);

void BM_cluster_macro_only(benchmark::State& st) {
    auto ds = synthetic(static_cast<std::size_t>(st.range(0)), true);
    for (auto& d : ds) d.impersonated.clear(), d.relay_ip.clear();
    std::size_t campaigns = 0;
    for (auto _ : st) {
        auto cs = campaign::cluster(ds, {14, {}});
        campaigns = cs.size();
        benchmark::DoNotOptimize(cs);
    }
    st.counters["campaigns"] = static_cast<double>(campaigns);
    st.SetItemsProcessed(st.iterations() * st.range(0));
}
BENCHMARK(BM_cluster_macro_only)->Arg(10'000)->Arg(100'000)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
