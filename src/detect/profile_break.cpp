// SPDX-License-Identifier: Apache-2.0
// detect/profile_break.cpp - a known correspondent's reply not made the way its mail is made
//
// DESCRIPTION
//   Issue 11 / DESIGN.md point 7: when a partner's own mailbox is stolen, the
//   hijack comes from the real address and quotes the real thread, so every
//   identity check passes. What the bot cannot copy is how that person's mail
//   is made (history/profile.hpp). HIJACK_PROFILE_BREAK: a reply from a sender
//   whose profile has enough history, that breaks it on several INDEPENDENT
//   families of axes, and carries a payload (payload_evidence(), or a link to
//   a host this correspondent never linked to). Families:
//     strong  client (the mail client changed: X-Mailer, or two of its other
//             habits: Message-ID, boundary, Thread-Index, charset, quote ...),
//             path (the relay that hands its mail over, or that relay's network)
//     weak    zone (Date time zone), hour (sending hour, ±1 h), device (a new
//             submitting network, or a new text far shorter than ever),
//             dormant (the thread was silent for months, see below)
//   It fires with at least one strong family and a second independent one
//   (device only adds strength: a phone changes client and network together),
//   and a joint improbability of at least
//   k_min_strength (sum over families of -log10 of the Good-Turing
//   probability of a new value). A person who changes client, travels or
//   writes from a phone breaks one family (and device); a bot breaks its
//   client, and its infrastructure, hours or zone with it.
//   The sender's address profile is used when it has k_profile_min_axis
//   messages, else its organisation's (k_profile_min_org; never free mail).
//
//   THREAD_DORMANT_PAYLOAD: the reply comes long after the thread's last
//   known message (the quoted parent's date from the history, or the
//   thread's last message, whichever is later; without either, the date its
//   quote header names): at least k_dormant_days and ten times the thread's
//   usual pace when the history knows it. Scored only with a payload: people
//   do revive old threads, with words and ordinary files. Works without history.
//
//   Runs in stage 1 before GENUINE_REPLY, so a profile break (group hijack)
//   keeps GENUINE_REPLY away and lets HIJACK_WITH_PAYLOAD make it malicious.
// LIMITS
//   Reads the profiles, the referenced messages and the threads from the
//   history view the engine gathered (scan/gather.cpp), never the store. Without history no profile
//   is judged. Mailing lists, automated mail and our own senders are exempt.
#include "core/config.hpp"
#include "detect/detector.hpp"
#include "detect/hijack_common.hpp"
#include "history/lookup.hpp"
#include "history/profile.hpp"
#include "history/view.hpp"
#include "mime/domains.hpp"
#include "mime/message.hpp"
#include "store/history.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <map>

