# SPDX-License-Identifier: Apache-2.0
# scripts/fuzz-common.sh - what fuzz-smoke.sh and fuzz-nightly.sh share (sourced, not run)
#
#   fuzz_build NAME [TARGET...]
#
# Needs $root and $bdir set by the caller. Picks clang (clang >= 16 compiles
# std::expected against GCC 12's libstdc++) unless $CC/$CXX are given,
# configures $bdir as a libFuzzer tree when it is not configured yet, sets
# the array `targets` to the TARGETs (default: every fuzz/fuzz_*.cpp) and builds
# them. Exits 2 with "NAME: ..." on stderr when any of that fails.

fuzz_die() { echo "$fuzz_name: $*" >&2; exit 2; }

fuzz_build() {
    fuzz_name=$1
    shift
    if [[ -z ${CXX:-} ]]; then
        local v
        CC=clang CXX=clang++
        for v in 21 20 19 18 17 16; do
            if command -v "clang++-$v" >/dev/null 2>&1; then CC=clang-$v CXX=clang++-$v; break; fi
        done
    fi
    command -v "$CXX" >/dev/null || fuzz_die "no clang++ found (apt-get install -y clang-19 libclang-rt-19-dev)"
    if [[ ! -f $bdir/build.ninja ]]; then
        CC=$CC CXX=$CXX cmake -S "$root" -B "$bdir" -G Ninja -DREPLYGUARD_FUZZ=ON -DREPLYGUARD_TESTS=OFF \
            -DREPLYGUARD_BENCH=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null || fuzz_die "cmake failed"
    fi
    local all_targets
    mapfile -t all_targets < <(cd "$root/fuzz" && ls fuzz_*.cpp | sed 's/\.cpp$//')
    targets=("$@")
    ((${#targets[@]})) || targets=("${all_targets[@]}")
    nice ninja -C "$bdir" -j2 "${targets[@]}" >&2 || fuzz_die "build failed"
}
