// SPDX-License-Identifier: Apache-2.0
// apps/cli/milter_store_watch.cpp - the forwarding store wrapper (see milter_store_watch.hpp).
#include "cli/milter_store_watch.hpp"

namespace replyguard::cli::milterd {

namespace {

thread_local bool t_store_failed = false;

class watched_history final : public store::history {
public:
    explicit watched_history(std::unique_ptr<store::history> h) : h_(std::move(h)) {}
    template <class R>
    R w(R r) {
        if (!r) t_store_failed = true;
        return r;
    }
    result<bool> put(const store::learnt_message& m) override { return w(h_->put(m)); }
    result<void> add_org_domain(std::string_view d) override { return w(h_->add_org_domain(d)); }
    result<void> begin_batch() override { return w(h_->begin_batch()); }
    result<void> commit_batch() override { return w(h_->commit_batch()); }
    result<void> rollback_batch() override { return w(h_->rollback_batch()); }
    result<std::optional<store::message_record>> find_message(std::string_view k) override { return w(h_->find_message(k)); }
    result<std::optional<store::thread_info>> find_thread(std::string_view id) override { return w(h_->find_thread(id)); }
    result<std::vector<std::string>> threads_by_subject(std::string_view k, std::size_t max) override {
        return w(h_->threads_by_subject(k, max));
    }
    result<std::optional<store::correspondent>> find_correspondent(std::string_view a) override {
        return w(h_->find_correspondent(a));
    }
    result<std::vector<std::string>> addresses_for_name(std::string_view k) override { return w(h_->addresses_for_name(k)); }
    result<std::vector<store::fingerprint_hit>> match_fingerprints(std::span<const std::uint64_t> fps,
                                                                   std::size_t max_df) override {
        return w(h_->match_fingerprints(fps, max_df));
    }
    result<std::vector<std::string>> org_domains() override { return w(h_->org_domains()); }
    result<std::vector<std::string>> known_domains() override { return w(h_->known_domains()); }
    result<bool> is_known_domain(std::string_view d) override { return w(h_->is_known_domain(d)); }
    result<store::history_stats> stats() override { return w(h_->stats()); }

private:
    std::unique_ptr<store::history> h_;
};

}  // namespace

std::unique_ptr<store::history> watch_store(std::unique_ptr<store::history> h) {
    return std::make_unique<watched_history>(std::move(h));
}

void store_watch_reset() { t_store_failed = false; }
bool store_failed() { return t_store_failed; }

}  // namespace replyguard::cli::milterd
