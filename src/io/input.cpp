// SPDX-License-Identifier: Apache-2.0
// io/input.cpp - files, folders, Maildir, mbox and stdin.
#include "io/input.hpp"

#include "core/limits.hpp"
#include "io/mbox_stream.hpp"

#include "outlook/msg.hpp"
#include "outlook/pst.hpp"

#include <fmt/format.h>
#include <strings.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <limits>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace replyguard::io {

namespace {

/// An open file descriptor, closed when it goes out of scope.
class fd_guard {
public:
    explicit fd_guard(int fd) : fd_(fd) {}
    fd_guard(const fd_guard&) = delete;
    fd_guard& operator=(const fd_guard&) = delete;
    ~fd_guard() {
        if (fd_ >= 0) ::close(fd_);
    }
    int get() const { return fd_; }

private:
    int fd_;
};

/// read(2) that retries when a signal interrupts it.
ssize_t read_some(int fd, char* to, std::size_t n) {
    for (;;) {
        const ssize_t got = ::read(fd, to, n);
        if (got >= 0 || errno != EINTR) return got;
    }
}

/// Read a file, at most `max` bytes of it (0: all). A sparse 5 GB file costs `max`.
/// `hint`: its size when it was listed (0: unknown, then fstat(2) asks).
///
/// POSIX calls, not an ifstream (issue 13): one open, one read of the whole file and
/// a close. The ifstream's size query cost three lseek(2) a file and the listing's
/// peek a second open; with the kernel at 13.5% of `scan -j1` CPU (perf, 3,877
/// corpus files), every system call a file counts.
result<std::string> read_file(const std::string& path, std::size_t max, std::uint64_t hint) {
    const fd_guard fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) return fail(errc::io, fmt::format("cannot open {}: {}", path, std::strerror(errno)));
    bool regular = hint > 0;
    if (!hint) {
        struct stat sb {};
        regular = ::fstat(fd.get(), &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0;
        if (regular) hint = static_cast<std::uint64_t>(sb.st_size);
    }
    // One byte more than the size, so the end of the file is seen by the same read;
    // a file that grew, a pipe or /proc (no size) is read on in growing chunks.
    std::size_t cap = hint < std::numeric_limits<std::size_t>::max() ? static_cast<std::size_t>(hint) + 1 : hint;
    if (max) cap = std::min(cap, max);
    std::string data;
    for (;;) {
        const std::size_t got = data.size();
        if (got == cap) {
            if (max && got >= max) break;
            cap = std::max<std::size_t>(cap * 2, 64u << 10);
            if (max) cap = std::min(cap, max);
        }
        ssize_t n = 0;
        // Read straight into the string (no zero-filling of bytes the read overwrites).
        // The size passed to the lambda is not used: GCC 12's libstdc++ passes the grown
        // capacity there (30 for 27 asked), not the size asked for.
        data.resize_and_overwrite(cap, [&](char* p, std::size_t) {
            n = read_some(fd.get(), p + got, cap - got);
            return got + static_cast<std::size_t>(std::max<ssize_t>(n, 0));
        });
        if (n < 0) return fail(errc::io, fmt::format("cannot read {}: {}", path, std::strerror(errno)));
        // A regular file reads short only at its end: no second read to see 0.
        if (n == 0 || (regular && static_cast<std::size_t>(n) < cap - got)) break;
    }
    return data;
}

/// Read a stream (standard input, a FIFO) in chunks, keeping at most `max` bytes
/// (0: all). The rest is read and counted, not kept, so the writer is not cut
/// off and memory stays bounded; `total` receives the stream's whole size.
std::string read_stream(std::istream& in, std::size_t max, std::uint64_t& total) {
    std::string data;
    std::vector<char> chunk(64u << 10);
    total = 0;
    while (in) {
        in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
        const auto n = static_cast<std::size_t>(in.gcount());
        if (n == 0) break;
        total += n;
        if (!max || data.size() < max) data.append(chunk.data(), max ? std::min(n, max - data.size()) : n);
    }
    return data;
}

bool is_from_line(std::string_view data, std::size_t pos) { return data.compare(pos, 5, "From ") == 0; }

// Content-Length of the header block starting at `pos`, or npos.
std::size_t header_content_length(std::string_view data, std::size_t pos, std::size_t& body_start) {
    std::size_t end = data.find("\n\n", pos);
    // Only before the first "\n\n": a search to the end of the mbox for every message
    // made splitting quadratic (an mbox without CRLF has none, so each looked to the end).
    const std::size_t crlf_limit = end == std::string_view::npos ? data.size() : std::min(data.size(), end + 3);
    std::size_t crlf = data.substr(0, crlf_limit).find("\r\n\r\n", pos);
    if (crlf != std::string_view::npos && (end == std::string_view::npos || crlf < end)) {
        body_start = crlf + 4;
        end = crlf;
    } else if (end != std::string_view::npos) {
        body_start = end + 2;
    } else {
        return std::string_view::npos;
    }
    std::string_view headers = data.substr(pos, end - pos);
    std::size_t p = 0;
    while (p < headers.size()) {
        std::size_t nl = headers.find('\n', p);
        std::string_view line = headers.substr(p, nl == std::string_view::npos ? std::string_view::npos : nl - p);
        if (line.size() > 15 && strncasecmp(line.data(), "Content-Length:", 15) == 0) {
            std::size_t v = 0;
            bool any = false;
            for (char c : line.substr(15)) {
                if (c >= '0' && c <= '9') {
                    v = v * 10 + static_cast<std::size_t>(c - '0');
                    any = true;
                } else if (c != ' ' && c != '\t' && c != '\r') {
                    any = false;
                    break;
                }
                if (v > (1u << 30)) {
                    any = false;
                    break;
                }
            }
            return any ? v : std::string_view::npos;
        }
        if (nl == std::string_view::npos) break;
        p = nl + 1;
    }
    return std::string_view::npos;
}

}  // namespace

