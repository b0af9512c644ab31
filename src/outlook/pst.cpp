// SPDX-License-Identifier: Apache-2.0
// outlook/pst.cpp - PST/OST through libpff.
#include "outlook/pst.hpp"

#include "outlook/mapi.hpp"

#include <fmt/format.h>
#include <libpff.h>

#include <algorithm>
#include <cctype>
#include <mutex>
#include <set>

namespace replyguard::outlook {

namespace {

// Message store properties naming special folders (MS-PST 2.4.3, MS-OXPROPS).
constexpr std::uint32_t k_ipm_subtree_entryid = 0x35E0;
constexpr std::uint32_t k_ipm_outbox_entryid = 0x35E2;
constexpr std::uint32_t k_ipm_wastebasket_entryid = 0x35E3;
constexpr std::uint32_t k_ipm_sentmail_entryid = 0x35E4;
constexpr int k_max_folder_depth = 64;

std::string take_error(libpff_error_t*& e) {
    if (!e) return "unknown libpff error";
    char buf[512] = {};
    libpff_error_sprint(e, buf, sizeof buf);
    libpff_error_free(&e);
    std::string s(buf);
    // libpff's backtrace is one line per level; the last one says what failed.
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
    if (auto nl = s.rfind('\n'); nl != std::string::npos) s = s.substr(nl + 1);
    return s;
}

struct item_ptr {
    libpff_item_t* p = nullptr;
    item_ptr() = default;
    explicit item_ptr(libpff_item_t* x) : p(x) {}
    ~item_ptr() { reset(); }
    item_ptr(item_ptr&& o) noexcept : p(o.p) { o.p = nullptr; }
    item_ptr& operator=(item_ptr&& o) noexcept {
        if (this != &o) {
            reset();
            p = o.p;
            o.p = nullptr;
        }
        return *this;
    }
    void reset() {
        if (p) libpff_item_free(&p, nullptr);
        p = nullptr;
    }
    libpff_item_t** out() {
        reset();
        return &p;
    }
    explicit operator bool() const { return p != nullptr; }
};

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

// The properties of one record set (a message, an attachment or one recipient).
property_map read_record_set(libpff_record_set_t* rs, bool skip_attach_data) {
    property_map out;
    int n = 0;
    if (libpff_record_set_get_number_of_entries(rs, &n, nullptr) != 1) return out;
    for (int i = 0; i < n; ++i) {
        libpff_record_entry_t* re = nullptr;
        if (libpff_record_set_get_entry_by_index(rs, i, &re, nullptr) != 1 || !re) continue;
        std::uint32_t et = 0, vt = 0;
        libpff_record_entry_get_entry_type(re, &et, nullptr);
        libpff_record_entry_get_value_type(re, &vt, nullptr);
        const auto id = static_cast<std::uint16_t>(et & 0xFFFF);
        const bool keep = id < 0x8000 && !(skip_attach_data && id == pr_attach_data) && !out.contains(id);
        if (keep) {
            property p;
            p.type = static_cast<std::uint16_t>(vt);
            if (vt == pt_unicode) {
                std::size_t sz = 0;
                if (libpff_record_entry_get_data_as_utf8_string_size(re, &sz, nullptr) == 1 && sz > 0) {
                    std::string s(sz, '\0');
                    if (libpff_record_entry_get_data_as_utf8_string(re, reinterpret_cast<std::uint8_t*>(s.data()), sz,
                                                                    nullptr) == 1) {
                        s.resize(std::strlen(s.c_str()));
                        p.value = std::move(s);
                    }
                }
            } else {
                std::size_t sz = 0;
                if (libpff_record_entry_get_data_size(re, &sz, nullptr) == 1 && sz > 0) {
                    p.value.resize(sz);
                    if (libpff_record_entry_get_data(re, reinterpret_cast<std::uint8_t*>(p.value.data()), sz,
                                                     nullptr) != 1)
                        p.value.clear();
                }
            }
            out.emplace(id, std::move(p));
        }
        libpff_record_entry_free(&re, nullptr);
    }
    return out;
}

// 8-bit strings (ANSI PSTs from Outlook 97-2002, and some properties of newer
// files) are kept as bytes by read_record_set() and decoded here, in the
// message's own code page: libpff would use one code page for the whole file.
std::uint32_t codepage_of(const property_map& p) {
    for (auto id : {pr_internet_cpid, pr_message_codepage})
        if (auto v = get_u32(p, id); v && *v) return *v;
    return 1252;
}

void decode_string8(property_map& p, std::uint32_t cp) {
    for (auto& [id, v] : p)
        if (v.type == pt_string8) v.value = codepage_to_utf8(std::string(v.value.c_str()), cp);
}

property_map item_props(libpff_item_t* item, bool skip_attach_data = false) {
    libpff_record_set_t* rs = nullptr;
    if (libpff_item_get_record_set_by_index(item, 0, &rs, nullptr) != 1 || !rs) return {};
    auto p = read_record_set(rs, skip_attach_data);
    libpff_record_set_free(&rs, nullptr);
    return p;
}

std::string folder_name(libpff_item_t* f) {
    std::size_t sz = 0;
    if (libpff_folder_get_utf8_name_size(f, &sz, nullptr) != 1 || sz == 0) return {};
    std::string s(sz, '\0');
    if (libpff_folder_get_utf8_name(f, reinterpret_cast<std::uint8_t*>(s.data()), sz, nullptr) != 1) return {};
    s.resize(std::strlen(s.c_str()));
    return s;
}

// '/' separates folders and '#' the parts of a source name: escape them in a folder name.
std::string escape_name(std::string_view s) {
    std::string o;
    for (char c : s) {
        if (c == '/')
            o += "%2F";
        else if (c == '#')
            o += "%23";
        else if (c == '%')
            o += "%25";
        else if (static_cast<unsigned char>(c) < 0x20)
            o += ' ';
        else
            o += c;
    }
    return o.empty() ? "(unnamed)" : o;
}

// The descriptor id an entry id names (its last 4 bytes, MS-PST 2.2.2.1: EntryID = flags, provider uid, NID).
std::optional<std::uint32_t> entryid_nid(const property_map& store, std::uint32_t id) {
    auto b = get_binary(store, static_cast<std::uint16_t>(id));
    if (!b || b->size() < 24) return std::nullopt;
    std::string_view v(*b);
    v = v.substr(v.size() - 4);
    return static_cast<std::uint32_t>(static_cast<unsigned char>(v[0]) | (static_cast<unsigned char>(v[1]) << 8) |
                                      (static_cast<unsigned char>(v[2]) << 16) |
                                      (std::uint32_t(static_cast<unsigned char>(v[3])) << 24));
}

folder_role role_by_name(std::string_view parent_path, std::string name) {
    if (!parent_path.empty()) return folder_role::other;  // special folders sit at the top
    name = lower(name);
    auto any = [&](std::initializer_list<std::string_view> l) {
        return std::ranges::any_of(l, [&](std::string_view s) { return name == s; });
    };
    if (any({"inbox", "受信トレイ", "posteingang", "boîte de réception"})) return folder_role::inbox;
    if (any({"sent items", "sent", "sent mail", "sent messages", "送信済みアイテム", "送信済み", "gesendete elemente",
             "éléments envoyés"}))
        return folder_role::sent;
    if (any({"outbox", "送信トレイ", "postausgang", "boîte d'envoi"})) return folder_role::outbox;
    if (any({"deleted items", "trash", "削除済みアイテム", "gelöschte elemente", "éléments supprimés"}))
        return folder_role::deleted;
    if (any({"drafts", "下書き", "entwürfe", "brouillons"})) return folder_role::drafts;
    if (any({"junk e-mail", "junk email", "junk", "spam", "迷惑メール", "junk-e-mail"})) return folder_role::junk;
    return folder_role::other;
}

bool is_mail(int type) {
    return type == LIBPFF_ITEM_TYPE_EMAIL || type == LIBPFF_ITEM_TYPE_EMAIL_SMIME || type == LIBPFF_ITEM_TYPE_MEETING ||
           type == LIBPFF_ITEM_TYPE_POSTING_NOTE || type == LIBPFF_ITEM_TYPE_SHARING ||
           type == LIBPFF_ITEM_TYPE_TASK_REQUEST || type == LIBPFF_ITEM_TYPE_COMMON ||
           type == LIBPFF_ITEM_TYPE_CONFLICT_MESSAGE || type == LIBPFF_ITEM_TYPE_UNKNOWN ||
           type == LIBPFF_ITEM_TYPE_FAX || type == LIBPFF_ITEM_TYPE_VOICEMAIL;
}

// Mail classes only: an IPM.Contact in a mail folder is not mail.
bool is_mail_class(const property_map& p) {
    auto cls = get_string(p, pr_message_class);
    if (!cls) return true;
    std::string c = lower(*cls);
    return c.starts_with("ipm.note") || c == "ipm" || c.starts_with("ipm.schedule.meeting") ||
           c.starts_with("report.ipm.note") || c.starts_with("ipm.post") || c.starts_with("ipm.outlook.recall") ||
           c.starts_with("ipm.sharing");
}

mapi_message read_message(libpff_item_t* msg, int depth, std::vector<std::string>& warnings);

void read_attachments(libpff_item_t* msg, mapi_message& out, int depth) {
    int n = 0;
    libpff_error_t* e = nullptr;
    if (libpff_message_get_number_of_attachments(msg, &n, &e) != 1) {
        out.warnings.push_back("attachments not readable: " + take_error(e));
        return;
    }
    for (int i = 0; i < n; ++i) {
        item_ptr att;
        if (libpff_message_get_attachment(msg, i, att.out(), &e) != 1) {
            out.warnings.push_back(fmt::format("attachment {} not readable: {}", i, take_error(e)));
            continue;
        }
        mapi_attachment a;
        a.props = item_props(att.p, true);
        decode_string8(a.props, codepage_of(out.props));
        int type = 0;
        libpff_attachment_get_type(att.p, &type, nullptr);
        if (type == LIBPFF_ATTACHMENT_TYPE_DATA) {
            size64_t size = 0;
            if (libpff_attachment_get_data_size(att.p, &size, nullptr) == 1 && size > 0) {
                if (size > (std::uint64_t(1) << 31)) {
                    out.warnings.push_back(fmt::format("attachment {} too large ({} bytes)", i, size));
                } else {
                    a.data.resize(static_cast<std::size_t>(size));
                    libpff_attachment_data_seek_offset(att.p, 0, SEEK_SET, nullptr);
                    ssize_t got = libpff_attachment_data_read_buffer(
                        att.p, reinterpret_cast<std::uint8_t*>(a.data.data()), a.data.size(), &e);
                    if (got < 0) {
                        out.warnings.push_back(fmt::format("attachment {} data not readable: {}", i, take_error(e)));
                        a.data.clear();
                    } else {
                        a.data.resize(static_cast<std::size_t>(got));
                    }
                }
            }
        } else if (type == LIBPFF_ATTACHMENT_TYPE_ITEM && depth + 1 < k_max_embedded_depth) {
            item_ptr sub;
            if (libpff_attachment_get_item(att.p, sub.out(), &e) == 1 && sub) {
                a.embedded = std::make_unique<mapi_message>(read_message(sub.p, depth + 1, out.warnings));
            } else {
                out.warnings.push_back(fmt::format("attached message {} not readable: {}", i, take_error(e)));
            }
        }
        out.attachments.push_back(std::move(a));
    }
}

mapi_message read_message(libpff_item_t* msg, int depth, std::vector<std::string>& warnings) {
    mapi_message m;
    m.props = item_props(msg);
    const std::uint32_t cp = codepage_of(m.props);
    decode_string8(m.props, cp);
    item_ptr recips;
    libpff_error_t* e = nullptr;
    int r = libpff_message_get_recipients(msg, recips.out(), &e);
    if (r == 1 && recips) {
        int sets = 0;
        libpff_item_get_number_of_record_sets(recips.p, &sets, nullptr);
        for (int i = 0; i < sets; ++i) {
            libpff_record_set_t* rs = nullptr;
            if (libpff_item_get_record_set_by_index(recips.p, i, &rs, nullptr) == 1 && rs) {
                m.recipients.push_back(read_record_set(rs, false));
                decode_string8(m.recipients.back(), cp);
                libpff_record_set_free(&rs, nullptr);
            }
        }
    } else if (r == -1) {
        m.warnings.push_back("recipient table not readable: " + take_error(e));
    }
    read_attachments(msg, m, depth);
    for (auto& w : m.warnings) warnings.push_back(w);
    if (depth > 0) m.warnings.clear();  // reported once, on the outer message
    return m;
}

}  // namespace

std::string_view role_name(folder_role r) noexcept {
    switch (r) {
    case folder_role::inbox: return "inbox";
    case folder_role::sent: return "sent";
    case folder_role::outbox: return "outbox";
    case folder_role::deleted: return "deleted";
    case folder_role::drafts: return "drafts";
    case folder_role::junk: return "junk";
    case folder_role::other: break;
    }
    return "other";
}

struct pst_file::impl {
    libpff_file_t* file = nullptr;
    mutable std::mutex mu;
    ex_map ex;
    ~impl() {
        if (file) {
            libpff_file_close(file, nullptr);
            libpff_file_free(&file, nullptr);
        }
    }
};

pst_file::~pst_file() = default;

result<std::shared_ptr<pst_file>> pst_file::open(const std::string& path,
                                                 const std::function<void(const pst_folder&)>& progress) {
    std::shared_ptr<pst_file> f(new pst_file());
    f->path_ = path;
    f->impl_ = std::make_unique<impl>();
    libpff_error_t* e = nullptr;
    if (libpff_file_initialize(&f->impl_->file, &e) != 1)
        return fail(errc::internal, "cannot initialise libpff: " + take_error(e));
    if (libpff_file_open(f->impl_->file, path.c_str(), libpff_get_access_flags_read(), &e) != 1) {
        std::string why = take_error(e);
        libpff_file_free(&f->impl_->file, nullptr);
        return fail(errc::io, fmt::format("cannot open {} as an Outlook data file: {}", path, why));
    }
    libpff_file_t* file = f->impl_->file;
    std::uint8_t ct = 0;
    libpff_file_get_content_type(file, &ct, nullptr);
    f->kind_ = ct == LIBPFF_FILE_CONTENT_TYPE_OST ? "OST" : ct == LIBPFF_FILE_CONTENT_TYPE_PAB ? "PAB" : "PST";
    if (libpff_file_is_corrupted(file, nullptr) == 1)
        f->errors_.push_back("the file is marked as damaged; reading what can be read");

    // Special folders from the message store.
    std::optional<std::uint32_t> subtree, sent, outbox, deleted;
    {
        item_ptr store;
        if (libpff_file_get_message_store(file, store.out(), nullptr) == 1 && store) {
            auto sp = item_props(store.p);  // binary entry ids only: no strings to decode
            subtree = entryid_nid(sp, k_ipm_subtree_entryid);
            sent = entryid_nid(sp, k_ipm_sentmail_entryid);
            outbox = entryid_nid(sp, k_ipm_outbox_entryid);
            deleted = entryid_nid(sp, k_ipm_wastebasket_entryid);
        }
    }
    item_ptr top;
    if (subtree && libpff_file_get_item_by_identifier(file, *subtree, top.out(), nullptr) != 1) top.reset();
    if (!top && libpff_file_get_root_folder(file, top.out(), &e) != 1) {
        std::string why = take_error(e);
        return fail(errc::io, fmt::format("{}: no readable folder: {}", path, why));
    }

    std::set<std::string> owners, owner_dns;
    // Depth first, in the file's folder order.
    std::function<void(libpff_item_t*, const std::string&, int)> walk = [&](libpff_item_t* folder,
                                                                            const std::string& fpath, int depth) {
        if (depth > k_max_folder_depth) return;
        std::uint32_t fid = 0;
        libpff_item_get_identifier(folder, &fid, nullptr);
        pst_folder info;
        info.path = fpath;
        std::string leaf = fpath.substr(fpath.rfind('/') == std::string::npos ? 0 : fpath.rfind('/') + 1);
        if (sent && fid == *sent)
            info.role = folder_role::sent;
        else if (outbox && fid == *outbox)
            info.role = folder_role::outbox;
        else if (deleted && fid == *deleted)
            info.role = folder_role::deleted;
        else if (!fpath.empty())
            info.role = role_by_name(fpath.find('/') == std::string::npos ? "" : "x", leaf);
        int n = 0;
        libpff_error_t* fe = nullptr;
        if (!fpath.empty()) {
            if (libpff_folder_get_number_of_sub_messages(folder, &n, &fe) != 1) {
                f->errors_.push_back(fmt::format("folder {}: messages not readable: {}", fpath, take_error(fe)));
                n = 0;
            }
            for (int i = 0; i < n; ++i) {
                item_ptr m;
                if (libpff_folder_get_sub_message(folder, i, m.out(), &fe) != 1 || !m) {
                    f->errors_.push_back(fmt::format("folder {}: item {} not readable: {}", fpath, i, take_error(fe)));
                    continue;
                }
                std::uint8_t type = 0;
                libpff_item_get_type(m.p, &type, nullptr);
                if (!is_mail(type)) continue;
                auto props = item_props(m.p);
                decode_string8(props, codepage_of(props));
                if (!is_mail_class(props)) continue;
                auto flags = get_u32(props, pr_message_flags).value_or(0);
                if (flags & msgflag_unsent) continue;
                std::uint32_t id = 0;
                libpff_item_get_identifier(m.p, &id, nullptr);
                f->entries_.push_back(pst_entry{fpath, info.role, info.messages++, id});
                // The owner: whoever sent what sits in Sent Items/Outbox or is flagged as sent by us.
                mapi_message pm;
                pm.props = std::move(props);
                if (info.role == folder_role::sent || info.role == folder_role::outbox || (flags & msgflag_fromme)) {
                    auto a =
                        smtp_address(get_string(pm.props, pr_sent_representing_addrtype).value_or(""),
                                     get_string(pm.props, pr_sent_representing_email).value_or(""),
                                     get_string(pm.props, pr_sent_representing_smtp_address).value_or(""), nullptr);
                    if (a.empty() || a.ends_with("@exchange.invalid"))
                        a = smtp_address(get_string(pm.props, pr_sender_addrtype).value_or(""),
                                         get_string(pm.props, pr_sender_email).value_or(""),
                                         get_string(pm.props, pr_sender_smtp_address).value_or(""), nullptr);
                    if (a.find('@') != std::string::npos && !a.ends_with("@exchange.invalid"))
                        owners.insert(lower(a));
                    else if (auto dn = get_string(pm.props, pr_sent_representing_email); dn && !dn->empty())
                        owner_dns.insert(lower(*dn));  // resolved below, once every item's pairs are known
                }
                collect_ex_addresses(pm, f->impl_->ex);
            }
            f->folders_.push_back(info);
            if (progress) progress(info);
        }
        int subs = 0;
        if (libpff_folder_get_number_of_sub_folders(folder, &subs, &fe) != 1) {
            f->errors_.push_back(
                fmt::format("folder {}: subfolders not readable: {}", fpath.empty() ? "(top)" : fpath, take_error(fe)));
            return;
        }
        for (int i = 0; i < subs; ++i) {
            item_ptr sub;
            if (libpff_folder_get_sub_folder(folder, i, sub.out(), &fe) != 1 || !sub) {
                f->errors_.push_back(fmt::format("folder {}: subfolder {} not readable: {}",
                                                 fpath.empty() ? "(top)" : fpath, i, take_error(fe)));
                continue;
            }
            std::string name = escape_name(folder_name(sub.p));
            walk(sub.p, fpath.empty() ? name : fpath + "/" + name, depth + 1);
        }
    };
    walk(top.p, "", 0);
    // An Exchange owner named only by a DN in Sent Items: the SMTP address another item gave for it.
    for (const auto& dn : owner_dns)
        if (auto it = f->impl_->ex.find(dn); it != f->impl_->ex.end()) owners.insert(lower(it->second));
    f->owners_.assign(owners.begin(), owners.end());
    return f;
}

result<std::string> pst_file::message(std::size_t i) const {
    if (i >= entries_.size()) return fail(errc::internal, "no such item");
    std::lock_guard lk(impl_->mu);
    const auto& en = entries_[i];
    item_ptr m;
    libpff_error_t* e = nullptr;
    if (libpff_file_get_item_by_identifier(impl_->file, en.identifier, m.out(), &e) != 1 || !m)
        return fail(errc::io, fmt::format("cannot read item {} of folder {}: {}", en.index, en.folder, take_error(e)));
    std::vector<std::string> warnings;
    mapi_message mm = read_message(m.p, 0, warnings);
    rebuild_options o;
    o.ex_to_smtp = &impl_->ex;
    return to_rfc822(mm, o);
}

}  // namespace replyguard::outlook
