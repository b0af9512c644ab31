// SPDX-License-Identifier: Apache-2.0
// attach/archive.cpp - archives (libarchive, from memory): members, passwords, bombs
//
// DESCRIPTION
//   Opens zip (plain, ZipCrypto, WinZip AES), 7z, rar/rar5, tar, cpio, lha, xar,
//   ISO 9660 and cab from memory, and single-file gzip/bzip2/xz/zstd/lzma streams
//   through libarchive's raw format. Each member is streamed out in chunks, counted
//   against the limits, and handed back to the dispatcher (analyse_file) one level
//   deeper, so an archive inside an archive is opened up to limits::archive_depth.
//
//   Encrypted members: a first pass reads what is readable and notes the smallest
//   encrypted member; then each candidate password (body, then thread) is tried
//   alone on that member, and the first one that decrypts it without error (ZipCrypto's
//   check byte lets 1 in 256 wrong passwords through, so the whole member is read and
//   its CRC or AES authentication code checked) opens the archive for a second pass.
//   The finding says which password and which body line opened it.
// LIMITS
//   archive_depth (ARCHIVE_TOO_DEEP), archive_entries (ARCHIVE_TOO_MANY_ENTRIES),
//   archive_bytes for the whole message (ARCHIVE_TOO_LARGE), archive_entry_bytes
//   (ARCHIVE_ENTRY_TOO_LARGE), archive_ratio once an entry passes 1 MiB (ARCHIVE_BOMB),
//   passwords_tried. Nothing larger than archive_entry_bytes is ever held in memory
//   for one member. UDF-only images cannot be read by libarchive; they are reported
//   as disk images by dangerous.cpp, not opened.
// DIAGNOSTICS
//   Every limit passed and every libarchive error is a finding, never an exception.
#include "attach/ids.hpp"
#include "attach/internal.hpp"
#include "mime/charset.hpp"

#include <archive.h>
#include <archive_entry.h>

#include <locale.h>
#include <clocale>

#include <algorithm>
#include <array>
#include <memory>
#include <optional>

