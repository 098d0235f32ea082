#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Run a storage system test: disks in, QEMU (through harness.py), disks checked.

  storage_run.py --harness harness.py --workdir DIR --name NAME
                 [--disk IMAGE | --disk scratch:MIB]... [--fsck N]... [--filecheck N]
                 -- HARNESS-ARGUMENTS...

Each --disk is copied into DIR (a scratch disk is made of zeros) and
attached, in order, as a virtio-blk disk (the first is the blk server's
disk 0).  Once QEMU has powered off and the harness has passed:
  --fsck N       `e2fsck -fn` on disk N must find it clean;
  --filecheck N  every "FILECHECK path size crc32" line the test printed
                 is checked on disk N with `debugfs -R 'cat path'`.
The copies are kept in DIR for a look afterwards.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import zlib

FILECHECK = re.compile(r"^FILECHECK (\S+) (\d+) ([0-9a-f]{8})\s*$")


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--harness", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--name", required=True)
    ap.add_argument("--disk", action="append", default=[])
    ap.add_argument("--fsck", type=int, action="append", default=[])
    ap.add_argument("--filecheck", type=int, action="append", default=[])
    ap.add_argument("rest", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    if args.rest and args.rest[0] == "--":
        args.rest = args.rest[1:]
    return args


def prepare(args):
    os.makedirs(args.workdir, exist_ok=True)
    disks = []
    for i, spec in enumerate(args.disk):
        path = os.path.join(args.workdir, f"{args.name}.disk{i}.img")
        if spec.startswith("scratch:"):
            with open(path, "wb") as f:
                f.truncate(int(spec.split(":", 1)[1]) << 20)
        else:
            shutil.copyfile(spec, path)
        disks.append(path)
    return disks


def fsck(path):
    r = subprocess.run(["e2fsck", "-fn", path], capture_output=True, text=True)
    if r.returncode != 0:
        return [f"e2fsck -fn {path} exit {r.returncode}:\n{r.stdout}{r.stderr}"]
    print(f"e2fsck -fn {os.path.basename(path)}: clean")
    return []


def filechecks(path, log):
    problems, seen = [], 0
    for line in open(log, encoding="utf-8", errors="replace"):
        m = FILECHECK.match(line.strip())
        if not m:
            continue
        seen += 1
        name, size, crc = m.group(1), int(m.group(2)), int(m.group(3), 16)
        data = subprocess.run(["debugfs", "-R", f"cat {name}", path],
                              capture_output=True).stdout
        if len(data) != size or zlib.crc32(data) != crc:
            problems.append(f"debugfs cat {name}: {len(data)} bytes, crc {zlib.crc32(data):08x};"
                            f" the test saw {size} bytes, crc {crc:08x}")
        else:
            print(f"debugfs cat {name}: {size} bytes, crc {crc:08x}: as written")
    if seen == 0:
        problems.append("the test printed no FILECHECK line")
    return problems


def main():
    args = parse_args()
    disks = prepare(args)
    log = os.path.join(args.workdir, f"{args.name}.log")
    rest, extra = args.rest, []
    if "--" in rest:                    # QEMU's own arguments come last
        rest, extra = rest[:rest.index("--")], rest[rest.index("--"):]
    cmd = [sys.executable, args.harness] + rest + ["--log", log]
    for d in disks:
        cmd += ["--drive", d]
    cmd += extra
    if subprocess.run(cmd).returncode != 0:
        return 1
    problems = []
    for n in args.fsck:
        problems += fsck(disks[n])
    for n in args.filecheck:
        problems += filechecks(disks[n], log)
    if problems:
        print("\nSTORAGE CHECK FAIL:", file=sys.stderr)
        for p in problems:
            print("  " + p, file=sys.stderr)
        return 1
    print("STORAGE CHECK PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
