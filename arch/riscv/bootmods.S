/* SPDX-License-Identifier: MIT */
/* The boot-module archive (a newc cpio of user programs), built into the image. */
    .section .rodata.bootmods, "a"
    .balign 4096
    .globl  bootmods_start, bootmods_end
bootmods_start:
    .incbin BOOTMODS_PATH
bootmods_end:
    .balign 8