namespace replyguard::attach {
namespace {

constexpr std::array k_symbols{
    symbol_info{ids::ARCHIVE_ENCRYPTED, "payload", 2.0, "encrypted archive attachment",
                "暗号化(パスワード付き)アーカイブが添付されている"},
    symbol_info{ids::ARCHIVE_PASSWORD_FROM_BODY, "payload", 4.0,
                "encrypted archive opened with a password written in the message body",
                "本文に書かれたパスワードで暗号化アーカイブが開けた"},
    symbol_info{ids::ARCHIVE_PASSWORD_FROM_THREAD, "payload", 4.0,
                "encrypted archive opened with a password sent in another mail of the thread",
                "同じスレッドの別メールで送られたパスワードで暗号化アーカイブが開けた"},
    symbol_info{ids::ARCHIVE_PASSWORD_UNKNOWN, "payload", 1.0,
                "encrypted archive that no candidate password opened (contents not inspected)",
                "どの候補パスワードでも開けない暗号化アーカイブ(中身は未検査)"},
    symbol_info{"ARCHIVE_IN_ARCHIVE", "payload", 5.0, "archive inside an archive", "アーカイブの中にアーカイブがある"},
    symbol_info{"ARCHIVE_TOO_DEEP", "payload", 2.0, "archives nested beyond the configured depth",
                "アーカイブの入れ子が上限を超えている"},
    symbol_info{"ARCHIVE_TOO_MANY_ENTRIES", "payload", 1.0, "archive with more entries than the configured limit",
                "アーカイブのエントリ数が上限を超えている"},
    symbol_info{"ARCHIVE_TOO_LARGE", "payload", 2.0, "decompressed archive contents exceed the per-message byte limit",
                "展開後のサイズがメッセージあたりの上限を超えている"},
    symbol_info{"ARCHIVE_ENTRY_TOO_LARGE", "payload", 1.0, "archive member larger than the configured limit",
                "アーカイブ内のファイルが上限サイズを超えている"},
    symbol_info{"ARCHIVE_BOMB", "payload", 5.0, "decompression bomb: compression ratio beyond the limit",
                "圧縮爆弾: 圧縮率が上限を超えている"},
    symbol_info{"ARCHIVE_CORRUPT", "payload", 0.5, "archive that cannot be read completely",
                "アーカイブが壊れていて完全には読めない"},
    // Explorer and 7-Zip list and extract a zip by its central directory; a local
    // header that names the member differently shows scanners another file.
    symbol_info{"ARCHIVE_NAME_MISMATCH", "payload", 5.0,
                "zip member named differently in the central directory and in its local header",
                "ZIP の中央ディレクトリとローカルヘッダでファイル名が異なる"},
};
enum sym_idx {
    s_encrypted,
    s_pw_body,
    s_pw_thread,
    s_pw_unknown,
    s_in_archive,
    s_too_deep,
    s_too_many,
    s_too_large,
    s_entry_too_large,
    s_bomb,
    s_corrupt,
    s_name_mismatch,
};

std::uint16_t rd16(std::string_view d, std::size_t p) {
    return static_cast<std::uint16_t>(static_cast<unsigned char>(d[p]) | (static_cast<unsigned char>(d[p + 1]) << 8));
}
std::uint32_t rd32(std::string_view d, std::size_t p) {
    return static_cast<std::uint32_t>(rd16(d, p)) | (static_cast<std::uint32_t>(rd16(d, p + 2)) << 16);
}

/// A zip member whose central directory name (what Windows shows and extracts)
/// differs from its local header name (what a streaming reader sees).
struct zip_name_pair {
    std::string central;
    std::string local;
};

/// Read the central directory of a zip held in memory and compare each entry's
/// name with the name in the local header it points at. libarchive's zip reader
/// takes names from the local headers, so this is done here, on the bytes:
/// EOCD (last "PK\5\6" within 64 KiB + 22 of the end), then the directory
/// entries (46 bytes + name + extra + comment each). Prefixed data (a
/// self-extractor stub) shifts every offset by the same amount; zip64 offsets are
/// not followed (nothing is compared then). At most `max_entries` entries.
std::vector<zip_name_pair> zip_name_mismatches(std::string_view d, std::size_t max_entries) {
    std::vector<zip_name_pair> out;
    if (d.size() < 22 || !d.starts_with("PK")) return out;
    const std::size_t from = d.size() > 65557 ? d.size() - 65557 : 0;
    const std::size_t eocd = d.rfind(std::string_view("PK\x05\x06", 4));
    if (eocd == std::string_view::npos || eocd < from || eocd + 22 > d.size()) return out;
    const std::size_t count = rd16(d, eocd + 10);
    const std::uint32_t cd_size = rd32(d, eocd + 12), cd_off = rd32(d, eocd + 16);
    if (cd_off == 0xFFFFFFFFu || cd_size == 0xFFFFFFFFu) return out;
    if (static_cast<std::uint64_t>(cd_off) + cd_size > eocd) return out;
    const std::size_t shift = eocd - (static_cast<std::size_t>(cd_off) + cd_size);
    std::size_t p = cd_off + shift;
    for (std::size_t i = 0; i < count && i < max_entries; ++i) {
        if (p + 46 > d.size() || d.substr(p, 4) != std::string_view("PK\x01\x02", 4)) break;
        const std::size_t n = rd16(d, p + 28), m = rd16(d, p + 30), k = rd16(d, p + 32);
        const std::uint32_t lo = rd32(d, p + 42);
        if (p + 46 + n > d.size()) break;
        const std::string_view name = d.substr(p + 46, n);
        p += 46 + n + m + k;
        if (lo == 0xFFFFFFFFu) continue;
        const std::size_t l = lo + shift;
        if (l + 30 > d.size() || d.substr(l, 4) != std::string_view("PK\x03\x04", 4)) continue;
        const std::size_t ln = rd16(d, l + 26);
        if (l + 30 + ln > d.size()) continue;
        const std::string_view lname = d.substr(l + 30, ln);
        if (lname != name && out.size() < 100) out.push_back({std::string(name), std::string(lname)});
    }
    return out;
}

/// UTF-8 for a raw zip name (CP932 names without the UTF-8 flag are common).
std::string raw_name_utf8(const std::string& s) {
    if (mime::is_valid_utf8(s)) return s;
    auto t = mime::to_utf8(s, "");
    return mime::is_valid_utf8(t.text) ? t.text : std::string("?");
}

constexpr std::size_t k_chunk = 64u << 10;
constexpr std::uint64_t k_ratio_floor = 1u << 20;   // ratios of small members mean nothing
constexpr std::uint64_t k_probe_bytes = 16u << 20;  // a password probe reads at most this much
constexpr int k_max_header_failures = 16;

// libarchive converts entry names to the current locale's charset and drops names
// it cannot convert (a UTF-8-flagged Japanese zip under the "C" locale has no
// names). A UTF-8 locale for this thread only, while archives are read, keeps the
// process locale untouched.
// The locale is made once a thread and freed when the thread ends (a thread of
// `scan --jobs`, of the milter's or serve's pool: 240 bytes each, which LeakSanitizer
// found when a worker thread that had read an archive ended).
class utf8_locale_scope {
public:
    utf8_locale_scope() {
        struct per_thread {
            locale_t loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(nullptr));
            ~per_thread() {
                if (loc) freelocale(loc);
            }
        };
        thread_local per_thread t;
        if (t.loc) old_ = uselocale(t.loc);
    }
    ~utf8_locale_scope() {
        if (old_) uselocale(old_);
    }
    utf8_locale_scope(const utf8_locale_scope&) = delete;
    utf8_locale_scope& operator=(const utf8_locale_scope&) = delete;

private:
    locale_t old_ = nullptr;
};

struct archive_deleter {
    void operator()(archive* a) const { archive_read_free(a); }
};
using archive_ptr = std::unique_ptr<archive, archive_deleter>;

bool is_single_stream(std::string_view sniffed) {
    for (std::string_view t : {"gzip", "bzip2", "x-xz", "zstd", "x-lzma", "x-compress", "x-lzip", "x-lz4"})
        if (sniffed.find(t) != std::string_view::npos) return true;
    return false;
}

archive_ptr open_reader(std::string_view data, const char* passphrase, bool raw) {
    archive_ptr a(archive_read_new());
    if (!a) return {};
    archive_read_support_filter_all(a.get());
    if (raw) {
        archive_read_support_format_raw(a.get());
    } else {
        // An explicit list: format_all would also let mtree/warc/ar bid on text.
        archive_read_support_format_zip(a.get());
        archive_read_support_format_7zip(a.get());
        archive_read_support_format_rar(a.get());
        archive_read_support_format_rar5(a.get());
        archive_read_support_format_tar(a.get());
        archive_read_support_format_cpio(a.get());
        archive_read_support_format_lha(a.get());
        archive_read_support_format_xar(a.get());
        archive_read_support_format_iso9660(a.get());
        archive_read_support_format_cab(a.get());
    }
    if (passphrase) archive_read_add_passphrase(a.get(), passphrase);
    if (archive_read_open_memory(a.get(), data.data(), data.size()) != ARCHIVE_OK) return {};
    return a;
}

// Entry names are often not UTF-8 (CP932 names in Japanese zips without the UTF-8
// flag); the charset module sniffs them. JSON needs valid UTF-8 in any case.
std::string entry_name(archive_entry* e) {
    if (const char* u = archive_entry_pathname_utf8(e)) {
        std::string s(u);
        if (mime::is_valid_utf8(s)) return s;
    }
    const char* r = archive_entry_pathname(e);
    if (!r) return {};
    std::string s(r);
    if (mime::is_valid_utf8(s)) return s;
    auto d = mime::to_utf8(s, "");
    if (mime::is_valid_utf8(d.text)) return d.text;
    std::string out;
    for (unsigned char c : s) out.push_back(c < 0x80 ? static_cast<char>(c) : '?');
    return out;
}

std::string libarchive_error(archive* a) {
    const char* s = archive_error_string(a);
    std::string m = s ? s : "unknown libarchive error";
    return mime::is_valid_utf8(m) ? m : std::string("libarchive error");
}

struct pass_result {
    bool opened = false;
    std::string format;
    std::size_t entries = 0;
    std::size_t encrypted = 0;                 ///< entries with encrypted data
    std::optional<std::size_t> probe_index;    ///< smallest encrypted entry
    std::vector<std::string> encrypted_names;  ///< names of encrypted entries left unread
    bool encryption_unsupported = false;
    bool stopped = false;  ///< a limit stopped the whole archive
};

struct archive_job {
    const file_view& f;
    analysis_state& st;
    attachment_report& rep;
    bool raw = false;
    bool nested_reported = false;
    std::size_t limit_flags = 0;  // one finding per limit per archive
    /// zip: local header name -> central directory name, where they differ.
    std::vector<zip_name_pair> renamed;

