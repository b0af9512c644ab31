// SPDX-License-Identifier: Apache-2.0
// core/dynlib.hpp - a shared library opened by the one command that uses it (dlopen by SONAME)
//
// DESCRIPTION
//   The dynamic loader maps and relocates every library the binary names
//   (NEEDED), and everything those name, before main() of every command.
//   libcurl (learn imap://, watch) and libmicrohttpd (serve, the milter's
//   /metrics) are used by three commands but brought 23 of the 75 libraries
//   of the process (GnuTLS, Kerberos, LDAP, SASL, libssh2, librtmp, nghttp2,
//   ...): a third of the start-up of `replyguard --version` and of a one-file
//   scan (bench/README.md, "Start-up"). Those two are opened here instead, when
//   the command that uses them first calls into them, by the exact SONAME the
//   headers we compile against belong to, and each function is resolved into a
//   pointer of the type its own header declares (decltype), so a signature
//   cannot drift from the declaration.
// LIMITS
//   A library is opened once per process (RTLD_NOW: every symbol it needs is
//   bound at once, so a broken install fails at the open, not mid-transfer;
//   RTLD_LOCAL: its symbols do not resolve anyone else's) and never closed:
//   libraries with thread-local state and atexit handlers (libcurl's OpenSSL)
//   must not be unmapped while the process runs.
// DIAGNOSTICS
//   A missing library or function is errc::unsupported, naming the SONAME,
//   dlerror()'s text and the Debian package that ships it, e.g.
//     libcurl.so.4 cannot be loaded (libcurl.so.4: cannot open shared object
//     file: No such file or directory): install the Debian package libcurl4
//   reported only by the command that needs the library.
#pragma once

#include "core/result.hpp"

namespace replyguard {

class dynlib {
public:
    /// Open SONAME (e.g. "libcurl.so.4"); the error names `debian_package`.
    static result<dynlib> open(const char* soname, const char* debian_package);

    /// Point `fn` at the library's function NAME (of the type its header declares).
    template <class F>
    result<void> bind(F*& fn, const char* name) const {
        auto p = symbol(name);
        if (!p) return std::unexpected(p.error());
        fn = reinterpret_cast<F*>(*p);
        return {};
    }

    const char* soname() const noexcept { return soname_; }

private:
    dynlib(void* handle, const char* soname, const char* package)
        : handle_(handle), soname_(soname), package_(package) {}
    result<void*> symbol(const char* name) const;

    void* handle_;
    const char* soname_;
    const char* package_;
};

}  // namespace replyguard
