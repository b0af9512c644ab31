// SPDX-License-Identifier: Apache-2.0
// detect/hijack_common.hpp - facts the hijack detectors share
//
// DESCRIPTION
//   What must not trip the hijack detectors is decided here once: mailing
//   lists (List-Id and friends, "X via Y" rewritten From), automated senders
//   (Auto-Submitted, Precedence bulk/junk, ticket systems), our own
//   organisation's addresses. Also the payload test the composite and the
//   genuine-reply signal share.
#pragma once

#include "detect/detector.hpp"
#include "mime/message.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace replyguard::detect {

/// Mailing-list or list-rewritten mail (List-Id, List-Post, List-Unsubscribe, Mailing-List,
/// X-Mailing-List, Precedence: list, "Name via List" From names).
/// A reply by its subject or its threading headers; a quote alone is not enough
/// (newsletters carry '>' lines and "wrote:" blocks of their own).
bool is_reply_like(const mime::message& m);
/// A person's reply whose links link_payload judges (and the gather looks up):
/// reply-like, neither list mail nor automated.
bool is_personal_reply(const mime::message& m);
bool is_list_mail(const mime::message& m);

/// Automated mail: Auto-Submitted other than "no", Precedence bulk/junk, ticket systems.
bool is_automated(const mime::message& m);

/// is_list_mail, is_automated and is_personal_reply of ctx.msg, each worked out
/// once a context (scan_context's memo).
bool list_mail(const scan_context& ctx);
bool automated(const scan_context& ctx);
bool personal_reply(const scan_context& ctx);

/// From one of our organisation's registrable domains (config [org] + history).
bool is_org_address(const scan_context& ctx, std::string_view address);

/// The sender's display name without an address written into it
/// ("Taro Yamada <taro@a.jp>", "山田太郎【taro＠a.jp】" -> the name part); as is otherwise.
mime::mailbox name_without_address(const mime::mailbox& mb);

/// Does `name` (a display name) belong to the person behind one of these names?
/// Compared by name key, also with parts reversed; an address inside the sender's name is ignored.
bool same_person_name(const mime::mailbox& sender, std::string_view other_name);

/// What the history knows of a sender address.
struct sender_standing {
    bool known = false;                 ///< seen before, in any role
    std::uint64_t count = 0;            ///< messages it took part in
    bool established = false;           ///< count >= k_established_count, or it wrote to one of `addressees`
    std::vector<std::string> names;     ///< display names it used
    std::vector<std::string> wrote_to;  ///< sorted
};
inline constexpr std::uint64_t k_established_count = 3;

/// Look the sender up; `addressees` are address keys it may have written to before
/// (this message's To/Cc, a thread's participants).
sender_standing standing_of(const scan_context& ctx, std::string_view address,
                            const std::vector<std::string>& addressees);

/// The display name is not one the sender itself used before (an empty name borrows nothing).
bool borrows_name(const mime::mailbox& sender, const sender_standing& st);

/// Evidence of a payload: attachment findings with a positive score and
/// findings of group "payload" already emitted (detect/link_payload.cpp: file-share
/// and shortener links, calls to action, mismatched link text); links whose path ends
/// in a document, archive, disk image, OneNote, shortcut or script extension, unless
/// they stand only in the quoted conversation (not in the new text). Empty: no payload.
nlohmann::json payload_evidence(const scan_context& ctx, const finding_sink& sink);

/// The URL stands only in the quoted conversation, not in the new text (the real
/// correspondents' link: the bot writes the new text and does not edit what it quotes).
bool quoted_only(const mime::message& m, const text::url_ref& u);

/// A mailbox as JSON evidence.
nlohmann::json mailbox_json(const mime::mailbox& mb);

}  // namespace replyguard::detect
