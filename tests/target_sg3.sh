#!/bin/sh
# SPDX-License-Identifier: MIT
# Decodes the fake target's INQUIRY and VPD bytes with sg3_utils (an independent
# implementation of the SPC/SBC formats) and checks what they say.
# Usage: target_sg3.sh PATH/TO/tgt_dump_hex. Exit 77 (skip) without sg3_utils.
set -u
dump=$1
command -v sg_inq >/dev/null 2>&1 || { echo "sg_inq not installed: skipping"; exit 77; }
command -v sg_vpd >/dev/null 2>&1 || { echo "sg_vpd not installed: skipping"; exit 77; }
for t in sg_decode_sense sg_logs sg_get_lba_status; do
    command -v $t >/dev/null 2>&1 || { echo "$t not installed: skipping"; exit 77; }
done

dir=$(mktemp -d) || exit 1
trap 'rm -rf "$dir"' EXIT
"$dump" "$dir" || { echo "tgt_dump_hex failed"; exit 1; }

fails=0
# expect FILE 'fixed string' COMMAND...: the decoder must succeed and print the string.
expect() {
    want=$1
    shift
    if ! out=$("$@" 2>&1); then
        echo "FAIL: '$*' exited non-zero:"
        echo "$out"
        fails=$((fails + 1))
        return
    fi
    case $out in
    *"$want"*) ;;
    *)
        echo "FAIL: '$*' does not print '$want':"
        echo "$out"
        fails=$((fails + 1))
        ;;
    esac
}

d=$dir
expect "Peripheral device type: disk" sg_inq --inhex="$d/disk_inq.hex"
expect "Vendor identification: VSCSIIF" sg_inq --inhex="$d/disk_inq.hex"
expect "Product identification: SIMDISK" sg_inq --inhex="$d/disk_inq.hex"
expect "Product revision level: 0001" sg_inq --inhex="$d/disk_inq.hex"
expect "version=0x06  [SPC-4]" sg_inq --inhex="$d/disk_inq.hex"
expect "SBC-3 (no version claimed)" sg_inq -d --inhex="$d/disk_inq.hex"
expect "length=96 (0x60)" sg_inq --inhex="$d/disk_inq.hex"

expect "Block limits (SBC) [bl]" sg_vpd --page=sv --inhex="$d/disk_vpd00.hex"
expect "Logical block provisioning (SBC) [lbpv]" sg_vpd --page=sv --inhex="$d/disk_vpd00.hex"
expect "Unit serial number: SN0042XYZ" sg_vpd --page=sn --inhex="$d/disk_vpd80.hex"
expect "NAA 3, Locally assigned" sg_vpd --page=di -l --inhex="$d/disk_vpd83.hex"
expect "vendor specific: SIMDISK         SN0042XYZ" sg_vpd --page=di --inhex="$d/disk_vpd83.hex"
expect "Maximum transfer length: 65535 blocks" sg_vpd --page=bl --inhex="$d/disk_vpdb0.hex"
expect "Maximum write same length: 0x10000 blocks" sg_vpd --page=bl --inhex="$d/disk_vpdb0.hex"
expect "Maximum unmap block descriptor count: 64" sg_vpd --page=bl --inhex="$d/disk_vpdb0.hex"
expect "Non-rotating medium" sg_vpd --page=bdc --inhex="$d/disk_vpdb1.hex"
expect "Provisioning type: 2 (thin provisioned)" sg_vpd --page=lbpv --inhex="$d/disk_vpdb2.hex"

expect "Maximum transfer length: 256 blocks" sg_vpd --page=bl --inhex="$d/disk_vpdb0_32segs.hex"
expect "Maximum compare and write length: 16 blocks" sg_vpd --page=bl --inhex="$d/disk_vpdb0.hex"

