// SPDX-License-Identifier: Apache-2.0
// imap/client.cpp - mailbox_access over libcurl (see client.hpp)
#include "imap/client.hpp"

#include "imap/curl_api.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace replyguard::imap {

struct client::impl {
    const curl_api* api = nullptr;  ///< null: libcurl could not be loaded (curl() says why)
    CURL* h = nullptr;
    char errbuf[CURL_ERROR_SIZE] = {};
    std::string body;
    std::size_t cap = 0;
    bool overflow = false;
};

namespace {

std::size_t on_write(char* data, std::size_t size, std::size_t n, void* user) {
    auto* p = static_cast<client::impl*>(user);
    std::size_t len = size * n;
    if (p->body.size() + len > p->cap) {
        p->overflow = true;
        return 0;  // libcurl stops the transfer with CURLE_WRITE_ERROR
    }
    p->body.append(data, len);
    return len;
}

bool contains(std::string_view s, std::string_view what) {
    return std::search(s.begin(), s.end(), what.begin(), what.end(), [](char a, char b) {
               return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
           }) != s.end();
}

}  // namespace

void global_init() { (void)curl(); }

client::client(imap_url url, client_options opt) : url_(std::move(url)), opt_(std::move(opt)), p_(new impl) {
    if (const auto& api = curl()) p_->api = &*api;
    reset();
}

client::~client() {
    if (p_->h) p_->api->easy_cleanup(p_->h);
}

