#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes the seed corpora (fuzz/corpus/<target>/<sha1>) and the generated
dictionaries (fuzz/<target>.dict) of the fuzz targets in this directory.

Deterministic: same script, same bytes. Run it after changing an input layout
(documented at the top of each <target>_fuzzer.c) and commit the result:

    python3 fuzz/gen_corpus.py            # rewrite everything
    python3 fuzz/gen_corpus.py --check    # exit 1 if the tree is out of date

Only files named by a 40-hex-digit sha1 in the corpus directories of the
targets below are managed; other files (and other targets' corpora, such as
devstr's) are left alone. Crash reproducers go to fuzz/regress/<target>/.
"""
import argparse
import hashlib
import os
import re
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SHA1_NAME = re.compile(r"^[0-9a-f]{40}$")

# ------------------------------------------------------------------ wire

ACT_CDB, ACT_ABORT, ACT_RESET, ACT_SG_PRESET = 1, 2, 3, 4
DIR_BIDI, DIR_TO_DEV, DIR_FROM_DEV, DIR_NONE = 0, 1, 2, 3
SG_GRANT = 0x80
PAGE = 4096


def seg(gref, offset, length):
    return struct.pack("<IHH", gref, offset, length)


def request(rqid=1, act=ACT_CDB, cdb=b"\x00" * 6, cmd_len=None, timeout=30, channel=0,
            target=0, lun=0, ref_rqid=0, direction=DIR_NONE, nr_segments=None, segs=()):
    """One 252-byte struct vscsi_request."""
    if cmd_len is None:
        cmd_len = len(cdb)
    if nr_segments is None:
        nr_segments = len(segs)
    body = struct.pack("<HBB16sHHHHHBB", rqid, act, cmd_len, bytes(cdb[:16]).ljust(16, b"\0"),
                       timeout, channel, target, lun, ref_rqid, direction, nr_segments)
    segbytes = b"".join(segs[:26]).ljust(26 * 8, b"\0")
    out = body + segbytes + b"\0" * 12
    assert len(out) == 252
    return out


def response(rqid=1, sense=b"", sense_len=None, rslt=0, residual=0):
    if sense_len is None:
        sense_len = len(sense)
    out = struct.pack("<HBB96siI", rqid, 0, sense_len, bytes(sense).ljust(96, b"\0"), rslt,
                      residual) + b"\0" * 144
    assert len(out) == 252
    return out


def fixed_sense(key, asc, ascq, extra=10):
    s = bytearray(8 + extra)
    s[0] = 0x70
    s[2] = key
    s[7] = extra
    if extra >= 6:
        s[12] = asc
        s[13] = ascq
    return bytes(s)


def rslt(host, status):
    return (host << 16) | status

# --------------------------------------------------------------- request


def req_input(slot, max_segs=0, flags=0, storage=0, fail_at=0, pages=()):
    """request_fuzzer layout; pages are byte patterns repeated to fill 4 KiB."""
    out = bytearray(slot)
    out += struct.pack("<HBHBB", max_segs, flags, storage, fail_at, len(pages))
    for pat in pages:
        out += struct.pack("<H", len(pat)) + pat
    return bytes(out)


def request_seeds():
    R10 = bytes([0x28, 0, 0, 0, 0, 0, 0, 0, 8, 0])
    W10 = bytes([0x2a, 0, 0, 0, 0, 0x10, 0, 0, 0x68, 0])
    R16 = bytes([0x88, 0] + [0] * 8 + [0, 0, 0, 8, 0, 0])
    INQ = bytes([0x12, 0, 0, 0, 0x60, 0])
    seeds = {
        "tur": req_input(request(cdb=bytes(6))),
        "inquiry": req_input(request(cdb=INQ, direction=DIR_FROM_DEV, segs=[seg(7, 0, 96)])),
        "read10_one_seg": req_input(request(cdb=R10, direction=DIR_FROM_DEV,
                                            segs=[seg(100, 0, 4096)])),
        "write10_26_segs": req_input(request(cdb=W10, direction=DIR_TO_DEV,
                                             segs=[seg(200 + i, 0, 4096) for i in range(26)])),
        "read16_unaligned": req_input(request(cdb=R16, direction=DIR_FROM_DEV,
                                              segs=[seg(1, 512, 3584), seg(2, 0, 512)])),
        "abort": req_input(request(rqid=5, act=ACT_ABORT, cdb=b"", ref_rqid=3)),
        "reset": req_input(request(rqid=6, act=ACT_RESET, cdb=b"", lun=3)),
        "bidi_allowed": req_input(request(cdb=bytes([0x89] + [0] * 15), direction=DIR_BIDI,
                                          segs=[seg(1, 0, 1024)]), flags=0x01),
        "zero_seg_allowed": req_input(request(cdb=R10, direction=DIR_FROM_DEV,
                                              segs=[seg(1, 0, 0), seg(2, 0, 512)]), flags=0x02),
        # indirect: one page with 8 descriptors
        "indirect_1page": req_input(
            request(cdb=R10, direction=DIR_FROM_DEV, nr_segments=SG_GRANT | 1,
                    segs=[seg(0, 0, 64)]),
            max_segs=1024, storage=1024, pages=[seg(0x1000, 0, 4096)]),
        # indirect: 26 full pages = 13312 segments, the protocol maximum
        "indirect_26pages_max": req_input(
            request(cdb=W10, direction=DIR_TO_DEV, nr_segments=SG_GRANT | 26,
                    segs=[seg(i, 0, 4096) for i in range(26)]),
            max_segs=13312, storage=13312, pages=[seg(0x2000, 0, 512)] * 26),
        # indirect: regions at offsets inside pages, two regions sharing a page
        "indirect_offsets": req_input(
            request(cdb=R10, direction=DIR_FROM_DEV, nr_segments=SG_GRANT | 3,
                    segs=[seg(0, 8, 16), seg(1, 4088, 8), seg(0, 2048, 2048)]),
            max_segs=2048, storage=2048,
            pages=[seg(9, 0, 4096), seg(9, 4095, 1)]),
        "indirect_0pages": req_input(
            request(cdb=R10, direction=DIR_FROM_DEV, nr_segments=SG_GRANT), max_segs=26,
            storage=26),
        # rejections, one per rule
        "rej_sg_preset": req_input(request(act=ACT_SG_PRESET)),
        "rej_cmd_len_17": req_input(request(cdb=bytes(16), cmd_len=17)),
        "rej_cmd_len_0": req_input(request(cdb=b"")),
        "rej_direction_4": req_input(request(direction=4)),
        "rej_bidi": req_input(request(direction=DIR_BIDI, segs=[seg(1, 0, 512)])),
        "rej_nr_segs_27": req_input(request(cdb=R10, direction=DIR_FROM_DEV, nr_segments=27)),
        "rej_seg_bounds": req_input(request(cdb=R10, direction=DIR_FROM_DEV,
                                            segs=[seg(1, 4000, 200)])),
        "rej_seg_offset_4096": req_input(request(cdb=R10, direction=DIR_FROM_DEV,
                                                 segs=[seg(1, 4096, 0)]), flags=0x02),
        "rej_seg_empty": req_input(request(cdb=R10, direction=DIR_FROM_DEV,
                                           segs=[seg(1, 0, 0)])),
        "rej_dir_mismatch": req_input(request(cdb=R10, direction=DIR_NONE,
                                              segs=[seg(1, 0, 512)])),
        "rej_indirect_unsupported": req_input(request(cdb=R10, direction=DIR_FROM_DEV,
                                                      nr_segments=SG_GRANT | 1,
                                                      segs=[seg(0, 0, 8)])),
        "rej_indirect_desc_len0": req_input(
            request(cdb=R10, direction=DIR_FROM_DEV, nr_segments=SG_GRANT | 1,
                    segs=[seg(0, 4096, 0)]), max_segs=512, storage=512, pages=[b""]),
        "rej_indirect_desc_unaligned": req_input(
            request(cdb=R10, direction=DIR_FROM_DEV, nr_segments=SG_GRANT | 1,
                    segs=[seg(0, 4, 8)]), max_segs=512, storage=512, pages=[b""]),
        "rej_too_many_segs": req_input(
            request(cdb=R10, direction=DIR_FROM_DEV, nr_segments=SG_GRANT | 2,
                    segs=[seg(0, 0, 4096), seg(0, 0, 8)]), max_segs=512, storage=4096,
            pages=[seg(1, 0, 512)]),
        "rej_storage_small": req_input(
            request(cdb=R10, direction=DIR_FROM_DEV, nr_segments=SG_GRANT | 1,
                    segs=[seg(0, 0, 4096)]), max_segs=4096, storage=100,
            pages=[seg(1, 0, 512)]),
        "rej_grant_unmapped": req_input(
            request(cdb=R10, direction=DIR_FROM_DEV, nr_segments=SG_GRANT | 1,
                    segs=[seg(77, 0, 8)]), max_segs=512, storage=512, pages=[seg(1, 0, 8)]),
        "rej_grant_no_accessor": req_input(
            request(cdb=R10, direction=DIR_FROM_DEV, nr_segments=SG_GRANT | 1,
                    segs=[seg(0, 0, 8)]), max_segs=512, flags=0x04, storage=512,
            pages=[seg(1, 0, 8)]),
        "rej_grant_fail_2nd": req_input(
            request(cdb=R10, direction=DIR_FROM_DEV, nr_segments=SG_GRANT | 2,
                    segs=[seg(0, 0, 8), seg(0, 8, 8)]), max_segs=512, flags=0x08, storage=512,
            fail_at=1, pages=[seg(1, 0, 8)]),
        "rej_indirect_data_bounds": req_input(
            request(cdb=R10, direction=DIR_FROM_DEV, nr_segments=SG_GRANT | 1,
                    segs=[seg(0, 0, 16)]), max_segs=512, storage=512,
            pages=[seg(1, 0, 512) + seg(2, 3000, 2000)]),
    }
    return seeds

# -------------------------------------------------------------- response


def rsp_input(slot, act=ACT_CDB, data_len=4096, host=0, status=0, offered=0, residual=0,
              success=1):
    return (slot + struct.pack("<BQ", act, data_len) +
            struct.pack("<BBBIB", host, status, offered, residual, success))


def response_seeds():
    ill = fixed_sense(0x05, 0x24, 0x00)
    return {
        "good": rsp_input(response()),
        "check_condition": rsp_input(response(sense=ill, rslt=rslt(0, 2)), status=2,
                                     offered=18),
        "residual": rsp_input(response(residual=1024), residual=1024),
        "no_connect": rsp_input(response(rslt=rslt(1, 0)), host=1),
        "busy_status": rsp_input(response(rslt=rslt(0, 0x08)), status=0x08),
        "abort_ok": rsp_input(response(rslt=0x2002), act=ACT_ABORT, success=1),
        "reset_failed": rsp_input(response(rslt=0x2003), act=ACT_RESET, success=0),
        "tmr_no_connect": rsp_input(response(rslt=rslt(1, 0)), act=ACT_RESET),
        "sense_96": rsp_input(response(sense=fixed_sense(0x03, 0x11, 0x00, extra=88),
                                       rslt=rslt(0, 2)), status=2, offered=200),
        # hostile backends
        "hostile_sense_len_200": rsp_input(response(sense_len=200, rslt=rslt(0, 2))),
        "hostile_residual": rsp_input(response(residual=0xffffffff), data_len=512),
        "hostile_driver_byte": rsp_input(response(rslt=0x08000000)),
        "hostile_msg_byte": rsp_input(response(rslt=0x00000100)),
        "hostile_host_21": rsp_input(response(rslt=rslt(21, 0)), host=21),
        "hostile_tmr_rslt": rsp_input(response(rslt=0x2001), act=ACT_ABORT),
        "bad_act": rsp_input(response(), act=9),
        "data_len_huge": rsp_input(response(residual=0xfffffff0), data_len=1 << 40,
                                   residual=0xfffffff0),
    }

# ------------------------------------------------------------------ ring

(F_PRODUCE, F_PUSH, B_CONSUME, B_RESPOND, B_PUSH, F_CONSUME, F_FINAL, B_FINAL,
 P_REQ_PROD, P_RSP_PROD, P_EVENT, P_SLOT, P_TORN) = range(13)


def ring_input(start, *steps):
    out = bytearray(struct.pack("<I", start))
    for s in steps:
        out += bytes(s) if isinstance(s, (bytes, bytearray, list, tuple)) else bytes([s])
    return bytes(out)


def round_trip(n, kinds=0, order=0):
    return [(F_PRODUCE, n, kinds), F_PUSH, (B_CONSUME, 255), (B_RESPOND, 255, order), B_PUSH,
            (F_CONSUME, 255)]


def flat(steps):
    out = []
    for s in steps:
        out.append(list(s) if isinstance(s, tuple) else [s])
    return [bytes(x) for x in out]


def ring_seeds():
    return {
        "one_request": ring_input(0, *flat(round_trip(1))),
        "full_ring": ring_input(0, *flat(round_trip(16))),
        "full_ring_out_of_order": ring_input(0, *flat(round_trip(16, 0x00, 5))),
        "tmrs": ring_input(0, *flat(round_trip(4, 0xff))),
        "wrap_2_32": ring_input(0xfffffff8, *flat(round_trip(10) + round_trip(16, 0x0f, 3))),
        "sleep_and_wake": ring_input(0, *flat([F_FINAL, B_FINAL, (F_PRODUCE, 3, 0), F_PUSH,
                                               (B_CONSUME, 2), B_FINAL, (B_CONSUME, 9),
                                               (B_RESPOND, 9, 1), F_FINAL, B_PUSH,
                                               (F_CONSUME, 9)])),
        "partial_steps": ring_input(7, *flat([(F_PRODUCE, 5, 0), F_PUSH, (F_PRODUCE, 5, 0),
                                              (B_CONSUME, 3), (B_RESPOND, 2, 0), B_PUSH,
                                              (F_CONSUME, 1), F_PUSH, (B_CONSUME, 9)])),
        # hostile peers
        "hostile_req_prod_jump": ring_input(0, *flat([(F_PRODUCE, 2, 0), F_PUSH,
                                                      (P_REQ_PROD, 1, 100, 0, 0, 0),
                                                      (B_CONSUME, 255), (B_CONSUME, 255)])),
        "hostile_req_prod_back": ring_input(0, *flat(round_trip(4) + [
            (P_REQ_PROD, 0, 0, 0, 0, 0), (B_CONSUME, 255)])),
        "hostile_rsp_prod_jump": ring_input(0, *flat([(F_PRODUCE, 2, 0), F_PUSH, (B_CONSUME, 9),
                                                      (P_RSP_PROD, 1, 17, 0, 0, 0),
                                                      (F_CONSUME, 255)])),
        "hostile_rsp_rqid": ring_input(0, *flat([(F_PRODUCE, 2, 0), F_PUSH, (B_CONSUME, 9),
                                                 (B_RESPOND, 9, 0), B_PUSH,
                                                 (P_SLOT, 0, 0, 2, 0xff, 0x7f),
                                                 (F_CONSUME, 255)])),
        "hostile_req_slot": ring_input(0, *flat([(F_PRODUCE, 1, 0), F_PUSH,
                                                 (P_SLOT, 0, 3, 1, 40), (B_CONSUME, 9),
                                                 (B_RESPOND, 9, 0), B_PUSH,
                                                 (F_CONSUME, 255)])),
        # nr_segments / sense_len rewritten between the reads of one take
        "hostile_torn_takes": ring_input(0, *flat([(F_PRODUCE, 2, 0), F_PUSH, (P_TORN, 0, 26),
                                                   (B_CONSUME, 1), (P_TORN, 0, 0x9a),
                                                   (B_CONSUME, 1), (B_RESPOND, 9, 0), B_PUSH,
                                                   (P_TORN, 1, 255), (F_CONSUME, 1),
                                                   (P_TORN, 1, 0), (F_CONSUME, 1)])),
        "hostile_events": ring_input(0, *flat([(P_EVENT, 0, 0, 0, 0, 0x80), (F_PRODUCE, 1, 0),
                                               F_PUSH, (P_EVENT, 1, 5, 0, 0, 0),
                                               (B_CONSUME, 1), (B_RESPOND, 1, 0), B_PUSH])),
    }

# ---------------------------------------------------------------- xenbus


def xb_input(value, maxsel=0, behaviour=0, join_len=3072, max_value=None):
    out = bytearray([maxsel])
    if maxsel == 4:
        out += struct.pack("<I", max_value)
    out += bytes([behaviour]) + struct.pack("<H", join_len)
    out += value if isinstance(value, bytes) else value.encode()
    return bytes(out)


def xenbus_seeds():
    return {
        "zero": xb_input("0"),
        "ring_ref": xb_input("8"),
        "max_u32": xb_input("4294967295"),
        "over_u32": xb_input("4294967296"),
        "huge": xb_input("99999999999999999999999"),
        "state_connected": xb_input("4", maxsel=1),
        "state_9": xb_input("9", maxsel=1),
        "u16_max": xb_input("65535", maxsel=2),
        "u16_over": xb_input("65536", maxsel=2),
        "max_zero": xb_input("1", maxsel=3),
        "max_custom": xb_input("1000", maxsel=4, max_value=1000),
        "leading_zero": xb_input("007"),
        "plus": xb_input("+1"),
        "minus": xb_input("-1"),
        "space": xb_input(" 1"),
        "trailing": xb_input("12 "),
        "hex": xb_input("0x10"),
        "empty": xb_input(""),
        "embedded_nul": xb_input(b"12\x003"),
        "nonprint": xb_input(b"1\x7f"),
        "long_255": xb_input("1" * 255),
        "long_256": xb_input("1" * 256),
        "enoent": xb_input("1", behaviour=6),
        "eacces": xb_input("1", behaviour=7),
        "join_tight": xb_input("device/vscsi/0", join_len=17),
        "join_short": xb_input("device/vscsi/0", join_len=16),
        "join_path_max": xb_input("a" * 3070, join_len=3999),
    }

# ------------------------------------------------------------------- cdb

KIND_DISK, KIND_TAPE, KIND_CHANGER = 0, 1, 2
C_TO, C_FROM, C_NONE = 0, 1, 2  # direction byte values: 1 + b % 3


def cmd(cdb, direction=C_NONE, buflen=0, lun=0, iovs=1, data=b""):
    """One cdb_fuzzer command."""
    cdb = bytes(cdb)
    n = len(cdb)
    assert 1 <= n <= 16 or n == 32
    out = bytearray([lun, 0 if n == 32 else n]) + cdb
    out += bytes([direction]) + struct.pack("<HB", buflen, iovs - 1)
    if direction == C_TO:
        out += struct.pack("<H", len(data)) + data
    return bytes(out)


def cdb_input(kind, flags, *cmds, fault=None, fault_text=None):
    out = bytearray([kind, flags])
    if fault is not None:
        out += fault
    if fault_text is not None:
        out += bytes([len(fault_text)]) + fault_text.encode()
    for c in cmds:
        out += c
    return bytes(out)


def be16(v):
    return list(struct.pack(">H", v))


def be32(v):
    return list(struct.pack(">I", v))


def be64(v):
    return list(struct.pack(">Q", v))


TUR = cmd([0x00, 0, 0, 0, 0, 0])
RS = cmd([0x03, 0, 0, 0, 252, 0], C_FROM, 252)


def inquiry(page=None, alloc=255):
    if page is None:
        return cmd([0x12, 0, 0] + be16(alloc) + [0], C_FROM, alloc)
    return cmd([0x12, 1, page] + be16(alloc) + [0], C_FROM, alloc)


def spc_cmds(kind):
    """(name, commands) for the SPC set every kind answers."""
    out = [
        ("tur", [TUR]),
        ("request_sense", [RS]),
        ("inquiry", [inquiry()]),
        ("inquiry_short_alloc", [inquiry(alloc=5)]),
        ("vpd_00", [inquiry(0x00)]),
        ("vpd_80", [inquiry(0x80)]),
        ("vpd_83", [inquiry(0x83)]),
        ("mode_sense6_all", [cmd([0x1a, 0, 0x3f, 0, 255, 0], C_FROM, 255)]),
        ("mode_sense6_changeable", [cmd([0x1a, 0, 0x7f, 0, 255, 0], C_FROM, 255)]),
        ("mode_sense10_all", [cmd([0x5a, 0, 0x3f, 0, 0, 0, 0] + be16(1024) + [0], C_FROM,
                                  1024)]),
        ("report_luns", [cmd([0xa0, 0, 0, 0, 0, 0] + be32(256) + [0, 0], C_FROM, 256)]),
        ("rsoc_all", [cmd([0xa3, 0x0c, 0, 0, 0, 0] + be32(4096) + [0, 0], C_FROM, 4096)]),
        ("rsoc_one", [cmd([0xa3, 0x0c, 0x01, 0x12, 0, 0] + be32(64) + [0, 0], C_FROM, 64)]),
        ("unknown_opcode", [cmd([0xff, 0, 0, 0, 0, 0])]),
        ("reserved_bits", [cmd([0x00, 0xff, 0, 0, 0, 0])]),
        ("short_cdb", [cmd([0x28, 0, 0])]),
        ("cdb32", [cmd([0x7f, 0, 0, 0, 0, 0, 0, 0x18, 0x00, 0x09] + [0] * 22, C_FROM, 512)]),
        ("reset_ua", [TUR, TUR]),
    ]
    if kind == KIND_DISK:
        for p in (0x08, 0x0a):
            out.append(("mode_sense6_page_%02x" % p, [cmd([0x1a, 0, p, 0, 255, 0], C_FROM, 255)]))
        # MODE SELECT(6) of the caching page as MODE SENSE reports it (WCE set)
        caching = bytes([0, 0, 0, 0, 0x08, 18, 0x04] + [0] * 17)
        out.append(("mode_select6_caching",
                    [cmd([0x15, 0x10, 0, 0, len(caching), 0], C_TO, len(caching),
                         data=caching)]))
    elif kind == KIND_TAPE:
        for p in (0x0f, 0x10):
            out.append(("mode_sense6_page_%02x" % p, [cmd([0x1a, 0, p, 0, 255, 0], C_FROM, 255)]))
        # block descriptor: density 0, fixed 512-byte blocks
        bd = bytes([0, 0, 0x10, 8, 0, 0, 0, 0, 0, 0, 2, 0])
        out.append(("mode_select6_blocksize",
                    [cmd([0x15, 0x10, 0, 0, len(bd), 0], C_TO, len(bd), data=bd)]))
    else:
        for p in (0x1d, 0x1f):
            out.append(("mode_sense6_page_%02x" % p, [cmd([0x1a, 0, p, 0, 255, 0], C_FROM, 255)]))
    out.append(("prevent_allow", [cmd([0x1e, 0, 0, 0, 1, 0]), cmd([0x1e, 0, 0, 0, 0, 0])]))
    return out


def disk_cmds():
    bs = 512
    w10 = cmd([0x2a, 0] + be32(8) + [0] + be16(2) + [0], C_TO, 2 * bs, iovs=3,
              data=bytes(range(256)))
    r10 = cmd([0x28, 0] + be32(8) + [0] + be16(2) + [0], C_FROM, 2 * bs, iovs=2)
    return [
        ("read6", [cmd([0x08, 0, 0, 1, 1, 0], C_FROM, bs)]),
        ("write6", [cmd([0x0a, 0, 0, 1, 1, 0], C_TO, bs, data=b"\xa5")]),
        ("write10_read10", [w10, r10]),
        ("read10_past_end", [cmd([0x28, 0] + be32(63) + [0] + be16(2) + [0], C_FROM, 2 * bs)]),
        ("read12", [cmd([0xa8, 0] + be32(0) + be32(4) + [0, 0], C_FROM, 4 * bs)]),
        ("write12", [cmd([0xaa, 0] + be32(4) + be32(1) + [0, 0], C_TO, bs, data=b"x")]),
        ("read16", [cmd([0x88, 0] + be64(60) + be32(4) + [0, 0], C_FROM, 4 * bs, iovs=4)]),
        ("write16", [cmd([0x8a, 0] + be64(1) + be32(1) + [0, 0], C_TO, bs, data=b"y")]),
        ("read_short_buffer", [cmd([0x28, 0] + be32(0) + [0] + be16(4) + [0], C_FROM, 100)]),
        ("write_short_data", [cmd([0x2a, 0] + be32(0) + [0] + be16(4) + [0], C_TO, 100,
                                  data=b"z")]),
        ("start_stop", [cmd([0x1b, 0, 0, 0, 0, 0]), TUR, cmd([0x1b, 0, 0, 0, 1, 0])]),
        ("readcap10", [cmd([0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0], C_FROM, 8)]),
        ("readcap16", [cmd([0x9e, 0x10] + [0] * 8 + be32(32) + [0, 0], C_FROM, 32)]),
        ("verify10", [cmd([0x2f, 0] + be32(0) + [0] + be16(8) + [0])]),
        ("verify10_bytchk", [cmd([0x2f, 0x02] + be32(0) + [0] + be16(1) + [0], C_TO, bs,
                                 data=b"\0")]),
        ("verify16", [cmd([0x8f, 0] + be64(0) + be32(8) + [0, 0])]),
        ("sync10", [cmd([0x35, 0] + [0] * 8)]),
        ("sync16", [cmd([0x91, 0] + [0] * 14)]),
        ("write_same10", [cmd([0x41, 0] + be32(0) + [0] + be16(8) + [0], C_TO, bs, data=b"w")]),
        ("write_same16", [cmd([0x93, 0] + be64(8) + be32(8) + [0, 0], C_TO, bs, data=b"v")]),
        ("write_same16_unmap", [cmd([0x93, 0x08] + be64(8) + be32(8) + [0, 0], C_TO, bs)]),
        ("unmap", [cmd([0x42, 0, 0, 0, 0, 0, 0] + be16(24) + [0], C_TO, 24,
                       data=bytes([0, 22, 0, 16, 0, 0, 0, 0] + be64(0) + be32(16) + [0] * 4))]),
        ("vpd_b0", [inquiry(0xb0)]),
        ("vpd_b1", [inquiry(0xb1)]),
        ("vpd_b2", [inquiry(0xb2)]),
    ]


def tape_cmds():
    rec = 512
    w_fixed = cmd([0x0a, 0x01, 0, 0, 2, 0], C_TO, 2 * rec, data=b"tape")
    w_var = cmd([0x0a, 0x00, 0, 0x01, 0x00, 0], C_TO, 256, data=b"var")
    rew = cmd([0x01, 0, 0, 0, 0, 0])
    return [
        ("rewind", [rew]),
        ("read_block_limits", [cmd([0x05, 0, 0, 0, 0, 0], C_FROM, 6)]),
        ("write_variable_read_back", [w_var, cmd([0x10, 0, 0, 0, 1, 0]), rew,
                                      cmd([0x08, 0x00, 0, 0x01, 0x00, 0], C_FROM, 256),
                                      cmd([0x08, 0x00, 0, 0x01, 0x00, 0], C_FROM, 256)]),
        ("read_ili", [w_var, rew, cmd([0x08, 0x02, 0, 0x02, 0x00, 0], C_FROM, 512)]),
        ("write_fixed_after_blocksize",
         [cmd([0x15, 0x10, 0, 0, 12, 0], C_TO, 12,
              data=bytes([0, 0, 0x10, 8, 0, 0, 0, 0, 0, 0, 2, 0])), w_fixed, rew,
          cmd([0x08, 0x01, 0, 0, 2, 0], C_FROM, 2 * rec)]),
        ("write_filemarks", [cmd([0x10, 0x01, 0, 0, 2, 0])]),
        ("space_blocks", [w_var, w_var, rew, cmd([0x11, 0x00, 0, 0, 1, 0])]),
        ("space_filemarks", [cmd([0x10, 0, 0, 0, 1, 0]), rew, cmd([0x11, 0x01, 0, 0, 1, 0])]),
        ("space_eod", [w_var, rew, cmd([0x11, 0x03, 0, 0, 0, 0])]),
        ("space_back", [w_var, w_var, cmd([0x11, 0x00, 0xff, 0xff, 0xff, 0])]),
        ("erase", [cmd([0x19, 0x01, 0, 0, 0, 0])]),
        ("load", [cmd([0x1b, 0, 0, 0, 0, 0]), cmd([0x1b, 0, 0, 0, 1, 0]), TUR]),
        ("unload_then_tur", [cmd([0x1b, 0, 0, 0, 0, 0]), TUR, RS]),
        ("locate10", [w_var, w_var, cmd([0x2b, 0, 0] + be32(1) + [0, 0, 0]),
                      cmd([0x34, 0, 0, 0, 0, 0, 0, 0, 0, 0], C_FROM, 20)]),
        ("read_position", [cmd([0x34, 0, 0, 0, 0, 0, 0, 0, 0, 0], C_FROM, 20)]),
        ("write_to_eom", [cmd([0x0a, 0x00, 0, 0xff, 0xff, 0], C_TO, 0xffff, data=b"e")] * 2),
        ("read_blank", [cmd([0x08, 0x00, 0, 0x01, 0x00, 0], C_FROM, 256)]),
        ("mode_sense_page0", [cmd([0x1a, 0, 0x00, 0, 12, 0], C_FROM, 12)]),
        ("read_position_forms", [w_var, cmd([0x10, 0, 0, 0, 1, 0])] +
         [cmd([0x34, sa, 0, 0, 0, 0, 0, 0, 32, 0], C_FROM, 32) for sa in (0, 1, 6, 8)]),
        ("locate16_space16", [w_var, cmd([0x10, 0, 0, 0, 1, 0]), w_var,
                              cmd([0x92, 0x08, 0, 0] + be64(1) + [0, 0, 0, 0]),
                              cmd([0x91, 0x00, 0, 0] + [0xff] * 8 + [0, 0, 0, 0]),
                              cmd([0x93, 0x01, 0, 0] + be64(1) + [0, 0, 0, 0])]),
        ("report_density", [cmd([0x44, m, 0, 0, 0, 0, 0, 1, 0, 0], C_FROM, 256)
                            for m in (0, 1, 2)]),
        ("log_sense", [cmd([0x4d, 0, 0x40 | pg, 0, 0, 0, 0, 2, 0, 0], C_FROM, 512)
                       for pg in (0x00, 0x02, 0x03, 0x0c, 0x2e)] +
         [cmd([0x4d, 0, 0x40, 0xff, 0, 0, 0, 2, 0, 0], C_FROM, 512),
          cmd([0x4c, 0x02, 0, 0, 0, 0, 0, 0, 0, 0])]),
        ("read_attribute", [cmd([0x8c, sa, 0, 0, 0, 0, 0, 0, 0, 0] + be32(2048) + [0, 0],
                                C_FROM, 2048) for sa in (0, 1, 2, 3, 5)]),
        ("write_attribute", [cmd([0x8d, 0, 0, 0, 0, 0, 0, 0, 0, 0] + be32(17) + [0, 0], C_TO, 17,
                                 data=bytes([0, 0, 0, 13, 0x08, 0x00, 0x01, 0, 8]) + b"FUZZAPP "),
                             cmd([0x8c, 0, 0, 0, 0, 0, 0, 0, 0x08, 0] + be32(512) + [0, 0],
                                 C_FROM, 512)]),
    ]


def changer_cmds():
    res = cmd([0xb8, 0x10, 0, 0] + be16(32) + [0x03] + [0, 0x10, 0x00] + [0, 0], C_FROM, 4096)
    move_in = cmd([0xa5, 0, 0, 0] + be16(0x1000) + be16(0x3000) + [0, 0, 0, 0])
    move_out = cmd([0xa5, 0, 0, 0] + be16(0x3000) + be16(0x1000) + [0, 0, 0, 0])
    return [
        ("init_element_status", [cmd([0x07, 0, 0, 0, 0, 0])]),
        ("read_element_status_all", [res]),
        ("read_element_status_storage",
         [cmd([0xb8, 0x12, 0x10, 0x00] + be16(4) + [0x01, 0, 0x04, 0x00, 0, 0], C_FROM, 1024)]),
        ("read_element_status_short_alloc",
         [cmd([0xb8, 0x10, 0, 0] + be16(32) + [0x00, 0, 0, 16, 0, 0], C_FROM, 16)]),
        ("move_medium_load_use_unload",
         [move_in, TUR, res, cmd([0x00] * 6, lun=1), cmd([0x03, 0, 0, 0, 252, 0], C_FROM, 252,
                                                         lun=1),
          cmd([0x0a, 0x00, 0, 0x01, 0x00, 0], C_TO, 256, lun=1, data=b"chg"),
          cmd([0x01, 0, 0, 0, 0, 0], lun=1), cmd([0x1b, 0, 0, 0, 0, 0], lun=1), move_out]),
        ("move_to_ie", [cmd([0xa5, 0, 0, 0] + be16(0x1001) + be16(0x2000) + [0, 0, 0, 0]), res]),
        ("move_bad_element", [cmd([0xa5, 0, 0, 0] + be16(0x1000) + be16(0x7777) + [0, 0, 0, 0])]),
        ("move_to_full", [cmd([0xa5, 0, 0, 0] + be16(0x1000) + be16(0x1001) + [0, 0, 0, 0])]),
        ("drive_inquiry", [cmd([0x12, 0, 0, 0, 96, 0], C_FROM, 96, lun=2)]),
        ("exchange", [cmd([0xa6, 0, 0, 0] + be16(0x1000) + be16(0x1001) + be16(0x1000) + [0, 0]),
                      res]),
        ("position_to_element", [cmd([0x2b, 0, 0, 0] + be16(0x1002) + [0, 0, 0, 0])]),
    ]


def cdb_seeds():
    seeds = {}
    kinds = ((KIND_DISK, "disk", 0), (KIND_TAPE, "tape", 0x04), (KIND_CHANGER, "changer", 0))
    for kind, kname, flags in kinds:
        for name, cmds in spc_cmds(kind):
            seeds["%s_%s" % (kname, name)] = cdb_input(kind, flags, *cmds)
    for name, cmds in disk_cmds():
        seeds["disk_" + name] = cdb_input(KIND_DISK, 0, *cmds)
    seeds["disk_4k_thin_unmap"] = cdb_input(KIND_DISK, 0x03, *dict(disk_cmds())["unmap"])
    seeds["disk_4k_readcap16"] = cdb_input(KIND_DISK, 0x01, *dict(disk_cmds())["readcap16"])
    for name, cmds in tape_cmds():
        seeds["tape_" + name] = cdb_input(KIND_TAPE, 0x04, *cmds)
    seeds["tape_unloaded_read"] = cdb_input(KIND_TAPE, 0x00, TUR,
                                            cmd([0x08, 0, 0, 1, 0, 0], C_FROM, 256))
    for name, cmds in changer_cmds():
        seeds["changer_" + name] = cdb_input(KIND_CHANGER, 0, *cmds)
    # LUN reset (power-on unit attention), and every fault kind
    seeds["disk_reset_ua"] = cdb_input(KIND_DISK, 0x08, inquiry(), TUR, TUR)
    for i, fk in enumerate(("none", "sense", "medium", "delay", "hang", "busy")):
        fault = bytes([i, 1, 1, 0x03, 0x11, 0x00, 8]) + struct.pack("<H", 2000)
        seeds["disk_fault_" + fk] = cdb_input(
            KIND_DISK, 0x10, TUR, cmd([0x28, 0] + be32(8) + [0] + be16(1) + [0], C_FROM, 512),
            fault=fault)
    for text in ("sense:nth=2,key=3,asc=0x11,ascq=0", "medium:lba=8", "delay:us=2000",
                 "hang:nth=2", "busy:nth=1"):
        seeds["disk_fault_text_" + text.split(":")[0]] = cdb_input(
            KIND_DISK, 0x20, TUR, cmd([0x28, 0] + be32(8) + [0] + be16(1) + [0], C_FROM, 512),
            fault_text=text)
    return seeds


# Every opcode of the SPC, SBC, SSC and SMC command tables, VPD and mode page codes.
CDB_OPCODES = {
    "TEST_UNIT_READY": 0x00, "REZERO_REWIND": 0x01, "REQUEST_SENSE": 0x03,
    "FORMAT": 0x04, "READ_BLOCK_LIMITS": 0x05, "INIT_ELEMENT_STATUS": 0x07, "READ6": 0x08,
    "WRITE6": 0x0a, "SEEK6_SET_CAPACITY": 0x0b, "WRITE_FILEMARKS": 0x10, "SPACE6": 0x11,
    "INQUIRY": 0x12, "VERIFY6": 0x13, "MODE_SELECT6": 0x15, "RESERVE6": 0x16,
    "RELEASE6": 0x17, "ERASE6": 0x19, "MODE_SENSE6": 0x1a, "START_STOP_LOAD": 0x1b,
    "RECEIVE_DIAG": 0x1c, "SEND_DIAG": 0x1d, "PREVENT_ALLOW": 0x1e, "READ_CAPACITY10": 0x25,
    "READ10": 0x28, "WRITE10": 0x2a, "SEEK10_LOCATE10": 0x2b, "WRITE_VERIFY10": 0x2e,
    "VERIFY10": 0x2f, "PREFETCH10_READ_POSITION": 0x34, "SYNC_CACHE10": 0x35,
    "READ_DEFECT10": 0x37, "WRITE_BUFFER": 0x3b, "READ_BUFFER": 0x3c, "WRITE_SAME10": 0x41,
    "UNMAP": 0x42, "REPORT_DENSITY": 0x44, "SANITIZE": 0x48, "LOG_SELECT": 0x4c,
    "LOG_SENSE": 0x4d, "MODE_SELECT10": 0x55, "RESERVE10": 0x56, "RELEASE10": 0x57,
    "MODE_SENSE10": 0x5a, "PR_IN": 0x5e, "PR_OUT": 0x5f, "VARIABLE_LENGTH": 0x7f,
    "ALLOW_OVERWRITE": 0x82, "EXTENDED_COPY": 0x83, "RECEIVE_COPY_RESULTS": 0x84,
    "READ16": 0x88, "COMPARE_AND_WRITE": 0x89, "WRITE16": 0x8a, "ORWRITE16": 0x8b,
    "READ_ATTRIBUTE": 0x8c, "WRITE_ATTRIBUTE": 0x8d, "WRITE_VERIFY16": 0x8e,
    "VERIFY16": 0x8f, "PREFETCH16": 0x90, "SYNC_CACHE16_SPACE16": 0x91, "LOCATE16": 0x92,
    "WRITE_SAME16": 0x93, "ZBC_OUT": 0x94, "ZBC_IN": 0x95, "WRITE_ATOMIC16": 0x9a,
    "SERVICE_ACTION_IN16": 0x9e, "SERVICE_ACTION_OUT16": 0x9f, "REPORT_LUNS": 0xa0,
    "SECURITY_PROTOCOL_IN": 0xa2, "MAINTENANCE_IN": 0xa3, "MAINTENANCE_OUT": 0xa4,
    "MOVE_MEDIUM": 0xa5, "EXCHANGE_MEDIUM": 0xa6, "READ12": 0xa8, "WRITE12": 0xaa,
    "READ_MEDIA_SERIAL": 0xab, "WRITE_VERIFY12": 0xae, "VERIFY12": 0xaf,
    "SECURITY_PROTOCOL_OUT": 0xb5, "READ_DEFECT12": 0xb7, "READ_ELEMENT_STATUS": 0xb8,
    "INIT_ELEMENT_STATUS_RANGE": 0xe7,
}
CDB_SERVICE_ACTIONS = {
    "READ_CAPACITY16": (0x9e, 0x10), "GET_LBA_STATUS": (0x9e, 0x12),
    "REPORT_TPG": (0xa3, 0x0a), "RSOC": (0xa3, 0x0c), "REPORT_TMF": (0xa3, 0x0d),
    "WRITE_SCATTERED16": (0x9f, 0x12),
}
VPD_PAGES = {"SUPPORTED": 0x00, "SERIAL": 0x80, "DEVID": 0x83, "MGMT_NET": 0x85,
             "EXT_INQUIRY": 0x86, "BLOCK_LIMITS": 0xb0, "BDC": 0xb1, "LBP": 0xb2,
             "REFERRALS": 0xb3, "SEQ_ACCESS": 0xb1, "TAPE_MFG": 0xb5}
MODE_PAGES = {"RW_ERROR": 0x01, "DISCONNECT": 0x02, "CACHING": 0x08, "CONTROL": 0x0a,
              "DATA_COMPRESSION": 0x0f, "DEVICE_CONFIG": 0x10, "MEDIUM_PARTITION": 0x11,
              "ELEMENT_ADDRESS": 0x1d, "TRANSPORT_GEOMETRY": 0x1e, "DEVICE_CAPS": 0x1f,
              "INFO_EXCEPTIONS": 0x1c, "ALL": 0x3f}
LOG_PAGES = {"SUPPORTED": 0x00, "WRITE_ERRORS": 0x02, "READ_ERRORS": 0x03,
             "TAPE_ALERT": 0x2e, "TAPE_CAPACITY": 0x31}


def esc(b):
    return '"' + "".join("\\x%02x" % x for x in b) + '"'


def cdb_dict():
    lines = ["# SPDX-License-Identifier: MIT",
             "# cdb_fuzzer dictionary, written by fuzz/gen_corpus.py: opcodes (SPC, SBC, SSC, SMC),",
             "# service actions, VPD / mode / log page codes, element addresses, sense bytes."]
    for name, op in sorted(CDB_OPCODES.items(), key=lambda kv: kv[1]):
        lines.append("op_%s=%s" % (name.lower(), esc([op])))
    for name, (op, sa) in sorted(CDB_SERVICE_ACTIONS.items()):
        lines.append("sa_%s=%s" % (name.lower(), esc([op, sa])))
    for name, pg in sorted(VPD_PAGES.items()):
        lines.append("vpd_%s=%s" % (name.lower(), esc([0x12, 0x01, pg])))
    for name, pg in sorted(MODE_PAGES.items()):
        lines.append("mode6_%s=%s" % (name.lower(), esc([0x1a, 0x00, pg])))
        lines.append("mode10_%s=%s" % (name.lower(), esc([0x5a, 0x00, pg])))
        lines.append("mpage_%s=%s" % (name.lower(), esc([pg])))
    for name, pg in sorted(LOG_PAGES.items()):
        lines.append("log_%s=%s" % (name.lower(), esc([0x4d, 0x00, 0x40 | pg])))
    for name, addr in (("mt", 0x0000), ("st0", 0x1000), ("st1", 0x1001), ("ie0", 0x2000),
                       ("dt0", 0x3000), ("dt1", 0x3001)):
        lines.append("elem_%s=%s" % (name, esc(list(struct.pack(">H", addr)))))
    for name, v in (("len_ff", [0xff]), ("len_ffff", [0xff, 0xff]),
                    ("lba_max32", [0xff] * 4), ("lba_max64", [0xff] * 8),
                    ("naca_link", [0x05])):
        lines.append("%s=%s" % (name, esc(v)))
    return "\n".join(lines) + "\n"


def xenbus_dict():
    lines = ["# SPDX-License-Identifier: MIT",
             "# xenbus_fuzzer dictionary, written by fuzz/gen_corpus.py."]
    for i, w in enumerate(("0", "4294967295", "4294967296", "18446744073709551616", "65535",
                           "65536", "8", "9", "+", "-", " ", "0x", "00")):
        lines.append('v%d="%s"' % (i, w))
    return "\n".join(lines) + "\n"


def request_dict():
    lines = ["# SPDX-License-Identifier: MIT",
             "# request_fuzzer dictionary, written by fuzz/gen_corpus.py: segment shapes."]
    for name, b in (("seg_full_page", seg(1, 0, 4096)), ("seg_last8", seg(1, 4088, 8)),
                    ("seg_off4096", seg(1, 4096, 0)), ("grant_26", [SG_GRANT | 26]),
                    ("grant_1", [SG_GRANT | 1]), ("max_segs_13312", struct.pack("<H", 13312)),
                    ("len_4096", struct.pack("<H", 4096)), ("len_8", struct.pack("<H", 8))):
        lines.append("%s=%s" % (name, esc(bytes(b))))
    return "\n".join(lines) + "\n"

# ----------------------------------------------------------------- main

TARGETS = {
    "request": request_seeds,
    "response": response_seeds,
    "ring": ring_seeds,
    "xenbus": xenbus_seeds,
    "cdb": cdb_seeds,
}
DICTS = {"cdb": cdb_dict, "xenbus": xenbus_dict, "request": request_dict}


def planned():
    files = {}
    for target, fn in TARGETS.items():
        d = os.path.join(HERE, "corpus", target)
        for _name, data in sorted(fn().items()):
            files[os.path.join(d, hashlib.sha1(data).hexdigest())] = data
    for target, fn in DICTS.items():
        files[os.path.join(HERE, target + ".dict")] = fn().encode()
    return files


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="only compare with the tree")
    args = ap.parse_args()
    files = planned()
    stale = []
    for target in TARGETS:
        d = os.path.join(HERE, "corpus", target)
        if os.path.isdir(d):
            for f in os.listdir(d):
                p = os.path.join(d, f)
                if SHA1_NAME.match(f) and p not in files:
                    stale.append(p)
    differ = [p for p, data in files.items()
              if not os.path.exists(p) or open(p, "rb").read() != data]
    if args.check:
        for p in differ + stale:
            print("out of date: " + os.path.relpath(p, HERE))
        return 1 if differ or stale else 0
    for p in stale:
        os.unlink(p)
    for p in differ:
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(files[p])
    counts = {t: sum(1 for p in files if os.sep + os.path.join("corpus", t) + os.sep in p)
              for t in TARGETS}
    print("seeds: " + ", ".join("%s %d" % kv for kv in counts.items()) +
          "; %d written, %d removed" % (len(differ), len(stale)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
