#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds everything with warnings as errors and runs the whole test suite.
# VSCSI_SANITIZE=address,undefined or thread selects a sanitizer build
# (in its own build directory).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/deps.sh"
san=${VSCSI_SANITIZE:-}
dir="$top/build${san:+-${san//,/-}}"
cmake -S "$top" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVSCSI_WERROR=ON \
      -DVSCSI_SANITIZE="$san" >/dev/null
cmake --build "$dir" -j"$(nproc)"
ctest --test-dir "$dir" --output-on-failure -j"$(nproc)" ${VSCSI_CTEST_ARGS:-}
