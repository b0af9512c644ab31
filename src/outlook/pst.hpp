// SPDX-License-Identifier: Apache-2.0
// outlook/pst.hpp - Outlook data files (PST and OST) as a list of messages
//
// DESCRIPTION
//   pst_file::open() reads a PST/OST with libpff (Debian libpff-dev) and lists
//   every mail item of every folder under the message store's IPM subtree (the
//   folders a user sees), depth first in the file's folder order. Items that are
//   not mail (contacts, appointments, tasks, notes) and unsent drafts
//   (MSGFLAG_UNSENT) are left out. message(i) rebuilds item i as RFC 5322 bytes
//   (outlook/mapi.hpp): transport headers when the file keeps them, else the
//   header block made from the properties.
//
//   Folder roles come from the message store's entry ids (PR_IPM_SENTMAIL_ENTRYID,
//   PR_IPM_OUTBOX_ENTRYID, PR_IPM_WASTEBASKET_ENTRYID) and, for files that lack
//   them, from the usual English and Japanese folder names. The owner's addresses
//   are the senders of the items in the Sent Items and Outbox folders and of
//   items flagged MSGFLAG_FROMME: `learn` counts mail from them as sent, whatever
//   the domain.
//
//   Exchange addresses (/O=.../CN=...) are mapped to SMTP with every
//   (legacy DN, SMTP) pair found while listing the file, so a sender the file
//   names by SMTP anywhere is mapped everywhere.
// DIAGNOSTICS
//   open() fails only when the file cannot be opened as a PST/OST at all. A
//   folder or item that cannot be read becomes an entry of errors() (the rest is
//   still listed); message(i) returns an error for an item that cannot be read.
//   libpff's own error text is included. The file handle is shared by the items
//   and guarded by a mutex (libpff handles are not thread-safe).
#pragma once

#include "core/result.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace replyguard::outlook {

enum class folder_role { other, inbox, sent, outbox, deleted, drafts, junk };

std::string_view role_name(folder_role r) noexcept;

struct pst_entry {
    std::string folder;  ///< path below the IPM subtree, "Inbox/Project X"
    folder_role role = folder_role::other;
    std::size_t index = 0;         ///< position among the folder's listed mail items, from 0
    std::uint32_t identifier = 0;  ///< libpff item identifier (descriptor id)
};

struct pst_folder {
    std::string path;
    folder_role role = folder_role::other;
    std::size_t messages = 0;  ///< mail items listed
};

class pst_file {
public:
    /// Open and list. `progress`, when set, is told about each folder as it is listed.
    static result<std::shared_ptr<pst_file>> open(const std::string& path,
                                                  const std::function<void(const pst_folder&)>& progress = {});
    ~pst_file();
    pst_file(const pst_file&) = delete;
    pst_file& operator=(const pst_file&) = delete;

    const std::vector<pst_entry>& entries() const { return entries_; }
    const std::vector<pst_folder>& folders() const { return folders_; }
    /// Folders and items that could not be read while listing ("folder X: ...").
    const std::vector<std::string>& errors() const { return errors_; }
    /// Lower-case SMTP addresses of the file's owner (see above).
    const std::vector<std::string>& owner_addresses() const { return owners_; }
    /// "PST" or "OST".
    const std::string& kind() const { return kind_; }

    /// Entry `i` as RFC 5322 bytes.
    result<std::string> message(std::size_t i) const;

private:
    pst_file() = default;
    struct impl;
    std::unique_ptr<impl> impl_;
    std::string path_, kind_;
    std::vector<pst_entry> entries_;
    std::vector<pst_folder> folders_;
    std::vector<std::string> errors_;
    std::vector<std::string> owners_;
};

}  // namespace replyguard::outlook
