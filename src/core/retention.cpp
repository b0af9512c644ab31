// SPDX-License-Identifier: Apache-2.0
// core/retention.cpp - the [history.retention] table (core/retention.hpp)
#include "core/retention.hpp"

#include "core/config.hpp"

#include <fmt/format.h>

namespace replyguard {

result<history_retention> read_history_table(const toml::table& history, const std::string& origin) {
    history_retention out;
    for (const auto& [name, node] : history) {
        // The page caches and the memory map: core/config.cpp reads and checks them.
        if (is_history_memory_key(name.str())) continue;
        if (name.str() != "retention")
            return fail(errc::parse, fmt::format("{}: unknown key history.{}", toml_where(node, origin), name.str()));
        const toml::table* t = node.as_table();
        if (!t)
            return fail(errc::parse, fmt::format("{}: [history.retention] must be a table", toml_where(node, origin)));
        for (const auto& [key, v] : *t) {
            std::int64_t* dst = key.str() == "fingerprint_days"     ? &out.fingerprint_days
                                : key.str() == "message_days"       ? &out.message_days
                                : key.str() == "correspondent_days" ? &out.correspondent_days
                                                                    : nullptr;
            if (!dst)
                return fail(errc::parse,
                            fmt::format("{}: unknown key history.retention.{}", toml_where(v, origin), key.str()));
            // as_integer, not value<int64_t>: toml++ would turn 30.0 into 30.
            const auto* i = v.as_integer();
            if (!i || i->get() < 0 || i->get() > k_max_retention_days)
                return fail(errc::parse, fmt::format("{}: history.retention.{} must be a whole number of days from "
                                                     "0 (keep for ever) to {}",
                                                     toml_where(v, origin), key.str(), k_max_retention_days));
            *dst = i->get();
        }
    }
    return out;
}

result<history_retention> retention_from_toml(const toml_document& doc) {
    const toml::node* h = doc.root.get("history");
    if (!h) return history_retention{};
    const toml::table* t = h->as_table();
    if (!t) return fail(errc::parse, fmt::format("{}: [history] must be a table", toml_where(*h, doc.origin)));
    return read_history_table(*t, doc.origin);
}

}  // namespace replyguard
