// SPDX-License-Identifier: Apache-2.0
// core/result.cpp - names of error codes for messages and JSON.
#include "core/result.hpp"

namespace replyguard {

const char* errc_name(errc c) noexcept {
    switch (c) {
    case errc::io: return "io";
    case errc::parse: return "parse";
    case errc::limit: return "limit";
    case errc::store: return "store";
    case errc::unsupported: return "unsupported";
    case errc::internal: return "internal";
    }
    return "internal";
}

}  // namespace replyguard
