// SPDX-License-Identifier: Apache-2.0
// campaign/detections.hpp - the detections store: every non-clean scan, kept for campaigns
//
// DESCRIPTION
//   A narrow interface, separate from the history (store/history.hpp): the
//   history is what the organisation's *own* mail teaches; detections are what
//   replyguard flagged. For every suspicious or malicious scan result a
//   `detection` keeps the key facts a campaign table needs: when, message
//   key facts (Message-ID, From name/address, registrable domain, subject,
//   recipients, verdict, score), findings (id, group, score, detail,
//   evidence), attachments (name, type, kind, sha256, inner-archive member
//   hashes, a fingerprint of VBA macro code), URL hosts, and the sending infrastructure (first external
//   Received hop), plus the impersonated identity read from the findings'
//   evidence. The full JSON record (output/record.hpp) is kept too, so the
//   dashboard can show the message view, and the raw message up to
//   limits.kept_raw_bytes (its own column; raw()), so an admin's "genuine"
//   can learn it into the history (apps/cli/serve_feedback.cpp).
//
//   Backends: SQLite (sqlite_detections.cpp; table `detections` inside the
//   history file, so one --db FILE holds both), memory (tests).
//   A detection is keyed by its message key (Message-ID, or "hdr:<sha256>" of
//   the header block): scanning the same message again changes nothing.
// LIMITS
//   retention: detections older than `days` are dropped, then the oldest
//   beyond `max_count`; prune() applies it (put() calls it every 256 puts).
//   A raw copy only up to limits.kept_raw_bytes (512 KiB by default).
#pragma once

#include "core/result.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace replyguard {
struct config;
}
namespace replyguard::scan {
struct scan_result;
}

namespace replyguard::campaign {

struct detection_finding {
    std::string id;
    std::string group;
    double score = 0.0;
    std::string detail;
    nlohmann::json evidence;  ///< as the detector gave it (null when none)
};

struct detection_attachment {
    std::string name;
    std::string type;  ///< sniffed, else declared
    std::string kind;  ///< our classification ("zip", "ole2", ...)
    std::string sha256;
    std::uint64_t size = 0;
    std::vector<std::string> member_sha256;  ///< files inside an archive, when analysed
    std::vector<std::string> member_names;
    /// Fingerprint of the VBA source of an Office document (in it or inside the
    /// archive): sorted unique hashes of its normalised code lines; empty: no macros.
    std::vector<std::uint64_t> macro_fp;
};

/// Someone the mail pretends to be (from the findings' evidence).
struct identity {
    std::string name;
    std::string address;  ///< address key ("" when only a name is known)
    std::string domain;   ///< registrable domain of `address`
    bool operator==(const identity&) const = default;
};

struct detection {
    std::int64_t id = 0;    ///< store row id (0 until stored)
    std::int64_t time = 0;  ///< when it was scanned (seconds since the epoch)
    std::int64_t date = 0;  ///< the message's Date:, 0 when unknown
    std::string key;        ///< message key (Message-ID or "hdr:<sha256>")
    std::string source;
    std::string message_id;
    std::string from_name;
    std::string from_address;
    std::string from_domain;  ///< registrable domain of from_address
    std::string subject;
    std::vector<std::string> recipients;  ///< To + Cc address keys
    std::string verdict;                  ///< "suspicious" | "malicious"
    double score = 0.0;
    std::vector<detection_finding> findings;
    std::vector<detection_attachment> attachments;
    std::vector<std::string> urls;       ///< unique, as found
    std::vector<std::string> url_hosts;  ///< unique, lower-case
    std::string relay_ip;                ///< first external Received hop (see make_detection)
    std::string relay_host;
    std::vector<identity> impersonated;  ///< unique by address (or name)
    nlohmann::json record;               ///< output::to_json of the scan result
    /// An admin's word on it (set_feedback): "" none, "genuine" (a false
    /// positive: left out of campaigns) or "hijack" (confirmed).
    std::string feedback;
    std::int64_t feedback_time = 0;  ///< when the feedback was given
    /// The raw message, kept so an admin's "genuine" can learn it into the
    /// history; only when at most limits.kept_raw_bytes (else empty). Stored in
    /// its own column, not in the JSON: list() and get() leave it empty, raw() reads it.
    std::string raw;
    bool raw_kept = false;        ///< `raw` was stored (JSON "raw_kept")
    std::uint64_t raw_bytes = 0;  ///< the message's size (JSON "raw_bytes"; 0 unknown)

