// SPDX-License-Identifier: Apache-2.0
// mime/magic.hpp - libmagic for every caller: one handle a thread, flags switched per call
//
// DESCRIPTION
//   The parser asks libmagic for an attachment's MIME type and its description, and
//   attach/ for the type of an archive member: three questions that used to be three
//   handles a thread. Each handle maps the compiled database (/usr/lib/file/magic.mgc,
//   8 MB: counted in RSS once a mapping) and compiles its text rules' regexes on
//   first use (libmagic 5.44: ~20 M instructions a handle, paid again by every
//   worker thread). One handle with magic_setflags() between the questions compiles
//   and maps once: the same answers (every corpus attachment), a one-file scan
//   ~81 M -> ~62 M instructions in libmagic (bench/README.md, "Start-up").
// LIMITS
//   Per thread (magic_t is not thread-safe). "" when libmagic or its database is
//   missing, or it fails on the bytes.
#pragma once

#include <string>
#include <string_view>

namespace replyguard::mime {

/// libmagic's MIME type of `data` ("type/subtype", MAGIC_MIME_TYPE).
std::string magic_type(std::string_view data);
/// libmagic's description of `data` ("Microsoft Excel 2007+").
std::string magic_label(std::string_view data);

}  // namespace replyguard::mime
