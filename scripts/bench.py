#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Run the benchmark program under QEMU with -icount shift=0 -smp 1 and
print its BENCH lines as a table beside the targets; with --update, write
that table into docs/benchmarks.md (between the BENCH-TABLE markers).

  bench.py --kernel build/target/rvmach.elf [--init bench] [--update docs/benchmarks.md]
"""
import argparse
import re
import subprocess
import sys

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
}


def run(args):
    cmd = [args.qemu, "-machine", "virt", "-bios", "default", "-display", "none",
           "-serial", "stdio", "-monitor", "none", "-smp", "1", "-m", "256M",
           "-icount", "shift=0", "-kernel", args.kernel, "-append", f"init={args.init}"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout).stdout
    results = {}
    for line in out.splitlines():
        m = re.match(r"BENCH (\S+) (\d+)", line)
        if m:
            results[m.group(1)] = int(m.group(2))
    if "done" not in out.split("BENCH")[-1] and not re.search(r"BENCH done", out):
        print(out[-2000:], file=sys.stderr)
        sys.exit("bench.py: the benchmark did not finish")
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
    ap.add_argument("--init", default="bench")
    ap.add_argument("--timeout", type=int, default=600)
    ap.add_argument("--update", help="docs/benchmarks.md to rewrite the table of")
    args = ap.parse_args()
    results = {k: v for k, v in run(args).items() if k != "done"}
    text = table(results)
    print(text)
    if args.update:
        update(args.update, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
