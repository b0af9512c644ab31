// SPDX-License-Identifier: Apache-2.0
// history/view.cpp - small accessors of the gathered view (history/view.hpp).
#include "history/view.hpp"

namespace replyguard::history {

const char* view_status_name(view_status s) {
    switch (s) {
    case view_status::none: return "none";
    case view_status::ok: return "ok";
    case view_status::unavailable: return "unavailable";
    }
    return "?";
}

const store::correspondent* view::name_person(std::string_view address) const {
    for (const auto& c : name_people)
        if (c.address == address) return &c;
    return nullptr;
}

bool view::link_domain_known(std::string_view registrable) const {
    for (const auto& [d, known] : link_domains)
        if (d == registrable) return known;
    return false;
}

}  // namespace replyguard::history
