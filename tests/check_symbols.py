#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""What a library exports is its ABI; check it against what the tree says.

  check_symbols.py shared LIB.so MAP HEADER...
      every defined dynamic symbol carries a version node of MAP and matches
      one of that node's global patterns; every literal name MAP lists is
      exported; and the exported names are exactly the functions the public
      headers of that library (HEADER: files, or directories walked) declare
      VSCSI_API or define VSCSI_INLINE (no helper leaks out, no public
      function is missing).
  check_symbols.py prefix LIB.a PREFIX
      every global symbol an archive defines starts with PREFIX (static
      linking has no version script: internal names must be prefixed).
  check_symbols.py absent PROGRAM LIB.a
      PROGRAM defines none of the global symbols LIB.a defines: it does not
      link that archive's code (vscsi-back and the simulator's hypervisor
      model). An archive that defines nothing is an error, not a pass.

Exit 0 when it holds, 1 with one line per offending symbol otherwise.
"""
import fnmatch
import os
import re
import subprocess
import sys


def nm(args):
    out = subprocess.run(["nm"] + args, check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        f = line.split()
        if len(f) == 3:
            yield f[1], f[2]


def parse_map(path):
    """{node: (globals, locals)} of a GNU ld version script."""
    text = re.sub(r"#[^\n]*|/\*.*?\*/", "", open(path).read(), flags=re.S)
    nodes = {}
    for node, body in re.findall(r"([A-Za-z0-9_.]+)\s*\{(.*?)\}[^;]*;", text, flags=re.S):
        glob, loc, cur = [], [], None
        for tok in re.split(r"[\s;]+", body):
            if tok in ("global:", "local:"):
                cur = glob if tok == "global:" else loc
            elif tok:
                (glob if cur is None else cur).append(tok)
        nodes[node] = (glob, loc)
    return nodes


def header_api(paths):
    names = set()
    pat = re.compile(r"\bVSCSI_(?:API|INLINE)\b[^;{(]*?\b(vscsi_\w+)\s*\(", re.S)
    headers = []
    for path in paths:
        if os.path.isdir(path):
            for root, _, files in os.walk(path):
                headers += [os.path.join(root, f) for f in files if f.endswith(".h")]
        else:
            headers.append(path)
    for h in headers:
        text = re.sub(r"/\*.*?\*/|//[^\n]*", "", open(h).read(), flags=re.S)
        names.update(pat.findall(text))
    return names


def check_shared(lib, mapfile, headers):
    nodes = parse_map(mapfile)
    bad = []
    exported = set()
    for kind, sym in nm(["-D", "--defined-only", lib]):
        if kind == "A" and sym in nodes:
            continue  # the version node itself
        name, _, ver = sym.partition("@@") if "@@" in sym else sym.partition("@")
        if ver not in nodes:
            bad.append(f"{name}: version '{ver}' is not a node of {os.path.basename(mapfile)}")
            continue
        glob, _ = nodes[ver]
        if not any(fnmatch.fnmatchcase(name, g) for g in glob):
            bad.append(f"{name}: matches no global pattern of {ver}")
        exported.add(name)
    for node, (glob, _) in nodes.items():
        for g in glob:
            if not any(c in g for c in "*?[") and g not in exported:
                bad.append(f"{g}: listed in {node} but not exported")
    api = header_api(headers)
    for name in sorted(exported - api):
        bad.append(f"{name}: exported but not declared VSCSI_API/VSCSI_INLINE in a public header")
    for name in sorted(api - exported):
        bad.append(f"{name}: public in a header but not exported")
    return bad, len(exported)


def check_prefix(lib, prefix):
    bad, n = [], 0
    for kind, sym in nm(["-g", "--defined-only", lib]):
        n += 1
        if not sym.startswith(prefix):
            bad.append(f"{sym}: global ({kind}) without the {prefix} prefix")
    return sorted(set(bad)), n


def check_absent(prog, lib):
    theirs = {sym for kind, sym in nm(["-g", "--defined-only", lib]) if kind in "TDBRV"}
    if not theirs:
        return [f"{lib} defines no global symbols: nothing to check against"], 0
    ours = {sym for _, sym in nm(["--defined-only", prog])}
    return [f"{sym}: defined by {os.path.basename(lib)}" for sym in sorted(ours & theirs)], len(theirs)


def main(argv):
    if len(argv) >= 5 and argv[1] == "shared":
        bad, n = check_shared(argv[2], argv[3], argv[4:])
    elif len(argv) == 4 and argv[1] == "prefix":
        bad, n = check_prefix(argv[2], argv[3])
    elif len(argv) == 4 and argv[1] == "absent":
        bad, n = check_absent(argv[2], argv[3])
    else:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    for b in bad:
        print(f"check_symbols: {argv[2]}: {b}")
    if not bad:
        print(f"check_symbols: {argv[2]}: {n} symbols, ok")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
