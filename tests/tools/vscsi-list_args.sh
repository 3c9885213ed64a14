#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# vscsi-list: arguments are checked before XenStore is opened.
set -u
. "$(dirname "$0")/lib.sh"
t=$1

common "$t"
usage "--backend: bad domid 'abc'" "$t" --backend abc
usage "--backend: bad domid '-1'" "$t" --backend -1
usage "bad domid 'x'" "$t" x
usage "at most one DOMID" "$t" 1 2
if no_xen; then
  status 1 "cannot open XenStore" "$t" --backend 0 1
fi
finish
