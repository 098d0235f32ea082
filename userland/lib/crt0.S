/* SPDX-License-Identifier: MIT */
/*
 * Program entry.  The kernel (or whoever started us) set sp and put
 * argc in a0 and argv in a1; the first task also gets a2..a4 (see
 * kern/bootstrap.h).  Set gp for linker relaxation, then go to C.
 */
    .section .text.init, "ax"
    .globl  _start
_start:
    .option push
    .option norelax
    la      gp, __global_pointer$
    .option pop
    li      fp, 0
    li      ra, 0
    call    __rvmach_start
1:  j       1b