namespace replyguard::detect {
namespace {

constexpr std::array k_symbols{
    symbol_info{
        "HIJACK_PROFILE_BREAK", "hijack", 5.0,
        "reply from a known correspondent, not made the way its mail is made (client, relay, hours), with a payload",
        "既知の相手からの返信だが、普段のメールの作り（メーラー・経路・時間帯）と複数の点で異なり、危険な添付・リンクがある"},
    symbol_info{"THREAD_DORMANT_PAYLOAD", "thread", 2.0,
                "reply with a payload to a thread that had been silent for months",
                "数か月動きのなかったスレッドへの、危険な添付・リンク付きの返信"},
};

// Two families that never varied in 5 messages (p_new = 1/6 each: 0.78 + 0.78); with
// less history (3-4 messages) or some variation a third family is needed.
constexpr double k_min_strength = 1.5;
constexpr std::int64_t k_dormant_days = 60;
constexpr std::int64_t k_day = 86400;

std::string_view axis_words(std::string_view a) {
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 15> k{{
        {"mua", "mail client"},
        {"ti", "Thread-Index"},
        {"mid", "Message-ID domain"},
        {"mids", "Message-ID shape"},
        {"body", "body parts"},
        {"cs", "charset"},
        {"cte", "transfer encoding"},
        {"bnd", "MIME boundary"},
        {"quote", "quote style"},
        {"relay", "relay"},
        {"net", "relay network"},
        {"origin", "sending network"},
        {"tz", "time zone"},
        {"hour", "sending hour"},
        {"len", "new text"},
    }};
    for (const auto& [id, w] : k)
        if (id == a) return w;
    return a;
}

struct dormancy {
    std::int64_t gap = 0;         ///< seconds between the thread's last known message and this one
    std::int64_t usual = 0;       ///< the thread's mean interval (0: unknown)
    std::int64_t last_known = 0;  ///< date of that last known message
    std::string thread_id, subject;
    std::string source = "history";  ///< where last_known came from: "history" or "quote header"
};

// The date of the message quoted first, from its quote header ("Sent:", "送信日時:", "On ... wrote:").
std::int64_t quoted_parent_date(const mime::message& m) {
    for (const auto& q : m.quoted) {
        for (const auto* text : {&q.sent, &q.attribution})
            if (auto d = history::quoted_date(*text)) return *d;
        break;  // only the nearest quoted message: older ones are the thread's past
    }
    return 0;
}

// How long the thread this message replies to had been silent: the history's
// thread (its last message, or the quoted parent, whichever is later), else the
// date in the quote header (then the thread's pace is unknown).
std::optional<dormancy> dormant_thread(const history::view* v, const mime::message& m) {
    if (!m.date) return std::nullopt;
    std::int64_t parent = 0;
    if (v) {
        for (const auto& r : v->references) {
            if (r.stored && r.stored->date > 0) {
                parent = r.stored->date;
                break;
            }
        }
        // The strongest thread found by headers or quoted content: a common
        // subject is no proof which thread it is.
        for (const auto& t : v->threads) {
            if (t.how == history::found_by::subject) continue;
            if (t.how == history::found_by::quote && t.via && t.via->date > 0) parent = std::max(parent, t.via->date);
            dormancy d;
            d.last_known = std::max(parent, t.thread.last_seen);
            if (d.last_known == 0) return std::nullopt;
            d.gap = *m.date - d.last_known;
            if (t.thread.messages >= 2 && t.thread.last_seen > t.thread.first_seen)
                d.usual = (t.thread.last_seen - t.thread.first_seen) / static_cast<std::int64_t>(t.thread.messages - 1);
            d.thread_id = t.thread.id;
            d.subject = t.thread.subject;
            return d;
        }
    }
    if (parent == 0) parent = quoted_parent_date(m);
    if (parent == 0) return std::nullopt;
    // A quote header names a day: count from its end, so a same-day reply is never dormant.
    dormancy d;
    d.last_known = parent;
    d.gap = *m.date - parent - k_day;
    d.subject = m.subject.base;
    d.source = "quote header";
    return d;
}

bool is_dormant(const dormancy& d) { return d.gap >= k_dormant_days * k_day && d.gap >= 10 * d.usual; }

std::string days(std::int64_t s) {
    if (s >= 2 * k_day) return fmt::format("{} days", s / k_day);
    return fmt::format("{} hours", std::max<std::int64_t>(s / 3600, 0));
}

class profile_break final : public detector {
public:
    std::string_view name() const override { return "profile_break"; }
    std::span<const symbol_info> symbols() const override { return k_symbols; }
    int stage() const override { return 1; }  // after attachment/payload findings, before GENUINE_REPLY
    void run(const scan_context& ctx, finding_sink& out) const override {
        const auto& m = ctx.msg;
        if (!m.from || m.from->address_key.empty()) return;
        const bool reply = m.subject.is_reply() || !m.in_reply_to.empty() || !m.references.empty() || !m.quoted.empty();
        if (!reply || !history::profilable(m) || is_org_address(ctx, m.from->address_key)) return;
        const auto& sender = m.from->address_key;

        auto payload = payload_evidence(ctx, out);
        if (payload.empty() && m.urls.empty()) return;  // no payload possible: no store reads
        std::vector<std::string> org;
        if (ctx.history) org = ctx.history->org_domains;
        for (const auto& d : ctx.cfg.org_domains) org.push_back(mime::registrable_domain(d));
        const auto obs = history::observe_profile(m, org);

        // The sender's profiles, gathered with the rest of the history (scan/gather.cpp).
        const history::sender_profiles* profiles =
            ctx.history && ctx.history->sender_profile ? &*ctx.history->sender_profile : nullptr;
        const store::profile_counts* prof = nullptr;
        if (profiles && profiles->address && profiles->address->messages >= history::k_profile_min_axis)
            prof = &*profiles->address;
        else if (profiles && profiles->org && profiles->org->messages >= history::k_profile_min_org)
            prof = &*profiles->org;

        std::vector<std::string> new_hosts;
        if (prof) {
            const auto own = mime::registrable_domain(sender);
            for (auto& hst : history::unseen_link_hosts(*prof, obs))
                if (hst != own) new_hosts.push_back(std::move(hst));
        }
        if (payload.empty() && new_hosts.empty()) return;  // both findings need a payload

        std::optional<dormancy> dorm = dormant_thread(ctx.history, m);
        const bool dormant = dorm && is_dormant(*dorm);
        nlohmann::json dorm_json;
        if (dormant)
            dorm_json = {{"silent_seconds", dorm->gap},
                         {"silent_days", dorm->gap / k_day},
                         {"usual_interval_seconds", dorm->usual},
                         {"last_known_date", dorm->last_known},
                         {"thread_id", dorm->thread_id},
                         {"thread_subject", dorm->subject},
                         {"from", dorm->source}};
        if (dormant) {
            auto pl = payload;
            for (const auto& hst : new_hosts) pl.push_back({{"link_host_never_used", hst}});
            out.emit(
                k_symbols[1],
                fmt::format("reply with a payload to thread \"{}\" after {} of silence (usually {} between messages)",
                            dorm->subject, days(dorm->gap), dorm->usual > 0 ? days(dorm->usual) : "unknown"),
                {{"sender", sender}, {"dormant", dorm_json}, {"payload", pl}});
        }
        if (!prof) return;

        auto broken = history::compare_profile(*prof, obs);
        // Families: the client counts when its mail client changed or two of its habits did.
        std::map<std::string, std::vector<const history::broken_axis*>> fam;
        for (const auto& b : broken)
            fam[b.family == "origin" || b.family == "text" ? "device" : b.family].push_back(&b);
        if (auto c = fam.find("client"); c != fam.end()) {
            bool mua = std::any_of(c->second.begin(), c->second.end(), [](const auto* b) { return b->axis == "mua"; });
            if (!mua && c->second.size() < 2) fam.erase(c);
        }
        auto strength = [](const std::vector<const history::broken_axis*>& axes) {
            double best = 0;
            for (const auto* b : axes) best = std::max(best, -std::log10(std::max(b->p_new, 1e-6)));
            return best;
        };
        // The device family (a new submitting network, a much shorter text) is what a person
        // on a phone breaks together with the client: it adds strength, never the second family.
        double total = 0;
        int strong = 0, independent = 0;
        for (const auto& [f, axes] : fam) {
            total += strength(axes);
            strong += (f == "client" || f == "path") ? 1 : 0;
            independent += f == "device" ? 0 : 1;
        }
        if (dormant) {
            ++independent;
            total += 1.0;
        }
        if (strong == 0 || independent < 2 || total < k_min_strength) return;

        nlohmann::json ax = nlohmann::json::array();
        std::string usual, seen;
        for (const auto& [f, axes] : fam)
            for (const auto* b : axes) {
                ax.push_back({{"family", f},
                              {"axis", b->axis},
                              {"usual", b->usual},
                              {"seen", b->seen},
                              {"history", b->history},
                              {"p_new", std::round(b->p_new * 1000) / 1000}});
                usual += fmt::format("{}{} {}", usual.empty() ? "" : "; ", axis_words(b->axis), b->usual);
                seen += seen.empty() ? "" : ", ";
                if (b->axis == "mua" && b->seen == "none")
                    seen += "no X-Mailer or User-Agent";
                else if (b->axis == "mid")
                    seen += "Message-ID on @" + b->seen;
                else if (b->axis == "hour")
                    seen += "sent at " + b->seen;
                else if (b->axis == "relay" && b->seen == "none")
                    seen += "no Received line";
                else
                    seen += fmt::format("{} {}", axis_words(b->axis), b->seen);
            }
        if (dormant) seen += fmt::format(", after {} of silence in the thread", days(dorm->gap));
        nlohmann::json families = nlohmann::json::array();
        for (const auto& [f, axes] : fam) families.push_back(f);
        if (dormant) families.push_back("dormant");
        auto pl = payload;
        for (const auto& hst : new_hosts) pl.push_back({{"link_host_never_used", hst}});
        nlohmann::json ev{{"sender", mailbox_json(*m.from)},
                          {"profile", prof->key},
                          {"profile_messages", prof->messages},
                          {"families", families},
                          {"broken", ax},
                          {"strength", std::round(total * 100) / 100},
                          {"payload", pl}};
        if (!new_hosts.empty()) ev["link_hosts_never_used"] = new_hosts;
        if (dormant) ev["dormant"] = dorm_json;
        out.emit(k_symbols[0],
                 fmt::format(
                     "{} breaks its profile of {} messages ({}): usually {}; this one: {}; with {} payload signal(s)",
                     sender, prof->messages, prof->key.starts_with("org:") ? "its organisation's" : "its own", usual,
                     seen, pl.size()),
                 std::move(ev));
    }
};

}  // namespace

std::unique_ptr<detector> make_profile_break() { return std::make_unique<profile_break>(); }

}  // namespace replyguard::detect
