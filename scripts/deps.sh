#!/bin/sh
# SPDX-License-Identifier: MIT
# Install what the build and the tests need (Debian/Ubuntu, through apt) and
# check the versions that matter.  Fast when everything is there already:
# `make qemu` and `make check` run it every time.
set -eu

missing=""
need_cmd() {    # need_cmd COMMAND PACKAGE
    command -v "$1" >/dev/null 2>&1 || missing="$missing $2"
}
need_file() {   # need_file PATH PACKAGE
    [ -e "$1" ] || missing="$missing $2"
}

need_cmd make make
need_cmd gcc gcc
need_cmd cmake cmake
need_cmd python3 python3
need_cmd riscv64-unknown-elf-gcc gcc-riscv64-unknown-elf
need_cmd qemu-system-riscv64 qemu-system-misc
need_file /usr/share/qemu/opensbi-riscv64-generic-fw_dynamic.bin opensbi
need_file /usr/lib/u-boot/qemu-riscv64_smode/uboot.elf u-boot-qemu
need_cmd dtc device-tree-compiler
need_file /usr/include/cmocka.h libcmocka-dev
need_cmd gdb-multiarch gdb-multiarch
need_file /usr/lib/picolibc/riscv64-unknown-elf/lib picolibc-riscv64-unknown-elf
need_cmd x86_64-gnu-mig mig-x86-64-gnu
need_cmd mke2fs e2fsprogs

if [ -n "$missing" ]; then
    echo "deps: installing:$missing"
    if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "deps: apt-get not found. On a system other than Debian or Ubuntu, install" >&2
        echo "      the equivalents of:$missing" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -q
    # shellcheck disable=SC2086
    $sudo apt-get install -y -q --no-install-recommends $missing
fi

# Versions that matter.
fail=0
gcc_major=$(riscv64-unknown-elf-gcc -dumpversion | cut -d. -f1)
if [ "$gcc_major" -lt 12 ]; then
    echo "deps: riscv64-unknown-elf-gcc $gcc_major is too old: the build needs 12 or newer" >&2
    echo "      (it names the zicsr/zifencei extensions in -march). Debian 12 / Ubuntu 23.04 have it." >&2
    fail=1
fi
qemu_ver=$(qemu-system-riscv64 --version | sed -n 's/.*version \([0-9]*\)\.\([0-9]*\).*/\1 \2/p')
set -- $qemu_ver
if [ "${1:-0}" -lt 7 ]; then
    echo "deps: QEMU ${1:-?}.${2:-?} is too old: the tests need qemu-system-riscv64 7.0 or newer" >&2
    echo "      (SBI HSM for several harts, the virt machine's device tree as QEMU 7 builds it)." >&2
    fail=1
fi
cmake_ver=$(cmake --version | sed -n 's/cmake version \([0-9]*\)\.\([0-9]*\).*/\1 \2/p')
set -- $cmake_ver
if [ "${1:-0}" -lt 3 ] || { [ "${1:-0}" -eq 3 ] && [ "${2:-0}" -lt 20 ]; }; then
    echo "deps: CMake ${1:-?}.${2:-?} is too old: the build needs 3.20 or newer" >&2
    fail=1
fi
exit $fail
