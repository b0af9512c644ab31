// SPDX-License-Identifier: Apache-2.0
// mime/magic.hpp - libmagic for every caller: one handle a thread, flags switched per call
//
// DESCRIPTION
//   The parser asks libmagic for an attachment's MIME type and its description, and
//   attach/ for the type of an archive member: three questions that used to be three
//   handles a thread. Each handle compiles its text rules' regexes on first use
//   (libmagic 5.44: ~20 M instructions a handle, paid again by every worker
//   thread). One handle with magic_setflags() between the questions compiles
//   once: the same answers (every corpus attachment), a one-file scan ~81 M ->
//   ~62 M instructions in libmagic (bench/README.md, "Start-up"). The compiled
//   database (/usr/lib/file/magic.mgc, 8 MB, counted in RSS once a mapping) is
//   mapped once for the process and every handle loads from that mapping
//   (magic.cpp says why that is safe).
//
//   magic_sniff() asks both questions for about the price of one when the bytes
//   are plain text. There libmagic runs every one of its ~400 text rules (search/
//   regex over the first kilobytes) and none matches: 7.7 M instructions for a
//   1.3 KB spec file, ~3.4 M for 300 bytes, in each of the two calls
//   (callgrind, libmagic 5.44); with MAGIC_NO_CHECK_SOFT the same call is ~0.1 M.
//   Such attachments (.txt, .csv, logs, patches) were the costliest messages of
//   the corpus, ~15 M instructions each, i.e. the milter's p99 analysis time. So
//   the description is asked first, in full; when it is exactly what libmagic
//   says of the bytes without its rules (MAGIC_NO_CHECK_SOFT), no rule matched,
//   and the MIME type is asked without the rules too. That is the same answer
//   because in libmagic's rule files every `!:mime` belongs to a rule with a
//   description (checked over magic/Magdir of file 5.44 and of its tip,
//   2026-12-06): a rule that would give a type prints a description too, so
//   none matched. Every corpus attachment still gets the full answers
//   (tests/unit/mime/magic_test.cpp), and texts in many encodings and kinds
//   with and without rules that match (same file).
// LIMITS
//   Per thread (magic_t is not thread-safe). "" when libmagic or its database is
//   missing, or it fails on the bytes.
#pragma once

#include <string>
#include <string_view>

namespace replyguard::mime {

/// libmagic's MIME type of `data` ("type/subtype", MAGIC_MIME_TYPE).
std::string magic_type(std::string_view data);
/// Both answers.
struct magic_answer {
    std::string type;   ///< as magic_type()
    std::string label;  ///< libmagic's description ("Microsoft Excel 2007+")
};
/// magic_type() of `data` and libmagic's description of it, the type asked without
/// libmagic's rules when the description shows that none matched (see above).
magic_answer magic_sniff(std::string_view data);

}  // namespace replyguard::mime
