#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Reads scripts/mutants.txt for scripts/mutate.sh.

  mutants.py DEFS list [--quick]          one line per mutant: N<TAB>name<TAB>quick<TAB>file<TAB>what
  mutants.py DEFS select [--quick] SEL..  the numbers of the mutants named (by number or name)
  mutants.py DEFS file N                  the file mutant N changes
  mutants.py DEFS apply N ROOT            plants mutant N in ROOT/<file>; exit 3 if it no longer applies
  mutants.py DEFS cap-timeouts BUILD LOG MIN   caps test timeouts from a baseline ctest log
"""
import sys


def parse(path):
    mutants, cur, sub = [], None, None
    with open(path, encoding="utf-8") as fh:
        for lineno, raw in enumerate(fh, 1):
            line = raw.rstrip("\n")
            if line.startswith("#") or (not line.strip() and sub is None):
                continue
            if line.startswith("== "):
                words = line[3:].split()
                cur = {"name": words[0], "quick": "quick" in words[1:], "what": "", "file": "",
                       "subs": [], "line": lineno}
                mutants.append(cur)
                sub = None
                continue
            if cur is None:
                sys.exit(f"{path}:{lineno}: text before the first '== NAME'")
            if not line.strip():
                sub = None
            elif line.startswith("what: "):
                cur["what"] = line[6:]
            elif line.startswith("file: "):
                cur["file"] = line[6:]
            elif line[:1] in "-+" and (len(line) == 1 or line[1] == " "):
                text = line[2:]
                if line[0] == "-":
                    if sub is None or sub["new"] is not None:
                        sub = {"old": [], "new": None}
                        cur["subs"].append(sub)
                    sub["old"].append(text)
                else:
                    if sub is None:
                        sys.exit(f"{path}:{lineno}: '+' line without an anchor before it")
                    if sub["new"] is None:
                        sub["new"] = []
                    sub["new"].append(text)
            else:
                sys.exit(f"{path}:{lineno}: cannot read: {line!r}")
    names = set()
    for i, m in enumerate(mutants, 1):
        if not m["file"] or not m["subs"] or any(s["new"] is None for s in m["subs"]):
            sys.exit(f"{path}:{m['line']}: mutant {m['name']} needs file:, and '-' then '+' lines")
        if m["name"] in names:
            sys.exit(f"{path}:{m['line']}: mutant name {m['name']} used twice")
        names.add(m["name"])
        m["n"] = i
    return mutants


def select(mutants, quick, sels):
    if not sels:
        return [m for m in mutants if m["quick"] or not quick]
    out = []
    for s in sels:
        hit = [m for m in mutants if str(m["n"]) == s or m["name"] == s]
        if not hit:
            sys.exit(f"mutate: no mutant {s!r} (see --list)")
        out += [m for m in hit if m not in out]
    if quick:
        out = [m for m in out if m["quick"]]
    return out


def apply(m, root):
    path = f"{root}/{m['file']}"
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except OSError as e:
        print(f"mutant {m['n']} ({m['name']}) no longer applies: {e}", file=sys.stderr)
        return 3
    for s in m["subs"]:
        old, new = "\n".join(s["old"]), "\n".join(s["new"])
        count = text.count(old)
        if count != 1:
            print(f"mutant {m['n']} ({m['name']}) no longer applies: its anchor occurs {count} "
                  f"times in {m['file']} (want exactly 1):\n  {old}", file=sys.stderr)
            return 3
        text = text.replace(old, new)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
    return 0


def cap_timeouts(build, baseline_log, floor, factor=10):
    """Caps each test's TIMEOUT in build's generated CTestTestfile.cmake files at
    max(floor, factor * its time in the baseline run): a mutant that hangs a test is then
    caught in seconds, not after the suite's own 300 s, while a loaded machine still has
    room. Tests not in the baseline keep their timeout."""
    import os
    import re
    took = {}
    with open(baseline_log, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            hit = re.search(r"Test +#\d+: (\S+) \.+ +Passed +([0-9.]+) sec", line)
            if hit:
                took[hit.group(1)] = float(hit.group(2))
    prop = re.compile(r'(set_tests_properties\(\[=\[(.*?)\]=\] PROPERTIES .*?TIMEOUT ")([0-9.]+)(")')

    def cap(m):
        name, old = m.group(2), float(m.group(3))
        if name not in took:
            return m.group(0)
        new = min(old, max(floor, factor * took[name]))
        return f"{m.group(1)}{int(new)}{m.group(4)}"

    for root, _dirs, files in os.walk(build):
        if "CTestTestfile.cmake" in files:
            path = os.path.join(root, "CTestTestfile.cmake")
            with open(path, encoding="utf-8") as fh:
                text = fh.read()
            new = prop.sub(cap, text)
            if new != text:
                with open(path, "w", encoding="utf-8") as fh:
                    fh.write(new)
    return 0


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    mutants = parse(argv[1])
    cmd, args = argv[2], argv[3:]
    quick = "--quick" in args
    args = [a for a in args if a != "--quick"]
    if cmd == "list":
        for m in select(mutants, quick, []):
            print(f"{m['n']}\t{m['name']}\t{'quick' if m['quick'] else ''}\t{m['file']}\t{m['what']}")
    elif cmd == "select":
        print(" ".join(str(m["n"]) for m in select(mutants, quick, args)))
    elif cmd in ("file", "what", "name"):
        m = mutants[int(args[0]) - 1]
        print(m[cmd])
    elif cmd == "cap-timeouts":
        return cap_timeouts(args[0], args[1], float(args[2]))
    elif cmd == "apply":
        return apply(mutants[int(args[0]) - 1], args[1])
    else:
        sys.exit(__doc__)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
