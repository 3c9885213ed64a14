#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds the fuzz targets with clang + libFuzzer + ASan/UBSan exactly as OSS-Fuzz
# does (fuzz/oss-fuzz/build.sh), replays every corpus, then fuzzes each target.
#
#   scripts/fuzz.sh [TARGET...]        default: every target the build produced
#   scripts/fuzz.sh --long [TARGET...] each target to VSCSI_FUZZ_RUNS executions
#                                      (default 10,000,000) instead of a time budget
#
# Environment:
#   VSCSI_FUZZ_SECONDS  seconds of fuzzing per target (default 30; 0 = replay only)
#   VSCSI_FUZZ_JOBS     targets fuzzed at the same time (default: number of CPUs)
#   VSCSI_FUZZ_BUILD    build/output directory (default build-fuzz)
#   VSCSI_FUZZ_ARGS     extra libFuzzer arguments
#   VSCSI_FUZZ_RUNS     executions per target with --long (default 10000000)
# Results: build-fuzz/out (binaries, dicts, seed zips), build-fuzz/corpus/<name>
# (what fuzzing found, kept between runs), build-fuzz/artifacts/<name>/ (crash-*,
# timeout-*, leak-*, oom-*), build-fuzz/logs/<name>.log.
# Exit status: non-zero if the build failed or any input crashed.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
b=${VSCSI_FUZZ_BUILD:-$top/build-fuzz}
case $b in /*) ;; *) b=$top/$b ;; esac
secs=${VSCSI_FUZZ_SECONDS:-30}
jobs=${VSCSI_FUZZ_JOBS:-$(nproc)}
long=0
if [ "${1:-}" = "--long" ]; then
    long=1
    shift
fi
runs=${VSCSI_FUZZ_RUNS:-10000000}
case $runs in '' | *[!0-9]*) echo "fuzz.sh: VSCSI_FUZZ_RUNS must be a number" >&2; exit 2 ;; esac
case $secs in '' | *[!0-9]*) echo "fuzz.sh: VSCSI_FUZZ_SECONDS must be a number" >&2; exit 2 ;; esac

[ ! -x "$top/scripts/deps.sh" ] || "$top/scripts/deps.sh"
command -v clang >/dev/null || { echo "fuzz.sh: clang is required" >&2; exit 1; }

stage() { printf '\n=== fuzz: %s\n' "$*"; }

stage "build (clang, libFuzzer, ASan+UBSan)"
export CC=clang CXX=clang++
export CFLAGS="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined -fsanitize=fuzzer-no-link"
export CXXFLAGS="$CFLAGS"
export LIB_FUZZING_ENGINE=-fsanitize=fuzzer
export OUT=$b/out WORK=$b/work SRC=$top
rm -rf "$OUT"
mkdir -p "$OUT" "$WORK" "$b/logs" "$b/artifacts" "$b/corpus"
bash "$top/fuzz/oss-fuzz/build.sh" > "$b/logs/build.log" 2>&1 || {
    tail -n 40 "$b/logs/build.log" >&2
    echo "fuzz.sh: build failed (full log: $b/logs/build.log)" >&2
    exit 1
}
tail -n 1 "$b/logs/build.log"

if [ $# -gt 0 ]; then
    targets=("$@")
else
    mapfile -t targets < <(sed '/^$/d' "$WORK/vscsiif-fuzz-build/fuzz/fuzzers.txt")
fi
# Nothing to fuzz is not "all targets clean".
[ "${#targets[@]}" -gt 0 ] || { echo "fuzz.sh: the build produced no fuzz target" >&2; exit 1; }

export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
failed=()

# libFuzzer arguments from <name>_fuzzer.options and .dict
lf_args() {
    local name=$1 ml
    if [ -f "$OUT/${name}_fuzzer.options" ]; then
        ml=$(sed -n 's/^max_len *= *\([0-9]*\).*/\1/p' "$OUT/${name}_fuzzer.options")
        [ -z "$ml" ] || printf '%s\n' "-max_len=$ml"
    fi
    [ ! -f "$OUT/${name}_fuzzer.dict" ] || printf '%s\n' "-dict=$OUT/${name}_fuzzer.dict"
}

