// SPDX-License-Identifier: Apache-2.0
// apps/cli/imap_common.cpp - IMAP credentials and messages shared by learn and watch
#include "cli/imap_common.hpp"

#include <fmt/format.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <iostream>

namespace replyguard::cli {

result<imap::client_options> imap_client_options(const imap::imap_url& url, const imap_cli_args& a,
                                                 std::size_t max_message_bytes) {
    imap::client_options o;
    o.user = url.user;
    if (o.user.empty())
        if (const char* u = std::getenv("REPLYGUARD_IMAP_USER"); u && *u) o.user = u;
    if (o.user.empty())
        return fail(
            errc::parse,
            fmt::format("{}: no user name: write imaps://USER@HOST/ (%40 for an '@' in it) or set REPLYGUARD_IMAP_USER",
                        url.base()));
    if (!a.password_file.empty()) {
        std::ifstream f(a.password_file);
        if (!f) return fail(errc::io, fmt::format("{}: cannot read the password file", a.password_file));
        std::getline(f, o.password);
        if (!o.password.empty() && o.password.back() == '\r') o.password.pop_back();
        struct stat st {};
        if (::stat(a.password_file.c_str(), &st) == 0 && (st.st_mode & 077))
            std::cerr << fmt::format("replyguard: warning: {} can be read by other users (chmod 600 it)\n",
                                     a.password_file);
    } else if (const char* p = std::getenv("REPLYGUARD_IMAP_PASSWORD"); p) {
        o.password = p;
    } else {
        return fail(errc::parse, "no IMAP password: give --password-file FILE or set REPLYGUARD_IMAP_PASSWORD");
    }
    if (o.password.empty()) return fail(errc::parse, "the IMAP password is empty");
    o.ca_file = a.ca_file;
    o.max_message_bytes = max_message_bytes;
    o.verbose = a.verbose;
    return o;
}

result<std::vector<std::string>> encode_folders(const std::vector<std::string>& utf8) {
    std::vector<std::string> out;
    for (const auto& f : utf8) {
        auto e = imap::encode_mailbox(f);
        if (!e) return std::unexpected(e.error());
        out.push_back(std::move(*e));
    }
    return out;
}

std::string imap_source(const imap::imap_url& url, std::string_view mailbox, std::uint32_t uidvalidity,
                        std::uint32_t uid) {
    return fmt::format("{}/{};UIDVALIDITY={}/;UID={}", url.base(), imap::url_path(mailbox), uidvalidity, uid);
}

}  // namespace replyguard::cli
