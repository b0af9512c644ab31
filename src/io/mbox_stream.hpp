// SPDX-License-Identifier: Apache-2.0
// io/mbox_stream.hpp - the messages of an mbox read from a stream, one at a time
//
// DESCRIPTION
//   `learn` of a large mbox (a decade of an organisation's mail, or a generator
//   piping into `learn -`) must not hold the mbox in memory. mbox_stream reads a
//   window of the stream, splits it with io::split_mbox (the same rules as a
//   whole file: "From " envelope lines, a Content-Length that lands on the next
//   envelope line or the end), hands out the messages whose end is settled, drops
//   them from the window and reads on.
// LIMITS
//   Memory: the window, from the first message not yet settled to the end of the
//   last chunk read. A message settles once no later byte can move its end (its
//   next envelope line, and its Content-Length's landing place, are in the
//   window), or once k_mbox_read_ahead bytes past it are (a Content-Length that
//   never lands): the window holds that message and at most a chunk past its end,
//   or the read-ahead past it for such a Content-Length (a message with no
//   envelope line after it within message_bytes + the read-ahead ends there,
//   truncated); for ordinary mail about one chunk.
//   Work: each chunk read splits the window only up to the first message that
//   cannot settle yet, so a byte is split about once, not once a chunk.
//   A Content-Length that lands more than k_mbox_read_ahead past the envelope line
//   that would otherwise end the message is honoured only at the end of the stream
//   (elsewhere such a message splits at its "From " lines, where the whole-file
//   reader would have honoured it).
// DIAGNOSTICS
//   A read error ends the stream; error() says what it was.
#pragma once

#include "io/input.hpp"

#include <cstddef>
#include <deque>
#include <istream>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace replyguard::io {

inline constexpr std::size_t k_mbox_chunk = 1u << 20;
inline constexpr std::size_t k_mbox_read_ahead = 4u << 20;

class mbox_stream {
public:
    /// `in` must outlive the reader. `max_bytes`: the per-message limit (0: none; then a
    /// message without a following envelope line is bounded by the read-ahead only).
    /// `prefix`: bytes of the stream already read (they come first).
    mbox_stream(std::istream& in, std::size_t max_bytes, std::string prefix = {});

    /// The next message without its envelope line, or nothing at the end.
    std::optional<std::string> next();
    /// The next message's place in the stream, (offset, length), its bytes not copied:
    /// for a reader that reads them again later (scan's listing, io::expand_inputs).
    /// A stream is read with next() or with next_range() / next_piece(), not both.
    std::optional<std::pair<std::size_t, std::size_t>> next_range();
    /// next_range() with the bytes of a message shorter than `keep_below` copied out of
    /// the window (empty for a longer one): scan's listing hands a small message to its
    /// worker whole, so the worker need not open the file and read the range again.
    struct piece {
        std::size_t offset = 0;
        std::size_t length = 0;
        std::string bytes;  ///< the message, when shorter than keep_below; else empty
    };
    std::optional<piece> next_piece(std::size_t keep_below);
    /// Where the message next(), next_range() or next_piece() returned last starts in the stream (after its envelope line).
    std::size_t offset() const { return offset_; }
    /// How many messages next(), next_range() and next_piece() returned.
    std::size_t count() const { return count_; }
    /// Set when reading failed (the stream ended early).
    const std::optional<std::string>& error() const { return error_; }

private:
    bool fill();                                    ///< read one chunk into the window; false at the end
    void settle();                                  ///< move the messages whose end is settled to ready_
    void drop(std::size_t n);                       ///< drop the first n bytes of the window
    void take(std::size_t start, std::size_t len);  ///< settle the message at buf_[start], len bytes

    std::istream& in_;
    std::size_t max_bytes_;
    std::string buf_;       ///< the window: from the envelope line of the first unsettled message
    std::size_t base_ = 0;  ///< stream offset of buf_[0]
    struct settled {
        std::size_t offset;  ///< in the stream; the bytes are still in buf_ until ready_ is empty
        std::size_t length;  ///< at most max_bytes_
    };
    std::deque<settled> ready_;  ///< settled messages not yet handed out
    /// Bytes at the window's front that settle() is done with, dropped once ready_ is
    /// handed out (the settled messages are copied out of the window then).
    std::size_t drop_later_ = 0;
    std::size_t offset_ = 0;
    bool eof_ = false;
    bool skipping_ = false;  ///< after a truncated message: drop bytes up to the next envelope line
    std::size_t count_ = 0;
    std::optional<std::string> error_;
};

/// A PATH argument opened as a streamed mbox.
struct mbox_source {
    std::unique_ptr<std::istream> file;  ///< the open file or FIFO (null for standard input)
    std::unique_ptr<mbox_stream> reader;
    std::string source;  ///< as the PATH was given; messages are "SOURCE#N" (N from 0)
};

/// PATH as a streamed mbox: "-" (standard input), a FIFO, or a regular file that
/// starts with an envelope line or is named *.mbox* / *.mbx*, when its first
/// k_mbox_read_ahead bytes make it an mbox (io::looks_like_mbox). Otherwise nothing:
/// a file is then for expand_inputs; "-" or a FIFO, which cannot be read twice,
/// become one item in `rest`, as expand_inputs makes it (bounded by opt.max_bytes).
std::optional<mbox_source> open_mbox_stream(const std::string& path, const input_options& opt,
                                            std::vector<input_item>& rest);

/// The rest of the regular file `path` as a streamed mbox, when its first bytes `head` have
/// been read and found to make an mbox (io::read_until_mbox_decided, as expand_inputs
/// decides): the file is opened again at head.size(), so nothing is read or decided
/// twice. Nothing when it cannot be opened again (expand_inputs then lists it as one
/// message, whose load() says why it cannot be read).
std::optional<mbox_source> resume_mbox_stream(const std::string& path, std::string head, const input_options& opt);

}  // namespace replyguard::io
