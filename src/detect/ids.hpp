// SPDX-License-Identifier: Apache-2.0
// detect/ids.hpp - the ids of the detector findings other modules test for
//
// DESCRIPTION
//   As attach/ids.hpp: campaign/ names these findings through the constants,
//   never as bare strings; the detectors' symbol tables declare them with the
//   same constants. Add an id here when a module outside detect/ needs it.
#pragma once

#include <string_view>

namespace replyguard::detect::ids {

inline constexpr std::string_view LOOKALIKE_DOMAIN = "LOOKALIKE_DOMAIN";                        // lookalike_domain.cpp
inline constexpr std::string_view HIJACK_THREAD_OUTSIDER_NAME = "HIJACK_THREAD_OUTSIDER_NAME";  // thread_outsider.cpp
inline constexpr std::string_view HIJACK_QUOTE_ATTRIBUTION = "HIJACK_QUOTE_ATTRIBUTION";        // quote_attribution.cpp
inline constexpr std::string_view FAKE_REPLY = "FAKE_REPLY";                                    // fake_reply.cpp
inline constexpr std::string_view FAKE_REPLY_COPIED_REF = "FAKE_REPLY_COPIED_REF";              // fake_reply.cpp
inline constexpr std::string_view QUOTED_OUTLOOK_UNRELATED =
    "QUOTED_OUTLOOK_UNRELATED";  // quoted_outlook_unrelated.cpp
/// Emitted by milter/outbound.cpp; declared in registry.cpp (detect::outbound_symbol())
/// so that all_symbols() lists it (milter/ is above detect/).
inline constexpr std::string_view OUTBOUND_ACCOUNT_ABUSE = "OUTBOUND_ACCOUNT_ABUSE";

}  // namespace replyguard::detect::ids