stage "replay corpora"
for name in "${targets[@]}"; do
    inputs=()
    for d in "$top/fuzz/corpus/$name" "$top/fuzz/regress/$name"; do
        [ -d "$d" ] || continue
        while IFS= read -r -d '' f; do inputs+=("$f"); done \
            < <(find "$d" -type f ! -name '.*' -print0 | sort -z)
    done
    log=$b/logs/$name.replay.log
    if [ "${#inputs[@]}" -eq 0 ]; then
        # Nothing replayed: in CI that is a failure, not a silent pass.
        printf '%-15s no corpus: NOT replayed\n' "$name"
        [ "${CI:-}" != true ] || failed+=("$name(no corpus)")
        continue
    fi
    mkdir -p "$b/artifacts/$name"
    if "$OUT/${name}_fuzzer" -artifact_prefix="$b/artifacts/$name/" "${inputs[@]}" \
        > "$log" 2>&1; then
        printf '%-15s %5d inputs ok\n' "$name" "${#inputs[@]}"
    else
        printf '%-15s FAILED replaying (log: %s)\n' "$name" "$log"
        grep -m1 -E 'FUZZ_ASSERT|ERROR: |runtime error' "$log" | sed 's/^/             /' || true
        failed+=("$name(replay)")
    fi
done

if [ "$long" -eq 1 ]; then
    budget=(-runs="$runs")
    stage "fuzz $runs executions per target, $jobs at a time"
elif [ "$secs" -gt 0 ]; then
    budget=(-max_total_time="$secs")
    stage "fuzz ${secs}s per target, $jobs at a time"
else
    stage "SKIPPED: fuzzing (VSCSI_FUZZ_SECONDS=$secs: corpus replay only)"
fi
if [ "$long" -eq 1 ] || [ "$secs" -gt 0 ]; then
    run_one() {
        local name=$1 args
        mapfile -t args < <(lf_args "$name")
        mkdir -p "$b/corpus/$name" "$b/artifacts/$name"
        # New inputs go to build-fuzz/corpus/<name>; the committed seeds are read only.
        local rc=0
        # shellcheck disable=SC2086
        "$OUT/${name}_fuzzer" "${budget[@]}" -timeout=10 -rss_limit_mb=2048 \
            -print_final_stats=1 -artifact_prefix="$b/artifacts/$name/" "${args[@]}" \
            ${VSCSI_FUZZ_ARGS:-} "$b/corpus/$name" "$top/fuzz/corpus/$name" \
            > "$b/logs/$name.log" 2>&1 || rc=$?
        echo "$rc" > "$b/logs/$name.rc"
    }
    running=0
    for name in "${targets[@]}"; do
        rm -f "$b/logs/$name.rc"
        if [ "$running" -ge "$jobs" ]; then
            wait -n || true
            running=$((running - 1))
        fi
        run_one "$name" &
        running=$((running + 1))
    done
    wait || true
    printf '%-15s %12s %9s %7s %6s  %s\n' target execs exec/s cov corpus result
    for name in "${targets[@]}"; do
        rc=$(cat "$b/logs/$name.rc" 2>/dev/null || echo 1)
        log=$b/logs/$name.log
        execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)
        rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n1)
        cov=$(grep -oE "cov: [0-9]+" "$log" | tail -n1 | cut -d" " -f2 || true)
        ncorp=$(find "$b/corpus/$name" -type f 2>/dev/null | wc -l || true)
        if [ "$rc" -eq 0 ]; then
            result=ok
        else
            result="CRASH (exit $rc, log: $log)"
            failed+=("$name")
        fi
        printf '%-15s %12s %9s %7s %6s  %s\n' "$name" "${execs:-?}" "${rate:-?}" "${cov:-?}" \
            "$ncorp" "$result"
        if [ "$rc" -ne 0 ]; then
            grep -m1 -E 'FUZZ_ASSERT|ERROR: |runtime error' "$log" | sed 's/^/             /' || true
            find "$b/artifacts/$name" -type f -newer "$b/logs/build.log" | sed 's/^/             artifact: /'
        fi
    done
fi

if [ "${#failed[@]}" -gt 0 ]; then
    stage "FAILED: ${failed[*]}"
    echo "Reproduce: $OUT/<name>_fuzzer <artifact>   (or the gcc replay build: build/fuzz/<name>_fuzzer <artifact>)"
    exit 1
fi
stage "all targets clean"
