// SPDX-License-Identifier: Apache-2.0
// history/view.hpp - what the history says about one message, gathered once
//
// DESCRIPTION
//   The detectors never query the store themselves: scan::gather_history()
//   (scan/gather.cpp) asks the store, in a few batched reads (store::read_batch,
//   pipelined on Redis), everything any detector reads of one message, and
//   the detectors read this view. So a message costs the same few store
//   round trips however many detectors look at the history, and a store
//   failure is seen once, by the engine, and reported in scan_result
//   (`history.status`) instead of being swallowed by each detector.
//
//   What is here, and who reads it:
//     threads          known threads the message refers to, strongest first
//                      (history::find_threads semantics: In-Reply-To/References,
//                      subject key, quoted content) - thread_outsider,
//                      genuine_reply (the header-found ones)
//     references       each referenced id: the stored message, and whether a
//                      thread rooted at it is known - fake_reply
//     quote_sources    stored messages the quoted text copies, with their
//                      threads - quote_attribution
//     sender           the sender's correspondent record (standing) -
//                      standing_of(), first_contact_reply, known_name, the milter
//     name_addresses   addresses that used the sender's display name, and the
//                      correspondent records of the first few - known_name
//     sender_profile   the sender's address and organisation profiles -
//                      profile_break
//     link_domains     whether the history knows each link host's domain -
//                      link_payload
//     org_domains, sender_domain_known, known_domains, stats
//                      is_org_address(), lookalike_domain, first_contact_reply,
//                      fake_reply
// LIMITS
//   known_domains is filled only when lookalike_domain would compare against it
//   (a sender domain that is ours-or-known or free mail needs none), and then
//   (from the engine) holds only the known domains near the sender's
//   (history/domain_index.hpp), not every domain.
//   name_people holds at most k_name_people records (what known_name shows).
#pragma once

#include "history/lookup.hpp"
#include "history/profile.hpp"
#include "store/history.hpp"

#include <optional>
#include <string>
#include <vector>

namespace replyguard::history {

enum class view_status {
    none,         ///< no history store: nothing was asked
    ok,           ///< gathered
    unavailable,  ///< the store failed; detectors run as without a history
};
const char* view_status_name(view_status s);

/// One In-Reply-To/References id, as the history knows it.
struct reference {
    std::string id;
    bool in_reply_to = false;                     ///< named by In-Reply-To (else References only)
    std::optional<store::message_record> stored;  ///< the stored message with this id
    bool root_thread_known = false;               ///< a thread rooted at this id is stored
};

/// A stored message the quoted text copies (history::quoted_sources semantics).
struct quote_source {
    store::message_record message;
    std::size_t matched = 0;                   ///< matched fingerprints
    std::optional<store::thread_info> thread;  ///< its thread, when stored
};

/// The sender's profiles (history/profile.hpp: how their mail is usually made),
/// asked in the gather's first round beside the correspondent record; read by
/// detect/profile_break.cpp.
using sender_profile_facts = sender_profiles;

inline constexpr std::size_t k_name_people = 5;
inline constexpr std::size_t k_link_domains = 64;

struct view {
    view_status status = view_status::none;
    std::string error;  ///< why the store failed (status unavailable)

    std::string sender;                                 ///< address key of From ("" none)
    std::optional<store::correspondent> sender_record;  ///< null: never seen
    std::string sender_domain;                          ///< registrable domain of the sender
    bool sender_domain_known = false;                   ///< is_known_domain(sender_domain)
    store::history_stats stats;
    std::vector<std::string> org_domains;    ///< our registrable domains as stored, sorted
    std::vector<std::string> known_domains;  ///< domains seen, near the sender's; see LIMITS

    std::vector<reference> references;        ///< referenced_ids() order
    std::vector<thread_ref> threads;          ///< find_threads() order and content
    std::vector<quote_source> quote_sources;  ///< quoted_sources() order, at most 10

    std::vector<std::string> name_addresses;        ///< sorted, unique; none past store::k_name_addresses_max
    std::vector<store::correspondent> name_people;  ///< records of the first k_name_people name_addresses (those seen)

    std::optional<sender_profile_facts> sender_profile;  ///< the sender's profiles (null: no sender)
    /// Registrable domains of the link hosts of a person's reply (detect::is_personal_reply;
    /// nothing for other mail), and whether the history knows each; at most k_link_domains.
    std::vector<std::pair<std::string, bool>> link_domains;

    bool ok() const { return status == view_status::ok; }
    /// Whether the history knows the registrable domain of a link host (false: unknown or not gathered).
    bool link_domain_known(std::string_view registrable) const;
    /// The record of an address among name_people (null: not gathered or never seen).
    const store::correspondent* name_person(std::string_view address) const;
};

}  // namespace replyguard::history
