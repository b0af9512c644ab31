// SPDX-License-Identifier: Apache-2.0
// hand_message.hpp - build mime::message objects field by field for unit tests
//
// DESCRIPTION
//   Detectors and the learner read only the model, so their unit tests fill
//   it directly instead of depending on the parser. Keys are made with the
//   library's own mime::make_mailbox / name_key, so the tests follow whatever
//   normalisation the library does.
#pragma once

#include "mime/address.hpp"
#include "mime/message.hpp"

#include <string>
#include <vector>

namespace replyguard::hand {

inline mime::mailbox mb(std::string name, std::string addr) {
    return mime::make_mailbox(std::move(name), std::move(addr));
}

/// Subject with "Re: " / "Fw: " prefixes recognised the simple way (tests only).
inline mime::subject_info subject(std::string s) {
    mime::subject_info si;
    si.decoded = s;
    std::string rest = s;
    for (;;) {
        if (rest.starts_with("Re: ") || rest.starts_with("RE: ")) {
            si.prefixes.push_back({mime::prefix_kind::reply, rest.substr(0, 3), 0});
            rest = rest.substr(4);
        } else if (rest.starts_with("Fw: ") || rest.starts_with("FW: ")) {
            si.prefixes.push_back({mime::prefix_kind::forward, rest.substr(0, 3), 0});
            rest = rest.substr(4);
        } else {
            break;
        }
    }
    si.base = rest;
    std::string key;
    for (char c : rest) key += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    si.key = key;
    return si;
}

struct msg_builder {
    mime::message m;
    msg_builder& id(std::string v) {
        m.message_id = std::move(v);
        return *this;
    }
    msg_builder& from(std::string name, std::string addr) {
        m.from = mb(std::move(name), std::move(addr));
        m.from_all = {*m.from};
        m.headers.push_back({"From", m.from->name + " <" + m.from->address + ">"});
        return *this;
    }
    msg_builder& to(std::string name, std::string addr) {
        m.to.push_back(mb(std::move(name), std::move(addr)));
        return *this;
    }
    msg_builder& cc(std::string name, std::string addr) {
        m.cc.push_back(mb(std::move(name), std::move(addr)));
        return *this;
    }
    msg_builder& subj(std::string s) {
        m.subject = subject(s);
        m.headers.push_back({"Subject", s});
        return *this;
    }
    msg_builder& irt(std::string v) {
        m.in_reply_to.push_back(std::move(v));
        return *this;
    }
    msg_builder& refs(std::vector<std::string> v) {
        m.references = std::move(v);
        return *this;
    }
    msg_builder& date(std::int64_t d) {
        m.date = d;
        return *this;
    }
    msg_builder& text(std::string t) {
        m.new_text = t;
        m.body_text = std::move(t);
        return *this;
    }
    msg_builder& header(std::string n, std::string v) {
        m.headers.push_back({std::move(n), std::move(v)});
        return *this;
    }
    msg_builder& quote(mime::quoted_block q) {
        m.quoted.push_back(std::move(q));
        return *this;
    }
    msg_builder& url(std::string u) {
        m.urls.push_back({u, "", "", false});
        return *this;
    }
    mime::message take() { return std::move(m); }
};

}  // namespace replyguard::hand
