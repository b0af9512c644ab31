// SPDX-License-Identifier: Apache-2.0
// attach/gsf_walk.hpp - depth-first walk over a libgsf directory tree
//
// DESCRIPTION
//   Both container formats libgsf opens for us - OLE2 compound files
//   (GsfInfileMSOLE) and OOXML zip packages (GsfInfileZip) - are trees of
//   storages with streams at the leaves. walk_gsf() visits every leaf stream
//   with its '/'-joined path; what to read from it, and how to charge it, is
//   the caller's (ole.cpp copies streams under a stream cap, ooxml.cpp reads
//   members under the archive budget).
// LIMITS
//   At most max_leaves leaves are visited and storages deeper than max_depth
//   are not entered; the result says which limit cut the walk short, so each
//   caller reports truncation in its own terms.
#pragma once

#include <gsf/gsf.h>

#include <cstddef>
#include <functional>
#include <string>

namespace replyguard::attach {

struct gsf_walk_result {
    std::size_t leaves = 0;
    bool leaf_limit = false;   ///< stopped at max_leaves
    bool depth_limit = false;  ///< a storage deeper than max_depth was skipped
};

/// Visit every stream below `dir` (the child is valid only during the call).
gsf_walk_result walk_gsf(GsfInfile* dir, std::size_t max_leaves, int max_depth,
                         const std::function<void(GsfInput* stream, std::string path)>& visit);

}  // namespace replyguard::attach
