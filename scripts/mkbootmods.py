#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Pack boot modules into a "newc" cpio archive, as `cpio -o -H newc` would.

  mkbootmods.py -o out.cpio FILE [NAME=FILE ...]

A bare FILE is stored under its base name; NAME=FILE stores FILE as NAME
(split at the first '=').  The output is deterministic: entries in argument
order, ino counting up from 1, mtime 0, uid/gid 0, nlink 1, mode 0100755 for
executables (files starting with the ELF magic or "#!") and 0100644 for the
rest.  Header fields are upper-case hex and the archive ends with a
TRAILER!!! entry padded with NULs to a multiple of 512 bytes, as GNU cpio
writes them: only ino and the device numbers differ from `cpio -o -H newc
-R 0:0` on the same files.  No cpio program is needed.
"""
import argparse
import os
import sys

MAGIC = b"070701"
TRAILER = "TRAILER!!!"
BLOCK = 512
MODE_EXEC = 0o100755
MODE_FILE = 0o100644


def pad4(n):
    return b"\0" * (-n % 4)


def entry(ino, mode, nlink, name, data):
    """One newc entry: header, name and its padding, data and its padding."""
    bname = name.encode() + b"\0"
    fields = [ino, mode, 0, 0, nlink, 0, len(data), 0, 0, 0, 0, len(bname), 0]
    head = MAGIC + b"".join(b"%08X" % f for f in fields) + bname
    return head + pad4(len(head)) + data + pad4(len(data))


def is_executable(data):
    return data.startswith(b"\x7fELF") or data.startswith(b"#!")


def parse_arg(arg):
    """NAME=FILE or FILE -> (name, path)."""
    if "=" in arg:
        name, path = arg.split("=", 1)
    else:
        name, path = os.path.basename(arg), arg
    if not name or name == TRAILER or name.startswith("/") or "\0" in name:
        raise SystemExit(f"mkbootmods: bad module name {name!r} in {arg!r}")
    return name, path


def archive(modules):
    """The archive bytes for [(name, data)]: entries, trailer, block padding."""
    out = bytearray()
    for ino, (name, data) in enumerate(modules, start=1):
        if len(data) >= 1 << 32:
            raise SystemExit(f"mkbootmods: {name}: too big for newc (4 GiB)")
        mode = MODE_EXEC if is_executable(data) else MODE_FILE
        out += entry(ino, mode, 1, name, data)
    out += entry(0, 0, 1, TRAILER, b"")
    out += b"\0" * (-len(out) % BLOCK)
    return bytes(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-o", "--output", required=True, help="archive to write")
    ap.add_argument("modules", nargs="*", metavar="[NAME=]FILE")
    args = ap.parse_args()

    modules, seen = [], set()
    for arg in args.modules:
        name, path = parse_arg(arg)
        if name in seen:
            raise SystemExit(f"mkbootmods: module name {name!r} given twice")
        seen.add(name)
        try:
            with open(path, "rb") as f:
                modules.append((name, f.read()))
        except OSError as e:
            raise SystemExit(f"mkbootmods: {path}: {e.strerror}")

    data = archive(modules)
    tmp = args.output + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, args.output)


if __name__ == "__main__":
    sys.exit(main())