namespace {

/// split_mbox and split_mbox_prefix: after a range that ends beyond `stop_past`, the
/// split stops, unless `past_final` and the range is final.
std::vector<mbox_range> split_ranges(std::string_view data, std::size_t stop_past, bool past_final) {
    std::vector<mbox_range> out;
    std::size_t pos = 0;
    // Skip anything before the first envelope line.
    if (!is_from_line(data, 0)) {
        std::size_t f = data.find("\nFrom ");
        if (f == std::string_view::npos) {
            if (!data.empty()) out.push_back({0, data.size(), false});
            return out;
        }
        pos = f + 1;
    }
    while (pos < data.size()) {
        std::size_t nl = data.find('\n', pos);
        if (nl == std::string_view::npos) break;
        std::size_t start = nl + 1;  // message begins after the envelope line
        std::size_t next = std::string_view::npos;
        std::size_t body_start = 0;  // stays 0 when the header block's end is not in the data
        std::size_t clen = header_content_length(data, start, body_start);
        // Final: no byte after the data could move this message's end. Its header block
        // ends in the data, and a Content-Length lands (or misses) inside it: the
        // envelope line's "From " is whole there.
        bool final = body_start != 0;
        if (clen != std::string_view::npos) {
            if (body_start + clen <= data.size()) {
                std::size_t after = body_start + clen;
                // Accept it only when it lands on the next envelope line (or the end).
                std::size_t probe = after;
                while (probe < data.size() && (data[probe] == '\n' || data[probe] == '\r')) ++probe;
                if (probe >= data.size() || is_from_line(data, probe))
                    next = probe >= data.size() ? data.size() : probe;
                final = final && probe + 5 <= data.size();
            } else {
                final = false;
            }
        }
        if (next == std::string_view::npos) {
            std::size_t f = data.find("\nFrom ", start);
            next = f == std::string_view::npos ? data.size() : f + 1;
            final = final && f != std::string_view::npos;
        }
        std::size_t len = next - start;
        // The separator blank line belongs to the mbox, not to the message.
        std::string_view msg = data.substr(start, len);
        while (!msg.empty() && (msg.back() == '\n' || msg.back() == '\r') && msg.size() > 1 &&
               (msg[msg.size() - 2] == '\n' || msg[msg.size() - 2] == '\r'))
            msg.remove_suffix(1);
        out.push_back({start, msg.size(), final});
        if (start + msg.size() > stop_past && !(past_final && final)) break;
        pos = next;
    }
    return out;
}

}  // namespace

std::vector<std::pair<std::size_t, std::size_t>> split_mbox(std::string_view data, std::size_t stop_past) {
    std::vector<std::pair<std::size_t, std::size_t>> out;
    for (const auto& r : split_ranges(data, stop_past, false)) out.emplace_back(r.offset, r.length);
    return out;
}

