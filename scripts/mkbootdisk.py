#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Make a disk image that U-Boot's distro boot starts rvmach from.

One MBR partition (marked bootable) holding an ext2 file system with
/Image and /extlinux/extlinux.conf: the same layout a VisionFive 2 SD card
can use.  --text-offset rewrites the image header's text_offset, so booti
places the kernel somewhere other than RAM base + 2 MiB.

  mkbootdisk.py --image Image --out disk.img [--append ARGS] [--text-offset N]
"""
import argparse
import os
import shutil
import struct
import subprocess
import tempfile

SECTOR = 512
PART_START = 2048           # first partition at 1 MiB, as partitioning tools do
FS_SIZE_MB = 32


def patched_image(src, dst, text_offset):
    data = bytearray(open(src, "rb").read())
    magic2 = struct.unpack_from("<I", data, 56)[0]
    if magic2 != 0x05435352:
        raise SystemExit(f"{src}: not a RISC-V Image (magic2 {magic2:#x})")
    if text_offset is not None:
        struct.pack_into("<Q", data, 8, text_offset)
    open(dst, "wb").write(data)


def write_mbr(path, start, count):
    entry = struct.pack("<B3sB3sII", 0x80, b"\xfe\xff\xff", 0x83, b"\xfe\xff\xff",
                        start, count)
    with open(path, "r+b") as f:
        f.seek(446)
        f.write(entry + bytes(16 * 3))
        f.seek(510)
        f.write(b"\x55\xaa")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--image", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--append", default="")
    ap.add_argument("--text-offset", type=lambda s: int(s, 0))
    ap.add_argument("--mke2fs", default=shutil.which("mke2fs") or "/sbin/mke2fs")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as root:
        os.makedirs(os.path.join(root, "extlinux"))
        patched_image(args.image, os.path.join(root, "Image"), args.text_offset)
        with open(os.path.join(root, "extlinux", "extlinux.conf"), "w") as f:
            f.write("default rvmach\ntimeout 0\n\nlabel rvmach\n"
                    "    kernel /Image\n"
                    f"    append {args.append}\n")
        fs_bytes = FS_SIZE_MB << 20
        with open(args.out, "wb") as f:
            f.truncate(PART_START * SECTOR + fs_bytes)
        subprocess.run([args.mke2fs, "-q", "-F", "-t", "ext2", "-d", root,
                        "-E", f"offset={PART_START * SECTOR}", args.out,
                        f"{fs_bytes // 1024}k"], check=True)
    write_mbr(args.out, PART_START, fs_bytes // SECTOR)


if __name__ == "__main__":
    main()
