// SPDX-License-Identifier: Apache-2.0
// output/table.hpp - a readable table for people
//
// DESCRIPTION
//   One line per message (verdict, score, sender, subject, source), and under
//   each message that is not clean, one line per finding with its evidence in
//   words. Column widths count East Asian wide characters as two cells (ICU),
//   so Japanese subjects line up in a terminal.
#pragma once

#include "scan/engine.hpp"

#include <ostream>
#include <string>
#include <string_view>

namespace replyguard::output {

class table_writer {
public:
    table_writer(std::ostream& out, bool color, int width = 120);
    void header();
    void row(const scan::scan_result& r);
    void error_row(const std::string& source, const std::string& error);
    void summary(std::size_t clean, std::size_t suspicious, std::size_t malicious, std::size_t errors);

private:
    std::ostream& out_;
    bool color_;
    int width_;
};

/// Display width of UTF-8 text in terminal cells.
int display_width(std::string_view utf8);

/// Cut UTF-8 text to at most `cells` terminal cells, adding "…" when cut.
std::string fit(std::string_view utf8, int cells);

/// Cut a path to at most `cells` display cells from the left ("…dir/file.eml"),
/// so that the file name, the part a person needs, survives (whole, even when
/// it alone is wider than `cells`).
std::string fit_path(std::string_view utf8, int cells);

}  // namespace replyguard::output
