#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes the seed corpora of the engine fuzzers front_engine and
xenbus_engines (input layouts at the top of fuzz/<name>_fuzzer.c).
Deterministic; files are named by the sha1 of their content, and every
sha1-named file of those two corpora that is not planned here is removed.

    python3 fuzz/gen_engine_corpus.py [--check] [--list]
"""
import hashlib
import os
import re
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SHA1_NAME = re.compile(r"^[0-9a-f]{40}$")

# ------------------------------------------------------------ front_engine
# Opcodes (mod 16) of fuzz/front_engine_fuzzer.c.
SUBMIT, TAKE, ANSWER, RAW, LIE, NOTIFY, BESTATE, NODE, TICK, TMR, POLL, ZBUF, CLOSE, BURST = (
    0, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)
TO_DEV, FROM_DEV, NONE = 0, 1, 2  # (kind >> 2) % 3
READ, WRITE, TUR, INQ = 0, 1, 2, 3


def submit(cmd=READ, d=FROM_DEV, length=4096, nexus=None, timeout=None, zero_copy_off=None):
    big = length > 16384
    assert not big or length % 4 == 0
    kind = cmd | (d << 2) | (0x30 if big else 0) | (0x40 if nexus else 0) | (
        0x80 if timeout is not None else 0)
    b = bytes([kind]) + struct.pack("<H", length // 4 if big else length)
    if nexus:
        b += bytes(nexus)
    if zero_copy_off is not None:
        b += struct.pack("<I", zero_copy_off)
    if timeout is not None:
        b += struct.pack("<H", timeout - 1)
    return (bytes([ZBUF, 0]) if zero_copy_off is not None else bytes([SUBMIT])) + b


def take(n=16):
    return bytes([TAKE, n - 1])


def answer(idx=0, host=0, check=False, sense=b"", sense_len=None, residual=None):
    how = (0x80 | host) if host else 0
    how |= 0x40 if check else 0
    how |= 0x20 if residual is not None else 0
    b = bytes([ANSWER, idx, how])
    if check:
        b += bytes([len(sense) if sense_len is None else sense_len]) + sense.ljust(96, b"\0")
    if residual is not None:
        b += struct.pack("<I", residual)
    return b


def answer_tmr(idx=0, ok=True):
    return bytes([ANSWER, idx, 1 if ok else 0])


def abort(rqid, lun=0):
    return bytes([TMR, 0, lun, rqid])


def reset(lun=0):
    return bytes([TMR, 1, lun])


def tick(ms):
    return bytes([TICK]) + struct.pack("<H", ms)


def zbuf_alloc(length):
    return bytes([ZBUF]) + struct.pack("<I", length - 1)


def burst(cmd=TUR, d=NONE, length=0):
    b = bytes([BURST])
    for _ in range(16):
        big = length > 16384
        b += bytes([cmd | (d << 2) | (0x30 if big else 0)]) + struct.pack(
            "<H", length // 4 if big else length)
    for _ in range(16):
        b += bytes([0, 0])  # answer taken[0]: GOOD
    return b


SENSE = bytes([0x70, 0, 3, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x11, 0])


def front_seeds():
    s = {}
    s["read_answered"] = b"\x02" + submit(READ, FROM_DEV, 8192) + take() + answer(residual=100)
    s["write_answered"] = b"\x02" + submit(WRITE, TO_DEV, 4096) + take() + answer()
    s["indirect_read"] = b"\x03" + submit(READ, FROM_DEV, 200 * 1024) + take() + answer()
    s["indirect_write_32"] = b"\x07" + submit(WRITE, TO_DEV, 120 * 1024) + take() + answer()
    s["too_big_no_sg"] = b"\x00" + submit(READ, FROM_DEV, 200 * 1024)
    s["check_condition"] = b"\x02" + submit(INQ, FROM_DEV, 96) + take() + answer(check=True,
                                                                                  sense=SENSE)
    s["sense_too_long"] = b"\x02" + submit(INQ, FROM_DEV, 96) + take() + answer(
        check=True, sense=SENSE, sense_len=119)
    s["residual_too_big"] = b"\x02" + submit(READ, FROM_DEV, 512) + take() + answer(
        residual=0xFFFFFFFF)
    s["host_error"] = b"\x02" + submit(READ, FROM_DEV, 512) + take() + answer(host=7)
    s["abort_live"] = (b"\x02" + submit(TUR, NONE, 0) + take() + abort(0) + take()
                       + answer_tmr(1) + answer(0, host=5))
    s["abort_failed"] = (b"\x02" + submit(TUR, NONE, 0) + take() + abort(0) + take()
                         + answer_tmr(1, ok=False) + answer(0))
    s["reset_live"] = (b"\x02" + submit(TUR, NONE, 0) + submit(READ, FROM_DEV, 4096)
                       + submit(WRITE, TO_DEV, 4096) + take() + reset() + take()
                       + answer_tmr(3) + answer(0, host=8) + answer(0, host=8) + answer(0, host=8))
    s["abort_unknown"] = b"\x02" + abort(7)
    s["poll_mode"] = (b"\x02" + submit(READ, FROM_DEV, 4096) + take() + answer() + bytes([POLL])
                      + submit(TUR, NONE, 0) + take() + answer() + bytes([POLL]))
    s["ring_laps"] = b"\x02" + burst() * 6
    s["ring_laps_data"] = b"\x03" + burst(READ, FROM_DEV, 6000) * 3 + burst(WRITE, TO_DEV, 70004)
    s["full_ring"] = b"\x02" + b"".join(submit(TUR, NONE, 0) for _ in range(17)) + take() + \
        b"".join(answer(0) for _ in range(16))
    s["zero_copy"] = (b"\x02" + zbuf_alloc(65536) + submit(READ, FROM_DEV, 16384, zero_copy_off=0)
                      + take() + answer() + bytes([ZBUF, 1]))
    s["zero_copy_unaligned"] = (b"\x03" + zbuf_alloc(65536)
                                + submit(WRITE, TO_DEV, 20000, zero_copy_off=100) + take()
                                + bytes([ZBUF, 1]) + answer())
    s["timeout_abort_reset"] = (b"\x02" + submit(READ, FROM_DEV, 4096, timeout=100) + take()
                                + tick(50) + tick(200) + tick(200) + take() + tick(30000)
                                + tick(30000) + take() + tick(30000))
    s["close_in_flight"] = (b"\x02" + submit(READ, FROM_DEV, 4096) + submit(TUR, NONE, 0) + take()
                            + bytes([CLOSE]))
    s["backend_closes"] = b"\x02" + submit(TUR, NONE, 0) + take() + bytes([BESTATE, 5])
    s["raw_response"] = (b"\x02" + submit(TUR, NONE, 0) + bytes([RAW]) + bytes(252) + b"\x01"
                         + bytes([LIE]) + struct.pack("<I", 40))
    s["bad_nexus"] = b"\x02" + submit(TUR, NONE, 0, nexus=(1, 2, 3))
    s["node_garbage"] = b"\x02" + bytes([NODE, 3, 3]) + b"9:9" + bytes([NODE, 3, 0]) + b"5\x00x"
    s["spurious"] = b"\x02" + bytes([NOTIFY]) * 4 + submit(TUR, NONE, 0) + bytes([NOTIFY])
    return s


# ---------------------------------------------------------- xenbus_engines
# See fuzz/xenbus_engines_fuzzer.c: a config byte, then steps of
# op (bit 0 front side, (op >> 1) % 8 the action), node index, operand.
XW, XRAW, XRM, XADD, XREM, XSETTLE, XIO, XCLOSE = range(8)
NODES = ["state", "online", "frontend", "frontend-id", "feature-sg-grant", "feature-host",
         "vscsi-devs/dev-0/state", "vscsi-devs/dev-0/p-dev", "vscsi-devs/dev-0/v-dev",
         "vscsi-devs/dev-1/state", "vscsi-devs/dev-1/p-dev", "vscsi-devs/dev-1/v-dev",
         "vscsi-devs", "ring-ref", "event-channel", "backend", "backend-id", "protocol"]
VALUES = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "-1", "04", "4 ", "", "x",
          "4294967296", "65535", "128", "13312", "0:0:0:0", "0:0:1:0", "1:2:3:4", "0:0:0:70000",
          "d0", "d1", "naa.0123456789abcdef:0", "/local/domain/0/backend/vscsi/1/0",
          "/local/domain/1/device/vscsi/0"]


def xstep(action, node="state", front=False, operand=b""):
    return bytes([(action << 1) | (1 if front else 0), NODES.index(node)]) + operand


def xwrite(node, value, front=False):
    return xstep(XW, node, front, bytes([VALUES.index(value)]))


def settle(n=200):
    return xstep(XSETTLE, operand=bytes([n - 1]))


def xenbus_seeds():
    s = {}
    CONNECTED, HANDSHAKE, MAP, NOIND = 1, 0, 2, 4
    s["connected_idle"] = bytes([CONNECTED]) + settle()
    s["mid_handshake"] = bytes([HANDSHAKE]) + settle(3) + settle()
    s["hot_add_remove"] = (bytes([CONNECTED]) + xstep(XADD, operand=b"\0") + settle()
                           + xstep(XIO, operand=b"\x05") + xstep(XREM, operand=b"\x01") + settle())
    s["hot_add_keep"] = (bytes([CONNECTED]) + xstep(XADD, operand=b"\0") + xstep(XADD, operand=b"\1")
                         + xstep(XIO, operand=b"\x03") + settle())
    s["hot_add_mid_handshake"] = bytes([HANDSHAKE]) + settle(50) + xstep(XADD, operand=b"\0") + settle()
    s["io_then_close"] = bytes([CONNECTED]) + xstep(XIO, operand=b"\x0f") + xstep(XCLOSE) + settle()
    s["io_map_mode"] = bytes([CONNECTED | MAP]) + xstep(XIO, operand=b"\x0f") + settle()
    s["no_indirect"] = bytes([CONNECTED | NOIND]) + xstep(XIO, operand=b"\x0f") + settle()
    s["front_closing"] = bytes([CONNECTED]) + xwrite("state", "5", front=True) + settle()
    s["back_closing"] = bytes([CONNECTED]) + xwrite("state", "5") + settle()
    s["offline_closing"] = bytes([CONNECTED]) + xwrite("online", "0") + xwrite("state", "5") + settle()
    s["bad_frontend_id"] = bytes([HANDSHAKE]) + xwrite("frontend-id", "x") + settle()
    s["ring_ref_garbage"] = (bytes([HANDSHAKE]) + xwrite("ring-ref", "4294967296", front=True)
                             + settle())
    s["lun_state_garbage"] = (bytes([CONNECTED]) + xwrite("vscsi-devs/dev-0/state", "9")
                              + xwrite("state", "7") + settle())
    s["vdev_garbage"] = (bytes([CONNECTED]) + xwrite("vscsi-devs/dev-1/v-dev", "0:0:0:70000")
                         + xwrite("vscsi-devs/dev-1/p-dev", "d1")
                         + xwrite("vscsi-devs/dev-1/state", "1") + xwrite("state", "7") + settle())
    s["rm_nodes"] = bytes([CONNECTED]) + xstep(XRM, "vscsi-devs") + xstep(XRM, "state") + settle()
    s["raw_bytes"] = (bytes([CONNECTED]) + xstep(XRAW, "feature-sg-grant", operand=b"\x04")
                      + b"12\x003" + settle())
    s["reconnect"] = (bytes([CONNECTED]) + xwrite("state", "1", front=True) + settle()
                      + xwrite("state", "3", front=True) + settle())
    return s


TARGETS = {"front_engine": front_seeds, "xenbus_engines": xenbus_seeds}


def planned():
    files = {}
    for target, fn in TARGETS.items():
        d = os.path.join(HERE, "corpus", target)
        for name, data in sorted(fn().items()):
            files[os.path.join(d, hashlib.sha1(data).hexdigest())] = (name, data)
    return files


def main():
    check = "--check" in sys.argv[1:]
    files = planned()
    stale = []
    for target in TARGETS:
        d = os.path.join(HERE, "corpus", target)
        for f in os.listdir(d) if os.path.isdir(d) else []:
            p = os.path.join(d, f)
            if SHA1_NAME.match(f) and p not in files:
                stale.append(p)
    differ = [p for p, (_, data) in files.items()
              if not os.path.exists(p) or open(p, "rb").read() != data]
    if "--list" in sys.argv[1:]:
        for p, (name, _) in sorted(files.items(), key=lambda kv: kv[1][0]):
            print(os.path.relpath(p, HERE), name)
    if check:
        for p in differ + stale:
            print("out of date: " + os.path.relpath(p, HERE))
        return 1 if differ or stale else 0
    for p in stale:
        os.unlink(p)
    for p in differ:
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(files[p][1])
    print("engine seeds: %d planned, %d written, %d removed" % (len(files), len(differ), len(stale)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
