#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds an outside consumer against the installed library three ways: CMake package,
# pkg-config, and as C++.
#   consumer-check.sh             configure with one prefix, install to another (cmake --install
#                                 --prefix): the installed files must not remember the first
#   consumer-check.sh --installed use what is installed on the system (the Debian packages)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

consume() { # PREFIX-or-empty
  local prefix=$1 cm=() pcpath=() ldpath=()
  if [ -n "$prefix" ]; then
    cm=(-DCMAKE_PREFIX_PATH="$prefix")
    local pcdir
    pcdir=$(dirname "$(find "$prefix" -name vscsiif.pc | head -1)")
    pcpath=(env PKG_CONFIG_PATH="$pcdir")
    ldpath=(env LD_LIBRARY_PATH="$(dirname "$pcdir")")
  else
    pcpath=(env)
    ldpath=(env)
  fi
  cmake -S "$top/tests/consumer" -B "$work/consumer" "${cm[@]}" >/dev/null
  cmake --build "$work/consumer" >/dev/null
  "${ldpath[@]}" "$work/consumer/consumer"
  "$work/consumer/consumer_static"
  "${ldpath[@]}" "$work/consumer/consumer_toolstack"
  "$work/consumer/consumer_toolstack_static"
  local flags
  flags=$("${pcpath[@]}" pkg-config --cflags --libs vscsiif)
  echo "consumer-check: pkg-config vscsiif: $flags"
  # shellcheck disable=SC2086
  cc -std=c11 -Wall -Werror "$top/tests/consumer/consumer.c" $flags -o "$work/pc-consumer"
  "${ldpath[@]}" "$work/pc-consumer"
  # shellcheck disable=SC2086
  c++ -std=c++11 -Wall -Werror -x c++ "$top/tests/consumer/consumer.c" $flags -o "$work/cxx-consumer"
  "${ldpath[@]}" "$work/cxx-consumer"
  flags=$("${pcpath[@]}" pkg-config --cflags --libs vscsiif-toolstack)
  echo "consumer-check: pkg-config vscsiif-toolstack: $flags"
  # shellcheck disable=SC2086
  cc -std=c11 -Wall -Werror "$top/tests/consumer/consumer_toolstack.c" $flags -o "$work/pc-toolstack"
  "${ldpath[@]}" "$work/pc-toolstack"
}

if [ "${1:-}" = --installed ]; then
  consume ""
  echo "consumer-check: ok (installed packages)"
  exit 0
fi

# The configure-time prefix does not exist; the files go elsewhere, then move once more.
cmake -S "$top" -B "$work/build" -DVSCSI_BUILD_TESTS=OFF -DVSCSI_BUILD_SIM=OFF \
      -DVSCSI_BUILD_BENCH=OFF -DVSCSI_FUZZ_REPLAY=OFF -DVSCSI_WITH_XEN=OFF \
      -DCMAKE_INSTALL_PREFIX=/nonexistent/configure-prefix >/dev/null
cmake --build "$work/build" -j"$(nproc)" >/dev/null
cmake --install "$work/build" --prefix "$work/first" >/dev/null
if grep -rq /nonexistent/configure-prefix "$work/first"; then
  echo "consumer-check: installed files name the configure-time prefix:" >&2
  grep -rl /nonexistent/configure-prefix "$work/first" >&2
  exit 1
fi
mv "$work/first" "$work/moved"
consume "$work/moved"
echo "consumer-check: ok (configured for /nonexistent/configure-prefix, installed and moved elsewhere)"
