// SPDX-License-Identifier: Apache-2.0
// apps/cli/dashboard.hpp - the web dashboard page served by `replyguard serve`
#pragma once

#include <string_view>

namespace replyguard::cli {

/// One self-contained HTML page (inline CSS and JS, no external resource).
std::string_view dashboard_html();

}  // namespace replyguard::cli
