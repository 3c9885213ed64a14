#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# vscsi: verbs and arguments are checked before XenStore is opened; -N prints JSON and
# opens nothing (it succeeds with no Xen at all).
set -u
. "$(dirname "$0")/lib.sh"
t=$1
tmp=$(mktemp -d)
trap 'rm -f "$out" "$err"; rm -rf "$tmp"' EXIT

common "$t"
usage "need a command" "$t"
usage "unknown command 'attach'" "$t" attach 1 0:0:0:0 0:0:0:0
usage "scsi-attach: need DOMAIN PDEV VDEV \(2 arguments given\)" "$t" scsi-attach 1 0:0:0:0
usage "scsi-attach: need DOMAIN with --config" "$t" scsi-attach --config /dev/null 1 2
usage "scsi-detach: need DOMAIN VDEV" "$t" scsi-detach 1
usage "scsi-list: need 1 to 64 DOMAINs" "$t" scsi-list
usage "DOMAIN: '../etc' is neither a domid nor a domain name" "$t" scsi-attach ../etc 0:0:0:0 0:0:0:0
usage "DOMAIN: '32752' out of range" "$t" scsi-list 32752
usage "bad p-dev 'bogus'" "$t" scsi-attach 1 bogus 0:0:0:0
usage "bad v-dev '0:0:0'" "$t" scsi-attach 1 0:0:0:0 0:0:0
usage "unknown v-dev option 'feature-hots'" "$t" scsi-attach 1 0:0:0:0 0:0:0:0,feature-hots
usage "unknown LUN option 'x'" "$t" scsi-attach 1 0:0:0:0 0:0:0:0 x
usage "--wait: 'soon' is not a number" "$t" --wait soon scsi-attach 1 0:0:0:0 0:0:0:0
usage "--timeout: '0' out of range" "$t" --timeout 0 scsi-detach 1 0:0:0:0
usage "--backend: '-1' is not a number" "$t" --backend -1 scsi-list 1
usage "scsi-attach only" "$t" --config /dev/null scsi-list 1
usage "scsi-detach only" "$t" --force scsi-attach 1 0:0:0:0 0:0:0:0
usage "-N: scsi-list writes nothing" "$t" -N scsi-list 1
usage "--config: $tmp/none: No such file" "$t" scsi-attach --config "$tmp/none" 1
echo "vscsi = [ '1:0:0:0,0:0:0:0', 'bogus,0:0:0:1' ]" >"$tmp/bad.cfg"
usage "--config: $tmp/bad.cfg: .*unrecognised p-dev" "$t" scsi-attach --config "$tmp/bad.cfg" 1
echo "memory = 1" >"$tmp/none.cfg"
usage "no vscsi setting" "$t" scsi-attach --config "$tmp/none.cfg" 1
VSCSI_CONFIGFS=$tmp usage "--kernel-backend: /dev/zero is not a LUN of LIO" "$t" --kernel-backend scsi-attach 1 /dev/zero 0:0:0:0

# -N: what would be written, as JSON, with nothing opened (no Xen here or there).
json() { python3 -c "import json,sys; d=json.load(sys.stdin); $1" <"$out"; }
status 0 '"command": "scsi-attach"' "$t" -N scsi-attach tapehost 1:0:2:0 0:0:0:0,feature-host
json 'assert d["domain"]=="tapehost" and d["luns"][0]["p-dev"]=="1:0:2:0" and d["luns"][0]["feature-host"] is True' &&
  ok "-N JSON: domain name, p-dev, feature-host" || bad "-N JSON content"
echo "vscsi = [ '1:0:0:0,0:0:0:0', 'naa.5001405DEADBEEF0:1,1:0:0:1' ]" >"$tmp/good.cfg"
status 0 '"luns"' "$t" scsi-attach -N --backend 4 --config "$tmp/good.cfg" 7
json 'assert d["domain"]==7 and d["backend"]==4 and [l["vhost"] for l in d["luns"]]==[0,1] and d["luns"][1]["p-dev"].lower()=="naa.5001405deadbeef0:1"' &&
  ok "-N --config JSON: both LUNs, vhosts 0 and 1" || bad "-N --config JSON content"
# A device node exported by LIO's xen-pvscsi becomes its naa. name (fake configfs; /dev/null
# stands in for the exported disk).
mkdir -p "$tmp/cfg/target/core/iblock_0/d" "$tmp/cfg/target/xen-pvscsi/naa.5001405deadbeef0/tpgt_1/lun/lun_2"
echo /dev/null >"$tmp/cfg/target/core/iblock_0/d/udev_path"
ln -s ../../../../../core/iblock_0/d "$tmp/cfg/target/xen-pvscsi/naa.5001405deadbeef0/tpgt_1/lun/lun_2/x"
VSCSI_CONFIGFS=$tmp/cfg status 0 'naa.5001405deadbeef0:2' "$t" -N scsi-attach 1 /dev/null 0:0:0:0
json "assert d['luns'][0]['p-devname']=='/dev/null'" && ok "-N keeps the node as p-devname" || bad "-N p-devname"
status 0 '"command": "scsi-detach"' "$t" -N scsi-detach guest 0:0:0:1
json 'assert d["v-dev"]=="0:0:0:1" and d["vhost"]==0' && ok "-N scsi-detach JSON" || bad "-N scsi-detach JSON"
status 0 '<hostdev' "$t" -N --libvirt scsi-attach 1 1:0:2:0 0:0:0:0
if no_xen; then
  status 1 "cannot open XenStore" "$t" scsi-attach tapehost 1:0:0:0 0:0:0:0
  status 1 "cannot open XenStore" "$t" scsi-detach 3 0:0:0:0
  status 1 "cannot open XenStore" "$t" scsi-list tapehost 3
fi
finish
