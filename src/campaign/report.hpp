// SPDX-License-Identifier: Apache-2.0
// campaign/report.hpp - the campaign table as Markdown, CSV, JSON or HTML, and the partner advisory
//
// DESCRIPTION
//   Columns follow the public advisories (注意喚起) Japanese CERTs and
//   companies publish: period (first - last seen), impersonated organisation,
//   impersonated person, a one-sentence summary of what the mail did, count;
//   then the real senders and the campaign id. Summaries are written in
//   English or Japanese (`lang`). Dates are calendar days in UTC, or shifted
//   by report_options::utc_offset (JST for Japanese advisories).
//
//   advisory() drafts, for each campaign that impersonates our own
//   organisation, the warning to publish for partners, in Japanese and
//   English: what the spoofed mail looks like, the addresses and servers it
//   really came from, what to do.
// LIMITS
//   HTML output is one self-contained file: inline CSS, no script, no
//   external resource; every text is HTML-escaped.
#pragma once

#include "campaign/cluster.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace replyguard::campaign {

enum class report_format { markdown, csv, json, html };

struct report_options {
    report_format format = report_format::markdown;
    std::string lang = "en";  ///< "en" | "ja"
    std::vector<std::string> org_domains;
    std::int64_t utc_offset = 0;  ///< seconds added before taking the calendar day (JST: 9 * 3600)
};

/// One sentence: how the mail pretended, from where, with what payload.
std::string summary(const campaign& c, std::string_view lang);

/// "YYYY-MM-DD" of a time shifted by `utc_offset` seconds (UTC by default); "-" for 0.
std::string day(std::int64_t t, std::int64_t utc_offset = 0);

nlohmann::json campaign_json(const campaign& c, std::string_view lang, std::int64_t utc_offset = 0);

/// The campaign table.
std::string render(const std::vector<campaign>& cs, const report_options& opt);

/// Drafts of the partner warning for campaigns impersonating our organisation
/// (Japanese then English when lang is "ja", the reverse otherwise); a short
/// note when there is none.
std::string advisory(const std::vector<campaign>& cs, const report_options& opt);

/// HTML-escape (&, <, >, ", ').
std::string html_escape(std::string_view s);

}  // namespace replyguard::campaign
