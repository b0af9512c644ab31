// SPDX-License-Identifier: Apache-2.0
// fuzz/fuzz_vba.cpp - libFuzzer target: the byte-level Office parsers without a container
//
// DESCRIPTION
//   MS-OVBA decompression, dir parsing, keyword scan, the VBA project walk over
//   synthetic streams (the input split in two: dir + module), the BIFF record
//   walk (BOUNDSHEET, FORMULA Rgce decoding), OOXML macro sheet and SYLK text.
//   These see attacker bytes directly once the container is opened, so they are
//   fuzzed without the container getting in the way.
#include "attach/office_internal.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace office = replyguard::attach::office;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view in(reinterpret_cast<const char*>(data), size);
    std::size_t sink = 0;

    if (auto d = office::ovba_decompress({data, size}, 1u << 20)) {
        sink += d->size();
        if (auto dir = office::parse_vba_dir(office::as_bytes(*d))) sink += dir->modules.size();
    }
    if (auto dir = office::parse_vba_dir({data, size})) sink += dir->modules.size();
    sink += office::scan_vba_keywords(in).autoexec.size();

    replyguard::attach::file_view f;
    f.name = "fuzz";
    replyguard::attach::analysis_state st;
    st.bytes_budget = 16u << 20;
    st.lim.archive_entry_bytes = 4u << 20;
    replyguard::attach::attachment_report rep;
    office::office_ctx c{f, st, rep};

    const std::size_t split = size ? data[0] * size / 256 : 0;
    std::vector<office::ole_stream> streams{{"Macros/VBA/dir", std::string(in.substr(0, split))},
                                            {"Macros/VBA/Module1", std::string(in.substr(split))},
                                            {"Macros/PROJECT", std::string(in)}};
    office::analyse_vba(c, streams);
    office::analyse_biff_workbook(c, in);
    office::analyse_xlm_part(c, "xl/macrosheets/sheet1.xml", in, "");
    office::analyse_xlm_part(c, "xl/macrosheets/sheet1.bin", in, "hidden");
    office::analyse_slk(c, in);
    office::finish_xlm(c);
    sink += c.entry.dump().size();
    for (const auto& x : rep.findings) sink += x.detail.size();
    return sink == static_cast<std::size_t>(-1);
}
