#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Make an ext2 disk image for rvmach's fs server from directories and files.

  mkrootfs.py --out disk.img [--size-mib 32] [--block-size 1024]
              [--tree DIR]... [--file DEST=SRC]... [--pattern DEST=MIB]...

Every --tree is copied into the image's root (later ones win), every
--file puts SRC at DEST (e.g. bin/sh=build/sh), every --pattern makes
DEST a file of MIB mebibytes of pseudo-random bytes (the same bytes every
time, for benchmarks).  Then `mke2fs -t ext2 -d` builds the image from
that tree: no root privileges, no loop devices.  Files belong to root.
"""
import argparse
import os
import random
import shutil
import subprocess
import tempfile


def pattern_bytes(size, seed):
    """size bytes from a seeded generator: the same every time, incompressible."""
    return random.Random(seed).randbytes(size)


def place(root, dest, data=None, src=None):
    path = os.path.join(root, dest.lstrip("/"))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if src is not None:
        shutil.copyfile(src, path)
        os.chmod(path, 0o755 if os.access(src, os.X_OK) else 0o644)
    else:
        with open(path, "wb") as f:
            f.write(data)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--size-mib", type=int, default=32)
    ap.add_argument("--block-size", type=int, default=1024, choices=(1024, 2048, 4096))
    ap.add_argument("--tree", action="append", default=[])
    ap.add_argument("--file", action="append", default=[])
    ap.add_argument("--pattern", action="append", default=[])
    ap.add_argument("--label", default="rvmach")
    ap.add_argument("--mke2fs", default=shutil.which("mke2fs") or "/sbin/mke2fs")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as root:
        for tree in args.tree:
            shutil.copytree(tree, root, dirs_exist_ok=True)
        for spec in args.file:
            dest, src = spec.split("=", 1)
            place(root, dest, src=src)
        for spec in args.pattern:
            dest, mib = spec.split("=", 1)
            place(root, dest, data=pattern_bytes(int(mib) << 20, dest))
        tmp = args.out + ".tmp"
        with open(tmp, "wb") as f:
            f.truncate(args.size_mib << 20)
        subprocess.run([args.mke2fs, "-q", "-F", "-t", "ext2", "-b", str(args.block_size),
                        "-L", args.label, "-E", "root_owner=0:0", "-d", root, tmp],
                       check=True)
        os.replace(tmp, args.out)


if __name__ == "__main__":
    main()
