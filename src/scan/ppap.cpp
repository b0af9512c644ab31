// SPDX-License-Identifier: Apache-2.0
// scan/ppap.cpp - linking a password mail to the encrypted attachment it opens.
#include "scan/ppap.hpp"

#include "attach/ids.hpp"
#include "attach/passwords.hpp"

#include <algorithm>

namespace replyguard::scan {

namespace {

bool related_subject(std::string_view a, std::string_view b) {
    if (a.empty() || b.empty()) return false;
    if (a == b) return true;
    // "【パスワード】見積書" vs "見積書": containment, with enough text to mean something.
    auto contains = [](std::string_view hay, std::string_view needle) {
        return needle.size() >= 6 && hay.find(needle) != std::string_view::npos;
    };
    return contains(a, b) || contains(b, a);
}

std::vector<std::string> refs_of(const mime::message& m) {
    std::vector<std::string> r = m.in_reply_to;
    r.insert(r.end(), m.references.begin(), m.references.end());
    return r;
}

bool references(const std::vector<std::string>& refs, const std::string& id) {
    return !id.empty() && std::find(refs.begin(), refs.end(), id) != refs.end();
}

}  // namespace

bool ppap_linker::needs_password(const scan_result& r) {
    for (const auto& rep : r.attachments)
        for (const auto& f : rep.findings)
            if (f.id == attach::ids::ARCHIVE_PASSWORD_UNKNOWN || f.id == attach::ids::OFFICE_ENCRYPTED) {
                // OFFICE_ENCRYPTED is also raised for documents that were opened
                // (default password); only the ones left closed need a password.
                if (f.id == attach::ids::OFFICE_ENCRYPTED && f.evidence.is_object() && f.evidence.value("opened", true))
                    continue;
                return true;
            }
    return false;
}

std::vector<std::string> ppap_linker::offers_of(const scan_result& r) {
    if (!r.msg.from) return {};
    const std::string& text = r.msg.new_text.empty() ? r.msg.body_text : r.msg.new_text;
    return attach::find_passwords(text);
}

void ppap_linker::note(const scan_result& r) {
    if (!r.msg.from || r.offered_passwords.empty()) return;
    entry e;
    e.o.source = r.source;
    e.o.message_id = r.msg.message_id;
    e.o.passwords = r.offered_passwords;
    e.sender = r.msg.from->address_key;
    e.subject_key = r.msg.subject.key;
    e.refs = refs_of(r.msg);
    offers_.push_back(std::move(e));
    if (offers_.size() > k_max_offers) offers_.pop_front();
}

std::vector<ppap_linker::offer> ppap_linker::offers_for(const scan_result& held) const {
    std::vector<offer> out;
    if (!held.msg.from) return out;
    const std::string& sender = held.msg.from->address_key;
    auto held_refs = refs_of(held.msg);
    for (const auto& e : offers_) {
        if (e.o.source == held.source || e.sender != sender) continue;
        bool linked = related_subject(e.subject_key, held.msg.subject.key) || references(e.refs, held.msg.message_id) ||
                      references(held_refs, e.o.message_id);
        if (linked) out.push_back(e.o);
    }
    return out;
}

void apply_offers(const engine& eng, scan_result& held, const std::vector<ppap_linker::offer>& offers) {
    if (offers.empty()) return;
    std::vector<std::string> pw;
    nlohmann::json from = nlohmann::json::array();
    for (const auto& o : offers) {
        for (const auto& p : o.passwords)
            if (std::find(pw.begin(), pw.end(), p) == pw.end()) pw.push_back(p);
        from.push_back({{"source", o.source}, {"message_id", o.message_id}});
    }
    eng.rescan_with_passwords(held, pw);
    bool opened = false;
    for (const auto& rep : held.attachments)
        for (const auto& f : rep.findings)
            if (f.id == attach::ids::ARCHIVE_PASSWORD_FROM_THREAD ||
                (f.id == attach::ids::OFFICE_ENCRYPTED && f.evidence.is_object() && f.evidence.value("opened", false)))
                opened = true;
    held.pairing = {{"password_mail", from}, {"opened", opened}};
}

}  // namespace replyguard::scan
