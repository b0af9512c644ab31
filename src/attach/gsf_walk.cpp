// SPDX-License-Identifier: Apache-2.0
// attach/gsf_walk.cpp - depth-first walk over a libgsf directory tree (see gsf_walk.hpp).
#include "attach/gsf_walk.hpp"

namespace replyguard::attach {
namespace {

void walk(GsfInfile* dir, const std::string& prefix, int depth, std::size_t max_leaves, int max_depth,
          const std::function<void(GsfInput*, std::string)>& visit, gsf_walk_result& r) {
    const int n = gsf_infile_num_children(dir);
    for (int i = 0; i < n; ++i) {
        if (r.leaves >= max_leaves) {
            r.leaf_limit = true;
            return;
        }
        GsfInput* child = gsf_infile_child_by_index(dir, i);
        if (!child) continue;
        const char* nm = gsf_input_name(child);
        std::string path = prefix.empty() ? std::string(nm ? nm : "") : prefix + "/" + (nm ? nm : "");
        // A storage is an infile with children (num_children < 0 marks a plain stream).
        if (GSF_IS_INFILE(child) && gsf_infile_num_children(GSF_INFILE(child)) >= 0) {
            if (depth < max_depth)
                walk(GSF_INFILE(child), path, depth + 1, max_leaves, max_depth, visit, r);
            else
                r.depth_limit = true;
        } else {
            ++r.leaves;
            visit(child, std::move(path));
        }
        g_object_unref(child);
        if (r.leaf_limit) return;
    }
}

}  // namespace

gsf_walk_result walk_gsf(GsfInfile* dir, std::size_t max_leaves, int max_depth,
                         const std::function<void(GsfInput*, std::string)>& visit) {
    gsf_walk_result r;
    if (dir) walk(dir, "", 0, max_leaves, max_depth, visit, r);
    return r;
}

}  // namespace replyguard::attach
