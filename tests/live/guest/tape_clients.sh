# SPDX-License-Identifier: MIT
# Sourced by domu-init (role a, busybox sh): real tape and changer clients against
# vscsi-back's fake tape and changer through the kernel's xen-scsifront, st and sg, then
# the userspace vscsi-front with one 1 MiB + 4 record. Every step prints one
# LXRESULT PASS/FAIL line (ok/bad from domu-init). Needs $ST (/dev/nstN), $SGC (changer sg),
# $TAPE (its sysfs dir), $MT (mt-st). Leaves a cartridge loaded in variable-block mode.

tc_wait_ready() {  # st reports the medium changed once, then opens
  i=0; until $MT -f $ST status >/dev/null 2>&1 || [ $i -gt 50 ]; do i=$((i+1)); sleep 0.2; done
}

# "At block N." of mt-st tell (READ POSITION through st's MTIOCPOS)
tc_tell() { $MT -f $ST tell 2>&1 | sed -n 's/^At block \([0-9]*\)\..*/\1/p'; }

tc_pos() {  # label op... expected-block: run the op, then READ POSITION must say expected
  lbl=$1; want=$2; shift 2
  if ! $MT -f $ST "$@"; then tc_err="$tc_err $lbl:op-failed"; return; fi
  got=$(tc_tell)
  echo "mt $*: at block '$got' (want $want)"
  [ "$got" = "$want" ] || tc_err="$tc_err $lbl:at-$got-not-$want"
}

tc_status() {
  mtx -f $SGC load 1 0 || { bad mt-open "mtx load 1 0 failed"; return; }
  tc_wait_ready
  $MT -f $ST setblk 512
  $MT -f $ST status | tee /tmp/mts
  # st's open path: MODE SENSE page 0 gives the block descriptor st shows here
  if grep -q 'Tape block size 512 bytes' /tmp/mts && grep -q 'Density code 0x[1-9a-f]' /tmp/mts; then
    ok mt-status; else bad mt-status "$(grep -E 'block size|Density' /tmp/mts | tr '\n' ' ')"; fi
  $MT -f $ST setblk 0
  $MT -f $ST status | grep -q 'Tape block size 0 bytes' && ok mt-setblk-variable || bad mt-setblk-variable
}

# Three files of 3 records, each closed by the filemark st writes at close: objects
# 0-2 data, 3 FM, 4-6, 7 FM, 8-10, 11 FM, EOD at 12.
tc_positioning() {
  tc_err=
  $MT -f $ST rewind
  for f in 1 2 3; do dd if=/dev/urandom of=$ST bs=1024 count=3 2>/dev/null || tc_err="$tc_err write$f"; done
  tc_pos rewind 0 rewind
  tc_pos fsf1 4 fsf 1
  tc_pos fsf2 8 fsf 1
  tc_pos bsf 7 bsf 1
  tc_pos rewind2 0 rewind
  tc_pos fsr 2 fsr 2
  tc_pos bsr 1 bsr 1
  tc_pos fsr2 2 fsr 1
  tc_pos eod 12 eod
  tc_pos seek 5 seek 5
  tc_pos bsf2 3 bsf 1
  tc_pos fsf3 8 fsf 2
  tc_pos rewind3 0 rewind
  [ -z "$tc_err" ] && ok mt-positioning || bad mt-positioning "$tc_err"
}