std::vector<mbox_range> split_mbox_prefix(std::string_view data, std::size_t stop_past) {
    return split_ranges(data, stop_past, true);
}

bool looks_like_mbox(std::string_view name, std::string_view data) {
    auto base = fs::path(std::string(name)).filename().string();
    if (base.find(".mbox") != std::string::npos || base.find(".mbx") != std::string::npos)
        return data.starts_with("From ") || data.find("\nFrom ") != std::string_view::npos;
    if (!data.starts_with("From ")) return false;
    // A single message with an envelope line (as the SpamAssassin corpus stores
    // mail) is a message, not an mbox; two or more envelope lines make an mbox.
    std::size_t f = data.find("\nFrom ");
    while (f != std::string_view::npos) {
        // An envelope line has a sender and a date after "From "; a body line
        // quoted badly ("From here on...") seldom has an '@' or a time in it.
        std::size_t eol = data.find('\n', f + 1);
        std::string_view line =
            data.substr(f + 1, eol == std::string_view::npos ? std::string_view::npos : eol - f - 1);
        if (line.find(':') != std::string_view::npos && line.size() < 200) return true;
        f = data.find("\nFrom ", f + 1);
    }
    return false;
}

std::optional<bool> looks_like_mbox_yet(std::string_view name, std::string_view data, bool whole) {
    if (whole) return looks_like_mbox(name, data);
    // Only whole lines: a line cut at the data's end could still grow past 200 bytes.
    const auto last = data.rfind('\n');
    if (last != std::string_view::npos && looks_like_mbox(name, data.substr(0, last + 1))) return true;
    return std::nullopt;
}

bool read_until_mbox_decided(std::string_view name, std::string& head, std::size_t limit,
                             const std::function<std::size_t(char*, std::size_t)>& more) {
    // Doubling, not the whole limit at once: every input that starts with "From " is read
    // here, nearly all of them single messages far below the limit (4 MiB), and zeroing
    // (and mapping) 4 MiB for each was half of all instructions of `scan` over the corpus
    // (bench/README.md, 2026-12-05); an mbox is told by its second envelope line, mostly
    // in the first 64 KiB, so the rest is read by the stream, chunk by chunk, not here.
    bool end = false;
    for (;;) {
        if (auto decided = looks_like_mbox_yet(name, head, end || head.size() >= limit)) return *decided;
        const std::size_t had = head.size();
        const std::size_t want = std::min(limit, std::max(2 * had, std::size_t{64} << 10));
        head.resize_and_overwrite(want, [&](char* p, std::size_t) {
            std::size_t got = had;
            while (got < want) {
                const std::size_t n = more(p + got, want - got);
                if (n == 0) {
                    end = true;
                    break;
                }
                got += n;
            }
            return got;
        });
    }
}

