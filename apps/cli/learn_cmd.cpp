// SPDX-License-Identifier: Apache-2.0
// apps/cli/learn_cmd.cpp - `replyguard learn` (wired to the history store when it lands).
#include "cli/commands.hpp"

#include <iostream>

namespace replyguard::cli {

int run_learn(const learn_args&) {
    std::cerr << "replyguard learn: the history store is not part of this build yet\n";
    return 2;
}

}  // namespace replyguard::cli