    void limit_once(sym_idx s, std::string detail, nlohmann::json ev) {
        if (limit_flags & (1u << s)) return;
        limit_flags |= 1u << s;
        emit(rep, k_symbols[s], std::move(detail), std::move(ev), f.path);
    }

    // Stream one member out, within the limits. Returns false when the archive
    // must not be read any further.
    bool read_member(archive* a, archive_entry* e, const std::string& name, std::string& buf, bool& truncated,
                     bool& failed) {
        const auto& lim = st.lim;
        const la_int64_t consumed0 = archive_filter_bytes(a, -1);
        // On the heap: this runs once per nesting level, on analysis threads.
        std::vector<char> chunk(k_chunk);
        for (;;) {
            if (out_of_time(st, rep, "archive member " + name, f.path)) return false;
            la_ssize_t n = archive_read_data(a, chunk.data(), chunk.size());
            if (n == 0) break;
            if (n < 0) {
                failed = true;
                emit(rep, k_symbols[s_corrupt], "member could not be read: " + libarchive_error(a), {{"member", name}},
                     f.path);
                return n != ARCHIVE_FATAL;
            }
            auto un = static_cast<std::uint64_t>(n);
            if (un > st.bytes_budget) {
                truncated = true;
                limit_once(s_too_large, "decompressed bytes for this message passed the limit",
                           {{"limit", lim.archive_bytes}, {"member", name}});
                if (st.opt && st.opt->bud)
                    st.opt->bud->hit("ANALYSIS_LIMIT",
                                     "decompressed bytes for this message passed limits.archive_bytes");
                st.bytes_budget = 0;
                return false;
            }
            if (buf.size() + un > lim.archive_entry_bytes) {
                truncated = true;
                emit(rep, k_symbols[s_entry_too_large], "member larger than the per-entry limit",
                     {{"member", name},
                      {"limit", lim.archive_entry_bytes},
                      {"declared_size", archive_entry_size_is_set(e) ? archive_entry_size(e) : -1}},
                     f.path);
                return true;
            }
            st.bytes_budget -= un;
            buf.append(chunk.data(), un);
            if (buf.size() >= k_ratio_floor) {
                auto consumed = std::max<la_int64_t>(archive_filter_bytes(a, -1) - consumed0, 1);
                double ratio = static_cast<double>(buf.size()) / static_cast<double>(consumed);
                if (ratio > lim.archive_ratio) {
                    truncated = true;
                    emit(rep, k_symbols[s_bomb], "member expands more than the ratio limit",
                         {{"member", name},
                          {"ratio", ratio},
                          {"limit", lim.archive_ratio},
                          {"read_bytes", buf.size()},
                          {"declared_size", archive_entry_size_is_set(e) ? archive_entry_size(e) : -1}},
                         f.path);
                    return false;
                }
            }
        }
        return true;
    }

