// SPDX-License-Identifier: Apache-2.0
// store/posting_runs.cpp - a write batch's fingerprint postings in sorted runs
//
// DESCRIPTION
//   See posting_runs.hpp. Measured on learns of bench/history_gen.py mail
//   (bench/README.md, Round 17): heap peak of 10,000 messages 30.6 -> 23.6 MB
//   (massif), peak RSS of 100,000 messages -7 to -12 MB, +0.6% instructions.
//   The runs' ~8 MB a batch are written and read once, sequentially, beside
//   the hundreds of MB of pages each commit writes to the WAL and back.
#include "store/posting_runs.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <queue>
#include <string>

#include <fmt/format.h>

namespace replyguard::store {
namespace {

/// An unlinked read-write file in $TMPDIR (else /tmp), or -1.
int open_temporary() {
    const char* env = std::getenv("TMPDIR");
    const std::string dir = env && *env ? env : "/tmp";
#ifdef O_TMPFILE
    if (int fd = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600); fd >= 0) return fd;
#endif
    std::string path = dir + "/replyguard-postings-XXXXXX";
    const int fd = ::mkostemp(path.data(), O_CLOEXEC);
    if (fd >= 0) ::unlink(path.c_str());
    return fd;
}

bool write_all(int fd, const posting* p, std::size_t n, std::uint64_t at) {
    const auto* b = reinterpret_cast<const char*>(p);
    std::size_t left = n * sizeof(posting);
    auto off = static_cast<off_t>(at * sizeof(posting));
    while (left > 0) {
        const ssize_t w = ::pwrite(fd, b, left, off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return false;
        b += w;
        left -= static_cast<std::size_t>(w);
        off += w;
    }
    return true;
}

result<void> read_all(int fd, posting* p, std::size_t n, std::uint64_t at) {
    auto* b = reinterpret_cast<char*>(p);
    std::size_t left = n * sizeof(posting);
    auto off = static_cast<off_t>(at * sizeof(posting));
    while (left > 0) {
        const ssize_t r = ::pread(fd, b, left, off);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0)
            return fail(errc::store, fmt::format("fingerprint postings' temporary file: {}", std::strerror(errno)));
        if (r == 0) return fail(errc::store, "fingerprint postings' temporary file: shorter than written");
        b += r;
        left -= static_cast<std::size_t>(r);
        off += r;
    }
    return {};
}

void sort_unique(std::vector<posting>& v) {
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
}

}  // namespace

posting_runs::posting_runs(std::size_t run, std::size_t read)
    : run_(std::max<std::size_t>(run, 1)), read_(std::max<std::size_t>(read, 1)) {}

posting_runs::~posting_runs() {
    if (fd_ >= 0) ::close(fd_);
}

void posting_runs::add(posting p) {
    mem_.push_back(p);
    ++added_;
    if (mem_.size() >= run_ && !no_file_) spill();
}

void posting_runs::spill() {
    if (fd_ < 0 && (fd_ = open_temporary()) < 0) {
        no_file_ = true;
        return;
    }
    sort_unique(mem_);
    if (!write_all(fd_, mem_.data(), mem_.size(), file_end_)) {
        no_file_ = true;  // kept in memory: drain() sorts them again with what follows
        return;
    }
    runs_.push_back({file_end_, mem_.size()});
    file_end_ += mem_.size();
    mem_.clear();
}

void posting_runs::clear() {
    mem_.clear();
    runs_.clear();
    if (fd_ >= 0 && file_end_ > 0) (void)::ftruncate(fd_, 0);  // its pages go back at once
    file_end_ = 0;
    added_ = 0;
    no_file_ = false;
}

result<void> posting_runs::drain(const sink_fn& sink) {
    sort_unique(mem_);
    result<void> r;
    if (runs_.empty()) {
        if (!mem_.empty()) r = sink(mem_);
        clear();
        return r;
    }
    // Sources 0..runs-1 read from the file a buffer at a time; the last is mem_.
    struct source {
        std::vector<posting> buf;
        std::size_t pos = 0;
        std::uint64_t next = 0, end = 0;  ///< the file's postings not read yet
    };
    std::vector<source> src(runs_.size() + 1);
    auto refill = [&](std::size_t i) -> result<bool> {
        source& s = src[i];
        if (i == runs_.size()) return false;  // mem_: nothing more
        if (s.next == s.end) return false;
        const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(read_, s.end - s.next));
        s.buf.resize(n);
        if (auto x = read_all(fd_, s.buf.data(), n, s.next); !x) return std::unexpected(x.error());
        s.next += n;
        s.pos = 0;
        return true;
    };
    using entry = std::pair<posting, std::size_t>;
    std::priority_queue<entry, std::vector<entry>, std::greater<>> heap;
    for (std::size_t i = 0; i < runs_.size() && r; ++i) {
        src[i].next = runs_[i].offset;
        src[i].end = runs_[i].offset + runs_[i].count;
        auto f = refill(i);
        if (!f)
            r = std::unexpected(f.error());
        else if (*f)
            heap.emplace(src[i].buf[0], i);
    }
    src.back().buf = std::move(mem_);
    if (!src.back().buf.empty()) heap.emplace(src.back().buf[0], runs_.size());
    std::vector<posting> out;
    out.reserve(read_);
    bool any = false;
    posting last{};
    while (r && !heap.empty()) {
        const auto [p, i] = heap.top();
        heap.pop();
        if (!any || p != last) {  // a posting in two runs is handed on once
            if (out.size() == read_) {
                r = sink(out);
                out.clear();
                if (!r) break;
            }
            out.push_back(p);
            last = p;
            any = true;
        }
        if (++src[i].pos < src[i].buf.size()) {
            heap.emplace(src[i].buf[src[i].pos], i);
        } else if (auto f = refill(i); !f) {
            r = std::unexpected(f.error());
        } else if (*f) {
            heap.emplace(src[i].buf[0], i);
        }
    }
    if (r && !out.empty()) r = sink(out);
    mem_ = std::move(src.back().buf);  // its capacity kept for the next batch
    clear();
    return r;
}

}  // namespace replyguard::store
