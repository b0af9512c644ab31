// SPDX-License-Identifier: Apache-2.0
// bench/bench_parser.cpp - Google Benchmark: the parse stage against the GMime floor
//
// DESCRIPTION
//   Real mail from REPLYGUARD_CORPUS_DIR (environment first, then the CMake
//   value), phishing/ and benign/, loaded once: every file that is one message
//   (mbox files are skipped with io::looks_like_mbox, the rule the CLI uses).
//   One benchmark iteration is one pass over a set (argument 0 = all,
//   1 = phishing, 2 = benign), so items/s is messages/s and bytes/s is input
//   bytes/s over exactly the same messages for every benchmark.
//     BM_parse_message   mime::parse_message (GMime tree -> message model)
//     BM_gmime_floor     the bare GMime parse+decode loop (gmime_walk.hpp), the anchor
//     BM_engine_scan     parse + attachment analysis + detectors + score (what the CLI runs)
//     BM_record_json     output::to_json + dump of ready results (the CLI's jsonl cost)
//   Micro benchmarks of the helpers the parse stage calls, over the inputs the
//   corpus really gives them (collected once): mime::to_utf8 (raw text parts
//   with their declared charset), mime::decode_header_text (every raw header),
//   mime::unfold (against a chunked reference), mime::parse_address_list
//   (From/To/Cc/Reply-To/Sender), text::html_to_text,
//   mime::split_quotes, text::extract_urls, and libmagic on attachments (as
//   parser.cpp calls it, twice per attachment, and three cheaper variants).
//   The helpers may still be placeholders: the figures then show it (a copy
//   runs at memcpy speed), the program does not depend on what they return.
#include "gmime_walk.hpp"

#include "core/config.hpp"
#include "io/input.hpp"
#include "mime/address.hpp"
#include "mime/charset.hpp"
#include "mime/header_decode.hpp"
#include "mime/parser.hpp"
#include "mime/quote.hpp"
#include "output/record.hpp"
#include "scan/engine.hpp"
#include "text/html.hpp"
#include "text/urls.hpp"

#include <benchmark/benchmark.h>
#include <magic.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#ifndef REPLYGUARD_CORPUS_DIR
#define REPLYGUARD_CORPUS_DIR "/work/shared/corpus"
#endif

namespace {

namespace fs = std::filesystem;
using namespace replyguard;

struct message_set {
    std::vector<std::string> messages;
    std::size_t bytes = 0;
};

struct corpus_data {
    message_set sets[3];  // all, phishing, benign
    // Helper inputs, gathered from the corpus once.
    std::vector<std::pair<std::string, std::string>> text_parts;  // raw transfer-decoded bytes, declared charset
    std::vector<std::string> raw_headers;                         // unfolded raw header values
    std::vector<std::string> folded_headers;                      // raw values as GMime keeps them (folded)
    std::vector<std::string> address_headers;                     // From/To/Cc/Reply-To/Sender raw values
    std::vector<std::string> html;                                // HTML parts, UTF-8
    std::vector<std::string> bodies;                              // body_text
    std::vector<std::string> plain;                               // plain text parts, UTF-8
    std::vector<std::string> attachments;                         // decoded attachment bytes
};

std::string corpus_dir() {
    if (const char* e = std::getenv("REPLYGUARD_CORPUS_DIR"); e && *e) return e;
    return REPLYGUARD_CORPUS_DIR;
}

void load_folder(const fs::path& dir, message_set& set) {
    std::vector<fs::path> files;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::end(it); it.increment(ec))
        if (it->is_regular_file(ec)) files.push_back(it->path());
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
        std::ifstream in(f, std::ios::binary);
        std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        if (data.empty() || io::looks_like_mbox(f.string(), data)) continue;
        set.bytes += data.size();
        set.messages.push_back(std::move(data));
    }
}

