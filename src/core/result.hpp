// SPDX-License-Identifier: Apache-2.0
// core/result.hpp - errors as values at the library's boundaries
//
// DESCRIPTION
//   Boundaries (file and store I/O, configuration, network) return
//   replyguard::result<T>, a std::expected<T, error>. Malformed *mail* is not
//   an error: the parser returns a best-effort model plus anomalies. Nothing on
//   the scan path throws past an entry point; front-ends decide what a failure
//   means (CLI exit code, milter default action).
#pragma once

#include <expected>
#include <string>
#include <utility>

namespace replyguard {

/// What went wrong at a boundary. `code` is stable and machine-readable.
enum class errc {
    io,           ///< a file or stream could not be read or written
    parse,        ///< input that must be well-formed (configuration, a command line) is not
    limit,        ///< a configured limit stopped the work
    store,        ///< the history store failed (open, schema, query)
    unsupported,  ///< a feature or format this build does not handle
    internal,     ///< a bug: an invariant was broken; logged with context
};

struct error {
    errc code = errc::internal;
    std::string message;

    static error make(errc c, std::string msg) { return error{c, std::move(msg)}; }
};

const char* errc_name(errc c) noexcept;

template <class T>
using result = std::expected<T, error>;

inline std::unexpected<error> fail(errc c, std::string msg) { return std::unexpected<error>(error{c, std::move(msg)}); }

}  // namespace replyguard
