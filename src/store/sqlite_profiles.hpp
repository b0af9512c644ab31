// SPDX-License-Identifier: Apache-2.0
// store/sqlite_profiles.hpp - sender profiles in the SQLite history (internal to store/)
//
// DESCRIPTION
//   The tables of migration 3 (k_profile_migration) and the statements that
//   read and write them, kept out of sqlite_history.cpp so the profile code
//   has its own file. sqlite_history owns one object per connection and calls
//   it under its own mutex, inside its own batch when one is open.
//     profiles(profile, messages)
//     profile_values(profile, axis, value, count)    at most `cap` values per axis
//     profile_seen(profile, message_key)             what was counted (idempotence)
// DIAGNOSTICS
//   SQLite errors become errc::store with the file name. A file of an older
//   schema (opened read-only by scan before any learn migrated it) has no
//   profile tables: find() then answers "no profile".
#pragma once

#include "core/result.hpp"
#include "store/history.hpp"

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace replyguard::store {

inline constexpr std::string_view k_profile_migration = R"sql(
CREATE TABLE profiles (profile TEXT PRIMARY KEY, messages INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE profile_values (
  profile TEXT NOT NULL, axis TEXT NOT NULL, value TEXT NOT NULL, count INTEGER NOT NULL,
  PRIMARY KEY (profile, axis, value)) WITHOUT ROWID;
CREATE TABLE profile_seen (profile TEXT NOT NULL, message_key TEXT NOT NULL, PRIMARY KEY (profile, message_key)) WITHOUT ROWID;
)sql";

class sqlite_profiles {
public:
    sqlite_profiles(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
    ~sqlite_profiles();
    sqlite_profiles(const sqlite_profiles&) = delete;
    sqlite_profiles& operator=(const sqlite_profiles&) = delete;

    /// One transaction; or, when `nested` (a batch of the caller is open), merged into
    /// the batch's profiles in memory and written by flush() (the caller's commit).
    result<bool> learn(const profile_update& u, bool nested);
    /// Write the open batch's merged profiles (inside the caller's transaction).
    result<void> flush();
    /// Forget them (the caller rolls its batch back).
    void discard();
    /// The stored profile; call flush() first inside a batch.
    result<std::optional<profile_counts>> find(std::string_view profile_key);

private:
    result<bool> learn_inner(const profile_update& u);
    result<bool> learn_deferred(const profile_update& u);
    result<sqlite3_stmt*> prepare(std::string_view sql);
    result<void> exec(const char* sql);
    std::unexpected<error> err(std::string_view what) const;

    sqlite3* db_;
    std::string path_;
    std::map<std::string, sqlite3_stmt*, std::less<>> cache_;
    bool tables_ = false;  // the profile tables exist (checked once they do)
    // The open batch (learn_deferred): each touched profile as stored plus the batch's
    // updates, the profile as it was read (to write only what changed), the counted
    // (profile, message key) pairs.
    struct merged {
        profile_counts now, stored;
    };
    std::map<std::string, merged, std::less<>> batch_profiles_;
    std::set<std::pair<std::string, std::string>> batch_seen_;
};

}  // namespace replyguard::store