// Raw (transfer-decoded, not charset-converted) text parts, as parse_message hands them to to_utf8.
void collect_text_parts(GMimeObject* obj, std::vector<std::pair<std::string, std::string>>& out, int depth) {
    if (!obj || depth > 32) return;
    if (GMIME_IS_MULTIPART(obj)) {
        for (int i = 0, n = g_mime_multipart_get_count(GMIME_MULTIPART(obj)); i < n; ++i)
            collect_text_parts(g_mime_multipart_get_part(GMIME_MULTIPART(obj), i), out, depth + 1);
    } else if (GMIME_IS_MESSAGE_PART(obj)) {
        if (GMimeMessage* inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj)))
            collect_text_parts(g_mime_message_get_mime_part(inner), out, depth + 1);
    } else if (GMIME_IS_PART(obj)) {
        GMimeContentType* ct = g_mime_object_get_content_type(obj);
        if (!ct || !g_mime_content_type_is_type(ct, "text", "*")) return;
        GMimeDataWrapper* dw = g_mime_part_get_content(GMIME_PART(obj));
        if (!dw) return;
        GMimeStream* mem = g_mime_stream_mem_new();
        g_mime_data_wrapper_write_to_stream(dw, mem);
        GByteArray* arr = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
        const char* cs = g_mime_object_get_content_type_parameter(obj, "charset");
        out.emplace_back(std::string(reinterpret_cast<const char*>(arr->data), arr->len), cs ? cs : "");
        g_object_unref(mem);
    }
}

const corpus_data& corpus() {
    static const corpus_data data = [] {
        corpus_data c;
        fs::path root = corpus_dir();
        load_folder(root / "phishing", c.sets[1]);
        load_folder(root / "benign", c.sets[2]);
        for (int k : {1, 2}) {
            c.sets[0].bytes += c.sets[k].bytes;
            c.sets[0].messages.insert(c.sets[0].messages.end(), c.sets[k].messages.begin(), c.sets[k].messages.end());
        }
        if (c.sets[0].messages.empty())
            std::fprintf(stderr, "bench_parser: no messages under %s/{phishing,benign}\n", root.c_str());

        mime::init();
        for (const std::string& raw : c.sets[0].messages) {
            mime::message m = mime::parse_message(raw);
            for (auto& h : m.headers) {
                c.raw_headers.push_back(h.raw);
                for (const char* f : {"From", "To", "Cc", "Reply-To", "Sender"})
                    if (g_ascii_strcasecmp(h.name.c_str(), f) == 0) c.address_headers.push_back(h.raw);
            }
            for (auto& tp : m.text_parts) {
                if (!tp.html.empty())
                    c.html.push_back(std::move(tp.html));
                else
                    c.plain.push_back(std::move(tp.text));
            }
            c.bodies.push_back(std::move(m.body_text));
            for (auto& a : m.attachments) c.attachments.push_back(std::move(a.data));

            std::string_view bytes = raw;
            if (bytes.starts_with("From ")) bytes.remove_prefix(std::min(bytes.size(), bytes.find('\n') + 1));
            GMimeStream* s = g_mime_stream_mem_new_with_buffer(bytes.data(), bytes.size());
            GMimeParser* p = g_mime_parser_new_with_stream(s);
            if (GMimeMessage* gm = g_mime_parser_construct_message(p, bench::floor_parser_options())) {
                GMimeHeaderList* hl = g_mime_object_get_header_list(GMIME_OBJECT(gm));
                for (int i = 0, n = hl ? g_mime_header_list_get_count(hl) : 0; i < n; ++i)
                    if (const char* v = g_mime_header_get_raw_value(g_mime_header_list_get_header_at(hl, i)))
                        c.folded_headers.emplace_back(v);
                collect_text_parts(g_mime_message_get_mime_part(gm), c.text_parts, 0);
                g_object_unref(gm);
            }
            g_object_unref(p);
            g_object_unref(s);
        }
        return c;
    }();
    return data;
}

template <class C>
std::size_t total_size(const C& v) {
    std::size_t n = 0;
    for (const auto& s : v) n += s.size();
    return n;
}

void set_counters(benchmark::State& state, std::size_t items, std::size_t bytes) {
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * items));
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes));
}

// --- whole messages ------------------------------------------------------------

