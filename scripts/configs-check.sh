#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Every documented build configuration configures, builds with warnings as
# errors and passes its own tests, each in its own build directory
# (build-configs/<name>): the configure presets of CMakePresets.json that
# select parts (README "Build options"), and the tree used as a subproject
# through add_subdirectory(). Sanitizer, fuzzing and release builds have CI
# stages of their own and are not repeated here.
#
#   scripts/configs-check.sh              all of them
#   scripts/configs-check.sh sim-off ...  only those named
#   VSCSI_CONFIGS_KEEP=1                  keep the build directories
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
all=(dev lib-only sim-off tests-off bench-off xen-on xen-off fuzz-replay-off subproject)
jobs=2 # sized for CI runners (and shared machines): never more
"$top/scripts/deps.sh"

usage() { echo "usage: $0 [config...]; configs: ${all[*]}" >&2; exit 2; }
configs=("$@")
((${#configs[@]})) || configs=("${all[@]}")
for c in "${configs[@]}"; do
  [[ " ${all[*]} " == *" $c "* ]] || { echo "configs-check: unknown config '$c'" >&2; usage; }
done

# A .c file that no target lists is never compiled and its tests never run;
# a CMake part nobody includes registers nothing.
# The dev configuration builds every part, so every tracked .c file must be a
# source of one of its targets, but for those built elsewhere: the live test's
# guest programs, the ABI check (a ctest command line compiles it) and the
# outside consumer (consumer-check.sh and the subproject configuration).
orphans() {
  python3 - "$top" "$1" <<'PY'
import glob, json, os, subprocess, sys
top, build = sys.argv[1], sys.argv[2]
reply = os.path.join(build, ".cmake/api/v1/reply")
index = json.load(open(sorted(glob.glob(os.path.join(reply, "index-*.json")))[-1]))
cm = next(o for o in index["objects"] if o["kind"] == "codemodel")
cm = json.load(open(os.path.join(reply, cm["jsonFile"])))
src = cm["paths"]["source"]
used = set()
for cfg in cm["configurations"]:
    for t in cfg["targets"]:
        for s in json.load(open(os.path.join(reply, t["jsonFile"]))).get("sources", []):
            used.add(os.path.normpath(os.path.join(src, s["path"])))
tracked = subprocess.run(["git", "-C", top, "ls-files", "*.c"], check=True,
                         capture_output=True, text=True).stdout.split()
skip = ("tests/live/", "tests/abi/", "tests/consumer/")
orph = [f for f in tracked if not f.startswith(skip) and os.path.join(top, f) not in used]
for f in orph:
    print(f"configs-check: {f} is in no target of the dev configuration", file=sys.stderr)
# The CMake files the configure read (file API cmakeFiles): every tracked
# CMakeLists.txt and *.cmake must be one, but for the stand-alone consumer
# projects (tests/consumer, tests/subproject: configured on their own).
cf = next(o for o in index["objects"] if o["kind"] == "cmakeFiles")
cf = json.load(open(os.path.join(reply, cf["jsonFile"])))
read = {os.path.normpath(os.path.join(src, i["path"])) for i in cf["inputs"]}
parts = subprocess.run(["git", "-C", top, "ls-files", "*CMakeLists.txt", "*.cmake"], check=True,
                       capture_output=True, text=True).stdout.split()
unread = [f for f in parts if not f.startswith(("tests/consumer/", "tests/subproject/"))
          and os.path.join(top, f) not in read]
for f in unread:
    print(f"configs-check: {f} is never read by the dev configuration", file=sys.stderr)
sys.exit(1 if orph or unread else 0)
PY
}

run() {
  local name=$1 dir=$top/build-configs/$1
  local t0=$SECONDS
  rm -rf "$dir"
  printf '\n--- %s\n' "$name"
  # Ask CMake (file API) which sources its targets compile: see orphans().
  mkdir -p "$dir/.cmake/api/v1/query" &&
    touch "$dir/.cmake/api/v1/query/codemodel-v2" "$dir/.cmake/api/v1/query/cmakeFiles-v1"
  if [ "$name" = subproject ]; then
    cmake -S "$top/tests/subproject" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
          -DVSCSI_WERROR=ON -DVSCSIIF_SOURCE_DIR="$top" >"$dir.log" 2>&1 || { cat "$dir.log"; return 1; }
  else
    cmake --preset "$name" -S "$top" -B "$dir" >"$dir.log" 2>&1 || { cat "$dir.log"; return 1; }
  fi
  grep -E '^-- (vscsiif|tests|fuzz|vscsi-bench)' "$dir.log" || true
  [ "$name" != dev ] || orphans "$dir" || return 1
  cmake --build "$dir" -j"$jobs" >>"$dir.log" 2>&1 || { tail -50 "$dir.log"; return 1; }
  if [ -f "$dir/CTestTestfile.cmake" ]; then
    ctest --test-dir "$dir" -j"$jobs" --output-on-failure --no-tests=error
  else
    echo "$name: no tests in this configuration (VSCSI_BUILD_TESTS off)"
    [ -e "$dir/lib/libvscsiif.so" ] || { echo "$name: libvscsiif.so not built" >&2; return 1; }
  fi
  echo "$name: ok ($((SECONDS - t0)) s)"
  [ -n "${VSCSI_CONFIGS_KEEP:-}" ] || rm -rf "$dir" "$dir.log"
}

mkdir -p "$top/build-configs"
failed=()
for c in "${configs[@]}"; do
  run "$c" || failed+=("$c")
done
if ((${#failed[@]})); then
  echo "configs-check: FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "configs-check: ok (${configs[*]})"
