// SPDX-License-Identifier: Apache-2.0
// mime/domains.hpp - registrable domains (libpsl) and the few domain facts detectors share
//
// DESCRIPTION
//   Organisations are compared by registrable domain ("mail.example.co.jp" and
//   "example.co.jp" are one organisation), taken from the Public Suffix List
//   built into libpsl. Free-mail providers are registrable domains shared by
//   unrelated people, so "same registrable domain" never means "same
//   organisation" for them.
#pragma once

#include <string>
#include <string_view>

namespace replyguard::mime {

/// Registrable domain of a host or of the domain part of an address, lower-case
/// ("" for an empty input; the host itself when the PSL has no answer, e.g. an IP literal).
std::string registrable_domain(std::string_view host_or_address);

/// A large free-mail or consumer provider (gmail.com, yahoo.co.jp, outlook.jp, ...).
bool is_freemail(std::string_view registrable);

/// The same organisation: equal registrable domains, not a free-mail provider.
bool same_organisation(std::string_view address_a, std::string_view address_b);

}  // namespace replyguard::mime
