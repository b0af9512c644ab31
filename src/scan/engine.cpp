// SPDX-License-Identifier: Apache-2.0
// scan/engine.cpp - the analysis path; the exception firewall of the core.
#include "scan/engine.hpp"

#include "attach/ioc.hpp"
#include "mime/parser.hpp"
#include "scan/gather.hpp"

#include <fmt/format.h>

#include <new>

namespace replyguard::scan {

engine::engine(config cfg, store::history* history)
    : cfg_(std::move(cfg)),
      history_(history),
      domains_(std::make_unique<history::domain_index_cache>()),
      detectors_(detect::make_detectors()) {
    mime::init();
}

engine::~engine() = default;

result<void> engine::load_configured_iocs() {
    if (cfg_.ioc_sha256_lists.empty() && cfg_.ioc_domain_lists.empty() && cfg_.yara_rules.empty()) return {};
    attach::ioc_sources src;
    for (const auto& p : cfg_.ioc_sha256_lists) src.sha256_lists.emplace_back(p);
    for (const auto& p : cfg_.ioc_domain_lists) src.domain_lists.emplace_back(p);
    if (!cfg_.yara_rules.empty()) src.yara_rules = cfg_.yara_rules;
    auto iocs = attach::load_ioc_lists(src);
    if (!iocs) return std::unexpected(iocs.error());
    set_iocs(std::move(*iocs));
    return {};
}

void engine::analyse(scan_result& r, const scan_options& opt, budget& bud) const {
    attach::analysis_options aopt;
    aopt.lim = cfg_.lim;
    aopt.extra_passwords = opt.extra_passwords;
    aopt.iocs = iocs_;
    aopt.deadline = bud.deadline();
    aopt.bud = &bud;
    r.attachments = attach::analyse(r.msg, aopt);

    finding_sink sink(cfg_);
    for (const auto& rep : r.attachments)
        for (const auto& f : rep.findings) {
            finding copy = f;
            copy.score = cfg_.score_for(f.id, f.score);
            sink.add(std::move(copy));
        }
    if (iocs_)
        for (auto& f : attach::match_message_urls(r.msg, *iocs_)) {
            f.score = cfg_.score_for(f.id, f.score);
            sink.add(std::move(f));
        }
    // Once per message: a PPAP re-analysis keeps what the first pass gathered.
    if (history_ && r.history.status == history::view_status::none) {
        if (auto v = gather_history(*history_, r.msg, cfg_, domains_.get())) {
            r.history = std::move(*v);
        } else {
            r.history.status = history::view_status::unavailable;
            r.history.error = v.error().message;
        }
    }
    detect::scan_context ctx{r.msg, r.attachments, r.history.ok() ? &r.history : nullptr, cfg_};
    for (const auto& d : detectors_) d->run(ctx, sink);
    scan_attached(r, opt, sink, bud);
    r.findings = sink.take();
    r.outcome = score::evaluate(r.findings, cfg_);
    // An attached message's verdict is a floor for the message carrying it (group caps cannot lower it).
    for (const auto& a : r.attached)
        if (!a.error && a.outcome.v > r.outcome.v) r.outcome.v = a.outcome.v;
}

namespace {
// The budget's hits become the result's incomplete flag (core/budget.hpp).
void mark_limits(scan_result& r, const budget& bud) {
    if (!bud.incomplete()) return;
    r.incomplete = true;
    r.limits_hit = bud.hits();
}
}  // namespace

scan_result engine::scan(std::string_view bytes, std::string source, const scan_options& opt) const {
    scan_result r;
    r.source = std::move(source);
    // Exception firewall: nothing below may take the whole scan down. Content
    // never throws by design; what can is allocation failure or a bug.
    // One budget for the whole message, parse included (core/budget.hpp).
    budget bud(cfg_.lim);
    try {
        r.msg = mime::parse_message(bytes, cfg_.lim, &bud);
        analyse(r, opt, bud);
    } catch (const std::bad_alloc&) {
        // A limit hit, never a clean result: whatever was found stays (attachment
        // findings when the detectors had not run yet), the record carries the
        // error and the incomplete flag.
        r.error = "out of memory while analysing this message";
        bud.hit("ANALYSIS_LIMIT", "out of memory while analysing this message");
        try {
            if (r.findings.empty())
                for (const auto& rep : r.attachments)
                    for (const auto& f : rep.findings) r.findings.push_back(f);
            r.findings.push_back({"ANALYSIS_LIMIT",
                                  "limits",
                                  cfg_.score_for("ANALYSIS_LIMIT", 1.0),
                                  "analysis ran out of memory: the findings are those made before",
                                  {}});
            r.outcome = score::evaluate(r.findings, cfg_);
        } catch (...) {}
    } catch (const std::exception& e) {
        r.error = fmt::format("internal error: {}", e.what());
    } catch (...) {
        r.error = "internal error";
    }
    mark_limits(r, bud);
    return r;
}

void engine::rescan_with_passwords(scan_result& r, const std::vector<std::string>& passwords) const {
    try {
        scan_options opt;
        opt.extra_passwords = passwords;
        budget bud(cfg_.lim);
        analyse(r, opt, bud);
        if (bud.incomplete()) {
            r.incomplete = true;
            for (const auto& h : bud.hits()) r.limits_hit.push_back(h);
        }
    } catch (...) {
        r.error = "internal error while re-analysing with passwords from the thread";
    }
}

}  // namespace replyguard::scan
