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
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <set>
#include <sstream>
#include <system_error>
#include <utility>
#include <vector>

#include <sys/stat.h>

namespace fs = std::filesystem;

namespace replyguard::io {

namespace {

/// Read a file, at most `max` bytes of it (0: all). A sparse 5 GB file costs `max`.
result<std::string> read_file(const std::string& path, std::size_t max = 0) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return fail(errc::io, fmt::format("cannot open {}: {}", path, std::strerror(errno)));
    std::string data;
    in.seekg(0, std::ios::end);
    auto size = in.tellg();
    if (size > 0) {
        std::streamsize want = size;
        if (max && static_cast<std::uint64_t>(want) > max) want = static_cast<std::streamsize>(max);
        data.resize(static_cast<std::size_t>(want));
        in.seekg(0);
        in.read(data.data(), want);
        data.resize(static_cast<std::size_t>(in.gcount()));
    } else {
        // No size (a pipe, /proc): read in chunks, bounded like a stream.
        in.clear();
        in.seekg(0);
        std::vector<char> chunk(64u << 10);
        while (in && (!max || data.size() < max)) {
            const std::size_t room = max ? std::min(chunk.size(), max - data.size()) : chunk.size();
            in.read(chunk.data(), static_cast<std::streamsize>(room));
            data.append(chunk.data(), static_cast<std::size_t>(in.gcount()));
        }
    }
    if (in.bad()) return fail(errc::io, fmt::format("cannot read {}: {}", path, std::strerror(errno)));
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

std::vector<std::pair<std::size_t, std::size_t>> split_mbox(std::string_view data) {
    std::vector<std::pair<std::size_t, std::size_t>> out;
    std::size_t pos = 0;
    // Skip anything before the first envelope line.
    if (!is_from_line(data, 0)) {
        std::size_t f = data.find("\nFrom ");
        if (f == std::string_view::npos) {
            if (!data.empty()) out.emplace_back(0, data.size());
            return out;
        }
        pos = f + 1;
    }
    while (pos < data.size()) {
        std::size_t nl = data.find('\n', pos);
        if (nl == std::string_view::npos) break;
        std::size_t start = nl + 1;  // message begins after the envelope line
        std::size_t next = std::string_view::npos;
        std::size_t body_start = 0;
        std::size_t clen = header_content_length(data, start, body_start);
        if (clen != std::string_view::npos && body_start + clen <= data.size()) {
            std::size_t after = body_start + clen;
            // Accept it only when it lands on the next envelope line (or the end).
            std::size_t probe = after;
            while (probe < data.size() && (data[probe] == '\n' || data[probe] == '\r')) ++probe;
            if (probe >= data.size() || is_from_line(data, probe)) next = probe >= data.size() ? data.size() : probe;
        }
        if (next == std::string_view::npos) {
            std::size_t f = data.find("\nFrom ", start);
            next = f == std::string_view::npos ? data.size() : f + 1;
        }
        std::size_t len = next - start;
        // The separator blank line belongs to the mbox, not to the message.
        std::string_view msg = data.substr(start, len);
        while (!msg.empty() && (msg.back() == '\n' || msg.back() == '\r') && msg.size() > 1 &&
               (msg[msg.size() - 2] == '\n' || msg[msg.size() - 2] == '\r'))
            msg.remove_suffix(1);
        out.emplace_back(start, msg.size());
        pos = next;
    }
    return out;
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

void add_file(const std::string& path, const std::string& source, item_sink& out, const input_options& opt) {
    // mbox detection needs the bytes; small files are read once here and kept
    // only when they turn out to be mboxes.
    std::error_code ec;
    auto size = fs::file_size(path, ec);
    if (ec) {
        out.push_back(error_item(source, path, fmt::format("cannot read {}: {}", path, ec.message())));
        return;
    }
    // Peek at the start: only a file starting with "From " or named *.mbox* can be an mbox;
    // an Outlook data file starts with "!BDN".
    char head[8] = {};
    {
        std::ifstream in(path, std::ios::binary);
        if (!in) {
            out.push_back(error_item(source, path, fmt::format("cannot open {}: {}", path, std::strerror(errno))));
            return;
        }
        in.read(head, 8);
    }
    if (outlook::is_pff(std::string_view(head, 8))) {
        add_outlook_file(path, source, out, opt);
        return;
    }
    bool candidate = std::string_view(head, 5) == "From " ||
                     fs::path(path).filename().string().find(".mbox") != std::string::npos ||
                     fs::path(path).filename().string().find(".mbx") != std::string::npos;
    if (candidate && size > 0) {
        // Streamed (io/mbox_stream.hpp): the items are byte ranges read again by load(),
        // so an mbox of any size is never held in memory.
        std::vector<input_item> none;
        input_options so = opt;
        if (!so.max_bytes) so.max_bytes = limits{}.message_bytes;
        if (auto m = open_mbox_stream(path, so, none)) {
            while (auto bytes = m->reader->next()) {
                input_item it;
                it.source = fmt::format("{}#{}", source, m->reader->count() - 1);
                it.path = path;
                it.offset = m->reader->offset();
                it.length = bytes->size();
                it.whole_file = false;
                out.push_back(std::move(it));
            }
            if (m->reader->error())
                out.push_back(error_item(source, path, fmt::format("{}: {}", path, *m->reader->error())));
            return;
        }
    }
    input_item it;
    it.source = source;
    it.path = path;
    it.max_bytes = opt.max_bytes;
    if (opt.max_bytes && size > opt.max_bytes) it.full_size = size;
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

bool is_maildir(const fs::path& dir) {
    std::error_code ec;
    return fs::is_directory(dir / "cur", ec) && fs::is_directory(dir / "new", ec);
}

void add_dir(const fs::path& dir, const std::string& source_prefix, item_sink& out, int depth, const input_options& opt,
             dir_ids& seen) {
    if (depth > 64) return;  // absurd trees
    std::vector<fs::directory_entry> entries;
    std::error_code ec;
    for (fs::directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec), end; !ec && it != end;
         it.increment(ec))
        entries.push_back(*it);
    if (ec) {
        out.push_back(
            error_item(source_prefix, dir.string(), fmt::format("cannot list {}: {}", dir.string(), ec.message())));
        return;
    }
    std::sort(entries.begin(), entries.end(),
              [](const auto& a, const auto& b) { return a.path().filename() < b.path().filename(); });
    bool maildir = is_maildir(dir);
    auto unreadable = [&](const std::string& source, const fs::path& path, std::string_view why) {
        out.push_back(error_item(source, path.string(), fmt::format("cannot read {}: {}", path.string(), why)));
    };
    for (const auto& e : entries) {
        std::string name = e.path().filename().string();
        std::string source =
            source_prefix.empty() || source_prefix.back() == '/' ? source_prefix + name : source_prefix + "/" + name;
        std::error_code ec2;
        // The entry itself, not what a link points at: links are followed only on request,
        // so `ln -s / root` or `ln -s . loop` in a mail folder cannot walk the machine.
        const fs::file_status lst = e.symlink_status(ec2);
        fs::file_status st = lst;
        if (fs::is_symlink(lst)) {
            if (name.starts_with(".")) continue;
            st = e.status(ec2);
            if (ec2 || !fs::exists(st)) {
                // A dangling link where a message should be: say so rather than skip it
                // (nothing is opened to know it).
                unreadable(source, e.path(), "dangling symbolic link");
                continue;
            }
            if (!opt.follow_symlinks) continue;
        }
        if (fs::is_directory(st)) {
            if (maildir && name == "tmp") continue;
            // Maildir++ folders (".Sent", ".Archive") are hidden; other hidden dirs are not mail.
            if (name.starts_with(".") && !(maildir && is_maildir(e.path()))) continue;
            if (!first_visit(e.path(), seen)) continue;  // a link back into the walk
            add_dir(e.path(), source, out, depth + 1, opt, seen);
        } else if (fs::is_regular_file(st)) {
            if (name.starts_with(".")) continue;
            add_file(e.path().string(), source, out, opt);
        } else if (!name.starts_with(".")) {
            unreadable(source, e.path(), fmt::format("{}, not a mail file; skipped", special_kind(st.type())));
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
        std::error_code ec;
        auto st = fs::status(p, ec);
        if (ec || !fs::exists(st)) {
            out.push_back(error_item(
                p, p, fmt::format("cannot read {}: {}", p, ec ? ec.message() : "No such file or directory")));
        } else if (fs::is_directory(st)) {
            dir_ids seen;
            first_visit(p, seen);
            add_dir(p, p, out, 0, opt, seen);
        } else if (fs::is_fifo(st)) {
            // Named on the command line (`scan <(zcat mail.gz)`): a stream, like "-".
            std::ifstream in(p, std::ios::binary);
            if (!in) {
                out.push_back(error_item(p, p, fmt::format("cannot open {}: {}", p, std::strerror(errno))));
            } else {
                add_stream(in, p, out, opt);
            }
        } else if (!fs::is_regular_file(st)) {
            out.push_back(
                error_item(p, p, fmt::format("cannot read {}: {}, not a mail file", p, special_kind(st.type()))));
        } else {
            add_file(p, p, out, opt);
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

}  // namespace

result<std::string> load(const input_item& item) {
    if (item.error) return fail(errc::io, *item.error);
    if (item.produce) return item.produce();
    if (item.buffer) {
        if (item.whole_file) return msg_or_bytes(*item.buffer, item.source);
        return item.buffer->substr(item.offset, item.length);
    }
    if (!item.whole_file) {
        // One message of an mbox: only its byte range is read.
        std::ifstream in(item.path, std::ios::binary);
        if (!in) return fail(errc::io, fmt::format("cannot open {}: {}", item.path, std::strerror(errno)));
        std::string data(item.length, '\0');
        in.seekg(static_cast<std::streamoff>(item.offset));
        in.read(data.data(), static_cast<std::streamsize>(item.length));
        if (static_cast<std::size_t>(in.gcount()) != item.length)
            return fail(errc::io, fmt::format("{} changed while reading", item.path));
        return data;
    }
    auto data = read_file(item.path, item.max_bytes);
    if (!data) return data;
    return msg_or_bytes(std::move(*data), item.source);
}

}  // namespace replyguard::io