    // One pass over the archive. Without a passphrase, encrypted members are only
    // listed; with one, only the encrypted members are read (the rest were done).
    pass_result run_pass(const char* passphrase, const std::string* password_note) {
        pass_result r;
        archive_ptr a = open_reader(f.data, passphrase, raw);
        if (!a) return r;
        r.opened = true;
        archive_entry* e = nullptr;
        int header_failures = 0;
        std::int64_t best_size = -1;
        for (std::size_t index = 0;; ++index) {
            if (out_of_time(st, rep, "archive listing", f.path)) {
                r.stopped = true;
                break;
            }
            int rc = archive_read_next_header(a.get(), &e);
            if (rc == ARCHIVE_EOF) break;
            if (rc == ARCHIVE_RETRY) {
                --index;
                if (++header_failures > k_max_header_failures) break;
                continue;
            }
            if (rc == ARCHIVE_FATAL || (rc == ARCHIVE_FAILED && ++header_failures > k_max_header_failures)) {
                if (!passphrase) {
                    int enc = archive_read_has_encrypted_entries(a.get());
                    if (enc > 0) {
                        ++r.encrypted;
                        r.encryption_unsupported = true;
                    } else
                        emit(rep, k_symbols[s_corrupt], "archive could not be read: " + libarchive_error(a.get()),
                             {{"entries_read", r.entries}}, f.path);
                }
                break;
            }
            if (r.format.empty() && archive_format_name(a.get())) r.format = archive_format_name(a.get());
            if (++r.entries > st.lim.archive_entries) {
                if (!passphrase)
                    limit_once(s_too_many, "archive has more entries than the limit; the rest were not inspected",
                               {{"limit", st.lim.archive_entries}});
                --r.entries;
                r.stopped = true;
                break;
            }
            if (archive_entry_filetype(e) != AE_IFREG && !raw) continue;
            std::string name = entry_name(e);
            std::string local_name;
            // Windows' view: the central directory's name, whatever the local header says.
            for (const auto& rn : renamed)
                if (raw_name_utf8(rn.local) == name) {
                    local_name = std::move(name);
                    name = raw_name_utf8(rn.central);
                    break;
                }
            if (raw && (name.empty() || name == "data")) {
                // A single compressed stream: name it after the attachment, minus ".gz".
                std::string_view base = f.name.empty() ? std::string_view("data") : f.name;
                auto dot = base.rfind('.');
                name = std::string(dot != std::string_view::npos && dot > 0 ? base.substr(0, dot) : base);
            }
            bool enc = archive_entry_is_data_encrypted(e) != 0;
            if (enc && !passphrase) {
                ++r.encrypted;
                r.encrypted_names.push_back(name);
                std::int64_t sz = archive_entry_size_is_set(e) ? archive_entry_size(e) : INT64_MAX;
                if (best_size < 0 || sz < best_size) {
                    best_size = sz;
                    r.probe_index = index;
                }
                continue;
            }
            if (!enc && passphrase) continue;

            auto& members = rep.details["members"];
            if (!members.is_array()) members = nlohmann::json::array();
            std::size_t slot = members.size();
            members.push_back(nlohmann::json::object());
            std::size_t fact_slot = rep.members.size();
            rep.members.emplace_back();
            std::string buf;
            bool truncated = false, failed = false;
            bool go_on = read_member(a.get(), e, name, buf, truncated, failed);

            nlohmann::json rec = nlohmann::json::object();
            file_view child;
            child.name = name;
            child.data = buf;
            child.path = f.path + "/" + name;
            child.depth = f.depth + 1;
            if (!failed || !buf.empty()) {
                child.sniffed = sniff_type(buf);
                if (is_archive_type(child.sniffed, buf) && !is_document_container(child.sniffed, buf) &&
                    !nested_reported) {
                    nested_reported = true;
                    emit(rep, k_symbols[s_in_archive], "an archive member is itself an archive",
                         {{"member", name}, {"type", child.sniffed}}, f.path);
                }
                analyse_file(child, st, rep, &rec);
            }
            rec["path"] = child.path;
            rec["name"] = name;
            if (!local_name.empty()) rec["local_header_name"] = local_name;
            rec["size"] = buf.size();
            if (archive_entry_size_is_set(e)) rec["declared_size"] = archive_entry_size(e);
            rec["encrypted"] = enc;
            if (enc && password_note) rec["password"] = *password_note;
            rec["truncated"] = truncated;
            rec["read_error"] = failed;
            rec["depth"] = child.depth;
            rep.members[fact_slot] = {name, rec.value("sha256", std::string())};
            rep.details["members"][slot] = std::move(rec);
            if (!go_on) {
                r.stopped = true;
                break;
            }
        }
        if (!passphrase) {
            int has = archive_read_has_encrypted_entries(a.get());
            // CAPS_ENCRYPT_DATA means "can detect", not "can decrypt": libarchive
            // decrypts zip only (ZipCrypto, WinZip AES); 7z and rar it only detects.
            if (r.encrypted > 0 && (archive_format(a.get()) & ARCHIVE_FORMAT_BASE_MASK) != ARCHIVE_FORMAT_ZIP)
                r.encryption_unsupported = true;
            if (has > 0 && r.encrypted == 0) {
                r.encrypted = 1;
                r.encryption_unsupported = true;
            }
        }
        return r;
    }

