#!/bin/sh
# SPDX-License-Identifier: MIT
# Boot the kernel on QEMU virt with the root disk, into the shell.
# Quit QEMU with Ctrl-A then X (or type poweroff in the shell).
#   scripts/qemu.sh [--build DIR] [--smp N] [--mem SIZE] [--append ARGS]
#                   [--disk FILE] [--fresh-disk] [--no-disk] [--gdb]
# The disk the machine writes is a copy of the built image (DIR/disk.img),
# so what you create survives from one boot to the next; it is replaced
# when the build makes a newer image (new programs) or with --fresh-disk.
set -eu
build=build smp=4 mem=256M append="" gdb="" disk="" fresh=0 nodisk=0
while [ $# -gt 0 ]; do
    case "$1" in
    --build) build=$2; shift 2 ;;
    --smp) smp=$2; shift 2 ;;
    --mem) mem=$2; shift 2 ;;
    --append) append=$2; shift 2 ;;
    --disk) disk=$2; shift 2 ;;
    --fresh-disk) fresh=1; shift ;;
    --no-disk) nodisk=1; shift ;;
    --gdb) gdb="-S -gdb tcp::1234"; shift ;;
    *) echo "qemu.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
kernel=$build/target/rvmach.elf
[ -f "$kernel" ] || { echo "qemu.sh: $kernel not built; run make first" >&2; exit 1; }

drive=""
if [ "$nodisk" = 0 ]; then
    if [ -z "$disk" ]; then
        image=$build/target/disks/rootfs.img
        disk=$build/disk.img
        [ -f "$image" ] || { echo "qemu.sh: $image not built; run make first" >&2; exit 1; }
        if [ "$fresh" = 1 ] || [ ! -f "$disk" ] || [ "$image" -nt "$disk" ]; then
            cp "$image" "$disk"
            echo "qemu.sh: $disk is a fresh copy of $image"
        fi
    fi
    [ -f "$disk" ] || { echo "qemu.sh: no disk $disk" >&2; exit 1; }
    drive="-drive file=$disk,format=raw,if=none,id=hd0 -device virtio-blk-device,drive=hd0"
fi
if [ -n "$gdb" ]; then
    echo "QEMU is halted before the first instruction; in another terminal run: make gdb"
fi
# shellcheck disable=SC2086
exec qemu-system-riscv64 -machine virt -bios default -nographic \
    -smp "$smp" -m "$mem" -kernel "$kernel" -append "$append" $drive $gdb