namespace {

input_item error_item(std::string source, std::string path, std::string error) {
    input_item it;
    it.source = std::move(source);
    it.path = std::move(path);
    it.error = std::move(error);
    return it;
}

/// Where the walk puts its items: a vector (expand_inputs' list) or the
/// caller's sink; push_back as on the vector it replaced.
struct item_sink {
    const std::function<void(input_item&&)>& fn;
    void push_back(input_item&& it) const { fn(std::move(it)); }
};

/// The messages of an mbox held in `buf`, one item each ("SOURCE#N").
void add_mbox_items(const std::shared_ptr<const std::string>& buf, const std::string& source, const std::string& path,
                    item_sink& out) {
    auto ranges = split_mbox(*buf);
    for (std::size_t i = 0; i < ranges.size(); ++i) {
        input_item it;
        it.source = fmt::format("{}#{}", source, i);
        it.path = path;
        it.offset = ranges[i].first;
        it.length = ranges[i].second;
        it.whole_file = false;
        it.buffer = buf;
        out.push_back(std::move(it));
    }
}

// A PST/OST: one item per mail item, loaded through the shared libpff handle.
void add_outlook_file(const std::string& path, const std::string& source, item_sink& out, const expand_options& o) {
    auto progress = [&](const outlook::pst_folder& f) {
        if (o.notice)
            o.notice(fmt::format("{}#{}: {} message(s){}", source, f.path, f.messages,
                                 f.role == outlook::folder_role::other
                                     ? std::string()
                                     : fmt::format(" ({})", outlook::role_name(f.role))));
    };
    auto pst = outlook::pst_file::open(path, progress);
    if (!pst) {
        out.push_back(error_item(source, path, pst.error().message));
        return;
    }
    std::shared_ptr<const outlook::pst_file> file = std::move(*pst);
    auto owners = std::make_shared<const std::vector<std::string>>(file->owner_addresses());
    for (std::size_t i = 0; i < file->entries().size(); ++i) {
        const auto& e = file->entries()[i];
        input_item it;
        it.source = fmt::format("{}#{}#{}", source, e.folder, e.index);
        it.path = path;
        it.produce = [file, i] { return file->message(i); };
        it.owners = owners;
        out.push_back(std::move(it));
    }
    // What could not be read is said once per folder or item, after what could.
    for (const auto& err : file->errors()) {
        if (o.notice) o.notice(fmt::format("{}: {}", source, err));
        out.push_back(error_item(source, path, fmt::format("{} ({}): {}", path, file->kind(), err)));
    }
}

/// What the listing reads of a file to tell what it is: one read(2) of this much
/// covers 95% of the corpus files whole (median 4 KB, p90 26 KB), so an enveloped
/// single message ("From " first, 62% of the corpus) is told from an mbox without a
/// second read.
constexpr std::size_t k_peek_bytes = 64u << 10;

/// The old way of saying why a file cannot be read (stat, then open), for a file the
/// fast path could not open: the same words as before for every failure.
void add_unopenable(const std::string& path, const std::string& source, item_sink& out) {
    std::error_code ec;
    (void)fs::file_size(path, ec);
    if (ec) {
        out.push_back(error_item(source, path, fmt::format("cannot read {}: {}", path, ec.message())));
        return;
    }
    const fd_guard again(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
    const int why = again.get() < 0 ? errno : EIO;
    out.push_back(error_item(source, path, fmt::format("cannot open {}: {}", path, std::strerror(why))));
}

/// A regular file: a message, an mbox (one item per message) or a PST/OST.
/// `known_size`: its size from a stat(2) the caller made (nullopt: fstat(2) here).
///
/// System calls (issue 13): open, fstat (without known_size), one read, close, where
/// the ifstream code made two stat, and an open/read/close here and another in
/// open_mbox_stream for each file starting with "From ".
void add_file(const std::string& path, const std::string& source, item_sink& out, const input_options& opt,
              std::optional<std::uint64_t> known_size = std::nullopt) {
    // O_NONBLOCK: a regular file when listed may be a FIFO by now, and must not block
    // the scan (reads of a regular file ignore the flag).
    const fd_guard fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
    if (fd.get() < 0) {
        add_unopenable(path, source, out);
        return;
    }
    std::uint64_t size = 0;
    if (known_size) {
        size = *known_size;
    } else {
        struct stat sb {};
        if (::fstat(fd.get(), &sb) != 0) {
            out.push_back(error_item(source, path, fmt::format("cannot read {}: {}", path, std::strerror(errno))));
            return;
        }
        if (!S_ISREG(sb.st_mode)) {  // replaced since it was listed
            out.push_back(error_item(source, path, fmt::format("cannot read {}: not a regular file", path)));
            return;
        }
        size = static_cast<std::uint64_t>(sb.st_size);
    }
    // The start: only a file starting with "From " or named *.mbox* can be an mbox; an
    // Outlook data file starts with "!BDN". For an mbox candidate, the first
    // k_mbox_read_ahead bytes at most decide (as open_mbox_stream decides).
    // One byte more than the size (as read_file asks): a read that returns exactly
    // the size has seen the end of the file, so the bytes can be kept whole.
    std::string head;
    const auto first = static_cast<std::size_t>(std::clamp<std::uint64_t>(size + 1, 8, k_peek_bytes));
    head.resize_and_overwrite(first, [&](char* p, std::size_t) {  // not the size: see read_file
        const ssize_t got = read_some(fd.get(), p, first);
        return got > 0 ? static_cast<std::size_t>(got) : std::size_t{0};
    });
    if (outlook::is_pff(head)) {
        add_outlook_file(path, source, out, opt);
        return;
    }
    const std::string base = fs::path(path).filename().string();
    const bool candidate = std::string_view(head).starts_with("From ") || base.find(".mbox") != std::string::npos ||
                           base.find(".mbx") != std::string::npos;
    if (candidate && size > 0) {
        const std::size_t decide = static_cast<std::size_t>(std::min<std::uint64_t>(size, k_mbox_read_ahead));
        const bool mbox = read_until_mbox_decided(path, head, decide, [&](char* p, std::size_t n) {
            const ssize_t got = read_some(fd.get(), p, n);
            return got > 0 ? static_cast<std::size_t>(got) : std::size_t{0};
        });
        // An mbox is read on from `head` as a stream (io/mbox_stream.hpp): the items are
        // byte ranges read again by load(), so an mbox of any size is never held in memory.
        if (mbox) {
            input_options so = opt;
            if (!so.max_bytes) so.max_bytes = limits{}.message_bytes;
            if (auto m = resume_mbox_stream(path, std::move(head), so)) {
                // With keep_bytes, a message under k_peek_bytes comes with its bytes, as a
                // small file does: its worker opens and reads nothing (open, pread and
                // close a message were ~2.6% of `scan -j1` of a generated 51 MB mbox, perf).
                while (auto piece = m->reader->next_piece(opt.keep_bytes ? k_peek_bytes : 0)) {
                    input_item it;
                    it.source = fmt::format("{}#{}", source, m->reader->count() - 1);
                    it.path = path;
                    it.offset = piece->offset;
                    it.length = piece->length;
                    it.whole_file = false;
                    it.bytes = std::move(piece->bytes);
                    out.push_back(std::move(it));
                }
                if (m->reader->error())
                    out.push_back(error_item(source, path, fmt::format("{}: {}", path, *m->reader->error())));
                return;
            }
        }
    }
    input_item it;
    it.source = source;
    it.path = path;
    it.max_bytes = opt.max_bytes;
    it.size_hint = size;
    if (opt.max_bytes && size > opt.max_bytes) it.full_size = size;
    // Read whole already (the read asked for one byte more and got exactly the
    // size): load() need not open the file again. A .msg is kept too (load()
    // converts kept bytes as it converts read ones).
    if (opt.keep_bytes && size > 0 && size < k_peek_bytes && head.size() == size && !it.full_size)
        it.bytes = std::move(head);
    out.push_back(std::move(it));
}

/// Stream input (standard input, a FIFO named as PATH) as items: one message, or
/// the messages of an mbox, from at most opt.max_bytes of it.
void add_stream(std::istream& in, const std::string& source, item_sink& out, const input_options& opt) {
    std::uint64_t total = 0;
    auto buf = std::make_shared<const std::string>(read_stream(in, opt.max_bytes, total));
    const bool over = opt.max_bytes && total > opt.max_bytes;
    if (!over && looks_like_mbox(source, *buf)) {
        add_mbox_items(buf, source, source, out);
        return;
    }
    input_item it;
    it.source = source;
    it.path = source;
    it.buffer = buf;
    if (over) it.full_size = total;
    out.push_back(std::move(it));
}

/// Not a regular file or folder: FIFO, socket, device. Never opened (a FIFO would
/// block the scan until something writes to it).
std::string_view special_kind(fs::file_type t) {
    switch (t) {
    case fs::file_type::fifo: return "a FIFO";
    case fs::file_type::socket: return "a socket";
    case fs::file_type::block: return "a block device";
    case fs::file_type::character: return "a character device";
    default: return "not a regular file";
    }
}

using dir_ids = std::set<std::pair<dev_t, ino_t>>;

/// Record a folder as visited; false when it already was (a link loop or a
/// second link to the same folder).
bool first_visit(const fs::path& dir, dir_ids& seen) {
    struct stat sb {};
    if (::stat(dir.c_str(), &sb) != 0) return true;
    return seen.insert({sb.st_dev, sb.st_ino}).second;
}

/// A folder entry's own type (a link is a link), from what readdir(3) said of it
/// when the file system says it (d_type), else by lstat(2).
fs::file_type entry_type(const fs::directory_entry& e) {
    std::error_code ec;
    // The members test the type the iterator cached from d_type; is_symlink() asks
    // lstat(2) only when there is none, and then the others ask stat(2) of a non-link.
    if (e.is_symlink(ec)) return fs::file_type::symlink;
    if (e.is_regular_file(ec)) return fs::file_type::regular;
    if (e.is_directory(ec)) return fs::file_type::directory;
    return e.symlink_status(ec).type();
}

bool is_maildir(const fs::path& dir) {
    std::error_code ec;
    return fs::is_directory(dir / "cur", ec) && fs::is_directory(dir / "new", ec);
}

/// One folder's entries, sorted by name. The names live in one buffer: a folder of
/// 100,000 files held ~35 MB as fs::directory_entry (each a full path split into
/// components, kept while the folder is scanned) and holds ~2.8 MB this way.
struct dir_listing {
    struct entry {
        std::size_t off;
        std::uint32_t len;
        fs::file_type type;  ///< the entry's own type (entry_type)
    };
    std::string names;
    std::vector<entry> entries;
    std::string_view name(const entry& e) const { return std::string_view(names).substr(e.off, e.len); }
};

void add_dir(const fs::path& dir, const std::string& source_prefix, item_sink& out, int depth, const input_options& opt,
             dir_ids& seen) {
    if (depth > 64) return;  // absurd trees
    dir_listing list;
    std::error_code ec;
    for (fs::directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec), end; !ec && it != end;
         it.increment(ec)) {
        const std::string& full = it->path().native();
        const std::size_t slash = full.rfind('/');
        const std::string_view name = std::string_view(full).substr(slash == std::string::npos ? 0 : slash + 1);
        list.entries.push_back({list.names.size(), static_cast<std::uint32_t>(name.size()), entry_type(*it)});
        list.names += name;
    }
    if (ec) {
        out.push_back(
            error_item(source_prefix, dir.string(), fmt::format("cannot list {}: {}", dir.string(), ec.message())));
        return;
    }
    // Byte order of the names, as fs::path's comparison of two file names.
    std::sort(list.entries.begin(), list.entries.end(),
              [&](const auto& a, const auto& b) { return list.name(a) < list.name(b); });
    bool maildir = is_maildir(dir);
    auto unreadable = [&](const std::string& source, const fs::path& path, std::string_view why) {
        out.push_back(error_item(source, path.string(), fmt::format("cannot read {}: {}", path.string(), why)));
    };
    for (const auto& e : list.entries) {
        std::string name(list.name(e));
        const fs::path path = dir / name;
        std::string source =
            source_prefix.empty() || source_prefix.back() == '/' ? source_prefix + name : source_prefix + "/" + name;
        std::error_code ec2;
        // The entry itself, not what a link points at: links are followed only on request,
        // so `ln -s / root` or `ln -s . loop` in a mail folder cannot walk the machine.
        // Its type comes from readdir's d_type (no system call; lstat only on a file
        // system that gives none): the listing's stat a file was ~4% of `scan -j1`'s system calls.
        fs::file_status st(e.type);
        if (st.type() == fs::file_type::symlink) {
            if (name.starts_with(".")) continue;
            st = fs::status(path, ec2);
            if (ec2 || !fs::exists(st)) {
                // A dangling link where a message should be: say so rather than skip it
                // (nothing is opened to know it).
                unreadable(source, path, "dangling symbolic link");
                continue;
            }
            if (!opt.follow_symlinks) continue;
        }
        if (fs::is_directory(st)) {
            if (maildir && name == "tmp") continue;
            // Maildir++ folders (".Sent", ".Archive") are hidden; other hidden dirs are not mail.
            if (name.starts_with(".") && !(maildir && is_maildir(path))) continue;
            if (!first_visit(path, seen)) continue;  // a link back into the walk
            add_dir(path, source, out, depth + 1, opt, seen);
        } else if (fs::is_regular_file(st)) {
            if (name.starts_with(".")) continue;
            add_file(path.string(), source, out, opt);
        } else if (!name.starts_with(".")) {
            unreadable(source, path, fmt::format("{}, not a mail file; skipped", special_kind(st.type())));
        }
    }
}

}  // namespace

