#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# vscsi-detach: arguments are checked before XenStore is opened.
set -u
. "$(dirname "$0")/lib.sh"
t=$1

common "$t"
usage "need DOMAIN VDEV" "$t"
usage "need DOMAIN VDEV" "$t" 1
usage "need DOMAIN with --vhost" "$t" --vhost 0 1 0:0:0:0
usage "--timeout: 'abc' is not a number" "$t" --timeout abc 1 0:0:0:0
usage "--timeout: '0' out of range" "$t" --timeout 0 1 0:0:0:0
usage "--timeout: '-1' is not a number" "$t" --timeout -1 1 0:0:0:0
usage "--vhost: 'x' is not a number" "$t" --vhost x 1
usage "--backend: 'abc' is not a number" "$t" --backend abc 1 0:0:0:0
usage "DOMAIN: '../x' is neither a domid nor a domain name" "$t" ../x 0:0:0:0
usage "DOMAIN: '-x' is neither" "$t" -- -x 0:0:0:0
usage "DOMAIN: 'a b' is neither" "$t" "a b" 0:0:0:0
usage "DOMAIN: '1x' is not a number" "$t" 1x 0:0:0:0
usage "bad v-dev '0:0'" "$t" 1 0:0
if no_xen; then
  status 1 "cannot open XenStore" "$t" --timeout 1 1 0:0:0:0
  status 1 "cannot open XenStore" "$t" --vhost 0 1
  status 1 "cannot open XenStore" "$t" guest-1.example 0:0:0:0
fi
finish
