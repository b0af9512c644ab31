// SPDX-License-Identifier: Apache-2.0
// campaign/cluster.hpp - detections grouped into campaigns
//
// DESCRIPTION
//   Two detections belong to one campaign when, within `window_days` of each
//   other, they share one of:
//     - an impersonated identity (the person's address from the findings'
//       evidence: the thread participant, the address written inside the
//       display name, the known correspondent), or, when a detection names
//       no person, the imitated organisation (LOOKALIKE_DOMAIN);
//     - a payload: an attachment's sha256, an archive member's sha256, or
//       the host of a link, for detections with payload findings (a link
//       host seen in more than half of all detections is boilerplate and
//       never links);
//     - macro code: VBA fingerprints (detections.hpp macro_fingerprint) with
//       a Jaccard similarity of at least `macro_similarity` (the same macro
//       with renamed variables or a changed URL list still shares most lines);
//     - the sending infrastructure: the first external Received IP.
//   Linking is transitive (union-find), so a campaign spreading over several
//   impersonated partners through one payload is one campaign.
//   Organisations are registrable domains (libpsl, history/domains.hpp);
//   free-mail domains are people, never organisations.
// LIMITS
//   O(n^2) over the detections given; the report and the dashboard pass at
//   most the retention's worth (default 100 000) - fine for one site.
#pragma once

#include "campaign/detections.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace replyguard::campaign {

struct cluster_options {
    int window_days = 14;
    std::vector<std::string> org_domains;  ///< our organisation (config [org] domains), registrable
    double macro_similarity = 0.5;         ///< Jaccard threshold over macro line hashes
};

/// Jaccard similarity of two sorted fingerprints (0 when either has fewer than 5 lines).
double macro_similarity(const std::vector<std::uint64_t>& a, const std::vector<std::uint64_t>& b);

struct campaign {
    std::string id;                       ///< stable: "C-" + first 10 hex of sha256 over member keys
    std::int64_t first_seen = 0;
    std::int64_t last_seen = 0;
    std::size_t count = 0;
    std::string verdict;                  ///< the worst verdict among its detections
    double max_score = 0.0;
    std::vector<identity> impersonated;   ///< people, most frequent first
    std::vector<std::string> organisations;  ///< registrable domains impersonated, most frequent first
    bool own_org_impersonated = false;
    std::vector<std::string> senders;     ///< real From addresses, most frequent first
    std::vector<std::string> sender_domains;
    std::vector<std::string> relays;      ///< "ip (host)"
    std::vector<std::string> targets;     ///< recipients
    std::vector<std::string> payload_kinds;  ///< see payload_kinds_of()
    std::vector<std::string> attachment_names;
    std::vector<std::string> attachment_sha256;
    std::vector<std::string> url_hosts;   ///< hosts of payload links
    std::vector<std::string> subjects;    ///< up to 5 examples
    std::vector<std::string> finding_ids; ///< most frequent first
    std::vector<std::string> groups;      ///< finding groups present
    std::vector<std::int64_t> detection_ids;
};

/// What a detection delivers, as short stable tags: "password_zip",
/// "macro_document", "download_link", "archive", "shortcut", "script",
/// "executable", "disk_image", "onenote", "document_remote_content", "document", "none".
std::vector<std::string> payload_kinds_of(const detection& d);

/// Group detections into campaigns, newest campaign first.
std::vector<campaign> cluster(const std::vector<detection>& ds, const cluster_options& opt = {});

}  // namespace replyguard::campaign