void expand_inputs(const std::vector<std::string>& paths, const input_options& opt,
                   const std::function<void(input_item&&)>& sink) {
    item_sink out{sink};
    for (const auto& p : paths) {
        if (p == "-") {
            add_stream(std::cin, "-", out, opt);
            continue;
        }
        // One stat(2) a PATH: its type, and for a file the size add_file needs.
        struct stat sb {};
        if (::stat(p.c_str(), &sb) != 0) {
            const std::error_code ec(errno, std::generic_category());
            out.push_back(error_item(p, p, fmt::format("cannot read {}: {}", p, ec.message())));
        } else if (S_ISDIR(sb.st_mode)) {
            dir_ids seen;
            first_visit(p, seen);
            add_dir(p, p, out, 0, opt, seen);
        } else if (S_ISFIFO(sb.st_mode)) {
            // Named on the command line (`scan <(zcat mail.gz)`): a stream, like "-".
            std::ifstream in(p, std::ios::binary);
            if (!in) {
                out.push_back(error_item(p, p, fmt::format("cannot open {}: {}", p, std::strerror(errno))));
            } else {
                add_stream(in, p, out, opt);
            }
        } else if (!S_ISREG(sb.st_mode)) {
            const fs::file_type t = S_ISSOCK(sb.st_mode)  ? fs::file_type::socket
                                    : S_ISBLK(sb.st_mode) ? fs::file_type::block
                                    : S_ISCHR(sb.st_mode) ? fs::file_type::character
                                                          : fs::file_type::unknown;
            out.push_back(error_item(p, p, fmt::format("cannot read {}: {}, not a mail file", p, special_kind(t))));
        } else {
            add_file(p, p, out, opt, static_cast<std::uint64_t>(sb.st_size));
        }
    }
}

