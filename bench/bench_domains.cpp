// SPDX-License-Identifier: Apache-2.0
// bench/bench_domains.cpp - the lookalike check's candidates: the whole domain list vs history::domain_index
//
// DESCRIPTION
//   A history's known domains (N synthetic registrable domains: labels of 4-16
//   letters and digits under a few TLDs, deterministic) and a sender domain
//   that looks like none of them (the usual case: mail from an unknown
//   outside domain, for which lookalike_domain runs).
//   BM_whole_list/N: what each such message cost before: compare the sender
//   with every domain as lookalike_domain did (ICU skeleton of each, edit
//   distance of the labels within the length rule). BM_index_near/N: the
//   index's candidates for the sender (then compared the same way: a handful).
//   BM_index_build/N: building the index (first use); BM_index_rebuild/N:
//   again after 1% new domains, reusing the old index's skeletons (after a
//   history change, at most every 30 s in a large history, in the background).
#include "history/domain_index.hpp"

#include <benchmark/benchmark.h>

#include <random>

using namespace replyguard;

namespace {

std::vector<std::string> synthetic(std::size_t n) {
    std::mt19937_64 rng(7);
    const char* tlds[] = {".co.jp", ".com", ".jp", ".example", ".net", ".or.jp"};
    const std::string alpha = "abcdefghijklmnopqrstuvwxyz0123456789";
    std::vector<std::string> out;
    out.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        std::string l;
        const std::size_t len = 4 + rng() % 13;
        for (std::size_t k = 0; k < len; ++k) l += alpha[rng() % alpha.size()];
        out.push_back(l + tlds[rng() % 6]);
    }
    return out;
}

bool looks_like(std::string_view d, const std::string& dsk, std::string_view c) {
    if (c == d) return false;
    const auto dl = history::domain_label(d), cl = history::domain_label(c);
    if (cl == dl) return false;
    if (history::confusable_skeleton(c) == dsk) return true;
    const std::size_t limit = history::lookalike_distance_limit(dl, cl);
    return limit && history::edit_distance(dl, cl) <= limit;
}

const std::string k_sender = "tsukuba-seimitsu-kiki.co.jp";

void BM_whole_list(benchmark::State& st) {
    const auto domains = synthetic(static_cast<std::size_t>(st.range(0)));
    for (auto _ : st) {
        const auto sk = history::confusable_skeleton(k_sender);
        std::size_t hits = 0;
        for (const auto& c : domains) hits += looks_like(k_sender, sk, c);
        benchmark::DoNotOptimize(hits);
    }
}

void BM_index_near(benchmark::State& st) {
    const history::domain_index idx(synthetic(static_cast<std::size_t>(st.range(0))));
    for (auto _ : st) {
        const auto sk = history::confusable_skeleton(k_sender);
        std::size_t hits = 0;
        for (const auto& c : idx.near(k_sender)) hits += looks_like(k_sender, sk, c);
        benchmark::DoNotOptimize(hits);
    }
}

void BM_index_build(benchmark::State& st) {
    const auto domains = synthetic(static_cast<std::size_t>(st.range(0)));
    for (auto _ : st) {
        history::domain_index idx(domains);
        benchmark::DoNotOptimize(idx.size());
    }
}

/// A rebuild after 1% new domains, reusing the previous index's skeletons.
void BM_index_rebuild(benchmark::State& st) {
    const auto n = static_cast<std::size_t>(st.range(0));
    auto domains = synthetic(n + n / 100);
    const history::domain_index before(std::vector<std::string>(domains.begin(), domains.begin() + n));
    for (auto _ : st) {
        history::domain_index idx(domains, &before);
        benchmark::DoNotOptimize(idx.size());
    }
}

}  // namespace

BENCHMARK(BM_whole_list)->Arg(1000)->Arg(20000)->Arg(100000)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_index_near)->Arg(1000)->Arg(20000)->Arg(100000)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_index_build)->Arg(1000)->Arg(20000)->Arg(100000)->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK(BM_index_rebuild)->Arg(1000)->Arg(20000)->Arg(100000)->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK_MAIN();
