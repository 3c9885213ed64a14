#!/bin/bash -eu
# SPDX-License-Identifier: MIT
#
# Builds every fuzz target for OSS-Fuzz (projects/vscsiif/build.sh can be just
# "$SRC/vscsiif/fuzz/oss-fuzz/build.sh") and for scripts/fuzz.sh, which runs it
# locally with clang's libFuzzer.
#
# Inputs (the OSS-Fuzz build environment): CC, CXX, CFLAGS, CXXFLAGS,
# LIB_FUZZING_ENGINE, OUT, and SRC or WORK. The source tree is found as
# $VSCSI_SRC_DIR, else $SRC/vscsiif, else $SRC when it is the tree itself,
# else relative to this script.
#
# Output in $OUT, per target <name>:
#   <name>_fuzzer                 the binary, linked with $LIB_FUZZING_ENGINE
#   <name>_fuzzer.dict            from fuzz/<name>.dict, when present
#   <name>_fuzzer.options         from fuzz/<name>.options, when present
#   <name>_fuzzer_seed_corpus.zip fuzz/corpus/<name>/* + fuzz/regress/<name>/*

: "${OUT:?}" "${CC:?}" "${LIB_FUZZING_ENGINE:?}"
CFLAGS=${CFLAGS:-}
CXX=${CXX:-}
CXXFLAGS=${CXXFLAGS:-$CFLAGS}

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if [ -n "${VSCSI_SRC_DIR:-}" ]; then
    root=$VSCSI_SRC_DIR
elif [ -n "${SRC:-}" ] && [ -f "$SRC/vscsiif/fuzz/oss-fuzz/build.sh" ]; then
    root=$SRC/vscsiif
elif [ -n "${SRC:-}" ] && [ -f "$SRC/fuzz/oss-fuzz/build.sh" ]; then
    root=$SRC
else
    root=$(cd "$here/../.." && pwd)
fi
build=${WORK:-/tmp}/vscsiif-fuzz-build

cxx_args=()
if [ -n "$CXX" ]; then
    cxx_args=(-DCMAKE_CXX_COMPILER="$CXX" -DCMAKE_CXX_FLAGS="$CXXFLAGS")
fi

# CMAKE_BUILD_TYPE stays empty: optimisation and sanitizer flags come from $CFLAGS only.
cmake -S "$root" -B "$build" \
    -DCMAKE_BUILD_TYPE= \
    -DCMAKE_C_COMPILER="$CC" -DCMAKE_C_FLAGS="$CFLAGS" "${cxx_args[@]}" \
    -DVSCSI_BUILD_FUZZERS=ON -DVSCSI_OSSFUZZ=ON \
    -DVSCSI_BUILD_TESTS=OFF -DVSCSI_BUILD_BENCH=OFF -DVSCSI_BUILD_SIM=ON \
    -DVSCSI_WITH_XEN=OFF -DVSCSI_SANITIZE=
# Only the fuzzers (and what they link): the shared library is linked with -z defs,
# which sanitizer runtimes cannot satisfy.
cmake --build "$build" --target vscsi_fuzzers -j"$(nproc)"

zip_dir() { # zip_dir <archive> <dir>...: flat archive of the regular files
    local archive=$1 files=()
    shift
    for d in "$@"; do
        [ -d "$d" ] || continue
        while IFS= read -r -d '' f; do files+=("$f"); done \
            < <(find "$d" -maxdepth 1 -type f ! -name '.*' -print0 | sort -z)
    done
    rm -f "$archive"
    [ "${#files[@]}" -gt 0 ] || return 0
    if command -v zip >/dev/null; then
        zip -q -j -X "$archive" "${files[@]}"
    elif ! command -v python3 >/dev/null; then
        echo "build.sh: neither zip nor python3: no $(basename "$archive")" >&2
    else
        python3 - "$archive" "${files[@]}" <<'PY'
import os, sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    for f in sys.argv[2:]:
        z.write(f, os.path.basename(f))
PY
    fi
}

mkdir -p "$OUT"
n=0
while read -r name; do
    [ -n "$name" ] || continue
    cp "$build/fuzz/${name}_fuzzer" "$OUT/"
    for ext in dict options; do
        if [ -f "$root/fuzz/$name.$ext" ]; then
            cp "$root/fuzz/$name.$ext" "$OUT/${name}_fuzzer.$ext"
        fi
    done
    zip_dir "$OUT/${name}_fuzzer_seed_corpus.zip" "$root/fuzz/corpus/$name" "$root/fuzz/regress/$name"
    n=$((n + 1))
done < "$build/fuzz/fuzzers.txt"
echo "vscsiif: $n fuzz targets in $OUT"
