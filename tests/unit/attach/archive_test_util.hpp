// SPDX-License-Identifier: Apache-2.0
// tests/unit/attach/archive_test_util.hpp - archives written with libarchive, messages built in memory
#pragma once

#include "attach/report.hpp"
#include "mime/message.hpp"

#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

namespace rg_test {

struct entry {
    std::string name;
    std::string data;
};

struct write_opts {
    std::string format = "zip";  ///< zip, 7zip, ustar, iso9660
    std::string filter{};        ///< "", "gzip", "bzip2", "xz"
    std::string options{};       ///< archive_write_set_options, e.g. "zip:encryption=zipcrypt"
    std::string passphrase{};
};

inline int on_write_open(archive*, void*) { return ARCHIVE_OK; }
inline la_ssize_t on_write(archive*, void* out, const void* buf, size_t n) {
    static_cast<std::string*>(out)->append(static_cast<const char*>(buf), n);
    return static_cast<la_ssize_t>(n);
}
inline int on_write_close(archive*, void*) { return ARCHIVE_OK; }

/// An archive holding `entries`, written by libarchive. Empty on failure.
inline std::string make_archive(const std::vector<entry>& entries, const write_opts& o = {}) {
    std::string out;
    archive* a = archive_write_new();
    if (archive_write_set_format_by_name(a, o.format.c_str()) != ARCHIVE_OK) {
        archive_write_free(a);
        return {};
    }
    if (!o.filter.empty()) archive_write_add_filter_by_name(a, o.filter.c_str());
    if (!o.options.empty() && archive_write_set_options(a, o.options.c_str()) != ARCHIVE_OK) {
        archive_write_free(a);
        return {};
    }
    if (!o.passphrase.empty()) archive_write_set_passphrase(a, o.passphrase.c_str());
    archive_write_set_bytes_in_last_block(a, 1);
    if (archive_write_open(a, &out, on_write_open, on_write, on_write_close) != ARCHIVE_OK) {
        archive_write_free(a);
        return {};
    }
    for (const auto& e : entries) {
        archive_entry* ae = archive_entry_new();
        archive_entry_set_pathname(ae, e.name.c_str());
        archive_entry_set_filetype(ae, AE_IFREG);
        archive_entry_set_perm(ae, 0644);
        archive_entry_set_size(ae, static_cast<la_int64_t>(e.data.size()));
        archive_entry_set_mtime(ae, 1604280000, 0);
        archive_write_header(a, ae);
        // libarchive writers take large buffers in pieces.
        for (std::size_t off = 0; off < e.data.size();) {
            auto n = archive_write_data(a, e.data.data() + off, e.data.size() - off);
            if (n <= 0) break;
            off += static_cast<std::size_t>(n);
        }
        archive_entry_free(ae);
    }
    archive_write_close(a);
    archive_write_free(a);
    return out;
}

/// Incompressible bytes (xorshift), deterministic.
inline std::string noise(std::size_t n, std::uint64_t seed = 88172645463325252ull) {
    std::string s(n, '\0');
    for (auto& c : s) {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        c = static_cast<char>(seed & 0xFF);
    }
    return s;
}

/// A minimal PE image: MZ header pointing at a PE signature (enough for any PE sniffing).
inline std::string tiny_pe() {
    std::string d(512, '\0');
    d[0] = 'M';
    d[1] = 'Z';
    d[0x3C] = 0x80;
    d.replace(0x80, 4, std::string("PE\0\0", 4));
    d.replace(0x84, 2, "\x4c\x01");  // i386
    return d;
}

inline replyguard::mime::message message_with(std::string body, std::vector<replyguard::mime::attachment> atts) {
    replyguard::mime::message m;
    m.body_text = body;
    m.new_text = std::move(body);
    m.attachments = std::move(atts);
    return m;
}

inline replyguard::mime::attachment attachment(std::string name, std::string data,
                                               std::string declared = "application/octet-stream") {
    replyguard::mime::attachment a;
    a.filename = std::move(name);
    a.declared_type = std::move(declared);
    a.size = data.size();
    a.data = std::move(data);
    return a;
}

inline bool has(const replyguard::attach::attachment_report& r, std::string_view id) {
    return std::ranges::any_of(r.findings, [&](const auto& f) { return f.id == id; });
}
inline const replyguard::finding* find(const replyguard::attach::attachment_report& r, std::string_view id) {
    for (const auto& f : r.findings)
        if (f.id == id) return &f;
    return nullptr;
}

}  // namespace rg_test
