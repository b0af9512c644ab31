// SPDX-License-Identifier: Apache-2.0
// history/profile.hpp - how a correspondent's mail is made (sender profiles)
//
// DESCRIPTION
//   DESIGN.md point 7: a bot sending from a partner's stolen account can copy
//   the address and the thread, not how that person's mail is made. For each
//   sender address ("addr:<address>") and organisation ("org:<registrable
//   domain>", never for free-mail providers, whose users have nothing in
//   common) the learner counts, per message, one small value on each axis:
//
//     family  axis    value
//     client  mua     X-Mailer / User-Agent family and major version ("microsoft outlook 16", "none")
//             ti      Thread-Index present (y/n)
//             mid     Message-ID right-hand side (registrable domain, "none")
//             mids    Message-ID left-hand side shape (length bucket + character classes)
//             body    text/plain, text/html or both (attachments do not count)
//             cs      charset of the first text part
//             cte     transfer encoding of single-part mail
//             bnd     top-level MIME boundary style ("nextpart", "apple-mail", shape)
//                     (bnd and cte only when message::headers holds Content-Type, see LIMITS)
//             quote   how a reply quotes (outlook, outlook-ja, angle, wrote, wrote-ja, none); replies only
//     path    relay   registrable domain of the first external Received hop (the host that handed it over)
//             net     that hop's network (IPv4 /24, IPv6 /48)
//     origin  origin  network of the oldest public Received hop (the submitting client)
//     zone    tz      the Date header's zone ("+0900")
//     hour    hour    the hour of sending in the sender's own zone ("09")
//     text    len     size of the new (unquoted) text, log buckets
//     links   link    registrable domains linked from the new text (several per message)
//
//   A profile is a store::profile_counts: counts per value with a cap on
//   distinct values per axis, so it is bounded and two profiles merge by
//   adding. Learning is idempotent by message key (store::history::learn_profile).
//
//   compare_profile() judges one message against a profile: an axis is broken
//   when the message's value was never seen there, the axis has enough
//   history (k_profile_min_axis values) and it is stable: the Good-Turing
//   estimate of "a new value next time" ((singletons + 1) / (n + 1)) is at
//   most k_profile_max_new. An axis that was full (k_profile_other) or varied
//   is never evidence. The hour axis is judged with a one-hour margin on each
//   side; the text axis only when the new text is shorter than anything seen.
// LIMITS
//   Mailing-list and automated mail is not profiled (its From says nothing of
//   how the person's own mail is made). Our organisation's own mail is not
//   profiled. The "first external hop" is the newest Received hop whose
//   sending IP is public and whose host is not in our organisation's domains;
//   Received lines are only as honest as the hosts that wrote them. The parser
//   keeps the top-level Content-Type / Content-Transfer-Encoding with the MIME
//   part, not in message::headers, so `bnd` and `cte` are observed only on
//   models that carry them (hand-built ones today); adding those two fields to
//   the model would enable them without touching the store.
#pragma once

#include "core/result.hpp"
#include "mime/message.hpp"
#include "store/history.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace replyguard::history {

/// Fewer values than this on an axis: too little history to judge it.
inline constexpr std::uint64_t k_profile_min_axis = 3;
/// An organisation profile stands in for a thin address profile only with this many messages.
inline constexpr std::uint64_t k_profile_min_org = 10;
/// Good-Turing probability of a new value above which an axis is too varied to be evidence.
inline constexpr double k_profile_max_new = 0.25;

/// Profile keys of a sender: "addr:<address>", and "org:<registrable>" unless free mail.
std::vector<std::string> profile_keys(std::string_view address_key);

/// The family of an axis ("client", "path", ...; "" for an unknown axis).
std::string_view profile_family(std::string_view axis);

/// What one message shows, one store::profile_value per axis (several for "link").
/// `org_domains`: our registrable domains (their Received hops are ours, not the sender's).
std::vector<store::profile_value> observe_profile(const mime::message& m, const std::vector<std::string>& org_domains);

/// Does this message say anything of how its sender's mail is made? (Not list, not automated.)
bool profilable(const mime::message& m);

// Pieces of observe_profile(), public for tests.
std::string mua_family(std::string_view x_mailer);
std::string id_shape(std::string_view s);
std::string boundary_style(std::string_view boundary);
std::optional<int> date_zone_minutes(std::string_view date_raw);
std::string network_of(std::string_view ip);
bool is_public_ip(std::string_view ip);
std::string size_bucket(std::size_t chars);

/// The calendar date a quote header names ("Sent: Monday, March 4, 2024 10:15 AM",
/// "送信日時: 2024年3月4日 10:15", "On Mon, 4 Mar 2024 ... wrote:", "2024/03/04"), as seconds
/// since the epoch at 00:00 UTC of that day; nothing when no whole date is found.
std::optional<std::int64_t> quoted_date(std::string_view text);

/// The profiles the history holds for a sender (either may be missing).
struct sender_profiles {
    std::optional<store::profile_counts> address;
    std::optional<store::profile_counts> org;
};

/// THE one place detectors read sender profiles (scan::engine may gather it once per message).
result<sender_profiles> lookup_profile(store::history& h, std::string_view address_key);

/// One broken axis: the message's value was never seen on a stable axis.
struct broken_axis {
    std::string family;
    std::string axis;
    std::string seen;           ///< this message's value
    std::string usual;          ///< the profile's usual values, in words
    std::uint64_t history = 0;  ///< values counted on the axis
    double p_new = 1.0;         ///< Good-Turing probability of a new value
};

/// The axes of `obs` this profile says are unusual (empty: nothing to say or not enough history).
std::vector<broken_axis> compare_profile(const store::profile_counts& p, const std::vector<store::profile_value>& obs);

/// Link hosts (registrable domains) of `obs` the profile never saw; empty when the
/// link axis is too thin or was full (then nothing can be said).
std::vector<std::string> unseen_link_hosts(const store::profile_counts& p,
                                           const std::vector<store::profile_value>& obs);

/// The profile's usual values on an axis, most frequent first, in words ("microsoft outlook 16 (12)").
std::string usual_values(const store::profile_counts& p, std::string_view axis);

}  // namespace replyguard::history
