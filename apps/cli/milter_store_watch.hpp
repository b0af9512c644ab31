// SPDX-License-Identifier: Apache-2.0
// apps/cli/milter_store_watch.hpp - notice history store failures the detectors hide
//
// DESCRIPTION
//   Detectors treat a failed history lookup as "nothing known" (the scan goes
//   on); the milter must know, so it can apply default_action for a store
//   outage. watch_store() wraps the store: every call through it that fails
//   marks the calling thread (each analysis runs on its own thread), and
//   store_failed() reads that mark since the last store_watch_reset().
//   Temporary: once scan_result reports store failures itself (issue 10 item
//   1), this file goes and the milter reads the result instead. It is the only
//   place of the milter that knows about it.
#pragma once

#include "store/history.hpp"

#include <memory>

namespace replyguard::cli::milterd {

/// `h`, wrapped so that its failures mark the calling thread.
std::unique_ptr<store::history> watch_store(std::unique_ptr<store::history> h);

/// Forget this thread's mark (before an analysis or a lookup of our own).
void store_watch_reset();
/// Did a store call on this thread fail since the last reset?
bool store_failed();

}  // namespace replyguard::cli::milterd
