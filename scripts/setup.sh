#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# scripts/setup.sh - install what replyguard needs (Debian 12 packages, idempotent) and build it.
#
#   scripts/setup.sh [--asan] [--no-build]
#
# Installs only the packages that are missing (one apt-get call), then configures
# and builds build/ (the CLI ends up at build/replyguard). --asan also builds
# build-asan/ with AddressSanitizer + UBSan. Needs root (or sudo) only when a
# package is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  build-essential cmake ninja-build pkg-config clang libclang-rt-14-dev python3
  libgmime-3.0-dev libgumbo-dev libgsf-1-dev libarchive-dev libpsl-dev libyara-dev
  libicu-dev libuchardet-dev libmagic-dev libsqlite3-dev libssl-dev libhiredis-dev libmilter-dev
  nlohmann-json3-dev libtomlplusplus-dev libcli11-dev libfmt-dev
  libgtest-dev libgmock-dev libbenchmark-dev
)

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
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C build -j "$jobs"
if ((asan)); then
  echo "setup: building build-asan/ (AddressSanitizer + UBSan)"
  cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DREPLYGUARD_SANITIZE=ON -DREPLYGUARD_BENCH=OFF >/dev/null
  ninja -C build-asan -j "$jobs"
fi
