#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes the seed corpus of sim_replay (and vscsi-sim --replay examples):
one script per request kind and per hostile-frontend trick. Deterministic;
files are named by the sha1 of their content."""
import hashlib
import os
import struct
import sys

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "sim_replay")


def slot(rqid, act=1, cdb=b"", direction=3, segs=(), indirect=False, lun=(0, 0, 0), ref=0,
         cmd_len=None):
    cmd_len = len(cdb) if cmd_len is None else cmd_len
    b = struct.pack("<HBB", rqid, act, cmd_len) + cdb.ljust(16, b"\0")[:16]
    nr = len(segs) | (0x80 if indirect else 0)
    b += struct.pack("<HHHHHBB", 0, lun[0], lun[1], lun[2], ref, direction, nr)
    for gref, off, ln in segs:
        b += struct.pack("<IHH", gref, off, ln)
    b = b.ljust(252, b"\0")
    assert len(b) == 252
    return b"R" + b


def page(idx, off, data):
    return b"P" + struct.pack("<BHH", idx, off, len(data)) + data


def descs(entries):
    return b"".join(struct.pack("<IHH", g, o, l) for g, o, l in entries)


G = b"G"
INQ = bytes([0x12, 0, 0, 0, 96, 0])
TUR = bytes(6)
RC10 = bytes([0x25] + [0] * 9)
W10 = bytes([0x2A, 0, 0, 0, 0, 8, 0, 0, 2, 0])
R10_64 = bytes([0x28, 0, 0, 0, 0, 0, 0, 0, 64, 0])

seeds = {
    "inquiry": slot(1, cdb=INQ, direction=2, segs=[(0, 0, 96)]) + G,
    "tur_batch": b"".join(slot(i, cdb=TUR) for i in range(16)) + G,
    "readcap": slot(2, cdb=RC10, direction=2, segs=[(1, 0, 8)]) + G,
    "write_two_segs": page(2, 0, b"\xab" * 512) + page(3, 0, b"\xcd" * 512)
    + slot(3, cdb=W10, direction=1, segs=[(2, 0, 512), (3, 0, 512)]) + G,
    "read_indirect": page(10, 0, descs([(11 + i, 0, 4096) for i in range(8)]))
    + slot(4, cdb=R10_64, direction=2, segs=[(10, 0, 64)], indirect=True) + G,
    "abort_unknown": slot(5, act=2, ref=9) + G,
    "reset": slot(6, act=3) + G,
    "bad_act": slot(7, act=4, cdb=TUR) + G,
    "cmd_len_17": slot(8, cdb=TUR, cmd_len=17) + G,
    "no_lun": slot(9, cdb=TUR, lun=(0, 5, 0)) + G,
    "seg_past_page": slot(10, cdb=INQ, direction=2, segs=[(0, 4000, 200)]) + G,
    "lying_req_prod": slot(11, cdb=TUR) + b"X" + struct.pack("<I", 40),
    "spurious_events": b"E" * 8 + slot(12, cdb=TUR) + G,
    "close_in_flight": slot(13, cdb=TUR) + slot(14, cdb=INQ, direction=2, segs=[(0, 0, 96)]) + b"C",
    "dup_rqid": slot(15, cdb=TUR) + slot(15, cdb=TUR) + G,
    "bad_grant": slot(16, cdb=INQ, direction=2, segs=[(900, 0, 96)]) + G,
}

os.makedirs(OUT, exist_ok=True)
for name, data in sorted(seeds.items()):
    h = hashlib.sha1(data).hexdigest()
    with open(os.path.join(OUT, h), "wb") as f:
        f.write(data)
    if len(sys.argv) > 1:
        print(h, name)
