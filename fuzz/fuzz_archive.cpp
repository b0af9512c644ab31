// SPDX-License-Identifier: Apache-2.0
// fuzz/fuzz_archive.cpp - libFuzzer target: attachment analysis of arbitrary bytes
//
// DESCRIPTION
//   The input becomes one attachment of a message whose body names a few
//   passwords, and goes through attach::analyse: sniffing, the archive reader
//   (every libarchive format we enable, encrypted members, nesting), the
//   dangerous-type checks (PE/LNK/OneNote/PDF parsing) and the Office entry
//   point. The first input byte picks the attachment name, so name-based paths
//   (scripts, double extensions) are reached too. Limits are lowered so that a
//   run spends its time on structure rather than on decompressing.
#include "attach/report.hpp"
#include "mime/message.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static constexpr std::array<const char*, 8> k_names{"a.zip",   "invoice.pdf.exe", "run.js",   "page.html",
                                                        "doc.pdf", "notes.one",       "x.tar.gz", ""};
    replyguard::mime::message msg;
    msg.new_text = "パスワード：infected\nPW: sa\npassword is 1234\n";
    msg.body_text = msg.new_text;
    replyguard::mime::attachment a;
    a.filename = size ? k_names[data[0] % k_names.size()] : "";
    a.declared_type = "application/octet-stream";
    a.data.assign(reinterpret_cast<const char*>(data), size);
    a.size = size;
    msg.attachments.push_back(std::move(a));

    replyguard::attach::analysis_options opt;
    opt.lim.archive_bytes = 8u << 20;
    opt.lim.archive_entry_bytes = 2u << 20;
    opt.lim.archive_entries = 200;
    opt.lim.passwords_tried = 4;
    auto reps = replyguard::attach::analyse(msg, opt);
    std::size_t sink = 0;
    for (const auto& r : reps) {
        sink += r.details.dump().size();  // every string in the details must be valid UTF-8
        for (const auto& f : r.findings) sink += f.id.size() + f.evidence.dump().size();
    }
    return sink == static_cast<std::size_t>(-1);
}
