// SPDX-License-Identifier: Apache-2.0
// scan/gather.hpp - ask the history everything the detectors need of one message, once
//
// DESCRIPTION
//   Called by scan::engine before the detectors run (and not again when a
//   message is re-analysed with PPAP passwords). Fills history::view
//   (history/view.hpp) from at most three batched store reads
//   (store::history::read): each is one pipeline, so one round trip, on
//   Redis; the embedded backends answer item by item.
//     round 1  the sender's record, its domain, the display-name index, our
//              domains, counts, the referenced messages, the subject index,
//              the quoted text's fingerprints
//     round 2  the messages those fingerprints point to, the records of the
//              name's addresses, every thread found so far
//   and, only when the lookalike check needs them, the known domains near the
//   sender's, from `domains` (history/domain_index.hpp: built from the store's
//   known_domains() once, not per message); without `domains`, every known
//   domain is read in round 2 (as the tests' reference path).
//     round 3  threads of quoted messages not fetched yet (only when needed)
//   The order and contents of view::threads are those of
//   history::find_threads() with its default options, and view::quote_sources
//   those of history::quoted_sources(), so the learner and the detectors agree.
// DIAGNOSTICS
//   Any store failure fails the whole gather (an error value); the engine then
//   marks scan_result::history unavailable and runs the detectors as without
//   a history.
#pragma once

#include "core/config.hpp"
#include "core/result.hpp"
#include "history/domain_index.hpp"
#include "history/view.hpp"
#include "mime/message.hpp"
#include "store/history.hpp"

namespace replyguard::scan {

result<history::view> gather_history(store::history& h, const mime::message& m, const config& cfg,
                                     history::domain_index_cache* domains = nullptr);

}  // namespace replyguard::scan
