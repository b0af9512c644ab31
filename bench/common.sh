# SPDX-License-Identifier: Apache-2.0
# bench/common.sh - what the corpus benches share: the build, the inputs, the file list
#
# Sourced (bash, after the script set `root`, `build` and `bench`, its name for
# messages) by bench/scaling.sh, bench/throughput.sh and bench/profile.sh:
#   die MESSAGE...           "BENCH: MESSAGE" on stderr, exit 2
#   bench_build TARGET...    build the targets whose binary is missing (ninja
#                            -j2 in $build; a configured build is needed);
#                            TARGET is a ninja target whose binary is
#                            $build/TARGET or $build/bench/TARGET
#   bench_inputs PATH...     sets `inputs`: each PATH, a corpus root (holding
#                            phishing/ and benign/) as those two folders; none:
#                            $REPLYGUARD_CORPUS_DIR, else ../shared/corpus
#                            beside the repository. A missing PATH: die.
#   bench_list OUT           the single-message files under ${inputs[@]} into
#                            OUT, sorted (LC_ALL=C), without *.mbox*/*.mbx*,
#                            dot files and empty files; die when there is none
#   bench_argmax FILE        die when the list in FILE would not fit on one
#                            command line (half of ARG_MAX)
# Reads only local files; installs nothing.

die() { echo "$bench: $*" >&2; exit 2; }

bench_build() {
    local t missing=()
    for t in "$@"; do
        [[ -x $build/$t || -x $build/bench/$t ]] || missing+=("$t")
    done
    ((${#missing[@]})) || return 0
    [[ -f $build/build.ninja ]] || die "no build in $build (cmake -S . -B build -G Ninja first)"
    ninja -C "$build" -j2 "${missing[@]}" >&2 || die "build failed"
}

bench_inputs() {
    # The default resolved (no "main/.."): shorter paths keep scaling.sh --repeat 3's list
    # within half of ARG_MAX.
    (($#)) || set -- "${REPLYGUARD_CORPUS_DIR:-$(realpath -m "$root/../shared/corpus")}"
    inputs=()
    local p
    for p in "$@"; do
        if [[ -d $p/phishing && -d $p/benign ]]; then inputs+=("$p/phishing" "$p/benign")
        elif [[ -e $p ]]; then inputs+=("$p")
        else die "no such path: $p"; fi
    done
}

bench_list() {  # bench_list OUT
    find "${inputs[@]}" -type f ! -name '*.mbox*' ! -name '*.mbx*' ! -name '.*' -size +0c -print |
        LC_ALL=C sort -u > "$1"
    [[ -s $1 ]] || die "no message files under: ${inputs[*]}"
}

bench_argmax() {  # bench_argmax FILE
    (($(wc -c < "$1") < $(getconf ARG_MAX) / 2)) || die "file list too long for one command line"
}
