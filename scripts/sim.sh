#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The main job: build, then run the simulator on its default scenario.
# Extra arguments go to vscsi-sim (try --help).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/deps.sh"
cmake -S "$top" -B "$top/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$top/build" -j"$(nproc)" --target vscsi-sim >/dev/null
exec "$top/build/sim/vscsi-sim" "$@"
