/* SPDX-License-Identifier: MIT */
/* The empty symbol table of the first link (see scripts/ksyms.py). */
    .section .rodata.ksyms, "a"
    .balign 8
    .globl ksyms_count, ksyms_addr, ksyms_name_off, ksyms_names
ksyms_count:
    .dword 0
ksyms_addr:
ksyms_name_off:
ksyms_names:
    .byte 0
