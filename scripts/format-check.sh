#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Checks that every tracked C source and header is formatted as .clang-format
# says; changes nothing. Exit 0 clean, 1 with clang-format's complaints, 2 on
# a usage error. Fix with: clang-format -i <file>.
#
#   scripts/format-check.sh            the whole tree
#   scripts/format-check.sh FILE...    only those files
#
# Excluded: fuzz corpora and regression inputs (data, not code) and anything
# under build*/ (generated). clang-format 14 (Debian 12) is the reference:
# other versions format some constructs differently.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
case "${1:-}" in
  -h | --help) sed -n '3,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  -*) echo "format-check: unknown option $1" >&2; exit 2 ;;
esac

cf=${CLANG_FORMAT:-}
if [ -z "$cf" ]; then
  for c in clang-format-14 clang-format; do
    command -v "$c" >/dev/null && { cf=$c; break; }
  done
fi
if [ -z "$cf" ]; then
  echo "format-check: installing clang-format"
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends clang-format >/dev/null
  cf=clang-format
fi

if (($#)); then
  files=("$@")
else
  mapfile -t files < <(git ls-files -- '*.c' '*.h' ':!:fuzz/corpus/**' ':!:fuzz/regress/**' ':!:build*/**')
fi
((${#files[@]})) || { echo "format-check: no files" >&2; exit 2; }
if out=$("$cf" --style=file --dry-run --Werror "${files[@]}" 2>&1); then
  echo "format-check: ${#files[@]} files clean ($("$cf" --version | sed 's/.*version \([0-9.]*\).*/\1/'))"
else
  head -n 200 <<<"$out" >&2
  bad=$(printf '%s\n' "$out" | sed -n 's/^\([^: ]*\):[0-9]*:[0-9]*: error: code should be clang-formatted.*/\1/p' | sort -u)
  echo "format-check: $(wc -l <<<"$bad") of ${#files[@]} files not formatted (clang-format -i them):" >&2
  printf '  %s\n' $bad >&2
  exit 1
fi
