#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# vscsi-list: arguments are checked before XenStore is opened.
set -u
. "$(dirname "$0")/lib.sh"
t=$1

common "$t"
usage "--backend: 'abc' is not a number" "$t" --backend abc
usage "--backend: '-1' is not a number" "$t" --backend -1
usage "DOMAIN: '../x' is neither a domid nor a domain name" "$t" ../x
usage "DOMAIN: '-x' is neither" "$t" -- -x
usage "DOMAIN: 'a b' is neither" "$t" "a b"
usage "DOMAIN: '1x' is not a number" "$t" 1x
usage "at most one DOMAIN" "$t" 1 2
if no_xen; then
  status 1 "cannot open XenStore" "$t" --backend 0 1
  status 1 "cannot open XenStore" "$t" tapehost
fi
finish
