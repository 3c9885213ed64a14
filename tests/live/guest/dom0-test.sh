#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs inside dom0. Every check prints "LXRESULT PASS <step>" or "LXRESULT FAIL <step>";
# the host (run.sh) collects them. Every wait is bounded.
#  (a) vscsi-back (fake disk, tape, changer) <-> the domU's kernel xen-scsifront
#  (b) the domU's vscsi-front <-> kernel xen-scsiback + LIO
#  (c) the same random-read job through kernel scsifront against vscsi-back (from a) and LIO
ok()   { echo "LXRESULT PASS $1"; }
bad()  { echo "LXRESULT FAIL $1${2:+: $2}"; }
check() { step=$1; shift; if "$@"; then ok "$step"; else bad "$step"; fi; }
# Waits are bounded by wall-clock deadlines: under TCG one xl/xenstore call can take a second.
wait_node() {  # path value [seconds]
  end=$(( $(date +%s) + ${3:-60} ))
  while [ "$(xenstore-read "$1" 2>/dev/null)" != "$2" ]; do
    [ "$(date +%s)" -ge $end ] && { echo "timeout: $1 != $2 (is '$(xenstore-read "$1" 2>&1)')"; return 1; }
    sleep 0.2; done; }
wait_gone() {  # domain name, seconds
  end=$(( $(date +%s) + $2 ))
  while xl domid "$1" >/dev/null 2>&1; do
    [ "$(date +%s)" -ge $end ] && { echo "$1 still running after $2 s, destroying"; xl destroy "$1"; return 1; }
    sleep 0.5; done; }
