// SPDX-License-Identifier: Apache-2.0
// io/input.hpp - what the CLI's PATH arguments name, as a list of messages
//
// DESCRIPTION
//   A PATH is an .eml file, a folder (walked recursively in name order; a
//   Maildir's cur/ and new/ are read, tmp/ is not; hidden files are skipped),
//   an mbox file, or "-" for standard input. A file is an mbox when its name
//   contains ".mbox"/".mbx", or when it starts with a "From " line and holds
//   more than one message. mbox messages are split at "From " lines, honouring
//   a Content-Length header when it points exactly at the next "From " line or
//   the end (the Content-Length mbox variant).
//   Each message gets its `source`: the path as given, joined with the relative
//   path inside a given folder; "FILE#N" for the N-th message (from 0) of an mbox.
//
//   Outlook files are recognised by content, whatever their name: a PST/OST
//   ("!BDN") is listed folder by folder (outlook/pst.hpp), each mail item named
//   "FILE#FOLDER/PATH#N" (N from 0 within that folder; '/', '#' and '%' inside a
//   folder name are written %2F, %23, %25), and rebuilt as RFC 5322 when loaded.
//   A .msg (OLE2 with message properties) is rebuilt as RFC 5322 by load().
//   Inside a folder, symbolic links are not followed unless input_options::
//   follow_symlinks (then a directory already on the walk, by device and inode,
//   is not entered twice: `ln -s . loop` ends); FIFOs, sockets and devices
//   become items with `error` set (never opened: a FIFO would block the scan).
//   A PATH argument that is itself a FIFO (`scan <(cmd)`) is read as a stream.
// LIMITS
//   input_options::max_bytes per message: standard input and FIFOs are read in
//   chunks and stop there (the rest is drained, not kept); a larger file (also
//   a sparse one) is read only that far. The item then has `full_size` set and
//   the front-end says so in its record. 0: no limit.
// DIAGNOSTICS
//   A path that cannot be read becomes one item with `error` set; the walk goes on.
//   A damaged PST/OST yields the items that could be read plus one item with
//   `error` per folder or item that could not ("FILE#FOLDER: ...").
#pragma once

#include "core/result.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace replyguard::io {

/// One message to read. Bytes are loaded lazily (load()), so a large folder is
/// not held in memory.
struct input_item {
    std::string source;
    std::string path;        ///< file to read ("-" for stdin)
    std::size_t offset = 0;  ///< byte range inside the file (mbox)
    std::size_t length = 0;  ///< 0 with whole_file
    bool whole_file = true;
    std::optional<std::string> error;           ///< set when the path itself could not be read
    std::shared_ptr<const std::string> buffer;  ///< preloaded bytes (stdin, mbox file)
    /// Messages that are not byte ranges of a file (PST/OST items): makes the bytes.
    std::function<result<std::string>()> produce;
    /// The owner's addresses of the Outlook data file this item comes from (shared by its items).
    std::shared_ptr<const std::vector<std::string>> owners;
    /// Only the first `max_bytes` are loaded (0: all).
    std::size_t max_bytes = 0;
    /// The file's size when it was listed (whole files; 0: unknown): load() then reads
    /// it with one read(2) and no size query.
    std::uint64_t size_hint = 0;
    /// Set when the input is larger than max_bytes: its size (at least max_bytes + 1
    /// for a stream, which is not read to its end into memory).
    std::optional<std::uint64_t> full_size;
    /// The whole file, or the message of an mbox range (whole_file false), read when
    /// it was listed (input_options::keep_bytes); load() then opens nothing. Empty
    /// otherwise (an empty message is never kept).
    std::string bytes;
};

/// How PATH arguments are expanded.
struct input_options {
    /// Per-message size limit (limits::message_bytes); 0: none.
    std::size_t max_bytes = 0;
    /// Follow symbolic links inside folders (with loop detection). Links named
    /// as PATH arguments are always followed.
    bool follow_symlinks = false;
    /// Told one line per folder of an Outlook data file as it is listed, and
    /// about folders that could not be read (the CLI prints these on stderr).
    std::function<void(const std::string&)> notice;
    /// Keep the bytes of a message file the listing read whole (at most 64 KB:
    /// the first read that tells a message from an mbox; 95% of the corpus files),
    /// and of an mbox's messages under 64 KB (copied from the stream's window), in
    /// input_item::bytes, so that load() does not open and read it a second
    /// time. For a caller that frees each item once loaded (scan): a list kept
    /// whole (the vector form) would hold these bytes all at once.
    bool keep_bytes = false;
};
using expand_options = input_options;

/// Expand PATH arguments into message items, in order.
std::vector<input_item> expand_inputs(const std::vector<std::string>& paths, const input_options& opt = {});

/// The same, handing each item to `sink` as soon as it is listed (on the
/// calling thread), so that a caller can start on the first messages while a
/// large folder is still being walked (`scan --jobs`).
void expand_inputs(const std::vector<std::string>& paths, const input_options& opt,
                   const std::function<void(input_item&&)>& sink);

/// Every owner address of the Outlook data files among `items` (for history::learn_options).
std::vector<std::string> owner_addresses(const std::vector<input_item>& items);

/// Read the bytes of one item.
result<std::string> load(const input_item& item);
/// The same; bytes kept when the item was listed are moved out, not copied.
result<std::string> load(input_item&& item);

/// Split an mbox buffer into (offset, length) ranges of the messages, without
/// their "From " envelope lines. `stop_past`: stop after the first range that ends
/// beyond it (the ranges before it, and it, are those of the whole split: each range
/// depends only on the bytes from its start), for a reader that settles only the
/// messages ending before a point (io::mbox_stream).
std::vector<std::pair<std::size_t, std::size_t>> split_mbox(std::string_view data,
                                                            std::size_t stop_past = std::string_view::npos);

/// One message of split_mbox_prefix: its place, and whether it is `final`, the same
/// in a split of any longer data that starts with these bytes (its header block's end,
/// its Content-Length's landing place and its next envelope line are all in the data).
struct mbox_range {
    std::size_t offset = 0;
    std::size_t length = 0;
    bool final = false;
};

/// split_mbox of a prefix of an mbox (io::mbox_stream's window): the same ranges, each
/// told final or not; it stops after the first range that is not final and ends beyond
/// `stop_past`.
std::vector<mbox_range> split_mbox_prefix(std::string_view data, std::size_t stop_past);

/// looks_like_mbox of a prefix of a file, answered only when more bytes cannot change
/// it: true once a line that decides is whole in `data`; otherwise false when `whole`
/// (the data is all there is, or all that is read to decide), else nothing (read more).
std::optional<bool> looks_like_mbox_yet(std::string_view name, std::string_view data, bool whole);

/// Whether the input `name` is an mbox, reading `head` (what is read of it so far) on
/// through `more` only until looks_like_mbox_yet answers: to 64 KiB at least, then
/// doubling, never past `limit` bytes. `more(p, n)` puts up to n further bytes at p and
/// says how many, 0 at the end (or on an error). The answer is looks_like_mbox of the
/// first `limit` bytes (or all there are); `head` keeps what was read.
bool read_until_mbox_decided(std::string_view name, std::string& head, std::size_t limit,
                             const std::function<std::size_t(char*, std::size_t)>& more);

/// True when `data` (named `name`) should be read as an mbox.
bool looks_like_mbox(std::string_view name, std::string_view data);

}  // namespace replyguard::io