void client::reset() {
    if (!p_->api) return;
    const curl_api& c = *p_->api;
    if (p_->h) c.easy_cleanup(p_->h);
    CURL* h = p_->h = c.easy_init();
    if (!h) return;
    c.easy_setopt(h, CURLOPT_ERRORBUFFER, p_->errbuf);
    c.easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
    c.easy_setopt(h, CURLOPT_WRITEDATA, p_.get());
    c.easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    c.easy_setopt(h, CURLOPT_PROTOCOLS_STR, "imap,imaps");
    c.easy_setopt(h, CURLOPT_USERNAME, opt_.user.c_str());
    c.easy_setopt(h, CURLOPT_PASSWORD, opt_.password.c_str());
    // imap:// must upgrade with STARTTLS: credentials never travel in clear text.
    c.easy_setopt(h, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
    c.easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    c.easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    if (!opt_.ca_file.empty()) c.easy_setopt(h, CURLOPT_CAINFO, opt_.ca_file.c_str());
    c.easy_setopt(h, CURLOPT_CONNECTTIMEOUT, opt_.connect_timeout_seconds);
    c.easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
    c.easy_setopt(h, CURLOPT_LOW_SPEED_TIME, opt_.stall_seconds);
    c.easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    if (opt_.verbose) c.easy_setopt(h, CURLOPT_VERBOSE, 1L);
}

imap_result<std::string> client::perform(const std::string& url, const char* custom, std::string_view mailbox) {
    if (!p_->api) return imap_fail(failure::internal, curl().error().message);
    if (!p_->h) return imap_fail(failure::internal, "libcurl could not be initialised");
    const curl_api& c = *p_->api;
    p_->body.clear();
    p_->overflow = false;
    p_->errbuf[0] = '\0';
    // A fetched message may be as large as the limit; command responses are small
    // (a FLAGS line per message: 64 MiB is millions of messages).
    p_->cap = custom ? std::max<std::size_t>(opt_.max_message_bytes, 64u << 20) : opt_.max_message_bytes;
    c.easy_setopt(p_->h, CURLOPT_URL, url.c_str());
    c.easy_setopt(p_->h, CURLOPT_CUSTOMREQUEST, custom);
    CURLcode rc = c.easy_perform(p_->h);
    if (rc == CURLE_OK) return std::move(p_->body);

    std::string why = p_->errbuf[0] ? p_->errbuf : c.easy_strerror(rc);
    std::string where = fmt::format("{} ({}@{})", url_.base(), opt_.user, url_.host);
    const std::string box = decode_mailbox(mailbox);
    switch (rc) {
    case CURLE_LOGIN_DENIED:
        if (contains(why, "select") || contains(why, "examine"))
            return imap_fail(failure::no_mailbox,
                             fmt::format("no mailbox '{}' on {} (or it cannot be opened)", box, url_.base()));
        return imap_fail(
            failure::auth,
            fmt::format("authentication failed for {}: {} (check the user name and the password file)", where, why));
    case CURLE_AUTH_ERROR: return imap_fail(failure::auth, fmt::format("authentication failed for {}: {}", where, why));
    case CURLE_REMOTE_FILE_NOT_FOUND:
        if (contains(why, "uidvalidity"))
            return imap_fail(failure::uidvalidity, fmt::format("mailbox '{}' was rebuilt (UIDVALIDITY changed)", box));
        return imap_fail(failure::gone, fmt::format("the message is no longer in '{}'", box));
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_USE_SSL_FAILED:
        return imap_fail(
            failure::tls,
            fmt::format("TLS failure with {}: {}{}", url_.base(), why,
                        opt_.ca_file.empty() ? " (a private CA? give its certificate with --ca-file)" : ""));
    case CURLE_WRITE_ERROR:
        if (p_->overflow)
            return imap_fail(failure::too_large,
                             fmt::format("larger than the limit of {} bytes; not fetched", opt_.max_message_bytes));
        return imap_fail(failure::internal, why);
    case CURLE_QUOTE_ERROR:
        return imap_fail(failure::refused, fmt::format("the server refused '{}'", custom ? custom : "FETCH"));
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_FTP_ACCEPT_TIMEOUT:
    case CURLE_AGAIN:
        return imap_fail(failure::connection, fmt::format("connection to {} failed: {}", url_.base(), why));
    default: return imap_fail(failure::internal, fmt::format("{}: {}", url_.base(), why));
    }
}

imap_result<std::vector<list_entry>> client::list() {
    auto r = perform(url_.base() + "/", "LIST \"\" \"*\"", "");
    if (!r) return std::unexpected(r.error());
    return parse_list(*r);
}

imap_result<mailbox_status> client::status(std::string_view mailbox) {
    std::string cmd = fmt::format("STATUS {} (UIDVALIDITY UIDNEXT MESSAGES)", quote(mailbox));
    auto r = perform(url_.base() + "/", cmd.c_str(), mailbox);
    if (!r) {
        if (r.error().kind == failure::refused)
            return imap_fail(failure::no_mailbox,
                             fmt::format("no mailbox '{}' on {}", decode_mailbox(mailbox), url_.base()));
        return std::unexpected(r.error());
    }
    auto st = parse_status(*r);
    if (!st)
        return imap_fail(failure::refused,
                         fmt::format("{}: STATUS of '{}' gave no UIDVALIDITY", url_.base(), decode_mailbox(mailbox)));
    return *st;
}

imap_result<std::vector<uid_flags>> client::messages_after(std::string_view mailbox, std::uint32_t after) {
    std::string cmd = fmt::format("UID FETCH {}:* (UID FLAGS)", static_cast<std::uint64_t>(after) + 1);
    auto r = perform(url_.base() + "/" + url_path(mailbox), cmd.c_str(), mailbox);
    if (!r) return std::unexpected(r.error());
    return parse_fetch_flags(*r);
}

imap_result<std::string> client::fetch(std::string_view mailbox, std::uint32_t uidvalidity, std::uint32_t uid) {
    return perform(fmt::format("{}/{};UIDVALIDITY={}/;UID={}", url_.base(), url_path(mailbox), uidvalidity, uid),
                   nullptr, mailbox);
}

imap_result<void> client::store_flags(std::string_view mailbox, std::uint32_t uid, bool add, std::string_view flags) {
    std::string cmd = fmt::format("UID STORE {} {}FLAGS.SILENT ({})", uid, add ? '+' : '-', flags);
    auto r = perform(url_.base() + "/" + url_path(mailbox), cmd.c_str(), mailbox);
    if (!r) return std::unexpected(r.error());
    return {};
}

imap_result<void> client::move(std::string_view mailbox, std::uint32_t uid, std::string_view target) {
    std::string cmd = fmt::format("UID MOVE {} {}", uid, quote(target));
    auto r = perform(url_.base() + "/" + url_path(mailbox), cmd.c_str(), mailbox);
    if (!r) {
        if (r.error().kind == failure::refused)
            return imap_fail(failure::refused,
                             fmt::format("the server refused to move UID {} to '{}' (is MOVE, RFC 6851, supported?)",
                                         uid, decode_mailbox(target)));
        return std::unexpected(r.error());
    }
    return {};
}

imap_result<void> client::create(std::string_view mailbox) {
    auto have = list();
    if (!have) return std::unexpected(have.error());
    if (std::any_of(have->begin(), have->end(), [&](const list_entry& e) { return e.name == mailbox; })) return {};
    std::string cmd = fmt::format("CREATE {}", quote(mailbox));
    auto r = perform(url_.base() + "/", cmd.c_str(), mailbox);
    if (!r) {
        if (r.error().kind == failure::refused)
            return imap_fail(failure::refused,
                             fmt::format("cannot create mailbox '{}' on {}", decode_mailbox(mailbox), url_.base()));
        return std::unexpected(r.error());
    }
    return {};
}

}  // namespace replyguard::imap
