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



def delays(*d):
    """'D': completion delays of the next commands (255 = hang until ABORT/RESET/disconnect)."""
    d = list(d) + [0] * (16 - len(d))
    return b"D" + bytes(d[:16])


def tick(n):
    return b"T" + bytes([n])


MAP = b"K\x01"
POLL = b"K\x02"
HANG = 255
R10_1 = bytes([0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0])
W10_1 = bytes([0x2A, 0, 0, 0, 0, 3, 0, 0, 1, 0])


def read1(rqid, page_idx=20):
    return slot(rqid, cdb=R10_1, direction=2, segs=[(page_idx, 0, 512)])


def laps(n, first=0):
    out = b""
    for lap in range(n):
        out += b"".join(slot((first + lap * 16 + i) & 0xFFFF, cdb=TUR) for i in range(16)) + G
    return out


seeds.update({
    # Commands that stay in flight (the target holds them), and task management of live ones.
    "abort_live": delays(HANG) + slot(1, cdb=TUR) + G + slot(2, act=2, ref=1) + G,
    "abort_delayed_read": delays(40) + read1(1) + G + slot(2, act=2, ref=1) + G + tick(50),
    "abort_after_completion": delays(3) + read1(1) + G + tick(5) + slot(2, act=2, ref=1) + G,
    "abort_other_nexus": delays(HANG) + slot(1, cdb=TUR) + G + slot(2, act=2, ref=1, lun=(0, 0, 1))
    + G,
    "reset_live": delays(HANG, HANG, 30) + slot(1, cdb=TUR) + read1(2) + read1(3, 21) + G
    + slot(9, act=3) + G + tick(40),
    "reset_then_more": delays(HANG, HANG) + slot(1, cdb=TUR) + slot(2, cdb=TUR) + G
    + slot(3, act=3) + G + slot(1, cdb=TUR) + slot(2, cdb=INQ, direction=2, segs=[(0, 0, 96)]) + G,
    "dup_rqid_in_flight": delays(HANG) + slot(4, cdb=TUR) + G + slot(4, cdb=TUR) + G
    + slot(5, act=2, ref=4) + G,
    "close_with_hung": delays(HANG, HANG, HANG, HANG) + b"".join(read1(i, 20 + i) for i in range(4))
    + G + b"C",
    "disconnect_delayed": delays(60, 60, 60, 60) + b"".join(read1(i, 20 + i) for i in range(4)) + G,
    "delays_out_of_order": delays(*range(16, 0, -1)) + b"".join(slot(i, cdb=TUR) for i in range(16))
    + G + tick(8) + tick(8) + tick(1),
    "full_ring_held": delays(*([HANG] * 16)) + b"".join(slot(i, cdb=TUR) for i in range(16)) + G
    + b"".join(slot(100 + i, act=2, ref=i) for i in range(0)) + b"E",
    # Several laps of the 16-slot ring.
    "ring_laps": laps(6),
    "ring_laps_delayed": delays(*([2] * 16)) + laps(1) + tick(3) + laps(2, 16),
    # Map mode: the backend maps the data grants for the command's life.
    "map_inquiry": MAP + slot(1, cdb=INQ, direction=2, segs=[(0, 0, 96)]) + G,
    "map_write_two_segs": MAP + page(2, 0, b"\xab" * 512) + page(3, 0, b"\xcd" * 512)
    + slot(3, cdb=W10, direction=1, segs=[(2, 0, 512), (3, 0, 512)]) + G,
    "map_read_indirect": MAP + page(10, 0, descs([(11 + i, 0, 4096) for i in range(8)]))
    + slot(4, cdb=R10_64, direction=2, segs=[(10, 0, 64)], indirect=True) + G,
    "map_abort_live": MAP + delays(HANG) + read1(1) + G + slot(2, act=2, ref=1) + G,
    "map_close_with_hung": MAP + delays(HANG, HANG) + read1(1) + read1(2, 21) + G + b"C",
    "map_bad_grant": MAP + slot(16, cdb=INQ, direction=2, segs=[(900, 0, 96)]) + G,
    # Poll mode: no events at all, the backend polls the ring.
    "poll_mode": POLL + slot(1, cdb=INQ, direction=2, segs=[(0, 0, 96)]) + G + laps(2, 2),
    "poll_delayed": POLL + delays(2, HANG) + read1(1) + slot(2, cdb=TUR) + G + tick(3)
    + slot(3, act=2, ref=2) + G,
    "poll_op": slot(1, cdb=TUR) + b"X" + struct.pack("<I", 1) + b"Q"
    + b"".join(slot(2 + i, cdb=TUR) for i in range(16)) + G + b"Q",
    "write_then_read_back": page(5, 0, b"\x5a" * 512)
    + slot(1, cdb=W10_1, direction=1, segs=[(5, 0, 512)]) + G
    + slot(2, cdb=bytes([0x28, 0, 0, 0, 0, 3, 0, 0, 1, 0]), direction=2, segs=[(6, 0, 512)]) + G,
})

os.makedirs(OUT, exist_ok=True)
for name, data in sorted(seeds.items()):
    h = hashlib.sha1(data).hexdigest()
    with open(os.path.join(OUT, h), "wb") as f:
        f.write(data)
    if len(sys.argv) > 1:
        print(h, name)