void BM_parse_message(benchmark::State& state) {
    const message_set& set = corpus().sets[state.range(0)];
    limits lim;
    for (auto _ : state)
        for (const std::string& raw : set.messages) {
            mime::message m = mime::parse_message(raw, lim);
            benchmark::DoNotOptimize(m.headers.data());
        }
    set_counters(state, set.messages.size(), set.bytes);
}

void BM_gmime_floor(benchmark::State& state) {
    const message_set& set = corpus().sets[state.range(0)];
    GMimeStream* sink = g_mime_stream_null_new();
    bench::floor_stats st;
    for (auto _ : state)
        for (const std::string& raw : set.messages) bench::floor_parse(raw, sink, st);
    benchmark::DoNotOptimize(st.decoded_bytes);
    g_object_unref(sink);
    set_counters(state, set.messages.size(), set.bytes);
}

void BM_engine_scan(benchmark::State& state) {
    const message_set& set = corpus().sets[state.range(0)];
    scan::engine eng(config{}, nullptr);
    for (auto _ : state)
        for (const std::string& raw : set.messages) {
            scan::scan_result r = eng.scan(raw, "bench");
            benchmark::DoNotOptimize(r.findings.data());
        }
    set_counters(state, set.messages.size(), set.bytes);
}

void BM_record_json(benchmark::State& state) {
    const message_set& set = corpus().sets[state.range(0)];
    scan::engine eng(config{}, nullptr);
    std::vector<scan::scan_result> results;
    results.reserve(set.messages.size());
    for (const std::string& raw : set.messages) results.push_back(eng.scan(raw, "bench"));
    for (auto _ : state)
        for (const auto& r : results) {
            std::string line = output::to_json(r).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
            benchmark::DoNotOptimize(line.data());
        }
    set_counters(state, set.messages.size(), set.bytes);
}

// --- helpers -------------------------------------------------------------------

void BM_to_utf8(benchmark::State& state) {
    const auto& parts = corpus().text_parts;
    std::size_t bytes = 0;
    for (const auto& p : parts) bytes += p.first.size();
    for (auto _ : state)
        for (const auto& [data, cs] : parts) {
            mime::decoded_text dt = mime::to_utf8(data, cs);
            benchmark::DoNotOptimize(dt.text.data());
        }
    set_counters(state, parts.size(), bytes);
}

// mime::unfold (argument 0) against a chunked reference (argument 1) that
// appends the runs between line ends found with memchr instead of one
// push_back per byte (it keeps a CR that is not before an LF, which
// mime::unfold drops). parser.cpp unfolds every header value, and the
// placeholder decode_header_text unfolds it again: this is per-header cost.
std::string unfold_chunked(std::string_view raw) {
    std::string out;
    out.reserve(raw.size());
    const char* p = raw.data();
    const char* end = p + raw.size();
    while (p < end) {
        const char* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
        const char* stop = nl ? nl : end;
        const char* keep = stop > p && stop[-1] == '\r' ? stop - 1 : stop;
        out.append(p, static_cast<std::size_t>(keep - p));
        p = nl ? nl + 1 : end;
    }
    return out;
}

void BM_unfold(benchmark::State& state) {
    const auto& v = corpus().folded_headers;
    const bool chunked = state.range(0) != 0;
    for (auto _ : state)
        for (const auto& h : v) {
            std::string s = chunked ? unfold_chunked(h) : mime::unfold(h);
            benchmark::DoNotOptimize(s.data());
        }
    set_counters(state, v.size(), total_size(v));
}

void BM_decode_header_text(benchmark::State& state) {
    const auto& v = corpus().raw_headers;
    for (auto _ : state)
        for (const auto& h : v) {
            std::string s = mime::decode_header_text(h);
            benchmark::DoNotOptimize(s.data());
        }
    set_counters(state, v.size(), total_size(v));
}

void BM_parse_address_list(benchmark::State& state) {
    const auto& v = corpus().address_headers;
    for (auto _ : state)
        for (const auto& h : v) {
            auto list = mime::parse_address_list(h);
            benchmark::DoNotOptimize(list.data());
        }
    set_counters(state, v.size(), total_size(v));
}

