// SPDX-License-Identifier: Apache-2.0
// core/config.cpp - TOML configuration via toml++ (Debian libtomlplusplus-dev).
#include "core/config.hpp"

#include "core/retention.hpp"
#include "core/toml_file.hpp"

#include <fmt/format.h>
#include <cmath>
#include <filesystem>

namespace replyguard {

double config::score_for(std::string_view id, double fallback) const {
    auto it = score_overrides.find(id);
    return it == score_overrides.end() ? fallback : it->second;
}

namespace {

std::string where(const toml::node& n, const std::string& origin) { return toml_where(n, origin); }

template <class T>
result<bool> read_uint(const toml::table& t, std::string_view key, T& out, const std::string& origin) {
    const toml::node* n = t.get(key);
    if (!n) return false;
    auto v = n->value<int64_t>();
    if (!v || *v < 0)
        return fail(errc::parse, fmt::format("{}: limits.{} must be a non-negative integer", where(*n, origin), key));
    out = static_cast<T>(*v);
    return true;
}

// A score, cap, threshold or ratio is a finite number: TOML accepts nan and inf,
// and a nan threshold makes every comparison false (score 27 would be `clean`).
result<bool> read_number(const toml::node& n, double& out, const std::string& origin, std::string_view what) {
    if (auto v = n.value<double>()) {
        if (!std::isfinite(*v))
            return fail(errc::parse, fmt::format("{}: {} must be a finite number, not {}", where(n, origin), what, *v));
        out = *v;
        return true;
    }
    return fail(errc::parse, fmt::format("{}: {} must be a number", where(n, origin), what));
}

result<bool> read_strings(const toml::node& n, std::vector<std::string>& out, const std::string& origin,
                          std::string_view what) {
    const toml::array* a = n.as_array();
    if (!a) return fail(errc::parse, fmt::format("{}: {} must be an array of strings", where(n, origin), what));
    for (const auto& e : *a) {
        auto s = e.value<std::string>();
        if (!s) return fail(errc::parse, fmt::format("{}: {} must hold strings only", where(e, origin), what));
        out.push_back(*s);
    }
    return true;
}

/// [history]'s memory keys, whole MiB: the page caches (1..) and the memory map (0: off).
/// Read here; core/retention.cpp passes over them (is_history_memory_key).
struct mib_key {
    std::string_view name;
    std::int64_t config::*dst;
    std::int64_t least;
    std::int64_t most;
};
constexpr mib_key k_history_mib_keys[] = {
    {"cache_mb", &config::history_cache_mb, 1, k_max_history_cache_mb},
    {"learn_cache_mb", &config::history_learn_cache_mb, 1, k_max_history_cache_mb},
    {"mmap_mb", &config::history_mmap_mb, 0, k_max_history_mmap_mb},
};

}  // namespace

bool is_history_memory_key(std::string_view name) {
    for (const mib_key& k : k_history_mib_keys)
        if (k.name == name) return true;
    return false;
}

result<config> config_from_toml(const toml_document& doc) {
    const toml::table& root = doc.root;
    const std::string& origin = doc.origin;
    config cfg;
    cfg.source_path = origin;
    for (const auto& [k, node] : root) {
        std::string_view key = k.str();
        if (key == "scores") {
            const toml::table* t = node.as_table();
            if (!t) return fail(errc::parse, fmt::format("{}: [scores] must be a table", where(node, origin)));
            for (const auto& [id, v] : *t) {
                double d = 0;
                if (auto r = read_number(v, d, origin, fmt::format("scores.{}", id.str())); !r)
                    return std::unexpected(r.error());
                cfg.score_overrides[std::string(id.str())] = d;
            }
        } else if (key == "groups") {
            const toml::table* t = node.as_table();
            if (!t) return fail(errc::parse, fmt::format("{}: [groups] must be a table", where(node, origin)));
            for (const auto& [g, v] : *t) {
                const toml::table* gt = v.as_table();
                const toml::node* cap = gt ? gt->get("max_score") : nullptr;
                if (!cap)
                    return fail(errc::parse, fmt::format("{}: groups.{} needs max_score", where(v, origin), g.str()));
                double d = 0;
                if (auto r = read_number(*cap, d, origin, "max_score"); !r) return std::unexpected(r.error());
                cfg.group_caps[std::string(g.str())] = d;
            }
        } else if (key == "thresholds") {
            const toml::table* t = node.as_table();
            if (!t) return fail(errc::parse, fmt::format("{}: [thresholds] must be a table", where(node, origin)));
            for (const auto& [name, v] : *t) {
                double* dst = name.str() == "suspicious"  ? &cfg.suspicious_threshold
                              : name.str() == "malicious" ? &cfg.malicious_threshold
                                                          : nullptr;
                if (!dst)
                    return fail(errc::parse,
                                fmt::format("{}: unknown key thresholds.{}", where(v, origin), name.str()));
                if (auto r = read_number(v, *dst, origin, fmt::format("thresholds.{}", name.str())); !r)
                    return std::unexpected(r.error());
            }
            // Ordering: a suspicious threshold above the malicious one, or a threshold at
            // or below zero, would turn every message with no finding at all into a verdict.
            if (!(cfg.suspicious_threshold > 0.0) || !(cfg.malicious_threshold > 0.0))
                return fail(errc::parse,
                            fmt::format("{}: thresholds must be above 0 (suspicious = {}, malicious = {})",
                                        where(node, origin), cfg.suspicious_threshold, cfg.malicious_threshold));
            if (cfg.suspicious_threshold > cfg.malicious_threshold)
                return fail(errc::parse,
                            fmt::format("{}: thresholds.suspicious ({}) must not be above thresholds.malicious ({})",
                                        where(node, origin), cfg.suspicious_threshold, cfg.malicious_threshold));
        } else if (key == "limits") {
            const toml::table* t = node.as_table();
            if (!t) return fail(errc::parse, fmt::format("{}: [limits] must be a table", where(node, origin)));
            limits& l = cfg.lim;
            static constexpr std::string_view known[] = {
                "message_bytes",        "header_bytes",    "header_field_bytes",
                "kept_detection_bytes", "kept_raw_bytes",  "mime_depth",
                "mime_parts",           "text_bytes",      "urls",
                "archive_depth",        "archive_entries", "archive_bytes",
                "archive_entry_bytes",  "archive_ratio",   "passwords_tried",
                "message_millis"};
            for (const auto& [name, v] : *t) {
                bool ok = false;
                for (auto kn : known) ok |= kn == name.str();
                if (!ok)
                    return fail(errc::parse, fmt::format("{}: unknown key limits.{}", where(v, origin), name.str()));
            }
#define RG_LIMIT(field)                                                                             \
    do {                                                                                            \
        if (auto r = read_uint(*t, #field, l.field, origin); !r) return std::unexpected(r.error()); \
    } while (0)
            RG_LIMIT(message_bytes);
            RG_LIMIT(header_bytes);
            RG_LIMIT(mime_depth);
            RG_LIMIT(mime_parts);
            RG_LIMIT(text_bytes);
            RG_LIMIT(urls);
            RG_LIMIT(archive_depth);
            RG_LIMIT(archive_entries);
            RG_LIMIT(archive_bytes);
            RG_LIMIT(archive_entry_bytes);
            RG_LIMIT(passwords_tried);
            RG_LIMIT(message_millis);
            RG_LIMIT(header_field_bytes);
            RG_LIMIT(kept_detection_bytes);
            RG_LIMIT(kept_raw_bytes);
#undef RG_LIMIT
            if (const toml::node* n = t->get("archive_ratio"))
                if (auto r = read_number(*n, l.archive_ratio, origin, "limits.archive_ratio"); !r)
                    return std::unexpected(r.error());
        } else if (key == "org") {
            const toml::table* t = node.as_table();
            if (!t) return fail(errc::parse, fmt::format("{}: [org] must be a table", where(node, origin)));
            if (const toml::node* n = t->get("domains"))
                if (auto r = read_strings(*n, cfg.org_domains, origin, "org.domains"); !r)
                    return std::unexpected(r.error());
        } else if (key == "links") {
            const toml::table* t = node.as_table();
            if (!t) return fail(errc::parse, fmt::format("{}: [links] must be a table", where(node, origin)));
            for (const auto& [name, v] : *t) {
                if (name.str() != "file_share_hosts")
                    return fail(errc::parse, fmt::format("{}: unknown key links.{}", where(v, origin), name.str()));
                if (auto r = read_strings(v, cfg.file_share_hosts, origin, "links.file_share_hosts"); !r)
                    return std::unexpected(r.error());
            }
        } else if (key == "ioc") {
            const toml::table* t = node.as_table();
            if (!t) return fail(errc::parse, fmt::format("{}: [ioc] must be a table", where(node, origin)));
            for (const auto& [name, v] : *t) {
                std::string_view n = name.str();
                if (n == "sha256_lists") {
                    if (auto r = read_strings(v, cfg.ioc_sha256_lists, origin, "ioc.sha256_lists"); !r)
                        return std::unexpected(r.error());
                } else if (n == "domain_lists") {
                    if (auto r = read_strings(v, cfg.ioc_domain_lists, origin, "ioc.domain_lists"); !r)
                        return std::unexpected(r.error());
                } else if (n == "yara_rules") {
                    auto sv = v.value<std::string>();
                    if (!sv)
                        return fail(errc::parse, fmt::format("{}: ioc.yara_rules must be a string", where(v, origin)));
                    cfg.yara_rules = *sv;
                } else {
                    return fail(errc::parse, fmt::format("{}: unknown key ioc.{}", where(v, origin), n));
                }
            }
            // Relative paths are relative to the configuration file.
            auto base = std::filesystem::path(origin).parent_path();
            auto fix = [&](std::string& p) {
                if (!p.empty() && std::filesystem::path(p).is_relative() && !base.empty()) p = (base / p).string();
            };
            for (auto& p : cfg.ioc_sha256_lists) fix(p);
            for (auto& p : cfg.ioc_domain_lists) fix(p);
            fix(cfg.yara_rules);
        } else if (key == "auth") {
            const toml::table* t = node.as_table();
            if (!t) return fail(errc::parse, fmt::format("{}: [auth] must be a table", where(node, origin)));
            if (const toml::node* n = t->get("trusted_authserv_ids"))
                if (auto r = read_strings(*n, cfg.trusted_authserv_ids, origin, "auth.trusted_authserv_ids"); !r)
                    return std::unexpected(r.error());
        } else if (key == "history") {
            const toml::table* t = node.as_table();
            if (!t) return fail(errc::parse, fmt::format("{}: [history] must be a table", where(node, origin)));
            // Read by `history prune` (core/retention.hpp); checked here, so every
            // command refuses a bad value as it refuses any other.
            if (auto r = read_history_table(*t, origin); !r) return std::unexpected(r.error());
            for (const mib_key& k : k_history_mib_keys) {
                const toml::node* n = t->get(k.name);
                if (!n) continue;
                // as_integer, not value<int64_t>: toml++ would turn 64.0 into 64.
                const auto* i = n->as_integer();
                if (!i || i->get() < k.least || i->get() > k.most)
                    return fail(errc::parse, fmt::format("{}: history.{} must be a whole number of MiB from {} to {}",
                                                         where(*n, origin), k.name, k.least, k.most));
                cfg.*k.dst = i->get();
            }
        } else {
            // [milter] is read by the milter front-end (milter/policy.cpp). No other
            // front-end reads a table of its own: [serve], [store], [report] and
            // [outbound] would be silently ignored, so they are unknown like any typo.
            if (key != "milter")
                return fail(errc::parse, fmt::format("{}: unknown table [{}]", where(node, origin), key));
        }
    }
    return cfg;
}

result<config> parse_config(std::string_view text, const std::string& origin) {
    auto doc = parse_toml(text, origin);
    if (!doc) return std::unexpected(doc.error());
    return config_from_toml(*doc);
}

result<config> load_config(const std::string& path) {
    auto doc = read_toml(path);
    if (!doc) return std::unexpected(doc.error());
    return config_from_toml(*doc);
}

}  // namespace replyguard