    /// The time a campaign uses: the Date: header when known and not later
    /// than a day after the scan (a forged Date in 2099 must not sort first),
    /// else `time`.
    std::int64_t when() const { return date && (!time || date <= time + k_date_slack_s) ? date : time; }
    /// How far a Date: may lie after the scan time before it is not believed.
    static constexpr std::int64_t k_date_slack_s = 86400;
    bool has_group(std::string_view g) const;
};

/// Sorted unique 64-bit hashes of the code lines of VBA source, normalised
/// (ASCII lower-case, runs of blanks as one space, trimmed); comment lines,
/// `Attribute VB_...` boilerplate and lines under 8 characters are skipped.
/// At most 4096 hashes.
std::vector<std::uint64_t> macro_fingerprint(std::string_view vba_source);

/// Facts of a scan result for the store. `now` is the scan time. Bounded by
/// bound_detection(cfg.lim.kept_detection_bytes).
/// `raw`: the message's bytes when the front-end has them; kept when at most
/// cfg.lim.kept_raw_bytes.
detection make_detection(const scan::scan_result& r, std::int64_t now, const config& cfg, std::string_view raw = {});

/// Keep one detection within about `max_bytes` (limits::kept_detection_bytes; 0:
/// no bound): long lists cut to their first 200, bulky evidence and record parts
/// replaced by {"truncated": true, "bytes": N}, the record marked
/// "evidence_truncated". Five nested-archive mails once made a 137 MB store.
/// Returns true when something was cut.
bool bound_detection(detection& d, std::size_t max_bytes);

/// Whether a scan result is kept (not clean, and analysed at all).
bool worth_keeping(const scan::scan_result& r);

nlohmann::json to_json(const detection& d);
detection detection_from_json(const nlohmann::json& j);

struct retention {
    int days = 180;                     ///< 0: no age limit
    std::uint64_t max_count = 100'000;  ///< 0: no count limit
};

struct detection_query {
    std::int64_t since = 0;  ///< by when(), inclusive; 0: no bound
    std::int64_t until = 0;  ///< exclusive; 0: no bound
    std::size_t limit = 0;   ///< 0: all
};

class detection_store {
public:
    virtual ~detection_store() = default;
    /// Keep one detection. Returns its id, or 0 when its key is already stored.
    virtual result<std::int64_t> put(const detection& d) = 0;
    /// Detections ordered by when(), newest first.
    virtual result<std::vector<detection>> list(const detection_query& q = {}) = 0;
    virtual result<std::optional<detection>> get(std::int64_t id) = 0;
    virtual result<std::uint64_t> count() = 0;
    /// Apply the retention limits as of `now`; returns how many were dropped.
    virtual result<std::uint64_t> prune(std::int64_t now) = 0;
    /// Record an admin's feedback ("genuine", "hijack", or "" to clear) on
    /// detection `id` at `now`. Returns false when there is no such detection.
    virtual result<bool> set_feedback(std::int64_t id, std::string_view feedback, std::int64_t now) = 0;
    /// The raw message kept with detection `id`; nullopt when none was kept
    /// (too large, kept before raw copies existed, or no such detection).
    virtual result<std::optional<std::string>> raw(std::int64_t id) = 0;
};

/// SQLite detections in `path` (the history file). read_only on a missing
/// file or a file without the table is an empty store; read_write creates it.
result<std::unique_ptr<detection_store>> open_detections(const std::string& path, bool read_write, retention keep = {});

std::unique_ptr<detection_store> make_memory_detections(retention keep = {});

}  // namespace replyguard::campaign
