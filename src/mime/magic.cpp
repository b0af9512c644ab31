// SPDX-License-Identifier: Apache-2.0
// mime/magic.cpp - one libmagic handle a thread (see magic.hpp)
#include "mime/magic.hpp"

#include <fcntl.h>
#include <magic.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace replyguard::mime {
namespace {

constexpr int k_common = MAGIC_NO_CHECK_COMPRESS | MAGIC_ERROR;
constexpr int k_type_flags = MAGIC_MIME_TYPE | k_common;
constexpr int k_label_flags = k_common;

/// The compiled database, mapped read-only once for the process and handed to every
/// thread's handle (magic_load_buffers). magic_load() maps its own copy a handle (8.3 MB
/// of Debian 12's magic.mgc, each copy counted in RSS as its pages are read: a worker
/// thread cost ~7 MB more); libmagic 5.44 reads a buffer in place (apprentice_buf), never
/// writes to it once loaded (its own mapping is made read-only after the load), and
/// keeps each handle's compiled regexes in the handle, so handles on other threads
/// share it safely.
///
/// The mapping is populated when it is made (MAP_POPULATE): libmagic walks its rules
/// in an order set by what each attachment holds, so mapped page by page the pages
/// resident grew with the variety of the mail seen: 1.9 MB of the file after 100
/// generated messages, 7.6 MB after 100,000, a step in the process's RSS that came
/// from the input (bench/README.md, Round 23), and a first attachment of a new kind
/// met page faults (disk reads on a cold cache) inside its message's time: the
/// milter's latency. Read in whole, the file's 8.3 MB are resident from the first
/// attachment on. They are the kernel's page cache, shared with every process that
/// maps the file, not memory of ours; the cost is the read, ~1 ms from the cache.
///
/// What magic_load(nullptr) would read is magic_getpath's list (Debian:
/// "/etc/magic:/usr/share/misc/magic"): for each entry its compiled form (entry.mgc)
/// when there is one, else the entry as rule source. Here the compiled ones are mapped
/// and a source file that holds only comments and blank lines (Debian's /etc/magic
/// until an administrator adds rules) is passed over; anything else (local rules, a
/// directory, a missing entry, a database of the other byte order, which the load
/// would byte-swap in place) is left to magic_load() a handle, as before.
class database {
public:
    static const database& get() {
        static const database d;
        return d;
    }
    /// Empty: load each handle with magic_load().
    const std::vector<void*>& buffers() const { return bufs_; }
    const std::vector<std::size_t>& sizes() const { return sizes_; }

private:
    database() {
        const char* list = magic_getpath(nullptr, 0);  // 0: FILE_LOAD; $MAGIC or the default
        if (!list || !*list) return;
        std::vector<void*> bufs;
        std::vector<std::size_t> sizes;
        std::string_view rest = list;
        while (!rest.empty()) {
            const auto colon = rest.find(':');
            const std::string entry(rest.substr(0, colon));
            rest = colon == std::string_view::npos ? std::string_view{} : rest.substr(colon + 1);
            if (entry.empty()) continue;
            const bool mgc = entry.ends_with(".mgc");
            if (auto [p, n] = map_compiled(mgc ? entry : entry + ".mgc"); p) {
                bufs.push_back(p);
                sizes.push_back(n);
            } else if (mgc || !only_comments(entry)) {
                for (std::size_t i = 0; i < bufs.size(); ++i) ::munmap(bufs[i], sizes[i]);
                return;
            }
        }
        bufs_ = std::move(bufs);
        sizes_ = std::move(sizes);
    }
    ~database() = default;  // mapped for the process's life: handles of other threads may outlive statics

    /// A compiled database of this machine's byte order, mapped read-only; {} otherwise.
    static std::pair<void*, std::size_t> map_compiled(const std::string& path) {
        const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) return {};
        std::pair<void*, std::size_t> out{};
        struct stat st {};
        std::uint32_t head = 0;
        constexpr std::uint32_t k_magicno = 0xF11E041C;  // file.h MAGICNO, read in this machine's order
        if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 8 && ::pread(fd, &head, 4, 0) == 4 &&
            head == k_magicno) {
            // MAP_POPULATE: the whole database is read in now, not page by page as
            // rules are reached (see the class comment).
            void* p =
                ::mmap(nullptr, static_cast<std::size_t>(st.st_size), PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
            if (p != MAP_FAILED) out = {p, static_cast<std::size_t>(st.st_size)};
        }
        ::close(fd);
        return out;
    }
    /// A regular file of comment and blank lines only (no rule to load).
    static bool only_comments(const std::string& path) {
        struct stat st {};
        if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > (1 << 20)) return false;
        std::ifstream in(path);
        if (!in) return false;
        for (std::string line; std::getline(in, line);) {
            const auto first = line.find_first_not_of(" \t\r");
            if (first != std::string::npos && line[first] != '#') return false;
        }
        return !in.bad();
    }

    std::vector<void*> bufs_;
    std::vector<std::size_t> sizes_;
};

struct handle {
    magic_t m = nullptr;
    int flags = k_type_flags;
    handle() {
        // Loading costs milliseconds: once a thread, from the process's one mapping.
        m = magic_open(flags);
        if (!m) return;
        const database& db = database::get();
        int rc;
        if (!db.buffers().empty()) {
            std::vector<void*> bufs = db.buffers();  // magic_load_buffers takes them unconst
            std::vector<std::size_t> sizes = db.sizes();
            rc = magic_load_buffers(m, bufs.data(), sizes.data(), bufs.size());
            if (rc != 0) rc = magic_load(m, nullptr);  // a database it would not take from memory
        } else {
            rc = magic_load(m, nullptr);
        }
        if (rc != 0) {
            magic_close(m);
            m = nullptr;
        }
    }
    ~handle() {
        if (m) magic_close(m);
    }
    handle(const handle&) = delete;
    handle& operator=(const handle&) = delete;

    std::string ask(int want, std::string_view data) {
        if (!m) return {};
        if (flags != want) {
            if (magic_setflags(m, want) != 0) return {};
            flags = want;
        }
        const char* r = magic_buffer(m, data.data(), data.size());
        return r ? std::string(r) : std::string();
    }
};

handle& thread_handle() {
    thread_local handle h;
    return h;
}

}  // namespace

std::string magic_type(std::string_view data) { return thread_handle().ask(k_type_flags, data); }

magic_answer magic_sniff(std::string_view data) {
    handle& h = thread_handle();
    magic_answer a;
    a.label = h.ask(k_label_flags, data);
    // Only a text's description can be the rules' silence ("ASCII text, with CRLF
    // line terminators"): other bytes are not asked a third time.
    if (a.label.find("text") != std::string::npos && h.ask(k_label_flags | MAGIC_NO_CHECK_SOFT, data) == a.label) {
        a.type = h.ask(k_type_flags | MAGIC_NO_CHECK_SOFT, data);
        return a;
    }
    a.type = h.ask(k_type_flags, data);
    return a;
}

}  // namespace replyguard::mime