SECS=8; for a in $(cat /proc/cmdline); do case "$a" in lxsecs=*) SECS=${a#lxsecs=};; esac; done

# ================= (a) vscsi-back with the fake target ========================
vscsi-back --foreground --trace --sg --fake disk,tape,changer,disk --max-segs 13312 --pidfile /run/vscsi-back.pid \
  >/var/log/vscsi-back.log 2>&1 &
sleep 0.5
xl create -p /etc/xen/domu.cfg 'name="domua"' "extra=\"console=hvc0 loglevel=4 lxrole=a lxsecs=$SECS\"" \
  >/dev/null 2>&1 || bad a/xl-create
DA=$(xl domid domua)
BEA=/local/domain/0/backend/vscsi/$DA/0
if vscsi-attach "$DA" vscsi_fake:0 0:0:0:0 && vscsi-attach "$DA" vscsi_fake:1 0:0:1:0 &&
   vscsi-attach "$DA" vscsi_fake:2 0:0:2:0 && [ "$(xenstore-read $BEA/vscsi-devs/dev-2/p-dev)" = vscsi_fake:2 ]; then
  ok a/attach; else bad a/attach; fi
# the QEMU disk (vendor QEMU) by its /dev/sgN, resolved to h:c:t:l through sysfs
SGDEV=
for d in /sys/bus/scsi/devices/*:*:*:*; do
  grep -q QEMU "$d/vendor" 2>/dev/null && SGDEV=/dev/$(ls "$d/scsi_generic" | head -1) && break; done
echo "QEMU SCSI disk in dom0: ${SGDEV:-none}"; lsscsi -g
NBASE=3
if [ -n "$SGDEV" ] && vscsi-attach "$DA" "$SGDEV" 0:0:4:0; then ok a/sg-attach; NBASE=4; else bad a/sg-attach "${SGDEV:-no QEMU disk in dom0}"; fi
xenstore-write /local/domain/$DA/data/lxtest/nbase $NBASE
vscsi-list "$DA"
vscsi-list --libvirt "$DA"
xl unpause domua
check a/connect wait_node $BEA/state 4 60
vscsi-list "$DA"
# hot-add / hot-remove when the guest asks for it
if wait_node /local/domain/$DA/data/lxtest/phase hotplug 600; then  # tape clients run first (LX_BTAPE: much longer)
  check a/hot-add-backend vscsi-attach --wait 20 "$DA" vscsi_fake:3 0:0:3:0
  vscsi-list "$DA"
  if wait_node /local/domain/$DA/data/lxtest/seen-add 1 60; then
    check a/hot-remove-backend vscsi-detach --timeout 20 "$DA" 0:0:3:0
    vscsi-list "$DA"
  else bad a/hot-remove-backend "guest did not report the added LUN"; fi
  xenstore-write /local/domain/$DA/data/lxtest/removed 1
else bad a/hot-add-backend "guest never got to the hotplug phase"; fi
# the guest's vscsi-front against vscsi-back, on a second vhost
if wait_node /local/domain/$DA/data/lxtest/phase front 60; then
  check a/attach-vhost1 vscsi-attach "$DA" vscsi_fake:0 1:0:0:0
  xenstore-write /local/domain/$DA/data/lxtest/go-front 1
  # the fake tape for vscsi-front's 1 MiB record (guest/tape_clients.sh)
  check a/attach-vhost2 vscsi-attach "$DA" vscsi_fake:1 2:0:1:0
  xenstore-write /local/domain/$DA/data/lxtest/go-front2 1
else bad a/attach-vhost1 "guest did not release the kernel frontend"; fi
wait_gone domua 240
echo "== domU (a) console:"; cat /var/log/xen/console/guest-domua.log
vscsi-detach --force "$DA" --vhost 0
vscsi-detach --force "$DA" --vhost 1
vscsi-detach --force "$DA" --vhost 2
kill "$(cat /run/vscsi-back.pid)" 2>/dev/null; sleep 0.5
echo "== vscsi-back log (without per-request trace):"; grep -v -E ': (req|rsp) ' /var/log/vscsi-back.log | tail -60
echo "== vscsi-back trace of vhost 1 (vscsi-front), last lines:"; grep "/1/1:" /var/log/vscsi-back.log | tail -30

# ================= (d) the service: its unit's ExecStart line, persistent attachments ======
# Before (b): xen-scsiback, once loaded, would bind these vhosts too.
CFD=/usr/local/etc/vscsiif
mkdir -p $CFD/domains
# File-backed fake disks (pwrite): what a guest wrote survives the SIGKILL step below.
mkdir -p /var/lib/vscsi-fake-d
printf 'fake = disk,disk,disk\nfake-dir = /var/lib/vscsi-fake-d\ndomains-dir = %s/domains\nlog-level = debug\n' $CFD >$CFD/vscsi-back.conf
echo "vscsi = [ 'vscsi_fake:0,0:0:0:0' ]" >$CFD/domains/domd1.cfg
echo "vscsi = [ 'vscsi_fake:1,0:0:0:0' ]" >$CFD/domains/domd2.cfg
EXEC=$(sed -n 's/^ExecStart=//p' /etc/vscsi-back.service)
PRE=$(sed -n 's/^ExecStartPre=//p' /etc/vscsi-back.service)
echo "unit: ExecStartPre=$PRE ExecStart=$EXEC"
DPID=
if $PRE; then $EXEC >/var/log/vscsi-back-d.log 2>&1 & DPID=$!; fi
sleep 1
if [ -n "$DPID" ] && kill -0 $DPID 2>/dev/null && grep -q watching /var/log/vscsi-back-d.log; then ok d/service
else bad d/service "$(tail -3 /var/log/vscsi-back-d.log)"; fi
for n in domd1 domd2; do
  xl create /etc/xen/domu.cfg "name=\"$n\"" "extra=\"console=hvc0 loglevel=4 lxrole=d lxname=$n\"" \
    >/dev/null 2>&1 || bad d/xl-create "$n"
done
D1=$(xl domid domd1); D2=$(xl domid domd2)
BV=/local/domain/0/backend/vscsi
check d/attach-domd1 wait_node $BV/$D1/0/vscsi-devs/dev-0/p-dev vscsi_fake:0 60
check d/attach-domd2 wait_node $BV/$D2/0/vscsi-devs/dev-0/p-dev vscsi_fake:1 60
# both guests connected to the one daemon at once
if wait_node $BV/$D1/0/state 4 180 && wait_node $BV/$D2/0/state 4 180; then ok d/two-guests
else bad d/two-guests; fi
vscsi-list
# The xl-style front door on a live guest: a hot-added LUN by name, listed, a dry run that
# writes nothing, and the LUN detached again.
check d/xl-attach vscsi scsi-attach --wait 60 domd2 vscsi_fake:2 0:0:1:0
vscsi scsi-list domd2 | tee /tmp/xl-list
if grep -q "0:0:1:0" /tmp/xl-list && head -1 /tmp/xl-list | grep -q "vir-hctl"; then ok d/xl-list
else bad d/xl-list "$(cat /tmp/xl-list)"; fi
vscsi -N scsi-attach domd2 vscsi_fake:2 0:0:2:0 >/tmp/xl-dry 2>&1
if grep -q '"0:0:2:0"' /tmp/xl-dry && ! vscsi scsi-list domd2 | grep -q "0:0:2:0"; then ok d/xl-dry-run
else bad d/xl-dry-run "$(cat /tmp/xl-dry)"; fi
if vscsi scsi-detach --timeout 60 domd2 0:0:1:0 && ! vscsi scsi-list domd2 | grep -q "0:0:1:0"; then ok d/xl-detach
else bad d/xl-detach; fi
# the guests hold after their I/O until both were seen connected
xenstore-write /local/domain/$D1/data/lxtest/go-d 1 /local/domain/$D2/data/lxtest/go-d 1
# domd1 reboots after its I/O: a new domid, the same name, attached again, the old one reaped
end=$(( $(date +%s) + 300 )); N1=
while [ "$(date +%s)" -lt $end ]; do
  N1=$(xl domid domd1 2>/dev/null); [ -n "$N1" ] && [ "$N1" != "$D1" ] && break; N1=; sleep 1; done
if [ -n "$N1" ] && wait_node $BV/$N1/0/vscsi-devs/dev-0/p-dev vscsi_fake:0 60; then ok d/reboot-reattach
else bad d/reboot-reattach "new domid '${N1:-none}'"; fi
wait_absent() {  # path seconds
  end=$(( $(date +%s) + $2 ))
  while xenstore-exists "$1" 2>/dev/null; do [ "$(date +%s)" -ge $end ] && return 1; sleep 0.5; done; }
check d/reaped-reboot wait_absent $BV/$D1 60
wait_gone domd1 300
# SIGKILL during domd2's I/O, then a new daemon by the same ExecStart line: it must find the
# live vhost in XenStore and take over its ring; the guest checks every byte (kill9-io-domd2).
xenstore-write /local/domain/$D2/data/lxtest/go-k9 1
if wait_node /local/domain/$D2/data/lxtest/k9 running 120; then
  sleep 1
  kill -KILL $DPID; wait $DPID 2>/dev/null
  $EXEC >/var/log/vscsi-back-d2.log 2>&1 & DPID=$!
  sleep 2
  if kill -0 $DPID 2>/dev/null && grep -q watching /var/log/vscsi-back-d2.log \
     && [ "$(xenstore-read $BV/$D2/0/state 2>/dev/null)" = 4 ]; then ok d/kill9-restart
  else bad d/kill9-restart "$(tail -3 /var/log/vscsi-back-d2.log)"; fi
  # SIGTERM while the guest's I/O still runs: the daemon drains (in-flight commands
  # answered, grants released), exits 0 and leaves the vhost for the next daemon.
  sleep 1
  kill -TERM $DPID; wait $DPID; trc=$?
  $EXEC >/var/log/vscsi-back-d3.log 2>&1 & DPID=$!
  sleep 2
  if [ $trc = 0 ] && grep -q "draining" /var/log/vscsi-back-d2.log && kill -0 $DPID 2>/dev/null \
     && grep -q watching /var/log/vscsi-back-d3.log \
     && [ "$(xenstore-read $BV/$D2/0/state 2>/dev/null)" = 4 ]; then ok d/term-drain-restart
  else bad d/term-drain-restart "exit $trc; $(tail -2 /var/log/vscsi-back-d2.log)"; fi
else bad d/kill9-restart "domd2 never started its I/O loop"; fi
wait_gone domd2 300
if wait_absent $BV/${N1:-none} 60 && wait_absent $BV/$D2 60; then ok d/reaped; else bad d/reaped; fi
# SIGHUP with a bad file keeps the running settings; SIGTERM drains and exits 0
echo "max-segs = 5" >>$CFD/vscsi-back.conf
kill -HUP $DPID; sleep 2
if kill -0 $DPID 2>/dev/null && grep -q "reload refused" /var/log/vscsi-back-d3.log; then ok d/reload-bad
else bad d/reload-bad; fi
kill -TERM $DPID; wait $DPID; drc=$?
[ $drc = 0 ] && grep -q "exiting" /var/log/vscsi-back-d3.log && ok d/stop || bad d/stop "exit $drc"
echo "== domU (d) consoles:"; cat /var/log/xen/console/guest-domd1.log /var/log/xen/console/guest-domd2.log
echo "== vscsi-back (service) log:"; grep -v -E ': (req|rsp) ' /var/log/vscsi-back-d.log | tail -40
echo "== vscsi-back (service, after SIGKILL) log:"; grep -v -E ': (req|rsp) ' /var/log/vscsi-back-d2.log | tail -40
echo "== vscsi-back (service, after SIGTERM) log:"; grep -v -E ': (req|rsp) ' /var/log/vscsi-back-d3.log | tail -40

# ================= (b) vscsi-front <-> kernel xen-scsiback + LIO ==============
for m in $(cat /etc/lx-lio-modules); do modprobe "$m" || echo "modprobe $m failed"; done
mount -t configfs configfs /sys/kernel/config 2>/dev/null
CF=/sys/kernel/config/target
WWN=naa.6001405000000a01
IMG=/var/tmp/disk0.img
dd if=/dev/zero of=$IMG bs=1M count=64 2>/dev/null
printf 'LIVEXEN-PATTERN' | dd of=$IMG conv=notrunc 2>/dev/null
mkdir -p $CF/core/fileio_0/disk0 &&
echo "fd_dev_name=$IMG,fd_dev_size=67108864" > $CF/core/fileio_0/disk0/control &&
echo 1 > $CF/core/fileio_0/disk0/enable &&
mkdir -p $CF/xen-pvscsi/$WWN/tpgt_1/lun/lun_0 &&
ln -s $CF/core/fileio_0/disk0 $CF/xen-pvscsi/$WWN/tpgt_1/lun/lun_0/port0 &&
echo naa.6001405000000b01 > $CF/xen-pvscsi/$WWN/tpgt_1/nexus && ok b/lio || bad b/lio
xl create -p /etc/xen/domu.cfg 'name="domub"' "extra=\"console=hvc0 loglevel=4 lxrole=b lxsecs=$SECS\"" \
  >/dev/null 2>&1 || bad b/xl-create
DB=$(xl domid domub)
check b/attach vscsi-attach "$DB" $WWN:0 0:0:0:0
xl unpause domub
# the guest's vscsi-front runs its commands, closes, and asks for the kernel-frontend part
if wait_node /local/domain/$DB/data/lxtest/phase front-done 240; then
  vscsi-detach --timeout 10 --force "$DB" --vhost 0
  check c/attach-lio vscsi-attach "$DB" $WWN:0 1:0:0:0
  xenstore-write /local/domain/$DB/data/lxtest/go-kernel 1
else bad c/attach-lio "guest's vscsi-front part did not finish"; fi
wait_gone domub 180
echo "== domU (b) console:"; cat /var/log/xen/console/guest-domub.log
echo "== dom0 dmesg (scsiback):"; dmesg | grep -i -E 'scsiback|pvscsi' | tail -10
echo "LXDONE"
