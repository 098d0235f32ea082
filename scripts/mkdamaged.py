#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Make damaged copies of a small ext2 image, for the fs server's tests.

  mkdamaged.py --src good.img --outdir DIR

writes DIR/damaged-KIND.img for each KIND:

  badmagic    the superblock's magic number cleared: the mount is refused
  badsize     the superblock claims more blocks than the disk has: refused
  inodes      an inode-table block (inodes of /etc and its files) filled
              with garbage: those files give errors, the rest works
  dirent      a directory record of /usr/share/doc/rvmach with rec_len 0
  blockptr    /home/student/hello.txt's first block pointer far outside
              the file system
  indirect    /big.bin's single-indirect block pointing at itself
  dirloop     /usr/share/doc/loop: a second name for /usr, so the tree
              has a cycle

The source image must hold those paths (userland/rootfs plus /big.bin, a
file big enough for an indirect block).  Locations are found with debugfs.
"""
import argparse
import os
import re
import shutil
import struct
import subprocess

SB = 1024   # the superblock's byte offset


def debugfs(img, cmd, write=False):
    args = ["debugfs"] + (["-w"] if write else []) + ["-R", cmd, img]
    r = subprocess.run(args, capture_output=True, text=True, check=True)
    return r.stdout + r.stderr


def block_size(img):
    with open(img, "rb") as f:
        f.seek(SB + 24)
        return 1024 << struct.unpack("<I", f.read(4))[0]


def inode_location(img, path):
    """(byte offset of the inode, inode size)."""
    out = debugfs(img, f"imap {path}")
    m = re.search(r"located at block (\d+), offset 0x([0-9a-f]+)", out)
    if not m:
        raise SystemExit(f"mkdamaged: imap {path}: {out}")
    with open(img, "rb") as f:
        f.seek(SB + 88)
        isize = struct.unpack("<H", f.read(2))[0]
    return int(m.group(1)) * block_size(img) + int(m.group(2), 16), isize


def file_block(img, path, logical):
    out = debugfs(img, f"bmap {path} {logical}")
    m = re.search(r"^(\d+)$", out, re.M)
    if not m:
        raise SystemExit(f"mkdamaged: bmap {path}: {out}")
    return int(m.group(1))


def poke(img, offset, data):
    with open(img, "r+b") as f:
        f.seek(offset)
        f.write(data)


def bad_magic(img):
    poke(img, SB + 56, b"\0\0")


def bad_size(img):
    with open(img, "rb") as f:
        f.seek(SB + 4)
        blocks = struct.unpack("<I", f.read(4))[0]
    poke(img, SB + 4, struct.pack("<I", blocks * 4))


def bad_inodes(img):
    off, _ = inode_location(img, "/etc/motd")
    bs = block_size(img)
    poke(img, off - off % bs, bytes([0xA5]) * bs)


def bad_dirent(img):
    blk = file_block(img, "/usr/share/doc/rvmach", 0)
    off = blk * block_size(img)
    # "." is 12 bytes, ".." follows; the third record is the first name.
    poke(img, off + 24 + 4, struct.pack("<H", 0))


def bad_blockptr(img):
    off, _ = inode_location(img, "/home/student/hello.txt")
    poke(img, off + 40, struct.pack("<I", 0x7FFFFFF0))     # i_block[0]


def bad_indirect(img):
    off, _ = inode_location(img, "/big.bin")
    ind = struct.unpack("<I", open(img, "rb").read()[off + 40 + 48:off + 40 + 52])[0]
    if ind == 0:
        raise SystemExit("mkdamaged: /big.bin has no indirect block")
    poke(img, ind * block_size(img), struct.pack("<I", ind))  # its first entry: itself


def dir_loop(img):
    debugfs(img, "ln /usr /usr/share/doc/loop", write=True)


KINDS = {
    "badmagic": bad_magic,
    "badsize": bad_size,
    "inodes": bad_inodes,
    "dirent": bad_dirent,
    "blockptr": bad_blockptr,
    "indirect": bad_indirect,
    "dirloop": dir_loop,
}


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--src", required=True)
    ap.add_argument("--outdir", required=True)
    args = ap.parse_args()
    os.makedirs(args.outdir, exist_ok=True)
    for kind, damage in KINDS.items():
        out = os.path.join(args.outdir, f"damaged-{kind}.img")
        tmp = out + ".tmp"
        shutil.copyfile(args.src, tmp)
        damage(tmp)
        os.replace(tmp, out)


if __name__ == "__main__":
    main()