tc_tar() {  # blocking factor (512-byte units)
  b=$1; e=
  rm -rf /tmp/tsrc /tmp/tx; mkdir -p /tmp/tsrc/sub /tmp/tx
  dd if=/dev/urandom of=/tmp/tsrc/a bs=1k count=300 2>/dev/null
  dd if=/dev/urandom of=/tmp/tsrc/sub/b bs=1k count=77 2>/dev/null
  echo "small file" > /tmp/tsrc/sub/c
  $MT -f $ST rewind
  gtar -b $b -cf $ST -C /tmp/tsrc . || e="$e create"
  $MT -f $ST rewind; gtar -b $b -tvf $ST > /tmp/tlist || e="$e list"
  cat /tmp/tlist
  grep -q 'sub/b' /tmp/tlist && grep -q 'sub/c' /tmp/tlist || e="$e list-content"
  $MT -f $ST rewind; gtar -b $b -df $ST -C /tmp/tsrc || e="$e compare"
  $MT -f $ST rewind; gtar -b $b -xf $ST -C /tmp/tx || e="$e extract"
  for f in a sub/b sub/c; do cmp /tmp/tsrc/$f /tmp/tx/$f || e="$e differs:$f"; done
  # one tape record per tar record: the first read of a bigger buffer returns b*512 bytes
  $MT -f $ST rewind
  n=$(dd if=$ST bs=256k count=1 2>/dev/null | wc -c)
  [ "$n" = $((b * 512)) ] || e="$e record-size-$n"
  $MT -f $ST rewind
  [ -z "$e" ] && ok tar-b$b || bad tar-b$b "$e"
}

tc_info() {
  SGT=/dev/$(sgof $TAPE)
  tapeinfo -f $SGT > /tmp/ti 2>&1; rc=$?; cat /tmp/ti
  [ $rc = 0 ] && grep -q "Product Type: Tape Drive" /tmp/ti && grep -q "Vendor ID: 'VSCSIIF" /tmp/ti &&
    grep -q '^MaxBlock: [1-9]' /tmp/ti && grep -q '^Ready: yes' /tmp/ti && ok tapeinfo || bad tapeinfo "exit $rc"
  loaderinfo -f $SGC > /tmp/li 2>&1; rc=$?; cat /tmp/li
  [ $rc = 0 ] && grep -q "Product Type: Medium Changer" /tmp/li &&
    grep -q 'Number of Storage Elements: [1-9]' /tmp/li && ok loaderinfo || bad loaderinfo "exit $rc"
}

tc_mtx() {
  e=
  $MT -f $ST offline 2>/dev/null
  mtx -f $SGC unload 1 0 || e="$e unload"
  mtx -f $SGC inventory || e="$e inventory"
  mtx -f $SGC status > /tmp/m0; cat /tmp/m0
  tag() { sed -n "s/^ *Storage Element $1:Full *:VolumeTag=\([A-Z0-9_-]*\).*/\1/p" /tmp/m$2; }
  t2=$(tag 2 0); t3=$(tag 3 0)
  mtx -f $SGC load 1 0 || e="$e load1"
  mtx -f $SGC transfer 2 1 || e="$e transfer"
  mtx -f $SGC status > /tmp/m1; cat /tmp/m1
  grep -q 'Storage Element 2:Empty' /tmp/m1 && [ "$(tag 1 1)" = "$t2" ] || e="$e transfer-status"
  mtx -f $SGC unload 2 0 || e="$e unload-to-2"
  mtx -f $SGC first 0 || e="$e first"
  mtx -f $SGC status > /tmp/m2
  grep -q 'Data Transfer Element 0:Full (Storage Element 1 Loaded)' /tmp/m2 || e="$e first-status"
  mtx -f $SGC next 0 || e="$e next"
  mtx -f $SGC status > /tmp/m3; cat /tmp/m3
  grep -q 'Data Transfer Element 0:Full (Storage Element 2 Loaded)' /tmp/m3 &&
    grep -q 'Storage Element 1:Full' /tmp/m3 || e="$e next-status"
  mtx -f $SGC exchange 3 4 || e="$e exchange"
  mtx -f $SGC status > /tmp/m4
  [ -n "$t3" ] && [ "$(tag 4 4)" = "$t3" ] || e="$e exchange-status"
  [ -z "$e" ] && ok mtx-clients || bad mtx-clients "$e"
  tc_wait_ready
}