# Sense data, fixed and descriptor format (after MODE SELECT set D_SENSE)
expect "Fixed format, current; Sense key: Miscompare" sg_decode_sense -f "$d/sense_caw_fixed.hex"
expect "Info fld=0x12c [300]" sg_decode_sense -f "$d/sense_caw_fixed.hex"
expect "Descriptor format, current; Sense key: Miscompare" sg_decode_sense -f "$d/sense_caw_desc.hex"
expect "Information: 0x000000000000012c" sg_decode_sense -f "$d/sense_caw_desc.hex"
expect "Error in Command: byte 6 bit 7" sg_decode_sense -f "$d/sense_cdb_fixed.hex"
expect "Descriptor format, current; Sense key: Illegal Request" sg_decode_sense -f "$d/sense_cdb_desc.hex"
expect "Error in Command: byte 6 bit 7" sg_decode_sense -f "$d/sense_cdb_desc.hex"

# LOG SENSE pages and GET LBA STATUS of the thin disk (LBAs 16-23 written)
expect "0x0c        Logical block provisioning [lbp]" sg_logs --in="$d/disk_log00.hex"
expect "0x0d        Temperature [temp]" sg_logs --in="$d/disk_log00.hex"
expect "Used LBA mapping threshold resource count: 8" sg_logs --in="$d/disk_log0c.hex"
expect "Available LBA mapping threshold resource count: 2040" sg_logs --in="$d/disk_log0c.hex"
expect "Current temperature = 35 C" sg_logs --in="$d/disk_log0d.hex"
expect "[2] LBA: 0x0000000000000010  blocks:          8  mapped" sg_get_lba_status --maxlen=1024 --inhex="$d/disk_lbas.hex"
expect "[3] LBA: 0x0000000000000018  blocks:       2024  deallocated" sg_get_lba_status --maxlen=1024 --inhex="$d/disk_lbas.hex"

expect "Peripheral device type: tape" sg_inq --inhex="$d/tape_inq.hex"
expect "RMB=1" sg_inq --inhex="$d/tape_inq.hex"
expect "SSC-3 (no version claimed)" sg_inq -d --inhex="$d/tape_inq.hex"
expect "Device identification [di]" sg_vpd --page=sv --inhex="$d/tape_vpd00.hex"
expect "vendor specific: VSCSI TAPE" sg_vpd --page=di --inhex="$d/tape_vpd83.hex"

# The tape's log pages (sg_logs --in) and medium auxiliary memory (sg_read_attr --in).
if command -v sg_logs >/dev/null 2>&1 && command -v sg_read_attr >/dev/null 2>&1; then
    logs() { sg_logs --pdt=1 --in="$d/tape_log$1.hex"; }
    expect "0x0c        Sequential access device [sad]" logs 00
    expect "0x2e        Tape alert [ta]" logs 00
    expect "0x03        Read error [re]" logs 00
    expect "Total bytes processed = 12288" logs 02
    expect "Total uncorrected errors = 0" logs 02
    expect "Total bytes processed = 4096" logs 03
    expect "Native capacity from BOP to EW of current partition: 62 MB" logs 0c
    expect "Cleaning action not required" logs 0c
    expect "Cleaning required: 1" logs 2e
    expect "Write failure: 0" logs 2e
    attrs() { sg_read_attr --in="$d/tape_attr.hex"; }
    expect "Maximum capacity in partition [MiB]: 64" attrs
    expect "Load count: 1" attrs
    expect "Volume change reference: 0x1" attrs
    expect "at last load: VSCSIIF DRV0042" attrs
    expect "Medium serial number: VSMBC0042L6" attrs
    expect "Barcode: BC0042L6" attrs
    expect "Format density code: 0x58" attrs
    expect "Medium type: 0x0" attrs
else
    echo "sg_logs or sg_read_attr missing: log page and attribute decodes skipped"
fi

expect "Peripheral device type: medium changer" sg_inq --inhex="$d/changer_inq.hex"
expect "SMC-3 (no version claimed)" sg_inq -d --inhex="$d/changer_inq.hex"
expect "Unit serial number: VS" sg_vpd --page=sn --inhex="$d/changer_vpd80.hex"

if [ "$fails" -ne 0 ]; then
    echo "$fails check(s) failed"
    exit 1
fi
echo "all sg3_utils decodes match"
