// SPDX-License-Identifier: Apache-2.0
// fuzz/replay_main.cpp - a plain main() for fuzz targets, for compilers without libFuzzer
//
// DESCRIPTION
//   Linked with one fuzz/fuzz_<target>.cpp instead of -fsanitize=fuzzer, it runs
//   every file named on the command line (folders are walked recursively)
//   through LLVMFuzzerTestOneInput once. Used to replay crash reproducers and
//   seed corpora under gcc (optionally with -DREPLYGUARD_SANITIZE=ON) and in
//   plain CI. Built by bench/CMakeLists.txt as replay_<target>.
// DIAGNOSTICS
//   Prints each input before running it (so a crash names its file) with -v,
//   and a count at the end. Exit status 0 when every input ran, 2 when a path
//   could not be read; a crash is the sanitizer's or the kernel's.
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int* argc, char*** argv);

namespace fs = std::filesystem;

int main(int argc, char** argv) {
    if (LLVMFuzzerInitialize) LLVMFuzzerInitialize(&argc, &argv);
    bool verbose = false;
    std::vector<fs::path> files;
    int status = 0;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "-v") == 0) {
            verbose = true;
            continue;
        }
        if (argv[i][0] == '-') continue;  // libFuzzer flags (-runs=...) are accepted and ignored
        std::error_code ec;
        if (fs::is_directory(argv[i], ec)) {
            for (auto it = fs::recursive_directory_iterator(argv[i], ec); !ec && it != fs::end(it); it.increment(ec))
                if (it->is_regular_file(ec)) files.push_back(it->path());
        } else {
            files.emplace_back(argv[i]);
        }
    }
    std::size_t ran = 0;
    for (const auto& f : files) {
        std::ifstream in(f, std::ios::binary);
        if (!in) {
            std::fprintf(stderr, "replay: cannot read %s\n", f.c_str());
            status = 2;
            continue;
        }
        std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        if (verbose) std::fprintf(stderr, "replay: %s (%zu bytes)\n", f.c_str(), bytes.size());
        LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
        ++ran;
    }
    std::fprintf(stderr, "replay: %zu inputs ran\n", ran);
    return status;
}
