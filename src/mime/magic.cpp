// SPDX-License-Identifier: Apache-2.0
// mime/magic.cpp - one libmagic handle a thread (see magic.hpp)
#include "mime/magic.hpp"

#include <magic.h>

namespace replyguard::mime {
namespace {

constexpr int k_common = MAGIC_NO_CHECK_COMPRESS | MAGIC_ERROR;
constexpr int k_type_flags = MAGIC_MIME_TYPE | k_common;
constexpr int k_label_flags = k_common;

struct handle {
    magic_t m = nullptr;
    int flags = k_type_flags;
    handle() {
        // Loading the database costs milliseconds: once a thread.
        m = magic_open(flags);
        if (m && magic_load(m, nullptr) != 0) {
            magic_close(m);
            m = nullptr;
        }
    }
    ~handle() {
        if (m) magic_close(m);
    }
    handle(const handle&) = delete;
    handle& operator=(const handle&) = delete;

    std::string ask(int want, std::string_view data) {
        if (!m) return {};
        if (flags != want) {
            if (magic_setflags(m, want) != 0) return {};
            flags = want;
        }
        const char* r = magic_buffer(m, data.data(), data.size());
        return r ? std::string(r) : std::string();
    }
};

handle& thread_handle() {
    thread_local handle h;
    return h;
}

}  // namespace

std::string magic_type(std::string_view data) { return thread_handle().ask(k_type_flags, data); }

magic_answer magic_sniff(std::string_view data) {
    handle& h = thread_handle();
    magic_answer a;
    a.label = h.ask(k_label_flags, data);
    // Only a text's description can be the rules' silence ("ASCII text, with CRLF
    // line terminators"): other bytes are not asked a third time.
    if (a.label.find("text") != std::string::npos && h.ask(k_label_flags | MAGIC_NO_CHECK_SOFT, data) == a.label) {
        a.type = h.ask(k_type_flags | MAGIC_NO_CHECK_SOFT, data);
        return a;
    }
    a.type = h.ask(k_type_flags, data);
    return a;
}

}  // namespace replyguard::mime
