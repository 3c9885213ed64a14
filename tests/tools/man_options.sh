#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Every long option a tool's --help lists is documented in its man page source, and the
# page names the tool's exit codes: a new option without a page entry fails here.
set -u
tool=$1 page=$2
fails=0
[ -f "$page" ] || { echo "FAIL no man page $page"; exit 1; }
opts=$("$tool" --help | grep -oE -- '--[a-z][a-z0-9-]+' | sort -u)
for o in $opts; do
  if grep -qF -- "*$o*" "$page"; then echo "ok   $o"; else echo "FAIL $o missing from $page"; fails=1; fi
done
for code in 0 1 2; do
  grep -qE "^\*$code\*$" "$page" || { echo "FAIL exit status $code not in $page"; fails=1; }
done
exit $fails
