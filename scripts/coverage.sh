#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Line and branch coverage of lib/ by the test suite plus the fuzz corpora:
# builds with clang source-based coverage (-fprofile-instr-generate
# -fcoverage-mapping) into build-cov, runs ctest (which replays every
# fuzz/corpus/<name> and fuzz/regress/<name> through the standalone fuzz
# drivers), replays what scripts/fuzz.sh found (build-fuzz/corpus/<name>, if
# any), and prints llvm-cov's per-file report of lib/.
#
#   scripts/coverage.sh
#
# Environment:
#   VSCSI_COV_BUILD    build directory (default build-cov)
#   VSCSI_COV_ENFORCE  1: exit 1 when lib/ is below VSCSI_COV_LINES % of lines
#                      (default 95) or VSCSI_COV_BRANCHES % of branches (default 90)
#   VSCSI_CTEST_ARGS   extra ctest arguments (e.g. -E test_ring_stress)
# Results: build-cov/coverage/report.txt (per file), summary.txt (TOTAL line),
# uncovered.txt (lib/ lines never run, file:line), lib.profdata.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
b=${VSCSI_COV_BUILD:-$top/build-cov}
case $b in /*) ;; *) b=$top/$b ;; esac

"$top/scripts/deps.sh"
# llvm-profdata and llvm-cov come with Debian's llvm-14.
if ! command -v llvm-profdata-14 >/dev/null && ! command -v llvm-profdata >/dev/null; then
    echo "installing: llvm-14"
    sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends llvm-14 \
        >/dev/null
fi
profdata=$(command -v llvm-profdata-14 || command -v llvm-profdata)
cov=$(command -v llvm-cov-14 || command -v llvm-cov)
cc=$(command -v clang-14 || command -v clang)

flags="-fprofile-instr-generate -fcoverage-mapping -O0 -g"
cmake -S "$top" -B "$b" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER="$cc" \
      -DCMAKE_C_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="-fprofile-instr-generate" \
      -DCMAKE_SHARED_LINKER_FLAGS="-fprofile-instr-generate" -DVSCSI_WERROR=OFF >/dev/null
cmake --build "$b" -j"$(nproc)" >"$b/build.log" 2>&1 || {
    tail -n 30 "$b/build.log" >&2
    echo "coverage.sh: build failed (log: $b/build.log)" >&2
    exit 1
}

out=$b/coverage
rm -rf "$out"
mkdir -p "$out/raw"
export LLVM_PROFILE_FILE="$out/raw/%p-%m.profraw"
# A failing test is reported but does not stop the report.
ctest --test-dir "$b" -j"$(nproc)" ${VSCSI_CTEST_ARGS:-} >"$out/ctest.log" 2>&1 || \
    echo "coverage.sh: some tests failed (log: $out/ctest.log)" >&2
tail -n 3 "$out/ctest.log" | sed -n '1p'
# Inputs fuzzing found beyond the committed seeds.
if [ -d "$top/build-fuzz/corpus" ]; then
    for d in "$top"/build-fuzz/corpus/*/; do
        name=$(basename "$d")
        exe=$b/fuzz/${name}_fuzzer
        [ -x "$exe" ] && [ -n "$(ls -A "$d")" ] || continue
        "$exe" "$d" >/dev/null 2>&1 || echo "coverage.sh: replaying $d failed" >&2
    done
fi

"$profdata" merge -sparse "$out"/raw/*.profraw -o "$out/lib.profdata"
objs=()
while IFS= read -r -d '' f; do
    # Only binaries with coverage mapping (skip scripts and foreign tools).
    if "$cov" report -instr-profile="$out/lib.profdata" "$f" >/dev/null 2>&1; then
        objs+=(-object "$f")
    fi
done < <(find "$b" -path "$out" -prune -o -type f \( -perm -u+x -o -name '*.so*' \) \
             ! -name '*.sh' -print0)
[ "${#objs[@]}" -gt 0 ] || { echo "coverage.sh: no instrumented binaries" >&2; exit 1; }
first=${objs[1]}
rest=("${objs[@]:2}")
"$cov" report -instr-profile="$out/lib.profdata" "$first" "${rest[@]}" "$top/lib" \
    >"$out/report.txt"
# Paths relative to the tree, and only the columns that matter here.
sed "s|$top/||" "$out/report.txt" | awk '
    /^Filename/ { printf "%-28s %8s %8s %8s %8s %8s %8s\n", "file", "lines", "missed", "cover",
                  "branches", "missed", "cover"; next }
    /^-+$/ { next }
    NF >= 13 { printf "%-28s %8s %8s %8s %8s %8s %8s\n", $1, $8, $9, $10, $11, $12, $13 }
' | tee "$out/summary.txt"
"$cov" show -instr-profile="$out/lib.profdata" "$first" "${rest[@]}" "$top/lib" \
    -show-line-counts -format=text 2>/dev/null |
    awk -v top="$top/" '
        /^\/.*:$/ { file = substr($0, 1, length($0) - 1); sub(top, "", file); next }
        /^ *[0-9]+\| *0\|/ { split($0, a, "|"); gsub(/ /, "", a[1]); print file ":" a[1] }
    ' >"$out/uncovered.txt"
echo "uncovered lines of lib/: $(wc -l <"$out/uncovered.txt") (list: $out/uncovered.txt)"

total=$(awk '$1 == "TOTAL" { print $4, $7 }' "$out/summary.txt")
lines=${total%% *}
branches=${total##* }
echo "lib/ total: lines $lines, branches $branches"
if [ "${VSCSI_COV_ENFORCE:-0}" = 1 ]; then
    awk -v l="${lines%\%}" -v br="${branches%\%}" -v ml="${VSCSI_COV_LINES:-95}" \
        -v mb="${VSCSI_COV_BRANCHES:-90}" 'BEGIN { exit !(l + 0 >= ml && br + 0 >= mb) }' || {
        echo "coverage.sh: below ${VSCSI_COV_LINES:-95}% lines / ${VSCSI_COV_BRANCHES:-90}% branches" >&2
        exit 1
    }
fi
