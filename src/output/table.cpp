// SPDX-License-Identifier: Apache-2.0
// output/table.cpp - the people's table.
#include "output/table.hpp"

#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include <fmt/format.h>

namespace replyguard::output {

namespace {

int cell_width(UChar32 c) {
    if (c < 0x20 || c == 0x7f) return 0;
    if (u_getIntPropertyValue(c, UCHAR_GENERAL_CATEGORY) == U_NON_SPACING_MARK) return 0;
    int ea = u_getIntPropertyValue(c, UCHAR_EAST_ASIAN_WIDTH);
    return ea == U_EA_WIDE || ea == U_EA_FULLWIDTH ? 2 : 1;
}

std::string one_line(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (char c : s) out += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
    return out;
}

std::string pad(std::string s, int cells) {
    int w = display_width(s);
    if (w < cells) s.append(static_cast<std::size_t>(cells - w), ' ');
    return s;
}

}  // namespace

int display_width(std::string_view s) {
    int w = 0;
    int32_t i = 0, n = static_cast<int32_t>(s.size());
    while (i < n) {
        UChar32 c;
        U8_NEXT(s.data(), i, n, c);
        w += c < 0 ? 1 : cell_width(c);
    }
    return w;
}

std::string fit(std::string_view s, int cells) {
    std::string line = one_line(s);
    if (display_width(line) <= cells) return line;
    std::string out;
    int w = 0;
    int32_t i = 0, n = static_cast<int32_t>(line.size());
    while (i < n) {
        int32_t start = i;
        UChar32 c;
        U8_NEXT(line.data(), i, n, c);
        int cw = c < 0 ? 1 : cell_width(c);
        if (w + cw > cells - 1) break;
        out.append(line, static_cast<std::size_t>(start), static_cast<std::size_t>(i - start));
        w += cw;
    }
    return out + "…";
}

std::string fit_path(std::string_view s, int cells) {
    std::string line = one_line(s);
    if (display_width(line) <= cells) return line;
    // The file name is what a person looks for: kept whole even when it alone is
    // wider than the column (the SOURCE column is the last one, it may overflow).
    // For an mbox message ("box.mbox#12") the name includes the #N.
    std::size_t slash = line.find_last_of('/');
    std::string_view base =
        slash == std::string::npos ? std::string_view(line) : std::string_view(line).substr(slash + 1);
    if (display_width(base) + 2 >= cells) return "…/" + std::string(base);
    // Walk back from the end, keeping whole code points, until one cell is left for "…".
    int w = 0;
    int32_t i = static_cast<int32_t>(line.size());
    while (i > 0) {
        int32_t end = i;
        UChar32 c;
        U8_PREV(line.data(), 0, i, c);
        int cw = c < 0 ? 1 : cell_width(c);
        if (w + cw > cells - 1) {
            i = end;
            break;
        }
        w += cw;
    }
    return "…" + line.substr(static_cast<std::size_t>(i));
}

table_writer::table_writer(std::ostream& out, bool color, int width) : out_(out), color_(color), width_(width) {
    if (width_ < 80) width_ = 80;
}

void table_writer::header() {
    int subj = (width_ - 12 - 7 - 30 - 3) * 6 / 10;
    out_ << pad("VERDICT", 12) << pad("SCORE", 7) << pad("FROM", 30) << " " << pad("SUBJECT", subj) << " SOURCE\n";
}

void table_writer::row(const scan::scan_result& r) {
    if (r.error && r.msg.headers.empty()) {
        error_row(r.source, *r.error);
        return;
    }
    std::string_view v = score::verdict_name(r.outcome.v);
    const char* on = "";
    const char* off = color_ ? "\x1b[0m" : "";
    if (color_)
        on = r.outcome.v == score::verdict::malicious    ? "\x1b[1;31m"
             : r.outcome.v == score::verdict::suspicious ? "\x1b[33m"
                                                         : "\x1b[32m";
    std::string from;
    if (r.msg.from) {
        from = r.msg.from->name.empty() ? r.msg.from->address
                                        : fmt::format("{} <{}>", r.msg.from->name, r.msg.from->address);
    }
    int subj = (width_ - 12 - 7 - 30 - 3) * 6 / 10;
    int src = width_ - 12 - 7 - 30 - subj - 3;
    out_ << on << pad(std::string(v), 12) << off << pad(fmt::format("{:.1f}", r.outcome.score), 7)
         << pad(fit(from, 29), 30) << " " << pad(fit(r.msg.subject.decoded, subj - 1), subj) << " "
         << fit_path(r.source, src) << "\n";
    if (r.error) out_ << "    ! " << *r.error << "\n";
    if (r.outcome.v == score::verdict::clean && r.outcome.score == 0) return;
    for (const auto& f : r.findings) {
        if (f.score == 0) continue;
        out_ << "    " << (f.score > 0 ? "+" : "") << fmt::format("{:.1f}", f.score) << " " << f.id << ": "
             << fit(f.detail, width_ - 12 - static_cast<int>(f.id.size())) << "\n";
    }
    for (const auto& rep : r.attachments)
        for (const auto& f : rep.findings)
            if (f.score == 0)
                out_ << "     0.0 " << f.id << ": " << fit(f.detail, width_ - 12 - static_cast<int>(f.id.size()))
                     << "\n";
}

void table_writer::error_row(const std::string& source, const std::string& error) {
    const char* on = color_ ? "\x1b[1;35m" : "";
    const char* off = color_ ? "\x1b[0m" : "";
    out_ << on << pad("error", 12) << off << pad("-", 7) << fit(error, width_ - 20) << "\n"
         << "    source: " << source << "\n";
}

void table_writer::summary(std::size_t clean, std::size_t suspicious, std::size_t malicious, std::size_t errors) {
    out_ << fmt::format("\n{} messages: {} clean, {} suspicious, {} malicious, {} unreadable\n",
                        clean + suspicious + malicious + errors, clean, suspicious, malicious, errors);
}

}  // namespace replyguard::output
