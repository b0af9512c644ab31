// SPDX-License-Identifier: Apache-2.0
// core/dynlib.cpp - dlopen/dlsym with errors that say what to install (see dynlib.hpp)
#include "core/dynlib.hpp"

#include <dlfcn.h>
#include <fmt/format.h>

namespace replyguard {

namespace {

std::string dl_error() {
    const char* e = ::dlerror();
    return e ? e : "unknown error";
}

}  // namespace

result<dynlib> dynlib::open(const char* soname, const char* debian_package) {
    void* h = ::dlopen(soname, RTLD_NOW | RTLD_LOCAL);
    if (!h)
        return fail(errc::unsupported, fmt::format("{} cannot be loaded ({}): install the Debian package {}", soname,
                                                   dl_error(), debian_package));
    return dynlib(h, soname, debian_package);
}

result<void*> dynlib::symbol(const char* name) const {
    ::dlerror();
    void* p = ::dlsym(handle_, name);
    if (!p)
        return fail(errc::unsupported, fmt::format("{} has no function {} ({}): install the Debian package {}", soname_,
                                                   name, dl_error(), package_));
    return p;
}

}  // namespace replyguard
