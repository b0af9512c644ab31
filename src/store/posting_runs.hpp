// SPDX-License-Identifier: Apache-2.0
// store/posting_runs.hpp - a write batch's fingerprint postings in bounded memory
//
// DESCRIPTION
//   The SQLite history inserts a batch's (hash, message id) postings at its
//   commit in key order: each commit writes about every leaf page of
//   fp_postings, so fewer, larger batches write less (learn's batches are
//   10,000 messages: 480,000 postings, 7.7 MB as pairs, 12 MB while their
//   vector doubled; a learn's peak memory grew with its input up to that).
//   posting_runs holds at most `run` postings in memory: past that they are
//   sorted, de-duplicated and appended to an unlinked temporary file as one
//   run; drain() merges the runs and what is in memory (k-way, `read`
//   postings of each run at a time) into one ascending, de-duplicated stream,
//   handed on in chunks. Memory: `run` + (runs + 1) * `read` postings, whatever
//   the batch's size; the file is written and read once, sequentially.
//   Order: std::pair's, the hash as a signed 64-bit value first.
// LIMITS
//   The file is made in $TMPDIR (else /tmp) and unlinked at once. When it
//   cannot be made or written, the postings stay in memory (the batch is not
//   failed for it: memory grows as it did before); a read of it failing in
//   drain() is an error (the batch is then rolled back).
#pragma once

#include "core/result.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <utility>
#include <vector>

namespace replyguard::store {

using posting = std::pair<std::int64_t, std::int64_t>;  ///< (hash, message id)

class posting_runs {
public:
    static constexpr std::size_t k_run = std::size_t{1} << 16;  ///< postings in memory: 1 MiB
    static constexpr std::size_t k_read = 4096;                 ///< postings read of a run at a time: 64 KiB

    explicit posting_runs(std::size_t run = k_run, std::size_t read = k_read);
    ~posting_runs();
    posting_runs(const posting_runs&) = delete;
    posting_runs& operator=(const posting_runs&) = delete;

    void add(posting p);
    bool empty() const { return mem_.empty() && runs_.empty(); }
    /// Postings added since the last drain() or clear() (duplicates counted).
    std::size_t size() const { return added_; }
    /// Bytes of memory held (the in-memory part's capacity).
    std::size_t memory_bytes() const { return mem_.capacity() * sizeof(posting); }
    /// Runs written to the file since the last drain() or clear().
    std::size_t runs() const { return runs_.size(); }

    /// Hands every posting, ascending and without duplicates, to `sink` in chunks of
    /// at most max(read, in-memory part) postings; then empties. Stops at the first
    /// error (of `sink` or of reading the file) and empties all the same.
    using sink_fn = std::function<result<void>(std::span<const posting>)>;
    result<void> drain(const sink_fn& sink);
    /// Drops everything added (a rolled-back batch).
    void clear();

private:
    void spill();

    struct run_span {
        std::uint64_t offset;  ///< in postings
        std::uint64_t count;
    };
    std::size_t run_;
    std::size_t read_;
    std::vector<posting> mem_;
    std::vector<run_span> runs_;
    std::uint64_t file_end_ = 0;  ///< postings written to the file (its end)
    std::size_t added_ = 0;
    int fd_ = -1;
    bool no_file_ = false;  ///< the file could not be made or written: memory only
};

}  // namespace replyguard::store
