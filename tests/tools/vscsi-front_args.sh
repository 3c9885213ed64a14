#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# vscsi-front: every command is checked before Xen is opened; each refusal says why, exit 2.
set -u
. "$(dirname "$0")/lib.sh"
t=$1

common "$t"
usage "no command given" "$t"
usage "LBA: 'abc' is not a number" "$t" write abc 8 FILE
usage "N \(blocks\): '0' out of range" "$t" read 0 0
usage "N \(blocks\): '8x' is not a number" "$t" read 0 8x
usage "LBA: '-1' is not a number" "$t" read -1 1
usage "LBA: '18446744073709551616' out of range" "$t" read 18446744073709551616 1
usage "--vhost: 'abc' is not a number" "$t" --vhost abc inquiry
usage "--vhost: '-1' is not a number" "$t" --vhost -1 inquiry
usage "--lun: bad '1:2'" "$t" --lun 1:2 inquiry
usage "--lun: bad '1:2:3:4'" "$t" --lun 1:2:3:4 inquiry
usage "--lun: bad '1::3'" "$t" --lun 1::3 inquiry
usage "--lun: bad '0:0:65536'" "$t" --lun 0:0:65536 inquiry
usage "--timeout: 'abc' is not a number" "$t" --timeout abc inquiry
usage "--timeout: '0' out of range" "$t" --timeout 0 inquiry
usage "unknown command 'inquire'" "$t" inquire
usage "inquiry takes 0 arguments, 1 given" "$t" inquiry 5
usage "write takes 3 arguments, 2 given" "$t" write 0 8
usage "raw: CDB '12zz00002400' is not hex" "$t" raw 12zz00002400
usage "raw: CDB '1200' must be 6\.\.16 bytes" "$t" raw 1200
usage "--in: 'x' is not a number" "$t" raw 120000002400 --in x
usage "--in: '54525953' out of range" "$t" raw 080010000400 --in 54525953
usage "--max-segs: '25' out of range" "$t" --max-segs 25 inquiry
usage "--max-segs: '13313' out of range" "$t" --max-segs 13313 inquiry
usage "--max-segs: 'x' is not a number" "$t" --max-segs x inquiry
usage "raw: --in and --out exclude each other" "$t" raw 120000002400 --in 36 --out f
usage "raw: --save needs --in" "$t" raw 120000002400 --save f
usage "--save needs a value" "$t" read 0 1 --save
usage "--seconds: 'nan' is not a number" "$t" randread --seconds nan
usage "randread: option not valid" "$t" randread --save f
usage "read: unknown option '--bogus'" "$t" read 0 1 --bogus
usage "empty command between ','" "$t" inquiry , , readcap
usage "empty command after the last ','" "$t" inquiry ,
usage "unknown command 'bogus'" "$t" inquiry , bogus
if no_xen; then
  status 1 "cannot open Xen interfaces" "$t" --lun 0:0:0 --timeout 1 inquiry , read 0x10 8 , raw 120000002400 --in 36
  status 1 "cannot open Xen interfaces" "$t" --max-segs 13312 raw 080010000400 --in 1048580
fi
finish
