// SPDX-License-Identifier: Apache-2.0
// campaign/cluster.hpp - detections grouped into campaigns
//
// DESCRIPTION
//   Detections are linked, within `window_days` of each other, in two phases.
//   1. Payload families: the same attachment sha256 or archive member sha256;
//      similar macro code (VBA fingerprints, detections.hpp macro_fingerprint,
//      Jaccard >= `macro_similarity`: the same macro with renamed variables or
//      a changed URL list still shares most lines); the host of a download
//      link named by the payload evidence (HIJACK_WITH_PAYLOAD) or of a link on
//      the IOC list (IOC_URL). Hosts of the rest of the body never link: in a
//      reply they are the quoted real conversation's. A host in more than half of all detections is
//      boilerplate; a host used by detections of more than 3 organisations
//      (impersonated, else sending) within one run is a shared platform;
//      neither links.
//   2. People and infrastructure: an impersonated identity (the person's
//      address from the findings' evidence: the thread participant, the
//      address written inside the display name, the known correspondent),
//      or, when a detection names no person, the imitated organisation
//      (LOOKALIKE_DOMAIN); the first external Received IP (unless shared by
//      more than 3 organisations within one run: a provider's relay). These
//      join detections to a family but never unite two families (of two or
//      more detections each): one person impersonated in two waves, or one
//      mail naming people of two waves, would chain a whole outbreak into
//      one campaign.
//   Linking is transitive (union-find): a campaign spreading over several
//   impersonated partners through one payload is one campaign, and activity
//   on a shared key with gaps under the window continues it.
//   Outbound-abuse events (OUTBOUND_ACCOUNT_ABUSE, from the milter) of one of
//   our accounts link like an impersonated person: the account is the key.
//   A detection an admin marked "genuine" (detection::feedback, a false
//   positive) is left out.
//   Organisations are registrable domains (libpsl, mime/domains.hpp);
//   free-mail domains are people, never organisations.
// LIMITS
//   Keys are indexed (each key's detections sorted by time, neighbours within
//   the window united): O(n log n) in the detections plus the macro part.
//   Macro fingerprints are compared once per distinct fingerprint: every pair
//   up to 512 distinct ones, MinHash LSH candidates above (a pair at Jaccard
//   0.5 is missed with probability 0.002, at 0.7 practically never). On the
//   development machine (bench/bench_cluster): 10k synthetic detections
//   ~0.2 s, 100k ~2.3 s; 100k all carrying varied macros ~9 s of CPU.
//   The report and the dashboard pass the retention's worth (default 100 000).
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
    std::string id;  ///< stable: "C-" + first 10 hex of sha256 over member keys
    std::int64_t first_seen = 0;
    std::int64_t last_seen = 0;
    std::size_t count = 0;
    std::string verdict;  ///< the worst verdict among its detections
    double max_score = 0.0;
    std::vector<identity> impersonated;      ///< people, most frequent first
    std::vector<std::string> organisations;  ///< registrable domains impersonated, most frequent first
    bool own_org_impersonated = false;
    /// Our own authenticated accounts seen sending it (the milter's
    /// OUTBOUND_ACCOUNT_ABUSE events: "our account is being abused").
    std::vector<std::string> abused_accounts;
    std::vector<std::string> senders;  ///< real From addresses, most frequent first
    std::vector<std::string> sender_domains;
    std::vector<std::string> relays;         ///< "ip (host)"
    std::vector<std::string> targets;        ///< recipients
    std::vector<std::string> payload_kinds;  ///< see payload_kinds_of()
    std::vector<std::string> attachment_names;
    std::vector<std::string> attachment_sha256;
    std::vector<std::string> url_hosts;    ///< hosts of payload links
    std::vector<std::string> subjects;     ///< up to 5 examples
    std::vector<std::string> finding_ids;  ///< most frequent first
    std::vector<std::string> groups;       ///< finding groups present
    std::vector<std::int64_t> detection_ids;
};

/// What a detection delivers, as short stable tags: "password_zip",
/// "macro_document", "download_link", "archive", "shortcut", "script",
/// "executable", "disk_image", "onenote", "document_remote_content", "document", "none".
std::vector<std::string> payload_kinds_of(const detection& d);

/// Group detections into campaigns, newest campaign first.
std::vector<campaign> cluster(const std::vector<detection>& ds, const cluster_options& opt = {});

}  // namespace replyguard::campaign
