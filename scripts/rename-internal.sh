#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Gives the libraries' internal globals the internal prefix vscsi__ (two
# underscores), so that a static archive defines nothing outside the vscsi_
# namespace, and turns on the two ctests that keep it so
# (symbols_static_prefix, symbols_xen_prefix).
#
#   scripts/rename-internal.sh [--dry-run] [BUILD_DIR]    (default: build)
#
# The names come from the archives as built now (nm -g --defined-only), not
# from a list, so helpers merged since are covered: every global of
# libvscsiif.a not starting with vscsi_ becomes vscsi__<name> in lib/ and in
# docs/protocol.md, and every such global of the Xen adapter (libvscsi_xen.a)
# in adapters/xen/. Only whole identifiers are renamed, never a struct member
# (after . or ->), and never outside those directories (fuzz/ring_fuzzer.c
# has static functions of the same names). Afterwards: clang-format -i the
# files it lists (names grow by 7 characters), review, bash scripts/test.sh.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
dry=
if [ "${1:-}" = --dry-run ]; then dry=1; shift; fi
case "${1:-}" in -*) echo "usage: $0 [--dry-run] [BUILD_DIR]" >&2; exit 2 ;; esac
dir=${1:-$top/build}
[ -f "$dir/CMakeCache.txt" ] || { echo "rename-internal: $dir is not a configured build directory" >&2; exit 2; }
cd "$top"

cmake --build "$dir" -j2 --target vscsiif_static >/dev/null
have_xen=
if cmake --build "$dir" -j2 --target vscsi_xen >/dev/null 2>&1; then have_xen=1; fi

unprefixed() { nm -g --defined-only "$1" | awk 'NF == 3 && $3 !~ /^vscsi_/ {print $3}' | sort -u; }
lib_names=$(unprefixed "$dir/lib/libvscsiif.a")
xen_names=
if [ -n "$have_xen" ]; then
  xen_names=$(unprefixed "$dir/adapters/xen/libvscsi_xen.a")
else
  echo "rename-internal: no Xen adapter in $dir (VSCSI_WITH_XEN); adapters/xen/ left alone" >&2
fi

rename_in() { # <names> <files...>
  local names=$1
  shift
  [ -n "$names" ] && (($#)) || return 0
  # One perl pass per file over all names: (?<![\w.>]) keeps members and
  # longer identifiers out.
  local re
  re=$(tr '\n' '|' <<<"$names" | sed 's/|$//')
  perl -pi -e "s/(?<![\\w.>])\\b($re)\\b/vscsi__\$1/g" "$@"
}

echo "libvscsiif.a: $(wc -w <<<"$lib_names") internal globals:" $lib_names
echo "libvscsi_xen.a: $(wc -w <<<"$xen_names") internal globals:" $xen_names
[ -z "$dry" ] || exit 0

mapfile -t lib_files < <(git ls-files -- 'lib/*.c' 'lib/*.h' docs/protocol.md)
rename_in "$lib_names" "${lib_files[@]}"
if [ -n "$have_xen" ]; then
  mapfile -t xen_files < <(git ls-files -- 'adapters/xen/*.c' 'adapters/xen/*.h')
  rename_in "$xen_names" "${xen_files[@]}"
  sed -i 's/^set(VSCSI_XEN_PREFIX_CHECK OFF)$/set(VSCSI_XEN_PREFIX_CHECK ON)/' adapters/xen/tests.cmake
fi
sed -i 's/^set(VSCSI_STATIC_PREFIX_CHECK OFF)$/set(VSCSI_STATIC_PREFIX_CHECK ON)/' tests/api.cmake

cmake --build "$dir" -j2 >/dev/null
ctest --test-dir "$dir" -R '^symbols_' --output-on-failure
echo "rename-internal: done; now clang-format -i these, review and run scripts/test.sh:"
git diff --name-only -- '*.c' '*.h' | sed 's/^/  /'