    // Does `pw` decrypt the encrypted member at `index` completely and correctly?
    bool probe(const std::string& pw, std::size_t index) {
        archive_ptr a = open_reader(f.data, pw.c_str(), raw);
        if (!a) return false;
        archive_entry* e = nullptr;
        for (std::size_t i = 0; i <= index; ++i) {
            int rc = archive_read_next_header(a.get(), &e);
            if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) return false;
        }
        std::vector<char> chunk(k_chunk);
        std::uint64_t total = 0;
        for (;;) {
            la_ssize_t n = archive_read_data(a.get(), chunk.data(), chunk.size());
            if (n == 0) return true;
            if (n < 0) return false;
            total += static_cast<std::uint64_t>(n);
            // A wrong password that passed the check byte fails in the inflater long
            // before this; a stored member is only checked at its end, hence the cap.
            if (total >= k_probe_bytes) return true;
        }
    }
};

}  // namespace

bool is_archive_type(std::string_view sniffed, std::string_view data) {
    for (std::string_view t : {"application/zip",
                               "application/x-zip",
                               "application/x-7z-compressed",
                               "application/x-rar",
                               "application/vnd.rar",
                               "application/gzip",
                               "application/x-gzip",
                               "application/x-bzip2",
                               "application/x-xz",
                               "application/zstd",
                               "application/x-lzma",
                               "application/x-tar",
                               "application/x-iso9660-image",
                               "application/vnd.ms-cab-compressed",
                               "application/x-cpio",
                               "application/x-lha",
                               "application/x-lzh",
                               "application/x-xar",
                               "application/java-archive",
                               "application/x-compress",
                               "application/x-lzip"})
        if (sniffed == t) return true;
    if (data.starts_with("PK\x03\x04") || data.starts_with("7z\xBC\xAF\x27\x1C") || data.starts_with("Rar!\x1A\x07") ||
        data.starts_with("MSCF") || data.starts_with("\x1F\x8B"))
        return true;
    return data.size() > 0x8006 && data.substr(0x8001, 5) == "CD001";
}

