// SPDX-License-Identifier: Apache-2.0
// apps/cli/commands.hpp - the CLI's commands, one file each.
#pragma once

#include <string>
#include <vector>

namespace replyguard::cli {

struct scan_args {
    std::string db;
    std::string config;
    std::string format = "table";
    unsigned jobs = 0;
    bool no_progress = false;
    int color = -1;  ///< -1 auto, 0 off, 1 on (CLI11 flag with negation)
    std::vector<std::string> paths;
};

struct learn_args {
    std::string db;
    std::string config;
    std::vector<std::string> org_domains;
    bool no_progress = false;
    std::vector<std::string> paths;
};

struct milter_args {
    std::string db;
    std::string config;
    std::string socket;  ///< overrides [milter] socket
};

struct findings_args {
    std::string config;
    std::string format = "markdown";
};

/// Default history file when --db is not given.
std::string default_db_path();

int run_scan(const scan_args& a);
int run_learn(const learn_args& a);
int run_milter(const milter_args& a);
int run_findings(const findings_args& a);

}  // namespace replyguard::cli
