#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Checks vscsi-bench JSON: structure, completeness, every response valid,
every ratio a finite positive number. Speed is never judged here.

  check_json.py FILE.json
  check_json.py --run path/to/vscsi-bench [--out FILE.json]   (runs --smoke --json first)
"""
import json
import math
import subprocess
import sys

IMPLS = ("ours", "raw", "spsc")
SEGS = {(0, False), (1, False), (26, False), (128, True), (1024, True)}
DEPTHS = {1, 4, 16}

errors = []


def err(msg):
    errors.append(msg)


def finite_pos(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and v > 0


def finite_nonneg(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and v >= 0


def check_stat(where, s):
    if not isinstance(s, dict) or set(s) != {"median", "min", "max"}:
        err(f"{where}: not a {{median,min,max}} object: {s!r}")
        return
    for k in ("median", "min", "max"):
        if not finite_pos(s[k]):
            err(f"{where}.{k}: not a finite positive number: {s[k]!r}")
    if all(finite_pos(s[k]) for k in s) and not s["min"] <= s["median"] <= s["max"]:
        err(f"{where}: min <= median <= max does not hold: {s}")


def walk_ratios(where, node):
    """Every key starting with 'ratio' anywhere must hold finite positive numbers."""
    if isinstance(node, dict):
        for k, v in node.items():
            w = f"{where}.{k}"
            if k.startswith("ratio"):
                if isinstance(v, dict):
                    check_stat(w, v)
                elif not finite_pos(v):
                    err(f"{w}: ratio is not a finite positive number: {v!r}")
            else:
                walk_ratios(w, v)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            walk_ratios(f"{where}[{i}]", v)


def need(obj, where, keys):
    for k in keys:
        if k not in obj:
            err(f"{where}: missing '{k}'")
    return all(k in obj for k in keys)


def check(doc):
    if not need(doc, "top", ("schema", "env", "ring", "memcpy", "sim", "targets")):
        return
    if doc["schema"] != "vscsi-bench/1":
        err(f"schema: {doc['schema']!r}")
    env = doc["env"]
    if need(env, "env", ("cpu", "ncpus", "kernel", "compiler", "flags", "barrier_ours",
                         "barrier_raw", "mode", "reps")):
        for k in ("cpu", "compiler", "flags", "barrier_ours", "barrier_raw"):
            if not isinstance(env[k], str) or not env[k]:
                err(f"env.{k}: empty")
        if not isinstance(env["reps"], int) or env["reps"] < 1:
            err("env.reps: not a positive integer")

    seen = set()
    for i, c in enumerate(doc["ring"]):
        w = f"ring[{i}]"
        if not need(c, w, ("name", "threads", "depth", "segs", "indirect", "requests", "reps",
                           "impl", "ratio_ours_raw", "ratio_ours_spsc")):
            continue
        seen.add((c["threads"], c["depth"], c["segs"], c["indirect"], c.get("ringonly", False)))
        if not isinstance(c["requests"], int) or c["requests"] < 1:
            err(f"{w}.requests: {c['requests']!r}")
        for impl in IMPLS:
            r = c["impl"].get(impl)
            if r is None:
                err(f"{w}.impl: missing {impl}")
                continue
            wi = f"{w}.impl.{impl}"
            if need(r, wi, ("mreq_s", "ns_per_req", "req_notify_per_req", "rsp_notify_per_req",
                            "errors")):
                check_stat(f"{wi}.mreq_s", r["mreq_s"])
                if not finite_pos(r["ns_per_req"]):
                    err(f"{wi}.ns_per_req: {r['ns_per_req']!r}")
                for k in ("req_notify_per_req", "rsp_notify_per_req"):
                    if not finite_nonneg(r[k]) or r[k] > 1.0000001:
                        err(f"{wi}.{k}: not in [0, 1]: {r[k]!r}")
                if r["errors"] != 0:
                    err(f"{wi}: {r['errors']} responses failed validation")
        # Same protocol, same notification decisions: ours and raw must agree
        # closely (two-thread timing moves them a little).
        o, x = c["impl"].get("ours"), c["impl"].get("raw")
        if o and x and c["threads"] == 1:
            for k in ("req_notify_per_req", "rsp_notify_per_req"):
                if abs(o.get(k, 0) - x.get(k, 0)) > 1e-9:
                    err(f"{w}: one-thread {k} differs between ours and raw")
    threads = {t for (t, _, _, _, _) in seen} or {1}
    partial = bool(env.get("only"))  # --only: a chosen part of the matrix
    for t in ([] if partial else threads):
        for d in DEPTHS:
            for (n, ind) in SEGS:
                for ro in (True, False):
                    if (t, d, n, ind, ro) not in seen:
                        err(f"ring matrix: cell threads={t} depth={d} segs={n} indirect={ind} "
                            f"ringonly={ro} missing")
    if not doc["ring"] and not partial:
        err("ring: empty")

    for i, m in enumerate(doc["memcpy"]):
        if need(m, f"memcpy[{i}]", ("block", "reps", "mb_s")):
            check_stat(f"memcpy[{i}].mb_s", m["mb_s"])
    for i, s in enumerate(doc["sim"]):
        w = f"sim[{i}]"
        if not need(s, w, ("name", "kind", "drive", "threads", "commands", "reps", "mcmd_s",
                           "notify_per_cmd", "errors", "data_mode", "zero_copy")):
            continue
        if not isinstance(s["zero_copy"], bool):
            err(f"{w}.zero_copy: not a boolean")
        check_stat(f"{w}.mcmd_s", s["mcmd_s"])
        if s["kind"] != "null":
            if need(s, w, ("mb_s", "memcpy_mb_s", "ratio_memcpy")):
                check_stat(f"{w}.mb_s", s["mb_s"])
                if not finite_pos(s["memcpy_mb_s"]):
                    err(f"{w}.memcpy_mb_s: {s['memcpy_mb_s']!r}")
        if s["errors"] != 0:
            err(f"{w}: {s['errors']} commands came back wrong")
        if not finite_nonneg(s["notify_per_cmd"]):
            err(f"{w}.notify_per_cmd: {s['notify_per_cmd']!r}")
    for i, t in enumerate(doc["targets"]):
        if need(t, f"targets[{i}]", ("name", "want", "met")) and not isinstance(t["met"], bool):
            err(f"targets[{i}].met: not a boolean")
    walk_ratios("top", doc)


def main(argv):
    if len(argv) >= 3 and argv[1] == "--run":
        out = argv[argv.index("--out") + 1] if "--out" in argv else "smoke.json"
        proc = subprocess.run([argv[2], "--smoke", "--json", out], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
        sys.stdout.write(proc.stdout)
        if proc.returncode != 0:
            print(f"check_json: vscsi-bench exited with {proc.returncode}")
            return 1
        path = out
    elif len(argv) == 2:
        path = argv[1]
    else:
        print(__doc__)
        return 2
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        print(f"check_json: {path}: {e}")
        return 1
    check(doc)
    for e in errors:
        print(f"check_json: {e}")
    if errors:
        return 1
    print(f"check_json: {path}: OK ({len(doc['ring'])} ring cells, {len(doc['sim'])} sim figures)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
