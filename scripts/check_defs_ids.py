#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Check that the message ids of the MIG interfaces do not overlap.

  check_defs_ids.py FILE.defs...

A subsystem with base B and n routines (routine, simpleroutine and skip
each take one id) sends requests with ids B .. B+n-1 and MIG's replies
with ids B+100 .. B+100+n-1.  Two subsystems must not share an id, with
one exception: `X_reply`, whose one-way messages are X's replies sent
late, must start at exactly X's base + 100.  Prints the table; exits 1
with the clashes named.
"""
import re
import sys


def read(path):
    text = open(path).read()
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r"//[^\n]*", " ", text)
    text = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    m = re.search(r"\bsubsystem\s+(?:KernelServer\s+|KernelUser\s+)*(\w+)\s+(\d+)\s*;", text)
    if not m:
        return None
    n = len(re.findall(r"(?:^|;|\s)(?:simpleroutine|routine|skip)\b", text))
    return m.group(1), int(m.group(2)), n


def main():
    subs = {}
    for path in sys.argv[1:]:
        r = read(path)
        if r:
            subs[r[0]] = (r[1], r[2], path)
    problems = []
    ranges = []
    for name, (base, n, path) in sorted(subs.items(), key=lambda kv: kv[1][0]):
        print(f"{base:5d}-{base + 199:5d}  {name:16s} {n:3d} ids  {path}")
        if n > 100:
            problems.append(f"{name}: {n} routines; replies (+100) would reach its own requests")
        if name.endswith("_reply") and name[:-6] in subs:
            want = subs[name[:-6]][0] + 100
            if base != want:
                problems.append(f"{name} starts at {base}, not at {name[:-6]}'s base + 100 = {want}")
            continue
        ranges.append((name, base, base + 200))
    for i, (a, lo_a, hi_a) in enumerate(ranges):
        for b, lo_b, hi_b in ranges[i + 1:]:
            if lo_a < hi_b and lo_b < hi_a:
                problems.append(f"{a} ({lo_a}-{hi_a - 1}) and {b} ({lo_b}-{hi_b - 1}) share ids")
    for p in problems:
        print("check_defs_ids:", p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
