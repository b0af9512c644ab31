// SPDX-License-Identifier: Apache-2.0
// mime/subject.hpp - reply/forward prefix chains of a subject
//
// DESCRIPTION
//   Recognises, repeatedly from the start: Re, RE, Fw, FW, Fwd, AW, SV, VS, WG,
//   RIF, Antw, 返信, 転送, 回复, ＲＥ, Ｒｅ, ＦＷ (full-width), with ':' or '：',
//   optional bracketed counters ("Re[2]:", "Re^3:", "Re(2):"), and list tags
//   like "[ml:123]" between prefixes. The key is the base subject, NFKC,
//   case-folded, whitespace collapsed: the same for every message of a thread.
#pragma once

#include "mime/message.hpp"

#include <string>

namespace replyguard::mime {

subject_info parse_subject(std::string decoded);

}  // namespace replyguard::mime
