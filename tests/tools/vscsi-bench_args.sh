#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# vscsi-bench: argument parsing only (the run itself is bench_smoke).
set -u
. "$(dirname "$0")/lib.sh"
t=$1

common "$t"
usage "--reps: 'x' is not a number" "$t" --reps x
usage "--reps: '0' out of range" "$t" --reps 0
usage "--reps: '5x' is not a number" "$t" --reps 5x
usage "--requests: '-1' is not a number" "$t" --requests -1
usage "--requests: '0' out of range" "$t" --requests 0
usage "--only: empty list" "$t" --only ""
usage "--only: empty list" "$t" --only ,
usage "unexpected argument 'x'" "$t" x
finish
