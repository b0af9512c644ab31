// SPDX-License-Identifier: Apache-2.0
// history/learner.hpp - teach the history one message at a time
//
// DESCRIPTION
//   learn_message() records one parsed message: the message (keyed by
//   Message-ID, or a hash of the raw headers), its thread (joined by
//   In-Reply-To/References, else by subject key + overlapping participants
//   for reply/forward subjects without those headers), the thread's
//   participants, every correspondent (display names, first/last seen, count,
//   which addresses they wrote to), the name -> address index (the
//   name as written and with its parts reversed: "Yamada Taro" ==
//   "Taro Yamada"), the registrable domains seen, and fingerprints of the new
//   text (history/fingerprint.hpp). Direction: From in one of our
//   organisation's registrable domains (options + those stored), or one of
//   learn_options::own_addresses = sent.
//   Relearning a message changes nothing.
//
//   learn_session groups messages in batches (one transaction per
//   `batch_size` messages, or fewer once the store holds `batch_bytes` of the
//   batch in memory: store::history::batch_bytes) so a large import is fast and
//   its memory bounded; a crash loses at most the open batch and leaves the
//   store consistent.
#pragma once

#include "core/result.hpp"
#include "mime/message.hpp"
#include "store/history.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace replyguard::history {

struct learn_options {
    std::vector<std::string> org_domains;  ///< --org-domain values (any host; compared by registrable domain)
    /// Exact addresses (lower-case) whose mail is sent mail whatever their domain:
    /// the owners of Outlook data files being learnt (io::owner_addresses).
    std::vector<std::string> own_addresses{};
};

struct learn_stats {
    std::uint64_t learnt = 0;         ///< new messages stored
    std::uint64_t already_known = 0;  ///< keys already stored: nothing changed
    std::uint64_t sent = 0;
    std::uint64_t received = 0;
    std::uint64_t new_threads = 0;
    learn_stats& operator+=(const learn_stats& o);
};

/// What of learning a message needs no store, computed before it (and on any
/// thread: `learn --jobs` does it on its parse threads, while one thread writes).
struct learn_precomputed {
    std::vector<std::uint64_t> fingerprints;  ///< text_fingerprints(m.new_text, k_stored_fingerprints)
};
/// The store-free part of learning `m`.
learn_precomputed precompute_learn(const mime::message& m);

/// Learn one message (one transaction, or one savepoint inside an open batch).
/// `pre`: precompute_learn(m), when the caller has it; null: computed here.
result<learn_stats> learn_message(store::history& h, const mime::message& m, const learn_options& o,
                                  const learn_precomputed* pre = nullptr);

/// Build what learn_message() stores, without storing it (for tests and dry runs).
result<store::learnt_message> prepare_learn(store::history& h, const mime::message& m, const learn_options& o,
                                            bool* new_thread = nullptr, const learn_precomputed* pre = nullptr);

/// The name keys a display name is indexed under: as written, and with its parts reversed.
std::vector<std::string> name_keys_for(const mime::mailbox& mb);

/// Batching for large imports: add() each message, finish() at the end.
class learn_session {
public:
    /// A batch is committed after `batch_size` messages, or sooner once the store says
    /// it holds `batch_bytes` for it (0: no bound but the count).
    learn_session(store::history& h, learn_options o, std::size_t batch_size = 500, std::size_t batch_bytes = 0);
    ~learn_session();  ///< an unfinished batch is rolled back
    learn_session(const learn_session&) = delete;
    learn_session& operator=(const learn_session&) = delete;

    result<learn_stats> add(const mime::message& m, const learn_precomputed* pre = nullptr);
    /// Commit the open batch. Returns the totals.
    result<learn_stats> finish();
    const learn_stats& totals() const { return totals_; }

private:
    store::history& h_;
    learn_options opt_;
    std::size_t batch_size_;
    std::size_t batch_bytes_;
    std::size_t in_batch_ = 0;
    bool open_ = false;
    learn_stats totals_;
};

}  // namespace replyguard::history
