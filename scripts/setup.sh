#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# scripts/setup.sh - install what replyguard needs (Debian 12 packages, idempotent) and build it.
#
#   scripts/setup.sh [--asan] [--no-build]
#
# Installs only the packages that are missing (one apt-get call), then configures
# and builds build/ (the CLI ends up at build/replyguard). --asan also builds
# build-fuzz/ with clang: AddressSanitizer + UBSan + libFuzzer instrumentation,
# the test suites and the fuzz targets in one tree (one sanitizer build serves
# both the corpus-under-ASan run and the fuzz smoke run). Needs root (or sudo)
# only when a package is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

# Package lists: scripts/packages/*.txt, one Debian package per line (# comments).
mapfile -t PACKAGES < <(cat scripts/packages/*.txt | sed -e 's/#.*//' -e 's/[[:space:]]//g' | grep -v '^$' | sort -u)

asan=0
build=1
for arg in "$@"; do
  case "$arg" in
    --asan) asan=1 ;;
    --no-build) build=0 ;;
    *) echo "usage: $0 [--asan] [--no-build]" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${#missing[@]} Debian package(s): ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "setup: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
    SUDO=sudo
  fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  echo "setup: all ${#PACKAGES[@]} Debian packages present"
fi

((build)) || exit 0
jobs=$(nproc 2>/dev/null || echo 2)
echo "setup: building build/ ($jobs jobs)"
# -Werror: a warning fails the build here and in CI (a plain cmake build only warns).
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DREPLYGUARD_WERROR=ON >/dev/null
ninja -C build -j "$jobs"
if ((asan)); then
  # clang >= 16 is needed for std::expected with GCC 12's libstdc++ (clang-19 from scripts/packages/fuzz.txt).
  echo "setup: building build-fuzz/ (clang-19: ASan + UBSan + libFuzzer; tests and fuzz targets)"
  CC=clang-19 CXX=clang++-19 cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DREPLYGUARD_FUZZ=ON -DREPLYGUARD_TESTS=ON -DREPLYGUARD_BENCH=OFF -DREPLYGUARD_WERROR=ON >/dev/null
  # Test discovery runs the binaries at build time: leak checking is for the test run.
  ASAN_OPTIONS=detect_leaks=0 ninja -C build-fuzz -j "$jobs"
fi
