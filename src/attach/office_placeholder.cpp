// SPDX-License-Identifier: Apache-2.0
// attach/office_placeholder.cpp - PLACEHOLDER until the Office analysers land (delete then).
#include "attach/file.hpp"

namespace replyguard::attach {
bool analyse_office(const file_view&, analysis_state&, attachment_report&) { return false; }
std::vector<detect::symbol_info> office_symbols() { return {}; }
}  // namespace replyguard::attach
