// SPDX-License-Identifier: Apache-2.0
// fuzz/fuzz_ole.cpp - libFuzzer target: analyse_office() on arbitrary bytes
//
// DESCRIPTION
//   The whole Office path: OLE2 via libgsf (VBA, BIFF/XLM, PowerPoint and Visio
//   embedded storages, encryption markers), OOXML via the zip reader, SYLK.
//   Seed with the corpus: fuzz_ole /work/shared/corpus/office/**. The details
//   JSON is serialised so that every string we produced is checked as UTF-8.
#include "attach/file.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    replyguard::attach::file_view f;
    f.name = "fuzz.bin";
    f.data = std::string_view(reinterpret_cast<const char*>(data), size);
    f.path = "fuzz.bin";
    replyguard::attach::analysis_state st;
    st.lim.archive_entry_bytes = 8u << 20;
    st.lim.archive_entries = 200;
    st.bytes_budget = 32u << 20;
    st.passwords = {"infected"};
    replyguard::attach::attachment_report rep;
    replyguard::attach::analyse_office(f, st, rep);
    std::size_t sink = rep.details.dump().size();
    for (const auto& x : rep.findings) sink += x.detail.size() + x.evidence.dump().size();
    return sink == static_cast<std::size_t>(-1);
}
