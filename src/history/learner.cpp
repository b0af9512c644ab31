// SPDX-License-Identifier: Apache-2.0
// history/learner.cpp - one message into the history.
#include "history/learner.hpp"

#include "history/fingerprint.hpp"
#include "history/lookup.hpp"
#include "history/profile.hpp"
#include "mime/address.hpp"
#include "mime/domains.hpp"

#include <algorithm>
#include <set>

namespace replyguard::history {

learn_stats& learn_stats::operator+=(const learn_stats& o) {
    learnt += o.learnt;
    already_known += o.already_known;
    sent += o.sent;
    received += o.received;
    new_threads += o.new_threads;
    return *this;
}

namespace {

std::vector<std::string> name_parts(std::string_view name) {
    std::vector<std::string> parts;
    std::string cur;
    auto flush = [&] {
        if (!cur.empty()) parts.push_back(std::move(cur));
        cur.clear();
    };
    for (std::size_t i = 0; i < name.size();) {
        if (name[i] == ' ' || name[i] == '\t' || name[i] == ',') {
            flush();
            ++i;
            continue;
        }
        if (name.substr(i).starts_with("\xE3\x80\x80")) {
            flush();
            i += 3;
            continue;
        }  // U+3000
        cur += name[i++];
    }
    flush();
    return parts;
}

bool usable_name(const mime::mailbox& mb) {
    // A name that is an address, or empty, says nothing about a person.
    return !mb.name.empty() && mb.name.find('@') == std::string::npos &&
           mb.name.find("\xEF\xBC\xA0") == std::string::npos;
}

// Count the message into its sender's profiles (history/profile.hpp). Idempotent by
// message key on its own, so it also runs for a message whose record is already
// stored: a crash between put() and here, or a history learnt before profiles
// existed, converges by learning the same mail again.
result<void> learn_sender_profile(store::history& h, const mime::message& m, const learn_options& o) {
    if (!profilable(m)) return {};
    auto stored = h.org_domains();
    if (!stored) return std::unexpected(stored.error());
    std::vector<std::string> org(stored->begin(), stored->end());
    for (const auto& d : o.org_domains) org.push_back(mime::registrable_domain(d));
    const auto& from = m.from->address_key;
    // Our own people's mail is not a correspondent's profile.
    if (std::find(org.begin(), org.end(), mime::registrable_domain(from)) != org.end()) return {};
    store::profile_update u;
    u.message_key = message_key(m);
    u.profiles = profile_keys(from);
    u.values = observe_profile(m, org);
    if (u.profiles.empty() || u.values.empty()) return {};
    auto r = h.learn_profile(u);
    if (!r) return std::unexpected(r.error());
    return {};
}

}  // namespace

std::vector<std::string> name_keys_for(const mime::mailbox& mb) {
    std::vector<std::string> out;
    if (!usable_name(mb)) return out;
    auto k = mb.name_key.empty() ? mime::name_key(mb.name) : mb.name_key;
    if (k.size() >= 2) out.push_back(k);
    auto parts = name_parts(mb.name);
    if (parts.size() >= 2) {
        std::string rev;
        for (auto it = parts.rbegin(); it != parts.rend(); ++it) {
            if (!rev.empty()) rev += ' ';
            rev += *it;
        }
        auto rk = mime::name_key(rev);
        if (rk.size() >= 2 && std::find(out.begin(), out.end(), rk) == out.end()) out.push_back(rk);
    }
    return out;
}

learn_precomputed precompute_learn(const mime::message& m) {
    learn_precomputed p;
    p.fingerprints = text_fingerprints(m.new_text, k_stored_fingerprints);
    return p;
}

result<store::learnt_message> prepare_learn(store::history& h, const mime::message& m, const learn_options& o,
                                            bool* new_thread, const learn_precomputed* pre) {
    store::learnt_message lm;
    auto& r = lm.rec;
    r.key = message_key(m);
    r.message_id = m.message_id;
    r.date = m.date.value_or(0);
    if (m.from) {
        r.from_address = m.from->address_key;
        r.from_name = m.from->name;
    }
    r.subject = m.subject.decoded;
    r.subject_key = m.subject.key;
    lm.thread_subject = m.subject.base.empty() ? m.subject.decoded : m.subject.base;

    // Direction.
    std::set<std::string> org;
    for (const auto& d : o.org_domains) org.insert(mime::registrable_domain(d));
    auto stored = h.org_domains();
    if (!stored) return std::unexpected(stored.error());
    org.insert(stored->begin(), stored->end());
    auto is_ours = [&](std::string_view addr) {
        return addr.find('@') != std::string_view::npos && org.contains(mime::registrable_domain(addr));
    };
    // An Outlook data file's owner (outlook/pst.hpp) sends from any domain, a webmail one too.
    auto is_owner = [&](std::string_view addr) {
        return std::ranges::find(o.own_addresses, addr) != o.own_addresses.end();
    };
    r.sent = m.from && (is_ours(m.from->address_key) || is_owner(m.from->address_key));

    // Participants (From + To + Cc), name index, domains.
    std::set<std::string> seen, doms, names_seen;
    auto add_mb = [&](const mime::mailbox& mb) {
        if (mb.address_key.empty() || mb.address_key.find('@') == std::string::npos) return;
        if (seen.insert(mb.address_key).second)
            lm.participants.push_back({mb.address_key, usable_name(mb) ? mb.name : std::string()});
        if (auto d = mime::registrable_domain(mb.address_key); !d.empty() && doms.insert(d).second)
            lm.domains.push_back(d);
        for (auto& k : name_keys_for(mb))
            if (names_seen.insert(k + '\n' + mb.address_key).second) lm.names.emplace_back(k, mb.address_key);
    };
    if (m.from) add_mb(*m.from);
    for (const auto& mb : m.to) {
        add_mb(mb);
        r.recipients.push_back(mb.address_key);
    }
    for (const auto& mb : m.cc) {
        add_mb(mb);
        r.recipients.push_back(mb.address_key);
    }
    // Every recipient, not only ours: "has written to this addressee before" is what tells an
    // established correspondent (or a list poster) from a fresh account; ours are the subset
    // in our registrable domains.
    if (m.from)
        for (const auto& a : r.recipients)
            if (a.find('@') != std::string::npos &&
                std::find(lm.wrote_to.begin(), lm.wrote_to.end(), a) == lm.wrote_to.end())
                lm.wrote_to.push_back(a);

    // Thread: nearest stored parent, else a thread rooted at a referenced id,
    // else one rooted at this message (its replies were learnt first), else
    // subject + participant overlap when the headers are missing, else new.
    const auto ids = referenced_ids(m);
    lookup_options lo;
    lo.by_quote = false;
    lo.by_subject = false;
    auto found = find_threads(h, m, lo);
    if (!found) return std::unexpected(found.error());
    std::string tid;
    if (!found->empty()) tid = found->front().thread.id;
    if (tid.empty()) {
        auto self = h.find_thread(thread_id_for(r.key));
        if (!self) return std::unexpected(self.error());
        if (*self) tid = (*self)->id;
    }
    if (tid.empty() && ids.empty() && !r.subject_key.empty() && (m.subject.is_reply() || m.subject.is_forward())) {
        auto ts = h.threads_by_subject(r.subject_key, 20);
        if (!ts) return std::unexpected(ts.error());
        for (const auto& id : *ts) {
            auto t = h.find_thread(id);
            if (!t) return std::unexpected(t.error());
            if (!*t) continue;
            // Overlap: the sender and at least one other address of this message took part.
            bool sender_in = m.from && is_participant(**t, m.from->address_key);
            std::size_t common = 0;
            for (const auto& p : lm.participants) common += is_participant(**t, p.address) ? 1 : 0;
            if (sender_in && common >= 2) {
                tid = id;
                break;
            }
        }
    }
    bool fresh = false;
    if (tid.empty()) {
        tid = thread_id_for(ids.empty() ? r.key : (m.references.empty() ? ids.back() : m.references.front()));
        auto t = h.find_thread(tid);
        if (!t) return std::unexpected(t.error());
        fresh = !*t;
    }
    r.thread_id = tid;
    if (new_thread) *new_thread = fresh;

    lm.fingerprints = pre ? pre->fingerprints : text_fingerprints(m.new_text, k_stored_fingerprints);
    return lm;
}

result<learn_stats> learn_message(store::history& h, const mime::message& m, const learn_options& o,
                                  const learn_precomputed* pre) {
    learn_stats st;
    for (const auto& d : o.org_domains)
        if (auto r = h.add_org_domain(mime::registrable_domain(d)); !r) return std::unexpected(r.error());
    {
        auto known = h.find_message(message_key(m));
        if (!known) return std::unexpected(known.error());
        if (*known) {
            st.already_known = 1;
            if (auto p = learn_sender_profile(h, m, o); !p) return std::unexpected(p.error());
            return st;
        }
    }
    bool fresh = false;
    auto lm = prepare_learn(h, m, o, &fresh, pre);
    if (!lm) return std::unexpected(lm.error());
    auto put = h.put(*lm);
    if (!put) return std::unexpected(put.error());
    if (auto p = learn_sender_profile(h, m, o); !p) return std::unexpected(p.error());
    if (!*put) {
        st.already_known = 1;
        return st;
    }
    st.learnt = 1;
    (lm->rec.sent ? st.sent : st.received) = 1;
    st.new_threads = fresh ? 1 : 0;
    return st;
}

learn_session::learn_session(store::history& h, learn_options o, std::size_t batch_size, std::size_t batch_bytes)
    : h_(h), opt_(std::move(o)), batch_size_(batch_size == 0 ? 1 : batch_size), batch_bytes_(batch_bytes) {}

learn_session::~learn_session() {
    if (open_) (void)h_.rollback_batch();
}

result<learn_stats> learn_session::add(const mime::message& m, const learn_precomputed* pre) {
    if (!open_) {
        if (auto r = h_.begin_batch(); !r) return std::unexpected(r.error());
        open_ = true;
    }
    auto st = learn_message(h_, m, opt_, pre);
    if (!st) return st;
    totals_ += *st;
    if (++in_batch_ >= batch_size_ || (batch_bytes_ > 0 && h_.batch_bytes() >= batch_bytes_)) {
        if (auto r = h_.commit_batch(); !r) return std::unexpected(r.error());
        open_ = false;
        in_batch_ = 0;
    }
    return st;
}

result<learn_stats> learn_session::finish() {
    if (open_) {
        if (auto r = h_.commit_batch(); !r) return std::unexpected(r.error());
        open_ = false;
        in_batch_ = 0;
    }
    return totals_;
}

}  // namespace replyguard::history
