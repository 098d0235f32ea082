#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Run the benchmark programs under QEMU with -icount shift=0 -smp 1 and
print their BENCH lines as a table beside the targets; with --update, write
that table into docs/benchmarks.md (between the BENCH-TABLE markers).

  bench.py --kernel build/target/rvmach.elf [--disks build/target/disks]
           [--only core|storage] [--update docs/benchmarks.md]

Two boots: `init=bench` (the kernel and IPC figures), then bootstrap with
fsbench.conf on a scratch copy of bench.img (the console, blk and fs
figures).  Each BENCH line is already the median of several runs.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

# name: (target in guest instructions, what it measures)
TARGETS = {
    "null_trap": (150, "a trap that does nothing, round trip"),
    "thread_yield": (500, "yield between two threads of one task, per switch"),
    "task_switch": (None, "yield between threads of two tasks, per switch"),
    "zero_fill_fault": (2000, "fault on untouched anonymous memory, zeroing included"),
    "cow_fault": (2500, "write fault on a copy-on-write page, copy included"),
    "null_rpc": (1500, "RPC through MIG stubs to another task, one int each way"),
    "oneway_send_receive": (None, "send a small message to one's own port and receive it"),
    "inline_4k_rpc": (None, "RPC carrying 4 KiB inline"),
    "ool_1mib_transfer": (None, "1 MiB out of line: send, receive (mapped), deallocate"),
    "port_allocate_destroy": (None, "mach_port_allocate + mach_port_destroy (two RPCs)"),
    "fs_read_cold_per_KiB": (None, "read() of a 16 MiB file through fs, blocks not cached, per KiB"),
    "fs_read_cached_per_KiB": (None, "the same file read again from fs's block cache, per KiB"),
    "blk_read_per_KiB": (None, "raw blk_read of 64 KiB requests (out of line), per KiB"),
    "fs_create_write1k_close": (None, "open(O_CREAT) + write 1 KiB + close, per file"),
    "console_write_per_byte": (None, "write() of 80-byte lines through the uart server, per byte"),
}


def boot(args, append, extra=()):
    cmd = [args.qemu, "-machine", "virt", "-bios", "default", "-display", "none",
           "-serial", "stdio", "-monitor", "none", "-smp", "1", "-m", "256M",
           "-icount", "shift=0", "-kernel", args.kernel, "-append", append, *extra]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout,
                         stdin=subprocess.DEVNULL).stdout
    results = {}
    for line in out.splitlines():
        m = re.match(r"BENCH (\S+) (\d+)", line)
        if m:
            results[m.group(1)] = int(m.group(2))
    if not re.search(r"^BENCH done", out, re.M) or re.search(r"^TEST \S+ FAIL", out, re.M):
        print(out[-3000:], file=sys.stderr)
        sys.exit(f"bench.py: the benchmark ({append}) did not finish cleanly")
    return results


def run(args):
    results = {}
    if args.only in (None, "core"):
        results.update(boot(args, "init=bench"))
    if args.only in (None, "storage"):
        image = os.path.join(args.disks, "bench.img")
        if not os.path.exists(image):
            sys.exit(f"bench.py: {image} not built; run make first")
        with tempfile.TemporaryDirectory() as tmp:
            disk = os.path.join(tmp, "bench.img")
            shutil.copyfile(image, disk)
            results.update(boot(args, "init=bootstrap bootconf=fsbench.conf",
                                ["-drive", f"file={disk},format=raw,if=none,id=hd0",
                                 "-device", "virtio-blk-device,drive=hd0"]))
    return results


def table(results):
    rows = ["| benchmark | instructions | target | met | what it measures |",
            "| --- | ---: | ---: | --- | --- |"]
    for name, value in results.items():
        target, what = TARGETS.get(name, (None, ""))
        met = "—" if target is None else ("yes" if value <= target else "**no**")
        rows.append(f"| {name} | {value} | {target if target else '—'} | {met} | {what} |")
    return "\n".join(rows)


def update(path, text):
    doc = open(path).read()
    new = re.sub(r"(<!-- BENCH-TABLE -->\n).*?(\n<!-- /BENCH-TABLE -->)",
                 lambda m: m.group(1) + text + m.group(2), doc, flags=re.S)
    if new == doc and "<!-- BENCH-TABLE -->" not in doc:
        sys.exit(f"bench.py: no BENCH-TABLE markers in {path}")
    open(path, "w").write(new)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--qemu", default="qemu-system-riscv64")
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--disks", help="where bench.img is (default: disks/ beside the kernel)")
    ap.add_argument("--only", choices=["core", "storage"])
    ap.add_argument("--timeout", type=int, default=600)
    ap.add_argument("--update", help="docs/benchmarks.md to rewrite the table of")
    args = ap.parse_args()
    if args.disks is None:
        args.disks = os.path.join(os.path.dirname(args.kernel), "disks")
    results = run(args)
    text = table(results)
    print(text)
    if args.update:
        update(args.update, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
