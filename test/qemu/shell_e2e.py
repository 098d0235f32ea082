#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""End-to-end test of the shell: a user at the serial line, then the disk.

  shell_e2e.py --qemu QEMU --kernel ELF --disk ROOTFS.img --workdir DIR
               [--smp N] [--mem SIZE] [--timeout S] [--log FILE]

Boots the system as `make qemu` does (bootstrap runs boot.conf: uart, blk,
fs, sh) on a copy of the root disk, waits for the prompt and types commands
one character at a time, as a person would.  Each step prints
`TEST shell.<name> PASS|FAIL` (with what went wrong); the last steps power
off and check the disk with `e2fsck -fn` and `debugfs`.  The exit status is
0 only when every step passed.
"""
import argparse
import os
import queue
import re
import shutil
import subprocess
import sys
import threading
import time

# A prompt at the start of a line, with nothing after it yet.  (The line
# editor redraws "\rPROMPT line" when it recalls history; the carriage
# returns are dropped, so a redraw never starts a line.)
PROMPT = re.compile(r"\nrvmach:(\S*)\$ $")
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class Console:
    """The serial line: what QEMU printed, and a keyboard."""

    def __init__(self, argv, log):
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, bufsize=0)
        self.chunks = queue.Queue()
        self.text = ""          # everything since the last take()
        self.log = log
        threading.Thread(target=self._reader, daemon=True).start()

    def _reader(self):
        while True:
            data = self.proc.stdout.read(4096)
            if not data:
                self.chunks.put(None)
                return
            self.chunks.put(data.decode("utf-8", "replace"))

    def _pump(self, deadline):
        try:
            chunk = self.chunks.get(timeout=max(0.0, min(0.2, deadline - time.time())))
        except queue.Empty:
            return True
        if chunk is None:
            self.chunks.put(None)   # stays at end of file
            return False
        self.log.write(chunk)
        self.log.flush()
        self.text += chunk.replace("\r", "")
        return True

    def wait(self, pattern, timeout):
        """Read until pattern matches what came since the last take()."""
        deadline = time.time() + timeout
        rx = re.compile(pattern, re.M) if isinstance(pattern, str) else pattern
        while True:
            m = rx.search(self.text)
            if m:
                return m
            if time.time() > deadline or not self._pump(deadline):
                return None

    def take(self):
        out, self.text = self.text, ""
        return out

    def type(self, keys, delay=0.004):
        for ch in keys:
            self.proc.stdin.write(ch.encode("latin-1"))
            self.proc.stdin.flush()
            time.sleep(delay)

    def exited(self, timeout):
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


class Run:
    def __init__(self, con, timeout):
        self.con = con
        self.timeout = timeout
        self.failed = []

    def result(self, name, ok, why=""):
        print(f"TEST shell.{name} {'PASS' if ok else 'FAIL'}" + ("" if ok else f": {why}"),
              flush=True)
        if not ok:
            self.failed.append(name)
        return ok

    def cmd(self, line, keys=None):
        """Type a command line and return what it printed before the next prompt.

        keys: what to type instead of line (to exercise editing keys); line
        is what the shell should echo in the end.  Returns None (and leaves
        a FAIL to the caller) when no prompt comes back.
        """
        self.con.take()
        self.con.type((keys if keys is not None else line) + "\r")
        m = self.con.wait(PROMPT, self.timeout)
        if m is None:
            print(f"shell_e2e: no prompt after {line!r}; the screen says:\n{self.con.text[-800:]}",
                  file=sys.stderr)
            return None
        out = ANSI.sub("", self.con.take()[:m.start()] + "\n")
        # Drop the echo of the line itself (the first line of the output).
        nl = out.find("\n")
        return out[nl + 1:] if nl >= 0 else ""


def expect_lines(out, *patterns):
    """Every pattern must match some line of out; returns what is missing."""
    if out is None:
        return "no prompt came back"
    missing = [p for p in patterns if not re.search(p, out, re.M)]
    return "" if not missing else f"missing {missing} in {out!r}"


def shell_steps(r):
    c = r.cmd
    # --- files and directories -------------------------------------------------
    ok = True
    why = ""
    steps = [
        ("mkdir /lab", []),
        ("echo hello from the shell > /lab/a.txt", []),
        ("echo a second line >> /lab/a.txt", []),
        ("cat /lab/a.txt", [r"^hello from the shell$", r"^a second line$"]),
        ("ls /lab", [r"^a\.txt$"]),
        ("stat /lab/a.txt", [r"Size: 35 bytes"]),        # 21 + 14 bytes
        ("mv /lab/a.txt /lab/b.txt", []),
        ("ls /lab", [r"^b\.txt$"]),
        ("cat /lab/b.txt", [r"^a second line$"]),
        ("cp /lab/b.txt /lab/c.txt", []),
        ("rm /lab/b.txt", []),
        ("mkdir /lab/sub", []),
        ("echo inside > /lab/sub/x", []),
        ("ls -l /lab", [r"^d\S+\s.*\ssub$", r"^-\S+\s+1\s+35\s+c\.txt$"]),
        ("rm /lab/sub/x", []),
        ("rmdir /lab/sub", []),
        ("mkdir /keep", []),
        ("echo written by the shell end-to-end test > /keep/notes.txt", []),
        ("echo line two >> /keep/notes.txt", []),
    ]
    for line, pats in steps:
        out = c(line)
        problem = expect_lines(out, *pats)
        if not problem and out is not None and re.search(r"^\S+: ", out, re.M) and not pats:
            problem = f"unexpected error: {out.strip()!r}"
        if problem:
            ok, why = False, f"{line!r}: {problem}"
            break
    if ok:
        out = c("ls /lab")
        if out is None or re.search(r"^(a|b)\.txt$|^sub$", out, re.M) or "c.txt" not in out:
            ok, why = False, f"after rename and removes, ls /lab says {out!r}"
    if ok:
        out = c("cat /lab/b.txt")
        if out is None or not re.fullmatch(r"cat: /lab/b\.txt: [^\n]+\n", out):
            ok, why = False, f"cat of a removed file: {out!r}"
    r.result("files", ok, why)

    # --- a program from the disk ------------------------------------------------
    out = c("/bin/hello one two")
    problem = expect_lines(out, r"^hello from user mode: /bin/hello, 3 argument\(s\)$",
                           r"^host_info: success, \d+ harts")
    if not problem:
        out = c("hello")        # found on /bin by its bare name
        problem = expect_lines(out, r"^hello from user mode: \S*hello, 1 argument\(s\)$")
    r.result("run_program", not problem, problem)

    # --- ps, ports, vm, mem, uptime ----------------------------------------------
    out = c("ps")
    problem = expect_lines(out, r"^TASK\s+NAME", r"^\s+1\s+bootstrap\s+1\s", r"^\s+\d+\s+uart\s",
                           r"^\s+\d+\s+blk\s", r"^\s+\d+\s+fs\s", r"^\s+\d+\s+sh\s",
                           r"^\s+thread \d+\s+running")
    if not problem and re.search(r"^\s+\d+\s+hello\s", out, re.M):
        problem = "hello still listed after it ended"
    r.result("ps", not problem, problem)

    out = c("ports 1")
    problem = expect_lines(out, r"^NAME\s+RIGHTS", r"^0x\w+\s+send\(\d+\)\s+\d+\s+host-priv",
                           r"^0x\w+\s+receive", r"^(\d+) names$")
    if not problem:
        listed = len(re.findall(r"^0x[0-9a-f]+\s", out, re.M))
        total = int(re.search(r"^(\d+) names$", out, re.M).group(1))
        if listed != total or total < 4:
            problem = f"{listed} rows but '{total} names'"
    r.result("ports", not problem, problem)

    out = c("vm 1")
    problem = expect_lines(out, r"^START\s+END", r"^0x\w+\s+0x\w+\s+\d+ r-x/", r"entries, \d+ KiB mapped$")
    if not problem:
        rows = re.findall(r"^(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+(\d+) ", out, re.M)
        n = int(re.search(r"^(\d+) entries", out, re.M).group(1))
        prev_end = 0
        for s, e, kib in rows:
            s, e = int(s, 16), int(e, 16)
            if not (prev_end <= s < e) or (e - s) // 1024 != int(kib):
                problem = f"entry {s:#x}-{e:#x} ({kib} KiB) out of order or wrong size"
                break
            prev_end = e
        if not problem and len(rows) != n:
            problem = f"{len(rows)} rows but '{n} entries'"
    r.result("vm", not problem, problem)

    out = c("mem")
    problem = expect_lines(out, r"^pages: (\d+) total, (\d+) used, (\d+) free", r"^ZONE\s+SIZE",
                           r"^ipc_port\s+\d+\s+\d+", r"^task\s+\d+\s+[1-9]")
    if not problem:
        t, u, f = map(int, re.search(r"^pages: (\d+) total, (\d+) used, (\d+) free", out, re.M).groups())
        if t != u + f or f == 0 or u == 0:
            problem = f"pages: {t} total != {u} used + {f} free"
    r.result("mem", not problem, problem)

    out = c("uptime")
    problem = expect_lines(out, r"^up \d+:\d\d:\d\d\.\d{3}, \d+ harts?, \d+ tasks, \d+ threads$")
    r.result("uptime", not problem, problem)

    # --- line editing and history -------------------------------------------------
    out = c("echo abcd", keys="echo abcX\x7fd")                 # backspace
    problem = expect_lines(out, r"^abcd$")
    if not problem:
        # Left twice: the cursor before "12"; insert "xy"; Right, End.
        out = c("echo xy12", keys="echo 12\x1b[D\x1b[Dxy\x1b[C\x1b[F")
        problem = expect_lines(out, r"^xy12$")
    if not problem:
        c("echo history one")
        c("echo history two")
        out = c("echo history one", keys="\x1b[A\x1b[A")           # up, up: the older line
        problem = expect_lines(out, r"^history one$")
    if not problem:
        out = c("", keys="echo doomed\x15echo kept")               # Ctrl-U kills the line
        problem = expect_lines(out, r"^kept$")
        if not problem and "doomed" in out:
            problem = f"Ctrl-U left text: {out!r}"
    r.result("line_editing", not problem, problem)

    # --- Ctrl-C ends the foreground program --------------------------------------------
    r.con.take()
    r.con.type("spin\r")
    problem = ""
    if r.con.wait(r"^spin: spinning", r.timeout) is None:
        problem = "spin did not start"
    else:
        time.sleep(0.3)
        r.con.take()
        r.con.type("\x03")
        if r.con.wait(PROMPT, r.timeout) is None:
            problem = "no prompt after Ctrl-C"
        else:
            out = c("ps")
            if out is None or re.search(r"^\s+\d+\s+spin\s", out, re.M):
                problem = f"spin still running: {out!r}"
    r.result("ctrl_c", not problem, problem)

    # --- bad commands and arguments: one line each, prompt back ------------------------
    problem = ""
    for line, rx in [("frobnicate", r"frobnicate: "), ("ports 9999", r"ports: "),
                     ("vm nosuchtask", r"vm: "), ("kill", r"kill: |usage"),
                     ("cat /no/such/file", r"cat: "), ("rmdir /etc", r"rmdir: "),
                     ("echo x > /no/such/dir/f", r"\S+: "), ("ls -z", r"ls: "),
                     ("/bin/README", r"\S+: "), ("/README", r"\S+: ")]:
        out = c(line)
        if out is None:
            problem = f"{line!r}: no prompt came back"
            break
        lines = [x for x in out.split("\n") if x.strip()]
        if len(lines) != 1 or not re.search(rx, lines[0]):
            problem = f"{line!r} printed {out!r}, not one error line"
            break
    r.result("errors", not problem, problem)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--qemu", default="qemu-system-riscv64")
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--disk", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--smp", default="4")
    ap.add_argument("--mem", default="256M")
    ap.add_argument("--timeout", type=float, default=20.0, help="seconds for each step")
    ap.add_argument("--log")
    args = ap.parse_args()

    os.makedirs(args.workdir, exist_ok=True)
    disk = os.path.join(args.workdir, "shell_e2e.disk.img")
    shutil.copyfile(args.disk, disk)
    argv = [args.qemu, "-machine", "virt", "-bios", "default", "-nographic",
            "-smp", args.smp, "-m", args.mem, "-kernel", args.kernel,
            "-drive", f"file={disk},format=raw,if=none,id=hd0",
            "-device", "virtio-blk-device,drive=hd0"]
    log = open(args.log or os.path.join(args.workdir, "shell_e2e.log"), "w")
    con = Console(argv, log)
    r = Run(con, args.timeout)
    try:
        if not r.result("boot", con.wait(PROMPT, 60) is not None,
                        "no prompt within 60 s"):
            return 1
        shell_steps(r)

        # --- poweroff ends QEMU ------------------------------------------------------
        con.take()
        con.type("poweroff\r")
        code = con.exited(30)
        if code is None:
            con.kill()
        unmounted = con.wait(r"^fs: unmounted", 5) is not None
        r.result("poweroff", code == 0 and unmounted,
                 f"QEMU exit status {code}" if code != 0 else "fs did not unmount")
    finally:
        con.kill()
        log.close()

    # --- the disk afterwards -------------------------------------------------------------
    fsck = subprocess.run(["e2fsck", "-fn", disk], capture_output=True, text=True)
    r.result("e2fsck", fsck.returncode == 0, fsck.stdout[-600:])

    def debugfs(request):
        return subprocess.run(["debugfs", "-R", request, disk], capture_output=True,
                              text=True).stdout
    problem = ""
    notes = debugfs("cat /keep/notes.txt")
    if notes != "written by the shell end-to-end test\nline two\n":
        problem = f"/keep/notes.txt holds {notes!r}"
    elif debugfs("cat /lab/c.txt") != "hello from the shell\na second line\n":
        problem = f"/lab/c.txt holds {debugfs('cat /lab/c.txt')!r}"
    else:
        names = set(re.findall(r"\S+", debugfs("ls -p /lab").replace("/", " ")))
        for gone in ("a.txt", "b.txt", "sub"):
            if gone in names:
                problem = f"/lab still has {gone}"
    r.result("debugfs", not problem, problem)

    print(f"SHELL E2E SUMMARY fail={len(r.failed)}" + (f" ({' '.join(r.failed)})" if r.failed else ""))
    return 1 if r.failed else 0


if __name__ == "__main__":
    sys.exit(main())
