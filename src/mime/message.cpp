// SPDX-License-Identifier: Apache-2.0
// mime/message.cpp - small accessors of the message model.
#include "mime/message.hpp"
#include "core/strings.hpp"
#include "mime/header_decode.hpp"

namespace replyguard::mime {

std::string mailbox::domain() const {
    auto at = address_key.rfind('@');
    return at == std::string::npos ? std::string() : address_key.substr(at + 1);
}

bool subject_info::is_reply() const {
    for (const auto& p : prefixes)
        if (p.kind == prefix_kind::reply) return true;
    return false;
}

bool subject_info::is_forward() const {
    for (const auto& p : prefixes)
        if (p.kind == prefix_kind::forward) return true;
    return false;
}

std::string header_field::value() const { return decode_header_text(raw); }

const header_field* message::header(std::string_view name) const {
    for (const auto& h : headers)
        if (ieq(h.name, name)) return &h;
    return nullptr;
}

std::size_t message::header_count(std::string_view name) const {
    std::size_t n = 0;
    for (const auto& h : headers)
        if (ieq(h.name, name)) ++n;
    return n;
}

void message::add_anomaly(std::string id, std::string detail) {
    for (const auto& a : anomalies)
        if (a.id == id && a.detail == detail) return;
    anomalies.push_back(anomaly{std::move(id), std::move(detail)});
}

}  // namespace replyguard::mime
