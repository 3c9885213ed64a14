#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs the library into a scratch prefix and builds a consumer against
# it three ways: CMake package, pkg-config, and as C++.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake -S "$top" -B "$work/build" -DVSCSI_BUILD_TESTS=OFF -DVSCSI_BUILD_SIM=OFF \
      -DVSCSI_BUILD_BENCH=OFF -DVSCSI_FUZZ_REPLAY=OFF -DCMAKE_INSTALL_PREFIX="$work/prefix" >/dev/null
cmake --build "$work/build" -j"$(nproc)" >/dev/null
cmake --install "$work/build" >/dev/null
cmake -S "$top/tests/consumer" -B "$work/consumer" -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/consumer" >/dev/null
LD_LIBRARY_PATH="$work/prefix/lib" "$work/consumer/consumer"
"$work/consumer/consumer_static"
PKG_CONFIG_PATH="$work/prefix/lib/pkgconfig" cc -std=c11 -Wall -Werror \
  "$top/tests/consumer/consumer.c" $(PKG_CONFIG_PATH="$work/prefix/lib/pkgconfig" pkg-config --cflags --libs vscsiif) \
  -o "$work/pc-consumer"
LD_LIBRARY_PATH="$work/prefix/lib" "$work/pc-consumer"
c++ -std=c++11 -Wall -Werror -x c++ "$top/tests/consumer/consumer.c" -I"$work/prefix/include" \
  -L"$work/prefix/lib" -lvscsiif -o "$work/cxx-consumer"
LD_LIBRARY_PATH="$work/prefix/lib" "$work/cxx-consumer"
echo "consumer-check: ok"