void BM_html_to_text(benchmark::State& state) {
    const auto& v = corpus().html;
    for (auto _ : state)
        for (const auto& h : v) {
            text::html_text t = text::html_to_text(h, 4u << 20);
            benchmark::DoNotOptimize(t.text.data());
        }
    set_counters(state, v.size(), total_size(v));
}

void BM_split_quotes(benchmark::State& state) {
    const auto& v = corpus().bodies;
    for (auto _ : state)
        for (const auto& b : v) {
            mime::split_body sb = mime::split_quotes(b);
            benchmark::DoNotOptimize(sb.new_text.data());
        }
    set_counters(state, v.size(), total_size(v));
}

void BM_extract_urls(benchmark::State& state) {
    const auto& v = corpus().plain;
    for (auto _ : state)
        for (const auto& t : v) {
            std::vector<text::url_ref> urls;
            text::extract_urls(t, urls, 2000);
            benchmark::DoNotOptimize(urls.data());
        }
    set_counters(state, v.size(), total_size(v));
}

// libmagic as parser.cpp uses it (MIME type, then the label, on the whole
// attachment: mode 0) and the cheaper variants one could choose: only the
// first 64 KiB (mode 1), the MIME call alone (mode 2), or both calls without
// libmagic's CSV and JSON scanners, which read the whole buffer (mode 3).
void BM_magic_buffer(benchmark::State& state) {
    const auto& v = corpus().attachments;
    const int mode = static_cast<int>(state.range(0));
    const int extra = mode == 3 ? MAGIC_NO_CHECK_CSV | MAGIC_NO_CHECK_JSON : 0;
    magic_t mime = magic_open(MAGIC_MIME_TYPE | MAGIC_NO_CHECK_COMPRESS | MAGIC_ERROR | extra);
    magic_t label = magic_open(MAGIC_NO_CHECK_COMPRESS | MAGIC_ERROR | extra);
    if (!mime || !label || magic_load(mime, nullptr) != 0 || magic_load(label, nullptr) != 0) {
        state.SkipWithError("libmagic database not loadable");
        return;
    }
    const std::size_t cap = mode == 1 ? 64 * 1024 : static_cast<std::size_t>(-1);
    std::size_t bytes = 0;
    for (const auto& a : v) bytes += std::min(a.size(), cap);
    for (auto _ : state)
        for (const auto& a : v) {
            std::size_t n = std::min(a.size(), cap);
            benchmark::DoNotOptimize(magic_buffer(mime, a.data(), n));
            if (mode != 2) benchmark::DoNotOptimize(magic_buffer(label, a.data(), n));
        }
    magic_close(mime);
    magic_close(label);
    set_counters(state, v.size(), bytes);
}

// The message-level benchmarks are whole corpus passes (hundreds of ms each).
#define RG_SET_ARGS ArgName("set")->Arg(0)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)
BENCHMARK(BM_parse_message)->RG_SET_ARGS;
BENCHMARK(BM_gmime_floor)->RG_SET_ARGS;
BENCHMARK(BM_engine_scan)->RG_SET_ARGS;
BENCHMARK(BM_record_json)->ArgName("set")->Arg(0)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_to_utf8)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_unfold)->ArgName("chunked")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_decode_header_text)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_parse_address_list)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_html_to_text)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_split_quotes)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_extract_urls)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_magic_buffer)->ArgName("mode")->DenseRange(0, 3)->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    // Load before timing starts, and say what was measured.
    const corpus_data& c = corpus();
    std::fprintf(stderr,
                 "corpus %s: %zu messages (%zu phishing, %zu benign), %.1f MB; %zu text parts, %zu headers, "
                 "%zu HTML parts, %zu attachments\n",
                 corpus_dir().c_str(), c.sets[0].messages.size(), c.sets[1].messages.size(), c.sets[2].messages.size(),
                 c.sets[0].bytes / 1e6, c.text_parts.size(), c.raw_headers.size(), c.html.size(), c.attachments.size());
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
