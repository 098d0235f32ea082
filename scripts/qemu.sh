#!/bin/sh
# SPDX-License-Identifier: MIT
# Boot the kernel on QEMU virt.  Quit QEMU with Ctrl-A then X.
#   scripts/qemu.sh [--build DIR] [--smp N] [--mem SIZE] [--append ARGS] [--gdb]
set -eu
build=build smp=4 mem=256M append="" gdb=""
while [ $# -gt 0 ]; do
    case "$1" in
    --build) build=$2; shift 2 ;;
    --smp) smp=$2; shift 2 ;;
    --mem) mem=$2; shift 2 ;;
    --append) append=$2; shift 2 ;;
    --gdb) gdb="-S -gdb tcp::1234"; shift ;;
    *) echo "qemu.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
kernel=$build/target/rvmach.elf
[ -f "$kernel" ] || { echo "qemu.sh: $kernel not built; run make first" >&2; exit 1; }
if [ -n "$gdb" ]; then
    echo "QEMU is halted before the first instruction; in another terminal run: make gdb"
fi
# shellcheck disable=SC2086
exec qemu-system-riscv64 -machine virt -bios default -nographic \
    -smp "$smp" -m "$mem" -kernel "$kernel" -append "$append" $gdb
