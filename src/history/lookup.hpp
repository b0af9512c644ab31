// SPDX-License-Identifier: Apache-2.0
// history/lookup.hpp - which known threads and messages a message refers to
//
// DESCRIPTION
//   Used by the learner (to join a message to its thread). The detectors
//   read the same answers from the engine's gather (scan/gather.cpp), which
//   asks the store in batches and reproduces find_threads() and
//   quoted_sources() exactly (keep the two in step). A thread is found by
//   In-Reply-To/References (a stored message, or a thread rooted at that id
//   when a reply was learnt before its parent), else by subject key (reply or
//   forward subjects only), else by quoted content (fingerprints of the
//   quoted blocks). Thread ids are a hash of the root Message-ID, so threads
//   learnt out of order converge.
#pragma once

#include "core/result.hpp"
#include "mime/message.hpp"
#include "store/history.hpp"

#include <string>
#include <vector>

namespace replyguard::history {

/// The stable key of a message: its Message-ID, or "hdr:<sha256 hex>" of its raw header block.
std::string message_key(const mime::message& m);

/// Thread id for a root Message-ID (32 hex digits).
std::string thread_id_for(std::string_view root_id);

/// In-Reply-To and References ids, nearest parent first, unique.
std::vector<std::string> referenced_ids(const mime::message& m);

enum class found_by { in_reply_to, references, subject, quote };
const char* found_by_name(found_by f);

struct thread_ref {
    store::thread_info thread;
    found_by how = found_by::references;
    std::optional<store::message_record> via;  ///< the stored message that led there (header or quote)
    std::size_t matched_fingerprints = 0;      ///< for found_by::quote
};

struct lookup_options {
    bool by_subject = true;
    bool by_quote = true;
    std::size_t max_subject_threads = 20;
};

/// Known threads this message refers to, strongest evidence first, unique by id.
result<std::vector<thread_ref>> find_threads(store::history& h, const mime::message& m, const lookup_options& o = {});

/// Fingerprints of the quoted blocks of a message (all winnowed, not sampled).
std::vector<std::uint64_t> quoted_fingerprints(const mime::message& m);

/// Fingerprints stored for more than this many messages are formulaic (greetings,
/// closings, signatures) and not counted by quoted_sources: Japanese business mail
/// shares most of its words across unrelated threads.
inline constexpr std::size_t k_rare_fingerprint_df = 3;

/// Fewest rare fingerprints a quoted source must share with the quote.
inline constexpr std::size_t k_min_quote_matches = 4;

/// Stored messages that the quoted text of `m` copies: at least 4 rare stored
/// fingerprints (document frequency <= k_rare_fingerprint_df) matched and (a
/// quarter of the message's stored sample or 12).
result<std::vector<std::pair<store::message_record, std::size_t>>> quoted_sources(store::history& h,
                                                                                  const mime::message& m);

/// Is `address` (a key) a participant of the thread (exact address)?
bool is_participant(const store::thread_info& t, std::string_view address);

/// Does a participant share the sender's organisation (same non-free-mail registrable domain)?
const store::participant* same_org_participant(const store::thread_info& t, std::string_view address);

}  // namespace replyguard::history
