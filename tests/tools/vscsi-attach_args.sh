#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# vscsi-attach: arguments and the config file are checked before XenStore is opened.
set -u
. "$(dirname "$0")/lib.sh"
t=$1
cfg=$(mktemp)
trap 'rm -f "$out" "$err" "$cfg"' EXIT

common "$t"
usage "need DOMAIN PDEV VDEV" "$t"
usage "need DOMAIN PDEV VDEV" "$t" 1 0:0:0:0
usage "--wait: 'abc' is not a number" "$t" --wait abc 1 0:0:0:0 0:0:0:0
usage "--wait: '-5' is not a number" "$t" --wait -5 1 0:0:0:0 0:0:0:0
usage "--wait: '3601' out of range" "$t" --wait 3601 1 0:0:0:0 0:0:0:0
usage "--backend: 'abc' is not a number" "$t" --backend abc 1 0:0:0:0 0:0:0:0
usage "DOMAIN: '../x' is neither a domid nor a domain name" "$t" ../x 0:0:0:0 0:0:0:0
usage "DOMAIN: '-x' is neither" "$t" -- -x 0:0:0:0 0:0:0:0
usage "DOMAIN: 'a b' is neither" "$t" "a b" 0:0:0:0 0:0:0:0
usage "DOMAIN: '1x' is not a number" "$t" 1x 0:0:0:0 0:0:0:0
usage "DOMAIN: '32752' out of range 0\.\.32751" "$t" 32752 0:0:0:0 0:0:0:0
usage "bad p-dev 'bogus'" "$t" 1 bogus 0:0:0:0
usage "bad v-dev '0:0:0'" "$t" 1 0:0:0:0 0:0:0
usage "unknown LUN option 'feature-hots'" "$t" 1 0:0:0:0 0:0:0:0 feature-hots
usage "with --config: DOMAIN only" "$t" --config "$cfg" 1 0:0:0:0
usage "--config: /nonexistent: No such file" "$t" --config /nonexistent 1
echo 'name = "x"' >"$cfg"
usage "no vscsi setting" "$t" --config "$cfg" 1
echo "vscsi = [ ]" >"$cfg"
usage "--config: .*: the vscsi setting lists no LUN" "$t" --dry-run --config "$cfg" 1
echo "vscsi = [ '0:0:0:0, 0:0:0:0', 'bogus, 0:0:1:0' ]" >"$cfg"
usage "--config: .*unrecognised p-dev.*line 1, column" "$t" --config "$cfg" 1
status 0 "would add p-dev 0:0:0:0 as v-dev 0:0:0:0" "$t" --dry-run --wait 5 1 0:0:0:0 0:0:0:0
echo "vscsi = [ '0:0:0:0, 0:0:0:0', '1:0:0:1, 0:0:1:0' ]" >"$cfg"
status 0 "would add p-dev 1:0:0:1 as v-dev 0:0:1:0" "$t" --dry-run --config "$cfg" 1
if no_xen; then
  status 1 "cannot open XenStore" "$t" 1 0:0:0:0 0:0:0:0
  status 1 "cannot open XenStore" "$t" tapehost 0:0:0:0 0:0:0:0
fi
finish
