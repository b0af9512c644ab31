// SPDX-License-Identifier: Apache-2.0
// mime/subject.cpp - PLACEHOLDER (being replaced): no prefix parsing yet.
#include "mime/subject.hpp"

namespace replyguard::mime {

subject_info parse_subject(std::string decoded) {
    subject_info s;
    s.base = decoded;
    s.key = decoded;
    s.decoded = std::move(decoded);
    return s;
}

}  // namespace replyguard::mime