std::vector<input_item> expand_inputs(const std::vector<std::string>& paths, const input_options& opt) {
    std::vector<input_item> out;
    expand_inputs(paths, opt, [&](input_item&& it) { out.push_back(std::move(it)); });
    return out;
}

std::vector<std::string> owner_addresses(const std::vector<input_item>& items) {
    std::vector<std::string> out;
    const std::vector<std::string>* last = nullptr;
    for (const auto& it : items) {
        if (!it.owners || it.owners.get() == last) continue;
        last = it.owners.get();
        for (const auto& a : *it.owners)
            if (std::ranges::find(out, a) == out.end()) out.push_back(a);
    }
    return out;
}

namespace {

// A whole file or stdin that is an Outlook .msg is read as the message it holds.
result<std::string> msg_or_bytes(std::string data, const std::string& source) {
    if (!outlook::is_ole2(data) || !outlook::looks_like_msg(data)) return data;
    auto m = outlook::msg_to_rfc822(data);
    if (!m) return fail(errc::io, fmt::format("{}: {}", source, m.error().message));
    return m;
}

// The bytes the listing kept for `item` (input_options::keep_bytes), as load() gives
// them: a message of an mbox is its bytes; only a whole file can be an Outlook .msg.
result<std::string> kept(std::string bytes, const input_item& item) {
    if (!item.whole_file) return bytes;
    return msg_or_bytes(std::move(bytes), item.source);
}

}  // namespace

