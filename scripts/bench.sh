#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds Release and runs the full benchmark (a few minutes on 2 cores), then
# writes build/bench/results.json, results.txt and results.png.
# Extra arguments go to vscsi-bench (e.g. --quick, --only ring, --reps 7).
# Run it on an otherwise idle machine: the report prints the load average and,
# per two-thread figure, the share of two cores the run really got.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/deps.sh"
# Its own build directory: build/ is scripts/test.sh's (RelWithDebInfo).
bdir="$top/build-release"
out="$top/build/bench"
cmake -S "$top" -B "$bdir" -DCMAKE_BUILD_TYPE=Release -DVSCSI_BUILD_TESTS=OFF \
      -DVSCSI_FUZZ_REPLAY=OFF -DVSCSI_BUILD_BENCH=ON >/dev/null
cmake --build "$bdir" -j"$(nproc)" --target vscsi-bench >/dev/null
mkdir -p "$out"

read -r load _ < /proc/loadavg
if awk -v l="$load" -v n="$(nproc)" 'BEGIN { exit !(l > 0.25 * n) }'; then
  echo "bench.sh: load average $load on $(nproc) CPUs: other work will skew the figures" >&2
fi

"$bdir/bench/vscsi-bench" --json "$out/results.json" "$@" | tee "$out/results.txt"
python3 "$top/bench/check_json.py" "$out/results.json"
python3 "$top/bench/plot" "$out/results.json" "$out/results.png"
echo "bench.sh: $out/results.txt, results.json, results.png"
