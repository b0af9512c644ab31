// SPDX-License-Identifier: Apache-2.0
// core/limits.hpp - every resource limit, named, with its default
//
// DESCRIPTION
//   In order to fend off denial of service, every descent into attacker-controlled
//   structure is bounded. Passing a limit stops that descent and records an
//   anomaly (id in parentheses) that detectors may score; it never fails the scan.
//   A limit that leaves part of a message unread is also recorded in the
//   message's budget (core/budget.hpp), which marks the result incomplete.
//   All limits can be set in the [limits] table of the configuration file.
#pragma once

#include <cstddef>
#include <cstdint>

namespace replyguard {

struct limits {
    std::size_t message_bytes = 64u << 20;          ///< larger input is truncated (MIME_TRUNCATED)
    std::size_t header_bytes = 1u << 20;            ///< total header block; beyond it only identity and
                                                    ///< structure fields are kept (HEADER_TOO_LONG)
    std::size_t header_field_bytes = 64u << 10;     ///< one header field; longer is cut (HEADER_FIELD_TOO_LONG)
    std::size_t mime_depth = 32;                    ///< multipart / message nesting (MIME_TOO_DEEP)
    std::size_t mime_parts = 1000;                  ///< leaf parts analysed (MIME_TOO_MANY_PARTS)
    std::size_t text_bytes = 4u << 20;              ///< decoded text kept per message (TEXT_TRUNCATED)
    std::size_t urls = 2000;                        ///< URLs collected per message (URLS_TRUNCATED)
    std::size_t archive_depth = 4;                  ///< nested archives (ARCHIVE_TOO_DEEP)
    std::size_t archive_entries = 2000;             ///< entries inspected per archive (ARCHIVE_TOO_MANY_ENTRIES)
    std::uint64_t archive_bytes = 256u << 20;       ///< total bytes decompressed per message (ARCHIVE_TOO_LARGE)
    std::uint64_t archive_entry_bytes = 64u << 20;  ///< one decompressed entry (ARCHIVE_ENTRY_TOO_LARGE)
    double archive_ratio = 200.0;                   ///< decompressed/compressed per entry (ARCHIVE_BOMB)
    std::size_t passwords_tried = 32;               ///< candidate passwords per archive
    std::uint32_t message_millis = 20000;           ///< wall time per message (parse included) before analysis
                                                    ///< stops (ANALYSIS_TIMEOUT; core/budget.hpp)
    std::size_t kept_detection_bytes = 64u << 10;   ///< one detection kept by --keep-detections: its
                                                    ///< evidence is cut beyond this (EVIDENCE_TRUNCATED)
    std::size_t kept_raw_bytes = 512u << 10;        ///< the raw message kept with a detection (so an admin's
                                                    ///< "genuine" can learn it); larger: no raw copy; 0: never
};

}  // namespace replyguard
