// SPDX-License-Identifier: Apache-2.0
// bench/gmime_floor.cpp - the bare GMime parse+decode loop as a program
//
// DESCRIPTION
//   gmime_floor LISTFILE|-  reads a list of message files (one path a line),
//   and for each reads the file and runs the floor loop of gmime_walk.hpp.
//   It is the third column of bench/throughput.sh, timed from outside
//   (/usr/bin/time) exactly like replyguard and rspamadm, so it reads the
//   files inside the run as they do. It also prints its own figures:
//     messages=N bytes=B parsed=P parts=Q decoded_bytes=D seconds=S
// DIAGNOSTICS
//   Exit status 2 when the list or a listed file cannot be read.
#include "gmime_walk.hpp"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: gmime_floor LISTFILE|-\n");
        return 2;
    }
    std::ifstream list_file;
    std::istream* list = &std::cin;
    if (std::string(argv[1]) != "-") {
        list_file.open(argv[1]);
        if (!list_file) {
            std::fprintf(stderr, "gmime_floor: cannot read %s\n", argv[1]);
            return 2;
        }
        list = &list_file;
    }
    g_mime_init();
    GMimeStream* sink = g_mime_stream_null_new();
    replyguard::bench::floor_stats st;
    std::size_t files = 0, bytes = 0;
    int status = 0;
    auto t0 = std::chrono::steady_clock::now();
    std::string path, data;
    while (std::getline(*list, path)) {
        if (path.empty()) continue;
        std::ifstream in(path, std::ios::binary);
        if (!in) {
            std::fprintf(stderr, "gmime_floor: cannot read %s\n", path.c_str());
            status = 2;
            continue;
        }
        // One read per file (as io::load does): istreambuf_iterator costs ~20 instructions a byte
        // more, which would bias the floor against itself.
        in.seekg(0, std::ios::end);
        data.resize(static_cast<std::size_t>(in.tellg()));
        in.seekg(0);
        in.read(data.data(), static_cast<std::streamsize>(data.size()));
        data.resize(static_cast<std::size_t>(in.gcount()));
        ++files;
        bytes += data.size();
        replyguard::bench::floor_parse(data, sink, st);
    }
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    g_object_unref(sink);
    std::printf("messages=%zu bytes=%zu parsed=%zu parts=%zu decoded_bytes=%zu seconds=%.3f\n", files, bytes,
                st.messages, st.parts, st.decoded_bytes, secs);
    return status;
}