bool analyse_archive(const file_view& f, analysis_state& st, attachment_report& rep) {
    utf8_locale_scope locale_scope;
    archive_job job{f, st, rep, false, false, 0, {}};
    if (static_cast<std::size_t>(f.depth) >= st.lim.archive_depth) {
        emit(rep, k_symbols[s_too_deep], "archive nested too deep; not opened",
             {{"depth", f.depth}, {"limit", st.lim.archive_depth}}, f.path);
        return true;
    }
    // ZIP as Windows reads it: names from the central directory; a local header
    // that disagrees is itself a finding (and the member is judged by both names).
    job.renamed = zip_name_mismatches(f.data, st.lim.archive_entries);
    if (!job.renamed.empty()) {
        nlohmann::json pairs = nlohmann::json::array();
        for (const auto& rn : job.renamed)
            pairs.push_back(
                {{"central_directory", raw_name_utf8(rn.central)}, {"local_header", raw_name_utf8(rn.local)}});
        emit(rep, k_symbols[s_name_mismatch],
             "member named \"" + raw_name_utf8(job.renamed.front().central) + "\" in the central directory but \"" +
                 raw_name_utf8(job.renamed.front().local) + "\" in its local header",
             {{"members", std::move(pairs)}}, f.path);
        for (const auto& rn : job.renamed) {  // the local name is judged when the member is read
            file_view child;
            const std::string local = raw_name_utf8(rn.local);
            child.name = local;
            child.path = f.path + "/" + local;
            child.depth = f.depth + 1;
            check_dangerous(child, "", st, rep);
        }
    }
    // A gzip/xz/bzip2 stream is usually a tarball; only when no archive format
    // recognises what it decompresses to is it one compressed file.
    pass_result first = job.run_pass(nullptr, nullptr);
    if (!first.opened && (is_single_stream(f.sniffed) || is_single_stream(sniff_type(f.data)))) {
        job.raw = true;
        first = job.run_pass(nullptr, nullptr);
    }
    if (!first.opened) {
        emit(rep, k_symbols[s_corrupt], "looks like an archive but cannot be opened", {{"type", f.sniffed}}, f.path);
        return false;
    }

    nlohmann::json info = {{"path", f.path},
                           {"format", first.format},
                           {"entries", first.entries},
                           {"encrypted_entries", first.encrypted},
                           {"depth", f.depth}};
    if (first.encrypted > 0) {
        emit(rep, k_symbols[s_encrypted], "the archive has encrypted members",
             {{"encrypted_entries", first.encrypted},
              {"format", first.format},
              {"decryption_supported", !first.encryption_unsupported}},
             f.path);
        std::optional<std::size_t> opened_by;
        std::size_t tried = 0;
        if (!first.encryption_unsupported && first.probe_index && !first.stopped) {
            for (std::size_t i = 0; i < st.passwords.size() && tried < st.lim.passwords_tried && !st.expired();
                 ++i, ++tried) {
                if (job.probe(st.passwords[i], *first.probe_index)) {
                    opened_by = i;
                    ++tried;
                    break;
                }
            }
        }
        info["passwords_tried"] = tried;
        if (opened_by) {
            const std::string& pw = st.passwords[*opened_by];
            std::string line = *opened_by < st.password_lines.size() ? st.password_lines[*opened_by] : "";
            info["password"] = pw;
            if (!line.empty()) {
                info["password_source"] = "body";
                emit(rep, k_symbols[s_pw_body], "opened with the password \"" + pw + "\" from the message body",
                     {{"password", pw}, {"source_line", line}, {"encrypted_entries", first.encrypted}}, f.path);
            } else {
                info["password_source"] = "thread";
                emit(rep, k_symbols[s_pw_thread], "opened with the password \"" + pw + "\" from the thread",
                     {{"password", pw}, {"encrypted_entries", first.encrypted}}, f.path);
            }
            job.run_pass(pw.c_str(), &pw);
        } else {
            emit(rep, k_symbols[s_pw_unknown],
                 first.encryption_unsupported ? "encrypted archive in a format whose decryption is not supported"
                                              : "no candidate password opened the archive",
                 {{"passwords_tried", tried}, {"encrypted_entries", first.encrypted}}, f.path);
            // The names are visible even when the contents are not: judge them.
            for (const auto& n : first.encrypted_names) {
                file_view child;
                child.name = n;
                child.path = f.path + "/" + n;
                child.depth = f.depth + 1;
                check_dangerous(child, "", st, rep);
            }
        }
    }
    auto& archives = rep.details["archives"];
    if (!archives.is_array()) archives = nlohmann::json::array();
    archives.push_back(std::move(info));
    return true;
}

std::vector<symbol_info> archive_symbols() { return {k_symbols.begin(), k_symbols.end()}; }

}  // namespace replyguard::attach
