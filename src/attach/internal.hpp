// SPDX-License-Identifier: Apache-2.0
// attach/internal.hpp - glue between the attachment analysers (not a public contract)
//
// DESCRIPTION
//   analyse.cpp dispatches every file (an attachment, an archive member, a file
//   embedded in a OneNote section) to the analysers below; the archive reader
//   calls back into the dispatcher for its members. Each analyser writes
//   findings into the attachment_report of the top-level attachment, with the
//   member's path in the evidence, so one report explains the whole tree.
#pragma once

#include "attach/file.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace replyguard::attach {

/// MIME type of `data` by libmagic (one magic_t per thread); "" when unknown.
std::string sniff_type(std::string_view data);

/// Analyse one file and everything inside it. `record` (may be null) receives the
/// member's entry for the inner file list (type, sha256, analysers run, findings).
/// `declared` is the declared Content-Type of a top-level attachment ("" otherwise).
void analyse_file(const file_view& f, analysis_state& st, attachment_report& rep, nlohmann::json* record,
                  std::string_view declared = {});

/// Append a finding for `sym` to `rep`; `path` names the file inside the tree.
void emit(attachment_report& rep, const symbol_info& sym, std::string detail, nlohmann::json evidence,
          std::string_view path);

/// True for zip-based documents (OOXML, ODF, Visio, XPS, EPUB): documents for the
/// Office analysers, never unpacked member by member as an archive.
bool is_document_container(std::string_view sniffed, std::string_view data);

/// True for archive/container types the archive reader should open.
bool is_archive_type(std::string_view sniffed, std::string_view data);

/// Open an archive and analyse its members (archive.cpp). Returns false when
/// libarchive does not recognise `f` at all.
bool analyse_archive(const file_view& f, analysis_state& st, attachment_report& rep);

/// Dangerous-type checks by content and name (dangerous.cpp). `declared` is the
/// declared Content-Type for a top-level attachment ("" for members).
void check_dangerous(const file_view& f, std::string_view declared, analysis_state& st, attachment_report& rep);

/// Files a OneNote section embeds (FileDataStoreObject payloads), as views into `data`.
std::vector<std::string_view> onenote_embedded_files(std::string_view data);

/// Hash/domain lists and YARA over one file (ioc.cpp).
void check_iocs(const file_view& f, const std::string& sha256_hex, analysis_state& st, attachment_report& rep);

/// YARA over VBA source an Office analyser left in rep.details["vba_source"].
void check_vba_source(analysis_state& st, attachment_report& rep);

std::vector<symbol_info> archive_symbols();
std::vector<symbol_info> dangerous_symbols();
std::vector<symbol_info> ioc_symbols();

}  // namespace replyguard::attach
