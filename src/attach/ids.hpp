// SPDX-License-Identifier: Apache-2.0
// attach/ids.hpp - the ids of the attachment findings other modules test for
//
// DESCRIPTION
//   A module that tests for a finding another module emits names the id
//   through the emitter's constant (scan/ppap.cpp, detect/macro_in_reply.cpp,
//   campaign/), never as a bare string, so a renamed or removed id fails to
//   compile instead of silently never matching. Each constant is spelt as its
//   id (grep finds the declaration and every use); the symbol tables in
//   archive.cpp, office.cpp, dangerous.cpp and ioc.cpp declare them with these
//   constants. Add an id here when a module outside attach/ needs it.
#pragma once

#include <string_view>

namespace replyguard::attach::ids {

// archive.cpp
inline constexpr std::string_view ARCHIVE_ENCRYPTED = "ARCHIVE_ENCRYPTED";
inline constexpr std::string_view ARCHIVE_PASSWORD_FROM_BODY = "ARCHIVE_PASSWORD_FROM_BODY";
inline constexpr std::string_view ARCHIVE_PASSWORD_FROM_THREAD = "ARCHIVE_PASSWORD_FROM_THREAD";
inline constexpr std::string_view ARCHIVE_PASSWORD_UNKNOWN = "ARCHIVE_PASSWORD_UNKNOWN";
// office.cpp
inline constexpr std::string_view OFFICE_VBA_MACRO = "OFFICE_VBA_MACRO";
inline constexpr std::string_view OFFICE_XLM_MACRO = "OFFICE_XLM_MACRO";
inline constexpr std::string_view OFFICE_ENCRYPTED = "OFFICE_ENCRYPTED";
inline constexpr std::string_view OFFICE_EXTERNAL_TEMPLATE = "OFFICE_EXTERNAL_TEMPLATE";
inline constexpr std::string_view OFFICE_DDE = "OFFICE_DDE";
inline constexpr std::string_view OFFICE_EXTERNAL_OLE_LINK = "OFFICE_EXTERNAL_OLE_LINK";
// dangerous.cpp
inline constexpr std::string_view ATTACH_LNK = "ATTACH_LNK";
inline constexpr std::string_view ATTACH_SCRIPT = "ATTACH_SCRIPT";
inline constexpr std::string_view ATTACH_EXECUTABLE = "ATTACH_EXECUTABLE";
inline constexpr std::string_view ATTACH_CHM = "ATTACH_CHM";
inline constexpr std::string_view ATTACH_DISK_IMAGE = "ATTACH_DISK_IMAGE";
inline constexpr std::string_view ATTACH_ONENOTE = "ATTACH_ONENOTE";
inline constexpr std::string_view ATTACH_ONENOTE_EMBEDDED = "ATTACH_ONENOTE_EMBEDDED";
inline constexpr std::string_view ATTACH_HTML_SMUGGLING = "ATTACH_HTML_SMUGGLING";
inline constexpr std::string_view ATTACH_HTML = "ATTACH_HTML";
// ioc.cpp
inline constexpr std::string_view IOC_URL = "IOC_URL";

}  // namespace replyguard::attach::ids
