#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Boot rvmach under QEMU and judge what it prints on the serial line.

The test passes when every --expect pattern has been seen, no line says
KERNEL PANIC (unless --panic is given, then one must), no line says
"TEST ... FAIL", and QEMU either powers off by itself or, with --halt,
the last expected pattern has been seen.  A timeout fails, and shows the
last lines printed.  The whole serial log is kept in --log.

Typing: --send PATTERN TEXT types TEXT on the serial line (QEMU's stdin)
once a line matching PATTERN has been seen, a character at a time with
--send-delay between them; the sends go in the order given, each waiting
for its own pattern.  TEXT takes Python escapes ("\\r", "\\x03", "\\x7f").
--count PATTERN N: exactly N lines must match PATTERN by the end.
"""
import argparse
import codecs
import os
import re
import selectors
import signal
import subprocess
import sys
import time

PANIC = re.compile(r"KERNEL PANIC")
FAIL = re.compile(r"^TEST (\S+) FAIL")
SUMMARY = re.compile(r"SELFTEST SUMMARY pass=(\d+) fail=(\d+)")


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--qemu", default="qemu-system-riscv64")
    ap.add_argument("--kernel", help="file for QEMU's -kernel")
    ap.add_argument("--smp", default="1")
    ap.add_argument("--mem", default="128M")
    ap.add_argument("--append", default="")
    ap.add_argument("--dtb", help="a device tree to boot with instead of QEMU's")
    ap.add_argument("--drive", action="append", default=[],
                    help="a raw disk image to attach as a virtio-blk device")
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("--expect", action="append", default=[],
                    help="a regular expression some line must match (in order)")
    ap.add_argument("--reject", action="append", default=[],
                    help="a regular expression no line may match")
    ap.add_argument("--panic", action="store_true",
                    help="the kernel is meant to panic; the test needs the report")
    ap.add_argument("--halt", action="store_true",
                    help="the kernel is meant to halt: stop once every pattern is seen")
    ap.add_argument("--send", nargs=2, action="append", default=[], metavar=("PATTERN", "TEXT"),
                    help="type TEXT (Python escapes) once a line matches PATTERN")
    ap.add_argument("--send-delay", type=float, default=0.02,
                    help="seconds between typed characters")
    ap.add_argument("--count", nargs=2, action="append", default=[], metavar=("PATTERN", "N"),
                    help="exactly N lines must match PATTERN")
    ap.add_argument("--log", help="where to write the serial log")
    ap.add_argument("extra", nargs="*", help="more QEMU arguments (after --)")
    return ap.parse_args()


def qemu_command(args):
    cmd = [args.qemu, "-machine", "virt", "-bios", "default", "-display", "none",
           "-serial", "stdio", "-monitor", "none", "-no-reboot",
           "-smp", args.smp, "-m", args.mem, "-kernel", args.kernel]
    if args.append:
        cmd += ["-append", args.append]
    if args.dtb:
        cmd += ["-dtb", args.dtb]
    for i, drive in enumerate(args.drive):
        cmd += ["-drive", f"file={drive},format=raw,if=none,id=hd{i}",
                "-device", f"virtio-blk-device,drive=hd{i}"]
    return cmd + args.extra


class Judge:
    """Reads lines and decides when the run is over and whether it passed."""

    def __init__(self, args):
        self.args = args
        self.expect = [re.compile(e) for e in args.expect]
        self.reject = [re.compile(r) for r in args.reject]
        self.next_expect = 0
        self.problems = []
        self.panic_at = None
        self.lines = []
        self.sends = [(re.compile(p), codecs.decode(t, "unicode_escape").encode("latin-1"))
                      for p, t in args.send]
        self.next_send = 0
        self.typing = b""           # bytes still to type
        self.counts = [(re.compile(p), int(n), [0]) for p, n in args.count]

    def feed(self, line):
        self.lines.append(line)
        if PANIC.search(line) and self.panic_at is None:
            self.panic_at = time.monotonic()
            if not self.args.panic:
                self.problems.append(f"kernel panic: {line}")
        m = FAIL.search(line)
        if m:
            self.problems.append(f"self-test failed: {line}")
        m = SUMMARY.search(line)
        if m and int(m.group(2)) != 0:
            self.problems.append(f"self-tests: {line}")
        for r in self.reject:
            if r.search(line):
                self.problems.append(f"line matches rejected /{r.pattern}/: {line}")
        if self.next_expect < len(self.expect) and self.expect[self.next_expect].search(line):
            self.next_expect += 1
        if self.next_send < len(self.sends) and self.sends[self.next_send][0].search(line):
            self.typing += self.sends[self.next_send][1]
            self.next_send += 1
        for r, _, seen in self.counts:
            if r.search(line):
                seen[0] += 1

    def count_problems(self):
        return [f"{seen[0]} lines match /{r.pattern}/, not {n}"
                for r, n, seen in self.counts if seen[0] != n]

    def all_seen(self):
        return self.next_expect == len(self.expect)

    def done(self):
        """True when there is no point in reading further."""
        if self.panic_at is not None:
            # Let the report (registers, backtrace) finish printing first.
            return time.monotonic() - self.panic_at > 1.0 and (self.all_seen() or not self.args.panic)
        return self.args.halt and self.all_seen()


def run(args):
    cmd = qemu_command(args)
    print("+ " + " ".join(cmd), flush=True)
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)
    judge = Judge(args)
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + args.timeout
    buf = b""
    log = open(args.log, "wb") if args.log else None
    timed_out = False
    next_key = 0.0
    while True:
        if judge.done():
            break
        now = time.monotonic()
        left = deadline - now
        if left <= 0:
            timed_out = True
            break
        if judge.typing and now >= next_key:
            type_one(proc, judge)
            next_key = now + args.send_delay
            continue
        wait = min(left, 0.2)
        if judge.typing:
            wait = max(0.0, min(wait, next_key - now))
        if not sel.select(timeout=wait):
            if proc.poll() is not None:
                break
            continue
        data = os.read(proc.stdout.fileno(), 65536)
        if not data:
            break
        if log:
            log.write(data)
            log.flush()
        buf += data
        while b"\n" in buf:
            raw, buf = buf.split(b"\n", 1)
            line = raw.decode("utf-8", "replace").rstrip("\r")
            print(line, flush=True)
            judge.feed(line)
    if buf:
        judge.feed(buf.decode("utf-8", "replace"))
    try:
        # QEMU closes the serial line a moment before it exits.
        proc.wait(timeout=0 if timed_out or judge.done() else 3)
    except subprocess.TimeoutExpired:
        pass
    exited = proc.poll() is not None
    if not exited:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    if log:
        log.close()
    return verdict(args, judge, timed_out, exited, proc.returncode)


def type_one(proc, judge):
    """Type the next character on QEMU's stdin."""
    try:
        proc.stdin.write(judge.typing[:1])
        proc.stdin.flush()
        judge.typing = judge.typing[1:]
    except (BrokenPipeError, OSError):
        judge.problems.append("could not type: QEMU's stdin is closed")
        judge.typing = b""


def verdict(args, judge, timed_out, exited, code):
    problems = list(judge.problems) + judge.count_problems()
    if args.panic and judge.panic_at is None:
        problems.append("the kernel was meant to panic and did not")
    if not judge.all_seen():
        missing = args.expect[judge.next_expect]
        problems.append(f"never saw a line matching /{missing}/")
    if judge.next_send < len(judge.sends):
        problems.append(f"never saw /{args.send[judge.next_send][0]}/ to type after")
    elif judge.typing:
        problems.append("the run ended before all the text was typed")
    if timed_out:
        problems.append(f"timed out after {args.timeout:.0f} s")
    elif exited and code not in (0, None) and not problems:
        problems.append(f"QEMU exited with status {code}")
    elif not exited and not args.halt and not args.panic and not problems:
        problems.append("QEMU did not power off")
    if problems:
        print("\nHARNESS FAIL:", file=sys.stderr)
        for p in problems:
            print("  " + p, file=sys.stderr)
        print("last lines:", file=sys.stderr)
        for line in judge.lines[-15:]:
            print("  | " + line, file=sys.stderr)
        return 1
    print("HARNESS PASS")
    return 0


if __name__ == "__main__":
    sys.exit(run(parse_args()))