# Bacula's btape against /dev/nstN. The default 'test' writes 2 x 10,000 records of
# 64 KiB (about 1.3 GB) onto one cartridge, which the fake tape holds in dom0's RAM
# (1 GiB): too big here, so btape runs with 2 KiB blocks (Maximum Block Size), where
# the same sub-tests hold in a 64 MiB cartridge. Reported as btape-test-2k, not as defaults.
tc_btape() {
  mkdir -p /etc/bacula /var/lib/bacula /run/bacula
  cat > /etc/bacula/lx-sd.conf <<EOC
Storage {
  Name = lx-sd
  WorkingDirectory = /var/lib/bacula
  Pid Directory = /run/bacula
}
Director {
  Name = lx-dir
  Password = "lx"
}
Device {
  Name = LxTape
  Media Type = LTO
  Device Type = Tape
  Archive Device = $ST
  AutomaticMount = yes
  AlwaysOpen = yes
  RemovableMedia = yes
  RandomAccess = no
  Maximum Block Size = 2048
}
Messages {
  Name = Standard
  director = lx-dir = all
}
EOC
  $MT -f $ST rewind; $MT -f $ST setblk 0
  printf 'test\nquit\n' | timeout 900 btape -c /etc/bacula/lx-sd.conf LxTape > /tmp/bt 2>&1; rc=$?
  cat /tmp/bt
  if [ $rc = 0 ] && grep -q 'Test succeeded' /tmp/bt && ! grep -q -i -E 'FAILED|ERR=' /tmp/bt; then
    ok btape-test-2k; else bad btape-test-2k "exit $rc"; fi
  $MT -f $ST rewind
  printf 'fill\ns\nquit\n' | timeout 1200 btape -c /etc/bacula/lx-sd.conf LxTape > /tmp/bf 2>&1; rc=$?
  tail -40 /tmp/bf
  if [ $rc = 0 ] && grep -q 'Test succeeded' /tmp/bf && ! grep -q -i -E 'FAILED|ERR=' /tmp/bf; then
    ok btape-fill-2k; else bad btape-fill-2k "exit $rc"; fi
  $MT -f $ST rewind; $MT -f $ST setblk 0
}

tape_clients() {
  tc_status
  tc_positioning
  tc_tar 20
  tc_tar 128
  tc_info
  tc_mtx
  # opt-in (LX_BTAPE=1 on the host): tens of thousands of commands, hours at the few
  # hundred commands a second... or the 7 a second that TCG on a busy host gives
  [ -e /etc/lx-btape ] && tc_btape
  $MT -f $ST rewind; $MT -f $ST setblk 0
}

# vscsi-front on vhost 2 (dom0 attaches the same fake tape there): one 1 MiB + 4 record,
# written and read back byte-exact; with the default 128 segments it is refused.
tape_front_big() {
  if ! wait_key go-front2 1 60; then bad vscsi-front-1m "dom0 did not attach vhost 2"; return; fi
  dd if=/dev/urandom of=/tmp/rec bs=1048580 count=1 2>/dev/null
  # a unit attention still pending (the fake LUN keeps them per LUN, not per nexus) first
  for i in 1 2 3; do timeout 60 vscsi-front --vhost 2 --lun 0:1:0 raw 000000000000 && break; done
  timeout 120 vscsi-front --vhost 2 --lun 0:1:0 --max-segs 257 --verbose raw 010000000000 , \
    raw 0a0010000400 --out /tmp/rec , raw 100000000100 , raw 010000000000 , \
    raw 080010000400 --in 1048580 --save /tmp/rec.back , raw 010000000000 > /tmp/f1m.out 2>&1; rc=$?
  cat /tmp/f1m.out
  [ $rc = 0 ] && cmp /tmp/rec /tmp/rec.back && grep -q 'connected, LUN 0:1:0, 257 segments' /tmp/f1m.out \
    && ok vscsi-front-1m || bad vscsi-front-1m "exit $rc"
  timeout 60 vscsi-front --vhost 2 --lun 0:1:0 raw 0a0010000400 --out /tmp/rec > /tmp/f1m2.out 2>&1; rc=$?
  cat /tmp/f1m2.out
  [ $rc = 1 ] && grep -q 'submit: Argument list too long' /tmp/f1m2.out && ok vscsi-front-1m-128segs-refused \
    || bad vscsi-front-1m-128segs-refused "exit $rc"
}