result<std::string> load(input_item&& item) {
    if (!item.error && !item.bytes.empty()) return kept(std::move(item.bytes), item);
    return load(static_cast<const input_item&>(item));
}

result<std::string> load(const input_item& item) {
    if (item.error) return fail(errc::io, *item.error);
    if (!item.bytes.empty()) return kept(item.bytes, item);
    if (item.produce) return item.produce();
    if (item.buffer) {
        if (item.whole_file) return msg_or_bytes(*item.buffer, item.source);
        return item.buffer->substr(item.offset, item.length);
    }
    if (!item.whole_file) {
        // One message of an mbox: only its byte range is read (one pread(2)).
        const fd_guard fd(::open(item.path.c_str(), O_RDONLY | O_CLOEXEC));
        if (fd.get() < 0) return fail(errc::io, fmt::format("cannot open {}: {}", item.path, std::strerror(errno)));
        std::string data;
        std::size_t got = 0;
        while (got < item.length) {
            ssize_t n = 0;
            data.resize_and_overwrite(item.length, [&](char* p, std::size_t) {  // not the size: see read_file
                do n = ::pread(fd.get(), p + got, item.length - got, static_cast<off_t>(item.offset + got));
                while (n < 0 && errno == EINTR);
                return got + static_cast<std::size_t>(std::max<ssize_t>(n, 0));
            });
            if (n <= 0) break;
            got = data.size();
        }
        if (got != item.length) return fail(errc::io, fmt::format("{} changed while reading", item.path));
        return data;
    }
    auto data = read_file(item.path, item.max_bytes, item.size_hint);
    if (!data) return data;
    return msg_or_bytes(std::move(*data), item.source);
}

}  // namespace replyguard::io
