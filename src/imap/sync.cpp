// SPDX-License-Identifier: Apache-2.0
// imap/sync.cpp - the incremental mailbox loop (see sync.hpp)
#include "imap/sync.hpp"
#include "core/strings.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>

namespace replyguard::imap {
namespace {

std::unexpected<imap_error> store_fail(const error& e) { return imap_fail(failure::store, e.message); }

}  // namespace

imap_result<sync_report> sync_mailbox(mailbox_access& box, store::imap_state& marks, std::string_view mailbox,
                                      const sync_options& opt, const message_handler& handle,
                                      const progress_fn& progress) {
    auto st = box.status(mailbox);
    if (!st) return std::unexpected(st.error());
    sync_report rep;
    rep.uidvalidity = st->uidvalidity;

    auto mark = marks.get(opt.account, mailbox, opt.purpose);
    if (!mark) return store_fail(mark.error());
    std::uint32_t last = 0;
    if (*mark && (*mark)->uidvalidity == st->uidvalidity) {
        last = (*mark)->last_uid;
    } else {
        rep.started_over = true;
        rep.validity_changed = mark->has_value();
        std::optional<store::imap_mark> other;
        if (!rep.validity_changed && !opt.start_purpose.empty()) {
            auto o = marks.get(opt.account, mailbox, opt.start_purpose);
            if (!o) return store_fail(o.error());
            if (*o && (*o)->uidvalidity == st->uidvalidity) other = **o;
        }
        if (other) {
            last = other->last_uid;
        } else if (!opt.from_first && !rep.validity_changed) {
            if (st->uidnext > 0) {
                last = st->uidnext - 1;
            } else if (st->messages > 0) {  // no UIDNEXT: the highest UID there is
                auto all = box.messages_after(mailbox, 0);
                if (!all) return std::unexpected(all.error());
                last = all->empty() ? 0 : all->back().uid;
            }
        }
        if (auto p = marks.put(opt.account, mailbox, opt.purpose, {st->uidvalidity, last}); !p)
            return store_fail(p.error());
    }
    rep.from_uid = last;

    // An empty mailbox has nothing new; some servers answer "N:*" there with BAD.
    auto fresh = st->messages == 0 ? imap_result<std::vector<uid_flags>>{} : box.messages_after(mailbox, last);
    if (!fresh) return std::unexpected(fresh.error());
    std::erase_if(*fresh, [&](const uid_flags& u) { return u.uid <= last; });  // "N:*" also returns the last one
    std::sort(fresh->begin(), fresh->end(), [](const uid_flags& a, const uid_flags& b) { return a.uid < b.uid; });
    rep.found = fresh->size();

    std::size_t done = 0;
    for (auto& m : *fresh) {
        if (!opt.skip_keyword.empty() && has_flag(m.flags, opt.skip_keyword)) {
            ++rep.skipped;
        } else {
            fetched_message fm{mailbox, st->uidvalidity, m.uid, m.flags, {}, std::nullopt};
            auto bytes = box.fetch(mailbox, st->uidvalidity, m.uid);
            if (bytes) {
                fm.bytes = std::move(*bytes);
                if (!has_flag(m.flags, "\\Seen"))
                    if (auto r = box.store_flags(mailbox, m.uid, false, "\\Seen");
                        !r && r.error().kind != failure::gone)
                        return std::unexpected(r.error());
            } else if (bytes.error().kind == failure::too_large || bytes.error().kind == failure::gone) {
                fm.error = bytes.error().message;
            } else {
                return std::unexpected(bytes.error());
            }
            if (auto h = handle(fm); !h) return std::unexpected(h.error());
            ++rep.handled;
        }
        if (auto p = marks.put(opt.account, mailbox, opt.purpose, {st->uidvalidity, m.uid}); !p)
            return store_fail(p.error());
        if (progress) progress(++done, fresh->size());
    }
    return rep;
}

std::vector<std::string> default_mailboxes(const std::vector<list_entry>& listed) {
    auto selectable = [](const list_entry& e) {
        return !has_flag(e.attributes, "\\Noselect") && !has_flag(e.attributes, "\\NonExistent");
    };
    std::vector<std::string> out;
    for (const auto& e : listed)
        if (selectable(e) && has_flag(e.attributes, "\\Sent")) {
            out.push_back(e.name);
            break;
        }
    if (out.empty()) {
        constexpr std::array<std::string_view, 5> k_names{"Sent", "Sent Items", "Sent Messages", "INBOX.Sent",
                                                          "[Gmail]/Sent Mail"};
        for (auto want : k_names) {
            auto it = std::find_if(listed.begin(), listed.end(),
                                   [&](const list_entry& e) { return selectable(e) && ieq(e.name, want); });
            if (it != listed.end()) {
                out.push_back(it->name);
                break;
            }
        }
    }
    out.emplace_back("INBOX");
    return out;
}

}  // namespace replyguard::imap
