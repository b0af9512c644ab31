// SPDX-License-Identifier: Apache-2.0
// store/profile_merge.cpp - the one merge rule of sender profiles (store/history.hpp)
//
// DESCRIPTION
//   messages + 1; every (axis, value) of the update + 1; a value that is new to
//   an axis already holding `cap` distinct values is counted under
//   k_profile_other instead, so a profile never grows past the sum of its axis
//   caps. The memory backend applies this function; SQLite and Redis implement
//   the same rule in SQL and Lua, and tests/unit/store/profile_store_test.cpp
//   checks the three agree.
#include "store/history.hpp"

namespace replyguard::store {

void apply_profile_update(profile_counts& p, const profile_update& u) {
    ++p.messages;
    for (const auto& v : u.values) {
        auto& axis = p.axes[v.axis];
        auto it = axis.find(v.value);
        if (it != axis.end()) {
            ++it->second;
            continue;
        }
        std::size_t distinct = axis.size() - (axis.contains(std::string(k_profile_other)) ? 1 : 0);
        if (distinct < v.cap)
            axis.emplace(v.value, 1);
        else
            ++axis[std::string(k_profile_other)];
    }
}

}  // namespace replyguard::store
