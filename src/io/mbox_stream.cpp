// SPDX-License-Identifier: Apache-2.0
// io/mbox_stream.cpp - the streaming mbox reader of io/mbox_stream.hpp.
#include "io/mbox_stream.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <utility>

namespace replyguard::io {

mbox_stream::mbox_stream(std::istream& in, std::size_t max_bytes, std::string prefix)
    : in_(in), max_bytes_(max_bytes), buf_(std::move(prefix)) {}

void mbox_stream::drop(std::size_t n) {
    buf_.erase(0, n);
    base_ += n;
}

bool mbox_stream::fill() {
    if (eof_) return false;
    const std::size_t old = buf_.size();
    buf_.resize(old + k_mbox_chunk);
    in_.read(buf_.data() + old, static_cast<std::streamsize>(k_mbox_chunk));
    const auto n = static_cast<std::size_t>(in_.gcount());
    buf_.resize(old + n);
    if (in_.bad()) error_ = std::string("read error: ") + std::strerror(errno);
    if (n == 0 || !in_) eof_ = true;
    return n > 0;
}

void mbox_stream::take(std::size_t start, std::size_t len) {
    ready_.push_back({base_ + start, max_bytes_ ? std::min(len, max_bytes_) : len});
}

void mbox_stream::settle() {
    if (skipping_) {
        // Drop the rest of a truncated message: up to the next envelope line.
        const auto f = buf_.find("\nFrom ");
        if (f == std::string::npos) {
            drop(buf_.size() > 5 ? buf_.size() - 5 : 0);  // "\nFrom" may straddle two chunks
            if (eof_) drop(buf_.size());
            return;
        }
        drop(f + 1);
        skipping_ = false;
    }
    if (buf_.empty()) return;
    // A message settles as soon as no later byte can move its end (split_mbox_prefix's
    // `final`: its header block, its Content-Length's landing place and the next
    // envelope line are in the window), or once the read-ahead past it is here (a
    // Content-Length up to that far was honoured: the bound for one that never lands).
    // The split stops after the first message that does neither. Before, every
    // message waited for the read-ahead: the window held 4-6 MiB whatever the
    // messages' sizes, ~4 MB of the peak RSS of `scan` and `learn` of a large mbox and
    // none of a small one's, and each chunk read moved ~4 MB to the window's front
    // (bench/README.md, "Round 21").
    const std::size_t settles_to =
        eof_ ? std::string::npos : (buf_.size() > k_mbox_read_ahead ? buf_.size() - k_mbox_read_ahead : 0);
    const auto ranges = split_mbox_prefix(buf_, settles_to);
    std::size_t settled = 0;
    for (std::size_t i = 0; i < ranges.size(); ++i) {
        const auto& r = ranges[i];
        // The last range may go on in the next chunk unless it is final.
        const bool read_past = i + 1 < ranges.size() && r.offset + r.length + k_mbox_read_ahead <= buf_.size();
        if (!eof_ && !r.final && !read_past) break;
        take(r.offset, r.length);
        settled = i + 1;
    }
    if (eof_) {
        drop_later_ = buf_.size();
        return;
    }
    if (settled > 0 && settled < ranges.size()) {
        // Keep the window from the envelope line of the first unsettled message.
        const std::size_t start = ranges[settled].offset;
        const auto nl = start >= 2 ? buf_.rfind('\n', start - 2) : std::string::npos;
        drop_later_ = nl == std::string::npos ? 0 : nl + 1;
        return;
    }
    if (settled > 0) {  // every range settled (the last was final): keep what follows it
        const auto& r = ranges.back();
        drop_later_ = r.offset + r.length;
        return;
    }
    // Nothing settled: a message longer than the limit and the read-ahead ends here.
    const std::size_t cap = (max_bytes_ ? max_bytes_ : 0) + k_mbox_read_ahead + k_mbox_chunk;
    if (!ranges.empty() && buf_.size() > cap) {
        const auto& r = ranges.front();
        take(r.offset, r.length);
        drop_later_ = buf_.size() > 5 ? buf_.size() - 5 : 0;
        skipping_ = true;
    }
}

std::optional<std::string> mbox_stream::next() {
    auto p = next_piece(std::string::npos);  // every message keeps its bytes
    if (!p) return std::nullopt;
    return std::move(p->bytes);
}

std::optional<std::pair<std::size_t, std::size_t>> mbox_stream::next_range() {
    // The scan's listing of a 100k-message mbox held ~5 MB of settled messages' copies
    // it never read (heaptrack, bench/README.md "History at scale").
    auto p = next_piece(0);
    if (!p) return std::nullopt;
    return std::pair{p->offset, p->length};
}

std::optional<mbox_stream::piece> mbox_stream::next_piece(std::size_t keep_below) {
    while (ready_.empty()) {
        drop(std::exchange(drop_later_, 0));
        if (eof_) return std::nullopt;
        fill();
        settle();
    }
    // Copied out of the window one at a time, as handed out: copying every message a
    // split settled at once held the last window twice at the end of the stream (a
    // 1,000-message mbox's 4.7 MB of copies beside the window: massif, Round 16).
    const settled s = ready_.front();
    piece p{s.offset, s.length, s.length < keep_below ? std::string(buf_, s.offset - base_, s.length) : std::string()};
    offset_ = p.offset;
    ready_.pop_front();
    ++count_;
    return p;
}

std::optional<mbox_source> open_mbox_stream(const std::string& path, const input_options& opt,
                                            std::vector<input_item>& rest) {
    namespace fs = std::filesystem;
    mbox_source src;
    src.source = path;
    std::istream* in = &std::cin;
    bool once = true;  // standard input or a FIFO: cannot be read again
    if (path != "-") {
        std::error_code ec;
        const auto st = fs::status(path, ec);
        if (ec || !(fs::is_regular_file(st) || fs::is_fifo(st))) return std::nullopt;
        once = fs::is_fifo(st);
        const auto name = fs::path(path).filename().string();
        if (!once) {
            char head[5] = {};
            std::ifstream peek(path, std::ios::binary);
            peek.read(head, 5);
            if (std::string_view(head, static_cast<std::size_t>(peek.gcount())) != "From " &&
                name.find(".mbox") == std::string::npos && name.find(".mbx") == std::string::npos)
                return std::nullopt;
        }
        src.file = std::make_unique<std::ifstream>(path, std::ios::binary);
        if (!*src.file) return std::nullopt;  // expand_inputs says why
        in = src.file.get();
    }
    std::string prefix;
    const bool mbox = read_until_mbox_decided(path, prefix, k_mbox_read_ahead, [&](char* p, std::size_t n) {
        in->read(p, static_cast<std::streamsize>(n));
        return static_cast<std::size_t>(in->gcount());
    });
    if (mbox) {
        src.reader = std::make_unique<mbox_stream>(*in, opt.max_bytes, std::move(prefix));
        return src;
    }
    if (!once) return std::nullopt;
    // One message on a stream: what expand_inputs makes of it (bounded by max_bytes).
    std::uint64_t total = prefix.size();
    if (opt.max_bytes && prefix.size() > opt.max_bytes) prefix.resize(opt.max_bytes);
    std::vector<char> chunk(64u << 10);
    while (*in) {
        in->read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
        const auto n = static_cast<std::size_t>(in->gcount());
        if (n == 0) break;
        total += n;
        if (!opt.max_bytes || prefix.size() < opt.max_bytes)
            prefix.append(chunk.data(), opt.max_bytes ? std::min(n, opt.max_bytes - prefix.size()) : n);
    }
    input_item it;
    it.source = path;
    it.path = path;
    it.buffer = std::make_shared<const std::string>(std::move(prefix));
    if (opt.max_bytes && total > opt.max_bytes) it.full_size = total;
    rest.push_back(std::move(it));
    return std::nullopt;
}

std::optional<mbox_source> resume_mbox_stream(const std::string& path, std::string head, const input_options& opt) {
    auto file = std::make_unique<std::ifstream>(path, std::ios::binary);
    if (!*file || !file->seekg(static_cast<std::streamoff>(head.size()))) return std::nullopt;
    mbox_source src;
    src.source = path;
    src.reader = std::make_unique<mbox_stream>(*file, opt.max_bytes, std::move(head));
    src.file = std::move(file);
    return src;
}

}  // namespace replyguard::io
