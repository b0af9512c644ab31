// SPDX-License-Identifier: Apache-2.0
// mime/address.cpp - PLACEHOLDER (being replaced): GMime address parsing, no keys.
#include "mime/address.hpp"
#include "mime/header_decode.hpp"

#include <gmime/gmime.h>

namespace replyguard::mime {

std::string name_key(std::string_view name) { return std::string(name); }
std::string address_key(std::string_view address) { return std::string(address); }
std::vector<std::string> addresses_in_text(std::string_view) { return {}; }

mailbox make_mailbox(std::string name, std::string address) {
    mailbox m;
    m.name_key = name_key(name);
    m.address_key = address_key(address);
    m.name = std::move(name);
    m.address = std::move(address);
    return m;
}

static void flatten(InternetAddressList* list, std::vector<mailbox>& out) {
    int n = internet_address_list_length(list);
    for (int i = 0; i < n; ++i) {
        InternetAddress* ia = internet_address_list_get_address(list, i);
        if (INTERNET_ADDRESS_IS_GROUP(ia)) {
            flatten(internet_address_group_get_members(INTERNET_ADDRESS_GROUP(ia)), out);
        } else if (INTERNET_ADDRESS_IS_MAILBOX(ia)) {
            const char* name = internet_address_get_name(ia);
            const char* addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia));
            out.push_back(make_mailbox(name ? name : "", addr ? addr : ""));
        }
    }
}

std::vector<mailbox> parse_address_list(std::string_view raw_value) {
    std::vector<mailbox> out;
    std::string text = decode_address_header(raw_value);
    InternetAddressList* list = internet_address_list_parse(nullptr, text.c_str());
    if (list) {
        flatten(list, out);
        g_object_unref(list);
    }
    return out;
}

}  // namespace replyguard::mime
