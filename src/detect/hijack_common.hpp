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

#include <string>
#include <string_view>
#include <vector>

namespace replyguard::detect {

/// Mailing-list or list-rewritten mail (List-Id, List-Post, List-Unsubscribe, Mailing-List,
/// X-Mailing-List, Precedence: list, "Name via List" From names).
bool is_list_mail(const mime::message& m);

/// Automated mail: Auto-Submitted other than "no", Precedence bulk/junk, ticket systems.
bool is_automated(const mime::message& m);

/// From one of our organisation's registrable domains (config [org] + history).
bool is_org_address(const scan_context& ctx, std::string_view address);

/// Does `name` (a display name) belong to the person behind one of these names?
/// Compared by name key, also with parts reversed.
bool same_person_name(const mime::mailbox& sender, std::string_view other_name);

/// Evidence of a payload: attachment findings with a positive score and
/// findings of group "payload" already emitted; links whose path ends in a
/// document, archive, disk image or script extension. Empty: no payload.
nlohmann::json payload_evidence(const scan_context& ctx, const finding_sink& sink);

/// A mailbox as JSON evidence.
nlohmann::json mailbox_json(const mime::mailbox& mb);

}  // namespace replyguard::detect
